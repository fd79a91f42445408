//
// BonusPlugin.cpp
//
// The library's manifest: one line per handler class. (The ABI symbols
// come from orchd_add_plugin().)
//


#include "BonusTask.h"
#include "orchd/PluginApi.h"


POCO_BEGIN_MANIFEST(orchd::TaskHandler)
	POCO_EXPORT_CLASS(BonusTask)
POCO_END_MANIFEST

//
// SaldoPlugin.cpp
//
// The saldo plugin's entry points: ABI version and manifest.
//


#include "SaldoTasks.h"
#include "orchd/PluginApi.h"




POCO_BEGIN_MANIFEST(orchd::TaskHandler)
	POCO_EXPORT_CLASS(saldo::OpenTask)
	POCO_EXPORT_CLASS(saldo::QueryTask)
	POCO_EXPORT_CLASS(saldo::UpdateTask)
	POCO_EXPORT_CLASS(saldo::TransferTask)
	POCO_EXPORT_CLASS(saldo::CloseTask)
POCO_END_MANIFEST

//
// PluginApi.h
//
// The versioned entry point every orchd plugin library exports.
//


#ifndef orchd_PluginApi_INCLUDED
#define orchd_PluginApi_INCLUDED


#include "Poco/ClassLibrary.h"
#include "Poco/Version.h"


namespace orchd {


constexpr int PLUGIN_ABI_VERSION = 7;
	/// The version of the plugin ABI: the layout and virtual tables of
	/// TaskHandler, TaskContext, AccountStore, Plugin and PluginSettings. It
	/// is raised whenever any of those headers changes in a way that breaks
	/// compiled plugins.
	/// Version 2 added TaskHandler::quick(); version 3 storeHint();
	/// version 4 the Poco release a plugin was built against; version 5
	/// AccountStore::close(); version 6 the Plugin object (settings, task
	/// types chosen at load, start()) and AccountStore::prepare() and
	/// select(); version 7 storeHint() with a StoreHint (accounts it only
	/// reads, fetched without a lock).
	///
	/// The host reads it from each library through the extern "C" symbol
	/// orchdPluginAbiVersion() *before* it touches any C++ class in the
	/// library, and refuses a library whose version differs; then the Poco
	/// release through orchdPluginPocoVersion() (POCO_VERSION, 0xAABBCCDD),
	/// and refuses a library built against another Poco release (major and
	/// minor: each has its own ABI and soname).
	///
	/// tests/plugin/AbiGuardTest checks a hash of these headers against
	/// tests/plugin/PluginAbi.sha256: change a header and the test fails
	/// until this version is raised and the new hash recorded.


} // namespace orchd


#define ORCHD_PLUGIN_ABI_SYMBOL "orchdPluginAbiVersion"
#define ORCHD_PLUGIN_POCO_SYMBOL "orchdPluginPocoVersion"
#define ORCHD_PLUGIN_OBJECT_SYMBOL "orchdPluginCreate"


#define ORCHD_DECLARE_PLUGIN_ABI() \
	extern "C" int POCO_LIBRARY_API orchdPluginAbiVersion() \
	{ \
		return orchd::PLUGIN_ABI_VERSION; \
	} \
	extern "C" unsigned POCO_LIBRARY_API orchdPluginPocoVersion() \
	{ \
		return POCO_VERSION; \
	}
	/// Place exactly once in a plugin library, beside its manifest:
	///
	///     ORCHD_DECLARE_PLUGIN_ABI()
	///     POCO_BEGIN_MANIFEST(orchd::TaskHandler)
	///         POCO_EXPORT_CLASS(EchoTask)
	///     POCO_END_MANIFEST


#define ORCHD_DECLARE_PLUGIN(Class) \
	extern "C" POCO_LIBRARY_API orchd::Plugin* orchdPluginCreate() \
	{ \
		return new Class; \
	}
	/// Optional, at most once in a plugin library: exports its
	/// orchd::Plugin (see Plugin.h), which the host creates with new and
	/// deletes, after the ABI checks passed:
	///
	///     ORCHD_DECLARE_PLUGIN(SqlPlugin)
	///     POCO_BEGIN_MANIFEST(orchd::TaskHandler)
	///     POCO_END_MANIFEST


#endif // orchd_PluginApi_INCLUDED

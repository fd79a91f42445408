//
// Plugin.h
//
// The optional plugin object: settings, task types chosen at load, a start.
//


#ifndef orchd_Plugin_INCLUDED
#define orchd_Plugin_INCLUDED


#include "orchd/AccountStore.h"
#include "orchd/PluginSettings.h"
#include "orchd/TaskHandler.h"
#include <memory>
#include <vector>


namespace orchd {


class Plugin
	/// A library that needs settings, or whose task types are not known
	/// until its settings are read, exports one Plugin (see
	/// ORCHD_DECLARE_PLUGIN() in PluginApi.h) beside its manifest, which
	/// may then be empty. The host creates it once, after the ABI checks,
	/// and calls, in this order and from one thread:
	///
	///   1. configure(), at load, on every node (masters validate with it);
	///   2. tasks(), once, for the handlers it adds to the manifest's;
	///   3. start(), on a worker once its store is open, before any task.
	///
	/// An exception from any of them stops the node from starting, with
	/// its message (which should name the plugin.<plugin>.<key> at fault).
	/// The Plugin lives as long as the library, and its handlers are
	/// destroyed first.
{
public:
	virtual ~Plugin() = default;

	virtual void configure(PluginSettings& settings) = 0;
		/// Declares the plugin's settings and reads their values. Throws
		/// Poco::InvalidArgumentException naming the key of a bad value.

	virtual std::vector<std::unique_ptr<TaskHandler>> tasks()
		/// Returns the handlers of the task types the settings declare
		/// (their names follow TaskHandler::name()'s rules). None by default.
	{
		return {};
	}

	virtual void start(AccountStore& store)
		/// Checks what the plugin needs of the worker's store (the sql
		/// plugin prepares its statements there). Throws to refuse to
		/// start. Nothing by default.
	{
		(void) store;
	}
};


} // namespace orchd


#endif // orchd_Plugin_INCLUDED

//
// PluginHost.h
//
// Loads the task handler plugins from a folder.
//


#ifndef orchd_PluginHost_INCLUDED
#define orchd_PluginHost_INCLUDED


#include "orchd/Plugin.h"
#include "orchd/TaskHandler.h"
#include "plugin/DeclaredSettings.h"
#include "Poco/ClassLoader.h"
#include "Poco/Logger.h"
#include "Poco/SharedLibrary.h"
#include "Poco/Util/AbstractConfiguration.h"
#include <map>
#include <memory>
#include <string>
#include <vector>


namespace orchd {


class PluginHost
	/// Scans a folder for plugin libraries (*.so), loads each one and
	/// creates one instance of every TaskHandler in its manifest.
	///
	/// A library is all or nothing. It is refused, with a warning that
	/// names the file and the reason, and the host goes on with the next
	/// one, when: it cannot be loaded; it lacks the extern "C"
	/// orchdPluginAbiVersion() symbol or returns another version (checked
	/// before any C++ class of the library is touched); it has no
	/// manifest, or an empty one; a handler's constructor throws; a handler
	/// has an invalid task name or one that is already taken.
	///
	/// A library may also export an orchd::Plugin (ORCHD_DECLARE_PLUGIN()):
	/// it is configured with its plugin.<plugin>.* settings (from the
	/// configuration given to setConfiguration()), its tasks() join the
	/// manifest's handlers, and start() gives it the worker's store. A bad
	/// setting (an undeclared key, a value the plugin refuses) refuses the
	/// library as a configuration error, which checkSettings() reports.
	///
	/// Handler objects are destroyed before their libraries are unloaded.
	/// Loading is not thread-safe; once loaded, find() and the accessors
	/// are (the maps do not change).
{
public:
	struct Loaded
	{
		std::string file;               /// the library's path
		std::vector<std::string> tasks; /// the task names it provides
	};

	struct Refused
	{
		std::string file;    /// the library's path
		std::string reason;  /// why it was not loaded
		bool configuration = false;  /// refused for a plugin.* setting: the node must not start
	};

	explicit PluginHost(Poco::Logger& logger);
	~PluginHost();

	PluginHost(const PluginHost&) = delete;
	PluginHost& operator = (const PluginHost&) = delete;

	void setConfiguration(const Poco::Util::AbstractConfiguration& config);
		/// The node's configuration, for the plugins' settings; must
		/// outlive loading. Without one, every setting has its default.

	void loadFolder(const std::string& path);
		/// Loads every *.so in the folder, in name order. Throws
		/// Poco::FileNotFoundException if the folder does not exist;
		/// refused libraries are only logged and listed in refused().

	bool loadLibrary(const std::string& path);
		/// Loads one library; returns false (and records why) if refused.

	void checkSettings() const;
		/// Throws Poco::InvalidArgumentException with the reason of the
		/// first library refused for its settings, or for a plugin.<P>.*
		/// key whose plugin P is not loaded (naming the nearest loaded one).

	void start(AccountStore& store);
		/// Calls every Plugin's start() in load order; its exceptions pass.

	const std::vector<DeclaredSettings::Declaration>& settings() const;
		/// Every setting the loaded plugins declared, with its value.

	TaskHandler* find(const std::string& task) const;
		/// Returns the handler for a task name, or null.

	std::vector<std::string> taskNames() const;
		/// Returns the loaded task names, sorted.

	const std::vector<Loaded>& loaded() const;
	const std::vector<Refused>& refused() const;

	static bool isValidTaskName(const std::string& name);
		/// Task names are 1 to 32 of A-Z, 0-9 and '_', starting with a letter.

private:
	using Loader = Poco::ClassLoader<TaskHandler>;

	std::string probeAbi(const std::string& path);
	static std::string pocoRelease(unsigned version);
		/// "1.11" for POCO_VERSION 0x010B0000.
	struct PluginObject
	{
		std::unique_ptr<Poco::SharedLibrary> library;  // holds the symbol's library while the object lives
		std::unique_ptr<Plugin> plugin;
	};

	std::string createPlugin(const std::string& path, PluginObject& object, bool& configuration);
	std::string createHandlers(const std::string& path, Plugin* plugin, std::vector<std::unique_ptr<TaskHandler>>& handlers);
	static std::string checkNames(const std::vector<std::unique_ptr<TaskHandler>>& handlers, const std::map<std::string, std::unique_ptr<TaskHandler>>& taken);
	void refuse(const std::string& path, const std::string& reason, bool configuration = false);

	Poco::Logger& _logger;
	const Poco::Util::AbstractConfiguration* _config = nullptr;
	// Declared before the plugins and handlers so that those die first.
	Loader _loader;
	std::vector<PluginObject> _plugins;
	std::map<std::string, std::unique_ptr<TaskHandler>> _handlers;
	std::vector<DeclaredSettings::Declaration> _settings;
	std::vector<Loaded> _loaded;
	std::vector<Refused> _refused;
};


} // namespace orchd


#endif // orchd_PluginHost_INCLUDED

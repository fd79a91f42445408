//
// PluginHost.h
//
// Loads the task handler plugins from a folder, at start and while running.
//


#ifndef orchd_PluginHost_INCLUDED
#define orchd_PluginHost_INCLUDED


#include "orchd/Plugin.h"
#include "orchd/TaskHandler.h"
#include "plugin/DeclaredSettings.h"
#include "plugin/FileStamp.h"
#include "Poco/ClassLoader.h"
#include "Poco/JSON/Object.h"
#include "Poco/Logger.h"
#include "Poco/SharedLibrary.h"
#include "Poco/Util/AbstractConfiguration.h"
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
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
	/// has an invalid task name or one that is already taken; an earlier
	/// copy of the same path is still mapped (refused after it was opened).
	///
	/// A library may also export an orchd::Plugin (ORCHD_DECLARE_PLUGIN()):
	/// it is configured with its plugin.<plugin>.* settings (from the
	/// configuration given to setConfiguration()), its tasks() join the
	/// manifest's handlers, and start() gives it the worker's store. A bad
	/// setting (an undeclared key, a value the plugin refuses) refuses the
	/// library as a configuration error, which checkSettings() reports.
	///
	/// Libraries may be added while the node runs (PluginWatcher): loading
	/// is serialised by a mutex, and find() reads, without a lock, a table
	/// of handlers that a load replaces as a whole and never changes in
	/// place; every table is kept until destruction (one per library
	/// loaded), so a reader's handler and table never dangle. Nothing is
	/// ever unloaded or replaced before destruction, where the handler
	/// and Plugin objects die before their libraries are unloaded. Every
	/// method is thread-safe.
{
public:
	struct Loaded
	{
		std::string file;               /// the library's path
		std::vector<std::string> tasks; /// the task names it provides
		FileStamp stamp;                /// the file as it was loaded
	};

	struct Refused
	{
		std::string file;    /// the library's path
		std::string reason;  /// why it was not loaded
		FileStamp stamp;     /// the file as it was refused
		bool configuration = false;  /// refused for a plugin.* setting: the node must not start
	};

	struct Stale
	{
		std::string file;    /// a loaded library's path
		std::string reason;  /// what happened to the file since
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

	static std::vector<std::string> librariesIn(const std::string& path);
		/// The paths of the *.so files in a folder, sorted. Throws
		/// Poco::FileNotFoundException if the folder does not exist.

	bool loadLibrary(const std::string& path);
		/// Loads one library; returns false (and records why) if refused.
		/// A later attempt on the same path replaces its refusal.

	void checkSettings() const;
		/// Throws Poco::InvalidArgumentException with the reason of the
		/// first library refused for its settings, or for a plugin.<P>.*
		/// key whose plugin P is not loaded (naming the nearest loaded one).

	void start(AccountStore& store);
		/// Calls every Plugin's start() in load order; its exceptions pass.
		/// A Plugin loaded later (a hot load) is started as it loads, and
		/// refused if its start() throws.

	std::vector<DeclaredSettings::Declaration> settings() const;
		/// Every setting the loaded plugins declared, with its value.

	TaskHandler* find(const std::string& task) const;
		/// Returns the handler for a task name, or null. Lock-free.

	std::vector<std::string> taskNames() const;
		/// Returns the loaded task names, sorted.

	std::vector<Loaded> loaded() const;
	std::vector<Refused> refused() const;
		/// The libraries refused and still to be seen in their folder.

	std::size_t refusedCount() const;
		/// Every refusal since start, including those forgotten since.

	void forget(const std::string& file);
		/// Drops the refusal of a file that is no longer there.

	void setRestartNeeded(const std::vector<Stale>& stale);
		/// The loaded libraries whose file was replaced or removed since
		/// (PluginWatcher's finding): they run as loaded until a restart.

	std::vector<Stale> restartNeeded() const;

	Poco::JSON::Object::Ptr status() const;
		/// {"loaded":[{"file","tasks"}],"refused":[{"file","why"}],
		/// "refused_total":N,"restart_needed":[{"file","why"}]}.

	static bool isValidTaskName(const std::string& name);
		/// Task names are 1 to 32 of A-Z, 0-9 and '_', starting with a letter.

private:
	using Loader = Poco::ClassLoader<TaskHandler>;
	using Table = std::map<std::string, TaskHandler*>;

	std::string probeAbi(const std::string& path);
	static std::string stillMapped(const std::string& path);
	static std::string pocoRelease(unsigned version);
		/// "1.11" for POCO_VERSION 0x010B0000.
	struct PluginObject
	{
		std::unique_ptr<Poco::SharedLibrary> library;  // holds the symbol's library while the object lives
		std::unique_ptr<Plugin> plugin;
	};

	std::string createPlugin(const std::string& path, PluginObject& object, bool& configuration);
	std::string createHandlers(const std::string& path, Plugin* plugin, std::vector<std::unique_ptr<TaskHandler>>& handlers);
	std::string checkNames(const std::vector<std::unique_ptr<TaskHandler>>& handlers) const;
	void publish(std::vector<std::unique_ptr<TaskHandler>>& handlers);
	std::string startLate(Plugin& plugin);
	void refuse(const std::string& path, const std::string& reason, const FileStamp& stamp, bool configuration = false);

	Poco::Logger& _logger;
	mutable std::mutex _mutex;  // loads, and the lists below
	const Poco::Util::AbstractConfiguration* _config = nullptr;
	AccountStore* _store = nullptr;  // after start(): a Plugin loaded later is started with it
	// Declared before the plugins and handlers so that those die first.
	Loader _loader;
	std::vector<PluginObject> _plugins;
	std::vector<std::unique_ptr<TaskHandler>> _handlers;
	std::vector<std::unique_ptr<const Table>> _tables;
	std::atomic<const Table*> _table;
	std::vector<DeclaredSettings::Declaration> _settings;
	std::vector<Loaded> _loaded;
	std::vector<Refused> _refused;
	std::vector<Stale> _stale;
	std::size_t _refusedCount = 0;
};


} // namespace orchd


#endif // orchd_PluginHost_INCLUDED

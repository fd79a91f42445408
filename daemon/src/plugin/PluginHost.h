//
// PluginHost.h
//
// Loads the task handler plugins from a folder.
//


#ifndef orchd_PluginHost_INCLUDED
#define orchd_PluginHost_INCLUDED


#include "orchd/TaskHandler.h"
#include "Poco/ClassLoader.h"
#include "Poco/Logger.h"
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
	};

	explicit PluginHost(Poco::Logger& logger);
	~PluginHost();

	PluginHost(const PluginHost&) = delete;
	PluginHost& operator = (const PluginHost&) = delete;

	void loadFolder(const std::string& path);
		/// Loads every *.so in the folder, in name order. Throws
		/// Poco::FileNotFoundException if the folder does not exist;
		/// refused libraries are only logged and listed in refused().

	bool loadLibrary(const std::string& path);
		/// Loads one library; returns false (and records why) if refused.

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
	std::string createHandlers(const std::string& path, std::vector<std::unique_ptr<TaskHandler>>& handlers);
	void refuse(const std::string& path, const std::string& reason);

	Poco::Logger& _logger;
	// Declared before the handlers so that the handlers die first.
	Loader _loader;
	std::map<std::string, std::unique_ptr<TaskHandler>> _handlers;
	std::vector<Loaded> _loaded;
	std::vector<Refused> _refused;
};


} // namespace orchd


#endif // orchd_PluginHost_INCLUDED

//
// PluginWatcher.h
//
// Loads the plugin libraries dropped into the plugin folder while running.
//


#ifndef orchd_PluginWatcher_INCLUDED
#define orchd_PluginWatcher_INCLUDED


#include "plugin/FileStamp.h"
#include "plugin/PluginHost.h"
#include "Poco/DirectoryWatcher.h"
#include "Poco/Event.h"
#include "Poco/Logger.h"
#include "Poco/Timespan.h"
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>


namespace orchd {


class PluginWatcher
	/// Looks at the plugin folder (plugins.dir) while the node runs: on a
	/// change that inotify reports (Poco::DirectoryWatcher), at least every
	/// interval (plugins.scan_ms), and at once on rescan() (SIGHUP).
	///
	/// A *.so it has not seen, or a refused one that has changed since, is
	/// loaded into the PluginHost once its size, modification time and
	/// inode have not changed for an interval, so that a library still
	/// being copied is not opened half written (rescan() does not wait:
	/// SIGHUP says the operator is done). A refused library is not tried
	/// again until its file changes.
	///
	/// A loaded library whose file is replaced or removed keeps running as
	/// it was loaded (code in use is never unloaded): the watcher logs one
	/// warning per change and lists it in PluginHost::restartNeeded().
	///
	/// After a scan that loaded something, calls the listener with every
	/// task name the host knows (a worker announces them to its master).
	///
	/// Threads: one of its own (with start(), if watching) and the
	/// DirectoryWatcher's; scans are serialised by a mutex, and every
	/// method is thread-safe. The listener is called on the scanning
	/// thread, never after stop() has returned.
{
public:
	using Listener = std::function<void(const std::vector<std::string>& tasks)>;

	PluginWatcher(PluginHost& host, const std::string& folder, Poco::Timespan interval, Poco::Logger& logger);
		/// host has loaded the folder (PluginHost::loadFolder()).
	~PluginWatcher();
		/// stop().

	const PluginHost& host() const;
		/// The host it loads into (its task types include those loaded since start).

	void start(Listener listener, bool watch);
		/// From now on tells listener of new task names; tells it the
		/// current ones at once (a library loaded by an early rescan() is
		/// not missed). With watch, starts watching the folder.

	void stop();
		/// Stops watching; later scans do nothing.

	std::size_t rescan();
		/// Looks at the folder now and loads every new library without
		/// waiting for it to settle; returns how many were loaded.

	std::size_t scan();
		/// One look as the watching thread takes it; returns how many
		/// libraries were loaded.

private:
	struct Pending
	{
		FileStamp stamp;
		std::int64_t since = 0;  // µs, monotonic: when stamp was first seen
	};

	void run();
	std::size_t look(bool settle);
	bool settled(const std::string& file, const FileStamp& stamp, bool settle, std::int64_t now);
	void checkLoaded(const std::vector<PluginHost::Loaded>& loaded, const std::set<std::string>& present);
	void onChange(const void* sender, const Poco::DirectoryWatcher::DirectoryEvent& event);

	PluginHost& _host;
	std::string _folder;
	Poco::Timespan _interval;
	Poco::Logger& _logger;

	std::mutex _mutex;                        // a scan; everything below
	bool _stopped = false;
	Listener _listener;
	std::map<std::string, Pending> _pending;  // new files not settled yet
	std::map<std::string, std::string> _warned;  // "restart needed" logged: file -> reason

	Poco::Event _wake;
	std::atomic<bool> _quit{false};
	std::unique_ptr<Poco::DirectoryWatcher> _directoryWatcher;
	std::thread _thread;
};


} // namespace orchd


#endif // orchd_PluginWatcher_INCLUDED

//
// PluginWatcher.cpp
//


#include "plugin/PluginWatcher.h"
#include "Poco/Clock.h"
#include "Poco/Delegate.h"
#include "Poco/Exception.h"
#include <algorithm>


namespace orchd {


PluginWatcher::PluginWatcher(PluginHost& host, const std::string& folder, Poco::Timespan interval, Poco::Logger& logger):
	_host(host),
	_folder(folder),
	_interval(interval),
	_logger(logger)
{
}


PluginWatcher::~PluginWatcher()
{
	stop();
}


void PluginWatcher::start(Listener listener, bool watch)
{
	{
		std::lock_guard<std::mutex> lock(_mutex);
		_listener = std::move(listener);
		if (_listener) _listener(_host.taskNames());
	}
	if (!watch) return;
	try
	{
		using Poco::DirectoryWatcher;
		_directoryWatcher = std::make_unique<DirectoryWatcher>(_folder,
			DirectoryWatcher::DW_ITEM_ADDED | DirectoryWatcher::DW_ITEM_MODIFIED | DirectoryWatcher::DW_ITEM_REMOVED |
			DirectoryWatcher::DW_ITEM_MOVED_TO | DirectoryWatcher::DW_ITEM_MOVED_FROM);
		_directoryWatcher->itemAdded += Poco::delegate(this, &PluginWatcher::onChange);
		_directoryWatcher->itemModified += Poco::delegate(this, &PluginWatcher::onChange);
		_directoryWatcher->itemRemoved += Poco::delegate(this, &PluginWatcher::onChange);
		_directoryWatcher->itemMovedTo += Poco::delegate(this, &PluginWatcher::onChange);
		_directoryWatcher->itemMovedFrom += Poco::delegate(this, &PluginWatcher::onChange);
	}
	catch (Poco::Exception& exc)
	{
		_logger.warning("cannot watch %s for changes (%s): looking at it every %s ms instead", _folder, exc.displayText(),
			std::to_string(_interval.totalMilliseconds()));
	}
	_thread = std::thread([this] { run(); });
	_logger.information("watching %s for new plugins (plugins.scan_ms %s)", _folder, std::to_string(_interval.totalMilliseconds()));
}


void PluginWatcher::stop()
{
	{
		// Waits for a scan (and its listener call) in progress.
		std::lock_guard<std::mutex> lock(_mutex);
		_stopped = true;
	}
	_quit = true;
	_wake.set();
	if (_thread.joinable()) _thread.join();
	_directoryWatcher.reset();
}


void PluginWatcher::onChange(const void*, const Poco::DirectoryWatcher::DirectoryEvent&)
{
	_wake.set();
}


void PluginWatcher::run()
{
	std::string lastError;
	while (!_quit)
	{
		bool pending = false;
		try
		{
			scan();
			lastError.clear();
		}
		catch (Poco::Exception& exc)
		{
			// A folder removed or unreadable: said once, tried again.
			if (exc.displayText() != lastError) _logger.warning("cannot look at plugin folder %s: %s", _folder, exc.displayText());
			lastError = exc.displayText();
		}
		{
			std::lock_guard<std::mutex> lock(_mutex);
			pending = !_pending.empty();
		}
		// A file waiting to settle is looked at again sooner.
		Poco::Timespan::TimeDiff waitMs = _interval.totalMilliseconds();
		if (pending) waitMs = std::max<Poco::Timespan::TimeDiff>(20, waitMs / 4);
		_wake.tryWait(static_cast<long>(waitMs));
	}
}


std::size_t PluginWatcher::rescan()
{
	return look(false);
}


std::size_t PluginWatcher::scan()
{
	return look(true);
}


std::size_t PluginWatcher::look(bool settle)
{
	std::lock_guard<std::mutex> lock(_mutex);
	if (_stopped) return 0;
	std::int64_t now = Poco::Clock().microseconds();
	std::vector<PluginHost::Loaded> loaded = _host.loaded();
	std::map<std::string, FileStamp> refused;
	for (const auto& library: _host.refused()) refused[library.file] = library.stamp;
	std::set<std::string> present, known;
	for (const auto& library: loaded) known.insert(library.file);
	std::size_t count = 0;
	for (const auto& file: PluginHost::librariesIn(_folder))
	{
		present.insert(file);
		FileStamp stamp = FileStamp::of(file);
		if (!stamp.exists() || known.count(file)) continue;
		auto it = refused.find(file);
		if (it != refused.end() && it->second == stamp)
		{
			_pending.erase(file);
			continue;
		}
		if (!settled(file, stamp, settle, now)) continue;
		_pending.erase(file);
		if (_host.loadLibrary(file)) ++count;
	}
	for (auto it = _pending.begin(); it != _pending.end();)
	{
		if (present.count(it->first)) ++it;
		else it = _pending.erase(it);
	}
	for (const auto& entry: refused)
	{
		if (!present.count(entry.first)) _host.forget(entry.first);
	}
	checkLoaded(loaded, present);
	if (count > 0)
	{
		std::vector<std::string> tasks = _host.taskNames();
		_logger.information("%z new plugin(s) loaded from %s: this node now knows %s", count, _folder,
			Poco::cat(std::string(", "), tasks.begin(), tasks.end()));
		if (_listener) _listener(tasks);
	}
	return count;
}


bool PluginWatcher::settled(const std::string& file, const FileStamp& stamp, bool settle, std::int64_t now)
{
	auto it = _pending.find(file);
	if (it == _pending.end() || it->second.stamp != stamp)
	{
		_pending[file] = Pending{stamp, now};
		return !settle;
	}
	return !settle || now - it->second.since >= _interval.totalMicroseconds();
}


void PluginWatcher::checkLoaded(const std::vector<PluginHost::Loaded>& loaded, const std::set<std::string>& present)
{
	std::vector<PluginHost::Stale> stale;
	std::set<std::string> files;
	for (const auto& library: loaded)
	{
		FileStamp stamp = FileStamp::of(library.file);
		std::string why;
		if (!present.count(library.file) || !stamp.exists()) why = "removed since it was loaded";
		else if (stamp != library.stamp) why = "replaced since it was loaded";
		if (why.empty()) continue;
		why += ": the node runs the copy it loaded until it is drained and restarted";
		stale.push_back({library.file, why});
		files.insert(library.file);
		std::string& warned = _warned[library.file];
		if (warned != why)
		{
			_logger.warning("plugin %s was %s", library.file, why);
			warned = why;
		}
	}
	for (auto it = _warned.begin(); it != _warned.end();)
	{
		if (files.count(it->first)) ++it;
		else it = _warned.erase(it);
	}
	_host.setRestartNeeded(stale);
}


const PluginHost& PluginWatcher::host() const
{
	return _host;
}


} // namespace orchd

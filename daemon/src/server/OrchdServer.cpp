//
// OrchdServer.cpp
//


#include "server/OrchdServer.h"
#include "master/MasterServer.h"
#include "metrics/MetricsServer.h"
#include "worker/WorkerMetrics.h"
#include "plugin/PluginHost.h"
#include "plugin/PluginWatcher.h"
#include "plugin/TaskRunner.h"
#include "worker/WorkerNode.h"
#include "server/DaemonConfig.h"
#include "server/HangupListener.h"
#include "server/JournalChannel.h"
#include "server/LoggingReload.h"
#include "server/SystemdNotifier.h"
#include "server/TaskKeys.h"
#include "store/AccountDatabase.h"
#include <thread>
#include "Poco/File.h"
#include "Poco/String.h"
#include "Poco/Util/HelpFormatter.h"
#include "Poco/Util/PropertyFileConfiguration.h"
#include "Poco/AutoPtr.h"
#include "Poco/Util/OptionException.h"
#include <csignal>
#include <iostream>
#include <memory>
#include <set>
#include <sys/resource.h>


using Poco::Util::Option;
using Poco::Util::OptionCallback;


namespace orchd {


namespace {


void raiseFileLimit(Poco::Logger& log)
{
	// A master holds one descriptor per connection: allow as many as the
	// hard limit does, not the usual soft 1024.
	rlimit limit{};
	if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max)
	{
		limit.rlim_cur = limit.rlim_max;
		if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) log.warning("cannot raise the open-file limit");
	}
}


} // namespace


OrchdServer::OrchdServer()
{
	setUnixOptions(true);
}


int OrchdServer::start(int argc, char** argv)
{
	const int EXIT_USAGE_ERROR = 2;  // Poco's EXIT_USAGE is sysexits' 64
	for (int i = 1; i < argc; ++i)
	{
		if (std::string(argv[i]) == "--daemon") return run(argc, argv);
	}
	try
	{
		init(argc, argv);
	}
	catch (Poco::Util::OptionException& exc)
	{
		std::cerr << "orchd: " << exc.displayText() << "\ntry 'orchd --help'" << std::endl;
		return EXIT_USAGE_ERROR;
	}
	catch (Poco::Exception& exc)
	{
		std::cerr << "orchd: " << exc.displayText() << std::endl;
		return EXIT_CONFIG;
	}
	return run();
}


void OrchdServer::defineOptions(Poco::Util::OptionSet& options)
{
	ServerApplication::defineOptions(options);
	options.addOption(Option("help", "h", "print this help and exit")
		.required(false).repeatable(false)
		.callback(OptionCallback<OrchdServer>(this, &OrchdServer::handleHelp)));
	options.addOption(Option("version", "V", "print the version and exit")
		.required(false).repeatable(false)
		.callback(OptionCallback<OrchdServer>(this, &OrchdServer::handleVersion)));
	options.addOption(Option("config", "c", "load the configuration from FILE (.properties)")
		.required(false).repeatable(false).argument("FILE")
		.callback(OptionCallback<OrchdServer>(this, &OrchdServer::handleConfig)));
	options.addOption(Option("define", "D", "set a configuration key, overriding the file (repeatable)")
		.required(false).repeatable(true).argument("KEY=VALUE")
		.callback(OptionCallback<OrchdServer>(this, &OrchdServer::handleDefine)));
}


void OrchdServer::handleHelp(const std::string&, const std::string&)
{
	Poco::Util::HelpFormatter help(options());
	help.setCommand(commandName());
	help.setUsage("--config=FILE [--define KEY=VALUE ...]");
	help.setHeader("orchd, the federated task-orchestration daemon: a master or a worker, as its properties file says.");
	help.setFooter("Keys are documented in the example files installed with orchd (etc/orchd). "
		"Exit codes: 0 ok, 2 unknown option, 78 configuration error, 69 store or listening address unavailable.");
	help.format(std::cout);
	_helpRequested = true;
	stopOptionsProcessing();
}


void OrchdServer::handleVersion(const std::string&, const std::string&)
{
	std::cout << "orchd " << ORCHD_VERSION << std::endl;
	_helpRequested = true;
	stopOptionsProcessing();
}


void OrchdServer::handleConfig(const std::string&, const std::string& value)
{
	// --daemon changes the working folder to "/": remember the full path.
	_configFile = Poco::Path(value).absolute().toString();
	if (!Poco::File(_configFile).exists())
		throw ConfigException("cannot read configuration file " + _configFile + ": file not found");
	loadConfiguration(_configFile);
}


void OrchdServer::handleDefine(const std::string&, const std::string& value)
{
	std::string::size_type eq = value.find('=');
	if (eq == 0 || eq == std::string::npos)
		throw ConfigException("--define " + value + ": expected KEY=VALUE");
	config().setString(Poco::trim(value.substr(0, eq)), Poco::trim(value.substr(eq + 1)));
	_defines.emplace_back(Poco::trim(value.substr(0, eq)), Poco::trim(value.substr(eq + 1)));
}


void OrchdServer::initialize(Poco::Util::Application& self)
{
	// Logging is configured here, from the logging.* keys of the file.
	ServerApplication::initialize(self);
	// Under systemd, stderr is the journal: each line carries its
	// priority there, and so do the error lines main() writes itself.
	if (JournalChannel::stderrIsJournal())
	{
		JournalChannel::adoptConsoles();
		_errorPrefix = "<3>";
	}
}


namespace {


bool liveKey(const std::string& key)
	/// The keys a reload applies without a restart.
{
	return key.rfind("queue.", 0) == 0 || key.rfind("task.", 0) == 0 || key.rfind("lb.", 0) == 0 ||
		key == "peer.heartbeat_ms" || key == "peer.dead_after_ms" || key == "master.peers";
}


} // namespace


void OrchdServer::reload(const DaemonSettings& running, MasterServer* master, PluginWatcher& plugins)
{
	const std::string& role = running.role;
	Poco::Logger& log = logger();
	log.information("reload requested (SIGHUP): looking for new plugins, reading %s", _configFile);
	try
	{
		std::size_t added = plugins.rescan();
		if (added == 0) log.information("reload: no new plugin loaded");
	}
	catch (Poco::Exception& exc)
	{
		log.error("reload: cannot look at the plugin folder: %s", exc.displayText());
	}
	Poco::AutoPtr<Poco::Util::PropertyFileConfiguration> file;
	try
	{
		file = new Poco::Util::PropertyFileConfiguration(_configFile);
		for (const auto& define: _defines) file->setString(define.first, define.second);
	}
	catch (Poco::Exception& exc)
	{
		log.error("reload refused: cannot read %s: %s; the running configuration is kept", _configFile, exc.displayText());
		return;
	}
	std::vector<std::string> applied, refused;
	std::vector<std::pair<std::string, std::string>> changed;
	std::vector<DaemonConfig::Key> keys = DaemonConfig::keys();
	std::set<std::string> types = TaskKeys::typeNames(config());
	for (const auto& type: TaskKeys::typeNames(*file)) types.insert(type);
	for (const auto& type: types)
	{
		for (const char* field: TaskKeys::FIELDS) keys.push_back({"task." + type + "." + field, ""});
	}
	for (const auto& key: keys)
	{
		std::string before = config().getString(key.name, key.defaultValue);
		std::string after = file->getString(key.name, key.defaultValue);
		if (before == after) continue;
		if (liveKey(key.name)) applied.push_back(key.name + " " + (before.empty() ? "(default)" : before) + " -> " + (after.empty() ? "(default)" : after));
		else refused.push_back(key.name + " (running '" + before + "', file '" + after + "')");
		changed.emplace_back(key.name, after);
	}
	// Log levels change one by one; channels, formatters and which
	// logger writes where are configured again as a whole.
	std::vector<std::pair<std::string, std::string>> levels;
	Poco::Util::AbstractConfiguration::Keys loggers;
	file->keys("logging.loggers", loggers);
	for (const auto& entry: loggers)
	{
		std::string prefix = "logging.loggers." + entry + ".";
		std::string level = file->getString(prefix + "level", "");
		if (level.empty() || level == config().getString(prefix + "level", "")) continue;
		std::string name = file->getString(prefix + "name", entry == "root" ? "" : entry);
		try
		{
			Poco::Logger::parseLevel(level);
		}
		catch (Poco::Exception&)
		{
			log.error("reload refused: %s: unknown log level '%s'; the running configuration is kept", prefix + "level", level);
			return;
		}
		levels.emplace_back(name, level);
		changed.emplace_back(prefix + "level", level);
	}
	std::map<std::string, std::string> routingBefore = LoggingReload::routing(config()), routingAfter = LoggingReload::routing(*file);
	bool rerouted = routingBefore != routingAfter;
	if (!refused.empty())
	{
		log.error("reload refused: %s cannot change while orchd runs: restart it to apply; nothing was applied",
			Poco::cat(std::string(", "), refused.begin(), refused.end()));
		return;
	}
	DaemonSettings fresh;
	try
	{
		fresh = DaemonConfig::load(*file);
		TaskKeys::checkTypes(*file, plugins.host().taskNames());
		if (rerouted) LoggingReload::check(*file);
	}
	catch (ConfigException& exc)
	{
		log.error("reload refused: configuration error in %s: %s; the running configuration is kept", _configFile, exc.message());
		return;
	}
	if (rerouted)
	{
		try
		{
			LoggingReload::apply(*file);
			for (const auto& entry: routingBefore)
			{
				if (!routingAfter.count(entry.first)) config().remove(entry.first);
			}
			for (const auto& entry: routingAfter) config().setString(entry.first, entry.second);
			log.information("reload: log channels configured again from %s", _configFile);
		}
		catch (Poco::Exception& exc)
		{
			log.error("reload: log channels not changed: %s", exc.displayText());
		}
	}
	for (const auto& level: levels)
	{
		Poco::Logger::setLevel(level.first, Poco::Logger::parseLevel(level.second));
		log.information("reload: logger '%s' level -> %s", level.first.empty() ? std::string("root") : level.first, level.second);
	}
	if (master) master->retune(fresh.master);
	if (running.security.clusterToken && fresh.security.clusterToken && running.security.clusterToken->replace(*fresh.security.clusterToken))
	{
		log.information("reload: auth.cluster_token_file re-read: %z token(s) accepted, the first presented", running.security.clusterToken->size());
		changed.emplace_back("auth.cluster_token_file", config().getString("auth.cluster_token_file", ""));
	}
	for (const auto& line: applied)
		log.information("reload: %s%s", line, std::string(role == "master" ? "" : " (a master's setting: no effect on a worker)"));
	for (const auto& entry: changed)
	{
		// A per-type key taken out of the file goes back to the global value.
		if (entry.second.empty() && TaskKeys::isTypeKey(entry.first)) config().remove(entry.first);
		else config().setString(entry.first, entry.second);
	}
	log.information("reload done: %z setting(s) changed", changed.size());
}


int OrchdServer::main(const ArgVec&)
{
	if (_helpRequested) return EXIT_OK;
	// A write to a peer that has gone must be an error on that connection,
	// never a signal that ends the process.
	std::signal(SIGPIPE, SIG_IGN);
	DaemonSettings settings;
	try
	{
		if (_configFile.empty()) throw ConfigException("no configuration file: use --config=FILE");
		settings = DaemonConfig::load(config());
	}
	catch (ConfigException& exc)
	{
		std::cerr << _errorPrefix << "orchd: configuration error in " << (_configFile.empty() ? std::string("(none)") : _configFile)
		          << ": " << exc.message() << std::endl;
		return EXIT_CONFIG;
	}
	Poco::Logger& log = logger();
	PluginHost plugins(log);
	plugins.setConfiguration(config());
	plugins.loadFolder(settings.pluginsDir);
	if (plugins.taskNames().empty()) log.warning("no task type loaded from %s: this node knows no task", settings.pluginsDir);
	PluginWatcher watcher(plugins, settings.pluginsDir, settings.pluginsScan, log);
	const std::vector<std::string> loaded = plugins.taskNames();
	std::vector<std::string> tasks = loaded;
	try
	{
		plugins.checkSettings();
		TaskKeys::checkTypes(config(), loaded);
		if (settings.role == "worker") tasks = TaskKeys::offered(config(), settings.master.dispatch, loaded);
	}
	catch (Poco::Exception& exc)  // ConfigException, or a plugin's InvalidArgumentException naming its key
	{
		std::cerr << _errorPrefix << "orchd: configuration error in " << _configFile << ": " << exc.message() << std::endl;
		return EXIT_CONFIG;
	}

	// A worker runs its tasks on the store. A master only checks that its
	// workers and peers are on the same one, and only if its file names it:
	// the default store.connection is a path a master need not have.
	std::unique_ptr<AccountDatabase> store;
	if (settings.role == "worker" || config().has("store.connection"))
	{
		try
		{
			store = AccountDatabase::connect(settings.store);
			log.information("store %s (%s) open: store id %s", settings.store.connection, store->connector(), store->storeId());
		}
		catch (Poco::Exception& exc)
		{
			std::cerr << _errorPrefix << "orchd: cannot open the store (store.connection = " << settings.store.connection
			          << " in " << _configFile << "): " << exc.displayText() << std::endl;
			return EXIT_UNAVAILABLE;
		}
	}
	if (settings.role == "worker")
	{
		settings.worker.storeId = store->storeId();
		try
		{
			plugins.start(*store);
		}
		catch (Poco::Exception& exc)
		{
			std::cerr << _errorPrefix << "orchd: configuration error in " << _configFile << ": " << exc.message() << std::endl;
			return EXIT_CONFIG;
		}
	}
	else if (store)
	{
		settings.master.dispatch.storeId = settings.master.federation.storeId = store->storeId();
		settings.master.dispatch.storeConnector = settings.master.federation.storeConnector = store->connector();
		// The master runs no task: it needs the id, not the sessions.
		store.reset();
	}
	else log.warning("no store.connection: workers' and peers' store ids are not checked");
	raiseFileLimit(log);
	SystemdNotifier systemd(log);
	systemd.startWatchdog();
	std::unique_ptr<MasterServer> master;
	HangupListener hangup([this, &settings, &master, &watcher]
	{
		reload(settings, master.get(), watcher);
	});
	TaskRunner runner(plugins, store.get(), log);
	std::unique_ptr<QuickRunner> quick;
	std::vector<std::unique_ptr<WorkerNode>> workers;
	std::unique_ptr<WorkerMetrics> workerMetrics;
	std::unique_ptr<MetricsServer> metricsServer;  // declared last: stops first, before what it reads
	if (settings.role == "master")
	{
		settings.master.pluginRefusals = [&plugins] { return plugins.refusedCount(); };
		master = std::make_unique<MasterServer>(settings.master, runner, log);
		try
		{
			master->start();
		}
		catch (Poco::Exception& exc)
		{
			std::cerr << _errorPrefix << "orchd: cannot listen on " << settings.master.listen.toString() << " (master.listen in "
			          << _configFile << "): " << exc.displayText() << std::endl;
			return EXIT_UNAVAILABLE;
		}
		systemd.ready();
	}
	else
	{
		// worker.links workers in this process: ids ID-1, ID-2, ... (just ID
		// for one), each its own link and executors, all on this store.
		// Store tasks commit together every half credit's worth over all
		// links: their results travel while the master sends the next
		// ones, instead of the links waiting for a whole credit's worth. One runner for all links on every backend: SQLite has one
		// writer; on PostgreSQL and MariaDB a runner per link was measured
		// (docs/BENCHMARKS.md): as fast on (2, 16), three times slower on
		// (4, 64) over 64 accounts, its batches waiting on each other's
		// row locks.
		// Ready for systemd once a link to a master is up, not before:
		// units ordered after this one start when it can take tasks.
		settings.worker.linked = [&systemd] { systemd.ready(); };
		auto taskStats = std::make_shared<TaskTypeStats>(tasks);
		settings.worker.taskStats = taskStats;
		quick = std::make_unique<QuickRunner>(store.get(), static_cast<std::size_t>(std::max(1, settings.worker.links * settings.worker.concurrency / 2)), log);
		for (int link = 1; link <= settings.worker.links; ++link)
		{
			WorkerOptions options = settings.worker;
			if (settings.worker.links > 1) options.id += "-" + std::to_string(link);
			workers.push_back(std::make_unique<WorkerNode>(options, runner, *quick, tasks, log));
		}
		// Bound before any link is up (and systemd told READY), so that a
		// taken address stops the start.
		if (settings.worker.metrics)
		{
			std::vector<const WorkerNode*> links;
			for (auto& worker: workers) links.push_back(worker.get());
			workerMetrics = std::make_unique<WorkerMetrics>(NodeInfo{"worker", settings.id, [&plugins] { return plugins.refusedCount(); }, NodeInfo::now()}, taskStats, *quick, links);
			WorkerMetrics& source = *workerMetrics;
			metricsServer = std::make_unique<MetricsServer>(settings.worker.metricsListen, [&source] { return source.text(); }, log);
			try
			{
				metricsServer->start();
			}
			catch (Poco::Exception& exc)
			{
				std::cerr << _errorPrefix << "orchd: cannot listen on " << settings.worker.metricsListen.toString() << " (worker.metrics_listen in "
				          << _configFile << "): " << exc.displayText() << std::endl;
				return EXIT_UNAVAILABLE;
			}
		}
		for (auto& worker: workers) worker->start();
	}
	// A plugin loaded from now on: a worker tells its master of its new
	// task types; a master validates them with the same plugins.
	// What it offers is still worker.tasks less the disabled types.
	const DispatchOptions& dispatch = settings.master.dispatch;
	watcher.start(settings.role == "master" ? PluginWatcher::Listener() : [this, &workers, &dispatch, &log](const std::vector<std::string>& names)
	{
		try
		{
			std::vector<std::string> offered = TaskKeys::offered(config(), dispatch, names);
			for (auto& worker: workers) worker->announceTasks(offered);
		}
		catch (Poco::Exception& exc)
		{
			log.error("new task types not offered: %s", exc.displayText());
		}
	}, settings.pluginsWatch);
	log.information("orchd %s ready: role %s, %z task type(s): %s", settings.id, settings.role, tasks.size(),
		Poco::cat(std::string(", "), tasks.begin(), tasks.end()));
	waitForTerminationRequest();
	systemd.stopping();
	log.information("orchd %s stopping", settings.id);
	watcher.stop();
	if (metricsServer) metricsServer->stop();
	// Reverse order of start: the role's service, then the store and plugins.
	{
		// All links drain at once: each stop() waits for its own tasks.
		std::vector<std::thread> stopping;
		for (auto& worker: workers) stopping.emplace_back([&worker] { worker->stop(); });
		for (auto& thread: stopping) thread.join();
	}
	if (master) master->stop();
	log.information("orchd %s stopped", settings.id);
	return EXIT_OK;
}


} // namespace orchd

//
// DaemonConfig.cpp
//


#include "server/DaemonConfig.h"
#include "server/KeySuggestion.h"
#include "server/TaskKeys.h"
#include "master/ClientTokens.h"
#include "store/MariaStatements.h"
#include "Poco/File.h"
#include "Poco/FileStream.h"
#include "Poco/StreamCopier.h"
#include "Poco/NumberParser.h"
#include "Poco/Path.h"
#include "Poco/String.h"
#include "Poco/StringTokenizer.h"
#include <algorithm>
#include <set>


#ifndef ORCHD_DEFAULT_PLUGINS_DIR
#define ORCHD_DEFAULT_PLUGINS_DIR "/usr/lib/orchd/plugins"
#endif


namespace orchd {


POCO_IMPLEMENT_EXCEPTION(ConfigException, Poco::Exception, "Configuration error")


namespace {


// The prefixes that belong to orchd; logging.* and application.* are Poco's.
const char* const OWN_PREFIXES[] = {"orchd", "plugins", "store", "master", "worker", "task", "queue", "peer", "lb", "tls", "auth", "http", "net", "client"};


void collectKeys(const Poco::Util::AbstractConfiguration& config, const std::string& prefix, std::vector<std::string>& out)
{
	Poco::Util::AbstractConfiguration::Keys children;
	config.keys(prefix, children);
	if (children.empty() && !prefix.empty()) out.push_back(prefix);
	for (const auto& child: children) collectKeys(config, prefix.empty() ? child : prefix + "." + child, out);
}


Poco::Timespan milliseconds(int ms)
{
	return Poco::Timespan(Poco::Timespan::TimeDiff(ms) * 1000);
}


bool isValidId(const std::string& id)
{
	if (id.empty() || id.size() > 64) return false;
	return std::all_of(id.begin(), id.end(), [](char c)
	{
		return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
	});
}


} // namespace


const std::vector<DaemonConfig::Key>& DaemonConfig::keys()
{
	static const std::vector<Key> known = {
		{"orchd.role", ""},
		{"orchd.id", ""},
		{"plugins.dir", ORCHD_DEFAULT_PLUGINS_DIR},
		{"plugins.watch", "true"},
		{"plugins.scan_ms", "1000"},
		{"store.connector", "sqlite"},
		{"store.connection", "/var/lib/orchd/orchd.db"},
		{"store.password_file", ""},
		{"store.pool_size", "16"},
		{"store.busy_timeout_ms", "5000"},
		{"store.idempotency_retention_hours", "720"},
		{"store.synchronous", "full"},
		{"master.listen", "127.0.0.1:7400"},
		{"master.http_threads", "32"},
		{"master.http_timeout_ms", "30000"},
		{"master.max_message_bytes", "1048576"},
		{"queue.capacity", "10000"},
		{"queue.max_bytes", "67108864"},
		{"client.max_in_flight", "1000"},
		{"auth.tokens_file", ""},
		{"http.allowed_origins", ""},
		{"http.header_timeout_ms", "5000"},
		{"http.keep_alive_timeout_ms", "0"},
		{"http.max_keep_alive_requests", "100"},
		{"http.max_handshakes_per_address", "8"},
		{"net.max_connections", "10000"},
		{"net.first_message_timeout_ms", "10000"},
		{"task.timeout_ms", "30000"},
		{"task.max_attempts", "3"},
		{"master.peers", ""},
		{"master.advertise", ""},
		{"peer.heartbeat_ms", "1000"},
		{"peer.dead_after_ms", "5000"},
		{"lb.max_queue", "100"},
		{"lb.min_queue", "10"},
		{"lb.window_ms", "1000"},
		{"lb.max_borrow", "4"},
		{"lb.min_workers", "1"},
		{"lb.cooldown_ms", "2000"},
		{"lb.max_lend_per_window", "4"},
		{"worker.home", ""},
		{"worker.failover", ""},
		{"worker.concurrency", "4"},
		{"worker.links", "1"},
		{"worker.reconnect_max_ms", "5000"},
		{"worker.drain_timeout_ms", "30000"},
		{"worker.metrics_listen", ""},
		{"worker.tasks", ""},
		{"tls.certificate_file", ""},
		{"tls.private_key_file", ""},
		{"tls.ca_file", ""},
		{"tls.verify_peers", "false"},
		{"auth.cluster_token_file", ""},
	};
	return known;
}


std::string DaemonConfig::defaultPluginsDir()
{
	return ORCHD_DEFAULT_PLUGINS_DIR;
}


DaemonSettings DaemonConfig::load(const Poco::Util::AbstractConfiguration& config, bool roleKeys)
{
	checkUnknownKeys(config);
	DaemonSettings settings;
	settings.role = requireString(config, "orchd.role");
	if (settings.role != "master" && settings.role != "worker")
		throw ConfigException("orchd.role: unknown role '" + settings.role + "' (expected master or worker)");
	settings.id = requireString(config, "orchd.id");
	if (!isValidId(settings.id))
		throw ConfigException("orchd.id: '" + settings.id + "' is not a valid id (1 to 64 of letters, digits, '-', '_', '.')");
	settings.pluginsDir = config.getString("plugins.dir", defaultPluginsDir());
	Poco::File plugins(settings.pluginsDir);
	if (!plugins.exists() || !plugins.isDirectory())
		throw ConfigException("plugins.dir: '" + settings.pluginsDir + "' is not a folder");
	std::string watch = Poco::toLower(config.getString("plugins.watch", "true"));
	if (watch != "true" && watch != "false")
		throw ConfigException("plugins.watch: '" + config.getString("plugins.watch") + "' is not true or false");
	settings.pluginsWatch = watch == "true";
	settings.pluginsScan = milliseconds(getInt(config, "plugins.scan_ms", 1000, 50, 600000));
	std::string connector = Poco::toLower(config.getString("store.connector", "sqlite"));
	if (connector == "mysql") connector = "mariadb";
	if (connector != "sqlite" && connector != "postgresql" && connector != "mariadb")
		throw ConfigException("store.connector: unknown connector '" + config.getString("store.connector") + "' (expected sqlite, postgresql or mariadb)");
	settings.store.connector = connector;
	settings.store.connection = config.getString("store.connection", "/var/lib/orchd/orchd.db");
	if (settings.store.connection.empty())
		throw ConfigException("store.connection: empty (the SQLite database file, or the database's connection string)");
	if (connector != "sqlite" && !config.has("store.connection"))
		throw ConfigException("store.connection: required with store.connector = " + connector);
	if (connector == "mariadb")
	{
		try
		{
			MariaAddress::parse(settings.store.connection);
		}
		catch (Poco::InvalidArgumentException& exc)
		{
			throw ConfigException(exc.message());  // names store.connection and the bad part
		}
	}
	settings.store.passwordFile = config.getString("store.password_file", "");
	if (!settings.store.passwordFile.empty() && connector == "sqlite")
		throw ConfigException("store.password_file: only for postgresql and mariadb (SQLite has no password)");
	if (!settings.store.passwordFile.empty() && !Poco::File(settings.store.passwordFile).exists())
		throw ConfigException("store.password_file: no such file: " + settings.store.passwordFile);
	settings.store.poolSize = getInt(config, "store.pool_size", 16, 1, 1024);
	settings.store.busyTimeoutMs = getInt(config, "store.busy_timeout_ms", 5000, 0, 3600000);
	settings.store.keyRetentionHours = getInt(config, "store.idempotency_retention_hours", 720, 0, 876000);
	std::string synchronous = Poco::toLower(config.getString("store.synchronous", "full"));
	if (synchronous != "full" && synchronous != "normal")
		throw ConfigException("store.synchronous: '" + config.getString("store.synchronous") + "' (expected full or normal)");
	settings.store.synchronousFull = synchronous == "full";
	loadSecurity(config, settings);
	loadMaster(config, settings);
	if (settings.role == "worker" && roleKeys) loadWorker(config, settings);
	return settings;
}


void DaemonConfig::loadMaster(const Poco::Util::AbstractConfiguration& config, DaemonSettings& settings)
{
	MasterOptions& master = settings.master;
	master.listen = getAddress(config, "master.listen", "127.0.0.1:7400");
	master.httpThreads = getInt(config, "master.http_threads", 32, 2, 4096);
	master.httpTimeout = Poco::Timespan(Poco::Timespan::TimeDiff(getInt(config, "master.http_timeout_ms", 30000, 1, 3600000)) * 1000);
	master.maxMessageBytes = static_cast<std::size_t>(getInt(config, "master.max_message_bytes", 1048576, 1024, 64 << 20));
	master.dispatch.masterId = settings.id;
	master.dispatch.queueCapacity = static_cast<std::size_t>(getInt(config, "queue.capacity", 10000, 1, 10000000));
	master.dispatch.taskTimeout = Poco::Timespan(Poco::Timespan::TimeDiff(getInt(config, "task.timeout_ms", 30000, 10, 86400000)) * 1000);
	master.dispatch.maxAttempts = getInt(config, "task.max_attempts", 3, 1, 100);
	TaskKeys::load(config, master.dispatch);
	master.dispatch.maxMessageBytes = master.maxMessageBytes;
	master.security = settings.security;
	master.dispatch.requireIdentity = master.federation.requireIdentity = settings.security.verifyPeers;
	master.dispatch.queueMaxBytes = static_cast<std::size_t>(getInt(config, "queue.max_bytes", 64 << 20, 1 << 20, 2147483647));
	if (master.dispatch.queueMaxBytes < master.maxMessageBytes)
		throw ConfigException("queue.max_bytes: must be at least master.max_message_bytes (one task of the largest size)");
	master.dispatch.clientMaxInFlight = static_cast<std::size_t>(getInt(config, "client.max_in_flight", 1000, 1, 10000000));
	loadLimits(config, master);

	FederationOptions& federation = master.federation;
	federation.selfId = settings.id;
	federation.peers = getPeerList(config, "master.peers");
	for (const auto& peer: federation.peers)
	{
		if (peer.id == settings.id) throw ConfigException("master.peers: lists this master itself (" + peer.id + ")");
	}
	std::string advertise = config.getString("master.advertise", "");
	if (advertise.empty())
	{
		federation.self = PeerAddress{settings.id, master.listen.host().toString(), master.listen.port()};
	}
	else
	{
		Poco::Net::SocketAddress address = getAddress(config, "master.advertise", advertise);
		federation.self = PeerAddress{settings.id, address.host().toString(), address.port()};
	}
	federation.heartbeat = milliseconds(getInt(config, "peer.heartbeat_ms", 1000, 100, 600000));
	federation.deadAfter = milliseconds(getInt(config, "peer.dead_after_ms", 5000, 100, 3600000));
	if (federation.deadAfter <= federation.heartbeat)
		throw ConfigException("peer.dead_after_ms: must be longer than peer.heartbeat_ms");
	federation.maxQueue = static_cast<std::size_t>(getInt(config, "lb.max_queue", 100, 1, 10000000));
	federation.minQueue = static_cast<std::size_t>(getInt(config, "lb.min_queue", 10, 0, 10000000));
	if (federation.minQueue >= federation.maxQueue)
		throw ConfigException("lb.min_queue: must be below lb.max_queue (hysteresis)");
	federation.window = milliseconds(getInt(config, "lb.window_ms", 1000, 0, 3600000));
	federation.maxBorrow = getInt(config, "lb.max_borrow", 4, 0, 10000);
	federation.minWorkers = getInt(config, "lb.min_workers", 1, 0, 10000);
	federation.cooldown = milliseconds(getInt(config, "lb.cooldown_ms", 2000, 0, 3600000));
	federation.maxLendPerWindow = getInt(config, "lb.max_lend_per_window", 4, 0, 10000);
}


void DaemonConfig::loadLimits(const Poco::Util::AbstractConfiguration& config, MasterOptions& master)
{
	master.tokensFile = config.getString("auth.tokens_file", "");
	if (!master.tokensFile.empty())
	{
		// Read here so that a bad line is a configuration error (exit 78);
		// the master reads the file again when it starts, and on changes.
		if (!Poco::File(master.tokensFile).exists()) throw ConfigException("auth.tokens_file: no such file: " + master.tokensFile);
		try
		{
			Poco::FileInputStream in(master.tokensFile);
			std::string text;
			Poco::StreamCopier::copyToString(in, text);
			ClientTokens::parse(text, master.tokensFile);
		}
		catch (TokenFileException& exc)
		{
			throw ConfigException("auth.tokens_file: " + exc.message());
		}
		catch (Poco::Exception& exc)
		{
			throw ConfigException("auth.tokens_file: cannot read " + master.tokensFile + " (" + exc.message() + ")");
		}
	}
	Poco::StringTokenizer origins(config.getString("http.allowed_origins", ""), ",", Poco::StringTokenizer::TOK_TRIM | Poco::StringTokenizer::TOK_IGNORE_EMPTY);
	for (const auto& origin: origins)
	{
		if (origin.find("://") == std::string::npos || origin.find_first_of(" \t/", origin.find("://") + 3) != std::string::npos)
			throw ConfigException("http.allowed_origins: '" + origin + "' is not an origin (SCHEME://HOST[:PORT], as browsers send it)");
		master.allowedOrigins.push_back(origin);
	}
	master.headerTimeout = milliseconds(getInt(config, "http.header_timeout_ms", 5000, 100, 600000));
	master.keepAliveTimeout = milliseconds(getInt(config, "http.keep_alive_timeout_ms", 0, 0, 600000));
	master.maxKeepAliveRequests = getInt(config, "http.max_keep_alive_requests", 100, 0, 1000000);
	master.maxHandshakesPerAddress = getInt(config, "http.max_handshakes_per_address", 8, 1, 100000);
	master.maxConnections = getInt(config, "net.max_connections", 10000, 16, 10000000);
	master.firstMessageTimeout = milliseconds(getInt(config, "net.first_message_timeout_ms", 10000, 100, 3600000));
}


std::vector<PeerAddress> DaemonConfig::getPeerList(const Poco::Util::AbstractConfiguration& config, const std::string& key)
{
	std::vector<PeerAddress> peers;
	Poco::StringTokenizer items(config.getString(key, ""), ",", Poco::StringTokenizer::TOK_TRIM | Poco::StringTokenizer::TOK_IGNORE_EMPTY);
	for (const auto& item: items)
	{
		std::string::size_type at = item.find('@');
		if (at == 0 || at == std::string::npos || !isValidId(item.substr(0, at)))
			throw ConfigException(key + ": '" + item + "' is not ID@HOST:PORT");
		try
		{
			Poco::Net::SocketAddress address(item.substr(at + 1));
			peers.push_back(PeerAddress{item.substr(0, at), address.host().toString(), address.port()});
		}
		catch (Poco::Exception& exc)
		{
			throw ConfigException(key + ": '" + item + "' is not ID@HOST:PORT (" + exc.message() + ")");
		}
	}
	return peers;
}


void DaemonConfig::loadWorker(const Poco::Util::AbstractConfiguration& config, DaemonSettings& settings)
{
	WorkerOptions& worker = settings.worker;
	worker.id = settings.id;
	std::string home = requireString(config, "worker.home");
	std::string::size_type at = home.find('@');
	if (at == 0 || at == std::string::npos || !isValidId(home.substr(0, at)))
		throw ConfigException("worker.home: '" + home + "' is not ID@HOST:PORT");
	worker.homeId = home.substr(0, at);
	try
	{
		worker.home = Poco::Net::SocketAddress(home.substr(at + 1));
	}
	catch (Poco::Exception& exc)
	{
		throw ConfigException("worker.home: '" + home + "' is not ID@HOST:PORT (" + exc.message() + ")");
	}
	worker.concurrency = getInt(config, "worker.concurrency", 4, 1, 1024);
	worker.links = getInt(config, "worker.links", 1, 1, 64);
	worker.reconnectMax = Poco::Timespan(Poco::Timespan::TimeDiff(getInt(config, "worker.reconnect_max_ms", 5000, 10, 600000)) * 1000);
	worker.drainTimeout = Poco::Timespan(Poco::Timespan::TimeDiff(getInt(config, "worker.drain_timeout_ms", 30000, 0, 3600000)) * 1000);
	worker.maxMessageBytes = settings.master.maxMessageBytes;
	worker.failover = getPeerList(config, "worker.failover");
	worker.security = settings.security;
	worker.metrics = !config.getString("worker.metrics_listen", "").empty();
	if (worker.metrics) worker.metricsListen = getAddress(config, "worker.metrics_listen", "");
}


void DaemonConfig::loadSecurity(const Poco::Util::AbstractConfiguration& config, DaemonSettings& settings)
{
	NodeSecurity& security = settings.security;
	TlsFiles files;
	files.certificateFile = config.getString("tls.certificate_file", "");
	files.privateKeyFile = config.getString("tls.private_key_file", "");
	files.caFile = config.getString("tls.ca_file", "");
	bool any = !files.certificateFile.empty() || !files.privateKeyFile.empty() || !files.caFile.empty();
	const std::pair<const char*, const std::string*> tlsKeys[] = {
		{"tls.certificate_file", &files.certificateFile}, {"tls.private_key_file", &files.privateKeyFile}, {"tls.ca_file", &files.caFile}};
	for (const auto& key: tlsKeys)
	{
		if (any && key.second->empty())
			throw ConfigException(std::string(key.first) + ": required with the other tls.* files (TLS needs the certificate, its key and the CA)");
		if (any && !Poco::File(*key.second).exists())
			throw ConfigException(std::string(key.first) + ": no such file: " + *key.second);
	}
	std::string verify = Poco::toLower(config.getString("tls.verify_peers", "false"));
	if (verify != "true" && verify != "false")
		throw ConfigException("tls.verify_peers: '" + config.getString("tls.verify_peers") + "' is not true or false");
	files.verifyPeers = security.verifyPeers = verify == "true";
	if (security.verifyPeers && !any)
		throw ConfigException("tls.verify_peers: true needs tls.certificate_file, tls.private_key_file and tls.ca_file");
	if (any)
	{
		try
		{
			security.server = std::make_shared<TlsContext>(TlsContext::SERVER, files, &Poco::Logger::get("orchd.tls"));
			security.client = std::make_shared<TlsContext>(TlsContext::CLIENT, files);
		}
		catch (TlsException& exc)
		{
			throw ConfigException("tls.*: " + exc.displayText());
		}
	}
	std::string tokenFile = config.getString("auth.cluster_token_file", "");
	if (!tokenFile.empty())
	{
		Poco::File file(tokenFile);
		if (!file.exists() || !file.isFile())
			throw ConfigException("auth.cluster_token_file: no such file: " + tokenFile);
		Poco::FileInputStream in(tokenFile);
		std::string text;
		Poco::StreamCopier::copyToString(in, text);
		try
		{
			security.clusterToken = std::make_shared<ClusterToken>(ClusterToken::parse(text, tokenFile));
		}
		catch (Poco::DataFormatException& exc)
		{
			throw ConfigException("auth.cluster_token_file: " + exc.message());
		}
	}
}


Poco::Net::SocketAddress DaemonConfig::getAddress(const Poco::Util::AbstractConfiguration& config, const std::string& key, const std::string& defaultValue)
{
	std::string text = config.getString(key, defaultValue);
	try
	{
		return Poco::Net::SocketAddress(text);
	}
	catch (Poco::Exception& exc)
	{
		throw ConfigException(key + ": '" + text + "' is not HOST:PORT (" + exc.message() + ")");
	}
}


void DaemonConfig::checkUnknownKeys(const Poco::Util::AbstractConfiguration& config)
{
	std::set<std::string> known;
	for (const auto& key: keys()) known.insert(key.name);
	for (const char* prefix: OWN_PREFIXES)
	{
		std::vector<std::string> present;
		collectKeys(config, prefix, present);
		for (const auto& key: present)
		{
			if (known.count(key) || TaskKeys::isTypeKey(key) || (key == prefix && !config.has(key))) continue;
			std::vector<std::string> candidates(known.begin(), known.end());
			TaskKeys::addCandidates(key, candidates);
			throw ConfigException(key + ": unknown key" + KeySuggestion::hint(key, candidates));
		}
	}
}


std::string DaemonConfig::requireString(const Poco::Util::AbstractConfiguration& config, const std::string& key)
{
	if (!config.has(key)) throw ConfigException(key + ": missing (required)");
	std::string value = config.getString(key);
	if (value.empty()) throw ConfigException(key + ": empty (required)");
	return value;
}


int DaemonConfig::getInt(const Poco::Util::AbstractConfiguration& config, const std::string& key, int defaultValue, int min, int max)
{
	if (!config.has(key)) return defaultValue;
	std::string text = config.getString(key);
	int value = 0;
	if (!Poco::NumberParser::tryParse(text, value))
		throw ConfigException(key + ": '" + text + "' is not an integer");
	if (value < min || value > max)
		throw ConfigException(key + ": " + text + " is out of range (" + std::to_string(min) + " to " + std::to_string(max) + ")");
	return value;
}


} // namespace orchd

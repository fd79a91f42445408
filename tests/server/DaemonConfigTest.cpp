//
// DaemonConfigTest.cpp
//


#include "TestSupport.h"
#include "server/DaemonConfig.h"
#include "Poco/AutoPtr.h"
#include "Poco/Util/MapConfiguration.h"
#include <cppunit/extensions/HelperMacros.h>


using orchd::ConfigException;
using orchd::DaemonConfig;
using orchd::DaemonSettings;
using namespace orchd::test;


class DaemonConfigTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(DaemonConfigTest);
	CPPUNIT_TEST(testValidWorker);
	CPPUNIT_TEST(testDefaults);
	CPPUNIT_TEST(testMissingRole);
	CPPUNIT_TEST(testUnknownRole);
	CPPUNIT_TEST(testInvalidId);
	CPPUNIT_TEST(testMissingPluginFolder);
	CPPUNIT_TEST(testUnknownConnector);
	CPPUNIT_TEST(testNetworkedConnectors);
	CPPUNIT_TEST(testSynchronous);
	CPPUNIT_TEST(testBadIntegers);
	CPPUNIT_TEST(testWorkerHome);
	CPPUNIT_TEST(testWorkerMetricsListen);
	CPPUNIT_TEST(testMasterKeys);
	CPPUNIT_TEST(testFederationKeys);
	CPPUNIT_TEST(testSecurityKeys);
	CPPUNIT_TEST(testTypoIsRefusedWithSuggestion);
	CPPUNIT_TEST(testForeignKeysAreIgnored);
	CPPUNIT_TEST(testTlsKeys);
	CPPUNIT_TEST(testPluginWatchKeys);
	CPPUNIT_TEST(testClusterTokenFile);
	CPPUNIT_TEST(testShippedExamplesAreValidAndComplete);
	CPPUNIT_TEST_SUITE_END();

public:
	void setUp() override
	{
		_config = new Poco::Util::MapConfiguration;
		_config->setString("orchd.role", "worker");
		_config->setString("orchd.id", "w1");
		_config->setString("plugins.dir", pluginsDir());
		_config->setString("store.connection", "/tmp/x.db");
		_config->setString("worker.home", "m1@127.0.0.1:7400");
	}

	void testValidWorker()
	{
		DaemonSettings settings = DaemonConfig::load(*_config);
		CPPUNIT_ASSERT_EQUAL(std::string("worker"), settings.role);
		CPPUNIT_ASSERT_EQUAL(std::string("w1"), settings.id);
		CPPUNIT_ASSERT_EQUAL(pluginsDir(), settings.pluginsDir);
		CPPUNIT_ASSERT_EQUAL(std::string("/tmp/x.db"), settings.store.connection);
	}

	void testDefaults()
	{
		_config->remove("store.connection");
		DaemonSettings settings = DaemonConfig::load(*_config);
		CPPUNIT_ASSERT_EQUAL(std::string("sqlite"), settings.store.connector);
		CPPUNIT_ASSERT_EQUAL(std::string("/var/lib/orchd/orchd.db"), settings.store.connection);
		CPPUNIT_ASSERT_EQUAL(16, settings.store.poolSize);
		CPPUNIT_ASSERT_EQUAL(5000, settings.store.busyTimeoutMs);
		CPPUNIT_ASSERT_EQUAL(720, settings.store.keyRetentionHours);
	}

	void testMissingRole()
	{
		_config->remove("orchd.role");
		expectError("orchd.role: missing (required)");
	}

	void testUnknownRole()
	{
		_config->setString("orchd.role", "boss");
		expectError("orchd.role: unknown role 'boss' (expected master or worker)");
	}

	void testInvalidId()
	{
		_config->setString("orchd.id", "has space");
		expectError("orchd.id: 'has space' is not a valid id");
	}

	void testMissingPluginFolder()
	{
		_config->setString("plugins.dir", "/nonexistent/plugins");
		expectError("plugins.dir: '/nonexistent/plugins' is not a folder");
	}

	void testUnknownConnector()
	{
		_config->setString("store.connector", "oracle");
		expectError("store.connector: unknown connector 'oracle'");
	}

	void testNetworkedConnectors()
	{
		_config->setString("store.connector", "PostgreSQL");
		_config->setString("store.connection", "host=db1 dbname=orchd user=orchd");
		DaemonSettings settings = DaemonConfig::load(*_config);
		CPPUNIT_ASSERT_EQUAL(std::string("postgresql"), settings.store.connector);
		// mysql is another name for mariadb.
		_config->setString("store.connector", "mysql");
		_config->setString("store.connection", "host=db1;port=3306;db=orchd;user=orchd");
		CPPUNIT_ASSERT_EQUAL(std::string("mariadb"), DaemonConfig::load(*_config).store.connector);
		// MariaDB's connection string is checked at start, naming the part.
		_config->setString("store.connection", "host=db1;prot=3306;db=orchd");
		expectError("store.connection: unknown key 'prot'");
		_config->setString("store.connection", "host=db1;user=orchd");
		expectError("store.connection: db= is required for MariaDB");
		_config->setString("store.connection", "host=db1;port=3306;db=orchd;user=orchd");
		// A password file must exist, and SQLite has none.
		_config->setString("store.password_file", "/nonexistent/orchd-password");
		expectError("store.password_file: no such file: /nonexistent/orchd-password");
		TempDir dir;
		writeFile(dir.file("pw"), "secret\n");
		_config->setString("store.password_file", dir.file("pw"));
		CPPUNIT_ASSERT_EQUAL(dir.file("pw"), DaemonConfig::load(*_config).store.passwordFile);
		_config->setString("store.connector", "sqlite");
		expectError("store.password_file: only for postgresql and mariadb");
		// A networked store has no default connection.
		_config->remove("store.password_file");
		_config->remove("store.connection");
		_config->setString("store.connector", "mariadb");
		expectError("store.connection: required with store.connector = mariadb");
	}

	void testSynchronous()
	{
		CPPUNIT_ASSERT(DaemonConfig::load(*_config).store.synchronousFull);
		_config->setString("store.synchronous", "Normal");
		CPPUNIT_ASSERT(!DaemonConfig::load(*_config).store.synchronousFull);
		_config->setString("store.synchronous", "full");
		CPPUNIT_ASSERT(DaemonConfig::load(*_config).store.synchronousFull);
		_config->setString("store.synchronous", "off");
		expectError("store.synchronous: 'off' (expected full or normal)");
	}

	void testBadIntegers()
	{
		_config->setString("store.pool_size", "many");
		expectError("store.pool_size: 'many' is not an integer");
		_config->setString("store.pool_size", "0");
		expectError("store.pool_size: 0 is out of range (1 to 1024)");
		_config->setString("store.pool_size", "99999999999999999999");
		expectError("store.pool_size: '99999999999999999999' is not an integer");
	}

	void testWorkerHome()
	{
		DaemonSettings settings = DaemonConfig::load(*_config);
		CPPUNIT_ASSERT_EQUAL(std::string("m1"), settings.worker.homeId);
		CPPUNIT_ASSERT_EQUAL(Poco::UInt16(7400), settings.worker.home.port());
		CPPUNIT_ASSERT_EQUAL(4, settings.worker.concurrency);
		CPPUNIT_ASSERT_EQUAL(1, settings.worker.links);
		_config->setString("worker.links", "3");
		CPPUNIT_ASSERT_EQUAL(3, DaemonConfig::load(*_config).worker.links);
		_config->setString("worker.links", "65");
		expectError("worker.links: 65 is out of range (1 to 64)");
		_config->setString("worker.links", "1");
		_config->setString("worker.home", "127.0.0.1:7400");
		expectError("worker.home: '127.0.0.1:7400' is not ID@HOST:PORT");
		_config->setString("worker.home", "m1@localhost:notaport");
		expectError("worker.home: 'm1@localhost:notaport' is not ID@HOST:PORT");
		_config->remove("worker.home");
		expectError("worker.home: missing (required)");
		CPPUNIT_ASSERT_NO_THROW(DaemonConfig::load(*_config, false));
	}

	void testWorkerMetricsListen()
	{
		CPPUNIT_ASSERT(!DaemonConfig::load(*_config).worker.metrics);
		_config->setString("worker.metrics_listen", "127.0.0.1:0");
		DaemonSettings settings = DaemonConfig::load(*_config);
		CPPUNIT_ASSERT(settings.worker.metrics);
		CPPUNIT_ASSERT_EQUAL(std::string("127.0.0.1:0"), settings.worker.metricsListen.toString());
		_config->setString("worker.metrics_listen", "127.0.0.1:notaport");
		expectError("worker.metrics_listen: '127.0.0.1:notaport' is not HOST:PORT");
	}

	void testMasterKeys()
	{
		_config->setString("orchd.role", "master");
		_config->setString("master.listen", "127.0.0.1:0");
		_config->setString("queue.capacity", "5");
		_config->setString("task.timeout_ms", "250");
		DaemonSettings settings = DaemonConfig::load(*_config);
		CPPUNIT_ASSERT_EQUAL(std::size_t(5), settings.master.dispatch.queueCapacity);
		CPPUNIT_ASSERT_EQUAL(Poco::Timespan::TimeDiff(250), settings.master.dispatch.taskTimeout.totalMilliseconds());
		CPPUNIT_ASSERT_EQUAL(std::string("w1"), settings.master.dispatch.masterId);
		_config->setString("master.listen", "nowhere");
		expectError("master.listen: 'nowhere' is not HOST:PORT");
		_config->setString("master.listen", "127.0.0.1:0");
		_config->setString("task.max_attempts", "0");
		expectError("task.max_attempts: 0 is out of range (1 to 100)");
	}

	void testSecurityKeys()
	{
		_config->setString("orchd.role", "master");
		DaemonSettings defaults = DaemonConfig::load(*_config);
		CPPUNIT_ASSERT_EQUAL(std::string("127.0.0.1:7400"), defaults.master.listen.toString());
		CPPUNIT_ASSERT(defaults.master.tokensFile.empty());
		CPPUNIT_ASSERT_EQUAL(std::size_t(64 << 20), defaults.master.dispatch.queueMaxBytes);
		CPPUNIT_ASSERT_EQUAL(std::size_t(1000), defaults.master.dispatch.clientMaxInFlight);
		CPPUNIT_ASSERT_EQUAL(4, defaults.master.federation.maxLendPerWindow);
		TempDir dir;
		writeFile(dir.file("tokens"), "# ok\nbilling submit 0123456789abcdef\nops superuser 0123456789abcdeg\n");
		_config->setString("auth.tokens_file", dir.file("tokens"));
		expectError("auth.tokens_file: " + dir.file("tokens") + ":3: unknown role 'superuser' (expected submit, read or admin)");
		writeFile(dir.file("tokens"), "billing submit 0123456789abcdef\n");
		CPPUNIT_ASSERT_EQUAL(dir.file("tokens"), DaemonConfig::load(*_config).master.tokensFile);
		_config->setString("auth.tokens_file", dir.file("none"));
		expectError("auth.tokens_file: no such file: " + dir.file("none"));
		_config->remove("auth.tokens_file");
		_config->setString("http.allowed_origins", "https://console.example, http://localhost:8080");
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), DaemonConfig::load(*_config).master.allowedOrigins.size());
		_config->setString("http.allowed_origins", "https://console.example/app");
		expectError("http.allowed_origins: 'https://console.example/app' is not an origin (SCHEME://HOST[:PORT], as browsers send it)");
		_config->remove("http.allowed_origins");
		_config->setString("queue.max_bytes", "1048576");
		_config->setString("master.max_message_bytes", "2097152");
		expectError("queue.max_bytes: must be at least master.max_message_bytes (one task of the largest size)");
		_config->remove("master.max_message_bytes");
		_config->setString("net.max_connections", "15");
		expectError("net.max_connections: 15 is out of range (16 to 10000000)");
	}

	void testFederationKeys()
	{
		_config->setString("orchd.role", "master");
		_config->setString("master.listen", "127.0.0.1:7400");
		_config->setString("master.peers", " mb@127.0.0.1:7401 , mc@localhost:7402 ");
		DaemonSettings settings = DaemonConfig::load(*_config);
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), settings.master.federation.peers.size());
		CPPUNIT_ASSERT_EQUAL(std::string("mc"), settings.master.federation.peers[1].id);
		CPPUNIT_ASSERT_EQUAL(Poco::UInt16(7402), settings.master.federation.peers[1].port);
		CPPUNIT_ASSERT_EQUAL(std::string("127.0.0.1"), settings.master.federation.self.host);
		_config->setString("master.peers", "mb@127.0.0.1:7401, 127.0.0.1:7402");
		expectError("master.peers: '127.0.0.1:7402' is not ID@HOST:PORT");
		_config->setString("master.peers", "w1@127.0.0.1:7401");
		expectError("master.peers: lists this master itself (w1)");
		_config->setString("master.peers", "mb@127.0.0.1:7401");
		_config->setString("peer.dead_after_ms", "500");
		_config->setString("peer.heartbeat_ms", "1000");
		expectError("peer.dead_after_ms: must be longer than peer.heartbeat_ms");
		_config->remove("peer.dead_after_ms");
		_config->setString("lb.min_queue", "200");
		expectError("lb.min_queue: must be below lb.max_queue");
		_config->remove("lb.min_queue");
		_config->setString("worker.failover", "mb@127.0.0.1:7401, bad");
		_config->setString("orchd.role", "worker");
		expectError("worker.failover: 'bad' is not ID@HOST:PORT");
	}

	void testTypoIsRefusedWithSuggestion()
	{
		_config->setString("store.conection", "/tmp/y.db");
		expectError("store.conection: unknown key (did you mean store.connection?)");
		_config->remove("store.conection");
		_config->setString("worker.bogus_setting", "1");
		expectError("worker.bogus_setting: unknown key");
	}

	void testForeignKeysAreIgnored()
	{
		_config->setString("logging.loggers.root.level", "debug");
		_config->setString("application.logger", "orchd");
		_config->setString("mycompany.team", "ops");
		CPPUNIT_ASSERT_NO_THROW(DaemonConfig::load(*_config));
	}

	void testShippedExamplesAreValidAndComplete()
	{
		// Every key the code knows is documented in both example files.
		for (const char* name: {"master.properties", "worker.properties"})
		{
			std::string text = readFile(sourceDir() + "/etc/" + name);
			for (const auto& key: DaemonConfig::keys())
			{
				CPPUNIT_ASSERT_MESSAGE(key.name + " is not documented in etc/" + name, text.find(key.name + " =") != std::string::npos);
			}
		}
		// And in the man page orchd.properties(5).
		std::string page = readFile(sourceDir() + "/packaging/man/orchd.properties.5");
		for (const auto& key: DaemonConfig::keys())
			CPPUNIT_ASSERT_MESSAGE(key.name + " is not in orchd.properties(5)", page.find("\n.B " + key.name + "\n") != std::string::npos);
	}

	void testPluginWatchKeys()
	{
		DaemonSettings settings = DaemonConfig::load(*_config);
		CPPUNIT_ASSERT(settings.pluginsWatch);
		CPPUNIT_ASSERT_EQUAL(Poco::Timespan::TimeDiff(1000), settings.pluginsScan.totalMilliseconds());
		_config->setString("plugins.watch", "FALSE");
		_config->setString("plugins.scan_ms", "250");
		settings = DaemonConfig::load(*_config);
		CPPUNIT_ASSERT(!settings.pluginsWatch);
		CPPUNIT_ASSERT_EQUAL(Poco::Timespan::TimeDiff(250), settings.pluginsScan.totalMilliseconds());
		_config->setString("plugins.scan_ms", "10");
		expectError("plugins.scan_ms: 10 is out of range (50 to 600000)");
		_config->setString("plugins.scan_ms", "1000");
		_config->setString("plugins.watch", "sometimes");
		expectError("plugins.watch: 'sometimes' is not true or false");
	}

	void testTlsKeys()
	{
		TempDir dir;
		writeFile(dir.file("node.pem"), "not a certificate\n");
		writeFile(dir.file("node.key"), "not a key\n");
		writeFile(dir.file("ca.pem"), "not a CA\n");
		_config->setString("tls.verify_peers", "yes");
		expectError("tls.verify_peers: 'yes' is not true or false");
		_config->setString("tls.verify_peers", "true");
		expectError("tls.verify_peers: true needs tls.certificate_file");
		_config->setString("tls.verify_peers", "false");
		_config->setString("tls.certificate_file", dir.file("node.pem"));
		expectError("tls.private_key_file: required with the other tls.* files");
		_config->setString("tls.private_key_file", dir.file("missing.key"));
		_config->setString("tls.ca_file", dir.file("ca.pem"));
		expectError("tls.private_key_file: no such file: " + dir.file("missing.key"));
		_config->setString("tls.private_key_file", dir.file("node.key"));
		expectError("tls.*: TLS error: cannot load the certificate " + dir.file("node.pem"));
		_config->remove("tls.certificate_file");
		_config->remove("tls.private_key_file");
		expectError("tls.certificate_file: required");
		_config->remove("tls.ca_file");
		DaemonSettings plain = DaemonConfig::load(*_config);
		CPPUNIT_ASSERT(!plain.security.tls() && !plain.security.client && !plain.worker.security.client);
	}

	void testClusterTokenFile()
	{
		TempDir dir;
		_config->setString("auth.cluster_token_file", dir.file("token"));
		expectError("auth.cluster_token_file: no such file: " + dir.file("token"));
		writeFile(dir.file("token"), "short\n");
		expectError("auth.cluster_token_file: " + dir.file("token") + ":1: a cluster token is 16 to 256 characters; this one has 5");
		writeFile(dir.file("token"), "one two three four five\n");
		expectError("auth.cluster_token_file: " + dir.file("token") + ":1: a cluster token is printable characters without spaces");
		writeFile(dir.file("token"), "# comment only\n\n");
		expectError("auth.cluster_token_file: " + dir.file("token") + ": no cluster token in the file");
		writeFile(dir.file("token"), "0123456789abcdef0123\n1123456789abcdef0123\n2123456789abcdef0123\n");
		expectError("auth.cluster_token_file: " + dir.file("token") + ": 3 cluster tokens; at most two");
		writeFile(dir.file("token"), "  0123456789abcdef0123\n# the next one\nfedcba9876543210fedc\n");
		DaemonSettings settings = DaemonConfig::load(*_config);
		CPPUNIT_ASSERT_EQUAL(std::string("0123456789abcdef0123"), settings.worker.security.clusterToken->presented());
		CPPUNIT_ASSERT(settings.master.security.clusterToken == settings.worker.security.clusterToken);
		CPPUNIT_ASSERT(settings.master.security.clusterToken->accepts("fedcba9876543210fedc"));
		CPPUNIT_ASSERT(settings.master.security.clusterToken->accepts("0123456789abcdef0123"));
		CPPUNIT_ASSERT(!settings.master.security.clusterToken->accepts("0123456789abcdef012"));
		CPPUNIT_ASSERT(!settings.master.security.clusterToken->accepts(""));
	}

private:
	void expectError(const std::string& start)
	{
		try
		{
			DaemonConfig::load(*_config);
			CPPUNIT_FAIL("accepted; expected: " + start);
		}
		catch (ConfigException& exc)
		{
			CPPUNIT_ASSERT_MESSAGE(exc.message(), exc.message().rfind(start, 0) == 0);
		}
	}

	Poco::AutoPtr<Poco::Util::MapConfiguration> _config;
};


CPPUNIT_TEST_SUITE_REGISTRATION(DaemonConfigTest);

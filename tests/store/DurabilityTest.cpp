//
// DurabilityTest.cpp
//
// store.synchronous on each backend: the setting each connection runs
// with, and a store refused when its database cannot give what the
// setting promises (SQLite without WAL, a server set to lose commits).
//


#include "TestSupport.h"
#include "store/AccountDatabase.h"
#include "store/NetSchema.h"
#include "store/SessionPool.h"
#include "store/SqlAccountStore.h"
#include "store/TestDatabases.h"
#include "Poco/Data/DataException.h"
#include "Poco/Data/SQLite/Connector.h"
#include "Poco/Thread.h"
#include "Poco/Timestamp.h"
#include <cppunit/TestFixture.h>
#include <cppunit/extensions/HelperMacros.h>


using namespace orchd::test;
using orchd::AccountDatabase;
using orchd::NetStatements;
using orchd::StoreOptions;


namespace {


std::string refusal(const StoreOptions& options)
	/// The message of the exception AccountDatabase::connect() throws, or
	/// empty if it opens the store.
{
	try
	{
		AccountDatabase::connect(options);
		return std::string();
	}
	catch (Poco::Exception& exc)
	{
		return exc.displayText();
	}
}


bool contains(const std::string& text, const std::string& part)
{
	return text.find(part) != std::string::npos;
}


std::string firstValue(NetStatements& connection, const std::string& sql)
{
	NetStatements::Rows rows = connection.query(sql);
	return rows.empty() || rows[0].empty() ? std::string() : rows[0][0];
}


} // namespace


class SqliteDurabilityTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(SqliteDurabilityTest);
	CPPUNIT_TEST(testSessionsFollowTheSetting);
	CPPUNIT_TEST(testStoreWithoutWalIsRefused);
	CPPUNIT_TEST(testFullIsTheDefault);
	CPPUNIT_TEST_SUITE_END();

public:
	void testSessionsFollowTheSetting()
	{
		Poco::Data::SQLite::Connector::registerConnector();
		TempDir dir;
		// PRAGMA synchronous answers 1 for NORMAL, 2 for FULL.
		for (bool full: {true, false})
		{
			orchd::SessionPool pool(dir.file("s.db"), 2, 50, full);
			orchd::SessionPool::Lease lease(pool);
			int level = -1;
			lease.session << "PRAGMA synchronous", Poco::Data::Keywords::into(level), Poco::Data::Keywords::now;
			CPPUNIT_ASSERT_EQUAL(full ? 2 : 1, level);
			// The writer's own session, configured outside the pool.
			Poco::Data::Session writer("SQLite", dir.file("s.db"));
			pool.configure(writer);
			level = -1;
			writer << "PRAGMA synchronous", Poco::Data::Keywords::into(level), Poco::Data::Keywords::now;
			CPPUNIT_ASSERT_EQUAL(full ? 2 : 1, level);
		}
	}

	void testStoreWithoutWalIsRefused()
	{
		// An in-memory database cannot be in WAL mode: SQLite keeps it in
		// "memory" mode, which orchd refuses rather than run weaker.
		StoreOptions options;
		options.connection = ":memory:";
		std::string message = refusal(options);
		CPPUNIT_ASSERT_MESSAGE(message, contains(message, "cannot put the database in WAL mode"));
		CPPUNIT_ASSERT_MESSAGE(message, contains(message, "'memory'"));
		// A file is fine, in either setting.
		TempDir dir;
		options.connection = dir.file("ok.db");
		CPPUNIT_ASSERT_EQUAL(std::string(), refusal(options));
		options.synchronousFull = false;
		CPPUNIT_ASSERT_EQUAL(std::string(), refusal(options));
	}

	void testFullIsTheDefault()
	{
		CPPUNIT_ASSERT(StoreOptions().synchronousFull);
	}
};


class NetDurabilityTest: public CppUnit::TestFixture
	/// The checks on one test server: the session setting, and the server
	/// setting that a full store refuses, changed by the server's admin for
	/// the test and put back after it.
{
public:
	explicit NetDurabilityTest(const std::string& connector): _connector(connector)
	{
	}

	void setUp() override
	{
		// A schema other fixtures left (an old or a newer version) is not
		// what this one tests.
		orchd::NetSchema::drop(*testConnection(_connector));
	}

	void tearDown() override
	{
		if (_weakened) setServer(true);
	}

protected:
	void checkRefusesWeakServer()
	{
		StoreOptions options = testStoreOptions(_connector);
		CPPUNIT_ASSERT_EQUAL(std::string(), refusal(options));
		setServer(false);
		std::string message = refusal(options);
		CPPUNIT_ASSERT_MESSAGE(message, contains(message, "store.synchronous = full"));
		CPPUNIT_ASSERT_MESSAGE(message, contains(message, variable()));
		// normal asks nothing of the server.
		options.synchronousFull = false;
		CPPUNIT_ASSERT_EQUAL(std::string(), refusal(options));
		setServer(true);
		options.synchronousFull = true;
		CPPUNIT_ASSERT_EQUAL(std::string(), refusal(options));
	}

	virtual std::string variable() const = 0;
	virtual void setServer(bool durable) = 0;
		/// Sets the server's setting, and waits until a new connection
		/// sees it.

	void waitForSetting(const std::string& sql, const std::string& expected)
	{
		Poco::Timestamp start;
		std::string seen;
		while (start.elapsed() < 10 * Poco::Timestamp::resolution())
		{
			seen = firstValue(*testConnection(_connector), sql);
			if (seen == expected) return;
			Poco::Thread::sleep(20);
		}
		CPPUNIT_FAIL(sql + " still answers '" + seen + "', expected '" + expected + "'");
	}

	std::string _connector;
	bool _weakened = false;
};


class PostgresDurabilityTest: public NetDurabilityTest
{
	CPPUNIT_TEST_SUITE(PostgresDurabilityTest);
	CPPUNIT_TEST(testSynchronousCommitFollowsTheSetting);
	CPPUNIT_TEST(testFsyncOffIsRefused);
	CPPUNIT_TEST_SUITE_END();

public:
	PostgresDurabilityTest(): NetDurabilityTest("postgresql")
	{
	}

	void testSynchronousCommitFollowsTheSetting()
	{
		std::string conninfo = environment("ORCHD_TEST_POSTGRESQL") + " password='" + databasePassword() + "'";
		orchd::PgStatements full(conninfo, true);
		CPPUNIT_ASSERT_EQUAL(std::string("on"), firstValue(full, "SHOW synchronous_commit"));
		orchd::PgStatements normal(conninfo, false);
		CPPUNIT_ASSERT_EQUAL(std::string("off"), firstValue(normal, "SHOW synchronous_commit"));
	}

	void testFsyncOffIsRefused()
	{
		checkRefusesWeakServer();
	}

protected:
	std::string variable() const override
	{
		return "fsync = off";
	}

	void setServer(bool durable) override
	{
		// fsync is reloadable: ALTER SYSTEM and a reload, no restart.
		orchd::PgStatements admin(environment("ORCHD_TEST_POSTGRESQL_ADMIN"), true);
		admin.query(durable ? "ALTER SYSTEM RESET fsync" : "ALTER SYSTEM SET fsync = off");
		admin.query("SELECT pg_reload_conf()");
		_weakened = !durable;
		waitForSetting("SHOW fsync", durable ? "on" : "off");
	}
};


class MariaDurabilityTest: public NetDurabilityTest
{
	CPPUNIT_TEST_SUITE(MariaDurabilityTest);
	CPPUNIT_TEST(testLazyLogFlushIsRefused);
	CPPUNIT_TEST_SUITE_END();

public:
	MariaDurabilityTest(): NetDurabilityTest("mariadb")
	{
	}

	void testLazyLogFlushIsRefused()
	{
		checkRefusesWeakServer();
	}

protected:
	std::string variable() const override
	{
		return "innodb_flush_log_at_trx_commit = 2";
	}

	void setServer(bool durable) override
	{
		orchd::MariaAddress address = orchd::MariaAddress::parse("socket=" + environment("ORCHD_TEST_MARIADB_ADMIN") + ";user=root;db=mysql");
		orchd::MariaStatements admin(address);
		admin.query(std::string("SET GLOBAL innodb_flush_log_at_trx_commit = ") + (durable ? "1" : "2"));
		_weakened = !durable;
		waitForSetting("SELECT @@innodb_flush_log_at_trx_commit", durable ? "1" : "2");
	}
};


CPPUNIT_TEST_SUITE_REGISTRATION(SqliteDurabilityTest);
CPPUNIT_TEST_SUITE_REGISTRATION(PostgresDurabilityTest);
CPPUNIT_TEST_SUITE_REGISTRATION(MariaDurabilityTest);
ORCHD_TEST_SKIP_UNLESS(PostgresDurabilityTest, postgresMissing)
ORCHD_TEST_SKIP_UNLESS(MariaDurabilityTest, mariaMissing)

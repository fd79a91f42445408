//
// StoreBackendsTest.cpp
//
// The StoreSuite on each backend: SQLite on a temporary file, and the
// PostgreSQL and MariaDB servers that scripts/dbservers.sh starts (their
// connection strings in ORCHD_TEST_POSTGRESQL and ORCHD_TEST_MARIADB). A
// backend whose server is not there is reported skipped, with the reason.
//


#include "store/NetSchema.h"
#include "store/SqliteFile.h"
#include "store/StoreSuite.h"
#include "store/TestDatabases.h"


using namespace orchd;
using namespace orchd::test;


class SqliteStoreTest: public StoreSuite
{
	CPPUNIT_TEST_SUB_SUITE(SqliteStoreTest, StoreSuite);
	CPPUNIT_TEST_SUITE_END();

protected:
	StoreOptions options() override
	{
		StoreOptions options;
		options.connector = "sqlite";
		options.connection = _dir.file("accounts.db");
		return options;
	}

	void clean() override
	{
	}

	void exec(const std::string& sql) override
	{
		executeOn(_dir.file("accounts.db"), sql);
	}

private:
	TempDir _dir;
};


class NetStoreTest: public StoreSuite
	/// The suite on one of the test servers.
{
protected:
	explicit NetStoreTest(const std::string& connector): _connector(connector)
	{
	}

	StoreOptions options() override
	{
		return testStoreOptions(_connector);
	}

	void clean() override
	{
		NetSchema::drop(*testConnection(_connector));
	}

	void exec(const std::string& sql) override
	{
		testConnection(_connector)->query(sql);
	}

private:
	std::string _connector;
};


class PostgresStoreTest: public NetStoreTest
{
	CPPUNIT_TEST_SUB_SUITE(PostgresStoreTest, StoreSuite);
	CPPUNIT_TEST_SUITE_END();

public:
	PostgresStoreTest(): NetStoreTest("postgresql")
	{
	}
};


class MariaStoreTest: public NetStoreTest
{
	CPPUNIT_TEST_SUB_SUITE(MariaStoreTest, StoreSuite);
	CPPUNIT_TEST_SUITE_END();

public:
	MariaStoreTest(): NetStoreTest("mariadb")
	{
	}
};


CPPUNIT_TEST_SUITE_REGISTRATION(SqliteStoreTest);
CPPUNIT_TEST_SUITE_REGISTRATION(PostgresStoreTest);
CPPUNIT_TEST_SUITE_REGISTRATION(MariaStoreTest);
ORCHD_TEST_SKIP_UNLESS(PostgresStoreTest, postgresMissing)
ORCHD_TEST_SKIP_UNLESS(MariaStoreTest, mariaMissing)

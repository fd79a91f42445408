//
// QueryBackendsTest.cpp
//
// The QuerySuite on each backend: SQLite on a temporary file, and the
// PostgreSQL and MariaDB servers that scripts/dbservers.sh starts. A
// backend whose server is not there is reported skipped, with the reason.
//


#include "store/NetSchema.h"
#include "store/QuerySuite.h"
#include "store/SqliteFile.h"
#include "store/TestDatabases.h"


using namespace orchd;
using namespace orchd::test;


class SqliteQueryTest: public QuerySuite
{
	CPPUNIT_TEST_SUB_SUITE(SqliteQueryTest, QuerySuite);
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


class NetQueryTest: public QuerySuite
	/// The suite on one of the test servers.
{
protected:
	explicit NetQueryTest(const std::string& connector): _server(connector)
	{
	}

	StoreOptions options() override
	{
		return testStoreOptions(_server);
	}

	void clean() override
	{
		NetSchema::drop(*testConnection(_server));
	}

	void exec(const std::string& sql) override
	{
		testConnection(_server)->query(sql);
	}

private:
	std::string _server;
};


class PostgresQueryTest: public NetQueryTest
{
	CPPUNIT_TEST_SUB_SUITE(PostgresQueryTest, QuerySuite);
	CPPUNIT_TEST_SUITE_END();

public:
	PostgresQueryTest(): NetQueryTest("postgresql")
	{
	}
};


class MariaQueryTest: public NetQueryTest
{
	CPPUNIT_TEST_SUB_SUITE(MariaQueryTest, QuerySuite);
	CPPUNIT_TEST_SUITE_END();

public:
	MariaQueryTest(): NetQueryTest("mariadb")
	{
	}
};


CPPUNIT_TEST_SUITE_REGISTRATION(SqliteQueryTest);
CPPUNIT_TEST_SUITE_REGISTRATION(PostgresQueryTest);
CPPUNIT_TEST_SUITE_REGISTRATION(MariaQueryTest);
ORCHD_TEST_SKIP_UNLESS(PostgresQueryTest, postgresMissing)
ORCHD_TEST_SKIP_UNLESS(MariaQueryTest, mariaMissing)

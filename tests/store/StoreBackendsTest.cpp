//
// StoreBackendsTest.cpp
//
// The StoreSuite on each backend: SQLite on a temporary file, and the
// PostgreSQL and MariaDB servers that scripts/dbservers.sh starts (their
// connection strings in ORCHD_TEST_POSTGRESQL and ORCHD_TEST_MARIADB). A
// backend whose server is not there is reported skipped, with the reason.
//


#include "store/StoreSuite.h"
#include "store/TestBackends.h"


using namespace orchd;
using namespace orchd::test;


class SqliteStoreTest: public OnSqlite<StoreSuite>
{
	CPPUNIT_TEST_SUB_SUITE(SqliteStoreTest, StoreSuite);
	CPPUNIT_TEST_SUITE_END();
};


class PostgresStoreTest: public OnServer<StoreSuite>
{
	CPPUNIT_TEST_SUB_SUITE(PostgresStoreTest, StoreSuite);
	CPPUNIT_TEST_SUITE_END();

public:
	PostgresStoreTest(): OnServer<StoreSuite>("postgresql")
	{
	}
};


class MariaStoreTest: public OnServer<StoreSuite>
{
	CPPUNIT_TEST_SUB_SUITE(MariaStoreTest, StoreSuite);
	CPPUNIT_TEST_SUITE_END();

public:
	MariaStoreTest(): OnServer<StoreSuite>("mariadb")
	{
	}
};


CPPUNIT_TEST_SUITE_REGISTRATION(SqliteStoreTest);
CPPUNIT_TEST_SUITE_REGISTRATION(PostgresStoreTest);
CPPUNIT_TEST_SUITE_REGISTRATION(MariaStoreTest);
ORCHD_TEST_SKIP_UNLESS(PostgresStoreTest, postgresMissing)
ORCHD_TEST_SKIP_UNLESS(MariaStoreTest, mariaMissing)

//
// QueryBackendsTest.cpp
//
// The QuerySuite on each backend: SQLite on a temporary file, and the
// PostgreSQL and MariaDB servers that scripts/dbservers.sh starts. A
// backend whose server is not there is reported skipped, with the reason.
//


#include "store/QuerySuite.h"
#include "store/TestBackends.h"


using namespace orchd;
using namespace orchd::test;


class SqliteQueryTest: public OnSqlite<QuerySuite>
{
	CPPUNIT_TEST_SUB_SUITE(SqliteQueryTest, QuerySuite);
	CPPUNIT_TEST_SUITE_END();
};


class PostgresQueryTest: public OnServer<QuerySuite>
{
	CPPUNIT_TEST_SUB_SUITE(PostgresQueryTest, QuerySuite);
	CPPUNIT_TEST_SUITE_END();

public:
	PostgresQueryTest(): OnServer<QuerySuite>("postgresql")
	{
	}
};


class MariaQueryTest: public OnServer<QuerySuite>
{
	CPPUNIT_TEST_SUB_SUITE(MariaQueryTest, QuerySuite);
	CPPUNIT_TEST_SUITE_END();

public:
	MariaQueryTest(): OnServer<QuerySuite>("mariadb")
	{
	}
};


CPPUNIT_TEST_SUITE_REGISTRATION(SqliteQueryTest);
CPPUNIT_TEST_SUITE_REGISTRATION(PostgresQueryTest);
CPPUNIT_TEST_SUITE_REGISTRATION(MariaQueryTest);
ORCHD_TEST_SKIP_UNLESS(PostgresQueryTest, postgresMissing)
ORCHD_TEST_SKIP_UNLESS(MariaQueryTest, mariaMissing)

//
// StoreBackendsTest.cpp
//
// The StoreSuite on each backend: SQLite on a temporary file, and the
// PostgreSQL and MariaDB servers that scripts/dbservers.sh starts (their
// connection strings in ORCHD_TEST_POSTGRESQL and ORCHD_TEST_MARIADB). A
// backend whose server is not there is reported skipped, with the reason.
//


#include "TestSupport.h"
#include "store/MariaStatements.h"
#include "store/NetSchema.h"
#include "store/PgStatements.h"
#include "store/StoreSuite.h"
#include "Poco/Data/Session.h"
#include "Poco/Data/SQLite/Connector.h"
#include "Poco/FileStream.h"


using namespace orchd;
using namespace orchd::test;


namespace {


std::string password()
{
	std::string path = environment("ORCHD_TEST_DB_PASSWORD_FILE");
	if (path.empty()) return std::string();
	Poco::FileInputStream in(path);
	std::string line;
	std::getline(in, line);
	return line;
}


std::string unavailable(const std::string& variable, const std::string& what)
{
	if (!environment(variable).empty()) return std::string();
	std::string why = environment(variable + "_SKIPPED");
	return why.empty() ? "no " + what + " server (" + variable + " is not set: run through scripts/test.sh, which starts one)" : why;
}


} // namespace


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
		Poco::Data::SQLite::Connector::registerConnector();
		Poco::Data::Session session("SQLite", _dir.file("accounts.db"));
		session << sql, Poco::Data::Keywords::now;
	}

private:
	TempDir _dir;
};


class PostgresStoreTest: public StoreSuite
{
	CPPUNIT_TEST_SUB_SUITE(PostgresStoreTest, StoreSuite);
	CPPUNIT_TEST_SUITE_END();

protected:
	StoreOptions options() override
	{
		StoreOptions options;
		options.connector = "postgresql";
		options.connection = environment("ORCHD_TEST_POSTGRESQL");
		options.passwordFile = environment("ORCHD_TEST_DB_PASSWORD_FILE");
		return options;
	}

	void clean() override
	{
		PgStatements connection(conninfo());
		NetSchema::drop(connection);
	}

	void exec(const std::string& sql) override
	{
		PgStatements connection(conninfo());
		connection.query(sql);
	}

private:
	static std::string conninfo()
	{
		return environment("ORCHD_TEST_POSTGRESQL") + " password='" + password() + "'";
	}
};


class MariaStoreTest: public StoreSuite
{
	CPPUNIT_TEST_SUB_SUITE(MariaStoreTest, StoreSuite);
	CPPUNIT_TEST_SUITE_END();

protected:
	StoreOptions options() override
	{
		StoreOptions options;
		options.connector = "mariadb";
		options.connection = environment("ORCHD_TEST_MARIADB");
		options.passwordFile = environment("ORCHD_TEST_DB_PASSWORD_FILE");
		return options;
	}

	void clean() override
	{
		MariaStatements connection(address());
		NetSchema::drop(connection);
	}

	void exec(const std::string& sql) override
	{
		MariaStatements connection(address());
		connection.query(sql);
	}

private:
	static MariaAddress address()
	{
		MariaAddress address = MariaAddress::parse(environment("ORCHD_TEST_MARIADB"));
		address.password = password();
		return address;
	}
};


CPPUNIT_TEST_SUITE_REGISTRATION(SqliteStoreTest);
CPPUNIT_TEST_SUITE_REGISTRATION(PostgresStoreTest);
CPPUNIT_TEST_SUITE_REGISTRATION(MariaStoreTest);
ORCHD_TEST_SKIP_UNLESS(PostgresStoreTest, [] { return unavailable("ORCHD_TEST_POSTGRESQL", "PostgreSQL"); })
ORCHD_TEST_SKIP_UNLESS(MariaStoreTest, [] { return unavailable("ORCHD_TEST_MARIADB", "MariaDB"); })

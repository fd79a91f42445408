//
// TestDatabases.h
//
// The PostgreSQL and MariaDB servers scripts/dbservers.sh starts for the
// tests: their connection strings and password, and why a fixture that
// needs one is skipped when it is not there.
//


#ifndef orchd_test_TestDatabases_INCLUDED
#define orchd_test_TestDatabases_INCLUDED


#include "TestSupport.h"
#include "store/MariaStatements.h"
#include "store/PgStatements.h"
#include "store/StoreOptions.h"
#include "Poco/FileStream.h"
#include <memory>
#include <string>


namespace orchd {
namespace test {


inline std::string databasePassword()
	/// The first line of ORCHD_TEST_DB_PASSWORD_FILE, or empty.
{
	std::string path = environment("ORCHD_TEST_DB_PASSWORD_FILE");
	if (path.empty()) return std::string();
	Poco::FileInputStream in(path);
	std::string line;
	std::getline(in, line);
	return line;
}


inline std::string databaseMissing(const std::string& variable, const std::string& what)
	/// Empty if the server's connection string is set, else why not.
{
	if (!environment(variable).empty()) return std::string();
	std::string why = environment(variable + "_SKIPPED");
	return why.empty() ? "no " + what + " server (" + variable + " is not set: run through scripts/test.sh, which starts one)" : why;
}


inline std::string postgresMissing()
{
	return databaseMissing("ORCHD_TEST_POSTGRESQL", "PostgreSQL");
}


inline std::string mariaMissing()
{
	return databaseMissing("ORCHD_TEST_MARIADB", "MariaDB");
}


inline StoreOptions testStoreOptions(const std::string& connector)
	/// A store on the test server of that connector.
{
	StoreOptions options;
	options.connector = connector;
	options.connection = environment(connector == "postgresql" ? "ORCHD_TEST_POSTGRESQL" : "ORCHD_TEST_MARIADB");
	options.passwordFile = environment("ORCHD_TEST_DB_PASSWORD_FILE");
	return options;
}


inline std::unique_ptr<NetStatements> testConnection(const std::string& connector)
	/// A connection of the store's own kind to the test server, outside any store.
{
	if (connector == "postgresql")
		return std::make_unique<PgStatements>(environment("ORCHD_TEST_POSTGRESQL") + " password='" + databasePassword() + "'", true);
	MariaAddress address = MariaAddress::parse(environment("ORCHD_TEST_MARIADB"));
	address.password = databasePassword();
	return std::make_unique<MariaStatements>(address);
}


inline std::string storeKeys(const std::string& connector)
	/// The store.* lines of a node on the test server of that connector.
{
	StoreOptions options = testStoreOptions(connector);
	return "store.connector = " + connector + "\n"
		"store.connection = " + options.connection + "\n"
		"store.password_file = " + options.passwordFile + "\n";
}


} } // namespace orchd::test


#endif // orchd_test_TestDatabases_INCLUDED

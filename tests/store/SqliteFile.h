//
// SqliteFile.h
//
// Reading and writing a store's SQLite file from outside the store, on a
// connection of the fixture's own.
//


#ifndef orchd_test_SqliteFile_INCLUDED
#define orchd_test_SqliteFile_INCLUDED


#include "Poco/Data/Session.h"
#include "Poco/Data/SQLite/Connector.h"
#include <string>


namespace orchd {
namespace test {


inline Poco::Int64 committedBalance(const std::string& file, const std::string& user)
	/// The balance as committed (another connection sees nothing else), or
	/// -1 if there is no such account.
{
	Poco::Data::SQLite::Connector::registerConnector();
	Poco::Data::Session session("SQLite", file);
	Poco::Int64 balance = -1;
	session << "SELECT balance FROM accounts WHERE user_id = $1", Poco::Data::Keywords::into(balance), Poco::Data::Keywords::useRef(user), Poco::Data::Keywords::now;
	return balance;
}


inline void executeOn(const std::string& file, const std::string& sql)
	/// Runs one statement on the file.
{
	Poco::Data::SQLite::Connector::registerConnector();
	Poco::Data::Session session("SQLite", file);
	session << sql, Poco::Data::Keywords::now;
}


} } // namespace orchd::test


#endif // orchd_test_SqliteFile_INCLUDED

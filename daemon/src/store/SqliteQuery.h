//
// SqliteQuery.h
//
// One read-only statement prepared on a SQLite connection.
//


#ifndef orchd_SqliteQuery_INCLUDED
#define orchd_SqliteQuery_INCLUDED


#include "orchd/AccountStore.h"
#include <map>
#include <string>
#include <vector>


struct sqlite3;
struct sqlite3_stmt;


namespace orchd {


class SqliteQuery
	/// Prepares a statement with sqlite3_prepare_v2() and refuses it unless
	/// SQLite says it is exactly one statement (the rest of the text
	/// prepares to nothing), that it is read-only (sqlite3_stmt_readonly())
	/// and that it returns rows; it must also start with SELECT, WITH or
	/// VALUES (which keeps out statements SQLite counts as read-only but
	/// that change the connection: ATTACH, BEGIN, PRAGMA ...). Parameters
	/// are :name only, bound by SQLite by name.
	///
	/// Used by one thread, on a connection it holds for the object's life.
{
public:
	SqliteQuery(sqlite3* db, const std::string& statement);
		/// Throws Poco::InvalidArgumentException saying why a statement is
		/// refused.

	~SqliteQuery();

	SqliteQuery(const SqliteQuery&) = delete;
	SqliteQuery& operator = (const SqliteQuery&) = delete;

	const std::vector<std::string>& parameters() const;
		/// The :name parameters, without the colon, in order.

	QueryRows run(const std::map<std::string, Poco::Dynamic::Var>& values, std::size_t maxRows);
		/// Binds values by name and returns up to maxRows rows. Throws
		/// Poco::InvalidArgumentException for a missing or unused value or
		/// one of another type than Int64, double or string, and
		/// Poco::Data::DataException if SQLite fails.

	static std::string firstWord(const std::string& statement);
		/// The first word after spaces and comments, in upper case.

private:
	void bind(const std::map<std::string, Poco::Dynamic::Var>& values);
	Poco::Dynamic::Var column(int index) const;

	sqlite3* _db;
	sqlite3_stmt* _statement = nullptr;
	std::vector<std::string> _parameters;
};


} // namespace orchd


#endif // orchd_SqliteQuery_INCLUDED

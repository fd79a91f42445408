//
// MariaQuery.h
//
// One read-only statement prepared on a MariaDB connection.
//


#ifndef orchd_MariaQuery_INCLUDED
#define orchd_MariaQuery_INCLUDED


#include "orchd/AccountStore.h"
#include "store/NamedParameters.h"
#include <map>
#include <string>
#include <vector>


struct st_mysql;
struct st_mysql_stmt;


namespace orchd {


class MariaQuery
	/// A statement with :name parameters (NamedParameters, rewritten to ?)
	/// prepared with mysql_stmt_prepare(). It must start with SELECT, WITH
	/// or VALUES and, as the server prepares it, return columns
	/// (mysql_stmt_field_count(): SELECT ... INTO @var or INTO OUTFILE
	/// return none, and are refused). Whether it writes is judged by the
	/// server when it runs, in the read-only transaction the caller holds
	/// (START TRANSACTION READ ONLY): NEXTVAL() of a sequence, a stored
	/// function that writes and SELECT ... FOR UPDATE fail there (error
	/// 1792), when the task runs, not at prepare (which executes nothing).
	///
	/// run() binds each use of a name by position (never spliced): an
	/// integer as BIGINT, a number as DOUBLE, a string as a string.
	/// Columns: the integer types are Int64 (a BIGINT UNSIGNED beyond its
	/// range is text), FLOAT and DOUBLE double, DECIMAL as
	/// QueryValue::decimal() (exact: a whole number is an Int64, else its
	/// text), NULL empty, others text. Rows are read from the server one
	/// by one, and the rest after maxRows + 1 discarded, never kept.
	///
	/// Used by one thread, on a connection with no result pending.
{
public:
	MariaQuery(st_mysql* mysql, const std::string& statement);
		/// Throws Poco::InvalidArgumentException saying why the statement
		/// is refused.

	~MariaQuery();

	MariaQuery(const MariaQuery&) = delete;
	MariaQuery& operator = (const MariaQuery&) = delete;

	const std::vector<std::string>& parameters() const;
		/// The :name parameters, without the colon, in order of first use.

	QueryRows run(const std::map<std::string, Poco::Dynamic::Var>& values, std::size_t maxRows);
		/// Throws Poco::InvalidArgumentException for a missing or unused
		/// value (or one of another type), Poco::Data::DataException if
		/// the server refuses or fails (a write it refuses included). No
		/// result is pending on the connection after, even if it throws.

private:
	void execute(const std::vector<Poco::Dynamic::Var>& ordered);

	st_mysql* _mysql;
	st_mysql_stmt* _statement = nullptr;
	NamedParameters _parameters;
};


} // namespace orchd


#endif // orchd_MariaQuery_INCLUDED

//
// PgQuery.h
//
// One read-only statement on a PostgreSQL connection, judged and run by
// the server.
//


#ifndef orchd_PgQuery_INCLUDED
#define orchd_PgQuery_INCLUDED


#include "orchd/AccountStore.h"
#include "store/NamedParameters.h"
#include <map>
#include <string>
#include <vector>


struct pg_conn;
struct pg_result;


namespace orchd {


class PgQuery
	/// A statement with :name parameters (NamedParameters, rewritten to
	/// $n) that must start with SELECT, WITH or VALUES. The server judges
	/// the rest, each time in a READ ONLY transaction that is rolled back:
	/// check() prepares it (syntax, tables, parameter types), describes
	/// it (it must return columns) and opens a cursor over it with every
	/// parameter NULL, which runs the executor's start, where PostgreSQL
	/// refuses a write: a data-modifying WITH, SELECT ... FOR UPDATE. A
	/// function that writes is refused when run() fetches.
	///
	/// run() binds each value as a parameter (never spliced): an integer
	/// as int8, a number as float8, a string as an untyped literal that
	/// the server types from its use (text, a date, ...). It opens a
	/// cursor and fetches maxRows + 1 rows, so a huge result is never
	/// read. Columns: int2, int4, int8 and bool are Int64; float4 and
	/// float8 double; numeric as QueryValue::decimal() (exact: a whole
	/// number is an Int64, else its text); NULL empty; others text.
	///
	/// The connection must be out of pipeline mode and of any
	/// transaction, and is so again after. Used by one thread.
{
public:
	PgQuery(pg_conn* connection, const std::string& statement);
		/// Reads the parameters; asks the server nothing. Throws
		/// Poco::InvalidArgumentException if NamedParameters refuses the
		/// statement or it does not start with SELECT, WITH or VALUES.

	void check();
		/// AccountStore::prepare(): throws Poco::InvalidArgumentException
		/// saying why the server refuses the statement,
		/// Poco::Data::DataException if it fails.

	const std::vector<std::string>& parameters() const;
		/// The :name parameters, without the colon, in order of first use.

	QueryRows run(const std::map<std::string, Poco::Dynamic::Var>& values, std::size_t maxRows);
		/// Prepares and describes it again, then opens the cursor with the
		/// values. Throws Poco::InvalidArgumentException for a missing or
		/// unused value (or one of another type) and for a statement the
		/// server refuses as check() would (SQLSTATE classes 25, 0A, 42);
		/// Poco::Data::DataException if the server fails or refuses a
		/// value or a row (a write it refuses while fetching included).

private:
	class ReadOnly
		/// BEGIN READ ONLY, and ROLLBACK when it goes.
	{
	public:
		explicit ReadOnly(pg_conn* connection);
		~ReadOnly();

	private:
		pg_conn* _connection;
	};

	std::vector<unsigned int> describe();
		/// Prepares the unnamed statement and returns its parameter types.

	pg_result* open(const std::vector<unsigned int>& types, const std::vector<const char*>& values);
		/// DECLAREs the cursor; returns the result for the caller to check
		/// and clear.

	pg_conn* _connection;
	NamedParameters _parameters;
};


} // namespace orchd


#endif // orchd_PgQuery_INCLUDED

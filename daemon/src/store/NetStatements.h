//
// NetStatements.h
//
// A connection to a networked database: the account rules' statements
// plus the plain queries the schema needs.
//


#ifndef orchd_NetStatements_INCLUDED
#define orchd_NetStatements_INCLUDED


#include "store/RuleStatements.h"
#include <cstddef>
#include <map>
#include <string>
#include <vector>


namespace orchd {


class NetStatements: public RuleStatements
	/// What NetAccountStore needs of a PostgreSQL or MariaDB connection.
	/// Used by one thread at a time.
{
public:
	using Rows = std::vector<std::vector<std::string>>;

	virtual Rows query(const std::string& sql, const std::vector<std::string>& parameters = {}) = 0;
		/// Runs one statement (parameters in the backend's own placeholder
		/// style: $1 for PostgreSQL, ? for MariaDB) and returns its rows
		/// as text, NULL as empty.

	virtual void prefetchRound(const StoreHint& hint) = 0;
		/// In the open transaction, in one round trip: the keys' records,
		/// the accounts read and locked (FOR UPDATE, in name order), and
		/// the reads (those not held already) read without a lock. Until
		/// the transaction ends, findKey() and readBalance() answer the
		/// keys and locked accounts from memory (kept current by this
		/// transaction's writes); peekBalance() answers the reads until
		/// the next round fetch (they were read after their tasks came in).

	virtual void sendCommit() = 0;
		/// Sends the COMMIT of the open transaction (and what is deferred)
		/// without waiting: the next commit() waits for its answer, on any
		/// thread that has the connection then.

	virtual bool peekBalance(const std::string& user, Poco::Int64& balance) = 0;
		/// Reads a balance without locking its row (a QUERY: it must not
		/// wait behind a writer). An account the open transaction holds
		/// locked, or one the current round read (StoreHint::reads), is
		/// answered from memory: no round trip.

	virtual std::vector<std::string> prepareQuery(const std::string& statement) = 0;
		/// AccountStore::prepare() on this connection, which must be out
		/// of any transaction (it is again after). The backend's own
		/// database judges the statement (PgQuery, MariaQuery).

	virtual QueryRows selectQuery(const std::string& statement, const std::map<std::string, Poco::Dynamic::Var>& values, std::size_t maxRows) = 0;
		/// AccountStore::select() on this connection, in a read-only
		/// transaction of its own that is rolled back; the connection must
		/// be out of any transaction (it is again after).
};


} // namespace orchd


#endif // orchd_NetStatements_INCLUDED

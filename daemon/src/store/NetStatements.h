//
// NetStatements.h
//
// A connection to a networked database: the account rules' statements
// plus the plain queries the schema needs.
//


#ifndef orchd_NetStatements_INCLUDED
#define orchd_NetStatements_INCLUDED


#include "store/RuleStatements.h"
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

	virtual void prefetchRound(const std::vector<std::string>& keys, const std::vector<std::string>& accounts) = 0;
		/// In the open transaction, in one round trip: the keys' records,
		/// and the accounts read and locked (FOR UPDATE, in name order).
		/// Until the transaction ends, findKey() and readBalance() answer
		/// them from memory (kept current by this transaction's writes).

	virtual bool peekBalance(const std::string& user, Poco::Int64& balance) = 0;
		/// Reads a balance without locking its row (a QUERY outside a
		/// transaction: it must not wait behind a writer).
};


} // namespace orchd


#endif // orchd_NetStatements_INCLUDED

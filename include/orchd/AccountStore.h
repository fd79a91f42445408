//
// AccountStore.h
//
// The account store interface that task handlers use.
//


#ifndef orchd_AccountStore_INCLUDED
#define orchd_AccountStore_INCLUDED


#include "Poco/Dynamic/Var.h"
#include "Poco/Exception.h"
#include "Poco/Types.h"
#include <cstddef>
#include <map>
#include <string>
#include <vector>


namespace orchd {


struct AccountResult
	/// The outcome of one store operation. Balances are integer cents.
{
	enum Outcome
		/// The values are stored with idempotency keys: never renumber.
	{
		OK = 0,                  /// applied (or, with replayed, applied earlier)
		NOT_FOUND = 1,           /// the account (USER, or TO for a transfer) does not exist
		INSUFFICIENT_FUNDS = 2,  /// the balance would go below zero
		ALREADY_EXISTS = 3,      /// OPEN of an account that exists
		LIMIT_EXCEEDED = 4,      /// the balance would go beyond Money::MAX_CENTS
		SAME_ACCOUNT = 5,        /// TRANSFER from an account to itself
		KEY_CONFLICT = 6         /// the idempotency key was used for a different request
	};

	Outcome outcome = OK;
	Poco::Int64 balance = 0;    /// the balance of USER after the operation
	Poco::Int64 toBalance = 0;  /// for TRANSFER, the balance of TO after it
	bool replayed = false;      /// true if the key had been applied before and nothing changed now
	std::string missing;        /// for NOT_FOUND, which account is missing

	bool ok() const
	{
		return outcome == OK;
	}
};


struct QueryRows
	/// The answer of AccountStore::select(). A value is a Poco::Int64, a
	/// double, a std::string or empty (SQL NULL), as the database typed it.
{
	std::vector<std::string> columns;                    /// the result's column names, in order
	std::vector<std::vector<Poco::Dynamic::Var>> rows;   /// at most the maxRows asked for
	bool truncated = false;                              /// the statement had more rows than that
};


const char* outcomeText(AccountResult::Outcome outcome);
	/// Returns the protocol's ERROR text for an outcome ("User not found",
	/// "Insufficient funds", ...), or "OK".


struct StoreHint
	/// What a quick task will use of the account store, told before it runs
	/// (TaskHandler::storeHint()): a worker on PostgreSQL or MariaDB fetches
	/// a whole round of quick tasks' rows in one round trip.
{
	std::vector<std::string> keys;
		/// The idempotency keys it will check and record.
	std::vector<std::string> accounts;
		/// The accounts it may change: read and locked ahead (FOR UPDATE).
	std::vector<std::string> reads;
		/// The accounts it only reads (AccountStore::query()): read ahead
		/// without a lock, so that a read never waits behind a writer.
};


class AccountStore
	/// Accounts with integer-cent balances in a transactional database.
	///
	/// Every mutating operation takes an idempotency key. The key, a
	/// fingerprint of the request and the outcome are recorded in the same
	/// transaction as the balance change; calling again with the same key
	/// and the same request returns the first outcome (with replayed set)
	/// and does not touch any balance. The same key with a different
	/// request gives KEY_CONFLICT. Refused operations (INSUFFICIENT_FUNDS,
	/// NOT_FOUND, ...) are recorded too, so a retry sees the same answer.
	///
	/// All operations are thread-safe and atomic. They throw
	/// Poco::Data::DataException (or another Poco::Exception) when the
	/// database cannot be reached; nothing is applied in that case.
{
public:
	virtual ~AccountStore() = default;

	virtual AccountResult open(const std::string& key, const std::string& user, Poco::Int64 cents) = 0;
		/// Creates the account with an initial balance (>= 0).

	virtual AccountResult query(const std::string& user) = 0;
		/// Reads the balance.

	virtual AccountResult update(const std::string& key, const std::string& user, Poco::Int64 deltaCents) = 0;
		/// Adds a signed amount to the balance, refusing to go below zero.

	virtual AccountResult transfer(const std::string& key, const std::string& from, const std::string& to, Poco::Int64 cents) = 0;
		/// Moves a positive amount from one account to another atomically.
		/// balance is the sender's new balance, toBalance the receiver's.

	virtual AccountResult close(const std::string& key, const std::string& user) = 0;
		/// Removes the account; balance is what it held (paid out).
		/// NOT_FOUND if there is none. A name closed may be opened again.

	virtual std::vector<std::string> prepare(const std::string& statement)
		/// Checks that statement is exactly one read-only SQL statement
		/// that this store's database can run, and returns the names of its
		/// :name parameters (without the colon, each once, in order of
		/// first use). The database judges read-only (SQLite:
		/// sqlite3_stmt_readonly()), not a list of keywords. Throws
		/// Poco::InvalidArgumentException saying why it is refused, and
		/// Poco::NotImplementedException on a store that runs no SQL (the
		/// default).
	{
		(void) statement;
		throw Poco::NotImplementedException("this account store runs no SQL statements");
	}

	virtual QueryRows select(const std::string& statement, const std::map<std::string, Poco::Dynamic::Var>& parameters, std::size_t maxRows)
		/// Runs a statement that prepare() accepts and returns up to maxRows
		/// rows. Each :name parameter is bound by the database to
		/// parameters[name] (an Int64, a double or a string): values are
		/// never spliced into the SQL text. Throws
		/// Poco::InvalidArgumentException for a parameter missing from
		/// parameters or given and not used, or a statement prepare()
		/// refuses; Poco::Data::DataException (or another Poco::Exception)
		/// if the database fails.
	{
		(void) statement;
		(void) parameters;
		(void) maxRows;
		throw Poco::NotImplementedException("this account store runs no SQL statements");
	}
};


inline const char* outcomeText(AccountResult::Outcome outcome)
{
	switch (outcome)
	{
	case AccountResult::OK:                 return "OK";
	case AccountResult::NOT_FOUND:          return "User not found";
	case AccountResult::INSUFFICIENT_FUNDS: return "Insufficient funds";
	case AccountResult::ALREADY_EXISTS:     return "User already exists";
	case AccountResult::LIMIT_EXCEEDED:     return "Balance limit exceeded";
	case AccountResult::SAME_ACCOUNT:       return "Cannot transfer to the same account";
	case AccountResult::KEY_CONFLICT:       return "Idempotency key reused with a different request";
	}
	return "Unknown outcome";
}


} // namespace orchd


#endif // orchd_AccountStore_INCLUDED

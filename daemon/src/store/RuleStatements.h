//
// RuleStatements.h
//
// The statements the account rules run, on one connection of one backend.
//


#ifndef orchd_RuleStatements_INCLUDED
#define orchd_RuleStatements_INCLUDED


#include "orchd/AccountStore.h"
#include "Poco/Data/DataException.h"
#include <string>


namespace orchd {


POCO_DECLARE_EXCEPTION(, StoreRetryException, Poco::Data::DataException)
	/// The database undid the statement for a reason that a new attempt
	/// cures: a deadlock, a serialization failure, a lock wait that timed
	/// out, or another transaction that recorded the same idempotency key
	/// first. What the current operation did is undone by undo(); the
	/// transaction's earlier operations are intact.

POCO_DECLARE_EXCEPTION(, StoreTransactionLostException, StoreRetryException)
	/// As StoreRetryException, but the database rolled the whole
	/// transaction back (InnoDB does so on a deadlock): every operation of
	/// the transaction is undone, not only the current one.


struct KeyRecord
	/// What an idempotency key recorded: the request's fingerprint and the
	/// outcome it had.
{
	std::string fingerprint;
	AccountResult result;
};


class RuleStatements
	/// The statements AccountRules needs, prepared once on one connection
	/// and run again and again with new values, so that the rules are
	/// written once for every backend (SQLite, PostgreSQL, MariaDB) and only
	/// the SQL and the client library differ.
	///
	/// readBalance() locks the row until the transaction ends on backends
	/// that lock rows (SELECT ... FOR UPDATE); SQLite holds the database's
	/// write lock instead. Writes that return nothing (writeBalance,
	/// insertAccount, deleteAccount) may be sent together with the next statement; their
	/// errors then surface there, inside the same operation.
	///
	/// Used by one thread at a time. Errors throw Poco::Data::DataException
	/// with the database's message, or StoreRetryException.
{
public:
	virtual ~RuleStatements() = default;

	virtual void begin() = 0;
	virtual void commit() = 0;
	virtual void rollback() = 0;
		/// Never throws: a broken connection rolls back when it closes.

	virtual bool inTransaction() const = 0;
		/// False if no transaction is open (or the database rolled one
		/// back by itself after an error).

	virtual void savepoint() = 0;
		/// SAVEPOINT inside the open transaction: one operation of a batch.
	virtual void release() = 0;
		/// Keeps what the operation since savepoint() did.
	virtual bool undo() = 0;
		/// Undoes what the operation since savepoint() did; false if even
		/// that failed (the transaction must then be rolled back).

	virtual bool findKey(const std::string& key, KeyRecord& record) = 0;
	virtual void recordKey(const std::string& key, const std::string& fingerprint, const AccountResult& result) = 0;
	virtual bool readBalance(const std::string& user, Poco::Int64& balance) = 0;
	virtual void writeBalance(const std::string& user, Poco::Int64 balance) = 0;
	virtual void insertAccount(const std::string& user, Poco::Int64 balance) = 0;
	virtual void deleteAccount(const std::string& user) = 0;
	virtual int pruneKeys(Poco::Int64 olderThanMs) = 0;
		/// Deletes idempotency records created before that time (epoch ms).

	virtual bool healthy() const = 0;
		/// False once the connection is known to be broken.

	virtual void prefetch(const std::string* first, const std::string* second)
		/// The operation about to run will read (and lock) these accounts
		/// (either may be null): a backend may fetch them together with
		/// the key check. Nothing by default.
	{
		(void) first;
		(void) second;
	}
};


} // namespace orchd


#endif // orchd_RuleStatements_INCLUDED

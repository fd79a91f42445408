//
// AccountDatabase.h
//
// The account store as the daemon owns it: what plugins see, plus group
// commit, the store's identity, and checks.
//


#ifndef orchd_AccountDatabase_INCLUDED
#define orchd_AccountDatabase_INCLUDED


#include "orchd/AccountStore.h"
#include "store/StoreOptions.h"
#include <cstddef>
#include <memory>
#include <string>
#include <vector>


namespace orchd {


class AccountBatch: public AccountStore
	/// The store as seen by one thread that runs many tasks and sends their
	/// results itself (a worker's QuickRunner): its operations are applied
	/// at once, each with its own outcome and idempotency record, and made
	/// durable together by commit(). Nothing may be sent for an operation
	/// until commit() returns. An operation that throws undoes only itself.
	///
	/// Used by one thread at a time.
{
public:
	virtual void commit() = 0;
		/// Returns once every operation since the last commit() is
		/// committed. Throws Poco::Data::DataException if a commit that
		/// held any of them failed: those are not applied (others may be:
		/// see failure()).

	virtual void sendCommit()
		/// Starts commit() without waiting: a networked store sends its
		/// COMMIT now, and commit() (on any thread, once this one hands the
		/// batch over) waits for the answer. Nothing by default.
	{
	}

	virtual std::size_t pending() const = 0;
		/// Counts the operations since the last commit(), in order.

	virtual const std::string& failure(std::size_t index) const = 0;
		/// After commit(): why the operation at that index (of those
		/// pending before it) is not applied, or empty if it is.

	virtual bool fetchesAhead() const
		/// Whether prefetch() does anything: if not, callers need not
		/// gather hints (SQLite's batches answer from the local file).
	{
		return false;
	}

	virtual void prefetch(const StoreHint& hint)
		/// The next operations will use these idempotency keys and
		/// accounts: a networked store fetches them in one round trip (the
		/// accounts locked, the reads not). Only speed depends on it.
		/// Nothing by default.
	{
		(void) hint;
	}
};


class AccountDatabase: public AccountStore
	/// One of orchd's account stores (store.connector): SQLite, PostgreSQL
	/// or MariaDB, with the same semantics on each (AccountRules). Opened by
	/// connect(), which creates or migrates the schema; its store id, recorded
	/// when the schema was created, names the ledger: two nodes on the same
	/// database see the same id. Thread-safe.
{
public:
	virtual std::unique_ptr<AccountBatch> batch() = 0;
		/// A group-commit view for one thread.

	virtual Poco::Int64 totalBalance() = 0;
		/// The sum of all balances (for checks and tests).

	virtual int pruneKeys() = 0;
		/// Deletes the idempotency records older than
		/// store.idempotency_retention_hours (none if 0) and returns how many. The
		/// store also does this about once a minute by itself.

	virtual const std::string& storeId() const = 0;
	virtual const std::string& connector() const = 0;
		/// "sqlite", "postgresql" or "mariadb".

	static std::unique_ptr<AccountDatabase> connect(const StoreOptions& options);
		/// Opens the store options.connector names, creating its schema or
		/// migrating an older one. Throws Poco::Data::DataException (or a
		/// subclass) if the database cannot be reached or has a schema newer
		/// than this orchd's, Poco::InvalidArgumentException for a bad
		/// connector or connection string.
};


} // namespace orchd


#endif // orchd_AccountDatabase_INCLUDED

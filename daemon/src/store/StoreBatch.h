//
// StoreBatch.h
//
// The account store as one thread that commits its own operations sees it.
//


#ifndef orchd_StoreBatch_INCLUDED
#define orchd_StoreBatch_INCLUDED


#include "store/AccountDatabase.h"
#include "Poco/Types.h"
#include <string>
#include <vector>


namespace orchd {


class SharedTransaction;
class SqlAccountStore;


class StoreBatch: public AccountBatch
	/// The store as seen by one thread that runs many tasks and sends their
	/// results itself (a worker's link thread, through QuickRunner): group
	/// commit by the callers, without handing operations to the writer
	/// thread.
	///
	/// Every operation joins the store's SharedTransaction, under its mutex
	/// for that operation only (so that tasks' other work runs in
	/// parallel), in its own savepoint, so one that throws undoes only
	/// itself, and with its own outcome and idempotency record like the
	/// store's. commit() commits the shared transaction if it holds any of
	/// this batch's operations not yet committed (others' operations go
	/// along, and their own commit() then has nothing left to do). Nothing
	/// may be sent for an operation until commit() returns. A query reads
	/// through the open transaction if there is one (and then counts as an
	/// operation), else from the store's pooled sessions.
	///
	/// Used by one thread at a time. The destructor commits what is left;
	/// the writer thread commits the shared transaction before its own
	/// work, and the store before it closes.
{
public:
	explicit StoreBatch(SqlAccountStore& store);
		/// A batch on the store's shared transaction; the store must
		/// outlive it.

	StoreBatch(SharedTransaction& shared, AccountStore& reads);
		/// A batch on that shared transaction, whose queries go to reads
		/// when no transaction is open. Both must outlive it.

	~StoreBatch() override;

	StoreBatch(const StoreBatch&) = delete;
	StoreBatch& operator = (const StoreBatch&) = delete;

	AccountResult open(const std::string& key, const std::string& user, Poco::Int64 cents) override;
	AccountResult query(const std::string& user) override;
	AccountResult update(const std::string& key, const std::string& user, Poco::Int64 deltaCents) override;
	AccountResult transfer(const std::string& key, const std::string& from, const std::string& to, Poco::Int64 cents) override;
	AccountResult close(const std::string& key, const std::string& user) override;

	void commit() override;
		/// Returns once every operation of this batch since the last
		/// commit() is committed. Throws Poco::Data::DataException if a
		/// commit that held any of them failed: those are not applied
		/// (others may be: see failure()).

	std::size_t pending() const override;
		/// Counts the operations since the last commit(), in order.

	const std::string& failure(std::size_t index) const override;
		/// After commit(): why the operation at that index (of those
		/// pending before it) is not applied, or empty if it is.

private:
	SharedTransaction& _shared;
	AccountStore& _reads;
	std::vector<Poco::UInt64> _generations;  // the shared transaction each pending operation joined
	std::vector<std::string> _failures;      // after commit(): why each is not applied, or empty
};


} // namespace orchd


#endif // orchd_StoreBatch_INCLUDED

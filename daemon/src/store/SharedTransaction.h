//
// SharedTransaction.h
//
// The writer session's one transaction, shared by the store's batches.
//


#ifndef orchd_SharedTransaction_INCLUDED
#define orchd_SharedTransaction_INCLUDED


#include "store/AccountRules.h"
#include "store/StoreWriter.h"
#include "Poco/Data/Session.h"
#include "Poco/Types.h"
#include <map>
#include <mutex>
#include <string>
#include <vector>


namespace orchd {


class SharedTransaction
	/// Owns the store's StoreWriter (its one write session) and the mutex
	/// that whoever uses it holds: a StoreBatch on a link thread, for one
	/// operation at a time, or the writer thread (see Exclusive).
	///
	/// The batches' operations join one transaction: the first begins it
	/// (BEGIN IMMEDIATE), each runs in its own savepoint, so one that throws
	/// undoes only itself, and the transaction is committed when a batch
	/// with an operation in it commits, when the writer thread needs the
	/// writer, or when the store closes. Each transaction is numbered (a
	/// generation); a batch remembers the generations its operations
	/// joined, and this remembers why the last MAX_FAILED failed generations
	/// failed (a commit that threw, or a transaction SQLite rolled back by
	/// itself), so a batch learns which of its operations are lost. A
	/// generation as old as a failure already forgotten has an unknown
	/// outcome, and unknown counts as failed (an operation that did commit
	/// is then answered as failed; its retry with the same key replays).
	///
	/// Thread-safe.
{
public:
	static constexpr std::size_t MAX_FAILED = 4096;
		/// Failed generations remembered for the batches that joined them.

	explicit SharedTransaction(Poco::Data::Session& session);
		/// Prepares the StoreWriter's statements on session, which must
		/// outlive this. Throws Poco::Data::DataException if it cannot.

	~SharedTransaction();
		/// Commits nothing: the store calls commit() before.

	SharedTransaction(const SharedTransaction&) = delete;
	SharedTransaction& operator = (const SharedTransaction&) = delete;

	AccountResult apply(const std::string& key, const AccountRules::Mutation& mutation, std::vector<Poco::UInt64>& joined);
		/// Joins the open transaction (beginning one if none is), appends
		/// its generation to joined, and applies the mutation under its key
		/// in a savepoint of its own. Throws Poco::Data::DataException if no
		/// transaction could begin (nothing joined), or what the operation
		/// threw (joined, and undone; if even the undo failed, the whole
		/// transaction is rolled back and its generation failed).

	bool query(const std::string& user, AccountResult& result, std::vector<Poco::UInt64>& joined);
		/// If a transaction is open: reads user's balance through it (it
		/// may see changes not yet committed, so the read joins it and
		/// appends its generation to joined), sets result (the balance, or
		/// NOT_FOUND) and returns true. Else reads nothing and returns false.
		/// Throws Poco::Data::DataException if the read fails.

	void commit(std::vector<Poco::UInt64>& joined, std::vector<std::string>& failures);
		/// For a batch, with joined not empty: commits the open transaction
		/// if it is the newest generation in joined, then appends to
		/// failures, for each of joined in order, why that generation
		/// failed or that its outcome is no longer known (or an empty
		/// string if it committed), and empties joined. Throws
		/// Poco::Data::DataException ("the store could not commit", with
		/// the first reason) if any failed.

	void commit();
		/// Commits the open transaction, if any. A failed commit is rolled
		/// back and remembered for its generation; never throws it.

	class Exclusive
		/// The writer to oneself, with every batch's operations committed
		/// first: held by the writer thread for a group commit, a prune or
		/// a checkpoint.
	{
	public:
		explicit Exclusive(SharedTransaction& shared);
			/// Takes the mutex, then commits the open transaction as
			/// commit() does.

		StoreWriter& writer();
			/// No transaction is open on it.

	private:
		std::lock_guard<std::mutex> _lock;
		SharedTransaction& _shared;
	};

private:
	void begin();
	void commitOpen();
	void fail(const std::string& why);
	std::string outcome(Poco::UInt64 generation) const;

	std::mutex _mutex;
	StoreWriter _writer;  // used under _mutex only
	bool _open = false;
	Poco::UInt64 _generation = 0;                 // the current (or last) transaction
	std::map<Poco::UInt64, std::string> _failed;  // recent generations whose commit failed, and why
	Poco::UInt64 _forgotten = 0;                  // failures of generations up to this one are forgotten
};


} // namespace orchd


#endif // orchd_SharedTransaction_INCLUDED

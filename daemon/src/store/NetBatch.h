//
// NetBatch.h
//
// Group commit on a networked account store.
//


#ifndef orchd_NetBatch_INCLUDED
#define orchd_NetBatch_INCLUDED


#include "store/AccountDatabase.h"
#include "store/AccountRules.h"
#include "store/NetAccountStore.h"
#include "store/NetStatements.h"
#include <memory>
#include <string>
#include <vector>


namespace orchd {


class NetBatch: public AccountBatch
	/// A batch on a NetAccountStore: one pooled connection held while the
	/// batch has a transaction open, every operation in its own savepoint
	/// of that transaction, one COMMIT for all of them.
	///
	/// A conflict (StoreRetryException) undoes only the operation at
	/// fault; the batch then commits what it holds, so that the other
	/// transaction can finish, and runs the operation again in a new
	/// transaction. When the database rolled the whole transaction back
	/// (a deadlock on InnoDB), the batch's earlier operations of that
	/// transaction are recorded as failed for commit() to report (the
	/// caller runs them again) and the operation is run again. A
	/// connection lost mid-transaction fails the operations it held.
	///
	/// Used by one thread at a time.
{
public:
	explicit NetBatch(NetAccountStore& store);
	~NetBatch() override;

	AccountResult open(const std::string& key, const std::string& user, Poco::Int64 cents) override;
	AccountResult query(const std::string& user) override;
	AccountResult update(const std::string& key, const std::string& user, Poco::Int64 deltaCents) override;
	AccountResult transfer(const std::string& key, const std::string& from, const std::string& to, Poco::Int64 cents) override;
	AccountResult close(const std::string& key, const std::string& user) override;

	void commit() override;
	void sendCommit() override;
	std::size_t pending() const override;
	const std::string& failure(std::size_t index) const override;
	bool fetchesAhead() const override;
	void prefetch(const StoreHint& hint) override;

private:
	AccountResult apply(const std::string& key, const AccountRules::Mutation& mutation);
	NetStatements& connection();
	void commitOpen();
		/// Commits the open transaction, if any; a failure is recorded for
		/// the operations it held.
	void lose(const std::string& why);
		/// The open transaction is gone: its operations failed.
	void giveBack();

	NetAccountStore& _store;
	std::unique_ptr<NetAccountStore::Lease> _lease;
	std::size_t _pending = 0;                // operations since the last commit()
	std::size_t _openFrom = 0;               // the first of them in the open transaction
	std::vector<std::string> _failures;      // why each pending operation is not applied, or empty
	std::vector<std::string> _reported;      // after commit(): _failures of the operations it covered
};


} // namespace orchd


#endif // orchd_NetBatch_INCLUDED

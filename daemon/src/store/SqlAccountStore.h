//
// SqlAccountStore.h
//
// The AccountStore on a Poco::Data connector (SQLite for now).
//


#ifndef orchd_SqlAccountStore_INCLUDED
#define orchd_SqlAccountStore_INCLUDED


#include "store/StoreOptions.h"
#include "store/StoreBatch.h"
#include "store/StoreSchema.h"
#include "store/AccountDatabase.h"
#include "Poco/Data/Session.h"
#include <memory>
#include <string>


namespace orchd {


class SessionPool;
class SharedTransaction;
class WriterThread;


class SqlAccountStore: public AccountDatabase
	/// Accounts and idempotency records in two tables of one database
	/// (StoreSchema), with the account rules of AccountRules.
	///
	/// A query is one SELECT on a pooled session (SessionPool). Mutating
	/// operations are committed in groups: callers queue them for the
	/// WriterThread, which commits them together and only then answers; or
	/// a thread that sends its results itself joins the SharedTransaction
	/// through a Batch (StoreBatch) and commits when it is ready to send.
	/// Both write through one session, outside the pool, one at a time
	/// (under the SharedTransaction's mutex). On SQLite, a write
	/// transaction starts with BEGIN IMMEDIATE, so that two writers never
	/// both read and then fail to upgrade ("database is locked"); this
	/// process has one write session, and other processes' wait for the
	/// lock up to busyTimeoutMs, polled every 100 µs then 1 ms.
	///
	/// This class wires those parts together and owns them. Thread-safe.
{
public:
	static constexpr int SCHEMA_VERSION = StoreSchema::VERSION;

	using Batch = StoreBatch;
		/// The store for one thread that commits its own operations.

	explicit SqlAccountStore(const StoreOptions& options);
		/// Opens the database and creates or checks the schema. Throws
		/// Poco::Data::DataException if it cannot, and
		/// Poco::InvalidArgumentException for an unknown connector.

	~SqlAccountStore() override;
		/// Commits what is queued and what the batches left open. Every
		/// Batch must be gone.

	AccountResult open(const std::string& key, const std::string& user, Poco::Int64 cents) override;
	AccountResult query(const std::string& user) override;
	AccountResult update(const std::string& key, const std::string& user, Poco::Int64 deltaCents) override;
	AccountResult transfer(const std::string& key, const std::string& from, const std::string& to, Poco::Int64 cents) override;
	AccountResult close(const std::string& key, const std::string& user) override;
	std::vector<std::string> prepare(const std::string& statement) override;
	QueryRows select(const std::string& statement, const std::map<std::string, Poco::Dynamic::Var>& parameters, std::size_t maxRows) override;
		/// On a pooled session, without a transaction: one statement reads
		/// a consistent snapshot. See SqliteQuery for what is refused.

	std::unique_ptr<AccountBatch> batch() override;
		/// A StoreBatch.

	Poco::Int64 totalBalance() override;
		/// Returns the sum of all balances (for checks and tests).

	const std::string& storeId() const override;
	const std::string& connector() const override;

	int pruneKeys() override;
		/// Deletes the idempotency records older than keyRetentionHours
		/// (none if it is 0; older in real elapsed time, see KeyHorizon)
		/// and returns how many. A request retried with
		/// a pruned key is applied again. The writer thread runs this about
		/// once a minute; thread-safe.

	SharedTransaction& sharedTransaction();
		/// The transaction the store's batches join (see StoreBatch).

	static void registerConnectors();
		/// Registers the Poco::Data connectors orchd was built with. Called
		/// by the constructor; idempotent.

private:
	StoreOptions _options;
	std::unique_ptr<SessionPool> _pool;
	std::unique_ptr<Poco::Data::Session> _writerSession;
	std::unique_ptr<SharedTransaction> _shared;
	std::unique_ptr<WriterThread> _writer;
	std::string _storeId;
	std::string _connector = "sqlite";
};


} // namespace orchd


#endif // orchd_SqlAccountStore_INCLUDED

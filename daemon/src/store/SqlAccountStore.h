//
// SqlAccountStore.h
//
// The AccountStore on a Poco::Data connector (SQLite for now).
//


#ifndef orchd_SqlAccountStore_INCLUDED
#define orchd_SqlAccountStore_INCLUDED


#include "store/StoreOptions.h"
#include "orchd/AccountStore.h"
#include "store/AccountRules.h"
#include "store/StoreBatch.h"
#include "store/StoreSchema.h"
#include "Poco/Data/Session.h"
#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>
#include <vector>
#include <memory>
#include <string>


struct sqlite3;


namespace orchd {


class SessionPool;
class SharedTransaction;
class StoreWriter;


class SqlAccountStore: public AccountStore
	/// Accounts and idempotency records in two tables of one database,
	/// reached through a Poco::Data SessionPool.
	///
	/// Mutating operations are committed in groups (group commit): callers
	/// queue them, and one writer thread applies every queued operation in
	/// a single transaction, each with its own outcome and idempotency
	/// record, commits once, and only then answers the callers; a batch
	/// that fails as a whole is retried one operation per transaction. A
	/// query is one SELECT on a pooled session. On SQLite, a write
	/// transaction starts with BEGIN IMMEDIATE, so that two writers never
	/// both read and then fail to upgrade ("database is locked"); this
	/// process has one writer (the writer thread) and other processes' wait
	/// for the lock up to busyTimeoutMs, polled every 100 µs then 1 ms.
	///
	/// The schema is created on first use and carries a version; a database
	/// written by a newer orchd is refused. Thread-safe.
{
public:
	static constexpr int SCHEMA_VERSION = StoreSchema::VERSION;

	using Batch = StoreBatch;
		/// The store for one thread that commits its own operations.
	static constexpr std::size_t MAX_BATCH = 512;
		/// The most operations committed in one transaction.

	explicit SqlAccountStore(const StoreOptions& options);
		/// Opens the database and creates or checks the schema. Throws
		/// Poco::Data::DataException if it cannot, and
		/// Poco::InvalidArgumentException for an unknown connector.

	~SqlAccountStore() override;

	AccountResult open(const std::string& key, const std::string& user, Poco::Int64 cents) override;
	AccountResult query(const std::string& user) override;
	AccountResult update(const std::string& key, const std::string& user, Poco::Int64 deltaCents) override;
	AccountResult transfer(const std::string& key, const std::string& from, const std::string& to, Poco::Int64 cents) override;

	Poco::Int64 totalBalance();
		/// Returns the sum of all balances (for checks and tests).

	int pruneKeys();
		/// Deletes the idempotency records older than keyRetentionHours
		/// (none if it is 0) and returns how many. A request retried with
		/// a pruned key is applied again. The writer thread runs this about
		/// once a minute; thread-safe.

	static void registerConnectors();
		/// Registers the Poco::Data connectors orchd was built with. Called
		/// by the constructor; idempotent.

	SharedTransaction& sharedTransaction();
		/// The transaction the store's batches join (see StoreBatch).

private:
	struct Pending;

	AccountResult mutate(const std::string& key, const AccountRules::Mutation& mutation);
		/// Queues a mutation for the writer thread and waits for its commit.
	static int walCommitted(void* store, sqlite3* db, const char* name, int pages);
	void checkpoint();
	void writerLoop();
	int prune(StoreWriter& writer);
	void commitBatch(StoreWriter& writer, const std::vector<Pending*>& batch);

	StoreOptions _options;
	std::unique_ptr<SessionPool> _pool;
	std::unique_ptr<Poco::Data::Session> _writerSession;
	std::unique_ptr<SharedTransaction> _shared;
	std::mutex _queueMutex;
	std::condition_variable _queued;
	std::condition_variable _finished;
	std::deque<Pending*> _queue;
	bool _stopWriter = false;
	bool _pruneRequested = false;
	std::atomic<bool> _checkpointRequested{false};
	static constexpr int CHECKPOINT_PAGES = 1000;  // SQLite's own default
	int _pruned = 0;
	std::thread _writer;
};


} // namespace orchd


#endif // orchd_SqlAccountStore_INCLUDED

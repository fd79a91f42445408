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
#include "store/StoreSchema.h"
#include "store/StoreWriter.h"
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

	class Batch: public AccountStore
		/// The store as seen by one thread that runs many tasks and sends
		/// their results itself (a worker's link thread): group commit by
		/// the callers, without handing operations to the writer thread.
		///
		/// The store keeps one shared transaction open for all its Batches:
		/// the first operation begins it, every operation runs in it under
		/// the writer's lock (held for that operation only, so that tasks'
		/// other work runs in parallel), each in its own savepoint, so one
		/// that throws undoes only itself, and with its own outcome and
		/// idempotency record like the store's. commit() commits the shared
		/// transaction if it holds any of this Batch's operations not yet
		/// committed (others' operations go along, and their own commit()
		/// then has nothing left to do). Nothing may be sent for an
		/// operation until commit() returns. A query reads through the open
		/// transaction if there is one (and then counts as an operation),
		/// else from a pooled session.
		///
		/// Used by one thread at a time. The destructor commits what is
		/// left; the writer thread commits the shared transaction before
		/// its own work, and the store's destructor before it closes.
	{
	public:
		explicit Batch(SqlAccountStore& store);
		~Batch() override;

		Batch(const Batch&) = delete;
		Batch& operator = (const Batch&) = delete;

		AccountResult open(const std::string& key, const std::string& user, Poco::Int64 cents) override;
		AccountResult query(const std::string& user) override;
		AccountResult update(const std::string& key, const std::string& user, Poco::Int64 deltaCents) override;
		AccountResult transfer(const std::string& key, const std::string& from, const std::string& to, Poco::Int64 cents) override;

		void commit();
			/// Returns once every operation of this Batch since the last
			/// commit() is committed. Throws Poco::Data::DataException if a
			/// commit that held any of them failed: those are not applied
			/// (others may be: see failure()).

		std::size_t pending() const;
			/// Counts the operations since the last commit(), in order.

		const std::string& failure(std::size_t index) const;
			/// After commit(): why the operation at that index (of those
			/// pending before it) is not applied, or empty if it is.

	private:
		friend class SqlAccountStore;

		AccountResult apply(const std::string& key, const AccountRules::Mutation& mutation);
		void joined(Poco::UInt64 generation);

		SqlAccountStore& _store;
		std::vector<Poco::UInt64> _generations;  // the shared transaction each pending operation joined
		std::vector<std::string> _failures;      // after commit(): why each is not applied, or empty
	};

private:
	struct Pending;

	AccountResult mutate(const std::string& key, const AccountRules::Mutation& mutation);
		/// Queues a mutation for the writer thread and waits for its commit.
	void beginShared();
	void commitShared();
	void failShared(const std::string& why);
		/// The shared transaction of the Batches; under _writerMutex.
	static int walCommitted(void* store, sqlite3* db, const char* name, int pages);
	void checkpoint();
	void writerLoop();
	int prune();
	void commitBatch(const std::vector<Pending*>& batch);

	StoreOptions _options;
	std::unique_ptr<SessionPool> _pool;
	std::unique_ptr<Poco::Data::Session> _writerSession;
	std::unique_ptr<StoreWriter> _storeWriter;
	std::mutex _writerMutex;  // held by whoever uses _storeWriter: the writer thread, or a Batch

	// The shared transaction of the Batches (under _writerMutex).
	bool _sharedOpen = false;
	Poco::UInt64 _generation = 0;                  // the current (or last) shared transaction
	std::map<Poco::UInt64, std::string> _failed;   // recent shared transactions whose commit failed, and why
	std::mutex _queueMutex;
	std::condition_variable _queued;
	std::condition_variable _finished;
	std::deque<Pending*> _queue;
	bool _stopWriter = false;
	bool _pruneRequested = false;
	std::atomic<bool> _checkpointRequested{false};
	static constexpr int CHECKPOINT_PAGES = 1000;  // SQLite's own default
	static constexpr std::size_t MAX_FAILED = 4096;  // failed shared transactions remembered for their Batches
	int _pruned = 0;
	std::thread _writer;
};


} // namespace orchd


#endif // orchd_SqlAccountStore_INCLUDED

//
// WriterThread.h
//
// The store's writer thread: group commit of queued operations, pruning
// and WAL checkpoints.
//


#ifndef orchd_WriterThread_INCLUDED
#define orchd_WriterThread_INCLUDED


#include "store/AccountRules.h"
#include "store/KeyHorizon.h"
#include "store/StoreClock.h"
#include "Poco/Data/Session.h"
#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>


struct sqlite3;


namespace orchd {


class SessionPool;
class SharedTransaction;
class StoreWriter;


class WriterThread
	/// One thread that commits the operations other threads queue (any
	/// caller of SqlAccountStore's open, update and transfer): it takes
	/// whatever is queued, up to MAX_BATCH operations, applies them all in
	/// one BEGIN IMMEDIATE transaction, each as if alone (AccountRules),
	/// commits once, and only then wakes their callers, each on its own
	/// condition variable. A batch that fails as a whole is retried one
	/// operation per transaction, so only the operation at fault fails; a
	/// BEGIN that fails fails them all (retrying would wait the busy
	/// timeout once per operation).
	///
	/// Before each round of its own, and at least every second, it commits
	/// the SharedTransaction (so one a link left open never stays open for
	/// long). About once a minute, or when asked, it prunes idempotency
	/// records older than keyRetentionHours, as a KeyHorizon judges on
	/// clock (a wall clock stepped forward cannot prune them early). It replaces SQLite's automatic
	/// checkpoint, which the committing writer would run under the write
	/// lock, with a PASSIVE checkpoint of its own beside the writers.
	///
	/// Thread-safe. Owns its thread: started by the constructor, stopped by
	/// stop() or the destructor.
{
public:
	static constexpr std::size_t MAX_BATCH = 512;
		/// The most operations committed in one transaction.

	WriterThread(SessionPool& pool, Poco::Data::Session& session, SharedTransaction& shared, int keyRetentionHours, const StoreClock& clock = StoreClock::system());
		/// Hooks the commits on session (the one under shared's writer) to
		/// ask for checkpoints, reads the oldest idempotency record's time
		/// through pool (if keyRetentionHours > 0), and starts the thread,
		/// whose first round prunes. All must outlive this. Throws
		/// Poco::Data::DataException if the read fails.

	~WriterThread();
		/// stop(), then unhooks the session.

	WriterThread(const WriterThread&) = delete;
	WriterThread& operator = (const WriterThread&) = delete;

	AccountResult apply(const std::string& key, const AccountRules::Mutation& mutation);
		/// Queues the mutation under its key and waits until the
		/// transaction that applied it is committed. Throws what applying
		/// or committing it threw (Poco::Data::DataException), and then
		/// nothing of it is applied.

	int pruneKeys();
		/// Has the thread prune now, waits for it and returns how many
		/// records went (see SqlAccountStore::pruneKeys()).

	void stop();
		/// Finishes what is queued and joins the thread. Nothing may be
		/// queued after.

private:
	struct Pending;

	void run();
	void commitBatch(StoreWriter& writer, const std::vector<Pending*>& batch);
	int prune(StoreWriter& writer);
	void checkpoint();
	static int walCommitted(void* thread, sqlite3* db, const char* name, int pages);

	static constexpr int CHECKPOINT_PAGES = 1000;  // SQLite's own default

	SessionPool& _pool;
	Poco::Data::Session& _session;
	SharedTransaction& _shared;
	int _keyRetentionHours;
	const StoreClock& _clock;
	std::unique_ptr<KeyHorizon> _horizon;  // null if records are kept for ever; the thread's
	std::mutex _queueMutex;
	std::condition_variable _queued;
	std::condition_variable _finished;
	std::deque<Pending*> _queue;
	bool _stop = false;
	bool _pruneRequested = false;
	std::atomic<bool> _checkpointRequested{false};
	int _pruned = 0;
	std::thread _thread;
};


} // namespace orchd


#endif // orchd_WriterThread_INCLUDED

//
// SessionPool.h
//
// The store's SQLite sessions: pooled for reads, each configured alike.
//


#ifndef orchd_SessionPool_INCLUDED
#define orchd_SessionPool_INCLUDED


#include "Poco/Data/Session.h"
#include "Poco/Semaphore.h"
#include <memory>
#include <string>


namespace orchd {


class SessionPool
	/// A Poco::Data::SessionPool of SQLite sessions (min 1, max poolSize,
	/// idle time 60 s) whose new sessions get orchd's busy handler and
	/// pragmas, with as many slots as sessions: a Lease waits for a slot
	/// instead of getting SessionPoolExhaustedException.
	///
	/// The SQLite connector must be registered first (see
	/// SqlAccountStore::registerConnectors()). Thread-safe.
{
public:
	SessionPool(const std::string& connection, int poolSize, int busyTimeoutMs, bool synchronousFull);
		/// Opens no session yet. synchronousFull: PRAGMA synchronous = FULL
		/// (else NORMAL) on every session.

	~SessionPool();

	SessionPool(const SessionPool&) = delete;
	SessionPool& operator = (const SessionPool&) = delete;

	void configure(Poco::Data::Session& session);
		/// Gives a session opened outside the pool (the writer's) the same
		/// busy handler and pragmas. The pool must outlive the session.
		/// Throws Poco::Data::DataException if a pragma fails.

	void shutdown();
		/// Closes the pooled sessions; no Lease may be held or taken after.

private:
	class SlotHold
		/// Waits for one of the pool's slots and gives it back on
		/// destruction.
	{
	public:
		explicit SlotHold(Poco::Semaphore& slots);
		~SlotHold();

		SlotHold(const SlotHold&) = delete;
		SlotHold& operator = (const SlotHold&) = delete;

	private:
		Poco::Semaphore& _slots;
	};

public:
	class Lease: private SlotHold
		/// A pooled session held for one operation, by one thread. The
		/// base class gives the slot back only after the session has
		/// returned to the pool.
	{
	public:
		explicit Lease(SessionPool& pool);
			/// Waits for a slot, then takes a session. Throws
			/// Poco::Data::DataException if it cannot be opened.

		Poco::Data::Session session;
	};

private:
	class Pool;

	int _busyTimeoutMs;  // read by the busy handler of every session configured here
	bool _synchronousFull;
	Poco::Semaphore _slots;
	std::unique_ptr<Pool> _pool;
};


} // namespace orchd


#endif // orchd_SessionPool_INCLUDED

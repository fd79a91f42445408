//
// SessionPool.cpp
//


#include "store/SessionPool.h"
#include "Poco/Data/SessionPool.h"
#include "Poco/Data/SQLite/Utility.h"
#include <sqlite3.h>
#include <unistd.h>


using namespace Poco::Data::Keywords;
using Poco::Data::Session;


namespace orchd {


namespace {


int waitWhileBusy(void* timeoutMs, int count)
	/// SQLite's own busy handler sleeps 1, 2, 5, 10 ... 100 ms between
	/// tries; with another process committing every millisecond that turns
	/// into latency spikes of a second. Poll at 100 µs first, then 1 ms.
{
	long long waitedUs = count < 100 ? count * 100LL : 10000LL + (count - 100) * 1000LL;
	if (waitedUs >= *static_cast<int*>(timeoutMs) * 1000LL) return 0;
	::usleep(count < 100 ? 100 : 1000);
	return 1;
}


void configureSession(Session& session, int* busyTimeoutMs, bool synchronousFull)
{
	::sqlite3_busy_handler(Poco::Data::SQLite::Utility::dbHandle(session), waitWhileBusy, busyTimeoutMs);
	// In WAL mode NORMAL syncs only at checkpoints: a commit survives the
	// process dying, not the machine. FULL syncs the WAL at every commit
	// (one fsync per group commit).
	if (synchronousFull) session << "PRAGMA synchronous = FULL", now;
	else session << "PRAGMA synchronous = NORMAL", now;
	// Keeps temporary tables and sorts in memory, off the disk.
	session << "PRAGMA temp_store = MEMORY", now;
	session << "PRAGMA foreign_keys = ON", now;
}


} // namespace


class SessionPool::Pool: public Poco::Data::SessionPool
	/// A Poco SessionPool whose new SQLite sessions get orchd's pragmas.
{
public:
	Pool(const std::string& connection, int poolSize, int* busyTimeoutMs, bool synchronousFull):
		Poco::Data::SessionPool("SQLite", connection, 1, poolSize, 60),
		_busyTimeoutMs(busyTimeoutMs),
		_synchronousFull(synchronousFull)
	{
	}

protected:
	void customizeSession(Session& session) override
	{
		configureSession(session, _busyTimeoutMs, _synchronousFull);
	}

private:
	int* _busyTimeoutMs;
	bool _synchronousFull;
};


SessionPool::SessionPool(const std::string& connection, int poolSize, int busyTimeoutMs, bool synchronousFull):
	_busyTimeoutMs(busyTimeoutMs),
	_synchronousFull(synchronousFull),
	_slots(poolSize > 0 ? poolSize : 1),
	_pool(std::make_unique<Pool>(connection, poolSize, &_busyTimeoutMs, synchronousFull))
{
}


SessionPool::~SessionPool() = default;


void SessionPool::configure(Session& session)
{
	configureSession(session, &_busyTimeoutMs, _synchronousFull);
}


void SessionPool::shutdown()
{
	_pool->shutdown();
}


SessionPool::SlotHold::SlotHold(Poco::Semaphore& slots):
	_slots(slots)
{
	_slots.wait();
}


SessionPool::SlotHold::~SlotHold()
{
	_slots.set();
}


SessionPool::Lease::Lease(SessionPool& pool):
	SlotHold(pool._slots),
	session(pool._pool->get())
{
}


} // namespace orchd

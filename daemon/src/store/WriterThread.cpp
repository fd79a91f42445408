//
// WriterThread.cpp
//


#include "store/WriterThread.h"
#include "store/SessionPool.h"
#include "store/SharedTransaction.h"
#include "store/StoreWriter.h"
#include "Poco/Data/SQLite/Utility.h"
#include "Poco/Clock.h"
#include "Poco/Exception.h"
#include <sqlite3.h>
#include <chrono>
#include <exception>


using namespace Poco::Data::Keywords;
using Poco::Int64;


namespace orchd {


struct WriterThread::Pending
{
	const std::string* key;
	const AccountRules::Mutation* mutation;
	AccountResult result;
	std::exception_ptr error;
	bool done = false;
	std::condition_variable finished;  // its own: a commit wakes only the callers in it
};


WriterThread::WriterThread(SessionPool& pool, Poco::Data::Session& session, SharedTransaction& shared, int keyRetentionHours, const StoreClock& clock):
	_pool(pool),
	_session(session),
	_shared(shared),
	_keyRetentionHours(keyRetentionHours),
	_clock(clock)
{
	if (_keyRetentionHours > 0)
	{
		std::vector<Int64> oldest;
		{
			SessionPool::Lease lease(_pool);
			lease.session << "SELECT created_ms FROM orchd_idempotency ORDER BY created_ms LIMIT 1", into(oldest), now;
		}
		_horizon = std::make_unique<KeyHorizon>(Int64(_keyRetentionHours) * 3600 * 1000, _clock.wallMs(), _clock.monotonicUs(),
			oldest.empty() ? KeyHorizon::NO_RECORD : oldest[0]);
	}
	// Replaces SQLite's automatic checkpoint (run by the committing
	// writer, under the write lock) with one on this thread.
	sqlite3_wal_hook(Poco::Data::SQLite::Utility::dbHandle(_session), walCommitted, this);
	_thread = std::thread([this] { run(); });
}


WriterThread::~WriterThread()
{
	stop();
	sqlite3_wal_hook(Poco::Data::SQLite::Utility::dbHandle(_session), nullptr, nullptr);
}


void WriterThread::stop()
{
	{
		std::lock_guard<std::mutex> lock(_queueMutex);
		_stop = true;
	}
	_queued.notify_all();
	if (_thread.joinable()) _thread.join();
}


AccountResult WriterThread::apply(const std::string& key, const AccountRules::Mutation& mutation)
{
	Pending pending;
	pending.key = &key;
	pending.mutation = &mutation;
	{
		std::lock_guard<std::mutex> lock(_queueMutex);
		_queue.push_back(&pending);
	}
	_queued.notify_one();
	{
		std::unique_lock<std::mutex> lock(_queueMutex);
		pending.finished.wait(lock, [&pending] { return pending.done; });
	}
	if (pending.error) std::rethrow_exception(pending.error);
	return pending.result;
}


void WriterThread::run()
{
	Poco::Clock lastPrune;  // monotonic: a wall clock stepped back must not stop the prunes
	bool pruneNow = _keyRetentionHours > 0;
	for (;;)
	{
		std::vector<Pending*> batch;
		{
			std::unique_lock<std::mutex> lock(_queueMutex);
			// Wakes at least every second: to commit a shared transaction that
			// a link left open (one whose thread died, say).
			_queued.wait_for(lock, std::chrono::seconds(1), [this] { return !_queue.empty() || _stop || _pruneRequested || _checkpointRequested; });
			if (_pruneRequested || (_keyRetentionHours > 0 && lastPrune.isElapsed(60000000))) pruneNow = true;
		}
		if (_checkpointRequested.exchange(false)) checkpoint();
		_shared.commit();
		if (pruneNow)
		{
			int pruned = 0;
			{
				SharedTransaction::Exclusive exclusive(_shared);
				pruned = prune(exclusive.writer());
			}
			lastPrune.update();
			pruneNow = false;
			{
				std::lock_guard<std::mutex> lock(_queueMutex);
				_pruned = pruned;
				_pruneRequested = false;
			}
			_finished.notify_all();
		}
		{
			std::unique_lock<std::mutex> lock(_queueMutex);
			if (_queue.empty())
			{
				if (_stop) return;
				continue;
			}
			while (!_queue.empty() && batch.size() < MAX_BATCH)
			{
				batch.push_back(_queue.front());
				_queue.pop_front();
			}
		}
		{
			SharedTransaction::Exclusive exclusive(_shared);
			commitBatch(exclusive.writer(), batch);
		}
		std::lock_guard<std::mutex> lock(_queueMutex);
		for (Pending* pending: batch)
		{
			// Notified under the lock: the waiter owns pending, and may
			// return (destroying it) as soon as it sees done.
			pending->done = true;
			pending->finished.notify_one();
		}
	}
}


void WriterThread::commitBatch(StoreWriter& writer, const std::vector<Pending*>& batch)
{
	try
	{
		writer.begin();
	}
	catch (...)
	{
		// No lock within the busy timeout: retrying each operation would
		// wait that long again, once per operation.
		for (Pending* pending: batch) pending->error = std::current_exception();
		return;
	}
	try
	{
		for (Pending* pending: batch) pending->result = AccountRules::apply(writer, *pending->key, *pending->mutation);
		writer.commit();
		return;
	}
	catch (...)
	{
		writer.rollback();
		if (batch.size() == 1)
		{
			batch.front()->error = std::current_exception();
			return;
		}
	}
	// Something failed the whole batch: one transaction per operation, so
	// that only the operation at fault fails.
	for (Pending* pending: batch)
	{
		try
		{
			writer.begin();
			try
			{
				pending->result = AccountRules::apply(writer, *pending->key, *pending->mutation);
				writer.commit();
			}
			catch (...)
			{
				writer.rollback();
				throw;
			}
		}
		catch (...)
		{
			pending->error = std::current_exception();
		}
	}
}


int WriterThread::walCommitted(void* thread, sqlite3*, const char*, int pages)
{
	// Called by the writer's connection after each commit, with the lock
	// held: never checkpoint here, that would stall every writer for
	// milliseconds; let the writer thread do it beside them.
	if (pages >= CHECKPOINT_PAGES)
	{
		// Under the queue mutex, or the writer thread could miss it between
		// testing its wait condition and sleeping (nobody holds the queue
		// mutex while waiting for the shared transaction's mutex, so this
		// cannot deadlock).
		auto* self = static_cast<WriterThread*>(thread);
		std::lock_guard<std::mutex> lock(self->_queueMutex);
		if (!self->_checkpointRequested.exchange(true)) self->_queued.notify_one();
	}
	return SQLITE_OK;
}


void WriterThread::checkpoint()
{
	try
	{
		// PASSIVE copies what it can without waiting for the writers or
		// making them wait. The WAL starts over only once everything is
		// copied, which never happens while the writers keep appending:
		// so the bulk is copied beside them, then what they appended
		// meanwhile (little) with them held off.
		{
			SessionPool::Lease lease(_pool);
			sqlite3_wal_checkpoint_v2(Poco::Data::SQLite::Utility::dbHandle(lease.session), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
		}
		SharedTransaction::Exclusive exclusive(_shared);
		sqlite3_wal_checkpoint_v2(Poco::Data::SQLite::Utility::dbHandle(_session), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
	}
	catch (Poco::Exception&)
	{
		// The pool is exhausted or the database unreachable: the next
		// commit asks again.
	}
}


int WriterThread::prune(StoreWriter& writer)
{
	if (!_horizon) return 0;
	Int64 cutoff = _horizon->advance(_clock.wallMs(), _clock.monotonicUs());
	try
	{
		return writer.pruneKeys(cutoff);
	}
	catch (Poco::Exception&)
	{
		// Busy or broken now: the next round tries again.
		return 0;
	}
}


int WriterThread::pruneKeys()
{
	std::unique_lock<std::mutex> lock(_queueMutex);
	_pruneRequested = true;
	_pruned = -1;
	_queued.notify_one();
	_finished.wait(lock, [this] { return !_pruneRequested; });
	return _pruned;
}


} // namespace orchd

//
// SqlAccountStore.cpp
//


#include "store/SqlAccountStore.h"
#include "store/SessionPool.h"
#include "store/SharedTransaction.h"
#include "Poco/Data/DataException.h"
#include "Poco/Data/SQLite/Connector.h"
#include "Poco/Data/SQLite/Utility.h"
#include <sqlite3.h>
#include "Poco/Exception.h"
#include "Poco/Timestamp.h"
#include <mutex>
#include <vector>


using namespace Poco::Data::Keywords;
using Poco::Data::Session;
using Poco::Int64;


namespace orchd {


struct SqlAccountStore::Pending
{
	const std::string* key;
	const AccountRules::Mutation* mutation;
	AccountResult result;
	std::exception_ptr error;
	bool done = false;
	std::condition_variable finished;  // its own: a commit wakes only the callers in it
};


namespace {


bool readBalance(Session& session, const std::string& user, Int64& balance)
{
	std::vector<Int64> rows;
	session << "SELECT balance FROM accounts WHERE user_id = $1", into(rows), useRef(user), now;
	if (rows.empty()) return false;
	balance = rows[0];
	return true;
}


} // namespace


SqlAccountStore::SqlAccountStore(const StoreOptions& options):
	_options(options)
{
	if (options.connector != "sqlite")
		throw Poco::InvalidArgumentException("unknown store connector '" + options.connector + "' (this orchd supports: sqlite)");
	if (options.connection.empty())
		throw Poco::InvalidArgumentException("empty store connection (the SQLite database file)");
	registerConnectors();
	_pool = std::make_unique<SessionPool>(_options.connection, _options.poolSize, _options.busyTimeoutMs);
	StoreSchema::create(*_pool, _options.connection, _options.busyTimeoutMs);
	_writerSession = std::make_unique<Session>("SQLite", _options.connection);
	_pool->configure(*_writerSession);
	// Replaces SQLite's automatic checkpoint (run by the committing
	// writer, under the write lock) with one on the writer thread.
	sqlite3_wal_hook(Poco::Data::SQLite::Utility::dbHandle(*_writerSession), walCommitted, this);
	_shared = std::make_unique<SharedTransaction>(*_writerSession);
	_writer = std::thread([this] { writerLoop(); });
}


SqlAccountStore::~SqlAccountStore()
{
	{
		std::lock_guard<std::mutex> lock(_queueMutex);
		_stopWriter = true;
	}
	_queued.notify_all();
	if (_writer.joinable()) _writer.join();
	_shared->commit();
	_shared.reset();
	_writerSession.reset();
	_pool->shutdown();
}


void SqlAccountStore::registerConnectors()
{
	static std::once_flag configured;
	std::call_once(configured, []
	{
		// Effective only before SQLite's first use in the process (a later
		// call changes nothing). No global mutex around every allocation
		// for memory statistics nobody reads; no mutex around every call
		// on a connection, since a connection is only ever used by one
		// thread at a time here (a pooled session is leased, the writer's
		// is used under the SharedTransaction's mutex).
		sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
		sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
	});
	Poco::Data::SQLite::Connector::registerConnector();
}


AccountResult SqlAccountStore::mutate(const std::string& key, const AccountRules::Mutation& mutation)
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


void SqlAccountStore::writerLoop()
{
	Poco::Timestamp lastPrune;
	bool pruneNow = _options.keyRetentionHours > 0;
	for (;;)
	{
		std::vector<Pending*> batch;
		{
			std::unique_lock<std::mutex> lock(_queueMutex);
			// Wakes at least every second: to commit a shared transaction that
			// a link left open (one whose thread died, say).
			_queued.wait_for(lock, std::chrono::seconds(1), [this] { return !_queue.empty() || _stopWriter || _pruneRequested || _checkpointRequested; });
			if (_pruneRequested || (_options.keyRetentionHours > 0 && lastPrune.isElapsed(60000000))) pruneNow = true;
		}
		if (_checkpointRequested.exchange(false)) checkpoint();
		_shared->commit();
		if (pruneNow)
		{
			int pruned = 0;
			{
				SharedTransaction::Exclusive exclusive(*_shared);
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
				if (_stopWriter) return;
				continue;
			}
			while (!_queue.empty() && batch.size() < MAX_BATCH)
			{
				batch.push_back(_queue.front());
				_queue.pop_front();
			}
		}
		{
			SharedTransaction::Exclusive exclusive(*_shared);
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


void SqlAccountStore::commitBatch(StoreWriter& writer, const std::vector<Pending*>& batch)
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


int SqlAccountStore::walCommitted(void* store, sqlite3*, const char*, int pages)
{
	// Called by the writer's connection after each commit, with the lock
	// held: never checkpoint here, that would stall every writer for
	// milliseconds; let the writer thread do it beside them.
	if (pages >= CHECKPOINT_PAGES)
	{
		// Under the queue mutex, or the writer thread could miss it between
		// testing its wait condition and sleeping (nobody holds the queue
		// mutex while waiting for the SharedTransaction's mutex, so this
		// cannot deadlock).
		auto* self = static_cast<SqlAccountStore*>(store);
		std::lock_guard<std::mutex> lock(self->_queueMutex);
		if (!self->_checkpointRequested.exchange(true)) self->_queued.notify_one();
	}
	return SQLITE_OK;
}


void SqlAccountStore::checkpoint()
{
	try
	{
		// PASSIVE copies what it can without waiting for the writers or
		// making them wait. The WAL starts over only once everything is
		// copied, which never happens while the writers keep appending:
		// so the bulk is copied beside them, then what they appended
		// meanwhile (little) with them held off.
		{
			SessionPool::Lease lease(*_pool);
			sqlite3_wal_checkpoint_v2(Poco::Data::SQLite::Utility::dbHandle(lease.session), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
		}
		SharedTransaction::Exclusive exclusive(*_shared);
		sqlite3_wal_checkpoint_v2(Poco::Data::SQLite::Utility::dbHandle(*_writerSession), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
	}
	catch (Poco::Exception&)
	{
		// The pool is exhausted or the database unreachable: the next
		// commit asks again.
	}
}


int SqlAccountStore::prune(StoreWriter& writer)
{
	if (_options.keyRetentionHours <= 0) return 0;
	Int64 cutoff = Poco::Timestamp().epochMicroseconds() / 1000 - Int64(_options.keyRetentionHours) * 3600 * 1000;
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


int SqlAccountStore::pruneKeys()
{
	std::unique_lock<std::mutex> lock(_queueMutex);
	_pruneRequested = true;
	_pruned = -1;
	_queued.notify_one();
	_finished.wait(lock, [this] { return !_pruneRequested; });
	return _pruned;
}


AccountResult SqlAccountStore::open(const std::string& key, const std::string& user, Int64 cents)
{
	return mutate(key, AccountRules::open(user, cents));
}


AccountResult SqlAccountStore::query(const std::string& user)
{
	SessionPool::Lease lease(*_pool);
	// A single SELECT is consistent on its own: no transaction needed.
	AccountResult result;
	if (!readBalance(lease.session, user, result.balance)) return AccountRules::refuse(AccountResult::NOT_FOUND, user);
	return result;
}


AccountResult SqlAccountStore::update(const std::string& key, const std::string& user, Int64 deltaCents)
{
	return mutate(key, AccountRules::update(user, deltaCents));
}


AccountResult SqlAccountStore::transfer(const std::string& key, const std::string& from, const std::string& to, Int64 cents)
{
	return mutate(key, AccountRules::transfer(from, to, cents));
}


Int64 SqlAccountStore::totalBalance()
{
	SessionPool::Lease lease(*_pool);
	std::vector<Int64> total;
	lease.session << "SELECT COALESCE(SUM(balance), 0) FROM accounts", into(total), now;
	return total.empty() ? 0 : total[0];
}


SharedTransaction& SqlAccountStore::sharedTransaction()
{
	return *_shared;
}


} // namespace orchd

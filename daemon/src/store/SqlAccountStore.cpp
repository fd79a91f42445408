//
// SqlAccountStore.cpp
//


#include "store/SqlAccountStore.h"
#include "store/AccountRules.h"
#include "store/SessionPool.h"
#include "store/SqliteQuery.h"
#include "store/SharedTransaction.h"
#include "store/WriterThread.h"
#include "Poco/Data/SQLite/Connector.h"
#include "Poco/Data/SQLite/Utility.h"
#include "Poco/Exception.h"
#include <sqlite3.h>
#include <mutex>
#include <vector>


using namespace Poco::Data::Keywords;
using Poco::Data::Session;
using Poco::Int64;


namespace orchd {


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
	_pool = std::make_unique<SessionPool>(_options.connection, _options.poolSize, _options.busyTimeoutMs, _options.synchronousFull);
	_storeId = StoreSchema::create(*_pool, _options.connection, _options.busyTimeoutMs);
	_writerSession = std::make_unique<Session>("SQLite", _options.connection);
	_pool->configure(*_writerSession);
	_shared = std::make_unique<SharedTransaction>(*_writerSession);
	_writer = std::make_unique<WriterThread>(*_pool, *_writerSession, *_shared, _options.keyRetentionHours,
		_options.clock ? *_options.clock : StoreClock::system());
}


SqlAccountStore::~SqlAccountStore()
{
	_writer->stop();
	_shared->commit();
	_writer.reset();
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


AccountResult SqlAccountStore::open(const std::string& key, const std::string& user, Int64 cents)
{
	return _writer->apply(key, AccountRules::open(user, cents));
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
	return _writer->apply(key, AccountRules::update(user, deltaCents));
}


AccountResult SqlAccountStore::transfer(const std::string& key, const std::string& from, const std::string& to, Int64 cents)
{
	return _writer->apply(key, AccountRules::transfer(from, to, cents));
}


AccountResult SqlAccountStore::close(const std::string& key, const std::string& user)
{
	return _writer->apply(key, AccountRules::close(user));
}


std::vector<std::string> SqlAccountStore::prepare(const std::string& statement)
{
	SessionPool::Lease lease(*_pool);
	SqliteQuery query(Poco::Data::SQLite::Utility::dbHandle(lease.session), statement);
	return query.parameters();
}


QueryRows SqlAccountStore::select(const std::string& statement, const std::map<std::string, Poco::Dynamic::Var>& parameters, std::size_t maxRows)
{
	// Prepared on each call: each pooled session is its own connection.
	SessionPool::Lease lease(*_pool);
	SqliteQuery query(Poco::Data::SQLite::Utility::dbHandle(lease.session), statement);
	return query.run(parameters, maxRows);
}


Int64 SqlAccountStore::totalBalance()
{
	SessionPool::Lease lease(*_pool);
	std::vector<Int64> total;
	lease.session << "SELECT COALESCE(SUM(balance), 0) FROM accounts", into(total), now;
	return total.empty() ? 0 : total[0];
}


std::unique_ptr<AccountBatch> SqlAccountStore::batch()
{
	return std::make_unique<StoreBatch>(*this);
}


const std::string& SqlAccountStore::storeId() const
{
	return _storeId;
}


const std::string& SqlAccountStore::connector() const
{
	return _connector;
}


int SqlAccountStore::pruneKeys()
{
	return _writer->pruneKeys();
}


SharedTransaction& SqlAccountStore::sharedTransaction()
{
	return *_shared;
}


} // namespace orchd

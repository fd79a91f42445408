//
// NetAccountStore.cpp
//


#include "store/NetAccountStore.h"
#include "store/NetBatch.h"
#include "Poco/Random.h"
#include <chrono>


namespace orchd {


NetAccountStore::NetAccountStore(const StoreOptions& options, NetSchema::Dialect dialect, Connect connect):
	_options(options),
	_connector(dialect == NetSchema::POSTGRESQL ? "postgresql" : "mariadb"),
	_nowQuery(dialect == NetSchema::POSTGRESQL ? "SELECT (extract(epoch from clock_timestamp()) * 1000)::bigint" : "SELECT CAST(UNIX_TIMESTAMP(NOW(3)) * 1000 AS SIGNED)"),
	_connect(std::move(connect))
{
	{
		Lease lease(*this);
		NetSchema::checkDurability(*lease, dialect, options.synchronousFull);
		_storeId = NetSchema::prepare(*lease, dialect);
		if (_options.keyRetentionHours > 0)
		{
			NetStatements::Rows oldest = lease->query("SELECT MIN(created_ms) FROM orchd_idempotency");
			const std::string& value = oldest.at(0).at(0);
			_horizon = std::make_unique<KeyHorizon>(static_cast<Poco::Int64>(_options.keyRetentionHours) * 3600 * 1000, databaseMs(*lease),
				clock().monotonicUs(), value.empty() ? KeyHorizon::NO_RECORD : std::stoll(value));
		}
	}
	_pruner = std::thread([this] { pruneLoop(); });
}


NetAccountStore::~NetAccountStore()
{
	{
		std::lock_guard<std::mutex> lock(_pruneMutex);
		_stopping = true;
	}
	_pruneWake.notify_all();
	if (_pruner.joinable()) _pruner.join();
}


NetAccountStore::Lease::Lease(NetAccountStore& store):
	_store(store),
	_connection(store.acquire())
{
}


NetAccountStore::Lease::~Lease()
{
	_store.giveBack(std::move(_connection));
}


NetStatements& NetAccountStore::Lease::operator * ()
{
	return *_connection;
}


NetStatements* NetAccountStore::Lease::operator -> ()
{
	return _connection.get();
}


std::unique_ptr<NetStatements> NetAccountStore::acquire()
{
	{
		std::unique_lock<std::mutex> lock(_poolMutex);
		_poolChanged.wait(lock, [this] { return !_idle.empty() || _open < _options.poolSize; });
		if (!_idle.empty())
		{
			std::unique_ptr<NetStatements> connection = std::move(_idle.back());
			_idle.pop_back();
			return connection;
		}
		++_open;
	}
	try
	{
		return _connect();
	}
	catch (...)
	{
		std::lock_guard<std::mutex> lock(_poolMutex);
		--_open;
		_poolChanged.notify_one();
		throw;
	}
}


void NetAccountStore::giveBack(std::unique_ptr<NetStatements> connection)
{
	if (!connection) return;
	std::lock_guard<std::mutex> lock(_poolMutex);
	if (connection->healthy() && !connection->inTransaction()) _idle.push_back(std::move(connection));
	else --_open;  // a broken connection is dropped; the next acquire() opens another
	_poolChanged.notify_one();
}


void NetAccountStore::backoff(int attempt)
{
	static thread_local Poco::Random random;
	int ceiling = std::min(50, 1 << std::min(attempt, 6));
	std::this_thread::sleep_for(std::chrono::microseconds(200 + random.next(static_cast<Poco::UInt32>(ceiling) * 1000)));
}


AccountResult NetAccountStore::applyWithRetries(NetStatements& connection, const std::string& key, const AccountRules::Mutation& mutation)
{
	for (int attempt = 1; ; ++attempt)
	{
		try
		{
			connection.begin();
			AccountResult result = AccountRules::apply(connection, key, mutation);
			connection.commit();
			return result;
		}
		catch (StoreRetryException&)
		{
			connection.rollback();
			if (attempt >= MAX_ATTEMPTS || !connection.healthy()) throw;
			backoff(attempt);
		}
		catch (...)
		{
			connection.rollback();
			throw;
		}
	}
}


AccountResult NetAccountStore::mutate(const std::string& key, const AccountRules::Mutation& mutation)
{
	Lease lease(*this);
	return applyWithRetries(*lease, key, mutation);
}


AccountResult NetAccountStore::open(const std::string& key, const std::string& user, Poco::Int64 cents)
{
	return mutate(key, AccountRules::open(user, cents));
}


AccountResult NetAccountStore::query(const std::string& user)
{
	Lease lease(*this);
	AccountResult result;
	if (!lease->peekBalance(user, result.balance)) return AccountRules::refuse(AccountResult::NOT_FOUND, user);
	return result;
}


AccountResult NetAccountStore::update(const std::string& key, const std::string& user, Poco::Int64 deltaCents)
{
	return mutate(key, AccountRules::update(user, deltaCents));
}


AccountResult NetAccountStore::transfer(const std::string& key, const std::string& from, const std::string& to, Poco::Int64 cents)
{
	return mutate(key, AccountRules::transfer(from, to, cents));
}


AccountResult NetAccountStore::close(const std::string& key, const std::string& user)
{
	return mutate(key, AccountRules::close(user));
}


std::vector<std::string> NetAccountStore::prepare(const std::string& statement)
{
	Lease lease(*this);
	return lease->prepareQuery(statement);
}


QueryRows NetAccountStore::select(const std::string& statement, const std::map<std::string, Poco::Dynamic::Var>& parameters, std::size_t maxRows)
{
	Lease lease(*this);
	return lease->selectQuery(statement, parameters, maxRows);
}


std::unique_ptr<AccountBatch> NetAccountStore::batch()
{
	return std::make_unique<NetBatch>(*this);
}


Poco::Int64 NetAccountStore::totalBalance()
{
	Lease lease(*this);
	NetStatements::Rows rows = lease->query("SELECT COALESCE(SUM(balance), 0) FROM accounts");
	return std::stoll(rows.at(0).at(0));
}


int NetAccountStore::pruneKeys()
{
	if (!_horizon) return 0;
	std::lock_guard<std::mutex> lock(_horizonMutex);
	Lease lease(*this);
	Poco::Int64 cutoff = _horizon->advance(databaseMs(*lease), clock().monotonicUs());
	return lease->pruneKeys(cutoff);
}


Poco::Int64 NetAccountStore::databaseMs(NetStatements& connection) const
{
	NetStatements::Rows now = connection.query(_nowQuery);
	return std::stoll(now.at(0).at(0)) + (clock().wallMs() - StoreClock::system().wallMs());
}


const std::string& NetAccountStore::storeId() const
{
	return _storeId;
}


const std::string& NetAccountStore::connector() const
{
	return _connector;
}


const StoreClock& NetAccountStore::clock() const
{
	return _options.clock ? *_options.clock : StoreClock::system();
}


void NetAccountStore::pruneLoop()
{
	std::unique_lock<std::mutex> lock(_pruneMutex);
	while (!_pruneWake.wait_for(lock, std::chrono::seconds(60), [this] { return _stopping; }))
	{
		lock.unlock();
		try
		{
			pruneKeys();
		}
		catch (Poco::Exception&)
		{
			// The database is away: the next round tries again.
		}
		lock.lock();
	}
}


} // namespace orchd

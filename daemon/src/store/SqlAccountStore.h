//
// SqlAccountStore.h
//
// The AccountStore on a Poco::Data connector (SQLite for now).
//


#ifndef orchd_SqlAccountStore_INCLUDED
#define orchd_SqlAccountStore_INCLUDED


#include "orchd/AccountStore.h"
#include "Poco/Data/Session.h"
#include "Poco/Data/SessionPool.h"
#include "Poco/Mutex.h"
#include "Poco/Semaphore.h"
#include <functional>
#include <memory>
#include <string>


namespace orchd {


struct StoreOptions
	/// How to reach the database. See etc/worker.properties (store.*).
{
	std::string connector = "sqlite";  /// the Poco::Data connector, by its config name
	std::string connection;            /// for SQLite, the database file
	int poolSize = 16;                 /// the most sessions open at once
	int busyTimeoutMs = 5000;          /// how long SQLite waits for another process's write lock
};


class SqlAccountStore: public AccountStore
	/// Accounts and idempotency records in two tables of one database,
	/// reached through a Poco::Data SessionPool.
	///
	/// Every mutating operation runs in one transaction (a query is one
	/// SELECT). On SQLite, a write
	/// transaction starts with BEGIN IMMEDIATE, so that two writers never
	/// both read and then fail to upgrade ("database is locked"); writers of
	/// this process are serialised by a mutex (SQLite has one writer at a
	/// time anyway) and other processes wait up to busyTimeoutMs.
	///
	/// The schema is created on first use and carries a version; a database
	/// written by a newer orchd is refused. Thread-safe.
{
public:
	static constexpr int SCHEMA_VERSION = 1;

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

	static void registerConnectors();
		/// Registers the Poco::Data connectors orchd was built with. Called
		/// by the constructor; idempotent.

private:
	class Pool;
	class SlotHold;
	class Lease;
	using Operation = std::function<AccountResult(Poco::Data::Session&)>;

	AccountResult mutate(const std::string& key, const std::string& fingerprint, const Operation& operation);
	void createSchema();

	StoreOptions _options;
	std::unique_ptr<Pool> _pool;
	Poco::Semaphore _slots;
	Poco::FastMutex _writeMutex;
};


} // namespace orchd


#endif // orchd_SqlAccountStore_INCLUDED

//
// NetAccountStore.h
//
// The account store on PostgreSQL or MariaDB, shared by nodes on several
// machines.
//


#ifndef orchd_NetAccountStore_INCLUDED
#define orchd_NetAccountStore_INCLUDED


#include "store/AccountDatabase.h"
#include "store/AccountRules.h"
#include "store/KeyHorizon.h"
#include "store/NetSchema.h"
#include "store/NetStatements.h"
#include "store/StoreClock.h"
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>


namespace orchd {


class NetAccountStore: public AccountDatabase
	/// Accounts and idempotency records on a networked database, through a
	/// pool of at most store.pool_size connections (NetStatements). The
	/// rules are SQLite's (AccountRules), run with row locks: a balance is
	/// read FOR UPDATE, and a TRANSFER locks its two accounts in name
	/// order, so opposite transfers cannot deadlock each other.
	///
	/// Each operation outside a batch is one transaction. A deadlock, a
	/// serialization failure, a lock wait timeout or a racing duplicate key
	/// (StoreRetryException) undoes the operation and runs it again, up to
	/// MAX_ATTEMPTS times, with the idempotency check first each time: it is
	/// never lost nor applied twice. A lost connection fails the operation
	/// (nothing of it is applied) and is replaced on the next use.
	///
	/// A thread prunes old idempotency records about once a minute, as a
	/// KeyHorizon judges (a wall clock stepped forward cannot prune them
	/// early). Records are stamped, and pruned, by the database server's
	/// clock (a record's stamp is the later of the node's clock and the
	/// server's), so nodes whose clocks are wrong, ahead or behind, cannot
	/// make each other's records look old.
	/// Thread-safe.
{
public:
	static constexpr int MAX_ATTEMPTS = 20;

	using Connect = std::function<std::unique_ptr<NetStatements>()>;

	NetAccountStore(const StoreOptions& options, NetSchema::Dialect dialect, Connect connect);
		/// Connects once, creates or migrates the schema. Throws like
		/// AccountDatabase::connect().
	~NetAccountStore() override;

	AccountResult open(const std::string& key, const std::string& user, Poco::Int64 cents) override;
	AccountResult query(const std::string& user) override;
	AccountResult update(const std::string& key, const std::string& user, Poco::Int64 deltaCents) override;
	AccountResult transfer(const std::string& key, const std::string& from, const std::string& to, Poco::Int64 cents) override;
	AccountResult close(const std::string& key, const std::string& user) override;
	std::vector<std::string> prepare(const std::string& statement) override;
	QueryRows select(const std::string& statement, const std::map<std::string, Poco::Dynamic::Var>& parameters, std::size_t maxRows) override;
		/// On a connection leased from the pool for the call alone, in a
		/// read-only transaction of its own that is rolled back: never
		/// inside a batch's transaction (a batch holds its own lease). See
		/// PgQuery and MariaQuery for what each database refuses.

	std::unique_ptr<AccountBatch> batch() override;
	Poco::Int64 totalBalance() override;
	int pruneKeys() override;
	const std::string& storeId() const override;
	const std::string& connector() const override;

	class Lease
		/// A pooled connection, given back (or dropped if broken) when the
		/// lease goes.
	{
	public:
		explicit Lease(NetAccountStore& store);
		~Lease();
		NetStatements& operator * ();
		NetStatements* operator -> ();

	private:
		NetAccountStore& _store;
		std::unique_ptr<NetStatements> _connection;
	};

	static AccountResult applyWithRetries(NetStatements& connection, const std::string& key, const AccountRules::Mutation& mutation);
		/// One operation in a transaction of its own, retried as above.

	static void backoff(int attempt);
		/// A short random pause before attempt (so two retrying
		/// transactions do not meet again at once).

private:
	AccountResult mutate(const std::string& key, const AccountRules::Mutation& mutation);
	std::unique_ptr<NetStatements> acquire();
	void giveBack(std::unique_ptr<NetStatements> connection);
	void pruneLoop();
	const StoreClock& clock() const;
	Poco::Int64 databaseMs(NetStatements& connection) const;
		/// The server's clock in epoch ms, plus the StoreClock's deviation
		/// from the system's (none but a fixture's step or elapsed time).

	StoreOptions _options;
	std::string _connector;
	std::string _nowQuery;          // the server's clock in epoch ms
	Connect _connect;
	std::string _storeId;
	std::mutex _poolMutex;
	std::condition_variable _poolChanged;
	std::vector<std::unique_ptr<NetStatements>> _idle;
	int _open = 0;                  // connections out of the pool or idle in it
	std::mutex _horizonMutex;
	std::unique_ptr<KeyHorizon> _horizon;  // under _horizonMutex; null if records are kept for ever
	std::mutex _pruneMutex;
	std::condition_variable _pruneWake;
	bool _stopping = false;
	std::thread _pruner;
};


} // namespace orchd


#endif // orchd_NetAccountStore_INCLUDED

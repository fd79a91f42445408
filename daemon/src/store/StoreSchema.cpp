//
// StoreSchema.cpp
//


#include "store/StoreSchema.h"
#include "store/SessionPool.h"
#include "Poco/Data/DataException.h"
#include "Poco/Data/SQLite/SQLiteException.h"
#include "Poco/Exception.h"
#include "Poco/String.h"
#include "Poco/Thread.h"
#include "Poco/Timestamp.h"
#include "Poco/UUIDGenerator.h"
#include <algorithm>
#include <vector>


using namespace Poco::Data::Keywords;
using Poco::Data::Session;


namespace orchd {


namespace {


class Transaction
	/// BEGIN IMMEDIATE on construction; ROLLBACK on destruction unless
	/// committed. Poco's Session::begin() is DEFERRED on SQLite.
{
public:
	explicit Transaction(Session& session):
		_session(session)
	{
		_session << "BEGIN IMMEDIATE", now;
	}

	~Transaction()
	{
		if (_open)
		{
			try
			{
				_session << "ROLLBACK", now;
			}
			catch (Poco::Exception&)
			{
				// The session is broken; the pool drops it and SQLite
				// rolls back the transaction when the connection closes.
			}
		}
	}

	void commit()
	{
		_session << "COMMIT", now;
		_open = false;
	}

private:
	Session& _session;
	bool _open = true;
};


} // namespace


std::string StoreSchema::create(SessionPool& pool, const std::string& connection, int busyTimeoutMs)
{
	// Two processes opening a new database at once race to switch it to
	// WAL and create the tables; SQLite answers the loser "locked" at once
	// for the journal switch, without waiting: retry within the timeout.
	Poco::Timestamp start;
	for (int attempt = 1;; ++attempt)
	{
		try
		{
			SessionPool::Lease lease(pool);
			return create(lease.session, connection);
		}
		catch (Poco::Data::SQLite::DBLockedException&)
		{
			if (start.elapsed() / 1000 > busyTimeoutMs) throw;
		}
		catch (Poco::Data::SQLite::TableLockedException&)
		{
			if (start.elapsed() / 1000 > busyTimeoutMs) throw;
		}
		Poco::Thread::sleep(std::min(5 * attempt, 100));
	}
}


std::string StoreSchema::create(Session& session, const std::string& connection)
{
	// WAL persists in the file: readers never block the writer. SQLite
	// answers the mode it is left in; anything else (an in-memory
	// database, a file system without shared memory) is refused rather
	// than run with a rollback journal, where readers block commits and
	// store.synchronous means something else.
	std::string mode;
	session << "PRAGMA journal_mode = WAL", into(mode), now;
	if (Poco::toLower(mode) != "wal")
		throw Poco::Data::DataException("cannot put the database in WAL mode (SQLite keeps it in '" + mode +
			"' mode): orchd refuses to run in a weaker mode; use a file on a local file system", connection);
	Transaction tx(session);
	session << "CREATE TABLE IF NOT EXISTS orchd_schema (version INTEGER NOT NULL)", now;
	std::vector<int> versions;
	session << "SELECT version FROM orchd_schema", into(versions), now;
	if (versions.empty())
	{
		int version = VERSION;
		session << "INSERT INTO orchd_schema (version) VALUES ($1)", use(version), now;
	}
	else if (versions[0] > VERSION)
	{
		throw Poco::Data::DataException("database schema version " + std::to_string(versions[0]) +
			" is newer than this orchd's (" + std::to_string(VERSION) + ")", connection);
	}
	// WITHOUT ROWID: the key is the table's own B-tree, so a lookup is
	// one tree, and a recorded key one insert instead of two (a commit
	// writes fewer pages: about a third more single-update commits/s).
	// Databases made before keep their layout; the SQL is the same.
	session << "CREATE TABLE IF NOT EXISTS accounts ("
		"user_id VARCHAR(128) PRIMARY KEY, "
		"balance BIGINT NOT NULL CHECK (balance >= 0)) WITHOUT ROWID", now;
	session << "CREATE TABLE IF NOT EXISTS orchd_idempotency ("
		"idem_key VARCHAR(128) PRIMARY KEY, "
		"fingerprint VARCHAR(512) NOT NULL, "
		"outcome INTEGER NOT NULL, "
		"balance BIGINT NOT NULL, "
		"to_balance BIGINT NOT NULL, "
		"missing VARCHAR(128) NOT NULL, "
		"created_ms BIGINT NOT NULL) WITHOUT ROWID", now;
	// For pruning by age; added in place to databases made without it.
	session << "CREATE INDEX IF NOT EXISTS orchd_idempotency_created ON orchd_idempotency (created_ms)", now;
	// The store id names the ledger: made once, with the schema (or when
	// a version 1 schema is migrated), and the same for every node on it.
	session << "CREATE TABLE IF NOT EXISTS orchd_store (store_id VARCHAR(64) NOT NULL, created_ms BIGINT NOT NULL)", now;
	std::vector<std::string> ids;
	session << "SELECT store_id FROM orchd_store", into(ids), now;
	if (ids.empty())
	{
		ids.push_back(Poco::UUIDGenerator::defaultGenerator().createRandom().toString());
		Poco::Int64 created = Poco::Timestamp().epochMicroseconds() / 1000;
		session << "INSERT INTO orchd_store (store_id, created_ms) VALUES ($1, $2)", use(ids[0]), use(created), now;
	}
	if (!versions.empty() && versions[0] < VERSION)
	{
		int version = VERSION;
		session << "UPDATE orchd_schema SET version = $1", use(version), now;
	}
	tx.commit();
	return ids[0];
}


} // namespace orchd

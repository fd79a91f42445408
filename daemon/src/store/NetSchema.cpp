//
// NetSchema.cpp
//


#include "store/NetSchema.h"
#include "Poco/NumberParser.h"
#include "Poco/Timestamp.h"
#include "Poco/UUIDGenerator.h"


namespace orchd {


namespace {


void create(NetStatements& connection, NetSchema::Dialect dialect)
{
	bool pg = dialect == NetSchema::POSTGRESQL;
	// Names are at most 128 bytes (Request::MAX_NAME_LENGTH); MariaDB keys
	// are bytes compared as bytes, like SQLite's and PostgreSQL's text.
	std::string name = pg ? "TEXT" : "VARBINARY(512)";
	std::string text = pg ? "TEXT" : "BLOB";
	std::string engine = pg ? "" : " ENGINE=InnoDB";
	connection.query("CREATE TABLE IF NOT EXISTS orchd_schema (version INTEGER NOT NULL)" + engine);
	connection.query("CREATE TABLE IF NOT EXISTS orchd_store (store_id " + name + " NOT NULL, created_ms BIGINT NOT NULL)" + engine);
	// PostgreSQL writes a new row version per update; with room left on
	// each page (fillfactor) it lands on the same page without touching the
	// key's index (a HOT update): over a million accounts, about a quarter
	// more updates per second. Databases made before keep their layout.
	connection.query("CREATE TABLE IF NOT EXISTS accounts (user_id " + name + " PRIMARY KEY, balance BIGINT NOT NULL CHECK (balance >= 0))"
		+ (pg ? " WITH (fillfactor = 70)" : engine));
	connection.query("CREATE TABLE IF NOT EXISTS orchd_idempotency (idem_key " + name + " PRIMARY KEY, fingerprint " + text
		+ " NOT NULL, outcome INTEGER NOT NULL, balance BIGINT NOT NULL, to_balance BIGINT NOT NULL, missing " + name
		+ " NOT NULL, created_ms BIGINT NOT NULL)" + engine);
	connection.query("CREATE INDEX IF NOT EXISTS orchd_idempotency_created ON orchd_idempotency (created_ms)");
}


std::string param(NetSchema::Dialect dialect, int index)
{
	return dialect == NetSchema::POSTGRESQL ? "$" + std::to_string(index) : "?";
}


std::string newStoreId(NetStatements& connection, NetSchema::Dialect dialect)
{
	std::string id = Poco::UUIDGenerator::defaultGenerator().createRandom().toString();
	connection.query("INSERT INTO orchd_store (store_id, created_ms) VALUES (" + param(dialect, 1) + ", " + param(dialect, 2) + ")",
		{id, std::to_string(Poco::Timestamp().epochMicroseconds() / 1000)});
	return id;
}


} // namespace


std::string NetSchema::prepare(NetStatements& connection, Dialect dialect)
{
	bool pg = dialect == POSTGRESQL;
	// One node at a time creates or migrates; the others then see it done.
	if (pg)
	{
		connection.query("BEGIN");
		connection.query("SELECT pg_advisory_xact_lock(7370001)");
	}
	else connection.query("SELECT GET_LOCK('orchd_schema', 60)");
	try
	{
		create(connection, dialect);
		NetStatements::Rows versions = connection.query("SELECT version FROM orchd_schema");
		int version = versions.empty() ? 0 : Poco::NumberParser::parse(versions[0][0]);
		if (version > VERSION)
			throw Poco::Data::DataException("the database has schema version " + std::to_string(version) + ", newer than this orchd's ("
				+ std::to_string(VERSION) + "): upgrade orchd, or point store.connection at another database");
		NetStatements::Rows ids = connection.query("SELECT store_id FROM orchd_store");
		std::string id = ids.empty() ? newStoreId(connection, dialect) : ids[0][0];
		if (versions.empty()) connection.query("INSERT INTO orchd_schema (version) VALUES (" + param(dialect, 1) + ")", {std::to_string(VERSION)});
		else if (version < VERSION) connection.query("UPDATE orchd_schema SET version = " + param(dialect, 1), {std::to_string(VERSION)});
		if (pg) connection.query("COMMIT");
		else connection.query("SELECT RELEASE_LOCK('orchd_schema')");
		return id;
	}
	catch (...)
	{
		try
		{
			connection.query(pg ? "ROLLBACK" : "SELECT RELEASE_LOCK('orchd_schema')");
		}
		catch (Poco::Exception&)
		{
		}
		throw;
	}
}


void NetSchema::checkDurability(NetStatements& connection, Dialect dialect, bool synchronousFull)
{
	if (!synchronousFull) return;
	bool pg = dialect == POSTGRESQL;
	const char* variable = pg ? "fsync" : "innodb_flush_log_at_trx_commit";
	NetStatements::Rows rows = connection.query(pg ? "SHOW fsync" : "SELECT @@innodb_flush_log_at_trx_commit");
	std::string value = rows.empty() || rows[0].empty() ? std::string("unknown") : rows[0][0];
	if (value != (pg ? "on" : "1"))
		throw Poco::Data::DataException(std::string("store.synchronous = full, but the ") + (pg ? "PostgreSQL" : "MariaDB") + " server runs with " +
			variable + " = " + value + ": an acknowledged update would not survive a crash of its machine; set " + variable + " = " +
			(pg ? "on" : "1") + " on the server, or store.synchronous = normal");
}


void NetSchema::drop(NetStatements& connection)
{
	for (const char* table: {"orchd_idempotency", "accounts", "orchd_store", "orchd_schema"})
		connection.query(std::string("DROP TABLE IF EXISTS ") + table);
}


} // namespace orchd

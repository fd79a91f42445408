//
// StoreWriter.cpp
//


#include "store/StoreWriter.h"
#include "Poco/Data/DataException.h"
#include "Poco/Data/SQLite/Utility.h"
#include "Poco/Timestamp.h"
#include <sqlite3.h>


namespace orchd {


namespace {


class Reset
	/// Resets a statement and clears its bindings on every way out.
{
public:
	explicit Reset(sqlite3_stmt* statement):
		_statement(statement)
	{
	}

	~Reset()
	{
		sqlite3_reset(_statement);
		sqlite3_clear_bindings(_statement);
	}

private:
	sqlite3_stmt* _statement;
};


void bindText(sqlite3_stmt* statement, int index, const std::string& text)
{
	sqlite3_bind_text(statement, index, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
}


std::string columnText(sqlite3_stmt* statement, int index)
{
	const unsigned char* text = sqlite3_column_text(statement, index);
	return text ? std::string(reinterpret_cast<const char*>(text), static_cast<std::size_t>(sqlite3_column_bytes(statement, index))) : std::string();
}


} // namespace


StoreWriter::StoreWriter(Poco::Data::Session& session):
	_db(Poco::Data::SQLite::Utility::dbHandle(session))
{
	_begin = prepare("BEGIN IMMEDIATE");
	_commit = prepare("COMMIT");
	_rollback = prepare("ROLLBACK");
	_savepoint = prepare("SAVEPOINT operation");
	_release = prepare("RELEASE operation");
	_undo = prepare("ROLLBACK TO operation");
	_find = prepare("SELECT fingerprint, outcome, balance, to_balance, missing FROM orchd_idempotency WHERE idem_key = ?1");
	_record = prepare("INSERT INTO orchd_idempotency (idem_key, fingerprint, outcome, balance, to_balance, missing, created_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
	_read = prepare("SELECT balance FROM accounts WHERE user_id = ?1");
	_write = prepare("UPDATE accounts SET balance = ?1 WHERE user_id = ?2");
	_insert = prepare("INSERT INTO accounts (user_id, balance) VALUES (?1, ?2)");
	_delete = prepare("DELETE FROM accounts WHERE user_id = ?1");
	_prune = prepare("DELETE FROM orchd_idempotency WHERE created_ms < ?1");
}


StoreWriter::~StoreWriter()
{
	for (sqlite3_stmt* statement: {_begin, _commit, _rollback, _savepoint, _release, _undo, _find, _record, _read, _write, _insert, _delete, _prune}) sqlite3_finalize(statement);
}


sqlite3_stmt* StoreWriter::prepare(const char* sql)
{
	sqlite3_stmt* statement = nullptr;
	if (sqlite3_prepare_v2(_db, sql, -1, &statement, nullptr) != SQLITE_OK) fail(sql);
	return statement;
}


void StoreWriter::fail(const char* what)
{
	throw Poco::Data::DataException(sqlite3_errmsg(_db), what);
}


void StoreWriter::run(sqlite3_stmt* statement)
{
	Reset reset(statement);
	if (sqlite3_step(statement) != SQLITE_DONE) fail(sqlite3_sql(statement));
}


void StoreWriter::begin()
{
	run(_begin);
}


void StoreWriter::commit()
{
	run(_commit);
}


void StoreWriter::rollback()
{
	sqlite3_step(_rollback);
	sqlite3_reset(_rollback);
}


bool StoreWriter::inTransaction() const
{
	return sqlite3_get_autocommit(_db) == 0;
}


void StoreWriter::savepoint()
{
	run(_savepoint);
}


void StoreWriter::release()
{
	run(_release);
}


bool StoreWriter::undo()
{
	// ROLLBACK TO keeps the savepoint open; RELEASE then ends it.
	int rc = sqlite3_step(_undo);
	sqlite3_reset(_undo);
	if (rc != SQLITE_DONE) return false;
	rc = sqlite3_step(_release);
	sqlite3_reset(_release);
	return rc == SQLITE_DONE;
}


bool StoreWriter::findKey(const std::string& key, KeyRecord& record)
{
	Reset reset(_find);
	bindText(_find, 1, key);
	int rc = sqlite3_step(_find);
	if (rc == SQLITE_DONE) return false;
	if (rc != SQLITE_ROW) fail("SELECT ... FROM orchd_idempotency");
	record.fingerprint = columnText(_find, 0);
	record.result.outcome = static_cast<AccountResult::Outcome>(sqlite3_column_int(_find, 1));
	record.result.balance = sqlite3_column_int64(_find, 2);
	record.result.toBalance = sqlite3_column_int64(_find, 3);
	record.result.missing = columnText(_find, 4);
	return true;
}


void StoreWriter::recordKey(const std::string& key, const std::string& fingerprint, const AccountResult& result)
{
	bindText(_record, 1, key);
	bindText(_record, 2, fingerprint);
	sqlite3_bind_int(_record, 3, result.outcome);
	sqlite3_bind_int64(_record, 4, result.balance);
	sqlite3_bind_int64(_record, 5, result.toBalance);
	bindText(_record, 6, result.missing);
	sqlite3_bind_int64(_record, 7, Poco::Timestamp().epochMicroseconds() / 1000);
	run(_record);
}


bool StoreWriter::readBalance(const std::string& user, Poco::Int64& balance)
{
	Reset reset(_read);
	bindText(_read, 1, user);
	int rc = sqlite3_step(_read);
	if (rc == SQLITE_DONE) return false;
	if (rc != SQLITE_ROW) fail("SELECT balance FROM accounts");
	balance = sqlite3_column_int64(_read, 0);
	return true;
}


void StoreWriter::writeBalance(const std::string& user, Poco::Int64 balance)
{
	sqlite3_bind_int64(_write, 1, balance);
	bindText(_write, 2, user);
	run(_write);
}


void StoreWriter::insertAccount(const std::string& user, Poco::Int64 balance)
{
	bindText(_insert, 1, user);
	sqlite3_bind_int64(_insert, 2, balance);
	run(_insert);
}


void StoreWriter::deleteAccount(const std::string& user)
{
	bindText(_delete, 1, user);
	run(_delete);
}


int StoreWriter::pruneKeys(Poco::Int64 olderThanMs)
{
	sqlite3_bind_int64(_prune, 1, olderThanMs);
	run(_prune);
	return sqlite3_changes(_db);
}


bool StoreWriter::healthy() const
{
	return true;  // a failed SQLite statement leaves the connection usable
}


} // namespace orchd

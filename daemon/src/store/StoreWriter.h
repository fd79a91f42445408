//
// StoreWriter.h
//
// The account store's writer: prepared statements on one session.
//


#ifndef orchd_StoreWriter_INCLUDED
#define orchd_StoreWriter_INCLUDED


#include "store/RuleStatements.h"
#include "Poco/Data/Session.h"
#include <string>


struct sqlite3;
struct sqlite3_stmt;


namespace orchd {


class StoreWriter: public RuleStatements
	/// The statements a write transaction needs, prepared once on the
	/// writer's session and executed again and again with new values.
	///
	/// They run on the SQLite handle under the Poco::Data session (the
	/// session is opened, configured and closed through Poco::Data as
	/// everywhere else): Poco::Data's binding layer cost about 15 µs per
	/// statement, four statements per update, which capped the store near
	/// 13k updates/s; the native prepared statements do not.
	///
	/// Owned by the store's SharedTransaction and used only under its
	/// mutex, one thread at a time: by the writer thread (group commits,
	/// pruning) and by StoreBatches on the worker's link threads. Errors
	/// throw Poco::Data::DataException with SQLite's message.
{
public:
	explicit StoreWriter(Poco::Data::Session& session);
	~StoreWriter() override;

	StoreWriter(const StoreWriter&) = delete;
	StoreWriter& operator = (const StoreWriter&) = delete;

	void begin() override;
		/// BEGIN IMMEDIATE: the write lock is taken before anything is read.
	void commit() override;
	void rollback() override;
		/// Never throws: a broken session rolls back when it closes.

	bool inTransaction() const override;
		/// False if SQLite is in autocommit mode (no transaction open, or
		/// it rolled one back by itself after an error).

	void savepoint() override;
		/// SAVEPOINT inside the open transaction: one operation of a batch.
	void release() override;
		/// Keeps what the operation since savepoint() did.
	bool undo() override;
		/// Undoes what the operation since savepoint() did; false if even
		/// that failed (the transaction must then be rolled back).

	bool findKey(const std::string& key, KeyRecord& record) override;
	void recordKey(const std::string& key, const std::string& fingerprint, const AccountResult& result) override;
	bool readBalance(const std::string& user, Poco::Int64& balance) override;
	void writeBalance(const std::string& user, Poco::Int64 balance) override;
	void insertAccount(const std::string& user, Poco::Int64 balance) override;
	void deleteAccount(const std::string& user) override;
	int pruneKeys(Poco::Int64 olderThanMs) override;
	bool healthy() const override;
		/// Deletes idempotency records created before that time (epoch ms).

private:
	sqlite3_stmt* prepare(const char* sql);
	void run(sqlite3_stmt* statement);
	void fail(const char* what);

	sqlite3* _db;
	sqlite3_stmt* _begin;
	sqlite3_stmt* _commit;
	sqlite3_stmt* _rollback;
	sqlite3_stmt* _savepoint;
	sqlite3_stmt* _release;
	sqlite3_stmt* _undo;
	sqlite3_stmt* _find;
	sqlite3_stmt* _record;
	sqlite3_stmt* _read;
	sqlite3_stmt* _write;
	sqlite3_stmt* _insert;
	sqlite3_stmt* _delete;
	sqlite3_stmt* _prune;
};


} // namespace orchd


#endif // orchd_StoreWriter_INCLUDED

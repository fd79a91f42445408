//
// PgStatements.h
//
// The account rules' statements on one PostgreSQL connection (libpq):
// the connection and its pipeline in PgStatements.cpp, the prepared
// statements, transactions and the rules' statements in
// PgRuleStatements.cpp, the names they share in PgNames.h.
//


#ifndef orchd_PgStatements_INCLUDED
#define orchd_PgStatements_INCLUDED


#include "store/FetchedRows.h"
#include "store/NetStatements.h"
#include "store/StoreClock.h"
#include <string>
#include <vector>


struct pg_conn;
struct pg_result;


namespace orchd {


class PgStatements: public NetStatements
	/// RuleStatements on libpq in pipeline mode: statements are prepared
	/// once, and the ones whose answer is not needed at once (BEGIN,
	/// SAVEPOINT, RELEASE, the balance writes, the idempotency record) wait
	/// and leave together with the next statement that needs an answer;
	/// the accounts an operation reads are fetched (FOR UPDATE) with its key
	/// check. So an operation of a batch costs one round trip, and the
	/// batch's commit one more. A deferred statement of an earlier
	/// operation that fails throws StoreTransactionLostException: the
	/// transaction is aborted, and that operation already answered.
	///
	/// SQLSTATEs 40P01 (deadlock), 40001 (serialization), 55P03 (lock not
	/// available) and 23505 (a racing duplicate key) throw
	/// StoreRetryException; others Poco::Data::DataException with the
	/// server's message. Used by one thread at a time.
{
public:
	PgStatements(const std::string& conninfo, bool synchronousFull, const StoreClock& clock = StoreClock::system());
		/// clock: the node's wall clock that stamps idempotency records
		/// (the server's is taken when it is later).
		/// Connects (conninfo in libpq's key=value form, password included).
		/// The statements are prepared on first use. Throws
		/// Poco::Data::ConnectionFailedException.
	~PgStatements() override;

	PgStatements(const PgStatements&) = delete;
	PgStatements& operator = (const PgStatements&) = delete;

	void begin() override;
	void commit() override;
	void sendCommit() override;
	void rollback() override;
	bool inTransaction() const override;
	void savepoint() override;
	void release() override;
	bool undo() override;
	bool findKey(const std::string& key, KeyRecord& record) override;
	void recordKey(const std::string& key, const std::string& fingerprint, const AccountResult& result) override;
	bool readBalance(const std::string& user, Poco::Int64& balance) override;
	bool peekBalance(const std::string& user, Poco::Int64& balance) override;
	void writeBalance(const std::string& user, Poco::Int64 balance) override;
	void insertAccount(const std::string& user, Poco::Int64 balance) override;
	void deleteAccount(const std::string& user) override;
	int pruneKeys(Poco::Int64 olderThanMs) override;
	bool healthy() const override;
	void prefetch(const std::string* first, const std::string* second) override;
	void prefetchRound(const StoreHint& hint) override;

	Rows query(const std::string& sql, const std::vector<std::string>& parameters = {}) override;
		/// Runs one statement now (after anything deferred) and returns its
		/// rows as text (NULL as empty). For the schema and the checks.

	std::vector<std::string> prepareQuery(const std::string& statement) override;
	QueryRows selectQuery(const std::string& statement, const std::map<std::string, Poco::Dynamic::Var>& values, std::size_t maxRows) override;
		/// A PgQuery, run out of pipeline mode (a connection that is not
		/// idle after it is dropped: healthy() is false).

private:
	struct Call
	{
		std::string name;                 // a prepared statement, or empty for sql
		std::string sql;                  // an unprepared statement ($1... for values)
		std::vector<std::string> values;
		int keep = -1;                    // a prefetched read: its slot in _fetched
	};


	struct Sent
		/// Calls sent, their results not read yet.
	{
		std::vector<Call> calls;
		std::size_t boundary = 0;         // the first call of the current operation
	};

	void defer(Call call);
	Sent send(Call call);
		/// Sends what is deferred and call (writes folded), and a sync.
	pg_result* collect(const Sent& sent);
		/// Reads the results of what was sent: as run().
	pg_result* run(Call call);
		/// Sends what is deferred and call, waits for all, and returns
		/// call's result (the caller clears it); throws on the first error.
	void fail(pg_result* result, const std::string& what);
	void prepare();
	bool selectBalance(const char* statement, const std::string& user, Poco::Int64& balance);
		/// Runs READ or PEEK for user: false if there is no such account.
	void leavePipeline();
	void enterPipeline();

	const StoreClock& _clock;
	pg_conn* _connection;
	std::vector<Call> _deferred;
	std::size_t _boundary = 0;          // the first deferred call of the current operation
	FetchedRows _fetched;
	Sent _commit;                       // sendCommit()'s
	bool _commitSent = false;
	bool _open = false;
	bool _savepointSent = true;   // the current operation's SAVEPOINT has left
	bool _broken = false;
	bool _prepared = false;
};


} // namespace orchd


#endif // orchd_PgStatements_INCLUDED

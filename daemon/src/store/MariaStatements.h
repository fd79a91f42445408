//
// MariaStatements.h
//
// The account rules' statements on one MariaDB connection (libmariadb):
// the connection and its multi-statement queries in MariaStatements.cpp,
// transactions and the rules' statements in MariaRuleStatements.cpp.
//


#ifndef orchd_MariaStatements_INCLUDED
#define orchd_MariaStatements_INCLUDED


#include "store/DeferredWrites.h"
#include "store/FetchedRows.h"
#include "store/NetStatements.h"
#include "store/StoreClock.h"
#include "Poco/Types.h"
#include <string>
#include <vector>


struct st_mysql;


namespace orchd {


struct MariaAddress
	/// Where a MariaDB server is, from store.connection
	/// ("host=...;port=...;db=...;user=..." or socket=...).
{
	std::string host = "127.0.0.1";
	Poco::UInt16 port = 3306;
	std::string socket;
	std::string database;
	std::string user;
	std::string password;

	static MariaAddress parse(const std::string& connection);
		/// Throws Poco::InvalidArgumentException naming an unknown key.
};


class MariaStatements: public NetStatements
	/// RuleStatements on libmariadb's text protocol with multi-statements:
	/// the statements whose answer is not needed at once (START
	/// TRANSACTION, SAVEPOINT, RELEASE, the balance writes, the idempotency
	/// record) wait and leave in one query with the next statement that
	/// needs an answer, and the accounts an operation reads are fetched
	/// (FOR UPDATE) with its key check: an operation of a batch costs one
	/// round trip, its commit one more. A deferred statement of an earlier
	/// operation that fails throws StoreTransactionLostException. Values are
	/// escaped by the client library for the connection's character set,
	/// never spliced raw. The session runs READ COMMITTED, so a key that
	/// another transaction recorded is seen on the retry.
	///
	/// Errors 1213 (deadlock: InnoDB rolled the whole transaction back)
	/// throw StoreTransactionLostException; 1205 (lock wait timeout) and
	/// 1062 (a racing duplicate key) StoreRetryException; others
	/// Poco::Data::DataException with the server's message. Used by one
	/// thread at a time.
{
public:
	explicit MariaStatements(const MariaAddress& address, const StoreClock& clock = StoreClock::system());
		/// clock: the node's wall clock that stamps idempotency records
		/// (the server's is taken when it is later).
		/// Connects. Throws Poco::Data::ConnectionFailedException.
	~MariaStatements() override;

	MariaStatements(const MariaStatements&) = delete;
	MariaStatements& operator = (const MariaStatements&) = delete;

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
		/// Runs one statement now (after anything deferred), each ? replaced
		/// by a quoted, escaped value, and returns its rows as text.

	std::vector<std::string> prepareQuery(const std::string& statement) override;
	QueryRows selectQuery(const std::string& statement, const std::map<std::string, Poco::Dynamic::Var>& values, std::size_t maxRows) override;
		/// A MariaQuery (selectQuery() runs it after START TRANSACTION READ
		/// ONLY, and always rolls back).

private:

	struct Deferred
	{
		std::string sql;
		int keep = -1;            // a prefetched read: its slot in _fetched
		std::string user;
		DeferredWrite write = DeferredWrite::NONE;
		std::vector<std::string> values;  // a write's, unquoted (see DeferredWrite)
	};


	std::string quote(const std::string& value);
	bool selectBalance(const std::string& user, const char* lock, Poco::Int64& balance);
		/// Reads user's balance (lock: "" or " FOR UPDATE"): false if there
		/// is no such account.
	void defer(const std::string& sql, int keep = -1, const std::string& user = std::string());
	void deferWrite(DeferredWrite write, std::vector<std::string> values);
	Deferred merged(DeferredWrite write, const std::vector<std::vector<std::string>>& rows);
	struct Sent
		/// Statements sent in one query, their results not read yet.
	{
		std::vector<Deferred> calls;
		std::size_t boundary = 0;  // the first statement of the current operation
	};

	Rows run(const std::string& sql, Poco::UInt64* affected = nullptr);
		/// Sends what is deferred and sql in one query, reads every result,
		/// and returns sql's rows; throws on the first error.
	Sent send(const std::string& sql, int keep = -1);
		/// Sends what is deferred and sql (writes folded) as one query;
		/// keep: what sql's rows are (a KEEP_ slot), as for defer().
	Rows collect(const Sent& sent, Poco::UInt64* affected = nullptr);
		/// Reads the results of what was sent: as run().
	[[noreturn]] void fail(const std::string& what, bool earlier = false);
	void requireIdle() const;
	void checkConnection();
		/// After a query failed: a connection that does not answer a ping
		/// is broken.

	const StoreClock& _clock;
	st_mysql* _mysql;
	std::vector<Deferred> _deferred;
	std::size_t _boundary = 0;    // the first deferred statement of the current operation
	FetchedRows _fetched;
	Sent _commit;             // sendCommit()'s
	bool _commitSent = false;
	bool _open = false;
	bool _savepointSent = true;   // the current operation's SAVEPOINT has left
	bool _broken = false;
};


} // namespace orchd


#endif // orchd_MariaStatements_INCLUDED

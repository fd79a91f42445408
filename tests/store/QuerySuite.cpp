//
// QuerySuite.cpp
//


#include "store/QuerySuite.h"
#include "orchd/Money.h"
#include "Poco/Data/DataException.h"
#include "Poco/String.h"


namespace orchd {
namespace test {


namespace {


using Values = std::map<std::string, Poco::Dynamic::Var>;


std::string refusal(AccountStore& store, const std::string& statement)
	/// Why prepare() refuses the statement, or "accepted".
{
	try
	{
		store.prepare(statement);
		return "accepted";
	}
	catch (Poco::InvalidArgumentException& exc)
	{
		return exc.message();
	}
}


bool contains(const std::string& text, const std::string& part)
{
	return Poco::toLower(text).find(Poco::toLower(part)) != std::string::npos;
}


} // namespace


void QuerySuite::setUp()
{
	clean();
	StoreOptions storeOptions = options();
	storeOptions.poolSize = 2;  // so that one connection serves call after call
	_connector = storeOptions.connector;
	_store = AccountDatabase::connect(storeOptions);
	CPPUNIT_ASSERT(_store->open("o-ann", "ann", 500).ok());
	CPPUNIT_ASSERT(_store->open("o-bob", "bob", 12000).ok());
	CPPUNIT_ASSERT(_store->open("o-cid", "cid", 99).ok());
}


void QuerySuite::tearDown()
{
	_store.reset();
}


void QuerySuite::testParametersBoundByName()
{
	const std::string between = "SELECT user_id FROM accounts WHERE balance BETWEEN :low AND :high OR balance = :low ORDER BY user_id";
	CPPUNIT_ASSERT(_store->prepare(between) == std::vector<std::string>({"low", "high"}));
	QueryRows rows = _store->select(between, {{"low", Poco::Int64(99)}, {"high", Poco::Int64(500)}}, 10);
	CPPUNIT_ASSERT_EQUAL(std::size_t(2), rows.rows.size());
	CPPUNIT_ASSERT_EQUAL(std::string("ann"), rows.rows[0][0].extract<std::string>());
	CPPUNIT_ASSERT_EQUAL(std::string("cid"), rows.rows[1][0].extract<std::string>());
	const std::string byName = "SELECT user_id, balance FROM accounts WHERE user_id = :user";
	CPPUNIT_ASSERT_EQUAL(std::size_t(1), _store->select(byName, {{"user", std::string("bob")}}, 10).rows.size());
	// Values are data: quotes, comments and semicolons match nothing.
	for (const char* attempt: {"x' OR '1'='1", "bob' --", "bob'; DELETE FROM accounts; --", "bob\\' OR 1=1 #", "bob\" OR \"1\"=\"1"})
		CPPUNIT_ASSERT_EQUAL_MESSAGE(attempt, std::size_t(0), _store->select(byName, {{"user", std::string(attempt)}}, 10).rows.size());
	// A colon inside a literal is no parameter.
	rows = _store->select("SELECT user_id FROM accounts WHERE user_id = :user OR user_id = 'x:y''z'", {{"user", std::string("ann")}}, 10);
	CPPUNIT_ASSERT_EQUAL(std::size_t(1), rows.rows.size());
	// A long string used twice binds the same value at both places.
	const std::string twice = "SELECT COUNT(*) FROM accounts WHERE :who = 'a name longer than fifteen bytes' AND user_id <> :who";
	rows = _store->select(twice, {{"who", std::string("a name longer than fifteen bytes")}}, 10);
	CPPUNIT_ASSERT_EQUAL(Poco::Int64(3), rows.rows.at(0).at(0).convert<Poco::Int64>());
	CPPUNIT_ASSERT_EQUAL(Poco::Int64(12599), _store->totalBalance());
}


void QuerySuite::testColumnNamesAndTypes()
{
	QueryRows rows = _store->select("SELECT user_id, balance, balance * 2 AS twice FROM accounts WHERE user_id = :user", {{"user", std::string("bob")}}, 10);
	CPPUNIT_ASSERT(rows.columns == std::vector<std::string>({"user_id", "balance", "twice"}));
	CPPUNIT_ASSERT_EQUAL(std::size_t(1), rows.rows.size());
	CPPUNIT_ASSERT_EQUAL(std::string("bob"), rows.rows[0][0].extract<std::string>());
	CPPUNIT_ASSERT_EQUAL(Poco::Int64(12000), rows.rows[0][1].extract<Poco::Int64>());
	CPPUNIT_ASSERT_EQUAL(Poco::Int64(24000), rows.rows[0][2].extract<Poco::Int64>());
	rows = _store->select("SELECT MAX(balance) AS top FROM accounts WHERE user_id = :user", {{"user", std::string("nobody")}}, 10);
	CPPUNIT_ASSERT(rows.rows.at(0).at(0).isEmpty());
	const char* real = _connector == "sqlite" ? "REAL" : _connector == "postgresql" ? "DOUBLE PRECISION" : "DOUBLE";
	rows = _store->select(std::string("SELECT CAST(balance AS ") + real + ") / 8 AS eighth FROM accounts WHERE user_id = :user", {{"user", std::string("cid")}}, 10);
	CPPUNIT_ASSERT_EQUAL(12.375, rows.rows.at(0).at(0).extract<double>());
	// Exact decimals stay exact: text, never a binary double.
	rows = _store->select("SELECT CAST(12.50 AS DECIMAL(10, 2)) AS price", {}, 10);
	if (_connector == "sqlite") CPPUNIT_ASSERT_EQUAL(12.5, rows.rows.at(0).at(0).extract<double>());
	else CPPUNIT_ASSERT_EQUAL(std::string("12.50"), rows.rows.at(0).at(0).extract<std::string>());
	// A number as a parameter; a long name read back whole.
	rows = _store->select("SELECT user_id FROM accounts WHERE balance > :min ORDER BY user_id", {{"min", 99.5}}, 10);
	CPPUNIT_ASSERT_EQUAL(std::size_t(2), rows.rows.size());
	std::string longName(200, 'n');
	CPPUNIT_ASSERT(_store->open("o-long", longName, 1).ok());
	rows = _store->select("SELECT user_id FROM accounts WHERE balance = :one", {{"one", Poco::Int64(1)}}, 10);
	CPPUNIT_ASSERT_EQUAL(longName, rows.rows.at(0).at(0).extract<std::string>());
}


void QuerySuite::testExactIntegersBeyondDoubles()
{
	CPPUNIT_ASSERT(_store->open("o-big1", "big1", Money::MAX_CENTS).ok());
	CPPUNIT_ASSERT(_store->open("o-big2", "big2", Money::MAX_CENTS - 1).ok());
	// SUM() of a BIGINT is a numeric (PostgreSQL) or a DECIMAL (MariaDB).
	QueryRows rows = _store->select("SELECT SUM(balance) AS total FROM accounts WHERE user_id LIKE :prefix", {{"prefix", std::string("big%")}}, 10);
	CPPUNIT_ASSERT_EQUAL(Poco::Int64(17999999999999999), rows.rows.at(0).at(0).extract<Poco::Int64>());
	rows = _store->select("SELECT balance * 2 + 1 AS odd FROM accounts WHERE user_id = :user", {{"user", std::string("big1")}}, 10);
	CPPUNIT_ASSERT_EQUAL(Poco::Int64(18000000000000001), rows.rows.at(0).at(0).extract<Poco::Int64>());
	// Bound as an integer: as a double it would match neither or both.
	rows = _store->select("SELECT user_id FROM accounts WHERE balance * 2 + 1 = :odd", {{"odd", Poco::Int64(18000000000000001)}}, 10);
	CPPUNIT_ASSERT_EQUAL(std::size_t(1), rows.rows.size());
	CPPUNIT_ASSERT_EQUAL(std::string("big1"), rows.rows[0][0].extract<std::string>());
}


void QuerySuite::testRowCap()
{
	for (int i = 0; i < 40; ++i) CPPUNIT_ASSERT(_store->open("o-many" + std::to_string(i), "many" + std::to_string(100 + i), i).ok());
	const std::string all = "SELECT user_id FROM accounts ORDER BY user_id";
	for (int round = 0; round < 3; ++round)
	{
		QueryRows rows = _store->select(all, {}, 2);
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), rows.rows.size());
		CPPUNIT_ASSERT(rows.truncated);
		CPPUNIT_ASSERT_EQUAL(std::string("ann"), rows.rows[0][0].extract<std::string>());
		rows = _store->select(all, {}, 43);
		CPPUNIT_ASSERT_EQUAL(std::size_t(43), rows.rows.size());
		CPPUNIT_ASSERT(!rows.truncated);
		rows = _store->select(all, {}, 0);
		CPPUNIT_ASSERT(rows.rows.empty() && rows.truncated);
	}
	// The connection that left rows unread serves the store as before.
	CPPUNIT_ASSERT(_store->update("u-after", "ann", 1).ok());
	CPPUNIT_ASSERT_EQUAL(Poco::Int64(501), _store->query("ann").balance);
}


void QuerySuite::testWritesRefused()
{
	CPPUNIT_ASSERT(contains(refusal(*_store, "UPDATE accounts SET balance = 0"), "not a query"));
	CPPUNIT_ASSERT(contains(refusal(*_store, "INSERT INTO accounts SELECT * FROM accounts"), "not a query"));
	CPPUNIT_ASSERT(contains(refusal(*_store, " /* c */ DELETE FROM accounts"), "not a query"));
	std::string cte = refusal(*_store, "WITH gone AS (DELETE FROM accounts RETURNING user_id) SELECT user_id FROM gone");
	CPPUNIT_ASSERT_MESSAGE(cte, cte != "accepted");
	if (_connector == "postgresql") CPPUNIT_ASSERT_MESSAGE(cte, contains(cte, "read-only transaction") && contains(cte, "data-modifying"));
	std::string trailing = refusal(*_store, "WITH x AS (SELECT 1) DELETE FROM accounts");
	CPPUNIT_ASSERT_MESSAGE(trailing, trailing != "accepted");
	std::string into = refusal(*_store, _connector == "mariadb" ? "SELECT balance INTO @x FROM accounts LIMIT 1" : "SELECT * INTO stolen FROM accounts");
	CPPUNIT_ASSERT_MESSAGE(into, into != "accepted");
	if (_connector != "sqlite") CPPUNIT_ASSERT_MESSAGE(into, contains(into, "returns no rows"));
	if (_connector == "postgresql")
	{
		std::string lock = refusal(*_store, "SELECT user_id FROM accounts FOR UPDATE");
		CPPUNIT_ASSERT_MESSAGE(lock, contains(lock, "read-only transaction"));
	}
	CPPUNIT_ASSERT_EQUAL(Poco::Int64(12599), _store->totalBalance());
	CPPUNIT_ASSERT_EQUAL(std::size_t(3), _store->select("SELECT user_id FROM accounts", {}, 10).rows.size());
}


void QuerySuite::testWriteRefusedWhenRun()
{
	// What prepare() cannot see the server refuses in the read-only
	// transaction: a sequence advanced (and, on MariaDB, a row lock).
	if (_connector == "sqlite") return;  // SQLite has no sequences; sqlite3_stmt_readonly() judges all at prepare
	exec("DROP SEQUENCE IF EXISTS orchd_query_seq");
	exec("CREATE SEQUENCE orchd_query_seq");
	std::vector<std::string> writes = {_connector == "postgresql" ? "SELECT nextval('orchd_query_seq') AS n" : "SELECT NEXTVAL(orchd_query_seq) AS n"};
	if (_connector == "mariadb") writes.push_back("SELECT user_id FROM accounts WHERE user_id = :user FOR UPDATE");
	for (const auto& write: writes)
	{
		CPPUNIT_ASSERT_EQUAL_MESSAGE(write, std::string("accepted"), refusal(*_store, write));
		Values values;
		if (write.find(":user") != std::string::npos) values["user"] = std::string("ann");
		try
		{
			_store->select(write, values, 10);
			CPPUNIT_FAIL("ran: " + write);
		}
		catch (Poco::Data::DataException& exc)
		{
			CPPUNIT_ASSERT_MESSAGE(exc.message(), contains(exc.message(), "read-only") || contains(exc.message(), "read only"));
		}
	}
	const char* unused = _connector == "postgresql" ? "SELECT CASE WHEN is_called THEN 0 ELSE 1 END AS fresh FROM orchd_query_seq" : "SELECT next_not_cached_value AS fresh FROM orchd_query_seq";
	CPPUNIT_ASSERT_EQUAL(Poco::Int64(1), _store->select(unused, {}, 10).rows.at(0).at(0).extract<Poco::Int64>());
	CPPUNIT_ASSERT(_store->update("u-after", "ann", 1).ok());
	exec("DROP SEQUENCE orchd_query_seq");
}


void QuerySuite::testParametersMustMatch()
{
	const std::string between = "SELECT user_id FROM accounts WHERE balance BETWEEN :low AND :high";
	CPPUNIT_ASSERT_THROW(_store->select(between, {{"low", Poco::Int64(1)}}, 10), Poco::InvalidArgumentException);
	CPPUNIT_ASSERT_THROW(_store->select(between, {{"low", Poco::Int64(1)}, {"high", Poco::Int64(2)}, {"other", Poco::Int64(3)}}, 10), Poco::InvalidArgumentException);
	CPPUNIT_ASSERT_THROW(_store->select(between, {{"low", Poco::Int64(1)}, {"high", Poco::Dynamic::Var()}}, 10), Poco::InvalidArgumentException);
	CPPUNIT_ASSERT(refusal(*_store, "SELECT user_id FROM accounts WHERE balance < ?") != "accepted");
	CPPUNIT_ASSERT(refusal(*_store, "SELECT user_id FROM accounts WHERE balance < $1") != "accepted");
	if (_connector != "postgresql") CPPUNIT_ASSERT(contains(refusal(*_store, "SELECT user_id FROM accounts WHERE balance < ?"), "use :name parameters"));
	else CPPUNIT_ASSERT(contains(refusal(*_store, "SELECT user_id FROM accounts WHERE balance < $1"), "use :name parameters"));
	CPPUNIT_ASSERT(contains(refusal(*_store, "SELECT x FROM nowhere"), "nowhere"));
}


void QuerySuite::testOneStatementOnly()
{
	CPPUNIT_ASSERT(contains(refusal(*_store, "SELECT 1 AS one; DELETE FROM accounts"), "more than one statement"));
	CPPUNIT_ASSERT(contains(refusal(*_store, "SELECT 1 AS one;SELECT 2 AS two"), "more than one statement"));
	CPPUNIT_ASSERT_EQUAL(std::string("accepted"), refusal(*_store, "SELECT 1 AS one; -- done"));
	QueryRows rows = _store->select("SELECT 1 AS one;", {}, 10);
	CPPUNIT_ASSERT_EQUAL(Poco::Int64(1), rows.rows.at(0).at(0).extract<Poco::Int64>());
	CPPUNIT_ASSERT_EQUAL(Poco::Int64(12599), _store->totalBalance());
}


void QuerySuite::testBesideAnOpenBatch()
{
	// A batch's transaction is open with a change in it: a select neither
	// waits for it, nor sees it, nor disturbs its commit.
	const std::string balance = "SELECT balance FROM accounts WHERE user_id = :user";
	std::unique_ptr<AccountBatch> batch = _store->batch();
	CPPUNIT_ASSERT_EQUAL(Poco::Int64(600), batch->update("b-1", "ann", 100).balance);
	CPPUNIT_ASSERT_EQUAL(Poco::Int64(500), _store->select(balance, {{"user", std::string("ann")}}, 10).rows.at(0).at(0).extract<Poco::Int64>());
	CPPUNIT_ASSERT_EQUAL(Poco::Int64(700), batch->update("b-2", "ann", 100).balance);
	batch->commit();
	CPPUNIT_ASSERT_EQUAL(Poco::Int64(700), _store->select(balance, {{"user", std::string("ann")}}, 10).rows.at(0).at(0).extract<Poco::Int64>());
}


} } // namespace orchd::test

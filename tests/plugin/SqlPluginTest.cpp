//
// SqlPluginTest.cpp
//
// The shipped sql plugin against a real SQLite store: task types declared
// in settings answer rows as JSON, parameters are bound by name (a quote in
// a value is data, never SQL), statements that write are refused at start
// by the database's own judgement, and requests with missing, extra or
// mistyped fields are refused.
//


#include "TestSupport.h"
#include "plugin/PluginHost.h"
#include "plugin/TaskRunner.h"
#include "json/JsonObject.h"
#include "store/SqlAccountStore.h"
#include "Poco/AutoPtr.h"
#include "Poco/Exception.h"
#include "Poco/JSON/Array.h"
#include "Poco/Util/MapConfiguration.h"
#include <cppunit/extensions/HelperMacros.h>
#include <atomic>
#include <sstream>


using namespace orchd;
using namespace orchd::test;


class SqlPluginTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(SqlPluginTest);
	CPPUNIT_TEST(testLowBalances);
	CPPUNIT_TEST(testTextParameterIsNeverSpliced);
	CPPUNIT_TEST(testRowCap);
	CPPUNIT_TEST(testRequestFieldsChecked);
	CPPUNIT_TEST(testWritesRefusedAtStart);
	CPPUNIT_TEST(testParametersMustMatchDeclaration);
	CPPUNIT_TEST(testStorePrepareAndSelect);
	CPPUNIT_TEST(testShippedExample);
	CPPUNIT_TEST_SUITE_END();

public:
	void setUp() override
	{
		_dir = std::make_unique<TempDir>();
		StoreOptions options;
		options.connection = _dir->file("accounts.db");
		_store = std::make_unique<SqlAccountStore>(options);
		const std::pair<const char*, Poco::Int64> accounts[] = {{"ann", 500}, {"bob", 12000}, {"cid", 99}, {"dee", 100000}};
		for (const auto& account: accounts) _store->open(std::string("k-") + account.first, account.first, account.second);
		_config = new Poco::Util::MapConfiguration;
		_config->setString("plugin.sql.tasks", "LOW_BALANCES,BY_NAME,COUNT_OVER");
		_config->setString("plugin.sql.LOW_BALANCES.statement", "SELECT user_id, balance FROM accounts WHERE balance < :amount ORDER BY balance");
		_config->setString("plugin.sql.LOW_BALANCES.params", "amount:cents");
		_config->setString("plugin.sql.BY_NAME.statement", "SELECT user_id, balance FROM accounts WHERE user_id = :user");
		_config->setString("plugin.sql.BY_NAME.params", "user:text");
		_config->setString("plugin.sql.COUNT_OVER.statement", "SELECT COUNT(*) AS n FROM accounts WHERE balance > :cents");
		_config->setString("plugin.sql.COUNT_OVER.params", "cents:integer");
	}

	void tearDown() override
	{
		_runner.reset();
		_plugins.reset();
		_store.reset();
		_dir.reset();
	}

	void testLowBalances()
	{
		load();
		Poco::JSON::Object::Ptr result = run("{\"TASK\":\"LOW_BALANCES\",\"AMOUNT\":\"10.00\"}");
		CPPUNIT_ASSERT_EQUAL(std::string("OK"), result->getValue<std::string>("STATUS"));
		Poco::JSON::Array::Ptr rows = result->getArray("ROWS");
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), rows->size());
		CPPUNIT_ASSERT_EQUAL(std::string("cid"), rows->getObject(0)->getValue<std::string>("user_id"));
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(99), rows->getObject(0)->getValue<Poco::Int64>("balance"));
		CPPUNIT_ASSERT(rows->getObject(0)->get("balance").isInteger());
		CPPUNIT_ASSERT_EQUAL(std::string("ann"), rows->getObject(1)->getValue<std::string>("user_id"));
		CPPUNIT_ASSERT_EQUAL(2, result->getValue<int>("COUNT"));
		CPPUNIT_ASSERT(!result->getValue<bool>("TRUNCATED"));
		// A JSON number works as well (orchd's money parsing: 1.00 is 100 cents).
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), run("{\"TASK\":\"LOW_BALANCES\",\"AMOUNT\":1.00}")->getArray("ROWS")->size());
		CPPUNIT_ASSERT_EQUAL(1, run("{\"TASK\":\"COUNT_OVER\",\"CENTS\":12000}")->getArray("ROWS")->getObject(0)->getValue<int>("n"));
	}

	void testTextParameterIsNeverSpliced()
	{
		load();
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), run("{\"TASK\":\"BY_NAME\",\"USER\":\"bob\"}")->getArray("ROWS")->size());
		Poco::JSON::Object::Ptr result = run("{\"TASK\":\"BY_NAME\",\"USER\":\"x' OR '1'='1\"}");
		CPPUNIT_ASSERT_EQUAL(std::string("OK"), result->getValue<std::string>("STATUS"));
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), result->getArray("ROWS")->size());
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), run("{\"TASK\":\"BY_NAME\",\"USER\":\"bob; DELETE FROM accounts\"}")->getArray("ROWS")->size());
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(112599), _store->totalBalance());
	}

	void testRowCap()
	{
		_config->setString("plugin.sql.max_rows", "2");
		load();
		Poco::JSON::Object::Ptr result = run("{\"TASK\":\"LOW_BALANCES\",\"AMOUNT\":1000000}");
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), result->getArray("ROWS")->size());
		CPPUNIT_ASSERT(result->getValue<bool>("TRUNCATED"));
	}

	void testRequestFieldsChecked()
	{
		load();
		expectNok("{\"TASK\":\"LOW_BALANCES\"}", "Missing field: AMOUNT");
		expectNok("{\"TASK\":\"LOW_BALANCES\",\"AMOUNT\":\"1.005\"}", "Invalid amount");
		expectNok("{\"TASK\":\"LOW_BALANCES\",\"AMOUNT\":5,\"LIMIT\":1}", "Unknown field: LIMIT (LOW_BALANCES takes AMOUNT)");
		expectNok("{\"TASK\":\"COUNT_OVER\",\"CENTS\":\"12\"}", "Field CENTS must be an integer");
		expectNok("{\"TASK\":\"BY_NAME\",\"USER\":5}", "Field USER must be a string");
		// The master validates without a store, too.
		TaskRunner validator(*_plugins, nullptr, Poco::Logger::get("SqlPluginTest"));
		Poco::JSON::Object::Ptr refusal = validator.validate(*parse("{\"TASK\":\"LOW_BALANCES\"}"));
		CPPUNIT_ASSERT(refusal);
		CPPUNIT_ASSERT_EQUAL(std::string("Missing field: AMOUNT"), refusal->getValue<std::string>("ERROR"));
	}

	void testWritesRefusedAtStart()
	{
		const std::pair<const char*, const char*> cases[] = {
			{"WITH gone AS (SELECT 1) DELETE FROM accounts", "it writes (SQLite says it is not read-only)"},
			{"WITH x AS (SELECT 1) INSERT INTO accounts VALUES ('eve', 1)", "it writes"},
			{"SELECT 1; DELETE FROM accounts", "more than one statement"},
			{"SELECT x FROM nowhere", "SQLite cannot prepare it: no such table: nowhere"},
			{"SELECT user_id FROM accounts WHERE balance < ?", "parameter ?: use :name parameters"},
		};
		for (const auto& item: cases)
		{
			onlyTask(item.first);
			load(false);
			expectStartRefused(std::string("plugin.sql.T.statement: refused: ") + item.second);
		}
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(112599), _store->totalBalance());
	}

	void testParametersMustMatchDeclaration()
	{
		onlyTask("SELECT user_id FROM accounts WHERE balance < :amount");
		load(false);
		expectStartRefused("plugin.sql.T.statement: uses :amount, which plugin.sql.T.params does not declare");
		_config->setString("plugin.sql.T.params", "amount:cents, user:text");
		load(false);
		expectStartRefused("plugin.sql.T.params: declares user, which the statement does not use");
	}

	void testStorePrepareAndSelect()
	{
		// The store's interface itself: names in order of first use, once.
		std::vector<std::string> names = _store->prepare("SELECT user_id FROM accounts WHERE balance BETWEEN :low AND :high OR balance = :low");
		CPPUNIT_ASSERT(names == std::vector<std::string>({"low", "high"}));
		std::map<std::string, Poco::Dynamic::Var> values = {{"low", Poco::Int64(99)}, {"high", Poco::Int64(500)}};
		QueryRows rows = _store->select("SELECT user_id FROM accounts WHERE balance BETWEEN :low AND :high OR balance = :low ORDER BY user_id", values, 10);
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), rows.rows.size());
		CPPUNIT_ASSERT_EQUAL(std::string("user_id"), rows.columns.at(0));
		values.erase("high");
		CPPUNIT_ASSERT_THROW(_store->select("SELECT user_id FROM accounts WHERE balance BETWEEN :low AND :high", values, 10), Poco::InvalidArgumentException);
		values["other"] = 1;
		values["high"] = 1;
		CPPUNIT_ASSERT_THROW(_store->select("SELECT user_id FROM accounts WHERE balance BETWEEN :low AND :high", values, 10), Poco::InvalidArgumentException);
		CPPUNIT_ASSERT_THROW(_store->prepare("ATTACH DATABASE ':memory:' AS other"), Poco::InvalidArgumentException);
		CPPUNIT_ASSERT_THROW(_store->prepare("PRAGMA journal_mode"), Poco::InvalidArgumentException);
		CPPUNIT_ASSERT_THROW(_store->prepare("UPDATE accounts SET balance = 0"), Poco::InvalidArgumentException);
	}

	void testShippedExample()
	{
		// The commented plugin.sql.* lines of both shipped files, switched
		// on, are a valid LOW_BALANCES.
		for (const char* name: {"worker.properties", "master.properties"})
		{
			_config = new Poco::Util::MapConfiguration;
			std::istringstream text(readFile(sourceDir() + "/etc/" + name));
			for (std::string line; std::getline(text, line);)
			{
				if (line.compare(0, 12, "#plugin.sql.") != 0) continue;
				std::string::size_type eq = line.find(" = ");
				_config->setString(line.substr(1, eq - 1), line.substr(eq + 3));
			}
			load();
			Poco::JSON::Array::Ptr rows = run("{\"TASK\":\"LOW_BALANCES\",\"AMOUNT\":\"5.00\"}")->getArray("ROWS");
			CPPUNIT_ASSERT_EQUAL_MESSAGE(std::string(name), std::string("[{\"user_id\":\"cid\",\"balance\":99}]"), toText(Poco::Dynamic::Var(rows)));
		}
	}

private:
	void onlyTask(const std::string& statement)
		/// Settings with one task, T.
	{
		_config = new Poco::Util::MapConfiguration;
		_config->setString("plugin.sql.tasks", "T");
		_config->setString("plugin.sql.T.statement", statement);
	}

	void load(bool start = true)
	{
		_runner.reset();
		_plugins = std::make_unique<PluginHost>(Poco::Logger::get("SqlPluginTest"));
		_plugins->setConfiguration(*_config);
		CPPUNIT_ASSERT(_plugins->loadLibrary(pluginsDir() + "/libsql.so"));
		_plugins->checkSettings();
		if (start) _plugins->start(*_store);
		_runner = std::make_unique<TaskRunner>(*_plugins, _store.get(), Poco::Logger::get("SqlPluginTest"));
	}

	void expectStartRefused(const std::string& start)
	{
		try
		{
			_plugins->start(*_store);
			CPPUNIT_FAIL("started; expected: " + start);
		}
		catch (Poco::Exception& exc)
		{
			CPPUNIT_ASSERT_MESSAGE(exc.message(), exc.message().compare(0, start.size(), start) == 0);
		}
	}

	static Poco::JSON::Object::Ptr parse(const std::string& text)
	{
		return parseObject(text);
	}

	Poco::JSON::Object::Ptr run(const std::string& request)
	{
		std::atomic<bool> cancelled(false);
		return _runner->run(*parse(request), "t-1", 1, cancelled);
	}

	void expectNok(const std::string& request, const std::string& error)
	{
		Poco::JSON::Object::Ptr result = run(request);
		CPPUNIT_ASSERT_EQUAL(std::string("NOK"), result->getValue<std::string>("STATUS"));
		CPPUNIT_ASSERT_EQUAL_MESSAGE(result->getValue<std::string>("ERROR"), 0, result->getValue<std::string>("ERROR").compare(0, error.size(), error));
	}

	std::unique_ptr<TempDir> _dir;
	std::unique_ptr<SqlAccountStore> _store;
	Poco::AutoPtr<Poco::Util::MapConfiguration> _config;
	std::unique_ptr<PluginHost> _plugins;
	std::unique_ptr<TaskRunner> _runner;
};


CPPUNIT_TEST_SUITE_REGISTRATION(SqlPluginTest);

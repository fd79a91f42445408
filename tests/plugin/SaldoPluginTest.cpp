//
// SaldoPluginTest.cpp
//
// The shipped saldo and echo plugins, loaded by the real PluginHost and run
// through the TaskRunner against a real SQLite store.
//


#include "json/JsonObject.h"
#include "TestSupport.h"
#include "plugin/PluginHost.h"
#include "plugin/TaskRunner.h"
#include "store/SqlAccountStore.h"
#include "Poco/Exception.h"
#include <cppunit/extensions/HelperMacros.h>
#include <atomic>
#include <sstream>


using namespace orchd;
using namespace orchd::test;


class SaldoPluginTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(SaldoPluginTest);
	CPPUNIT_TEST(testPrototypeVocabulary);
	CPPUNIT_TEST(testUpdateAndInsufficientFunds);
	CPPUNIT_TEST(testTransfer);
	CPPUNIT_TEST(testClose);
	CPPUNIT_TEST(testIdempotencyKeyDefaultsToTaskId);
	CPPUNIT_TEST(testExplicitIdempotencyKey);
	CPPUNIT_TEST(testInvalidAmounts);
	CPPUNIT_TEST(testMissingAndWrongFields);
	CPPUNIT_TEST(testUnknownTask);
	CPPUNIT_TEST(testMalformedJson);
	CPPUNIT_TEST(testEcho);
	CPPUNIT_TEST(testQuickTasks);
	CPPUNIT_TEST_SUITE_END();

public:
	void setUp() override
	{
		_dir = std::make_unique<TempDir>();
		_plugins = std::make_unique<PluginHost>(Poco::Logger::get("SaldoPluginTest"));
		_plugins->loadFolder(pluginsDir());
		StoreOptions options;
		options.connection = _dir->file("accounts.db");
		_store = std::make_unique<SqlAccountStore>(options);
		_runner = std::make_unique<TaskRunner>(*_plugins, _store.get(), Poco::Logger::get("SaldoPluginTest"));
	}

	void tearDown() override
	{
		_runner.reset();
		_store.reset();
		_plugins.reset();
		_dir.reset();
	}

	void testPrototypeVocabulary()
	{
		Poco::JSON::Object::Ptr opened = run("{\"TASK\":\"OPEN\",\"USER\":\"alice\",\"AMOUNT\":99.99}");
		CPPUNIT_ASSERT_EQUAL(std::string("OK"), opened->getValue<std::string>("STATUS"));
		Poco::JSON::Object::Ptr result = run("{\"TASK\":\"QUERY\",\"USER\":\"alice\"}", "task-q");
		CPPUNIT_ASSERT_EQUAL(std::string("{\"SALDO\":99.99,\"SALDO_CENTS\":9999,\"STATUS\":\"OK\",\"TASK\":\"QUERY\",\"TASK_ID\":\"task-q\",\"USER\":\"alice\"}"), text(result));
		Poco::JSON::Object::Ptr missing = run("{\"TASK\":\"QUERY\",\"USER\":\"nobody\"}", "task-n");
		CPPUNIT_ASSERT_EQUAL(std::string("NOK"), missing->getValue<std::string>("STATUS"));
		CPPUNIT_ASSERT_EQUAL(std::string("QUERY"), missing->getValue<std::string>("TASK"));
		CPPUNIT_ASSERT_EQUAL(std::string("User not found"), missing->getValue<std::string>("ERROR"));
	}

	void testUpdateAndInsufficientFunds()
	{
		run("{\"TASK\":\"OPEN\",\"USER\":\"alice\",\"AMOUNT\":\"10.00\"}");
		Poco::JSON::Object::Ptr updated = run("{\"TASK\":\"UPDATE\",\"USER\":\"alice\",\"AMOUNT\":\"-2.50\"}");
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(750), updated->getValue<Poco::Int64>("SALDO_CENTS"));
		CPPUNIT_ASSERT_EQUAL(7.5, updated->getValue<double>("SALDO"));
		Poco::JSON::Object::Ptr refused = run("{\"TASK\":\"UPDATE\",\"USER\":\"alice\",\"AMOUNT\":-7.51}");
		CPPUNIT_ASSERT_EQUAL(std::string("Insufficient funds"), refused->getValue<std::string>("ERROR"));
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(750), _store->query("alice").balance);
	}

	void testTransfer()
	{
		run("{\"TASK\":\"OPEN\",\"USER\":\"alice\",\"AMOUNT\":100}");
		run("{\"TASK\":\"OPEN\",\"USER\":\"bob\"}");
		Poco::JSON::Object::Ptr moved = run("{\"TASK\":\"TRANSFER\",\"USER\":\"alice\",\"TO\":\"bob\",\"AMOUNT\":0.01}");
		CPPUNIT_ASSERT_EQUAL(std::string("OK"), moved->getValue<std::string>("STATUS"));
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(9999), moved->getValue<Poco::Int64>("SALDO_CENTS"));
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(1), moved->getValue<Poco::Int64>("TO_SALDO_CENTS"));
		Poco::JSON::Object::Ptr missing = run("{\"TASK\":\"TRANSFER\",\"USER\":\"alice\",\"TO\":\"carol\",\"AMOUNT\":1}");
		CPPUNIT_ASSERT_EQUAL(std::string("User not found"), missing->getValue<std::string>("ERROR"));
		CPPUNIT_ASSERT_EQUAL(std::string("carol"), missing->getValue<std::string>("MISSING"));
	}

	void testClose()
	{
		run("{\"TASK\":\"OPEN\",\"USER\":\"alice\",\"AMOUNT\":12.34}");
		const char* request = "{\"TASK\":\"CLOSE\",\"USER\":\"alice\",\"IDEMPOTENCY_KEY\":\"close-1\"}";
		Poco::JSON::Object::Ptr closed = run(request);
		CPPUNIT_ASSERT_EQUAL(std::string("OK"), closed->getValue<std::string>("STATUS"));
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(1234), closed->getValue<Poco::Int64>("SALDO_CENTS"));
		CPPUNIT_ASSERT_EQUAL(AccountResult::NOT_FOUND, _store->query("alice").outcome);
		CPPUNIT_ASSERT(run(request)->getValue<bool>("REPLAYED"));
		Poco::JSON::Object::Ptr missing = run("{\"TASK\":\"CLOSE\",\"USER\":\"alice\"}");
		CPPUNIT_ASSERT_EQUAL(std::string("User not found"), missing->getValue<std::string>("ERROR"));
		CPPUNIT_ASSERT_EQUAL(std::string("Missing field: USER"), run("{\"TASK\":\"CLOSE\"}")->getValue<std::string>("ERROR"));
	}

	void testIdempotencyKeyDefaultsToTaskId()
	{
		run("{\"TASK\":\"OPEN\",\"USER\":\"alice\",\"AMOUNT\":10}");
		// The same task id dispatched twice (a re-dispatch) pays once.
		Poco::JSON::Object::Ptr first = run("{\"TASK\":\"UPDATE\",\"USER\":\"alice\",\"AMOUNT\":5}", "task-77", 1);
		Poco::JSON::Object::Ptr second = run("{\"TASK\":\"UPDATE\",\"USER\":\"alice\",\"AMOUNT\":5}", "task-77", 2);
		CPPUNIT_ASSERT_EQUAL(first->getValue<Poco::Int64>("SALDO_CENTS"), second->getValue<Poco::Int64>("SALDO_CENTS"));
		CPPUNIT_ASSERT(second->getValue<bool>("REPLAYED"));
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(1500), _store->query("alice").balance);
	}

	void testExplicitIdempotencyKey()
	{
		run("{\"TASK\":\"OPEN\",\"USER\":\"alice\",\"AMOUNT\":10}");
		const char* request = "{\"TASK\":\"UPDATE\",\"USER\":\"alice\",\"AMOUNT\":5,\"IDEMPOTENCY_KEY\":\"pay-1\"}";
		run(request, "task-a");
		Poco::JSON::Object::Ptr again = run(request, "task-b");
		CPPUNIT_ASSERT(again->getValue<bool>("REPLAYED"));
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(1500), _store->query("alice").balance);
		Poco::JSON::Object::Ptr conflict = run("{\"TASK\":\"UPDATE\",\"USER\":\"alice\",\"AMOUNT\":6,\"IDEMPOTENCY_KEY\":\"pay-1\"}");
		CPPUNIT_ASSERT_EQUAL(std::string("Idempotency key reused with a different request"), conflict->getValue<std::string>("ERROR"));
		Poco::JSON::Object::Ptr badKey = run("{\"TASK\":\"UPDATE\",\"USER\":\"alice\",\"AMOUNT\":6,\"IDEMPOTENCY_KEY\":7}");
		CPPUNIT_ASSERT_EQUAL(std::string("Field IDEMPOTENCY_KEY must be a string"), badKey->getValue<std::string>("ERROR"));
	}

	void testInvalidAmounts()
	{
		run("{\"TASK\":\"OPEN\",\"USER\":\"alice\",\"AMOUNT\":10}");
		const char* amounts[] = {"1.234", "\"1.234\"", "1e309", "\"abc\"", "true", "null", "[1]", "90000000000000.01", "\"NaN\""};
		for (const char* amount: amounts)
		{
			std::string request = std::string("{\"TASK\":\"UPDATE\",\"USER\":\"alice\",\"AMOUNT\":") + amount + "}";
			Poco::JSON::Object::Ptr result;
			try
			{
				result = run(request);
			}
			catch (Poco::InvalidArgumentException&)
			{
				continue;  // 1e309 may already be refused by the JSON parser
			}
			std::string error = result->has("ERROR") ? result->getValue<std::string>("ERROR") : "";
			bool ok = error == "Invalid amount" || (error == "Missing field: AMOUNT" && std::string(amount) == "null");
			CPPUNIT_ASSERT_MESSAGE(request + " -> " + text(result), ok);
		}
		CPPUNIT_ASSERT_EQUAL(std::string("Invalid amount"), run("{\"TASK\":\"OPEN\",\"USER\":\"bob\",\"AMOUNT\":-1}")->getValue<std::string>("ERROR"));
		CPPUNIT_ASSERT_EQUAL(std::string("Invalid amount"), run("{\"TASK\":\"TRANSFER\",\"USER\":\"alice\",\"TO\":\"bob\",\"AMOUNT\":0}")->getValue<std::string>("ERROR"));
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(1000), _store->query("alice").balance);
	}

	void testMissingAndWrongFields()
	{
		CPPUNIT_ASSERT_EQUAL(std::string("Missing field: USER"), run("{\"TASK\":\"QUERY\"}")->getValue<std::string>("ERROR"));
		CPPUNIT_ASSERT_EQUAL(std::string("Field USER must be a string"), run("{\"TASK\":\"QUERY\",\"USER\":5}")->getValue<std::string>("ERROR"));
		CPPUNIT_ASSERT_EQUAL(std::string("Missing field: AMOUNT"), run("{\"TASK\":\"UPDATE\",\"USER\":\"a\"}")->getValue<std::string>("ERROR"));
		CPPUNIT_ASSERT_EQUAL(std::string("Missing field: TO"), run("{\"TASK\":\"TRANSFER\",\"USER\":\"a\",\"AMOUNT\":1}")->getValue<std::string>("ERROR"));
		CPPUNIT_ASSERT_EQUAL(std::string("Missing field: TASK"), run("{\"USER\":\"a\"}")->getValue<std::string>("ERROR"));
		CPPUNIT_ASSERT_EQUAL(std::string("Field TASK must be a non-empty string"), run("{\"TASK\":1}")->getValue<std::string>("ERROR"));
		std::string longName(200, 'x');
		CPPUNIT_ASSERT(run("{\"TASK\":\"QUERY\",\"USER\":\"" + longName + "\"}")->getValue<std::string>("ERROR").find("1 to 128") != std::string::npos);
	}

	void testUnknownTask()
	{
		Poco::JSON::Object::Ptr result = run("{\"TASK\":\"FROBNICATE\"}");
		CPPUNIT_ASSERT_EQUAL(std::string("Unknown task: FROBNICATE"), result->getValue<std::string>("ERROR"));
	}

	void testMalformedJson()
	{
		CPPUNIT_ASSERT_THROW(parseObject("{\"TASK\":"), Poco::InvalidArgumentException);
		CPPUNIT_ASSERT_THROW(parseObject("[1,2]"), Poco::InvalidArgumentException);
		CPPUNIT_ASSERT_THROW(parseObject(""), Poco::InvalidArgumentException);
		try
		{
			parseObject("[1,2]");
		}
		catch (Poco::InvalidArgumentException& exc)
		{
			CPPUNIT_ASSERT_EQUAL(std::string("Request must be a JSON object"), exc.message());
		}
	}

	void testEcho()
	{
		Poco::JSON::Object::Ptr result = run("{\"TASK\":\"ECHO\",\"PAYLOAD\":{\"k\":[1,2,3]}}", "e1");
		CPPUNIT_ASSERT_EQUAL(std::string("{\"PAYLOAD\":{\"k\":[1,2,3]},\"STATUS\":\"OK\",\"TASK\":\"ECHO\",\"TASK_ID\":\"e1\"}"), text(result));
		CPPUNIT_ASSERT_EQUAL(std::string("Field DELAY_MS must be 0 to 10000"), run("{\"TASK\":\"ECHO\",\"DELAY_MS\":10001}")->getValue<std::string>("ERROR"));
		CPPUNIT_ASSERT_EQUAL(std::string("Field DELAY_MS must be an integer"), run("{\"TASK\":\"ECHO\",\"DELAY_MS\":\"5\"}")->getValue<std::string>("ERROR"));
		CPPUNIT_ASSERT_EQUAL(std::string("OK"), run("{\"TASK\":\"ECHO\",\"DELAY_MS\":5}")->getValue<std::string>("STATUS"));
	}

private:
	Poco::JSON::Object::Ptr run(const std::string& json, const std::string& taskId = "", int attempt = 1)
	{
		std::string id = taskId.empty() ? "task-" + std::to_string(++_counter) : taskId;
		std::atomic<bool> cancelled(false);
		return _runner->run(*parseObject(json), id, attempt, cancelled);
	}

	static std::string text(const Poco::JSON::Object::Ptr& object)
	{
		std::ostringstream out;
		object->stringify(out);
		return out.str();
	}

	std::unique_ptr<TempDir> _dir;
	std::unique_ptr<PluginHost> _plugins;
	std::unique_ptr<SqlAccountStore> _store;
	std::unique_ptr<TaskRunner> _runner;
	int _counter = 0;

	void testQuickTasks()
	{
		// Which requests a worker may run on its connection thread.
		CPPUNIT_ASSERT(_runner->quick(*parseObject("{\"TASK\":\"ECHO\",\"PAYLOAD\":1}")));
		CPPUNIT_ASSERT(_runner->quick(*parseObject("{\"TASK\":\"ECHO\",\"DELAY_MS\":0}")));
		CPPUNIT_ASSERT(!_runner->quick(*parseObject("{\"TASK\":\"ECHO\",\"DELAY_MS\":5}")));
		CPPUNIT_ASSERT(!_runner->quick(*parseObject("{\"TASK\":\"ECHO\",\"DELAY_MS\":\"x\"}")));
		// Saldo tasks are a few statements: run there too, their store
		// operations in the burst's shared transaction.
		CPPUNIT_ASSERT(_runner->quick(*parseObject("{\"TASK\":\"QUERY\",\"USER\":\"a\"}")));
		CPPUNIT_ASSERT(_runner->quick(*parseObject("{\"TASK\":\"UPDATE\",\"USER\":\"a\",\"AMOUNT\":1}")));
		CPPUNIT_ASSERT(_runner->quick(*parseObject("{\"TASK\":\"TRANSFER\",\"USER\":\"a\",\"TO\":\"b\",\"AMOUNT\":1}")));
		// Unknown: answered at once with "Unknown task".
		CPPUNIT_ASSERT(_runner->quick(*parseObject("{\"TASK\":\"NOPE\"}")));
	}
};


CPPUNIT_TEST_SUITE_REGISTRATION(SaldoPluginTest);

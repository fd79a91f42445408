//
// OrchctlTest.cpp
//


#include "TestSupport.h"
#include <cppunit/extensions/HelperMacros.h>
#include <thread>


using namespace orchd::test;


class OrchctlTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(OrchctlTest);
	CPPUNIT_TEST(testAccountCommands);
	CPPUNIT_TEST(testNokExitsOne);
	CPPUNIT_TEST(testUsageErrors);
	CPPUNIT_TEST(testTasks);
	CPPUNIT_TEST(testConcurrentFirstOpen);
	CPPUNIT_TEST_SUITE_END();

public:
	void setUp() override
	{
		_dir = std::make_unique<TempDir>();
		_config = _dir->file("ctl.properties");
		writeFile(_config,
			"orchd.role = worker\n"
			"orchd.id = ctl\n"
			"plugins.dir = " + pluginsDir() + "\n"
			"store.connection = " + _dir->file("accounts.db") + "\n");
	}

	void tearDown() override
	{
		_dir.reset();
	}

	void testAccountCommands()
	{
		CPPUNIT_ASSERT_EQUAL(0, ctl({"open", "alice", "100.50"}).exitCode);
		CPPUNIT_ASSERT_EQUAL(0, ctl({"open", "bob"}).exitCode);
		CPPUNIT_ASSERT_EQUAL(0, ctl({"update", "alice", "--amount=-12.50"}).exitCode);
		CPPUNIT_ASSERT_EQUAL(0, ctl({"transfer", "alice", "bob", "8"}).exitCode);
		ProcessResult query = ctl({"query", "alice"});
		CPPUNIT_ASSERT_EQUAL(0, query.exitCode);
		CPPUNIT_ASSERT_MESSAGE(query.out, query.out.find("\"SALDO\":80") != std::string::npos);
		CPPUNIT_ASSERT_MESSAGE(query.out, query.out.find("\"SALDO_CENTS\":8000") != std::string::npos);
		ProcessResult echo = ctl({"submit", "{\"TASK\":\"ECHO\",\"PAYLOAD\":\"hi\"}"});
		CPPUNIT_ASSERT_EQUAL(0, echo.exitCode);
		CPPUNIT_ASSERT(echo.out.find("\"PAYLOAD\":\"hi\"") != std::string::npos);
	}

	void testNokExitsOne()
	{
		ProcessResult missing = ctl({"query", "nobody"});
		CPPUNIT_ASSERT_EQUAL(1, missing.exitCode);
		CPPUNIT_ASSERT(missing.out.find("User not found") != std::string::npos);
		ProcessResult bad = ctl({"open", "carol", "1.234"});
		CPPUNIT_ASSERT_EQUAL(1, bad.exitCode);
		CPPUNIT_ASSERT(bad.out.find("Invalid amount") != std::string::npos);
	}

	void testUsageErrors()
	{
		CPPUNIT_ASSERT_EQUAL(2, runProcess(orchctlBinary(), {"query", "x"}).exitCode);
		CPPUNIT_ASSERT_EQUAL(2, ctl({"frobnicate"}).exitCode);
		CPPUNIT_ASSERT_EQUAL(2, ctl({"query"}).exitCode);
		ProcessResult badJson = ctl({"submit", "{nope"});
		CPPUNIT_ASSERT_EQUAL(2, badJson.exitCode);
		CPPUNIT_ASSERT_MESSAGE(badJson.err, badJson.err.find("Malformed JSON") != std::string::npos);
	}

	void testTasks()
	{
		ProcessResult tasks = ctl({"tasks"});
		CPPUNIT_ASSERT_EQUAL(0, tasks.exitCode);
		for (const char* name: {"ECHO", "OPEN", "QUERY", "TRANSFER", "UPDATE"})
			CPPUNIT_ASSERT(tasks.out.find(name) != std::string::npos);
	}

	void testConcurrentFirstOpen()
	{
		// Processes that open a new database at the same moment race to
		// create its schema; none may fail with "database is locked".
		for (int round = 0; round < 5; ++round)
		{
			std::string db = _dir->file("fresh" + std::to_string(round) + ".db");
			std::vector<std::thread> threads;
			std::vector<ProcessResult> results(4);
			for (std::size_t i = 0; i < results.size(); ++i)
			{
				threads.emplace_back([&, i]
				{
					results[i] = runProcess(orchctlBinary(), {"--config=" + _config, "--define", "store.connection=" + db, "query", "nobody"});
				});
			}
			for (auto& thread: threads) thread.join();
			for (const auto& result: results)
			{
				CPPUNIT_ASSERT_EQUAL_MESSAGE(result.err, 1, result.exitCode);
				CPPUNIT_ASSERT_MESSAGE(result.out, result.out.find("User not found") != std::string::npos);
			}
		}
	}

private:
	ProcessResult ctl(std::vector<std::string> args)
	{
		args.insert(args.begin(), "--config=" + _config);
		return runProcess(orchctlBinary(), args);
	}

	std::unique_ptr<TempDir> _dir;
	std::string _config;
};


CPPUNIT_TEST_SUITE_REGISTRATION(OrchctlTest);

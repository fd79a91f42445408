//
// OrchctlTest.cpp
//


#include "TestSupport.h"
#include "json/JsonObject.h"
#include "Poco/JSON/Parser.h"
#include <cppunit/extensions/HelperMacros.h>
#include <csignal>
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
	CPPUNIT_TEST(testVersion);
	CPPUNIT_TEST(testHelp);
	CPPUNIT_TEST(testOptionForms);
	CPPUNIT_TEST(testRefusedOptionsAndCommands);
	CPPUNIT_TEST(testTasksAsJson);
	CPPUNIT_TEST(testMasterConventions);
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

	void testVersion()
	{
		ProcessResult ctlVersion = runProcess(orchctlBinary(), {"--version"});
		CPPUNIT_ASSERT_EQUAL(0, ctlVersion.exitCode);
		CPPUNIT_ASSERT_MESSAGE(ctlVersion.out, ctlVersion.out.rfind("orchctl " ORCHD_TEST_VERSION "\n", 0) == 0);
		ProcessResult daemonVersion = runProcess(orchdBinary(), {"--version"});
		CPPUNIT_ASSERT_EQUAL(0, daemonVersion.exitCode);
		CPPUNIT_ASSERT_MESSAGE(daemonVersion.out, daemonVersion.out.rfind("orchd " ORCHD_TEST_VERSION "\n", 0) == 0);
	}

	void testHelp()
	{
		ProcessResult all = runProcess(orchctlBinary(), {"help"});
		CPPUNIT_ASSERT_EQUAL(0, all.exitCode);
		for (const char* text: {"bench", "--timeout", "ORCHD_MASTER", "69"}) CPPUNIT_ASSERT_MESSAGE(text, all.out.find(text) != std::string::npos);
		CPPUNIT_ASSERT_EQUAL(all.out, runProcess(orchctlBinary(), {"--help"}).out);
		ProcessResult bench = runProcess(orchctlBinary(), {"help", "bench"});
		CPPUNIT_ASSERT_EQUAL(0, bench.exitCode);
		CPPUNIT_ASSERT_MESSAGE(bench.out, bench.out.find("--concurrency C") != std::string::npos);
		CPPUNIT_ASSERT_MESSAGE(bench.out, bench.out.find("--amount") == std::string::npos);
		CPPUNIT_ASSERT_EQUAL(bench.out, runProcess(orchctlBinary(), {"bench", "--help"}).out);
		ProcessResult unknown = runProcess(orchctlBinary(), {"help", "frobnicate"});
		CPPUNIT_ASSERT_EQUAL(2, unknown.exitCode);
		CPPUNIT_ASSERT_MESSAGE(unknown.err, unknown.err.find("unknown command 'frobnicate'") != std::string::npos);
	}

	void testOptionForms()
	{
		// --name value, --name=value and -n value are one option.
		CPPUNIT_ASSERT_EQUAL(0, runProcess(orchctlBinary(), {"--config", _config, "open", "dave", "5"}).exitCode);
		CPPUNIT_ASSERT_EQUAL(0, runProcess(orchctlBinary(), {"-c", _config, "update", "dave", "--amount", "-1.25"}).exitCode);
		ProcessResult query = runProcess(orchctlBinary(), {"query", "dave", "--config=" + _config, "-D", "worker.concurrency=2"});
		CPPUNIT_ASSERT_EQUAL_MESSAGE(query.err, 0, query.exitCode);
		CPPUNIT_ASSERT_MESSAGE(query.out, query.out.find("\"SALDO\":3.75") != std::string::npos);
	}

	void testRefusedOptionsAndCommands()
	{
		ProcessResult option = ctl({"--frobnicate", "query", "x"});
		CPPUNIT_ASSERT_EQUAL(2, option.exitCode);
		CPPUNIT_ASSERT_MESSAGE(option.err, option.err.find("unknown option --frobnicate") != std::string::npos);
		ProcessResult command = ctl({"frobnicate"});
		CPPUNIT_ASSERT_EQUAL(2, command.exitCode);
		CPPUNIT_ASSERT_MESSAGE(command.err, command.err.find("unknown command 'frobnicate'") != std::string::npos);
		CPPUNIT_ASSERT_EQUAL(2, ctl({"query", "x", "--tasks", "5"}).exitCode);
		CPPUNIT_ASSERT_EQUAL(2, ctl({"query", "x", "--json=yes"}).exitCode);
		CPPUNIT_ASSERT_EQUAL(2, ctl({"status"}).exitCode);
		CPPUNIT_ASSERT_EQUAL(2, runProcess(orchctlBinary(), {"--master", "127.0.0.1:1", "--config", _config, "query", "x"}).exitCode);
		CPPUNIT_ASSERT_EQUAL(2, runProcess(orchctlBinary(), {"--master", "127.0.0.1:1", "--timeout", "soon", "query", "x"}).exitCode);
		CPPUNIT_ASSERT_EQUAL(2, runProcess(orchctlBinary(), {"--master", "not an address", "query", "x"}).exitCode);
		CPPUNIT_ASSERT_EQUAL(2, runProcess(orchctlBinary(), {"--config", _dir->file("missing.properties"), "query", "x"}).exitCode);
	}

	void testTasksAsJson()
	{
		ProcessResult tasks = ctl({"tasks", "--json"});
		CPPUNIT_ASSERT_EQUAL(0, tasks.exitCode);
		Poco::JSON::Array::Ptr list = Poco::JSON::Parser().parse(tasks.out).extract<Poco::JSON::Array::Ptr>();
		CPPUNIT_ASSERT(list->size() >= 5);
		CPPUNIT_ASSERT(!list->getObject(0)->getValue<std::string>("DESCRIPTION").empty());
	}

	void testMasterConventions()
	{
		NodeProcess master(*_dir, "master", masterProperties("master-a"));
		master.start();
		Poco::UInt16 port = master.masterPort();
		NodeProcess worker(*_dir, "worker", workerProperties("a-rather-long-worker-name", "master-a@127.0.0.1:" + std::to_string(port), _dir->file("accounts.db")));
		worker.start();
		CPPUNIT_ASSERT(waitFor([&] { return workerCount(port) == 1; }));
		std::string dead = "127.0.0.1:" + std::to_string(freePort());
		std::string live = "127.0.0.1:" + std::to_string(port);

		// ORCHD_MASTER: the first master cannot be reached, the next is.
		ProcessResult open = withMasters(dead + "," + live, {"open", "erin", "10"});
		CPPUNIT_ASSERT_EQUAL_MESSAGE(open.err, 0, open.exitCode);
		CPPUNIT_ASSERT_MESSAGE(open.err, open.err.find("master " + dead + " unreachable") != std::string::npos);
		CPPUNIT_ASSERT_EQUAL(0, withMasters(live, {"--json", "query", "erin"}).exitCode);
		// --master wins over ORCHD_MASTER.
		CPPUNIT_ASSERT_EQUAL(0, withMasters(dead, {"--master", live, "query", "erin"}).exitCode);
		// A refusal, an unreachable master, a usage error: three codes.
		ProcessResult refused = withMasters(live, {"query", "nobody"});
		CPPUNIT_ASSERT_EQUAL(1, refused.exitCode);
		CPPUNIT_ASSERT_MESSAGE(refused.out, refused.out.find("User not found") != std::string::npos);
		ProcessResult unreachable = withMasters(dead, {"--timeout", "2", "query", "erin"});
		CPPUNIT_ASSERT_EQUAL(69, unreachable.exitCode);
		CPPUNIT_ASSERT_MESSAGE(unreachable.err, unreachable.err.find("no master reachable") != std::string::npos);
		CPPUNIT_ASSERT_EQUAL(69, withMasters(dead, {"status"}).exitCode);
		CPPUNIT_ASSERT_EQUAL(2, withMasters("", {"query", "erin"}).exitCode);

		// status: JSON, or tables whose columns fit the longest cell.
		ProcessResult json = withMasters(live, {"status", "--json"});
		CPPUNIT_ASSERT_EQUAL(0, json.exitCode);
		CPPUNIT_ASSERT_EQUAL(std::string("master-a"), orchd::parseObject(json.out)->getValue<std::string>("id"));
		ProcessResult table = withMasters(live, {"status"});
		CPPUNIT_ASSERT_EQUAL(0, table.exitCode);
		std::string header = lineStarting(table.out, "WORKER ");
		std::string row = lineStarting(table.out, "a-rather-long-worker-name ");
		CPPUNIT_ASSERT_MESSAGE(table.out, !header.empty() && !row.empty());
		CPPUNIT_ASSERT_EQUAL(std::string("a-rather-long-worker-name").size() + 2, header.find("ADDRESS"));
		CPPUNIT_ASSERT_EQUAL(header.find("ADDRESS"), row.find("127.0.0.1"));

		// bench --json: one JSON object on stdout; --report FILE as well.
		ProcessResult bench = withMasters(live, {"bench", "--tasks", "40", "--accounts", "2", "--json", "--report", _dir->file("report.json")});
		CPPUNIT_ASSERT_EQUAL_MESSAGE(bench.out + bench.err, 0, bench.exitCode);
		Poco::JSON::Object::Ptr figures = orchd::parseObject(bench.out);
		CPPUNIT_ASSERT_EQUAL(40, figures->getValue<int>("answered"));
		CPPUNIT_ASSERT(figures->getValue<bool>("balance_ok"));
		CPPUNIT_ASSERT_EQUAL(bench.out, readFile(_dir->file("report.json")));
		// Its accounts are closed after the check, unless --keep-accounts.
		CPPUNIT_ASSERT_EQUAL(2, figures->getValue<int>("accounts_closed"));
		std::string first = figures->getValue<std::string>("accounts").substr(0, figures->getValue<std::string>("accounts").find(".."));
		CPPUNIT_ASSERT_EQUAL(1, withMasters(live, {"query", first}).exitCode);
		ProcessResult kept = withMasters(live, {"bench", "--tasks", "10", "--accounts", "2", "--json", "--keep-accounts"});
		CPPUNIT_ASSERT_EQUAL_MESSAGE(kept.out + kept.err, 0, kept.exitCode);
		Poco::JSON::Object::Ptr keptFigures = orchd::parseObject(kept.out);
		CPPUNIT_ASSERT_EQUAL(0, keptFigures->getValue<int>("accounts_closed"));
		std::string keptFirst = keptFigures->getValue<std::string>("accounts").substr(0, keptFigures->getValue<std::string>("accounts").find(".."));
		CPPUNIT_ASSERT_EQUAL(0, withMasters(live, {"query", keptFirst}).exitCode);

		CPPUNIT_ASSERT_EQUAL(0, worker.stop(SIGTERM));
		CPPUNIT_ASSERT_EQUAL(0, master.stop(SIGTERM));
	}

private:
	static ProcessResult withMasters(const std::string& masters, std::vector<std::string> args)
		/// orchctl with ORCHD_MASTER set to masters (unset if empty).
	{
		args.insert(args.begin(), orchctlBinary());
		args.insert(args.begin(), masters.empty() ? "-u" : "ORCHD_MASTER=" + masters);
		if (masters.empty()) args.insert(args.begin() + 1, "ORCHD_MASTER");
		return runProcess("/usr/bin/env", args);
	}

	static std::string lineStarting(const std::string& text, const std::string& start)
	{
		for (std::string::size_type at = 0; at < text.size();)
		{
			std::string::size_type end = text.find('\n', at);
			std::string line = text.substr(at, end == std::string::npos ? std::string::npos : end - at);
			if (line.rfind(start, 0) == 0) return line;
			at = end == std::string::npos ? text.size() : end + 1;
		}
		return "";
	}

	ProcessResult ctl(std::vector<std::string> args)
	{
		args.insert(args.begin(), "--config=" + _config);
		return runProcess(orchctlBinary(), args);
	}

	std::unique_ptr<TempDir> _dir;
	std::string _config;
};


CPPUNIT_TEST_SUITE_REGISTRATION(OrchctlTest);

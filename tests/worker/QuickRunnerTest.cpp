//
// QuickRunnerTest.cpp
//
// The quick tasks of several links run in-process by one QuickRunner on a
// real SQLite store, with the shipped saldo and echo plugins: each link
// gets its own results, the store operations are committed together before
// any result is reported, and a failed group commit blames only the task
// at fault.
//


#include "worker/QuickRunner.h"
#include "worker/FakeQuickLink.h"
#include "json/JsonObject.h"
#include "json/JsonScan.h"
#include "plugin/PluginHost.h"
#include "plugin/TaskRunner.h"
#include "store/SqlAccountStore.h"
#include "TestSupport.h"
#include "store/SqliteFile.h"
#include "Poco/Data/Session.h"
#include <cppunit/extensions/HelperMacros.h>
#include <atomic>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>


using namespace orchd;
using namespace orchd::test;


namespace {


std::string field(const std::string& text, const std::string& name)
{
	return parseObject(text)->getValue<std::string>(name);
}


} // namespace


class QuickRunnerTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(QuickRunnerTest);
	CPPUNIT_TEST(testEachLinkGetsItsResultsAfterOneCommit);
	CPPUNIT_TEST(testCommittedBeforeReported);
	CPPUNIT_TEST(testAnotherLinksTasksRunInTheNextRound);
	CPPUNIT_TEST(testFailedGroupCommitBlamesOnlyTheTaskAtFault);
	CPPUNIT_TEST(testWithoutStore);
	CPPUNIT_TEST_SUITE_END();

public:
	void setUp() override
	{
		_dir = std::make_unique<TempDir>();
		_plugins = std::make_unique<PluginHost>(Poco::Logger::get("QuickRunnerTest"));
		_plugins->loadFolder(pluginsDir());
		StoreOptions options;
		options.connection = _dir->file("accounts.db");
		_store = std::make_unique<SqlAccountStore>(options);
		_runner = std::make_unique<TaskRunner>(*_plugins, _store.get(), Poco::Logger::get("QuickRunnerTest"));
		_store->open("o1", "alice", 0);
		_store->open("o2", "dave", 0);
	}

	void tearDown() override
	{
		_runner.reset();
		_store.reset();
		_plugins.reset();
		_dir.reset();
	}

	void testEachLinkGetsItsResultsAfterOneCommit()
	{
		QuickRunner quick(_store.get(), 100, Poco::Logger::get("QuickRunnerTest"));
		FakeLink a(*_runner);
		FakeLink b(*_runner);
		std::vector<Poco::Int64> seen;
		auto look = [&](const std::vector<std::string>&) { seen.push_back(committedBalance("alice")); };
		a.onReport = look;
		b.onReport = look;
		std::vector<QuickRunner::Job> jobs{
			job(a, "{\"TASK\":\"UPDATE\",\"USER\":\"alice\",\"AMOUNT\":1}", "t1"),
			job(b, "{\"TASK\":\"UPDATE\",\"USER\":\"alice\",\"AMOUNT\":2}", "t2"),
			job(a, "{\"TASK\":\"ECHO\",\"PAYLOAD\":\"x\"}", "t3"),
			job(b, "{\"TASK\":\"QUERY\",\"USER\":\"alice\"}", "t4")};
		quick.run(jobs);
		CPPUNIT_ASSERT(jobs.empty());
		CPPUNIT_ASSERT(!quick.waiting());
		// One report per link, its own results in the order run.
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), a.reports.size());
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), b.reports.size());
		std::vector<std::string> ofA = a.all();
		std::vector<std::string> ofB = b.all();
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), ofA.size());
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), ofB.size());
		CPPUNIT_ASSERT_EQUAL(std::string("t1"), field(ofA[0], "TASK_ID"));
		CPPUNIT_ASSERT_EQUAL(std::string("t3"), field(ofA[1], "TASK_ID"));
		CPPUNIT_ASSERT_EQUAL(std::string("t2"), field(ofB[0], "TASK_ID"));
		CPPUNIT_ASSERT_EQUAL(std::string("t4"), field(ofB[1], "TASK_ID"));
		for (const auto& text: a.all()) CPPUNIT_ASSERT_EQUAL_MESSAGE(text, std::string("OK"), field(text, "STATUS"));
		// The query read through the open transaction: both updates.
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(300), parseObject(ofB[1])->getValue<Poco::Int64>("SALDO_CENTS"));
		CPPUNIT_ASSERT_EQUAL(1, parseObject(ofB[1])->getValue<int>("ATTEMPT"));
		// Both links' updates were committed, together, before either
		// link saw a result.
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), seen.size());
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(300), seen[0]);
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(300), seen[1]);
	}

	void testCommittedBeforeReported()
	{
		// A commit every two store tasks; each commit reports what it holds.
		QuickRunner quick(_store.get(), 2, Poco::Logger::get("QuickRunnerTest"));
		FakeLink a(*_runner);
		std::vector<Poco::Int64> seen;
		a.onReport = [&](const std::vector<std::string>& results)
			{
				seen.push_back(committedBalance("alice"));
				// And each result reported says what is committed.
				CPPUNIT_ASSERT_EQUAL(seen.back(), parseObject(results.back())->getValue<Poco::Int64>("SALDO_CENTS"));
			};
		std::vector<QuickRunner::Job> jobs;
		for (int i = 1; i <= 5; ++i) jobs.push_back(job(a, "{\"TASK\":\"UPDATE\",\"USER\":\"alice\",\"AMOUNT\":0.01}", "u" + std::to_string(i)));
		quick.run(jobs);
		CPPUNIT_ASSERT_EQUAL(std::size_t(3), a.reports.size());
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), a.reports[0].size());
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), a.reports[1].size());
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), a.reports[2].size());
		CPPUNIT_ASSERT(seen == std::vector<Poco::Int64>({2, 4, 5}));
	}

	void testAnotherLinksTasksRunInTheNextRound()
	{
		QuickRunner quick(_store.get(), 100, Poco::Logger::get("QuickRunnerTest"));
		FakeLink a(*_runner);
		FakeLink b(*_runner);
		std::thread::id main = std::this_thread::get_id();
		// While a's thread runs a round, b's thread brings tasks: it queues
		// them and goes back to reading at once.
		a.beforeRun = [&]
			{
				std::thread other([&]
					{
						std::vector<QuickRunner::Job> jobs{job(b, "{\"TASK\":\"UPDATE\",\"USER\":\"dave\",\"AMOUNT\":5}", "b1")};
						quick.run(jobs);
					});
				other.join();
			};
		std::vector<QuickRunner::Job> jobs{job(a, "{\"TASK\":\"UPDATE\",\"USER\":\"alice\",\"AMOUNT\":1}", "a1")};
		quick.run(jobs);
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), a.reports.size());
		CPPUNIT_ASSERT(b.reports.empty());
		CPPUNIT_ASSERT(b.ranOn.empty());
		CPPUNIT_ASSERT(quick.waiting());
		// The next link to come by runs them, on its own thread, and b
		// gets the results.
		std::vector<QuickRunner::Job> none;
		quick.run(none);
		CPPUNIT_ASSERT(!quick.waiting());
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), b.ranOn.size());
		CPPUNIT_ASSERT(b.ranOn[0] == main);
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), b.reports.size());
		CPPUNIT_ASSERT_EQUAL(std::string("b1"), field(b.all()[0], "TASK_ID"));
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(500), committedBalance("dave"));
	}

	void testFailedGroupCommitBlamesOnlyTheTaskAtFault()
	{
		// A deferred foreign key that an update of dave breaks: only the
		// COMMIT fails, after every operation succeeded.
		execute("CREATE TABLE parent (id TEXT PRIMARY KEY)");
		execute("CREATE TABLE child (pid TEXT REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED)");
		execute("CREATE TRIGGER orphan AFTER UPDATE ON accounts WHEN NEW.user_id = 'dave' BEGIN INSERT INTO child VALUES ('missing'); END");
		QuickRunner quick(_store.get(), 100, Poco::Logger::get("QuickRunnerTest"));
		FakeLink a(*_runner);
		FakeLink b(*_runner);
		std::vector<Poco::Int64> seen;
		a.onReport = [&](const std::vector<std::string>&) { seen.push_back(committedBalance("alice")); };
		std::vector<QuickRunner::Job> jobs{
			job(a, "{\"TASK\":\"UPDATE\",\"USER\":\"alice\",\"AMOUNT\":1}", "a1"),
			job(b, "{\"TASK\":\"UPDATE\",\"USER\":\"dave\",\"AMOUNT\":1}", "d1"),
			job(a, "{\"TASK\":\"UPDATE\",\"USER\":\"alice\",\"AMOUNT\":2}", "a2")};
		quick.run(jobs);
		std::vector<std::string> ofA = a.all();
		std::vector<std::string> ofB = b.all();
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), ofA.size());
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), ofB.size());
		for (const auto& text: ofA) CPPUNIT_ASSERT_EQUAL_MESSAGE(text, std::string("OK"), field(text, "STATUS"));
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(300), parseObject(ofA[1])->getValue<Poco::Int64>("SALDO_CENTS"));
		CPPUNIT_ASSERT_EQUAL_MESSAGE(ofB[0], std::string("NOK"), field(ofB[0], "STATUS"));
		std::string error = field(ofB[0], "ERROR");
		CPPUNIT_ASSERT_MESSAGE(error, error.rfind("the store could not commit: ", 0) == 0);
		CPPUNIT_ASSERT_MESSAGE(error, error.find("FOREIGN KEY") != std::string::npos);
		CPPUNIT_ASSERT_EQUAL(std::string("d1"), field(ofB[0], "TASK_ID"));
		CPPUNIT_ASSERT_EQUAL(1, parseObject(ofB[0])->getValue<int>("ATTEMPT"));
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(300), committedBalance("alice"));
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(0), committedBalance("dave"));
		CPPUNIT_ASSERT(seen == std::vector<Poco::Int64>({300}));
	}

	void testWithoutStore()
	{
		QuickRunner quick(nullptr, 100, Poco::Logger::get("QuickRunnerTest"));
		FakeLink a(*_runner);
		std::vector<QuickRunner::Job> jobs{
			job(a, "{\"TASK\":\"ECHO\",\"PAYLOAD\":1}", "e1"),
			job(a, "{\"TASK\":\"NOPE\"}", "e2")};
		quick.run(jobs, true);
		std::vector<std::string> results = a.all();
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), results.size());
		CPPUNIT_ASSERT_EQUAL(std::string("OK"), field(results[0], "STATUS"));
		CPPUNIT_ASSERT_EQUAL(std::string("Unknown task: NOPE"), field(results[1], "ERROR"));
	}

private:
	static QuickRunner::Job job(FakeLink& link, const std::string& request, const std::string& taskId)
	{
		Poco::JSON::Object::Ptr object = parseObject(request);
		return QuickRunner::Job{&link, object, object->getValue<std::string>("TASK"), taskId, 1};
	}

	Poco::Int64 committedBalance(const std::string& user)
		/// Read on a connection of its own: only what is committed.
	{
		return orchd::test::committedBalance(_dir->file("accounts.db"), user);
	}

	void execute(const std::string& sql)
	{
		orchd::test::executeOn(_dir->file("accounts.db"), sql);
	}

	std::unique_ptr<TempDir> _dir;
	std::unique_ptr<PluginHost> _plugins;
	std::unique_ptr<SqlAccountStore> _store;
	std::unique_ptr<TaskRunner> _runner;
};


CPPUNIT_TEST_SUITE_REGISTRATION(QuickRunnerTest);

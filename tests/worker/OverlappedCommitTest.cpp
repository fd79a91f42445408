//
// OverlappedCommitTest.cpp
//
// The QuickRunner on a networked store (the PostgreSQL and MariaDB test
// servers) hands a group's COMMIT to its committer thread and runs the next
// round on its other batch meanwhile. Checked here: the next round really
// runs before the last group is reported; rounds that share accounts apply
// every update exactly once; the tasks of a group whose commit failed
// run again each on its own, in a later round, where only the one at fault
// answers NOK; and a COMMIT sent by one thread is awaited by another.
//


#include "worker/QuickRunner.h"
#include "worker/FakeQuickLink.h"
#include "json/JsonObject.h"
#include "plugin/PluginHost.h"
#include "plugin/TaskRunner.h"
#include "store/NetSchema.h"
#include "store/TestDatabases.h"
#include "TestSupport.h"
#include <cppunit/extensions/HelperMacros.h>
#include <chrono>
#include <condition_variable>
#include <thread>


using namespace orchd;
using namespace orchd::test;


class OverlappedCommitTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(OverlappedCommitTest);
	CPPUNIT_TEST(testNextRoundRunsBeforeTheLastIsReported);
	CPPUNIT_TEST(testRoundsOnSharedAccountsApplyEveryUpdateOnce);
	CPPUNIT_TEST(testSameKeyInTheNextRoundReplays);
	CPPUNIT_TEST(testFailedCommitRunsAloneInALaterRound);
	CPPUNIT_TEST(testRowLockWaitsAreShort);
	CPPUNIT_TEST(testCommitSentByOneThreadIsAwaitedByAnother);
	CPPUNIT_TEST_SUITE_END_ABSTRACT();

public:
	explicit OverlappedCommitTest(const std::string& connector): _connector(connector)
	{
	}

	void setUp() override
	{
		NetSchema::drop(*testConnection(_connector));
		_store = AccountDatabase::connect(testStoreOptions(_connector));
		_plugins = std::make_unique<PluginHost>(Poco::Logger::get("OverlappedCommitTest"));
		_plugins->loadFolder(pluginsDir());
		_runner = std::make_unique<TaskRunner>(*_plugins, _store.get(), Poco::Logger::get("OverlappedCommitTest"));
		for (const char* user: {"alice", "bob", "dave"}) _store->open(std::string("o-") + user, user, 0);
	}

	void tearDown() override
	{
		_runner.reset();
		_plugins.reset();
		_store.reset();
	}

	void testNextRoundRunsBeforeTheLastIsReported()
	{
		QuickRunner quick(_store.get(), 100, Poco::Logger::get("OverlappedCommitTest"));
		FakeLink a(*_runner);
		FakeLink b(*_runner);
		std::mutex mutex;
		std::condition_variable changed;
		bool secondRan = false;
		bool firstWaited = false;
		// The first group's report (on the committer's thread) waits for
		// the second round to run. Were the commit done by the running
		// thread, the second round could not start before it: the wait
		// would time out.
		a.onReport = [&](const std::vector<std::string>&)
			{
				std::unique_lock<std::mutex> lock(mutex);
				firstWaited = changed.wait_for(lock, std::chrono::seconds(5), [&] { return secondRan; });
			};
		b.beforeRun = [&]
			{
				std::lock_guard<std::mutex> lock(mutex);
				secondRan = true;
				changed.notify_all();
			};
		std::vector<QuickRunner::Job> first{job(a, "{\"TASK\":\"UPDATE\",\"USER\":\"alice\",\"AMOUNT\":1}", "a1")};
		quick.run(first);
		std::vector<QuickRunner::Job> second{job(b, "{\"TASK\":\"UPDATE\",\"USER\":\"bob\",\"AMOUNT\":2}", "b1")};
		quick.run(second, true);
		CPPUNIT_ASSERT(firstWaited);
		CPPUNIT_ASSERT_EQUAL(std::string("OK"), field(a.all().at(0), "STATUS"));
		CPPUNIT_ASSERT_EQUAL(std::string("OK"), field(b.all().at(0), "STATUS"));
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(100), balance("alice"));
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(200), balance("bob"));
	}

	void testRoundsOnSharedAccountsApplyEveryUpdateOnce()
	{
		// Two links, each with bursts of updates over the same three
		// accounts: a round's reads wait for the last group's COMMIT and
		// must see it, or an update is lost.
		QuickRunner quick(_store.get(), 8, Poco::Logger::get("OverlappedCommitTest"));
		FakeLink a(*_runner);
		FakeLink b(*_runner);
		const char* users[] = {"alice", "bob", "dave"};
		auto bursts = [&](FakeLink& link, const std::string& prefix)
			{
				for (int burst = 0; burst < 20; ++burst)
				{
					std::vector<QuickRunner::Job> jobs;
					for (int i = 0; i < 10; ++i)
					{
						int n = burst * 10 + i;
						jobs.push_back(job(link, std::string("{\"TASK\":\"UPDATE\",\"USER\":\"") + users[n % 3] + "\",\"AMOUNT\":0.01,\"IDEMPOTENCY_KEY\":\"" + prefix + std::to_string(n) + "\"}", prefix + std::to_string(n)));
					}
					quick.run(jobs);
				}
				std::vector<QuickRunner::Job> none;
				quick.run(none, true);
			};
		std::thread other([&] { bursts(b, "b"); });
		bursts(a, "a");
		other.join();
		std::vector<QuickRunner::Job> none;
		quick.run(none, true);
		std::vector<std::string> results = a.all();
		std::vector<std::string> ofB = b.all();
		results.insert(results.end(), ofB.begin(), ofB.end());
		CPPUNIT_ASSERT_EQUAL(std::size_t(400), results.size());
		for (const auto& text: results) CPPUNIT_ASSERT_EQUAL_MESSAGE(text, std::string("OK"), field(text, "STATUS"));
		// 400 updates of one cent: each link's 200 go 67/67/66 by account.
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(134), balance("alice"));
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(134), balance("bob"));
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(132), balance("dave"));
	}

	void testSameKeyInTheNextRoundReplays()
	{
		// The second round may read before the first group's COMMIT: its
		// key check must not apply the update a second time.
		QuickRunner quick(_store.get(), 100, Poco::Logger::get("OverlappedCommitTest"));
		FakeLink a(*_runner);
		const std::string update = "{\"TASK\":\"UPDATE\",\"USER\":\"alice\",\"AMOUNT\":1,\"IDEMPOTENCY_KEY\":\"k1\"}";
		for (int round = 0; round < 5; ++round)
		{
			std::vector<QuickRunner::Job> jobs{job(a, update, "t" + std::to_string(round))};
			quick.run(jobs);
		}
		std::vector<QuickRunner::Job> none;
		quick.run(none, true);
		std::vector<std::string> results = a.all();
		CPPUNIT_ASSERT_EQUAL(std::size_t(5), results.size());
		int replayed = 0;
		for (const auto& text: results)
		{
			CPPUNIT_ASSERT_EQUAL_MESSAGE(text, std::string("OK"), field(text, "STATUS"));
			CPPUNIT_ASSERT_EQUAL_MESSAGE(text, Poco::Int64(100), parseObject(text)->getValue<Poco::Int64>("SALDO_CENTS"));
			if (parseObject(text)->optValue<bool>("REPLAYED", false)) ++replayed;
		}
		CPPUNIT_ASSERT_EQUAL(4, replayed);
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(100), balance("alice"));
	}

	void testFailedCommitRunsAloneInALaterRound()
	{
		refuseDave();
		QuickRunner quick(_store.get(), 100, Poco::Logger::get("OverlappedCommitTest"));
		FakeLink a(*_runner);
		FakeLink b(*_runner);
		std::vector<QuickRunner::Job> jobs{
			job(a, "{\"TASK\":\"UPDATE\",\"USER\":\"alice\",\"AMOUNT\":1}", "a1"),
			job(b, "{\"TASK\":\"UPDATE\",\"USER\":\"dave\",\"AMOUNT\":1}", "d1"),
			job(a, "{\"TASK\":\"UPDATE\",\"USER\":\"alice\",\"AMOUNT\":2}", "a2")};
		quick.run(jobs, true);
		std::vector<std::string> ofA = a.all();
		std::vector<std::string> ofB = b.all();
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), ofA.size());
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), ofB.size());
		// Each alone: a's two results came in two reports.
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), a.reports.size());
		for (const auto& text: ofA) CPPUNIT_ASSERT_EQUAL_MESSAGE(text, std::string("OK"), field(text, "STATUS"));
		CPPUNIT_ASSERT_EQUAL_MESSAGE(ofB[0], std::string("NOK"), field(ofB[0], "STATUS"));
		std::string error = field(ofB[0], "ERROR");
		CPPUNIT_ASSERT_MESSAGE(error, error.rfind("the store could not commit: ", 0) == 0);
		CPPUNIT_ASSERT_MESSAGE(error, error.find("dave is refused") != std::string::npos);
		CPPUNIT_ASSERT_EQUAL(std::string("d1"), field(ofB[0], "TASK_ID"));
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(300), balance("alice"));
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(0), balance("dave"));
	}

	void testCommitSentByOneThreadIsAwaitedByAnother()
	{
		// The runner sends a group's COMMIT itself (sendCommit()) and the
		// committer's thread waits for the answer (commit()). A batch
		// dropped in between still ends its transaction, and its
		// connection goes back to the pool fit for the next batch.
		std::unique_ptr<AccountBatch> batch = _store->batch();
		CPPUNIT_ASSERT_EQUAL(AccountResult::OK, batch->update("k1", "alice", 5).outcome);
		batch->sendCommit();
		std::thread committer([&batch] { batch->commit(); });
		committer.join();
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(5), balance("alice"));
		CPPUNIT_ASSERT_EQUAL(AccountResult::OK, batch->update("k2", "alice", 7).outcome);
		batch->sendCommit();
		batch.reset();
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(12), balance("alice"));
		for (int i = 0; i < 3; ++i)
		{
			std::unique_ptr<AccountBatch> next = _store->batch();
			CPPUNIT_ASSERT_EQUAL(AccountResult::OK, next->update("n" + std::to_string(i), "bob", 1).outcome);
			next->commit();
			CPPUNIT_ASSERT_EQUAL(Poco::Int64(12), next->query("alice").balance);
		}
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(3), balance("bob"));
	}

	void testRowLockWaitsAreShort()
	{
		// A committing group can wait on a row the next round (the same
		// process, another connection) holds, which the database cannot
		// see as a deadlock: the store's sessions give up soon and retry.
		std::unique_ptr<NetStatements> connection = testConnection(_connector);
		if (_connector == "postgresql")
			CPPUNIT_ASSERT_EQUAL(std::string("50ms"), connection->query("SHOW lock_timeout").at(0).at(0));
		else
			CPPUNIT_ASSERT_EQUAL(std::string("1"), connection->query("SELECT @@SESSION.innodb_lock_wait_timeout").at(0).at(0));
	}

private:
	static QuickRunner::Job job(FakeLink& link, const std::string& request, const std::string& taskId)
	{
		Poco::JSON::Object::Ptr object = parseObject(request);
		return QuickRunner::Job{&link, object, object->getValue<std::string>("TASK"), taskId, 1};
	}

	static std::string field(const std::string& text, const std::string& name)
	{
		return parseObject(text)->getValue<std::string>(name);
	}

	Poco::Int64 balance(const std::string& user)
		/// Read on a connection of its own: only what is committed.
	{
		NetStatements::Rows rows = testConnection(_connector)->query("SELECT balance FROM accounts WHERE user_id = '" + user + "'");
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), rows.size());
		return std::stoll(rows[0][0]);
	}

	void refuseDave()
		/// A trigger that fails any change of dave's balance. The group's
		/// writes reach the database at its COMMIT, so the commit fails.
	{
		std::unique_ptr<NetStatements> connection = testConnection(_connector);
		if (_connector == "postgresql")
		{
			connection->query("CREATE OR REPLACE FUNCTION orchd_test_refuse_dave() RETURNS trigger AS $$ BEGIN "
				"IF NEW.user_id = 'dave' THEN RAISE EXCEPTION 'dave is refused'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql");
			connection->query("CREATE TRIGGER refuse_dave BEFORE UPDATE ON accounts FOR EACH ROW EXECUTE FUNCTION orchd_test_refuse_dave()");
		}
		else
		{
			connection->query("CREATE TRIGGER refuse_dave BEFORE UPDATE ON accounts FOR EACH ROW BEGIN "
				"IF NEW.user_id = 'dave' THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'dave is refused'; END IF; END");
		}
	}

	std::string _connector;
	std::unique_ptr<AccountDatabase> _store;
	std::unique_ptr<PluginHost> _plugins;
	std::unique_ptr<TaskRunner> _runner;
};


class PostgresOverlapTest: public OverlappedCommitTest
{
	CPPUNIT_TEST_SUB_SUITE(PostgresOverlapTest, OverlappedCommitTest);
	CPPUNIT_TEST_SUITE_END();

public:
	PostgresOverlapTest(): OverlappedCommitTest("postgresql")
	{
	}
};


class MariaOverlapTest: public OverlappedCommitTest
{
	CPPUNIT_TEST_SUB_SUITE(MariaOverlapTest, OverlappedCommitTest);
	CPPUNIT_TEST_SUITE_END();

public:
	MariaOverlapTest(): OverlappedCommitTest("mariadb")
	{
	}
};


CPPUNIT_TEST_SUITE_REGISTRATION(PostgresOverlapTest);
CPPUNIT_TEST_SUITE_REGISTRATION(MariaOverlapTest);
ORCHD_TEST_SKIP_UNLESS(PostgresOverlapTest, postgresMissing)
ORCHD_TEST_SKIP_UNLESS(MariaOverlapTest, mariaMissing)

//
// WriterThreadTest.cpp
//
// The writer thread's group commit, driven in-process on a real SQLite
// file: callers on threads of their own, the shared transaction held by
// the test to make the writer thread gather what they queue.
//


#include "TestSupport.h"
#include "store/SqliteFile.h"
#include "store/AccountRules.h"
#include "store/SessionPool.h"
#include "store/SharedTransaction.h"
#include "store/SqlAccountStore.h"
#include "store/StoreSchema.h"
#include "store/WriterThread.h"
#include "Poco/Data/DataException.h"
#include "Poco/Data/Session.h"
#include "Poco/Exception.h"
#include "Poco/Thread.h"
#include <cppunit/extensions/HelperMacros.h>
#include <functional>
#include <memory>
#include <thread>
#include <vector>


using orchd::AccountResult;
using orchd::AccountRules;
using orchd::SharedTransaction;
using orchd::WriterThread;
using namespace orchd::test;
using namespace Poco::Data::Keywords;


namespace {


const std::string ALICE("alice");
const std::string BOB("bob");
const std::string CAROL("carol");


} // namespace


class WriterThreadTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(WriterThreadTest);
	CPPUNIT_TEST(testAppliesAndCommitsBeforeAnswering);
	CPPUNIT_TEST(testGroupCommitFailsOnlyTheOperationAtFault);
	CPPUNIT_TEST(testFailedCommitRetriedOnePerTransaction);
	CPPUNIT_TEST(testNoLockFailsTheOperation);
	CPPUNIT_TEST(testCommitsWhatABatchLeftOpen);
	CPPUNIT_TEST(testPrunesOldKeys);
	CPPUNIT_TEST_SUITE_END();

public:
	void setUp() override
	{
		orchd::SqlAccountStore::registerConnectors();
		_dir = std::make_unique<TempDir>();
		_pool = std::make_unique<orchd::SessionPool>(file(), 2, 50, false);
		orchd::StoreSchema::create(*_pool, file(), 50);
		_session = std::make_unique<Poco::Data::Session>("SQLite", file());
		_pool->configure(*_session);
		_shared = std::make_unique<SharedTransaction>(*_session);
		for (const char* user: {"alice", "bob", "carol"}) execute(std::string("INSERT INTO accounts VALUES ('") + user + "', 1000)");
	}

	void tearDown() override
	{
		stopWriter();
		_shared.reset();
		_session.reset();
		_pool->shutdown();
		_pool.reset();
		_dir.reset();
	}

	void testAppliesAndCommitsBeforeAnswering()
	{
		startWriter();
		AccountResult result = _writer->apply("u1", AccountRules::update(ALICE, -1));
		CPPUNIT_ASSERT(result.ok());
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(999), result.balance);
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(999), committedBalance("alice"));
		CPPUNIT_ASSERT(_writer->apply("u1", AccountRules::update(ALICE, -1)).replayed);
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(999), committedBalance("alice"));
	}

	void testGroupCommitFailsOnlyTheOperationAtFault()
	{
		// Fails after the transfer wrote alice's balance.
		execute("CREATE TRIGGER frozen BEFORE UPDATE ON accounts WHEN NEW.user_id = 'bob' BEGIN SELECT RAISE(ABORT, 'bob is frozen'); END");
		startWriter();
		std::vector<Outcome> outcomes = runTogether({
			[this] { return _writer->apply("u1", AccountRules::update(CAROL, 5)); },
			[this] { return _writer->apply("t1", AccountRules::transfer(ALICE, BOB, 100)); },
			[this] { return _writer->apply("u2", AccountRules::update(CAROL, 5)); }});
		CPPUNIT_ASSERT_MESSAGE(outcomes[0].error, outcomes[0].error.empty() && outcomes[0].result.ok());
		CPPUNIT_ASSERT_MESSAGE(outcomes[1].error, outcomes[1].error.find("bob is frozen") != std::string::npos);
		CPPUNIT_ASSERT_MESSAGE(outcomes[2].error, outcomes[2].error.empty() && outcomes[2].result.ok());
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(1010), committedBalance("carol"));
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(1000), committedBalance("alice"));
	}

	void testFailedCommitRetriedOnePerTransaction()
	{
		// A deferred foreign key that an update of bob breaks: only the
		// COMMIT fails, after every operation succeeded.
		execute("CREATE TABLE parent (id TEXT PRIMARY KEY)");
		execute("CREATE TABLE child (pid TEXT REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED)");
		execute("CREATE TRIGGER orphan AFTER UPDATE ON accounts WHEN NEW.user_id = 'bob' BEGIN INSERT INTO child VALUES ('missing'); END");
		startWriter();
		std::vector<Outcome> outcomes = runTogether({
			[this] { return _writer->apply("u1", AccountRules::update(CAROL, 5)); },
			[this] { return _writer->apply("u2", AccountRules::update(BOB, 5)); },
			[this] { return _writer->apply("u3", AccountRules::update(ALICE, 5)); }});
		CPPUNIT_ASSERT_MESSAGE(outcomes[0].error, outcomes[0].error.empty());
		CPPUNIT_ASSERT_MESSAGE(outcomes[1].error, outcomes[1].error.find("FOREIGN KEY") != std::string::npos);
		CPPUNIT_ASSERT_MESSAGE(outcomes[2].error, outcomes[2].error.empty());
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(1005), committedBalance("carol"));
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(1000), committedBalance("bob"));
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(1005), committedBalance("alice"));
	}

	void testNoLockFailsTheOperation()
	{
		startWriter();
		{
			Poco::Data::Session other("SQLite", file());
			other << "BEGIN IMMEDIATE", now;
			CPPUNIT_ASSERT_THROW(_writer->apply("u1", AccountRules::update(ALICE, 1)), Poco::Data::DataException);
			other << "ROLLBACK", now;
		}
		// Nothing of it was applied or recorded.
		AccountResult retried = _writer->apply("u1", AccountRules::update(ALICE, 1));
		CPPUNIT_ASSERT(retried.ok() && !retried.replayed);
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(1001), committedBalance("alice"));
	}

	void testCommitsWhatABatchLeftOpen()
	{
		startWriter();
		std::vector<Poco::UInt64> joined;
		_shared->apply("b1", AccountRules::update(ALICE, 1), joined);
		// Within about a second, with nothing queued.
		CPPUNIT_ASSERT(waitFor([this] { return committedBalance("alice") == 1001; }, Poco::Timespan(3, 0)));
		std::vector<std::string> failures;
		_shared->commit(joined, failures);
		CPPUNIT_ASSERT(failures.at(0).empty());
	}

	void testPrunesOldKeys()
	{
		startWriter(720);
		_writer->pruneKeys();
		_writer->apply("fresh", AccountRules::update(ALICE, 1));
		execute("INSERT INTO orchd_idempotency VALUES ('old', 'x', 0, 0, 0, '', 0)");
		CPPUNIT_ASSERT_EQUAL(1, _writer->pruneKeys());
		CPPUNIT_ASSERT(_writer->apply("fresh", AccountRules::update(ALICE, 1)).replayed);
		stopWriter();
		// 0 keeps them forever.
		startWriter(0);
		execute("INSERT INTO orchd_idempotency VALUES ('old', 'x', 0, 0, 0, '', 0)");
		CPPUNIT_ASSERT_EQUAL(0, _writer->pruneKeys());
	}

private:
	struct Outcome
	{
		AccountResult result;
		std::string error;  // what apply() threw, if it did
	};

	std::vector<Outcome> runTogether(const std::vector<std::function<AccountResult()>>& calls)
		/// Runs each call on a thread of its own while the test holds the
		/// writer, so that the writer thread takes them as one batch (a
		/// thread slower than the pause only makes a batch of its own).
	{
		std::vector<Outcome> outcomes(calls.size());
		std::vector<std::thread> threads;
		{
			SharedTransaction::Exclusive hold(*_shared);
			for (std::size_t i = 0; i < calls.size(); ++i)
			{
				threads.emplace_back([&calls, &outcomes, i]
				{
					try
					{
						outcomes[i].result = calls[i]();
					}
					catch (Poco::Exception& exc)
					{
						outcomes[i].error = exc.displayText();
					}
				});
			}
			Poco::Thread::sleep(200);
		}
		for (std::thread& thread: threads) thread.join();
		return outcomes;
	}

	std::string file() const
	{
		return _dir->file("accounts.db");
	}

	void startWriter(int keyRetentionHours = 0)
	{
		_writer = std::make_unique<WriterThread>(*_pool, *_session, *_shared, keyRetentionHours);
	}

	void stopWriter()
	{
		if (!_writer) return;
		_writer->stop();
		_shared->commit();
		_writer.reset();
	}

	Poco::Int64 committedBalance(const std::string& user)
		/// Read on a connection of its own: only what is committed.
	{
		return orchd::test::committedBalance(file(), user);
	}

	void execute(const std::string& sql)
	{
		orchd::test::executeOn(file(), sql);
	}

	std::unique_ptr<TempDir> _dir;
	std::unique_ptr<orchd::SessionPool> _pool;
	std::unique_ptr<Poco::Data::Session> _session;
	std::unique_ptr<SharedTransaction> _shared;
	std::unique_ptr<WriterThread> _writer;
};


CPPUNIT_TEST_SUITE_REGISTRATION(WriterThreadTest);

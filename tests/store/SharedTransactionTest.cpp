//
// SharedTransactionTest.cpp
//
// The transaction the store's batches share, driven in-process through
// StoreBatch and the writer thread's side of it, on a real SQLite file:
// no pool of readers, no writer thread.
//


#include "TestSupport.h"
#include "store/SqliteFile.h"
#include "store/SessionPool.h"
#include "store/SharedTransaction.h"
#include "store/SqlAccountStore.h"
#include "store/StoreBatch.h"
#include "store/StoreSchema.h"
#include "Poco/Data/DataException.h"
#include "Poco/Data/Session.h"
#include "Poco/Exception.h"
#include <cppunit/extensions/HelperMacros.h>
#include <memory>


using orchd::AccountResult;
using orchd::SharedTransaction;
using orchd::StoreBatch;
using namespace orchd::test;
using namespace Poco::Data::Keywords;


namespace {


class CountingReads: public orchd::AccountStore
	/// Where a batch's queries go while no transaction is open.
{
public:
	AccountResult open(const std::string&, const std::string&, Poco::Int64) override
	{
		throw Poco::NotImplementedException("open");
	}

	AccountResult query(const std::string&) override
	{
		++queries;
		AccountResult result;
		result.balance = -7;
		return result;
	}

	AccountResult update(const std::string&, const std::string&, Poco::Int64) override
	{
		throw Poco::NotImplementedException("update");
	}

	AccountResult transfer(const std::string&, const std::string&, const std::string&, Poco::Int64) override
	{
		throw Poco::NotImplementedException("transfer");
	}

	AccountResult close(const std::string&, const std::string&) override
	{
		throw Poco::NotImplementedException("close");
	}

	int queries = 0;
};


} // namespace


class SharedTransactionTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(SharedTransactionTest);
	CPPUNIT_TEST(testBatchesShareOneTransaction);
	CPPUNIT_TEST(testCommitLeavesAnotherBatchsTransactionOpen);
	CPPUNIT_TEST(testQueryReadsThroughTheOpenTransaction);
	CPPUNIT_TEST(testFailedOperationIsUndoneAlone);
	CPPUNIT_TEST(testNoTransactionJoinsNothing);
	CPPUNIT_TEST(testFailedCommitReachesOnlyItsGeneration);
	CPPUNIT_TEST(testWriterSideCommitsFirst);
	CPPUNIT_TEST(testDestructorCommits);
	CPPUNIT_TEST(testFailuresRememberedAreBounded);
	CPPUNIT_TEST_SUITE_END();

public:
	void setUp() override
	{
		orchd::SqlAccountStore::registerConnectors();
		_dir = std::make_unique<TempDir>();
		// A short busy timeout: testNoTransactionJoinsNothing waits it out.
		_pool = std::make_unique<orchd::SessionPool>(file(), 2, 50, false);
		orchd::StoreSchema::create(*_pool, file(), 50);
		_session = std::make_unique<Poco::Data::Session>("SQLite", file());
		_pool->configure(*_session);
		_shared = std::make_unique<SharedTransaction>(*_session);
		for (const char* user: {"alice", "dave"}) execute(std::string("INSERT INTO accounts VALUES ('") + user + "', 0)");
	}

	void tearDown() override
	{
		_shared->commit();
		_shared.reset();
		_session.reset();
		_pool->shutdown();
		_pool.reset();
		_dir.reset();
	}

	void testBatchesShareOneTransaction()
	{
		StoreBatch a(*_shared, _reads);
		StoreBatch b(*_shared, _reads);
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(1), a.update("a1", "alice", 1).balance);
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(3), b.update("b1", "alice", 2).balance);
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(0), committedBalance("alice"));
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), a.pending());
		a.commit();
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(3), committedBalance("alice"));
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), a.pending());
		CPPUNIT_ASSERT(a.failure(0).empty());
		b.commit();  // went along with a's
		CPPUNIT_ASSERT(b.failure(0).empty());
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(3), committedBalance("alice"));
		// Each operation recorded its own key.
		CPPUNIT_ASSERT(b.update("a1", "alice", 1).replayed);
		b.commit();
	}

	void testCommitLeavesAnotherBatchsTransactionOpen()
	{
		StoreBatch a(*_shared, _reads);
		StoreBatch b(*_shared, _reads);
		a.update("a1", "alice", 1);
		_shared->commit();
		b.update("b1", "alice", 2);
		// a's operation is in a committed transaction: its commit() must
		// not commit b's before b says so.
		a.commit();
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(1), committedBalance("alice"));
		b.commit();
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(3), committedBalance("alice"));
	}

	void testQueryReadsThroughTheOpenTransaction()
	{
		StoreBatch batch(*_shared, _reads);
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(-7), batch.query("alice").balance);
		CPPUNIT_ASSERT_EQUAL(1, _reads.queries);
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), batch.pending());
		batch.update("a1", "alice", 5);
		// Sees what is not committed yet, so it waits for the same commit.
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(5), batch.query("alice").balance);
		AccountResult missing = batch.query("nobody");
		CPPUNIT_ASSERT_EQUAL(AccountResult::NOT_FOUND, missing.outcome);
		CPPUNIT_ASSERT_EQUAL(std::string("nobody"), missing.missing);
		CPPUNIT_ASSERT_EQUAL(1, _reads.queries);
		CPPUNIT_ASSERT_EQUAL(std::size_t(3), batch.pending());
		batch.commit();
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(-7), batch.query("alice").balance);
		CPPUNIT_ASSERT_EQUAL(2, _reads.queries);
	}

	void testFailedOperationIsUndoneAlone()
	{
		execute("UPDATE accounts SET balance = 1000 WHERE user_id = 'alice'");
		execute("INSERT INTO accounts VALUES ('bob', 0)");
		// Fails after the transfer wrote alice's balance.
		execute("CREATE TRIGGER frozen BEFORE UPDATE ON accounts WHEN NEW.user_id = 'bob' BEGIN SELECT RAISE(ABORT, 'bob is frozen'); END");
		StoreBatch batch(*_shared, _reads);
		CPPUNIT_ASSERT(batch.update("u1", "dave", 5).ok());
		CPPUNIT_ASSERT_THROW(batch.transfer("t1", "alice", "bob", 100), Poco::Exception);
		CPPUNIT_ASSERT(batch.update("u2", "dave", 5).ok());
		// The failed one joined too: the caller counts operations by index.
		CPPUNIT_ASSERT_EQUAL(std::size_t(3), batch.pending());
		batch.commit();
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(1000), committedBalance("alice"));
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(10), committedBalance("dave"));
		// Its key was not recorded: once bob thaws, it applies.
		execute("DROP TRIGGER frozen");
		AccountResult retried = batch.transfer("t1", "alice", "bob", 100);
		CPPUNIT_ASSERT(retried.ok() && !retried.replayed);
		batch.commit();
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(900), committedBalance("alice"));
	}

	void testNoTransactionJoinsNothing()
	{
		StoreBatch batch(*_shared, _reads);
		{
			Poco::Data::Session other("SQLite", file());
			other << "BEGIN IMMEDIATE", now;
			CPPUNIT_ASSERT_THROW(batch.update("u1", "alice", 1), Poco::Data::DataException);
			CPPUNIT_ASSERT_EQUAL(std::size_t(0), batch.pending());
			other << "ROLLBACK", now;
		}
		CPPUNIT_ASSERT(batch.update("u1", "alice", 1).ok());
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), batch.pending());
		batch.commit();
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(1), committedBalance("alice"));
	}

	void testFailedCommitReachesOnlyItsGeneration()
	{
		breakCommitsThatUpdateDave();
		StoreBatch a(*_shared, _reads);
		StoreBatch b(*_shared, _reads);
		a.update("a1", "alice", 1);
		b.update("b1", "dave", 1);
		try
		{
			a.commit();
			CPPUNIT_FAIL("a failed commit went unreported");
		}
		catch (Poco::Data::DataException& exc)
		{
			CPPUNIT_ASSERT_MESSAGE(exc.displayText(), exc.displayText().find("the store could not commit") != std::string::npos);
			CPPUNIT_ASSERT_MESSAGE(exc.displayText(), exc.displayText().find("FOREIGN KEY") != std::string::npos);
		}
		CPPUNIT_ASSERT_MESSAGE(a.failure(0), a.failure(0).find("FOREIGN KEY") != std::string::npos);
		CPPUNIT_ASSERT_THROW(b.commit(), Poco::Data::DataException);
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(0), committedBalance("alice"));
		// One generation committed (by the writer's side), the next failed:
		// only the operation in the second is lost.
		a.update("a2", "alice", 1);
		_shared->commit();
		a.update("a3", "dave", 1);
		CPPUNIT_ASSERT_THROW(a.commit(), Poco::Data::DataException);
		CPPUNIT_ASSERT(a.failure(0).empty());
		CPPUNIT_ASSERT(!a.failure(1).empty());
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(1), committedBalance("alice"));
		// Nothing of a failed commit was recorded, and the next one works.
		CPPUNIT_ASSERT(!a.update("a1", "alice", 1).replayed);
		a.commit();
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(2), committedBalance("alice"));
	}

	void testWriterSideCommitsFirst()
	{
		StoreBatch batch(*_shared, _reads);
		batch.update("a1", "alice", 1);
		{
			SharedTransaction::Exclusive exclusive(*_shared);
			CPPUNIT_ASSERT(!exclusive.writer().inTransaction());
			CPPUNIT_ASSERT_EQUAL(Poco::Int64(1), committedBalance("alice"));
		}
		batch.commit();  // nothing left
		// A commit that fails on the writer's side reaches the batch.
		breakCommitsThatUpdateDave();
		batch.update("d1", "dave", 1);
		_shared->commit();
		CPPUNIT_ASSERT_THROW(batch.commit(), Poco::Data::DataException);
		CPPUNIT_ASSERT(batch.failure(0).find("FOREIGN KEY") != std::string::npos);
	}

	void testDestructorCommits()
	{
		{
			StoreBatch batch(*_shared, _reads);
			batch.update("a1", "alice", 4);
		}
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(4), committedBalance("alice"));
	}

	void testFailuresRememberedAreBounded()
	{
		breakCommitsThatUpdateDave();
		StoreBatch committed(*_shared, _reads);
		StoreBatch oldest(*_shared, _reads);
		StoreBatch kept(*_shared, _reads);
		StoreBatch other(*_shared, _reads);
		committed.update("c", "alice", 1);
		_shared->commit();
		oldest.update("o", "dave", 1);
		_shared->commit();
		kept.update("k", "dave", 1);
		_shared->commit();
		for (std::size_t i = 2; i < SharedTransaction::MAX_FAILED + 1; ++i)
		{
			other.update("x" + std::to_string(i), "dave", 1);
			_shared->commit();
		}
		// MAX_FAILED + 1 failed: the first is forgotten, the next remembered.
		// What is as old as a forgotten failure has no known outcome, and
		// unknown counts as failed, whether it committed or not.
		CPPUNIT_ASSERT_THROW(oldest.commit(), Poco::Data::DataException);
		CPPUNIT_ASSERT_MESSAGE(oldest.failure(0), oldest.failure(0).find("no longer known") != std::string::npos);
		CPPUNIT_ASSERT_THROW(committed.commit(), Poco::Data::DataException);
		CPPUNIT_ASSERT_MESSAGE(committed.failure(0), committed.failure(0).find("no longer known") != std::string::npos);
		CPPUNIT_ASSERT_THROW(kept.commit(), Poco::Data::DataException);
		CPPUNIT_ASSERT_MESSAGE(kept.failure(0), kept.failure(0).find("FOREIGN KEY") != std::string::npos);
		CPPUNIT_ASSERT_THROW(other.commit(), Poco::Data::DataException);
		// Newer transactions are known again.
		StoreBatch fresh(*_shared, _reads);
		fresh.update("f", "alice", 1);
		CPPUNIT_ASSERT_NO_THROW(fresh.commit());
		CPPUNIT_ASSERT(fresh.failure(0).empty());
	}

private:
	std::string file() const
	{
		return _dir->file("accounts.db");
	}

	void breakCommitsThatUpdateDave()
		/// A deferred foreign key that an update of dave breaks: only the
		/// COMMIT fails, after every operation succeeded.
	{
		execute("CREATE TABLE parent (id TEXT PRIMARY KEY)");
		execute("CREATE TABLE child (pid TEXT REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED)");
		execute("CREATE TRIGGER orphan AFTER UPDATE ON accounts WHEN NEW.user_id = 'dave' BEGIN INSERT INTO child VALUES ('missing'); END");
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
	CountingReads _reads;
};


CPPUNIT_TEST_SUITE_REGISTRATION(SharedTransactionTest);

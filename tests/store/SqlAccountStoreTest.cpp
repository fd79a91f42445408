//
// SqlAccountStoreTest.cpp
//


#include "TestSupport.h"
#include "store/SqliteFile.h"
#include "orchd/Money.h"
#include "store/SqlAccountStore.h"
#include "Poco/Data/DataException.h"
#include "Poco/Data/Session.h"
#include "Poco/Exception.h"
#include <cppunit/extensions/HelperMacros.h>


using orchd::AccountResult;
using orchd::SqlAccountStore;
using orchd::StoreOptions;
using namespace orchd::test;


class SqlAccountStoreTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(SqlAccountStoreTest);
	CPPUNIT_TEST(testOpenAndQuery);
	CPPUNIT_TEST(testQueryUnknownUser);
	CPPUNIT_TEST(testOpenTwice);
	CPPUNIT_TEST(testUpdate);
	CPPUNIT_TEST(testUpdateRefusesOverdraft);
	CPPUNIT_TEST(testUpdateRefusesBeyondLimit);
	CPPUNIT_TEST(testTransfer);
	CPPUNIT_TEST(testTransferRefusals);
	CPPUNIT_TEST(testPersistsAcrossReopen);
	CPPUNIT_TEST(testSchemaVersionRecorded);
	CPPUNIT_TEST(testRefusesNewerSchema);
	CPPUNIT_TEST(testRefusesUnknownConnector);
	CPPUNIT_TEST(testBatchesShareOneCommit);
	CPPUNIT_TEST(testBatchOperationFailsAlone);
	CPPUNIT_TEST(testBatchCommitFailureReachesEveryBatchInIt);
	CPPUNIT_TEST(testWriterThreadCommitsTheSharedTransaction);
	CPPUNIT_TEST_SUITE_END();

public:
	void setUp() override
	{
		_dir = std::make_unique<TempDir>();
		_store = std::make_unique<SqlAccountStore>(options());
	}

	void tearDown() override
	{
		_store.reset();
		_dir.reset();
	}

	void testOpenAndQuery()
	{
		AccountResult opened = _store->open("k1", "alice", 9999);
		CPPUNIT_ASSERT(opened.ok());
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(9999), opened.balance);
		AccountResult read = _store->query("alice");
		CPPUNIT_ASSERT(read.ok());
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(9999), read.balance);
	}

	void testQueryUnknownUser()
	{
		AccountResult read = _store->query("nobody");
		CPPUNIT_ASSERT_EQUAL(AccountResult::NOT_FOUND, read.outcome);
		CPPUNIT_ASSERT_EQUAL(std::string("User not found"), std::string(orchd::outcomeText(read.outcome)));
	}

	void testOpenTwice()
	{
		CPPUNIT_ASSERT(_store->open("k1", "alice", 100).ok());
		AccountResult again = _store->open("k2", "alice", 500);
		CPPUNIT_ASSERT_EQUAL(AccountResult::ALREADY_EXISTS, again.outcome);
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(100), _store->query("alice").balance);
	}

	void testUpdate()
	{
		_store->open("k1", "alice", 1000);
		AccountResult credited = _store->update("k2", "alice", 250);
		CPPUNIT_ASSERT(credited.ok());
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(1250), credited.balance);
		AccountResult debited = _store->update("k3", "alice", -1250);
		CPPUNIT_ASSERT(debited.ok());
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(0), debited.balance);
		CPPUNIT_ASSERT_EQUAL(AccountResult::NOT_FOUND, _store->update("k4", "bob", 1).outcome);
	}

	void testUpdateRefusesOverdraft()
	{
		_store->open("k1", "alice", 1000);
		AccountResult refused = _store->update("k2", "alice", -1001);
		CPPUNIT_ASSERT_EQUAL(AccountResult::INSUFFICIENT_FUNDS, refused.outcome);
		CPPUNIT_ASSERT_EQUAL(std::string("Insufficient funds"), std::string(orchd::outcomeText(refused.outcome)));
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(1000), _store->query("alice").balance);
	}

	void testUpdateRefusesBeyondLimit()
	{
		_store->open("k1", "alice", orchd::Money::MAX_CENTS - 10);
		CPPUNIT_ASSERT_EQUAL(AccountResult::LIMIT_EXCEEDED, _store->update("k2", "alice", 11).outcome);
		CPPUNIT_ASSERT(_store->update("k3", "alice", 10).ok());
		CPPUNIT_ASSERT_THROW(_store->update("k4", "alice", orchd::Money::MAX_CENTS + 1), Poco::InvalidArgumentException);
		CPPUNIT_ASSERT_THROW(_store->open("k5", "bob", -1), Poco::InvalidArgumentException);
	}

	void testTransfer()
	{
		_store->open("k1", "alice", 1000);
		_store->open("k2", "bob", 50);
		AccountResult moved = _store->transfer("k3", "alice", "bob", 300);
		CPPUNIT_ASSERT(moved.ok());
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(700), moved.balance);
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(350), moved.toBalance);
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(700), _store->query("alice").balance);
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(350), _store->query("bob").balance);
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(1050), _store->totalBalance());
	}

	void testTransferRefusals()
	{
		_store->open("k1", "alice", 1000);
		_store->open("k2", "bob", 0);
		CPPUNIT_ASSERT_EQUAL(AccountResult::INSUFFICIENT_FUNDS, _store->transfer("k3", "alice", "bob", 1001).outcome);
		AccountResult missing = _store->transfer("k4", "alice", "carol", 1);
		CPPUNIT_ASSERT_EQUAL(AccountResult::NOT_FOUND, missing.outcome);
		CPPUNIT_ASSERT_EQUAL(std::string("carol"), missing.missing);
		CPPUNIT_ASSERT_EQUAL(AccountResult::NOT_FOUND, _store->transfer("k5", "carol", "alice", 1).outcome);
		CPPUNIT_ASSERT_EQUAL(AccountResult::SAME_ACCOUNT, _store->transfer("k6", "alice", "alice", 1).outcome);
		CPPUNIT_ASSERT_THROW(_store->transfer("k7", "alice", "bob", 0), Poco::InvalidArgumentException);
		CPPUNIT_ASSERT_THROW(_store->transfer("k8", "alice", "bob", -5), Poco::InvalidArgumentException);
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(1000), _store->query("alice").balance);
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(0), _store->query("bob").balance);
	}

	void testPersistsAcrossReopen()
	{
		_store->open("k1", "alice", 4242);
		_store.reset();
		_store = std::make_unique<SqlAccountStore>(options());
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(4242), _store->query("alice").balance);
	}

	void testSchemaVersionRecorded()
	{
		Poco::Data::Session session("SQLite", _dir->file("accounts.db"));
		int version = 0;
		session << "SELECT version FROM orchd_schema", Poco::Data::Keywords::into(version), Poco::Data::Keywords::now;
		CPPUNIT_ASSERT_EQUAL(SqlAccountStore::SCHEMA_VERSION, version);
	}

	void testRefusesNewerSchema()
	{
		_store.reset();
		{
			Poco::Data::Session session("SQLite", _dir->file("accounts.db"));
			session << "UPDATE orchd_schema SET version = 99", Poco::Data::Keywords::now;
		}
		try
		{
			SqlAccountStore store(options());
			CPPUNIT_FAIL("a newer schema was accepted");
		}
		catch (Poco::Data::DataException& exc)
		{
			CPPUNIT_ASSERT(exc.displayText().find("schema version 99 is newer") != std::string::npos);
		}
	}

	void testRefusesUnknownConnector()
	{
		StoreOptions bad = options();
		bad.connector = "oracle";
		CPPUNIT_ASSERT_THROW(SqlAccountStore store(bad), Poco::InvalidArgumentException);
	}

	void testBatchesShareOneCommit()
	{
		_store->open("k0", "alice", 0);
		SqlAccountStore::Batch a(*_store);
		SqlAccountStore::Batch b(*_store);
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(1), a.update("a1", "alice", 1).balance);
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(3), b.update("b1", "alice", 2).balance);
		// Inside the transaction a query sees it; outside nothing is
		// committed yet.
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(3), a.query("alice").balance);
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(0), committedBalance("alice"));
		// The query counts: it saw uncommitted changes.
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), a.pending());
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), b.pending());
		a.commit();
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(3), committedBalance("alice"));
		b.commit();  // went along with a's: nothing left, no error
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), a.pending());
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), b.pending());
		// Idempotent by key, in a batch or not.
		AccountResult again = b.update("a1", "alice", 1);
		CPPUNIT_ASSERT(again.replayed);
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(1), again.balance);
		b.commit();
		CPPUNIT_ASSERT(_store->update("b1", "alice", 2).replayed);
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(3), _store->query("alice").balance);
		// Without a transaction open, a batch's query reads a pooled session.
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(3), a.query("alice").balance);
		CPPUNIT_ASSERT_EQUAL(AccountResult::NOT_FOUND, a.query("nobody").outcome);
	}

	void testBatchOperationFailsAlone()
	{
		_store->open("k1", "alice", 1000);
		_store->open("k2", "bob", 0);
		_store->open("k3", "carol", 0);
		// A transfer that fails after it wrote alice's balance: its
		// savepoint undoes it, and only it.
		execute("CREATE TRIGGER frozen BEFORE UPDATE ON accounts WHEN NEW.user_id = 'bob' BEGIN SELECT RAISE(ABORT, 'bob is frozen'); END");
		SqlAccountStore::Batch batch(*_store);
		CPPUNIT_ASSERT(batch.update("u1", "carol", 5).ok());
		CPPUNIT_ASSERT_THROW(batch.transfer("t1", "alice", "bob", 100), Poco::Exception);
		CPPUNIT_ASSERT(batch.update("u2", "carol", 5).ok());
		batch.commit();
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(1000), committedBalance("alice"));
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(0), committedBalance("bob"));
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(10), committedBalance("carol"));
		// Its key was not recorded either: once bob thaws, it applies.
		execute("DROP TRIGGER frozen");
		AccountResult retried = _store->transfer("t1", "alice", "bob", 100);
		CPPUNIT_ASSERT(retried.ok() && !retried.replayed);
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(900), committedBalance("alice"));
	}

	void testBatchCommitFailureReachesEveryBatchInIt()
	{
		_store->open("k1", "alice", 0);
		_store->open("k2", "dave", 0);
		// A deferred foreign key that an update of dave breaks: only the
		// COMMIT fails, after every operation succeeded.
		execute("CREATE TABLE parent (id TEXT PRIMARY KEY)");
		execute("CREATE TABLE child (pid TEXT REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED)");
		execute("CREATE TRIGGER orphan AFTER UPDATE ON accounts WHEN NEW.user_id = 'dave' BEGIN INSERT INTO child VALUES ('missing'); END");
		SqlAccountStore::Batch a(*_store);
		SqlAccountStore::Batch b(*_store);
		CPPUNIT_ASSERT(a.update("a1", "alice", 1).ok());
		CPPUNIT_ASSERT(b.update("b1", "dave", 1).ok());
		CPPUNIT_ASSERT_THROW(a.commit(), Poco::Data::DataException);
		CPPUNIT_ASSERT_MESSAGE(a.failure(0), a.failure(0).find("FOREIGN KEY") != std::string::npos);
		CPPUNIT_ASSERT_THROW(b.commit(), Poco::Data::DataException);
		CPPUNIT_ASSERT(!b.failure(0).empty());
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(0), committedBalance("alice"));
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(0), committedBalance("dave"));
		// A batch whose operations span two shared transactions, the first
		// committed by another batch, the second failed: only the second
		// operation is reported failed.
		CPPUNIT_ASSERT(a.update("a2", "alice", 1).ok());
		CPPUNIT_ASSERT(b.update("b2", "alice", 1).ok());
		b.commit();
		CPPUNIT_ASSERT(a.update("a3", "dave", 1).ok());
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), a.pending());
		CPPUNIT_ASSERT_THROW(a.commit(), Poco::Data::DataException);
		CPPUNIT_ASSERT(a.failure(0).empty());
		CPPUNIT_ASSERT(!a.failure(1).empty());
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(2), committedBalance("alice"));
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(0), committedBalance("dave"));
		// Nothing of a failed commit was recorded, and the next one works.
		AccountResult retried = a.update("a1", "alice", 1);
		CPPUNIT_ASSERT(retried.ok() && !retried.replayed);
		a.commit();
		b.commit();
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(3), committedBalance("alice"));
	}

	void testWriterThreadCommitsTheSharedTransaction()
	{
		_store->open("k1", "alice", 0);
		SqlAccountStore::Batch batch(*_store);
		CPPUNIT_ASSERT(batch.update("a1", "alice", 1).ok());
		// An operation through the writer thread commits the open shared
		// transaction first, then its own.
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(3), _store->update("s1", "alice", 2).balance);
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(3), committedBalance("alice"));
		batch.commit();
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(3), committedBalance("alice"));
	}

private:
	Poco::Int64 committedBalance(const std::string& user)
		/// Read on a connection of its own: only what is committed.
	{
		return orchd::test::committedBalance(_dir->file("accounts.db"), user);
	}

	void execute(const std::string& sql)
	{
		orchd::test::executeOn(_dir->file("accounts.db"), sql);
	}

	StoreOptions options() const
	{
		StoreOptions options;
		options.connection = _dir->file("accounts.db");
		options.poolSize = 4;
		return options;
	}

	std::unique_ptr<TempDir> _dir;
	std::unique_ptr<SqlAccountStore> _store;
};


CPPUNIT_TEST_SUITE_REGISTRATION(SqlAccountStoreTest);

//
// IdempotencyTest.cpp
//


#include "TestSupport.h"
#include "store/SqlAccountStore.h"
#include "Poco/Data/Session.h"
#include "Poco/Timestamp.h"
#include <cppunit/extensions/HelperMacros.h>


using orchd::AccountResult;
using orchd::SqlAccountStore;
using orchd::StoreOptions;
using namespace orchd::test;


class IdempotencyTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(IdempotencyTest);
	CPPUNIT_TEST(testRepeatedUpdateAppliesOnce);
	CPPUNIT_TEST(testRepeatedTransferAppliesOnce);
	CPPUNIT_TEST(testRepeatedOpenReturnsFirstResult);
	CPPUNIT_TEST(testRefusalIsRecordedToo);
	CPPUNIT_TEST(testKeyReusedForAnotherRequest);
	CPPUNIT_TEST(testKeysSurviveRestart);
	CPPUNIT_TEST(testOldKeysArePruned);
	CPPUNIT_TEST(testRetentionZeroKeepsKeys);
	CPPUNIT_TEST_SUITE_END();

public:
	void setUp() override
	{
		_dir = std::make_unique<TempDir>();
		_store = std::make_unique<SqlAccountStore>(options());
		_store->open("open-alice", "alice", 10000);
		_store->open("open-bob", "bob", 0);
	}

	void tearDown() override
	{
		_store.reset();
		_dir.reset();
	}

	void testRepeatedUpdateAppliesOnce()
	{
		AccountResult first = _store->update("task-1", "alice", -2500);
		CPPUNIT_ASSERT(first.ok() && !first.replayed);
		for (int i = 0; i < 3; ++i)
		{
			AccountResult again = _store->update("task-1", "alice", -2500);
			CPPUNIT_ASSERT(again.ok());
			CPPUNIT_ASSERT(again.replayed);
			CPPUNIT_ASSERT_EQUAL(first.balance, again.balance);
		}
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(7500), _store->query("alice").balance);
	}

	void testRepeatedTransferAppliesOnce()
	{
		AccountResult first = _store->transfer("t-1", "alice", "bob", 1000);
		AccountResult again = _store->transfer("t-1", "alice", "bob", 1000);
		CPPUNIT_ASSERT(again.replayed);
		CPPUNIT_ASSERT_EQUAL(first.balance, again.balance);
		CPPUNIT_ASSERT_EQUAL(first.toBalance, again.toBalance);
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(9000), _store->query("alice").balance);
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(1000), _store->query("bob").balance);
	}

	void testRepeatedOpenReturnsFirstResult()
	{
		// Not "already exists": the retry of a successful OPEN is a success.
		AccountResult again = _store->open("open-alice", "alice", 10000);
		CPPUNIT_ASSERT(again.ok());
		CPPUNIT_ASSERT(again.replayed);
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(10000), again.balance);
	}

	void testRefusalIsRecordedToo()
	{
		AccountResult refused = _store->update("u-1", "bob", -1);
		CPPUNIT_ASSERT_EQUAL(AccountResult::INSUFFICIENT_FUNDS, refused.outcome);
		_store->update("credit", "bob", 500);
		// The retry of the refused request sees the first answer, not a
		// debit that would now succeed.
		AccountResult retry = _store->update("u-1", "bob", -1);
		CPPUNIT_ASSERT_EQUAL(AccountResult::INSUFFICIENT_FUNDS, retry.outcome);
		CPPUNIT_ASSERT(retry.replayed);
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(500), _store->query("bob").balance);
	}

	void testKeyReusedForAnotherRequest()
	{
		CPPUNIT_ASSERT(_store->update("same-key", "alice", 100).ok());
		CPPUNIT_ASSERT_EQUAL(AccountResult::KEY_CONFLICT, _store->update("same-key", "alice", 200).outcome);
		CPPUNIT_ASSERT_EQUAL(AccountResult::KEY_CONFLICT, _store->update("same-key", "bob", 100).outcome);
		CPPUNIT_ASSERT_EQUAL(AccountResult::KEY_CONFLICT, _store->transfer("same-key", "alice", "bob", 100).outcome);
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(10100), _store->query("alice").balance);
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(0), _store->query("bob").balance);
	}

	void testKeysSurviveRestart()
	{
		_store->update("before-restart", "alice", -100);
		_store.reset();
		_store = std::make_unique<SqlAccountStore>(options());
		AccountResult again = _store->update("before-restart", "alice", -100);
		CPPUNIT_ASSERT(again.replayed);
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(9900), _store->query("alice").balance);
	}

	void testOldKeysArePruned()
	{
		_store->update("old", "alice", -100);
		_store->update("recent", "alice", -100);
		{
			// Make one record 31 days old (the default retention is 30).
			Poco::Data::Session session("SQLite", _dir->file("accounts.db"));
			Poco::Int64 past = Poco::Timestamp().epochMicroseconds() / 1000 - Poco::Int64(31) * 24 * 3600 * 1000;
			session << "UPDATE orchd_idempotency SET created_ms = $1 WHERE idem_key = 'old'", Poco::Data::Keywords::use(past), Poco::Data::Keywords::now;
		}
		CPPUNIT_ASSERT_EQUAL(1, _store->pruneKeys());
		// The recent key still replays; the pruned one is applied anew.
		CPPUNIT_ASSERT(_store->update("recent", "alice", -100).replayed);
		AccountResult again = _store->update("old", "alice", -100);
		CPPUNIT_ASSERT(!again.replayed);
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(9700), again.balance);
		CPPUNIT_ASSERT_EQUAL(0, _store->pruneKeys());
	}

	void testRetentionZeroKeepsKeys()
	{
		_store.reset();
		StoreOptions forever = options();
		forever.keyRetentionHours = 0;
		_store = std::make_unique<SqlAccountStore>(forever);
		_store->update("k", "alice", 1);
		{
			Poco::Data::Session session("SQLite", _dir->file("accounts.db"));
			session << "UPDATE orchd_idempotency SET created_ms = 0", Poco::Data::Keywords::now;
		}
		CPPUNIT_ASSERT_EQUAL(0, _store->pruneKeys());
		CPPUNIT_ASSERT(_store->update("k", "alice", 1).replayed);
	}

private:
	StoreOptions options() const
	{
		StoreOptions options;
		options.connection = _dir->file("accounts.db");
		return options;
	}

	std::unique_ptr<TempDir> _dir;
	std::unique_ptr<SqlAccountStore> _store;
};


CPPUNIT_TEST_SUITE_REGISTRATION(IdempotencyTest);

//
// AccountRulesTest.cpp
//
// The account rules and their idempotency record, applied in-process on a
// StoreWriter over a real SQLite file: no pool, no writer thread.
//


#include "TestSupport.h"
#include "orchd/Money.h"
#include "store/AccountRules.h"
#include "store/SqlAccountStore.h"
#include "store/StoreSchema.h"
#include "store/StoreWriter.h"
#include "Poco/Data/Session.h"
#include "Poco/Exception.h"
#include <cppunit/extensions/HelperMacros.h>
#include <memory>


using orchd::AccountResult;
using orchd::AccountRules;
using orchd::StoreWriter;
using namespace orchd::test;


class AccountRulesTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(AccountRulesTest);
	CPPUNIT_TEST(testOpen);
	CPPUNIT_TEST(testUpdate);
	CPPUNIT_TEST(testTransfer);
	CPPUNIT_TEST(testTransferRefusals);
	CPPUNIT_TEST(testAmountsCheckedBeforeAnything);
	CPPUNIT_TEST(testReplayReturnsTheFirstOutcome);
	CPPUNIT_TEST(testReplayOfTransferKeepsBothBalances);
	CPPUNIT_TEST(testKeyConflict);
	CPPUNIT_TEST(testFingerprintFieldsCannotRunTogether);
	CPPUNIT_TEST(testRefusalsAreRecorded);
	CPPUNIT_TEST(testSameKeyTwiceInOneTransaction);
	CPPUNIT_TEST_SUITE_END();

public:
	void setUp() override
	{
		orchd::SqlAccountStore::registerConnectors();
		_dir = std::make_unique<TempDir>();
		_session = std::make_unique<Poco::Data::Session>("SQLite", _dir->file("accounts.db"));
		orchd::StoreSchema::create(*_session, _dir->file("accounts.db"));
		_writer = std::make_unique<StoreWriter>(*_session);
		_writer->begin();
	}

	void tearDown() override
	{
		_writer->rollback();
		_writer.reset();
		_session.reset();
		_dir.reset();
	}

	void testOpen()
	{
		AccountResult opened = AccountRules::apply(*_writer, "k1", AccountRules::open("alice", 100));
		CPPUNIT_ASSERT(opened.ok() && !opened.replayed);
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(100), opened.balance);
		CPPUNIT_ASSERT_EQUAL(AccountResult::ALREADY_EXISTS, AccountRules::apply(*_writer, "k2", AccountRules::open("alice", 500)).outcome);
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(100), balance("alice"));
		CPPUNIT_ASSERT(AccountRules::apply(*_writer, "k3", AccountRules::open("zero", 0)).ok());
		CPPUNIT_ASSERT(AccountRules::apply(*_writer, "k4", AccountRules::open("rich", orchd::Money::MAX_CENTS)).ok());
	}

	void testUpdate()
	{
		open("alice", 1000);
		AccountResult credited = AccountRules::apply(*_writer, "u1", AccountRules::update("alice", 250));
		CPPUNIT_ASSERT(credited.ok());
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(1250), credited.balance);
		AccountResult emptied = AccountRules::apply(*_writer, "u2", AccountRules::update("alice", -1250));
		CPPUNIT_ASSERT(emptied.ok());
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(0), emptied.balance);
		CPPUNIT_ASSERT_EQUAL(AccountResult::INSUFFICIENT_FUNDS, AccountRules::apply(*_writer, "u3", AccountRules::update("alice", -1)).outcome);
		AccountResult missing = AccountRules::apply(*_writer, "u4", AccountRules::update("bob", 1));
		CPPUNIT_ASSERT_EQUAL(AccountResult::NOT_FOUND, missing.outcome);
		CPPUNIT_ASSERT_EQUAL(std::string("bob"), missing.missing);
		open("full", orchd::Money::MAX_CENTS - 10);
		CPPUNIT_ASSERT_EQUAL(AccountResult::LIMIT_EXCEEDED, AccountRules::apply(*_writer, "u5", AccountRules::update("full", 11)).outcome);
		CPPUNIT_ASSERT(AccountRules::apply(*_writer, "u6", AccountRules::update("full", 10)).ok());
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(0), balance("alice"));
		CPPUNIT_ASSERT_EQUAL(orchd::Money::MAX_CENTS, balance("full"));
	}

	void testTransfer()
	{
		open("alice", 1000);
		open("bob", 50);
		AccountResult moved = AccountRules::apply(*_writer, "t1", AccountRules::transfer("alice", "bob", 300));
		CPPUNIT_ASSERT(moved.ok());
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(700), moved.balance);
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(350), moved.toBalance);
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(700), balance("alice"));
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(350), balance("bob"));
		// All of it, to the cent.
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(0), AccountRules::apply(*_writer, "t2", AccountRules::transfer("alice", "bob", 700)).balance);
	}

	void testTransferRefusals()
	{
		open("alice", 1000);
		open("bob", orchd::Money::MAX_CENTS - 5);
		CPPUNIT_ASSERT_EQUAL(AccountResult::SAME_ACCOUNT, AccountRules::apply(*_writer, "t1", AccountRules::transfer("alice", "alice", 1)).outcome);
		AccountResult noReceiver = AccountRules::apply(*_writer, "t2", AccountRules::transfer("alice", "carol", 1));
		CPPUNIT_ASSERT_EQUAL(AccountResult::NOT_FOUND, noReceiver.outcome);
		CPPUNIT_ASSERT_EQUAL(std::string("carol"), noReceiver.missing);
		AccountResult noSender = AccountRules::apply(*_writer, "t3", AccountRules::transfer("carol", "alice", 1));
		CPPUNIT_ASSERT_EQUAL(AccountResult::NOT_FOUND, noSender.outcome);
		CPPUNIT_ASSERT_EQUAL(std::string("carol"), noSender.missing);
		CPPUNIT_ASSERT_EQUAL(AccountResult::INSUFFICIENT_FUNDS, AccountRules::apply(*_writer, "t4", AccountRules::transfer("alice", "bob", 1001)).outcome);
		CPPUNIT_ASSERT_EQUAL(AccountResult::LIMIT_EXCEEDED, AccountRules::apply(*_writer, "t5", AccountRules::transfer("alice", "bob", 6)).outcome);
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(1000), balance("alice"));
		CPPUNIT_ASSERT_EQUAL(orchd::Money::MAX_CENTS - 5, balance("bob"));
	}

	void testAmountsCheckedBeforeAnything()
	{
		CPPUNIT_ASSERT_THROW(AccountRules::open("alice", -1), Poco::InvalidArgumentException);
		CPPUNIT_ASSERT_THROW(AccountRules::open("alice", orchd::Money::MAX_CENTS + 1), Poco::InvalidArgumentException);
		CPPUNIT_ASSERT_THROW(AccountRules::update("alice", orchd::Money::MAX_CENTS + 1), Poco::InvalidArgumentException);
		CPPUNIT_ASSERT_THROW(AccountRules::update("alice", -orchd::Money::MAX_CENTS - 1), Poco::InvalidArgumentException);
		CPPUNIT_ASSERT_THROW(AccountRules::transfer("alice", "bob", 0), Poco::InvalidArgumentException);
		CPPUNIT_ASSERT_THROW(AccountRules::transfer("alice", "bob", -5), Poco::InvalidArgumentException);
		CPPUNIT_ASSERT_THROW(AccountRules::transfer("alice", "bob", orchd::Money::MAX_CENTS + 1), Poco::InvalidArgumentException);
		CPPUNIT_ASSERT_NO_THROW(AccountRules::update("alice", -orchd::Money::MAX_CENTS));
	}

	void testReplayReturnsTheFirstOutcome()
	{
		open("alice", 1000);
		AccountResult first = AccountRules::apply(*_writer, "u1", AccountRules::update("alice", -300));
		CPPUNIT_ASSERT(first.ok() && !first.replayed);
		AccountRules::apply(*_writer, "u2", AccountRules::update("alice", 5));
		for (int i = 0; i < 3; ++i)
		{
			AccountResult again = AccountRules::apply(*_writer, "u1", AccountRules::update("alice", -300));
			CPPUNIT_ASSERT(again.ok() && again.replayed);
			// The balance the first one answered, not today's.
			CPPUNIT_ASSERT_EQUAL(Poco::Int64(700), again.balance);
		}
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(705), balance("alice"));
	}

	void testReplayOfTransferKeepsBothBalances()
	{
		open("alice", 1000);
		open("bob", 0);
		AccountRules::apply(*_writer, "t1", AccountRules::transfer("alice", "bob", 10));
		AccountResult again = AccountRules::apply(*_writer, "t1", AccountRules::transfer("alice", "bob", 10));
		CPPUNIT_ASSERT(again.ok() && again.replayed);
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(990), again.balance);
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(10), again.toBalance);
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(10), balance("bob"));
	}

	void testKeyConflict()
	{
		open("alice", 1000);
		open("bob", 0);
		AccountRules::apply(*_writer, "k", AccountRules::update("alice", 5));
		// Another amount, another account, another kind of request: each
		// conflicts, and changes nothing.
		AccountResult amount = AccountRules::apply(*_writer, "k", AccountRules::update("alice", 6));
		CPPUNIT_ASSERT_EQUAL(AccountResult::KEY_CONFLICT, amount.outcome);
		CPPUNIT_ASSERT(!amount.replayed);
		CPPUNIT_ASSERT_EQUAL(AccountResult::KEY_CONFLICT, AccountRules::apply(*_writer, "k", AccountRules::update("bob", 5)).outcome);
		CPPUNIT_ASSERT_EQUAL(AccountResult::KEY_CONFLICT, AccountRules::apply(*_writer, "k", AccountRules::transfer("alice", "bob", 5)).outcome);
		CPPUNIT_ASSERT_EQUAL(AccountResult::KEY_CONFLICT, AccountRules::apply(*_writer, "k", AccountRules::open("alice", 5)).outcome);
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(1005), balance("alice"));
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(0), balance("bob"));
		// The original request still replays.
		CPPUNIT_ASSERT(AccountRules::apply(*_writer, "k", AccountRules::update("alice", 5)).replayed);
	}

	void testFingerprintFieldsCannotRunTogether()
	{
		// Joined with a plain separator, both would read "a|b|c|1".
		AccountResult first = AccountRules::apply(*_writer, "k", AccountRules::transfer("a|b", "c", 1));
		CPPUNIT_ASSERT_EQUAL(AccountResult::NOT_FOUND, first.outcome);
		CPPUNIT_ASSERT_EQUAL(AccountResult::KEY_CONFLICT, AccountRules::apply(*_writer, "k", AccountRules::transfer("a", "b|c", 1)).outcome);
		AccountRules::apply(*_writer, "n", AccountRules::update("x1", 2));
		CPPUNIT_ASSERT_EQUAL(AccountResult::KEY_CONFLICT, AccountRules::apply(*_writer, "n", AccountRules::update("x", 12)).outcome);
	}

	void testRefusalsAreRecorded()
	{
		open("alice", 100);
		CPPUNIT_ASSERT_EQUAL(AccountResult::INSUFFICIENT_FUNDS, AccountRules::apply(*_writer, "u1", AccountRules::update("alice", -200)).outcome);
		AccountResult missing = AccountRules::apply(*_writer, "u2", AccountRules::update("bob", 7));
		CPPUNIT_ASSERT_EQUAL(AccountResult::NOT_FOUND, missing.outcome);
		// Now both would apply, but a retry sees the first answer.
		AccountRules::apply(*_writer, "d", AccountRules::update("alice", 500));
		open("bob", 0);
		AccountResult funds = AccountRules::apply(*_writer, "u1", AccountRules::update("alice", -200));
		CPPUNIT_ASSERT_EQUAL(AccountResult::INSUFFICIENT_FUNDS, funds.outcome);
		CPPUNIT_ASSERT(funds.replayed);
		AccountResult stillMissing = AccountRules::apply(*_writer, "u2", AccountRules::update("bob", 7));
		CPPUNIT_ASSERT_EQUAL(AccountResult::NOT_FOUND, stillMissing.outcome);
		CPPUNIT_ASSERT(stillMissing.replayed);
		CPPUNIT_ASSERT_EQUAL(std::string("bob"), stillMissing.missing);
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(600), balance("alice"));
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(0), balance("bob"));
	}

	void testSameKeyTwiceInOneTransaction()
	{
		// Group commit runs many operations in one transaction: the second
		// sees the first's record as if they had run apart.
		open("alice", 0);
		CPPUNIT_ASSERT(!AccountRules::apply(*_writer, "u", AccountRules::update("alice", 1)).replayed);
		CPPUNIT_ASSERT(AccountRules::apply(*_writer, "u", AccountRules::update("alice", 1)).replayed);
		_writer->commit();
		_writer->begin();
		CPPUNIT_ASSERT(AccountRules::apply(*_writer, "u", AccountRules::update("alice", 1)).replayed);
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(1), balance("alice"));
	}

private:
	void open(const std::string& user, Poco::Int64 cents)
	{
		CPPUNIT_ASSERT(AccountRules::apply(*_writer, "open-" + user, AccountRules::open(user, cents)).ok());
	}

	Poco::Int64 balance(const std::string& user)
		/// Read in the open transaction.
	{
		Poco::Int64 balance = -1;
		CPPUNIT_ASSERT(_writer->readBalance(user, balance));
		return balance;
	}

	std::unique_ptr<TempDir> _dir;
	std::unique_ptr<Poco::Data::Session> _session;
	std::unique_ptr<StoreWriter> _writer;
};


CPPUNIT_TEST_SUITE_REGISTRATION(AccountRulesTest);

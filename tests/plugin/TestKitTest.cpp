//
// TestKitTest.cpp
//
// The plugin test kit (include/orchd/testing/) against the real thing:
// MemoryAccountStore gives the same answers as the SQLite store for the
// same operations, and a shipped plugin runs on a TestTaskContext.
//


#include "TestSupport.h"
#include "orchd/testing/MemoryAccountStore.h"
#include "orchd/testing/TestTaskContext.h"
#include "plugin/PluginHost.h"
#include "store/AccountDatabase.h"
#include "json/JsonObject.h"
#include <cppunit/TestFixture.h>
#include <cppunit/extensions/HelperMacros.h>
#include <random>


using namespace orchd::test;
using orchd::AccountResult;
using orchd::testing::MemoryAccountStore;
using orchd::testing::TestTaskContext;


namespace {


std::string describe(const AccountResult& r)
{
	return std::string(orchd::outcomeText(r.outcome)) + " balance=" + std::to_string(r.balance) + " to=" + std::to_string(r.toBalance) +
		" replayed=" + (r.replayed ? "1" : "0") + " missing=" + r.missing;
}


std::string attempt(orchd::AccountStore& store, int op, const std::string& key, const std::string& a, const std::string& b, Poco::Int64 cents)
	/// One operation's answer, or the exception's message.
{
	try
	{
		switch (op)
		{
		case 0: return describe(store.open(key, a, cents));
		case 1: return describe(store.query(a));
		case 2: return describe(store.update(key, a, cents));
		default: return describe(store.transfer(key, a, b, cents));
		}
	}
	catch (Poco::Exception& exc)
	{
		return "threw " + exc.message();
	}
}


} // namespace


class TestKitTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(TestKitTest);
	CPPUNIT_TEST(testMemoryStoreAnswersLikeTheSqliteStore);
	CPPUNIT_TEST(testSaldoRunsOnATestContext);
	CPPUNIT_TEST(testCancellation);
	CPPUNIT_TEST_SUITE_END();

public:
	void testMemoryStoreAnswersLikeTheSqliteStore()
	{
		TempDir dir;
		orchd::StoreOptions options;
		options.connection = dir.file("kit.db");
		auto sqlite = orchd::AccountDatabase::connect(options);
		MemoryAccountStore memory;
		// Few accounts and keys, so that replays, conflicts, refusals and
		// limits all come up; amounts up to past the limit.
		std::mt19937 random(20261130);
		const char* users[] = {"alice", "bob", "carol", "dave"};
		const Poco::Int64 amounts[] = {0, 1, 250, 10000, -1, -300, orchd::Money::MAX_CENTS, orchd::Money::MAX_CENTS + 1, -orchd::Money::MAX_CENTS};
		for (int i = 0; i < 3000; ++i)
		{
			int op = static_cast<int>(random() % 4);
			std::string key = "k" + std::to_string(random() % 400);
			std::string a = users[random() % 4];
			std::string b = users[random() % 4];
			Poco::Int64 cents = amounts[random() % 9];
			std::string expected = attempt(*sqlite, op, key, a, b, cents);
			std::string actual = attempt(memory, op, key, a, b, cents);
			CPPUNIT_ASSERT_EQUAL_MESSAGE("operation " + std::to_string(i) + " (" + std::to_string(op) + " " + key + " " + a + " " + b + " " +
				std::to_string(cents) + ")", expected, actual);
		}
		for (const char* user: users) CPPUNIT_ASSERT_EQUAL(describe(sqlite->query(user)), describe(memory.query(user)));
	}

	void testSaldoRunsOnATestContext()
	{
		orchd::PluginHost host(Poco::Logger::get("test"));
		host.loadFolder(pluginsDir());
		orchd::TaskHandler* update = host.find("UPDATE");
		CPPUNIT_ASSERT(update);
		TestTaskContext context("task-7");
		context.accounts().setBalance("alice", 1000);
		auto request = orchd::parseObject(R"({"TASK":"UPDATE","USER":"alice","AMOUNT":2.50})");
		auto result = update->execute(context, *request);
		CPPUNIT_ASSERT_EQUAL(std::string("OK"), result->getValue<std::string>("STATUS"));
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(1250), context.accounts().balance("alice"));
		// Without IDEMPOTENCY_KEY the task id is the key: a second run of
		// the same task is a replay.
		result = update->execute(context, *request);
		CPPUNIT_ASSERT(result->has("REPLAYED"));
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(1250), context.accounts().balance("alice"));
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), context.accounts().keyCount());
	}

	void testCancellation()
	{
		TestTaskContext context;
		CPPUNIT_ASSERT(!context.cancelled());
		context.cancel();
		CPPUNIT_ASSERT(context.cancelled());
		CPPUNIT_ASSERT_EQUAL(1, context.attempt());
		CPPUNIT_ASSERT_EQUAL(std::string("test-1"), context.taskId());
	}
};


CPPUNIT_TEST_SUITE_REGISTRATION(TestKitTest);

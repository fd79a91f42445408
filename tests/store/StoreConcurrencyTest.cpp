//
// StoreConcurrencyTest.cpp
//


#include "TestSupport.h"
#include "store/SqlAccountStore.h"
#include "Poco/Exception.h"
#include "Poco/Random.h"
#include <cppunit/extensions/HelperMacros.h>
#include <atomic>
#include <thread>


using orchd::AccountResult;
using orchd::SqlAccountStore;
using orchd::StoreOptions;
using namespace orchd::test;


class StoreConcurrencyTest: public CppUnit::TestFixture
	/// Threads hammer UPDATE and TRANSFER on a few accounts, through two
	/// store objects on one file (as two worker processes would), and the
	/// sum of all balances must come out exact with no "database is locked".
{
	CPPUNIT_TEST_SUITE(StoreConcurrencyTest);
	CPPUNIT_TEST(testSumStaysExact);
	CPPUNIT_TEST(testConcurrentFirstOpen);
	CPPUNIT_TEST_SUITE_END();

public:
	void testSumStaysExact()
	{
		TempDir dir;
		StoreOptions options;
		options.connection = dir.file("accounts.db");
		options.poolSize = 4;
		SqlAccountStore first(options), second(options);
		const int ACCOUNTS = 4, THREADS = 8, OPS = 400;
		const Poco::Int64 INITIAL = 100000;
		for (int a = 0; a < ACCOUNTS; ++a) first.open("open-" + std::to_string(a), "acct" + std::to_string(a), INITIAL);

		std::atomic<Poco::Int64> expectedDelta(0);
		std::atomic<int> errors(0), applied(0), refused(0), badReplays(0);
		std::string firstError;
		std::vector<std::thread> threads;
		for (int t = 0; t < THREADS; ++t)
		{
			threads.emplace_back([&, t]
			{
				SqlAccountStore& store = t % 2 ? second : first;
				Poco::Random random;
				random.seed(t + 1);
				for (int i = 0; i < OPS; ++i)
				{
					std::string key = "t" + std::to_string(t) + "-" + std::to_string(i);
					std::string from = "acct" + std::to_string(random.next(ACCOUNTS));
					std::string to = "acct" + std::to_string(random.next(ACCOUNTS));
					try
					{
						if (i % 2)
						{
							Poco::Int64 delta = Poco::Int64(random.next(2001)) - 1000;
							AccountResult r = store.update(key, from, delta);
							if (r.ok()) expectedDelta += delta;
							(r.ok() ? applied : refused)++;
							// Every other update is sent again, as a re-dispatch
							// would, through the other store: it must be a replay.
							if (i % 4 == 1)
							{
								AccountResult again = (t % 2 ? first : second).update(key, from, delta);
								if (!again.replayed || again.outcome != r.outcome || again.balance != r.balance) badReplays++;
							}
						}
						else
						{
							AccountResult r = store.transfer(key, from, to, 1 + random.next(5000));
							(r.ok() ? applied : refused)++;
						}
					}
					catch (Poco::Exception& exc)
					{
						if (errors++ == 0) firstError = exc.displayText();
					}
				}
			});
		}
		for (auto& thread: threads) thread.join();
		CPPUNIT_ASSERT_EQUAL_MESSAGE(firstError, 0, errors.load());
		CPPUNIT_ASSERT_EQUAL(0, badReplays.load());
		CPPUNIT_ASSERT_EQUAL(THREADS * OPS, applied.load() + refused.load());
		CPPUNIT_ASSERT(applied.load() > THREADS * OPS / 2);
		CPPUNIT_ASSERT_EQUAL(ACCOUNTS * INITIAL + expectedDelta.load(), first.totalBalance());
		for (int a = 0; a < ACCOUNTS; ++a) CPPUNIT_ASSERT(first.query("acct" + std::to_string(a)).balance >= 0);
	}

	void testConcurrentFirstOpen()
	{
		// Workers started together on a new database file all create the
		// schema at once; none may fail with "database is locked".
		for (int round = 0; round < 5; ++round)
		{
			TempDir dir;
			StoreOptions options;
			options.connection = dir.file("fresh.db");
			std::atomic<int> failures(0);
			std::string firstError;
			std::vector<std::thread> threads;
			for (int t = 0; t < 4; ++t)
			{
				threads.emplace_back([&]
				{
					try
					{
						SqlAccountStore store(options);
					}
					catch (Poco::Exception& exc)
					{
						if (failures++ == 0) firstError = exc.displayText();
					}
				});
			}
			for (auto& thread: threads) thread.join();
			CPPUNIT_ASSERT_EQUAL_MESSAGE(firstError, 0, failures.load());
		}
	}
};


CPPUNIT_TEST_SUITE_REGISTRATION(StoreConcurrencyTest);

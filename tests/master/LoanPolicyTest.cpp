//
// LoanPolicyTest.cpp
//
// The loan policy's decisions on loads and times: saturation over the
// window, calm, cooldown, lb.max_borrow, lb.min_queue, the size of a request.
//


#include "master/LoanPolicy.h"
#include <cppunit/extensions/HelperMacros.h>


using namespace orchd;


namespace {


const std::int64_t MS = 1000;


FederationOptions options()
{
	FederationOptions options;
	options.maxQueue = 100;
	options.minQueue = 10;
	options.window = Poco::Timespan(0, 1000 * MS);
	options.cooldown = Poco::Timespan(0, 2000 * MS);
	options.maxBorrow = 4;
	return options;
}


Load queue(std::size_t queued, std::uint64_t completed = 0, int workers = 1)
{
	Load load;
	load.queued = queued;
	load.completed = completed;
	load.ownWorkers = workers;
	return load;
}


} // namespace


class LoanPolicyTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(LoanPolicyTest);
	CPPUNIT_TEST(testSaturatedForTheWindow);
	CPPUNIT_TEST(testSaturationMustLast);
	CPPUNIT_TEST(testCooldownAfterAsking);
	CPPUNIT_TEST(testRefusalSkipsCooldown);
	CPPUNIT_TEST(testMaxBorrow);
	CPPUNIT_TEST(testCalmReleases);
	CPPUNIT_TEST(testLendsOnlyBelowMinQueue);
	CPPUNIT_TEST(testWorkersNeeded);
	CPPUNIT_TEST(testPreferredLender);
	CPPUNIT_TEST_SUITE_END();

public:
	void testSaturatedForTheWindow()
	{
		std::int64_t t = 5000 * MS;
		LoanPolicy policy(options(), t);
		CPPUNIT_ASSERT_EQUAL(LoanPolicy::HOLD, policy.decide(t, queue(101), 0));
		CPPUNIT_ASSERT_EQUAL(LoanPolicy::HOLD, policy.decide(t + 999 * MS, queue(500), 0));
		CPPUNIT_ASSERT_EQUAL(LoanPolicy::ASK, policy.decide(t + 1000 * MS, queue(101), 0));
		// At the limit is not above it.
		LoanPolicy limit(options(), t);
		limit.decide(t, queue(100), 0);
		CPPUNIT_ASSERT_EQUAL(LoanPolicy::HOLD, limit.decide(t + 5000 * MS, queue(100), 0));
	}

	void testSaturationMustLast()
	{
		std::int64_t t = 0;
		LoanPolicy policy(options(), t);
		policy.decide(t, queue(200), 0);
		policy.decide(t + 600 * MS, queue(50), 0);   // dipped: the window starts again
		CPPUNIT_ASSERT_EQUAL(LoanPolicy::HOLD, policy.decide(t + 700 * MS, queue(200), 0));
		CPPUNIT_ASSERT_EQUAL(LoanPolicy::HOLD, policy.decide(t + 1600 * MS, queue(200), 0));
		CPPUNIT_ASSERT_EQUAL(LoanPolicy::ASK, policy.decide(t + 1700 * MS, queue(200), 0));
	}

	void testCooldownAfterAsking()
	{
		LoanPolicy policy(options(), 0);
		policy.decide(0, queue(200), 0);
		CPPUNIT_ASSERT_EQUAL(LoanPolicy::ASK, policy.decide(1000 * MS, queue(200), 0));
		policy.asked(1000 * MS);
		CPPUNIT_ASSERT_EQUAL(LoanPolicy::HOLD, policy.decide(1100 * MS, queue(200), 1));
		CPPUNIT_ASSERT_EQUAL(LoanPolicy::HOLD, policy.decide(2999 * MS, queue(200), 1));
		CPPUNIT_ASSERT_EQUAL(LoanPolicy::ASK, policy.decide(3000 * MS, queue(200), 1));
	}

	void testRefusalSkipsCooldown()
	{
		LoanPolicy policy(options(), 0);
		policy.decide(0, queue(200), 0);
		policy.decide(1000 * MS, queue(200), 0);
		policy.asked(1000 * MS);
		policy.refused();
		CPPUNIT_ASSERT_EQUAL(LoanPolicy::ASK, policy.decide(1100 * MS, queue(200), 0));
	}

	void testMaxBorrow()
	{
		LoanPolicy policy(options(), 0);
		policy.decide(0, queue(200), 4);
		CPPUNIT_ASSERT_EQUAL(LoanPolicy::HOLD, policy.decide(5000 * MS, queue(200), 4));
		CPPUNIT_ASSERT_EQUAL(LoanPolicy::ASK, policy.decide(5001 * MS, queue(200), 3));
	}

	void testCalmReleases()
	{
		LoanPolicy policy(options(), 0);
		// Calm but nothing borrowed: nothing to release.
		policy.decide(0, queue(9), 0);
		CPPUNIT_ASSERT_EQUAL(LoanPolicy::HOLD, policy.decide(2000 * MS, queue(9), 0));
		// Between min_queue and max_queue: neither.
		LoanPolicy middle(options(), 0);
		middle.decide(0, queue(10), 2);
		CPPUNIT_ASSERT_EQUAL(LoanPolicy::HOLD, middle.decide(5000 * MS, queue(50), 2));
		// The whole loan: saturated, ask, borrow, calm, release.
		LoanPolicy loan(options(), 0);
		loan.decide(0, queue(200), 0);
		CPPUNIT_ASSERT_EQUAL(LoanPolicy::ASK, loan.decide(1000 * MS, queue(200), 0));
		loan.asked(1000 * MS);
		loan.decide(1500 * MS, queue(3), 2);                 // calm from here
		CPPUNIT_ASSERT_EQUAL(LoanPolicy::HOLD, loan.decide(2499 * MS, queue(3), 2));
		// The window has passed, the cooldown since the ask not yet.
		CPPUNIT_ASSERT_EQUAL(LoanPolicy::HOLD, loan.decide(2999 * MS, queue(3), 2));
		CPPUNIT_ASSERT_EQUAL(LoanPolicy::RELEASE, loan.decide(3000 * MS, queue(3), 2));
		loan.released(3000 * MS);
		CPPUNIT_ASSERT_EQUAL(LoanPolicy::HOLD, loan.decide(4999 * MS, queue(3), 2));
		CPPUNIT_ASSERT_EQUAL(LoanPolicy::RELEASE, loan.decide(5000 * MS, queue(3), 2));
	}

	void testLendsOnlyBelowMinQueue()
	{
		LoanPolicy policy(options(), 0);
		CPPUNIT_ASSERT(policy.lends(queue(9)));
		CPPUNIT_ASSERT(!policy.lends(queue(10)));
	}

	void testWorkersNeeded()
	{
		LoanPolicy policy(options(), 0);
		// 100 tasks/s per worker over the last second: 2 s of backlog at
		// 200 a worker; 500 queued -> 2, but never more than max_borrow left.
		policy.decide(0, queue(0, 0, 2), 0);
		policy.decide(1000 * MS, queue(500, 200, 2), 0);
		CPPUNIT_ASSERT_DOUBLES_EQUAL(100.0, policy.perWorkerRate(), 0.001);
		CPPUNIT_ASSERT_EQUAL(3, policy.workersNeeded(queue(500), 0));
		CPPUNIT_ASSERT_EQUAL(2, policy.workersNeeded(queue(500), 2));
		CPPUNIT_ASSERT_EQUAL(1, policy.workersNeeded(queue(1), 0));
		CPPUNIT_ASSERT_EQUAL(4, policy.workersNeeded(queue(100000), 0));
	}

	void testPreferredLender()
	{
		Load shortQueue = queue(5), longQueue = queue(50);
		CPPUNIT_ASSERT(LoanPolicy::preferred(shortQueue, longQueue));
		CPPUNIT_ASSERT(!LoanPolicy::preferred(longQueue, shortQueue));
		Load idle = queue(5), busy = queue(5);
		idle.idleCredits = 8;
		busy.idleCredits = 1;
		CPPUNIT_ASSERT(LoanPolicy::preferred(idle, busy));
	}
};


CPPUNIT_TEST_SUITE_REGISTRATION(LoanPolicyTest);

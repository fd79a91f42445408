//
// MasterRouteTest.cpp
//
// The worker's routing between masters, driven directly: home first,
// failover round-robin after home fails, moves by REDIRECT and RETURN, and
// the way back home.
//


#include "worker/MasterRoute.h"
#include <cppunit/extensions/HelperMacros.h>


using namespace orchd;


namespace {


const PeerAddress HOME{"home", "10.0.0.1", 7001};
const PeerAddress F1{"f1", "10.0.0.2", 7002};
const PeerAddress F2{"f2", "10.0.0.3", 7003};
const PeerAddress LENDER{"lender", "10.0.0.4", 7004};


} // namespace


class MasterRouteTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(MasterRouteTest);
	CPPUNIT_TEST(testHomeFirstWhileItAnswers);
	CPPUNIT_TEST(testFailoverAfterHomeFailsRoundRobin);
	CPPUNIT_TEST(testNoFailoverListMeansHomeForever);
	CPPUNIT_TEST(testBackHomeFromFailover);
	CPPUNIT_TEST(testReachingHomeResetsTheFailures);
	CPPUNIT_TEST(testRedirectMovesOnceAndAddsAlternatives);
	CPPUNIT_TEST(testReturnGoesHome);
	CPPUNIT_TEST(testLostLenderSendsHome);
	CPPUNIT_TEST_SUITE_END();

public:
	void testHomeFirstWhileItAnswers()
	{
		MasterRoute route(HOME, {F1, F2});
		CPPUNIT_ASSERT_EQUAL(HOME.id, route.home().id);
		for (int i = 0; i < 10; ++i)
		{
			MasterRoute::Hop hop = route.next(HOME, true);
			CPPUNIT_ASSERT_EQUAL(HOME.id, hop.master.id);
			CPPUNIT_ASSERT(!hop.atOnce);
			CPPUNIT_ASSERT(!hop.failover);
		}
	}

	void testFailoverAfterHomeFailsRoundRobin()
	{
		MasterRoute route(HOME, {F1, F2});
		for (int i = 1; i < MasterRoute::HOME_ATTEMPTS; ++i)
		{
			CPPUNIT_ASSERT_EQUAL(HOME.id, route.next(HOME, false).master.id);
		}
		MasterRoute::Hop hop = route.next(HOME, false);
		CPPUNIT_ASSERT_EQUAL(F1.id, hop.master.id);
		CPPUNIT_ASSERT_EQUAL(F1.host, hop.master.host);
		CPPUNIT_ASSERT_EQUAL(F1.port, hop.master.port);
		CPPUNIT_ASSERT(hop.failover);
		CPPUNIT_ASSERT(!hop.atOnce);
		// F1 cannot be reached either: home again (after the backoff), and
		// home still down sends the worker to the next in the list.
		hop = route.next(F1, false);
		CPPUNIT_ASSERT_EQUAL(HOME.id, hop.master.id);
		CPPUNIT_ASSERT(!hop.atOnce);
		CPPUNIT_ASSERT_EQUAL(F2.id, route.next(HOME, false).master.id);
		CPPUNIT_ASSERT_EQUAL(HOME.id, route.next(F2, false).master.id);
		CPPUNIT_ASSERT_EQUAL(F1.id, route.next(HOME, false).master.id);
	}

	void testNoFailoverListMeansHomeForever()
	{
		MasterRoute route(HOME, {});
		for (int i = 0; i < 10; ++i)
		{
			MasterRoute::Hop hop = route.next(HOME, false);
			CPPUNIT_ASSERT_EQUAL(HOME.id, hop.master.id);
			CPPUNIT_ASSERT(!hop.failover);
		}
	}

	void testBackHomeFromFailover()
	{
		MasterRoute route(HOME, {F1}, 1);
		CPPUNIT_ASSERT_EQUAL(F1.id, route.next(HOME, false).master.id);
		// F1 was reached and then lost (or sent the worker away): home at
		// once, without the backoff.
		MasterRoute::Hop hop = route.next(F1, true);
		CPPUNIT_ASSERT_EQUAL(HOME.id, hop.master.id);
		CPPUNIT_ASSERT(hop.atOnce);
		CPPUNIT_ASSERT(!hop.failover);
	}

	void testReachingHomeResetsTheFailures()
	{
		MasterRoute route(HOME, {F1});
		route.next(HOME, false);
		route.next(HOME, false);
		CPPUNIT_ASSERT_EQUAL(HOME.id, route.next(HOME, true).master.id);
		// The count starts again: two more failures stay home.
		CPPUNIT_ASSERT_EQUAL(HOME.id, route.next(HOME, false).master.id);
		CPPUNIT_ASSERT_EQUAL(HOME.id, route.next(HOME, false).master.id);
		CPPUNIT_ASSERT_EQUAL(F1.id, route.next(HOME, false).master.id);
	}

	void testRedirectMovesOnceAndAddsAlternatives()
	{
		MasterRoute route(HOME, {F1});
		CPPUNIT_ASSERT(!route.moving());
		route.redirect(LENDER, {HOME, F1, F2, F2});
		CPPUNIT_ASSERT(route.moving());
		// Home and the known ones are not added twice.
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), route.failover().size());
		CPPUNIT_ASSERT_EQUAL(F1.id, route.failover()[0].id);
		CPPUNIT_ASSERT_EQUAL(F2.id, route.failover()[1].id);
		// The move wins whatever happened to the current link, and starts
		// at once.
		MasterRoute::Hop hop = route.next(HOME, true);
		CPPUNIT_ASSERT_EQUAL(LENDER.id, hop.master.id);
		CPPUNIT_ASSERT_EQUAL(LENDER.port, hop.master.port);
		CPPUNIT_ASSERT(hop.atOnce);
		CPPUNIT_ASSERT(!route.moving());
		// Once: losing the lender afterwards leads home.
		hop = route.next(LENDER, true);
		CPPUNIT_ASSERT_EQUAL(HOME.id, hop.master.id);
		CPPUNIT_ASSERT(hop.atOnce);
	}

	void testReturnGoesHome()
	{
		MasterRoute route(HOME, {F1}, 1);
		CPPUNIT_ASSERT_EQUAL(F1.id, route.next(HOME, false).master.id);
		route.returnHome();
		CPPUNIT_ASSERT(route.moving());
		// Even if the failover master's link then broke before the move.
		MasterRoute::Hop hop = route.next(F1, false);
		CPPUNIT_ASSERT_EQUAL(HOME.id, hop.master.id);
		CPPUNIT_ASSERT(hop.atOnce);
		CPPUNIT_ASSERT(!route.moving());
	}

	void testLostLenderSendsHome()
	{
		MasterRoute route(HOME, {F1});
		route.redirect(LENDER, {});
		CPPUNIT_ASSERT_EQUAL(LENDER.id, route.next(HOME, true).master.id);
		// The lender cannot be reached: home, after the backoff, and not
		// counted as a failure of home.
		MasterRoute::Hop hop = route.next(LENDER, false);
		CPPUNIT_ASSERT_EQUAL(HOME.id, hop.master.id);
		CPPUNIT_ASSERT(!hop.atOnce);
		CPPUNIT_ASSERT_EQUAL(HOME.id, route.next(HOME, false).master.id);
		CPPUNIT_ASSERT_EQUAL(HOME.id, route.next(HOME, false).master.id);
		CPPUNIT_ASSERT_EQUAL(F1.id, route.next(HOME, false).master.id);
	}
};


CPPUNIT_TEST_SUITE_REGISTRATION(MasterRouteTest);

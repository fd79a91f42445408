//
// KeyHorizonTest.cpp
//
// Where idempotency records are pruned up to, on given clock readings.
//


#include "store/KeyHorizon.h"
#include <cppunit/extensions/HelperMacros.h>


using orchd::KeyHorizon;
using Poco::Int64;


namespace {


const Int64 HOUR = 3600 * 1000;
const Int64 RETENTION = 720 * HOUR;
const Int64 WALL = Int64(1700000000) * 1000;  // epoch ms
const Int64 MONO = 5000000;                   // µs since some point


Int64 us(Int64 ms)
{
	return ms * 1000;
}


} // namespace


class KeyHorizonTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(KeyHorizonTest);
	CPPUNIT_TEST(testFollowsTheWallClock);
	CPPUNIT_TEST(testForwardStepAdvancesOnlyByElapsedTime);
	CPPUNIT_TEST(testBackwardStepNeverMovesBack);
	CPPUNIT_TEST(testStartsAtTheOldestRecord);
	CPPUNIT_TEST_SUITE_END();

public:
	void testFollowsTheWallClock()
	{
		KeyHorizon horizon(RETENTION, WALL, MONO, KeyHorizon::NO_RECORD);
		CPPUNIT_ASSERT_EQUAL(WALL - RETENTION, horizon.cutoff());
		CPPUNIT_ASSERT_EQUAL(WALL - RETENTION + HOUR, horizon.advance(WALL + HOUR, MONO + us(HOUR)));
		// Sub-millisecond remainders are not lost from one prune to the next.
		for (int i = 0; i < 4; ++i) horizon.advance(WALL + HOUR + 1, MONO + us(HOUR) + 250 * (i + 1));
		CPPUNIT_ASSERT_EQUAL(WALL - RETENTION + HOUR + 1, horizon.cutoff());
	}

	void testForwardStepAdvancesOnlyByElapsedTime()
	{
		KeyHorizon horizon(RETENTION, WALL, MONO, WALL - HOUR);
		const Int64 year = 365 * 24 * HOUR;
		// A year's step with a minute passed: a minute's worth of records.
		CPPUNIT_ASSERT_EQUAL(WALL - RETENTION + 60000, horizon.advance(WALL + year + 60000, MONO + us(60000)));
		// Time passing moves it at the real rate, never catching up the step.
		CPPUNIT_ASSERT_EQUAL(WALL - RETENTION + 60000 + 2 * HOUR, horizon.advance(WALL + year + 60000 + 2 * HOUR, MONO + us(60000 + 2 * HOUR)));
		// A record stamped just before the step goes only once the
		// retention has really passed.
		Int64 stamped = WALL;
		CPPUNIT_ASSERT(horizon.advance(WALL + year + RETENTION - 1000, MONO + us(RETENTION - 1000)) <= stamped);
		CPPUNIT_ASSERT(horizon.advance(WALL + year + RETENTION + 1000, MONO + us(RETENTION + 1000)) > stamped);
	}

	void testBackwardStepNeverMovesBack()
	{
		KeyHorizon horizon(RETENTION, WALL, MONO, KeyHorizon::NO_RECORD);
		CPPUNIT_ASSERT_EQUAL(WALL - RETENTION, horizon.advance(WALL - 24 * HOUR, MONO + us(HOUR)));
		// Then it follows the wall clock again, once that is past it.
		CPPUNIT_ASSERT_EQUAL(WALL - RETENTION, horizon.advance(WALL - HOUR, MONO + us(24 * HOUR)));
		CPPUNIT_ASSERT_EQUAL(WALL - RETENTION + HOUR, horizon.advance(WALL + HOUR, MONO + us(26 * HOUR)));
	}

	void testStartsAtTheOldestRecord()
	{
		// Opened after a long stop (or a step while stopped): nothing at once.
		KeyHorizon late(RETENTION, WALL, MONO, WALL - 90 * 24 * HOUR);
		CPPUNIT_ASSERT_EQUAL(WALL - 90 * 24 * HOUR, late.cutoff());
		CPPUNIT_ASSERT_EQUAL(WALL - 90 * 24 * HOUR + HOUR, late.advance(WALL + HOUR, MONO + us(HOUR)));
		// Records younger than the retention: the wall clock decides.
		KeyHorizon young(RETENTION, WALL, MONO, WALL - HOUR);
		CPPUNIT_ASSERT_EQUAL(WALL - RETENTION, young.cutoff());
	}
};


CPPUNIT_TEST_SUITE_REGISTRATION(KeyHorizonTest);

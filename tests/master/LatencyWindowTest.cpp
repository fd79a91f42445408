//
// LatencyWindowTest.cpp
//
// The latency window on a ManualClock: the histogram's bins, percentiles
// within a bin of the truth, seconds forgotten past the window, the
// per-second series and the status document.
//


#include "master/LatencyWindow.h"
#include "net/MonotonicClock.h"
#include "Poco/JSON/Array.h"
#include <cppunit/extensions/HelperMacros.h>
#include <cmath>


using namespace orchd;


class LatencyWindowTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(LatencyWindowTest);
	CPPUNIT_TEST(testBinsCoverEveryLatency);
	CPPUNIT_TEST(testPercentilesOfOneSecond);
	CPPUNIT_TEST(testWindowForgetsOldSeconds);
	CPPUNIT_TEST(testSeriesPerSecond);
	CPPUNIT_TEST(testStatusDocument);
	CPPUNIT_TEST_SUITE_END();

public:
	void testBinsCoverEveryLatency()
	{
		// Monotonic, in range, and each bin's middle within 13% of any
		// latency in it.
		int previous = 0;
		for (std::int64_t us = 0; us < (std::int64_t(1) << 40); us = us < 64 ? us + 1 : us + us / 7)
		{
			int bin = LatencyWindow::binOf(us);
			CPPUNIT_ASSERT(bin >= previous && bin < LatencyWindow::BINS);
			previous = bin;
			double middle = static_cast<double>(LatencyWindow::binMiddle(bin));
			CPPUNIT_ASSERT_MESSAGE(std::to_string(us), std::fabs(middle - static_cast<double>(us)) <= 0.13 * static_cast<double>(us) + 0.5);
		}
		CPPUNIT_ASSERT_EQUAL(0, LatencyWindow::binOf(-5));
		CPPUNIT_ASSERT_EQUAL(LatencyWindow::binOf(std::int64_t(1) << 40), LatencyWindow::binOf(std::int64_t(1) << 50));
		CPPUNIT_ASSERT(LatencyWindow::binOf(std::int64_t(1) << 50) < LatencyWindow::BINS);
	}

	void testPercentilesOfOneSecond()
	{
		ManualClock clock;
		LatencyWindow window;
		CPPUNIT_ASSERT_EQUAL(std::uint64_t(0), window.summary(clock.now(), 10).count);
		// 1 ms .. 100 ms, one task each: p50 = 50 ms, p99 = 99 ms, mean 50.5 ms.
		for (int ms = 1; ms <= 100; ++ms) window.record(clock.now(), ms * 1000);
		LatencySummary s = window.summary(clock.now(), 1);
		CPPUNIT_ASSERT_EQUAL(std::uint64_t(100), s.count);
		CPPUNIT_ASSERT_EQUAL(std::int64_t(50500), s.meanUs);
		CPPUNIT_ASSERT_EQUAL(std::int64_t(100000), s.maxUs);
		assertNear(50000, s.p50Us);
		assertNear(99000, s.p99Us);
		CPPUNIT_ASSERT(s.p99Us <= s.maxUs);
		// One outlier among many: p99 stays low, max shows it.
		LatencyWindow skewed;
		for (int i = 0; i < 999; ++i) skewed.record(clock.now(), 2000);
		skewed.record(clock.now(), 5000000);
		s = skewed.summary(clock.now(), 1);
		assertNear(2000, s.p50Us);
		assertNear(2000, s.p99Us);
		CPPUNIT_ASSERT_EQUAL(std::int64_t(5000000), s.maxUs);
	}

	void testWindowForgetsOldSeconds()
	{
		ManualClock clock;
		LatencyWindow window;
		window.record(clock.now(), 1000);
		clock.advanceMs(1000);
		window.record(clock.now(), 3000);
		CPPUNIT_ASSERT_EQUAL(std::uint64_t(1), window.summary(clock.now(), 1).count);
		CPPUNIT_ASSERT_EQUAL(std::uint64_t(2), window.summary(clock.now(), 2).count);
		CPPUNIT_ASSERT_EQUAL(std::int64_t(2000), window.summary(clock.now(), 10).meanUs);
		// 299 s later the first second is out of the window, the second in.
		clock.advanceMs(299 * 1000);
		CPPUNIT_ASSERT_EQUAL(std::uint64_t(1), window.summary(clock.now(), LatencyWindow::SECONDS).count);
		// A new task in the slot of an old second replaces it, not adds to it.
		clock.advanceMs(1000);
		window.record(clock.now(), 7000);
		LatencySummary s = window.summary(clock.now(), LatencyWindow::SECONDS);
		CPPUNIT_ASSERT_EQUAL(std::uint64_t(1), s.count);
		CPPUNIT_ASSERT_EQUAL(std::int64_t(7000), s.maxUs);
		// A window longer than SECONDS is SECONDS.
		CPPUNIT_ASSERT_EQUAL(std::uint64_t(1), window.summary(clock.now(), 100000).count);
	}

	void testSeriesPerSecond()
	{
		ManualClock clock;
		LatencyWindow window;
		// Seconds 0, 1, 2, 4, 5 get 1, 2, 3, 4, 5 tasks of 10, 20, ... 50 ms;
		// seconds 3 and 6 (now) none.
		for (int n = 1; n <= 5; ++n)
		{
			for (int i = 0; i < n; ++i) window.record(clock.now(), n * 10000);
			clock.advanceMs(n == 3 ? 2000 : 1000);
		}
		std::vector<LatencySummary> series = window.series(clock.now(), 7);
		CPPUNIT_ASSERT_EQUAL(std::size_t(7), series.size());
		std::uint64_t counts[] = {1, 2, 3, 0, 4, 5, 0};
		for (std::size_t i = 0; i < 7; ++i) CPPUNIT_ASSERT_EQUAL(counts[i], series[i].count);
		assertNear(50000, series[5].p50Us);
		assertNear(10000, series[0].p99Us);
		CPPUNIT_ASSERT_EQUAL(std::int64_t(0), series[3].p50Us);
	}

	void testStatusDocument()
	{
		ManualClock clock;
		LatencyWindow window;
		window.record(clock.now(), 4000);
		clock.advanceMs(20000);
		window.record(clock.now(), 8000);
		Poco::JSON::Object::Ptr status = window.status(clock.now());
		CPPUNIT_ASSERT_EQUAL(LatencyWindow::SECONDS, status->getValue<int>("window_s"));
		CPPUNIT_ASSERT_EQUAL(1, status->getObject("last_10s")->getValue<int>("count"));
		CPPUNIT_ASSERT_EQUAL(2, status->getObject("last_300s")->getValue<int>("count"));
		CPPUNIT_ASSERT_EQUAL(6000, status->getObject("last_300s")->getValue<int>("mean_us"));
		Poco::JSON::Array::Ptr counts = status->getObject("per_second")->getArray("count");
		CPPUNIT_ASSERT_EQUAL(std::size_t(120), counts->size());
		CPPUNIT_ASSERT_EQUAL(1, counts->getElement<int>(119));
		CPPUNIT_ASSERT_EQUAL(1, counts->getElement<int>(99));
		CPPUNIT_ASSERT_EQUAL(0, counts->getElement<int>(100));
		CPPUNIT_ASSERT_EQUAL(std::size_t(120), status->getObject("per_second")->getArray("p99_us")->size());
	}

private:
	static void assertNear(std::int64_t expected, std::int64_t actual)
	{
		CPPUNIT_ASSERT_MESSAGE(std::to_string(actual) + " is not within 13% of " + std::to_string(expected),
			std::llabs(actual - expected) <= expected * 13 / 100);
	}
};


CPPUNIT_TEST_SUITE_REGISTRATION(LatencyWindowTest);

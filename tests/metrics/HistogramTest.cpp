//
// HistogramTest.cpp
//
// Buckets, sum and count of Histogram, fed from several threads at once;
// TaskTypeStats' slots for types given and types seen later.
//


#include "metrics/Histogram.h"
#include "metrics/TaskTypeStats.h"
#include "Poco/Exception.h"
#include <cppunit/extensions/HelperMacros.h>
#include <thread>
#include <vector>


using namespace orchd;


class HistogramTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(HistogramTest);
	CPPUNIT_TEST(testBucketsAreCumulative);
	CPPUNIT_TEST(testBadBounds);
	CPPUNIT_TEST(testThreads);
	CPPUNIT_TEST(testDefaultBounds);
	CPPUNIT_TEST(testTaskTypeStats);
	CPPUNIT_TEST_SUITE_END();

public:
	void testBucketsAreCumulative()
	{
		Histogram histogram({1, 2, 4});
		Histogram::Snapshot empty = histogram.snapshot();
		CPPUNIT_ASSERT_EQUAL(std::uint64_t(0), empty.count);
		CPPUNIT_ASSERT_EQUAL(std::size_t(3), empty.cumulative.size());
		for (std::uint64_t value: {0, 1, 2, 3, 4, 5, 100}) histogram.observe(value);
		Histogram::Snapshot snapshot = histogram.snapshot();
		CPPUNIT_ASSERT_EQUAL(std::uint64_t(2), snapshot.cumulative[0]);  // 0, 1
		CPPUNIT_ASSERT_EQUAL(std::uint64_t(3), snapshot.cumulative[1]);  // + 2
		CPPUNIT_ASSERT_EQUAL(std::uint64_t(5), snapshot.cumulative[2]);  // + 3, 4
		CPPUNIT_ASSERT_EQUAL(std::uint64_t(7), snapshot.count);          // + 5, 100 above every bound
		CPPUNIT_ASSERT_EQUAL(std::uint64_t(115), snapshot.sum);
	}

	void testBadBounds()
	{
		CPPUNIT_ASSERT_THROW(Histogram({}), Poco::InvalidArgumentException);
		CPPUNIT_ASSERT_THROW(Histogram({2, 1}), Poco::InvalidArgumentException);
		CPPUNIT_ASSERT_THROW(Histogram({1, 1}), Poco::InvalidArgumentException);
	}

	void testThreads()
	{
		Histogram histogram(Histogram::sizeBounds());
		std::vector<std::thread> threads;
		const int PER_THREAD = 20000;
		for (int t = 0; t < 4; ++t)
		{
			threads.emplace_back([&histogram, t]
			{
				for (int i = 0; i < PER_THREAD; ++i) histogram.observe(static_cast<std::uint64_t>(t + 1));
			});
		}
		for (auto& thread: threads) thread.join();
		Histogram::Snapshot snapshot = histogram.snapshot();
		CPPUNIT_ASSERT_EQUAL(std::uint64_t(4 * PER_THREAD), snapshot.count);
		CPPUNIT_ASSERT_EQUAL(std::uint64_t(PER_THREAD * (1 + 2 + 3 + 4)), snapshot.sum);
		CPPUNIT_ASSERT_EQUAL(std::uint64_t(PER_THREAD), snapshot.cumulative[0]);      // le 1
		CPPUNIT_ASSERT_EQUAL(std::uint64_t(2 * PER_THREAD), snapshot.cumulative[1]);  // le 2
		CPPUNIT_ASSERT_EQUAL(std::uint64_t(4 * PER_THREAD), snapshot.cumulative[2]);  // le 4
	}

	void testDefaultBounds()
	{
		// Ascending and distinct, or the constructor would throw.
		Histogram latency(Histogram::latencyBoundsMicros());
		Histogram sizes(Histogram::sizeBounds());
		CPPUNIT_ASSERT_EQUAL(std::uint64_t(100), latency.snapshot().bounds.front());
		CPPUNIT_ASSERT_EQUAL(std::uint64_t(30000000), latency.snapshot().bounds.back());
		CPPUNIT_ASSERT_EQUAL(std::uint64_t(1024), sizes.snapshot().bounds.back());
	}

	void testTaskTypeStats()
	{
		TaskTypeStats stats({"UPDATE", "ECHO"});
		TaskTypeStats::Slot& echo = stats.slot("ECHO");
		CPPUNIT_ASSERT_EQUAL(&echo, &stats.slot("ECHO"));
		++echo.completed;
		stats.slot("LATER").execution.observe(5);
		CPPUNIT_ASSERT_EQUAL(&stats.slot("LATER"), &stats.slot("LATER"));
		std::vector<std::string> seen;
		stats.forEach([&seen](const std::string& type, const TaskTypeStats::Slot&) { seen.push_back(type); });
		CPPUNIT_ASSERT_EQUAL(std::size_t(3), seen.size());
		CPPUNIT_ASSERT_EQUAL(std::string("ECHO"), seen[0]);   // name order
		CPPUNIT_ASSERT_EQUAL(std::string("LATER"), seen[1]);
		CPPUNIT_ASSERT_EQUAL(std::string("UPDATE"), seen[2]);
		CPPUNIT_ASSERT_EQUAL(std::uint64_t(1), stats.slot("ECHO").completed.load());
		CPPUNIT_ASSERT_EQUAL(std::uint64_t(1), stats.slot("LATER").execution.snapshot().count);
	}
};


CPPUNIT_TEST_SUITE_REGISTRATION(HistogramTest);

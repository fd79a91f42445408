//
// MetricsTextTest.cpp
//
// The Prometheus text writer: HELP and TYPE lines, escaping, number
// formats, histogram buckets and the names it refuses.
//


#include "metrics/MetricsText.h"
#include "Poco/Exception.h"
#include <cppunit/extensions/HelperMacros.h>
#include <limits>


using namespace orchd;


class MetricsTextTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(MetricsTextTest);
	CPPUNIT_TEST(testCounterAndGauge);
	CPPUNIT_TEST(testLabelEscaping);
	CPPUNIT_TEST(testHelpEscaping);
	CPPUNIT_TEST(testNumbers);
	CPPUNIT_TEST(testHistogramSeconds);
	CPPUNIT_TEST(testCounterNeedsTotal);
	CPPUNIT_TEST(testBadNames);
	CPPUNIT_TEST(testFamilyOnce);
	CPPUNIT_TEST(testSampleKinds);
	CPPUNIT_TEST_SUITE_END();

public:
	void testCounterAndGauge()
	{
		MetricsText text;
		text.family("orchd_tasks_submitted_total", MetricsText::COUNTER, "Tasks accepted.");
		text.add({{"type", "ECHO"}}, std::uint64_t(7));
		text.add({{"type", "UPDATE"}}, std::uint64_t(18446744073709551615ULL));
		text.family("orchd_queue_depth", MetricsText::GAUGE, "Tasks waiting.");
		text.add({}, std::uint64_t(0));
		CPPUNIT_ASSERT_EQUAL(std::string(
			"# HELP orchd_tasks_submitted_total Tasks accepted.\n"
			"# TYPE orchd_tasks_submitted_total counter\n"
			"orchd_tasks_submitted_total{type=\"ECHO\"} 7\n"
			"orchd_tasks_submitted_total{type=\"UPDATE\"} 18446744073709551615\n"
			"# HELP orchd_queue_depth Tasks waiting.\n"
			"# TYPE orchd_queue_depth gauge\n"
			"orchd_queue_depth 0\n"), text.str());
	}

	void testLabelEscaping()
	{
		CPPUNIT_ASSERT_EQUAL(std::string("a\\\\b\\\"c\\nd"), MetricsText::escapeLabel("a\\b\"c\nd"));
		CPPUNIT_ASSERT_EQUAL(std::string("plain é"), MetricsText::escapeLabel("plain é"));
		MetricsText text;
		text.family("orchd_peers", MetricsText::GAUGE, "Peers.");
		text.add({{"state", "ALIVE"}, {"peer", "m\"2\n"}}, 1.5);
		CPPUNIT_ASSERT_EQUAL(std::string("# HELP orchd_peers Peers.\n# TYPE orchd_peers gauge\norchd_peers{state=\"ALIVE\",peer=\"m\\\"2\\n\"} 1.5\n"), text.str());
	}

	void testHelpEscaping()
	{
		// A quote needs no escape in HELP; a backslash and a newline do.
		CPPUNIT_ASSERT_EQUAL(std::string("one\\ntwo \\\\ \"q\""), MetricsText::escapeHelp("one\ntwo \\ \"q\""));
	}

	void testNumbers()
	{
		CPPUNIT_ASSERT_EQUAL(std::string("0.0001"), MetricsText::number(100 * 1e-6));
		CPPUNIT_ASSERT_EQUAL(std::string("2.5"), MetricsText::number(2500000 * 1e-6));
		CPPUNIT_ASSERT_EQUAL(std::string("30"), MetricsText::number(30000000 * 1e-6));
		CPPUNIT_ASSERT_EQUAL(std::string("+Inf"), MetricsText::number(std::numeric_limits<double>::infinity()));
		CPPUNIT_ASSERT_EQUAL(std::string("-Inf"), MetricsText::number(-std::numeric_limits<double>::infinity()));
		CPPUNIT_ASSERT_EQUAL(std::string("NaN"), MetricsText::number(std::numeric_limits<double>::quiet_NaN()));
	}

	void testHistogramSeconds()
	{
		Histogram histogram({1000, 10000, 100000});
		for (std::uint64_t micros: {500, 1000, 1001, 9999, 50000, 2000000}) histogram.observe(micros);
		MetricsText text;
		text.family("orchd_task_execution_seconds", MetricsText::HISTOGRAM, "Execution.");
		text.add({{"type", "ECHO"}}, histogram.snapshot(), 1e-6);
		// le is inclusive: 1000 µs falls in le="0.001"; buckets are cumulative.
		CPPUNIT_ASSERT_EQUAL(std::string(
			"# HELP orchd_task_execution_seconds Execution.\n"
			"# TYPE orchd_task_execution_seconds histogram\n"
			"orchd_task_execution_seconds_bucket{type=\"ECHO\",le=\"0.001\"} 2\n"
			"orchd_task_execution_seconds_bucket{type=\"ECHO\",le=\"0.01\"} 4\n"
			"orchd_task_execution_seconds_bucket{type=\"ECHO\",le=\"0.1\"} 5\n"
			"orchd_task_execution_seconds_bucket{type=\"ECHO\",le=\"+Inf\"} 6\n"
			"orchd_task_execution_seconds_sum{type=\"ECHO\"} 2.0625\n"
			"orchd_task_execution_seconds_count{type=\"ECHO\"} 6\n"), text.str());
	}

	void testCounterNeedsTotal()
	{
		MetricsText text;
		CPPUNIT_ASSERT_THROW(text.family("orchd_tasks_submitted", MetricsText::COUNTER, "x"), Poco::InvalidArgumentException);
		CPPUNIT_ASSERT_THROW(text.family("orchd_queue_total", MetricsText::GAUGE, "x"), Poco::InvalidArgumentException);
		CPPUNIT_ASSERT_THROW(text.family("orchd_wait_total", MetricsText::HISTOGRAM, "x"), Poco::InvalidArgumentException);
		CPPUNIT_ASSERT_THROW(text.family("_total", MetricsText::COUNTER, "x"), Poco::InvalidArgumentException);
	}

	void testBadNames()
	{
		CPPUNIT_ASSERT(MetricsText::validName("orchd:rule_1", true));
		CPPUNIT_ASSERT(!MetricsText::validName("orchd:rule", false));
		CPPUNIT_ASSERT(!MetricsText::validName("1orchd", true));
		CPPUNIT_ASSERT(!MetricsText::validName("orchd-queue", true));
		CPPUNIT_ASSERT(!MetricsText::validName("", true));
		MetricsText text;
		CPPUNIT_ASSERT_THROW(text.family("orchd queue", MetricsText::GAUGE, "x"), Poco::InvalidArgumentException);
		text.family("orchd_queue_depth", MetricsText::GAUGE, "x");
		CPPUNIT_ASSERT_THROW(text.add({{"bad-label", "v"}}, std::uint64_t(1)), Poco::InvalidArgumentException);
		CPPUNIT_ASSERT_THROW(text.add({{"__reserved", "v"}}, std::uint64_t(1)), Poco::InvalidArgumentException);
		text.family("orchd_wait_seconds", MetricsText::HISTOGRAM, "x");
		CPPUNIT_ASSERT_THROW(text.add({{"le", "1"}}, Histogram({1}).snapshot()), Poco::InvalidArgumentException);
	}

	void testFamilyOnce()
	{
		MetricsText text;
		text.family("orchd_queue_depth", MetricsText::GAUGE, "x");
		CPPUNIT_ASSERT_THROW(text.family("orchd_queue_depth", MetricsText::GAUGE, "x"), Poco::InvalidArgumentException);
	}

	void testSampleKinds()
	{
		MetricsText text;
		CPPUNIT_ASSERT_THROW(text.add({}, std::uint64_t(1)), Poco::InvalidArgumentException);
		text.family("orchd_wait_seconds", MetricsText::HISTOGRAM, "x");
		CPPUNIT_ASSERT_THROW(text.add({}, 1.0), Poco::InvalidArgumentException);
		text.family("orchd_queue_depth", MetricsText::GAUGE, "x");
		CPPUNIT_ASSERT_THROW(text.add({}, Histogram({1}).snapshot()), Poco::InvalidArgumentException);
	}
};


CPPUNIT_TEST_SUITE_REGISTRATION(MetricsTextTest);

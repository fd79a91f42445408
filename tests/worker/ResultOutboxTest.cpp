//
// ResultOutboxTest.cpp
//
// The worker's batched sending of results: what is queued while a write is
// under way leaves in one write, nothing is lost between producers, and a
// failed write is counted and reported.
//


#include "worker/ResultOutbox.h"
#include "Poco/Event.h"
#include <cppunit/extensions/HelperMacros.h>
#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>


using namespace orchd;


class ResultOutboxTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(ResultOutboxTest);
	CPPUNIT_TEST(testAloneSendsAtOnce);
	CPPUNIT_TEST(testQueuedWhileSendingLeaveInOneWrite);
	CPPUNIT_TEST(testConcurrentProducersLoseNothing);
	CPPUNIT_TEST(testFailedSendIsReported);
	CPPUNIT_TEST_SUITE_END();

public:
	void setUp() override
	{
		_writes.clear();
		_finishedCount = 0;
		_finishedLost = 0;
		_finishedCalls = 0;
		_fail = false;
	}

	void testAloneSendsAtOnce()
	{
		ResultOutbox outbox = make();
		std::vector<std::string> results{"a", "b"};
		outbox.report(results);
		CPPUNIT_ASSERT(results.empty());
		outbox.report(std::string("c"));
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), _writes.size());
		CPPUNIT_ASSERT(_writes[0] == std::vector<std::string>({"a", "b"}));
		CPPUNIT_ASSERT(_writes[1] == std::vector<std::string>({"c"}));
		CPPUNIT_ASSERT_EQUAL(std::size_t(3), outbox.sent());
		CPPUNIT_ASSERT_EQUAL(std::size_t(3), _finishedCount.load());
		CPPUNIT_ASSERT_EQUAL(2, _finishedCalls.load());
	}

	void testQueuedWhileSendingLeaveInOneWrite()
	{
		Poco::Event entered;
		Poco::Event release;
		std::atomic<bool> blocked(false);
		ResultOutbox outbox([&](const std::vector<std::string>& texts)
			{
				record(texts);
				if (!blocked.exchange(true))
				{
					// The first write takes long (bounded, so that a broken
					// outbox fails the test instead of hanging it).
					entered.set();
					release.tryWait(5000);
				}
				return true;
			},
			[this](std::size_t count, bool sent) { finished(count, sent); });
		std::thread sender([&] { outbox.report(std::string("first")); });
		entered.wait();
		// A write is under way: these are queued and the callers return at
		// once, without writing.
		outbox.report(std::string("r1"));
		std::vector<std::string> more{"r2", "r3"};
		outbox.report(more);
		outbox.report(std::string("r4"));
		std::size_t writesMeanwhile = writes();
		std::size_t finishedMeanwhile = _finishedCount.load();
		release.set();
		sender.join();
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), writesMeanwhile);
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), finishedMeanwhile);
		// The sending thread took them all along, in one write.
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), _writes.size());
		CPPUNIT_ASSERT(_writes[1] == std::vector<std::string>({"r1", "r2", "r3", "r4"}));
		CPPUNIT_ASSERT_EQUAL(std::size_t(5), outbox.sent());
		CPPUNIT_ASSERT_EQUAL(std::size_t(5), _finishedCount.load());
		CPPUNIT_ASSERT_EQUAL(2, _finishedCalls.load());
	}

	void testConcurrentProducersLoseNothing()
	{
		const int PRODUCERS = 4;
		const int EACH = 2000;
		std::atomic<int> inSend(0);
		std::atomic<bool> overlapped(false);
		ResultOutbox outbox([&](const std::vector<std::string>& texts)
			{
				// One thread at a time writes.
				if (inSend.fetch_add(1) != 0) overlapped = true;
				record(texts);
				// A write takes a while, so that producers queue meanwhile.
				std::this_thread::sleep_for(std::chrono::microseconds(50));
				inSend.fetch_sub(1);
				return true;
			},
			[this](std::size_t count, bool sent) { finished(count, sent); });
		std::vector<std::thread> producers;
		for (int p = 0; p < PRODUCERS; ++p)
		{
			producers.emplace_back([&outbox, p, EACH]
				{
					for (int i = 0; i < EACH; ++i)
					{
						std::string text = std::to_string(p) + ":" + std::to_string(i);
						if (i % 2) outbox.report(std::move(text));
						else
						{
							std::vector<std::string> one{text};
							outbox.report(one);
						}
					}
				});
		}
		for (auto& producer: producers) producer.join();
		CPPUNIT_ASSERT(!overlapped);
		std::set<std::string> seen;
		std::size_t total = 0;
		for (const auto& write: _writes)
		{
			CPPUNIT_ASSERT(!write.empty());
			total += write.size();
			seen.insert(write.begin(), write.end());
		}
		CPPUNIT_ASSERT_EQUAL(std::size_t(PRODUCERS * EACH), total);
		CPPUNIT_ASSERT_EQUAL(std::size_t(PRODUCERS * EACH), seen.size());
		CPPUNIT_ASSERT_EQUAL(std::size_t(PRODUCERS * EACH), outbox.sent());
		CPPUNIT_ASSERT_EQUAL(std::size_t(PRODUCERS * EACH), _finishedCount.load());
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), outbox.lost());
		// Each producer's results keep their order.
		std::vector<int> last(PRODUCERS, -1);
		for (const auto& write: _writes)
		{
			for (const auto& text: write)
			{
				int p = std::stoi(text.substr(0, text.find(':')));
				int i = std::stoi(text.substr(text.find(':') + 1));
				CPPUNIT_ASSERT(i > last[p]);
				last[p] = i;
			}
		}
	}

	void testFailedSendIsReported()
	{
		ResultOutbox outbox = make();
		_fail = true;
		std::vector<std::string> results{"a", "b", "c"};
		outbox.report(results);
		CPPUNIT_ASSERT_EQUAL(std::size_t(3), outbox.lost());
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), outbox.sent());
		CPPUNIT_ASSERT_EQUAL(std::size_t(3), _finishedLost.load());
		// Lost results still count as finished (no drain waits for them
		// forever), and the outbox works again once the link does.
		CPPUNIT_ASSERT_EQUAL(std::size_t(3), _finishedCount.load());
		_fail = false;
		outbox.report(std::string("d"));
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), outbox.sent());
		CPPUNIT_ASSERT_EQUAL(std::size_t(3), outbox.lost());
		CPPUNIT_ASSERT_EQUAL(std::size_t(4), _finishedCount.load());
		CPPUNIT_ASSERT(_writes.back() == std::vector<std::string>({"d"}));
	}

private:
	ResultOutbox make()
	{
		return ResultOutbox([this](const std::vector<std::string>& texts) { record(texts); return !_fail; },
			[this](std::size_t count, bool sent) { finished(count, sent); });
	}

	void record(const std::vector<std::string>& texts)
	{
		std::lock_guard<std::mutex> lock(_mutex);
		_writes.push_back(texts);
	}

	std::size_t writes()
	{
		std::lock_guard<std::mutex> lock(_mutex);
		return _writes.size();
	}

	void finished(std::size_t count, bool sent)
	{
		_finishedCount += count;
		if (!sent) _finishedLost += count;
		++_finishedCalls;
	}

	std::mutex _mutex;
	std::vector<std::vector<std::string>> _writes;
	std::atomic<std::size_t> _finishedCount{0};
	std::atomic<std::size_t> _finishedLost{0};
	std::atomic<int> _finishedCalls{0};
	std::atomic<bool> _fail{false};
};


CPPUNIT_TEST_SUITE_REGISTRATION(ResultOutboxTest);

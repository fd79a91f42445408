//
// DispatcherFuzz.cpp
//
// libFuzzer target: the master's Dispatcher through its seam (a
// FakeDirectory for its connections, a ManualClock), with the echo plugin
// to validate tasks. The input is a script of steps, each a byte saying
// what happens and, for a message, a length byte and the text: a client
// or a worker connects, a link sends a text (anything: JSON, garbage, a
// result for any task), a worker joins with a well-formed ALIVE, a worker
// answers its oldest task, a link drops, time passes and leases expire.
// Properties, after every step:
// - no sanitizer error, and status() can always be built;
// - every task is answered at most once (no TASK_ID reaches a client
//   twice), and completed + failed never exceeds submitted;
// - the tasks held (queued and in flight) never exceed the queue's
//   capacity plus the most ever in flight: BUSY bounds what is accepted,
//   and a task coming back from a worker (a lease lost) is never dropped,
//   so the queue itself may then hold more than its capacity.
//


#include "FuzzCheck.h"
#include "master/Dispatcher.h"
#include "master/FakeDirectory.h"
#include "master/LoanBook.h"
#include "net/MonotonicClock.h"
#include "plugin/PluginHost.h"
#include "plugin/TaskRunner.h"
#include "Poco/Logger.h"
#include "Poco/Message.h"
#include <cstdint>
#include <map>
#include <string>
#include <vector>


using namespace orchd;
using orchd::test::FakeDirectory;


namespace {


struct Fixed
	/// What every input shares: the plugins and a silent logger.
{
	Fixed():
		logger(Poco::Logger::get("DispatcherFuzz")),
		plugins(logger),
		runner((plugins.loadFolder(ORCHD_FUZZ_PLUGINS_DIR), plugins), nullptr, logger)
	{
		logger.setLevel(Poco::Message::PRIO_FATAL);
	}

	Poco::Logger& logger;
	PluginHost plugins;
	TaskRunner runner;
};


class Script
{
public:
	Script(const std::uint8_t* data, std::size_t size): _p(data), _end(data + size)
	{
	}

	bool more() const
	{
		return _p < _end;
	}

	std::uint8_t byte()
	{
		return _p < _end ? *_p++ : 0;
	}

	std::string text()
	{
		std::size_t length = std::min<std::size_t>(byte(), static_cast<std::size_t>(_end - _p));
		std::string out(reinterpret_cast<const char*>(_p), length);
		_p += length;
		return out;
	}

private:
	const std::uint8_t* _p;
	const std::uint8_t* _end;
};


const char* const TEXTS[] = {
	"{\"TASK\":\"ECHO\",\"PAYLOAD\":1}",
	"{\"TASK\":\"ECHO\",\"PAYLOAD\":{\"a\":[1,2]},\"REQUEST_ID\":\"r\"}",
	"{\"WORKER\":\"STOPPING\"}",
	"{\"STATUS\":\"OK\",\"TASK_ID\":\"T-1\",\"ATTEMPT\":1}",
	"{\"TASK\":\"NOPE\"}",
};


} // namespace


extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
	static Fixed fixed;
	DispatchOptions options;
	options.masterId = "m1";
	options.queueCapacity = 8;
	options.maxAttempts = 2;
	options.maxMessageBytes = 512;
	FakeDirectory directory;
	ManualClock clock;
	LoanBook loans;
	Dispatcher dispatcher(directory, clock, fixed.runner, loans, options, fixed.logger);
	std::vector<Link> links;
	std::map<std::uint64_t, std::size_t> taken;  // worker link -> messages read
	std::map<std::string, int> answers;          // TASK_ID -> answers to clients
	Script script(data, size);
	int workers = 0;
	std::size_t peakInFlight = 0;
	while (script.more())
	{
		std::uint8_t step = script.byte();
		const Link* link = links.empty() ? nullptr : &links[script.byte() % links.size()];
		switch (step % 8)
		{
		case 0: links.push_back(directory.open(dispatcher, Link::CLIENT)); break;
		case 1: links.push_back(directory.open(dispatcher, Link::WORKER)); break;
		case 2:
			if (link && directory.exists(*link)) directory.message(*link, script.text());
			break;
		case 3:
			if (link && directory.exists(*link)) directory.message(*link, TEXTS[script.byte() % 5]);
			break;
		case 4:
		{
			Link worker = directory.open(dispatcher, Link::WORKER);
			directory.message(worker, "{\"WORKER\":\"ALIVE\",\"WORKER_UUID\":\"w" + std::to_string(workers++ % 3)
				+ "\",\"TASKS\":[\"ECHO\"],\"CONCURRENCY\":" + std::to_string(1 + script.byte() % 3) + "}");
			links.push_back(worker);
			break;
		}
		case 5:
			if (link && link->kind == Link::WORKER && directory.exists(*link))
			{
				std::deque<std::string>& sent = directory.sent(*link);
				std::size_t& read = taken[link->id];
				if (read < sent.size())
				{
					Poco::JSON::Object::Ptr task = parseObject(sent[read++]);
					if (task->has("TASK_ID") && task->has("ATTEMPT"))
						directory.message(*link, "{\"STATUS\":\"OK\",\"TASK\":\"ECHO\",\"TASK_ID\":\"" + task->getValue<std::string>("TASK_ID")
							+ "\",\"ATTEMPT\":" + std::to_string(task->getValue<int>("ATTEMPT")) + ",\"PAYLOAD\":1}");
				}
			}
			break;
		case 6:
			if (link) directory.disconnect(*link);
			break;
		case 7:
			clock.advanceMs(1000 * (1 + script.byte() % 40));
			dispatcher.checkLeases();
			break;
		}
		for (const Link& client: links)
		{
			if (client.kind != Link::CLIENT || !directory.exists(client)) continue;
			std::deque<std::string>& sent = directory.sent(client);
			while (!sent.empty())
			{
				Poco::JSON::Object::Ptr answer = parseObject(sent.front());
				sent.pop_front();
				if (answer->has("TASK_ID")) FUZZ_CHECK(++answers[answer->getValue<std::string>("TASK_ID")] == 1);
			}
		}
		Poco::JSON::Object::Ptr status = dispatcher.status();
		Poco::JSON::Object::Ptr counters = status->getObject("counters");
		FUZZ_CHECK(counters->getValue<Poco::UInt64>("completed") + counters->getValue<Poco::UInt64>("failed") <= counters->getValue<Poco::UInt64>("submitted"));
		Poco::JSON::Object::Ptr queue = status->getObject("queue");
		std::size_t depth = queue->getValue<std::size_t>("depth"), inFlight = queue->getValue<std::size_t>("in_flight");
		peakInFlight = std::max(peakInFlight, inFlight);
		FUZZ_CHECK(depth + inFlight <= options.queueCapacity + peakInFlight);
	}
	return 0;
}

//
// WorkerNode.cpp
//


#include "worker/WorkerNode.h"
#include "orchd/Request.h"
#include "Poco/JSON/Array.h"
#include "Poco/Net/SocketAddress.h"
#include "Poco/Net/HTTPClientSession.h"
#include "Poco/Net/HTTPRequest.h"
#include "Poco/Net/HTTPResponse.h"
#include "Poco/Net/NetException.h"
#include "Poco/Random.h"
#include <sstream>


using namespace Poco::Net;


namespace orchd {


WorkerNode::WorkerNode(const WorkerOptions& options, const TaskRunner& runner, const std::vector<std::string>& tasks, Poco::Logger& logger):
	_options(options),
	_runner(runner),
	_tasks(tasks),
	_logger(logger)
{
	_thread.setName("orchd-worker-link");
	_home = PeerAddress{options.homeId, options.home.host().toString(), options.home.port()};
	_failover = options.failover;
}


WorkerNode::~WorkerNode()
{
	stop();
}


void WorkerNode::start()
{
	for (int i = 0; i < _options.concurrency; ++i) _executors.emplace_back([this] { execute(); });
	_thread.start(*this);
}


void WorkerNode::stop()
{
	if (_stopCalled.exchange(true)) return;
	_stopping = true;
	send("{\"WORKER\":\"STOPPING\",\"WORKER_UUID\":\"" + _options.id + "\"}");
	{
		std::unique_lock<std::mutex> lock(_jobsMutex);
		bool drained = _jobsChanged.wait_for(lock, std::chrono::milliseconds(_options.drainTimeout.totalMilliseconds()),
			[this] { return _jobs.empty() && _running == 0; });
		if (!drained) _logger.warning("worker %s stopping with %d task(s) unfinished: the master will re-dispatch them", _options.id, _running + static_cast<int>(_jobs.size()));
		_jobs.clear();
		for (auto& flag: _cancelFlags) *flag.second = true;
		_quit = true;
	}
	_jobsChanged.notify_all();
	for (auto& executor: _executors) executor.join();
	_executors.clear();
	_wake.set();
	{
		Poco::FastMutex::ScopedLock lock(_linkMutex);
		if (_link) _link->shutdown();
	}
	if (_thread.isRunning()) _thread.join();
}


void WorkerNode::run()
{
	Poco::Random random;
	random.seed();
	Poco::Timespan::TimeDiff delayMs = 100;
	bool reported = false;
	PeerAddress master = _home;
	while (!_stopping)
	{
		bool reached = false;
		try
		{
			session(master);
			reached = true;
			delayMs = 100;
			reported = false;
		}
		catch (Poco::Exception& exc)
		{
			// The first failure is news; the retries that follow are not.
			if (!reported) _logger.warning("worker %s: cannot reach master %s: %s; retrying with backoff", _options.id, master.toString(), exc.displayText());
			else _logger.debug("worker %s: master %s still unreachable: %s", _options.id, master.toString(), exc.displayText());
			reported = true;
		}
		if (_stopping) break;
		bool moving = false;
		{
			std::lock_guard<std::mutex> lock(_jobsMutex);
			moving = _moveTo != nullptr;
		}
		PeerAddress next = nextMaster(master, reached);
		if (moving || (reached && next.id != master.id))
		{
			// An ordered move (REDIRECT, RETURN) or going home from a lost
			// host starts at once; anything else waits out the backoff.
			master = next;
			continue;
		}
		master = next;
		// Exponential backoff with jitter, so that a fleet of workers does
		// not reconnect in lock step when their master comes back.
		Poco::Timespan::TimeDiff wait = delayMs / 2 + random.next(static_cast<Poco::UInt32>(delayMs / 2 + 1));
		_wake.tryWait(static_cast<long>(wait));
		delayMs = std::min<Poco::Timespan::TimeDiff>(delayMs * 2, _options.reconnectMax.totalMilliseconds());
	}
}


PeerAddress WorkerNode::nextMaster(const PeerAddress& current, bool reached)
{
	std::lock_guard<std::mutex> lock(_jobsMutex);
	if (_moveTo)
	{
		PeerAddress target = *_moveTo;
		_moveTo.reset();
		return target;
	}
	if (current.id != _home.id)
	{
		// Lost the master we were lent to (or failed over to): go home.
		return _home;
	}
	if (reached) _homeFailures = 0;
	else ++_homeFailures;
	// Home is down: after a few tries, walk the failover list; the master
	// there sends us back when home is ALIVE again.
	if (_homeFailures >= 3 && !_failover.empty())
	{
		PeerAddress target = _failover[_nextFailover++ % _failover.size()];
		_logger.warning("worker %s: home master %s is down; failing over to %s", _options.id, _home.toString(), target.toString());
		return target;
	}
	return _home;
}


void WorkerNode::session(const PeerAddress& master)
{
	auto link = std::make_shared<WebSocketClient>(Poco::Net::SocketAddress(master.host, master.port), "/v1/worker", Poco::Timespan(5, 0), _options.maxMessageBytes);
	Poco::JSON::Object hello;
	hello.set("WORKER", "ALIVE");
	hello.set("WORKER_UUID", _options.id);
	Poco::JSON::Array tasks;
	for (const auto& task: _tasks) tasks.add(task);
	hello.set("TASKS", tasks);
	hello.set("CONCURRENCY", _options.concurrency);
	hello.set("SERVER_UUID", _home.id);
	std::ostringstream text;
	hello.stringify(text);
	link->send(text.str());
	{
		Poco::FastMutex::ScopedLock lock(_linkMutex);
		_link = link;
	}
	_logger.information("worker %s connected to master %s at %s:%hu", _options.id, master.id, master.host, master.port);

	std::string reason = "master closed the connection";
	bool moving = false;
	try
	{
		std::string message;
		while (!_quit)
		{
			if (link->receive(message, Poco::Timespan(0, 50000))) handle(message);
			std::lock_guard<std::mutex> lock(_jobsMutex);
			if (_moveTo && _jobs.empty() && _running == 0)
			{
				// Every task in flight is finished and reported: move.
				moving = true;
				break;
			}
		}
	}
	catch (Poco::Exception& exc)
	{
		reason = exc.displayText();
	}
	{
		Poco::FastMutex::ScopedLock lock(_linkMutex);
		_link.reset();
	}
	link->shutdown();
	if (moving) _logger.information("worker %s leaves master %s", _options.id, master.id);
	else if (!_quit) _logger.warning("worker %s lost master %s: %s", _options.id, master.id, reason);
}


void WorkerNode::handle(const std::string& text)
{
	Poco::JSON::Object::Ptr message;
	try
	{
		message = TaskRunner::parse(text);
	}
	catch (Poco::Exception& exc)
	{
		_logger.warning("worker %s: ignored a message from the master: %s", _options.id, exc.message());
		return;
	}
	std::string task = message->optValue<std::string>("TASK", "");
	std::string taskId = message->optValue<std::string>("TASK_ID", "");
	if (task == "REDIRECT" || task == "RETURN")
	{
		move(*message, task);
		return;
	}
	if (task.empty() || taskId.empty())
	{
		_logger.warning("worker %s: ignored a message without TASK and TASK_ID: %s", _options.id, text.substr(0, 200));
		return;
	}
	std::lock_guard<std::mutex> lock(_jobsMutex);
	int attempt = message->optValue<int>("ATTEMPT", 1);
	std::string flagKey = taskId + "#" + std::to_string(attempt);
	if (task == "CANCEL")
	{
		auto flag = _cancelFlags.find(flagKey);
		if (flag != _cancelFlags.end()) *flag->second = true;
		return;
	}
	Job job;
	job.request = message;
	job.taskId = taskId;
	job.attempt = attempt;
	job.cancelled = std::make_shared<std::atomic<bool>>(false);
	_cancelFlags[flagKey] = job.cancelled;
	_jobs.push_back(std::move(job));
	_jobsChanged.notify_one();
}


void WorkerNode::move(const Poco::JSON::Object& message, const std::string& task)
{
	try
	{
		PeerAddress target = _home;
		if (task == "REDIRECT")
		{
			Poco::JSON::Object::Ptr to = message.getObject("TARGET_MASTER");
			if (!to) throw Poco::InvalidArgumentException("Missing field: TARGET_MASTER");
			target = PeerAddress{to->getValue<std::string>("ID"), to->getValue<std::string>("IP"), static_cast<Poco::UInt16>(to->getValue<int>("PORT"))};
			Poco::JSON::Array::Ptr list = message.getArray("FAILOVER_LIST");
			std::lock_guard<std::mutex> lock(_jobsMutex);
			for (std::size_t i = 0; list && i < list->size(); ++i)
			{
				Poco::JSON::Object::Ptr entry = list->getObject(static_cast<unsigned>(i));
				if (!entry) continue;
				PeerAddress alternative{entry->getValue<std::string>("ID"), entry->getValue<std::string>("IP"), static_cast<Poco::UInt16>(entry->getValue<int>("PORT"))};
				bool known = alternative.id == _home.id;
				for (const auto& f: _failover) known = known || f.id == alternative.id;
				if (!known) _failover.push_back(alternative);
			}
		}
		_logger.information("worker %s: %s to %s once its tasks in flight are done", _options.id,
			std::string(task == "REDIRECT" ? "redirected" : "returning home"), target.toString());
		std::lock_guard<std::mutex> lock(_jobsMutex);
		_moveTo = std::make_unique<PeerAddress>(target);
	}
	catch (Poco::Exception& exc)
	{
		_logger.warning("worker %s: ignored a bad %s: %s", _options.id, task, exc.displayText());
	}
}


void WorkerNode::execute()
{
	for (;;)
	{
		Job job;
		{
			std::unique_lock<std::mutex> lock(_jobsMutex);
			_jobsChanged.wait(lock, [this] { return !_jobs.empty() || _quit; });
			if (_jobs.empty()) return;
			job = std::move(_jobs.front());
			_jobs.pop_front();
			++_running;
		}
		job.request->remove("ATTEMPT");
		Poco::JSON::Object::Ptr result = _runner.run(*job.request, job.taskId, job.attempt, *job.cancelled);
		result->set("ATTEMPT", job.attempt);
		std::ostringstream text;
		result->stringify(text);
		if (text.str().size() > _options.maxMessageBytes)
		{
			// The master would refuse it and drop this worker's link.
			Poco::JSON::Object::Ptr tooLarge = Result::nok(job.request->optValue<std::string>("TASK", ""), "Result too large (" + std::to_string(text.str().size()) + " bytes)");
			tooLarge->set("TASK_ID", job.taskId);
			tooLarge->set("ATTEMPT", job.attempt);
			text.str("");
			tooLarge->stringify(text);
		}
		// If the link is down the result is lost; the master re-dispatches
		// the task and the store's idempotency key makes that safe.
		send(text.str());
		{
			std::lock_guard<std::mutex> lock(_jobsMutex);
			--_running;
			_cancelFlags.erase(job.taskId + "#" + std::to_string(job.attempt));
		}
		_jobsChanged.notify_all();
	}
}


bool WorkerNode::send(const std::string& text)
{
	std::shared_ptr<WebSocketClient> link;
	{
		Poco::FastMutex::ScopedLock lock(_linkMutex);
		link = _link;
	}
	if (!link) return false;
	try
	{
		link->send(text);
		return true;
	}
	catch (Poco::Exception& exc)
	{
		_logger.warning("worker %s: cannot send to master %s: %s", _options.id, _options.homeId, exc.displayText());
		return false;
	}
}


} // namespace orchd

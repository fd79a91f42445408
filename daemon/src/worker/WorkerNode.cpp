//
// WorkerNode.cpp
//


#include "worker/WorkerNode.h"
#include "json/JsonObject.h"
#include "orchd/Request.h"
#include "Poco/JSON/Array.h"
#include "Poco/Net/SocketAddress.h"
#include "Poco/Net/NetException.h"
#include "Poco/Random.h"
#include "Poco/String.h"
#include <chrono>
#include <sstream>


using namespace Poco::Net;


namespace orchd {


namespace {


PeerAddress peerAddress(const Poco::JSON::Object& entry)
	/// {"ID":...,"IP":...,"PORT":...} of REDIRECT; throws if a field is
	/// missing or of the wrong type.
{
	return PeerAddress{entry.getValue<std::string>("ID"), entry.getValue<std::string>("IP"), static_cast<Poco::UInt16>(entry.getValue<int>("PORT"))};
}


} // namespace


WorkerNode::WorkerNode(const WorkerOptions& options, const TaskRunner& runner, QuickRunner& quick, const std::vector<std::string>& tasks, Poco::Logger& logger):
	_options(options),
	_runner(runner),
	_tasks(tasks),
	_logger(logger),
	_quick(quick),
	_route(PeerAddress{options.homeId, options.home.host().toString(), options.home.port()}, options.failover),
	_outbox([this](const std::vector<std::string>& texts) { return send(texts); }, [this](std::size_t count, bool) { countFinished(count); })
{
	_thread.setName("orchd-worker-link");
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
	send({"{\"WORKER\":\"STOPPING\",\"WORKER_UUID\":\"" + _options.id + "\"}"});
	{
		std::unique_lock<std::mutex> lock(_jobsMutex);
		bool drained = _finished.wait_for(lock, std::chrono::milliseconds(_options.drainTimeout.totalMilliseconds()),
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
	PeerAddress master = _route.home();
	while (!_stopping)
	{
		bool reached = false;
		try
		{
			// A master that refused this worker will refuse it again until
			// someone fixes a configuration: keep backing off.
			bool refused = session(master);
			reached = true;
			if (!refused)
			{
				delayMs = 100;
				reported = false;
			}
		}
		catch (Poco::Exception& exc)
		{
			// The first failure is news; the retries that follow are not.
			if (!reported) _logger.warning("worker %s: cannot reach master %s: %s; retrying with backoff", _options.id, master.toString(), exc.displayText());
			else _logger.debug("worker %s: master %s still unreachable: %s", _options.id, master.toString(), exc.displayText());
			reported = true;
		}
		if (_stopping) break;
		MasterRoute::Hop hop = _route.next(master, reached);
		if (hop.failover) _logger.warning("worker %s: home master %s is down; failing over to %s", _options.id, _route.home().toString(), hop.master.toString());
		master = hop.master;
		if (hop.atOnce) continue;
		// Exponential backoff with jitter, so that a fleet of workers does
		// not reconnect in lock step when their master comes back.
		Poco::Timespan::TimeDiff wait = delayMs / 2 + random.next(static_cast<Poco::UInt32>(delayMs / 2 + 1));
		_wake.tryWait(static_cast<long>(wait));
		delayMs = std::min<Poco::Timespan::TimeDiff>(delayMs * 2, _options.reconnectMax.totalMilliseconds());
	}
}


bool WorkerNode::session(const PeerAddress& master)
{
	// With TLS the master's certificate must name the master this worker
	// means to reach (worker.home, worker.failover, a REDIRECT).
	DialSecurity security{_options.security.client, master.id, std::string(), _options.security.clusterToken};
	auto link = std::make_shared<WebSocketClient>(Poco::Net::SocketAddress(master.host, master.port), "/v1/worker", Poco::Timespan(5, 0), _options.maxMessageBytes, security);
	Poco::JSON::Object hello;
	hello.set("WORKER", "ALIVE");
	hello.set("WORKER_UUID", _options.id);
	int announced = 0;
	Poco::JSON::Array tasks;
	for (const auto& task: this->tasks(announced)) tasks.add(task);
	hello.set("TASKS", tasks);
	hello.set("CONCURRENCY", _options.concurrency);
	hello.set("SERVER_UUID", _route.home().id);
	if (!_options.storeId.empty()) hello.set("STORE_ID", _options.storeId);
	std::ostringstream text;
	hello.stringify(text);
	link->send(text.str());
	{
		Poco::FastMutex::ScopedLock lock(_linkMutex);
		_link = link;
	}
	_logger.information("worker %s connected to master %s at %s:%hu", _options.id, master.id, master.host, master.port);
	if (_options.linked) _options.linked();

	std::string reason = "master closed the connection";
	bool moving = false;
	bool refused = false;
	try
	{
		std::string message;
		while (!_quit)
		{
			// Quick tasks that another link queued while this one was
			// running: run them before waiting for this link's socket. If
			// they are still there, the thread now running takes them in
			// its next round; look again soon all the same.
			if (_quick.waiting()) _quick.run(_burst);
			if (_tasksVersion.load() != announced) sendTasks(announced);
			Poco::Timespan wait = _quick.waiting() ? Poco::Timespan(0, 1000) : Poco::Timespan(0, 50000);
			if (link->receive(message, wait))
			{
				// Everything that has arrived (bounded), then the quick
				// tasks, their results in one write per commit.
				handle(message);
				for (int n = 1; n < MAX_BURST && link->receive(message, Poco::Timespan(0)); ++n) handle(message);
			}
			_quick.run(_burst);
			if (!_route.moving()) continue;
			std::lock_guard<std::mutex> lock(_jobsMutex);
			if (_jobs.empty() && _running == 0)
			{
				// Every task in flight is finished and reported: move.
				moving = true;
				break;
			}
		}
	}
	catch (ConnectionResetException& exc)
	{
		reason = exc.displayText();
		// 1008: the master refused this worker (another store, or a
		// message it could not take), and says why in its reason.
		refused = exc.code() == 1008;
		if (refused) reason = exc.message();
	}
	catch (Poco::Exception& exc)
	{
		reason = exc.displayText();
	}
	catch (std::exception& exc)
	{
		reason = exc.what();
	}
	// Quick tasks of a burst the link broke in: run all the same, so that
	// report() counts them finished (else _running would never fall to
	// zero, and no move or drain would end); their results are lost with
	// the link, the master re-dispatches the tasks, and their idempotency
	// keys replay the committed outcomes.
	_quick.run(_burst, true);
	{
		Poco::FastMutex::ScopedLock lock(_linkMutex);
		_link.reset();
	}
	link->shutdown();
	if (moving) _logger.information("worker %s leaves master %s", _options.id, master.id);
	else if (refused) _logger.error("worker %s refused by master %s: %s", _options.id, master.id, reason);
	else if (!_quit) _logger.warning("worker %s lost master %s: %s", _options.id, master.id, reason);
	return refused;
}


void WorkerNode::announceTasks(const std::vector<std::string>& tasks)
{
	{
		std::lock_guard<std::mutex> lock(_tasksMutex);
		if (tasks == _tasks) return;
		_tasks = tasks;
		++_tasksVersion;
	}
	// The connection thread looks at the version at least every 50 ms.
	_logger.information("worker %s offers %s from now on", _options.id, Poco::cat(std::string(", "), tasks.begin(), tasks.end()));
}


std::vector<std::string> WorkerNode::tasks(int& version) const
{
	std::lock_guard<std::mutex> lock(_tasksMutex);
	version = _tasksVersion.load();
	return _tasks;
}


void WorkerNode::sendTasks(int& announced)
{
	Poco::JSON::Object message;
	message.set("WORKER", "TASKS");
	message.set("WORKER_UUID", _options.id);
	Poco::JSON::Array list;
	for (const auto& task: tasks(announced)) list.add(task);
	message.set("TASKS", list);
	std::ostringstream text;
	message.stringify(text);
	// A link that broke loses it; the next one's ALIVE carries the list.
	if (send({text.str()})) _logger.information("worker %s told master of its task types: %s", _options.id, toText(message.get("TASKS")));
}


void WorkerNode::handle(const std::string& text)
{
	if (!_scan.scan(text))
	{
		_logger.warning("worker %s: ignored a message from the master: %s", _options.id, _scan.error());
		return;
	}
	const JsonScan::Member* taskField = _scan.find("TASK");
	const JsonScan::Member* idField = _scan.find("TASK_ID");
	std::string task = taskField && taskField->kind == JsonScan::STRING ? JsonScan::stringValue(*taskField) : std::string();
	std::string taskId = idField && idField->kind == JsonScan::STRING ? JsonScan::stringValue(*idField) : std::string();
	if (task == "REDIRECT" || task == "RETURN")
	{
		try
		{
			move(*parseObject(text), task);
		}
		catch (Poco::Exception& exc)
		{
			_logger.warning("worker %s: ignored a bad %s: %s", _options.id, task, exc.displayText());
		}
		return;
	}
	if (task.empty() || taskId.empty())
	{
		_logger.warning("worker %s: ignored a message without TASK and TASK_ID: %s", _options.id, text.substr(0, 200));
		return;
	}
	long long attempt = 1;
	const JsonScan::Member* attemptField = _scan.find("ATTEMPT");
	if (attemptField && (!JsonScan::intValue(*attemptField, attempt) || attempt < 1 || attempt > 1000000)) attempt = 1;
	std::string flagKey = taskId + "#" + std::to_string(attempt);
	if (task == "CANCEL")
	{
		std::lock_guard<std::mutex> lock(_jobsMutex);
		auto flag = _cancelFlags.find(flagKey);
		if (flag != _cancelFlags.end()) *flag->second = true;
		return;
	}
	Job job;
	try
	{
		job.request = parseObject(_scan, text, {"ATTEMPT"});
	}
	catch (Poco::Exception& exc)
	{
		_logger.warning("worker %s: cannot read task %s: %s", _options.id, taskId, exc.message());
		Poco::JSON::Object::Ptr result = Result::nok(task, exc.message());
		result->set("TASK_ID", taskId);
		result->set("ATTEMPT", static_cast<int>(attempt));
		send({JsonScan::write(*result)});
		return;
	}
	if (_runner.quick(*job.request))
	{
		// Microseconds and no blocking, says its handler: run it on a
		// link thread (after this burst) rather than pay two thread
		// switches to hand it to an executor.
		{
			std::lock_guard<std::mutex> lock(_jobsMutex);
			++_running;
		}
		_burst.push_back(QuickRunner::Job{this, job.request, task, taskId, static_cast<int>(attempt)});
		return;
	}
	job.taskId = taskId;
	job.attempt = static_cast<int>(attempt);
	job.cancelled = std::make_shared<std::atomic<bool>>(false);
	std::lock_guard<std::mutex> lock(_jobsMutex);
	_cancelFlags[flagKey] = job.cancelled;
	_jobs.push_back(std::move(job));
	_jobsChanged.notify_one();
}


void WorkerNode::move(const Poco::JSON::Object& message, const std::string& task)
{
	try
	{
		if (task == "RETURN")
		{
			_route.returnHome();
			_logger.information("worker %s: returning home to %s once its tasks in flight are done", _options.id, _route.home().toString());
			return;
		}
		Poco::JSON::Object::Ptr to = message.getObject("TARGET_MASTER");
		if (!to) throw Poco::InvalidArgumentException("Missing field: TARGET_MASTER");
		PeerAddress target = peerAddress(*to);
		std::vector<PeerAddress> alternatives;
		Poco::JSON::Array::Ptr list = message.getArray("FAILOVER_LIST");
		for (std::size_t i = 0; list && i < list->size(); ++i)
		{
			Poco::JSON::Object::Ptr entry = list->getObject(static_cast<unsigned>(i));
			if (entry) alternatives.push_back(peerAddress(*entry));
		}
		_route.redirect(target, alternatives);
		_logger.information("worker %s: redirected to %s once its tasks in flight are done", _options.id, target.toString());
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
		std::string text = runTask(*job.request, job.taskId, job.attempt, *job.cancelled, nullptr);
		{
			std::lock_guard<std::mutex> lock(_jobsMutex);
			_cancelFlags.erase(job.taskId + "#" + std::to_string(job.attempt));
		}
		_outbox.report(std::move(text));
	}
}


void WorkerNode::storeHint(const Poco::JSON::Object& request, const std::string& taskId, StoreHint& hint)
{
	_runner.storeHint(request, taskId, hint);
}


std::string WorkerNode::runTask(const Poco::JSON::Object& request, const std::string& taskId, int attempt, AccountStore* store)
{
	static const std::atomic<bool> NOT_CANCELLED(false);
	return runTask(request, taskId, attempt, NOT_CANCELLED, store);
}


std::string WorkerNode::runTask(const Poco::JSON::Object& request, const std::string& taskId, int attempt, const std::atomic<bool>& cancelled, AccountStore* store)
{
	std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
	Poco::JSON::Object::Ptr result = _runner.run(request, taskId, attempt, cancelled, store);
	if (_options.taskStats)
	{
		TaskTypeStats::Slot& stats = _options.taskStats->slot(result->optValue<std::string>("TASK", ""));
		++(result->optValue<std::string>("STATUS", "") == "OK" ? stats.completed : stats.failed);
		stats.execution.observe(static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start).count()));
	}
	result->set("ATTEMPT", attempt);
	std::string text = JsonScan::write(*result);
	if (text.size() > _options.maxMessageBytes)
	{
		// The master would refuse it and drop this worker's link.
		Poco::JSON::Object::Ptr tooLarge = Result::nok(request.optValue<std::string>("TASK", ""), "Result too large (" + std::to_string(text.size()) + " bytes)");
		tooLarge->set("TASK_ID", taskId);
		tooLarge->set("ATTEMPT", attempt);
		text = JsonScan::write(*tooLarge);
	}
	return text;
}


bool WorkerNode::connected() const
{
	Poco::FastMutex::ScopedLock lock(_linkMutex);
	return _link != nullptr;
}


const std::string& WorkerNode::id() const
{
	return _options.id;
}


void WorkerNode::report(std::vector<std::string>& results)
{
	_outbox.report(results);
}


void WorkerNode::countFinished(std::size_t count)
{
	// If the link was down the results are lost; the master re-dispatches
	// the tasks and the store's idempotency keys make that safe. Counted
	// as finished only now: stop() and a move wait for _running to reach
	// zero before they drop the link.
	{
		std::lock_guard<std::mutex> lock(_jobsMutex);
		_running -= static_cast<int>(count);
	}
	_finished.notify_all();
}


bool WorkerNode::send(const std::vector<std::string>& texts)
{
	std::shared_ptr<WebSocketClient> link;
	{
		Poco::FastMutex::ScopedLock lock(_linkMutex);
		link = _link;
	}
	if (!link) return false;
	try
	{
		link->send(texts);
		return true;
	}
	catch (Poco::Exception& exc)
	{
		_logger.warning("worker %s: cannot send to master %s: %s", _options.id, _options.homeId, exc.displayText());
		return false;
	}
}


} // namespace orchd

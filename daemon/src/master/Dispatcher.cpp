//
// Dispatcher.cpp
//
// The task flow: accept a client's task, lease it to a worker, take its
// result back, expire leases and re-dispatch. The state itself lives in
// one TaskQueue and one WorkerTable. Worker links (hello, control) are in
// DispatcherWorkers.cpp, lending in DispatcherLoans.cpp, the status
// document in DispatcherStatus.cpp.
//


#include "master/Dispatcher.h"
#include "json/JsonObject.h"
#include "orchd/Request.h"
#include <algorithm>


namespace orchd {


namespace {


std::string withRequestId(const std::string& resultText, const std::string& requestId)
	/// Adds REQUEST_ID (JSON text) to a result without parsing it again: the
	/// worker's text (exact SALDO decimals included) goes to the client
	/// untouched.
{
	if (requestId.empty()) return resultText;
	std::string::size_type brace = resultText.find('{');
	std::string::size_type first = resultText.find_first_not_of(" \t\r\n", brace + 1);
	std::string text;
	text.reserve(resultText.size() + requestId.size() + 16);
	text.append("{\"REQUEST_ID\":").append(requestId);
	if (first == std::string::npos || resultText[first] != '}') text += ',';
	text.append(resultText, brace + 1, std::string::npos);
	return text;
}


bool forwarded(std::string_view key)
	/// Whether a client's field goes to the worker: REQUEST_ID is the
	/// client's, TASK_ID and ATTEMPT are the master's.
{
	return key != "REQUEST_ID" && key != "TASK_ID" && key != "ATTEMPT";
}


} // namespace


Dispatcher::Dispatcher(ConnectionDirectory& connections, const TimeSource& clock, const TaskRunner& validator, const LoanBook& loans, const DispatchOptions& options, Poco::Logger& logger):
	_connections(connections),
	_clock(clock),
	_validator(validator),
	_loans(loans),
	_options(options),
	_logger(logger),
	_started(clock.now()),
	_tasks(options.masterId),
	_stats(validator.taskNames()),  // the plugins' types: found without a lock
	_storeCheck(options.storeId, options.storeConnector)
{
}


Dispatcher::~Dispatcher() = default;


void Dispatcher::onOpen(const Link& link)
{
	if (link.kind == Link::CLIENT) ++_clients;
	_logger.debug("%s connection %s from %s", std::string(link.kind == Link::WORKER ? "worker" : "client"),
		std::to_string(link.id), link.peerAddress);
}


void Dispatcher::onMessage(const Link& link, const std::string& text)
{
	if (link.kind == Link::WORKER) onWorkerMessage(link, text);
	else
	{
		TaskOrigin origin;
		origin.connection = link.id;
		origin.client = link.tag;
		accept(text, std::move(origin));
	}
}


void Dispatcher::onClose(const Link& link, const std::string& reason)
{
	if (link.kind == Link::CLIENT)
	{
		--_clients;
		return;
	}
	if (!_workers.find(link.id)) return;
	Worker worker = _workers.remove(link.id);
	std::size_t requeued = 0;
	for (const auto& entry: worker.inflight)
	{
		Task* task = _tasks.find(entry.first);
		if (task && task->worker == link.id && task->attempt == entry.second)
		{
			requeueOrFail(*task, "worker " + worker.uuid + " disconnected");
			++requeued;
		}
	}
	_logger.information("worker %s (%s) left: %s; %z task(s) it held went back to the queue", worker.uuid, worker.address, reason, requeued);
	if (_listener) _listener->onWorkerLeft(worker.uuid, worker.owner);
	pump();
}


void Dispatcher::accept(const std::string& text, TaskOrigin origin)
{
	if (!_scan.scan(text))
	{
		++_counters.invalid;
		reply(origin, Result::nok("", _scan.error()), 400);
		return;
	}
	if (const JsonScan::Member* id = _scan.find("REQUEST_ID"))
	{
		if (id->kind != JsonScan::STRING && id->kind != JsonScan::NUMBER)
		{
			++_counters.invalid;
			reply(origin, Result::nok("", "Field REQUEST_ID must be a string or a number"), 400);
			return;
		}
		origin.requestId.assign(id->value);
	}
	// The plugins validate an object.
	Poco::JSON::Object::Ptr request;
	try
	{
		request = parseObject(_scan, text, {"REQUEST_ID", "TASK_ID", "ATTEMPT"});
	}
	catch (Poco::Exception& exc)
	{
		++_counters.invalid;
		reply(origin, Result::nok("", exc.message()), 400);
		return;
	}
	Poco::JSON::Object::Ptr refusal = _validator.validate(*request);
	if (refusal)
	{
		++_counters.invalid;
		reply(origin, refusal, 400);
		return;
	}
	std::string type = request->getValue<std::string>("TASK");
	if (!_options.policyFor(type).enabled)
	{
		++_counters.disabled;
		reply(origin, Result::nok(type, "Task " + type + " is disabled on this master (task." + type + ".enabled = false)"), 400);
		return;
	}
	if (refuseOverLimits(origin, type, text.size())) return;
	// The worker gets the client's bytes, not a re-serialisation.
	std::string fields;
	fields.reserve(text.size() + 80);
	for (const auto& member: _scan.members())
	{
		if (!forwarded(member.key)) continue;
		if (member.key == "IDEMPOTENCY_KEY" && member.kind == JsonScan::STRING)
		{
			if (!appendKey(fields, member, origin, type)) return;
			continue;
		}
		fields += ',';
		fields.append(member.text);
	}
	Task& task = _tasks.add(type, std::move(fields), std::move(origin));
	task.accepted = task.queuedAt = _clock.now();
	++_counters.submitted;
	++_stats.slot(type).submitted;
	pump();
}


bool Dispatcher::refuseOverLimits(const TaskOrigin& origin, const std::string& type, std::size_t bytes)
{
	std::string why;
	if (_tasks.queued() >= _options.queueCapacity)
	{
		++_counters.busy;
		why = "queue.capacity: " + std::to_string(_options.queueCapacity) + " tasks queued";
	}
	else if (_tasks.bytes() + bytes > _options.queueMaxBytes)
	{
		++_counters.busyBytes;
		why = "queue.max_bytes: " + std::to_string(_tasks.bytes()) + " bytes of tasks held";
	}
	else if (_tasks.inFlight(origin.inFlightKey()) >= _options.clientMaxInFlight)
	{
		++_counters.busyClient;
		why = "client.max_in_flight: this client has " + std::to_string(_options.clientMaxInFlight) + " tasks unanswered";
	}
	else return false;
	// ERROR stays BUSY, which clients match; REASON says which limit.
	Poco::JSON::Object::Ptr result = Result::nok(type, "BUSY");
	result->set("REASON", why);
	reply(origin, result, 503);
	return true;
}


bool Dispatcher::appendKey(std::string& fields, const JsonScan::Member& member, const TaskOrigin& origin, const std::string& type)
{
	// The raw value keeps the client's escapes; a token name needs none.
	std::string prefix = "c:" + origin.client + ":";
	std::size_t length = prefix.size() + JsonScan::stringValue(member).size();
	if (length > Request::MAX_NAME_LENGTH)
	{
		++_counters.invalid;
		reply(origin, Result::nok(type, "Field IDEMPOTENCY_KEY must have 1 to " + std::to_string(Request::MAX_NAME_LENGTH - prefix.size())
			+ " characters (stored as " + prefix + "KEY, at most " + std::to_string(Request::MAX_NAME_LENGTH) + ")"), 400);
		return false;
	}
	fields.append(",\"IDEMPOTENCY_KEY\":\"").append(prefix).append(member.value.substr(1));
	return true;
}


void Dispatcher::submit(const std::string& text, std::shared_ptr<PendingReply> pending, const std::string& client)
{
	TaskOrigin origin;
	origin.reply = pending;
	origin.client = client;
	accept(text, std::move(origin));
}


void Dispatcher::pump()
{
	for (auto& group: _workers.readyLists())
	{
		std::deque<std::uint64_t>& ready = group.second;
		while (_tasks.queued() > 0 && !ready.empty())
		{
			Worker* worker = _workers.find(ready.front());
			if (!worker)
			{
				ready.pop_front();
				continue;
			}
			if (!worker->hasCredit())
			{
				ready.pop_front();
				worker->ready = false;
				continue;
			}
			if (!_connections.alive(worker->connection))
			{
				// Closing (refused, or replaced by a new connection): nothing
				// sent to it would arrive.
				ready.pop_front();
				worker->ready = false;
				worker->draining = true;
				continue;
			}
			// Every worker in this list offers the same task types: if the
			// first has nothing to take, none has.
			Task* task = _tasks.takeFor(worker->tasks);
			if (!task) break;
			ready.pop_front();
			worker->ready = false;
			lease(*worker, *task);
			_workers.makeReady(*worker);
		}
		if (_tasks.queued() == 0) break;
	}
}


void Dispatcher::lease(Worker& worker, Task& task)
{
	++task.attempt;
	TaskTypeStats::Slot& stats = _stats.slot(task.type);
	if (task.attempt > 1)
	{
		++_counters.redispatched;
		++stats.redispatched;
	}
	task.worker = worker.connection;
	task.leaseStart = _clock.now();
	stats.queueWait.observe(static_cast<std::uint64_t>(std::max<std::int64_t>(0, task.leaseStart - task.queuedAt)));
	worker.inflight.emplace(task.seq, task.attempt);
	const TaskPolicy policy = _options.policyFor(task.type);
	_tasks.leased(task, task.leaseStart + policy.timeout.totalMicroseconds());
	std::string attempt = std::to_string(task.attempt);
	std::string text;
	text.reserve(task.id.size() + attempt.size() + task.fields.size() + 28);
	text.append("{\"TASK_ID\":\"").append(task.id).append("\",\"ATTEMPT\":").append(attempt).append(task.fields).append("}");
	if (text.size() > _options.maxMessageBytes)
	{
		// With TASK_ID and ATTEMPT it no longer fits in a worker's
		// message: sending it would cost the worker its link.
		worker.inflight.erase(std::make_pair(task.seq, task.attempt));
		task.attempt = policy.maxAttempts;
		requeueOrFail(task, "the task is too large for a worker (" + std::to_string(text.size()) + " bytes as sent)");
		return;
	}
	_connections.send(worker.connection, text);
}


void Dispatcher::onResult(Worker& worker, const std::string& taskId, int attempt, const std::string& text)
{
	std::uint64_t seq = _tasks.seqOf(taskId);
	worker.inflight.erase(std::make_pair(seq, attempt));
	Task* task = _tasks.find(seq);
	if (!task || task->attempt != attempt || task->worker != worker.connection)
	{
		++_counters.staleResults;
		_logger.debug("discarded a late result for %s (attempt %d) from %s", taskId, attempt, worker.uuid);
	}
	else
	{
		++worker.completed;
		++_counters.completed;
		TaskTypeStats::Slot& stats = _stats.slot(task->type);
		++stats.completed;
		stats.execution.observe(static_cast<std::uint64_t>(std::max<std::int64_t>(0, _clock.now() - task->leaseStart)));
		deliver(*task, text, 200);
		_tasks.erase(seq);
	}
	sendReturnIfIdle(worker);
	_workers.makeReady(worker);
	pump();
}


void Dispatcher::releaseWaiters(const std::string& why)
{
	_tasks.forEach([&why](Task& task)
	{
		if (!task.origin.reply) return;
		Poco::JSON::Object::Ptr result = Result::nok(task.type, why);
		result->set("TASK_ID", task.id);
		task.origin.reply->complete(503, toText(*result));
	});
}


void Dispatcher::retune(const DispatchOptions& options)
{
	_options.queueCapacity = options.queueCapacity;
	_options.taskTimeout = options.taskTimeout;
	_options.maxAttempts = options.maxAttempts;
	_options.taskPolicies = options.taskPolicies;
}


void Dispatcher::checkLeases()
{
	std::int64_t now = _clock.now();
	while (Task* task = _tasks.expired(now))
	{
		++_counters.timedOut;
		const Worker* worker = _workers.find(task->worker);
		std::string who = worker ? worker->uuid : "?";
		// The worker keeps the credit until it answers: it is still busy.
		_connections.send(task->worker, "{\"TASK\":\"CANCEL\",\"TASK_ID\":\"" + task->id + "\",\"ATTEMPT\":" + std::to_string(task->attempt) + "}");
		_logger.warning("task %s (%s, attempt %d) timed out on worker %s", task->id, task->type, task->attempt, who);
		std::int64_t leaseMs = _options.policyFor(task->type).timeout.totalMilliseconds();
		requeueOrFail(*task, "timed out after " + std::to_string(leaseMs) + " ms on worker " + who);
	}
	pump();
}


void Dispatcher::requeueOrFail(Task& task, const std::string& why)
{
	task.worker = 0;
	if (task.attempt >= _options.policyFor(task.type).maxAttempts)
	{
		++_counters.failed;
		++_stats.slot(task.type).failed;
		_logger.warning("task %s (%s) failed after %d attempts: %s", task.id, task.type, task.attempt, why);
		Poco::JSON::Object::Ptr result = Result::nok(task.type, "Task failed after " + std::to_string(task.attempt) + " attempts: " + why);
		result->set("TASK_ID", task.id);
		result->set("ATTEMPT", task.attempt);
		deliver(task, toText(*result), 502);
		_tasks.erase(task.seq);
		return;
	}
	task.queuedAt = _clock.now();
	_tasks.requeue(task);
}


void Dispatcher::deliver(Task& task, const std::string& resultText, int httpStatus)
{
	_latency.record(_clock.now(), _clock.now() - task.accepted);
	if (task.origin.reply) task.origin.reply->complete(httpStatus, resultText);
	if (task.origin.connection) _connections.send(task.origin.connection, withRequestId(resultText, task.origin.requestId));
}


void Dispatcher::reply(const TaskOrigin& origin, Poco::JSON::Object::Ptr result, int httpStatus)
{
	std::string text = toText(*result);
	if (origin.reply) origin.reply->complete(httpStatus, text);
	if (origin.connection) _connections.send(origin.connection, withRequestId(text, origin.requestId));
}


void Dispatcher::setListener(WorkerListener* listener)
{
	_listener = listener;
}


} // namespace orchd

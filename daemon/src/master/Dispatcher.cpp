//
// Dispatcher.cpp
//


#include "master/Dispatcher.h"
#include "json/JsonObject.h"
#include "orchd/Request.h"
#include "Poco/JSON/Array.h"
#include "Poco/JSON/Stringifier.h"
#include "Poco/NumberFormatter.h"
#include <algorithm>
#include <charconv>
#include <sstream>


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


Dispatcher::Dispatcher(EventLoop& loop, const TaskRunner& validator, const DispatchOptions& options, Poco::Logger& logger):
	_loop(loop),
	_validator(validator),
	_options(options),
	_logger(logger),
	// Task ids double as idempotency keys: they must never repeat, not
	// even across a restart of the master, hence the start time in them.
	_idPrefix(options.masterId + "-" + Poco::NumberFormatter::formatHex(static_cast<Poco::UInt64>(Poco::Timestamp().epochMicroseconds())) + "-")
{
}


Dispatcher::~Dispatcher() = default;


std::string Dispatcher::nextTaskId()
{
	return _idPrefix + std::to_string(_nextSeq);
}


void Dispatcher::onOpen(Connection& connection)
{
	if (connection.kind() == Connection::CLIENT) ++_clients;
	_logger.debug("%s connection %s from %s", std::string(connection.kind() == Connection::WORKER ? "worker" : "client"),
		std::to_string(connection.id()), connection.peerAddress());
}


void Dispatcher::onMessage(Connection& connection, const std::string& text)
{
	if (connection.kind() == Connection::WORKER) onWorkerMessage(connection, text);
	else
	{
		Origin origin;
		origin.connection = connection.id();
		accept(text, std::move(origin));
	}
}


void Dispatcher::onClose(Connection& connection, const std::string& reason)
{
	if (connection.kind() == Connection::CLIENT)
	{
		--_clients;
		return;
	}
	auto it = _workers.find(connection.id());
	if (it == _workers.end()) return;
	Worker worker = std::move(it->second);
	_workers.erase(it);
	if (worker.ready)
	{
		// Out of its ready list now: a list whose front has nothing to do
		// is not walked, so stale ids would pile up behind it.
		std::deque<std::uint64_t>& ready = _ready[worker.group];
		ready.erase(std::remove(ready.begin(), ready.end(), connection.id()), ready.end());
	}
	auto byUuid = _workerByUuid.find(worker.uuid);
	if (byUuid != _workerByUuid.end() && byUuid->second == connection.id()) _workerByUuid.erase(byUuid);
	std::size_t requeued = 0;
	for (const auto& entry: worker.inflight)
	{
		auto task = _tasks.find(entry.first);
		if (task != _tasks.end() && task->second->worker == connection.id() && task->second->attempt == entry.second)
		{
			requeueOrFail(*task->second, "worker " + worker.uuid + " disconnected");
			++requeued;
		}
	}
	_logger.information("worker %s (%s) left: %s; %z task(s) it held went back to the queue", worker.uuid, worker.address, reason, requeued);
	if (_listener) _listener->onWorkerLeft(worker.uuid, worker.owner, worker.lentTo);
	pump();
}


void Dispatcher::accept(const std::string& text, Origin origin)
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
	if (_queued >= _options.queueCapacity)
	{
		++_counters.busy;
		reply(origin, Result::nok(type, "BUSY"), 503);
		return;
	}
	auto task = std::make_unique<Task>();
	// The worker gets the client's bytes, not a re-serialisation.
	task->fields.reserve(text.size());
	for (const auto& member: _scan.members())
	{
		if (!forwarded(member.key)) continue;
		task->fields += ',';
		task->fields.append(member.text);
	}
	task->id = nextTaskId();
	task->seq = _nextSeq++;
	task->type = type;
	task->origin = std::move(origin);
	_queues[type].push_back(task.get());
	++_queued;
	++_counters.submitted;
	_tasks.emplace(task->seq, std::move(task));
	pump();
}


void Dispatcher::submit(const std::string& text, std::shared_ptr<PendingReply> pending)
{
	Origin origin;
	origin.reply = pending;
	accept(text, std::move(origin));
}


std::uint64_t Dispatcher::seqOf(const std::string& taskId) const
{
	if (taskId.size() <= _idPrefix.size() || taskId.compare(0, _idPrefix.size(), _idPrefix) != 0) return 0;
	std::uint64_t seq = 0;
	const char* first = taskId.data() + _idPrefix.size();
	const char* last = taskId.data() + taskId.size();
	auto parsed = std::from_chars(first, last, seq);
	return parsed.ec == std::errc() && parsed.ptr == last ? seq : 0;
}


void Dispatcher::pump()
{
	for (auto& group: _ready)
	{
		std::deque<std::uint64_t>& ready = group.second;
		while (_queued > 0 && !ready.empty())
		{
			std::uint64_t id = ready.front();
			auto it = _workers.find(id);
			if (it == _workers.end())
			{
				ready.pop_front();
				continue;
			}
			Worker& worker = it->second;
			if (worker.draining || static_cast<int>(worker.inflight.size()) >= worker.concurrency)
			{
				ready.pop_front();
				worker.ready = false;
				continue;
			}
			if (!_loop.find(worker.connection))
			{
				// Closing (refused, or replaced by a new connection): nothing
				// sent to it would arrive.
				ready.pop_front();
				worker.ready = false;
				worker.draining = true;
				continue;
			}
			// Every worker in this list offers the same task types: if the
			// first has nothing to take, none has.
			Task* task = takeFor(worker);
			if (!task) break;
			ready.pop_front();
			worker.ready = false;
			lease(worker, *task);
			makeReady(worker);
		}
		if (_queued == 0) break;
	}
}


Dispatcher::Task* Dispatcher::takeFor(const Worker& worker)
{
	std::deque<Task*>* best = nullptr;
	for (const auto& type: worker.tasks)
	{
		auto it = _queues.find(type);
		if (it == _queues.end() || it->second.empty()) continue;
		if (!best || it->second.front()->seq < best->front()->seq) best = &it->second;
	}
	if (!best) return nullptr;
	Task* task = best->front();
	best->pop_front();
	--_queued;
	return task;
}


void Dispatcher::lease(Worker& worker, Task& task)
{
	++task.attempt;
	if (task.attempt > 1) ++_counters.redispatched;
	task.worker = worker.connection;
	task.leaseStart.update();
	worker.inflight.emplace(task.seq, task.attempt);
	_deadlines.push_back(Deadline{task.leaseStart + _options.taskTimeout.totalMicroseconds(), task.seq, task.attempt});
	std::string attempt = std::to_string(task.attempt);
	std::string text;
	text.reserve(task.id.size() + attempt.size() + task.fields.size() + 28);
	text.append("{\"TASK_ID\":\"").append(task.id).append("\",\"ATTEMPT\":").append(attempt).append(task.fields).append("}");
	if (text.size() > _options.maxMessageBytes)
	{
		// With TASK_ID and ATTEMPT it no longer fits in a worker's
		// message: sending it would cost the worker its link.
		worker.inflight.erase(std::make_pair(task.seq, task.attempt));
		task.attempt = _options.maxAttempts;
		requeueOrFail(task, "the task is too large for a worker (" + std::to_string(text.size()) + " bytes as sent)");
		return;
	}
	Connection* connection = _loop.find(worker.connection);
	if (connection) connection->send(text);
}


void Dispatcher::makeReady(Worker& worker)
{
	if (worker.ready || worker.draining || static_cast<int>(worker.inflight.size()) >= worker.concurrency) return;
	worker.ready = true;
	_ready[worker.group].push_back(worker.connection);
}


void Dispatcher::onWorkerMessage(Connection& connection, const std::string& text)
{
	// Results are the hot path: scanned, never parsed into a tree.
	if (!_scan.scan(text))
	{
		rejectWorker(connection, _scan.error());
		return;
	}
	if (_scan.find("WORKER"))
	{
		onWorkerControl(connection, text);
		return;
	}
	auto it = _workers.find(connection.id());
	if (it == _workers.end())
	{
		rejectWorker(connection, "expected {\"WORKER\":\"ALIVE\",...} first");
		return;
	}
	const JsonScan::Member* id = _scan.find("TASK_ID");
	if (!_scan.find("STATUS") || !id || id->kind != JsonScan::STRING)
	{
		rejectWorker(connection, "a result needs STATUS and a string TASK_ID");
		return;
	}
	long long attempt = 0;
	const JsonScan::Member* attemptField = _scan.find("ATTEMPT");
	if (attemptField && (!JsonScan::intValue(*attemptField, attempt) || attempt < 0 || attempt > 1000000)) attempt = 0;
	onResult(it->second, JsonScan::stringValue(*id), static_cast<int>(attempt), text);
}


void Dispatcher::onWorkerControl(Connection& connection, const std::string& text)
{
	Poco::JSON::Object::Ptr message;
	try
	{
		message = parseObject(text);
	}
	catch (Poco::Exception& exc)
	{
		rejectWorker(connection, exc.message());
		return;
	}
	auto it = _workers.find(connection.id());
	std::string what = message->optValue<std::string>("WORKER", "");
	if (what == "ALIVE" && it == _workers.end()) registerWorker(connection, *message);
	else if (what == "STOPPING")
	{
		if (it == _workers.end()) return;  // stopping before it ever joined
		it->second.draining = true;
		_logger.information("worker %s is stopping: no more tasks for it", it->second.uuid);
	}
	else if (what != "ALIVE") rejectWorker(connection, "unknown WORKER message '" + what + "'");
}


void Dispatcher::registerWorker(Connection& connection, const Poco::JSON::Object& hello)
{
	Worker worker;
	worker.connection = connection.id();
	worker.address = connection.peerAddress();
	try
	{
		worker.uuid = Request::requireName(hello, "WORKER_UUID");
		Poco::JSON::Array::Ptr tasks = hello.getArray("TASKS");
		if (!tasks) throw Poco::InvalidArgumentException("Missing field: TASKS (an array of task names)");
		for (std::size_t i = 0; i < tasks->size(); ++i) worker.tasks.insert(tasks->getElement<std::string>(i));
		// Length-prefixed, so that ["A,B"] and ["A","B"] are different sets.
		for (const auto& name: worker.tasks) worker.group += std::to_string(name.size()) + ":" + name;
		Poco::Dynamic::Var concurrency = hello.get("CONCURRENCY");
		if (!concurrency.isInteger() || concurrency.convert<int>() < 1 || concurrency.convert<int>() > 4096)
			throw Poco::InvalidArgumentException("Field CONCURRENCY must be an integer from 1 to 4096");
		worker.concurrency = concurrency.convert<int>();
		if (hello.has("SERVER_UUID")) worker.owner = Request::requireName(hello, "SERVER_UUID");
		if (worker.owner == _options.masterId) worker.owner.clear();
	}
	catch (Poco::Exception& exc)
	{
		rejectWorker(connection, "bad ALIVE: " + exc.message());
		return;
	}
	auto previous = _workerByUuid.find(worker.uuid);
	if (previous != _workerByUuid.end())
	{
		// The same worker reconnected before its old connection was seen
		// to die: the old one goes, and its tasks with it.
		Connection* old = _loop.find(previous->second);
		if (old) old->fail("replaced by a new connection of the same worker");
	}
	_workerByUuid[worker.uuid] = worker.connection;
	std::string uuid = worker.uuid;
	std::string owner = worker.owner;
	_logger.information("worker %s joined from %s: concurrency %d, tasks %s%s", uuid, worker.address, worker.concurrency,
		toText(hello.get("TASKS")), owner.empty() ? std::string() : ", owned by " + owner);
	Worker& stored = _workers.emplace(worker.connection, std::move(worker)).first->second;
	makeReady(stored);
	if (_listener) _listener->onWorkerJoined(uuid, owner);
	pump();
}


void Dispatcher::rejectWorker(Connection& connection, const std::string& why)
{
	++_counters.workerGarbage;
	auto it = _workers.find(connection.id());
	std::string who = it == _workers.end() ? "unregistered worker" : "worker " + it->second.uuid;
	_logger.warning("%s from %s sent garbage (%s): disconnecting it; its tasks go back to the queue", who, connection.peerAddress(), why);
	if (it != _workers.end()) it->second.draining = true;
	connection.close(1008, why);
}


void Dispatcher::onResult(Worker& worker, const std::string& taskId, int attempt, const std::string& text)
{
	std::uint64_t seq = seqOf(taskId);
	worker.inflight.erase(std::make_pair(seq, attempt));
	auto it = _tasks.find(seq);
	if (it == _tasks.end() || it->second->attempt != attempt || it->second->worker != worker.connection)
	{
		++_counters.staleResults;
		_logger.debug("discarded a late result for %s (attempt %d) from %s", taskId, attempt, worker.uuid);
	}
	else
	{
		++worker.completed;
		++_counters.completed;
		deliver(*it->second, text, 200);
		_tasks.erase(it);
	}
	sendReturnIfIdle(worker);
	makeReady(worker);
	pump();
}


void Dispatcher::releaseWaiters(const std::string& why)
{
	for (auto& entry: _tasks)
	{
		Task& task = *entry.second;
		if (!task.origin.reply) continue;
		Poco::JSON::Object::Ptr result = Result::nok(task.type, why);
		result->set("TASK_ID", task.id);
		task.origin.reply->complete(503, toText(*result));
	}
}


void Dispatcher::checkLeases()
{
	Poco::Clock now;
	// Leases are queued in the order they were given, which is deadline
	// order; finished ones are dropped as they reach the front.
	while (!_deadlines.empty())
	{
		const Deadline deadline = _deadlines.front();
		auto it = _tasks.find(deadline.seq);
		bool live = it != _tasks.end() && it->second->attempt == deadline.attempt && it->second->worker != 0;
		if (live && now < deadline.at) break;
		_deadlines.pop_front();
		if (!live) continue;
		Task& task = *it->second;
		++_counters.timedOut;
		auto worker = _workers.find(task.worker);
		std::string who = worker == _workers.end() ? "?" : worker->second.uuid;
		// The worker keeps the credit until it answers: it is still busy.
		Connection* connection = _loop.find(task.worker);
		if (connection) connection->send("{\"TASK\":\"CANCEL\",\"TASK_ID\":\"" + task.id + "\",\"ATTEMPT\":" + std::to_string(task.attempt) + "}");
		_logger.warning("task %s (%s, attempt %d) timed out on worker %s", task.id, task.type, task.attempt, who);
		requeueOrFail(task, "timed out after " + std::to_string(_options.taskTimeout.totalMilliseconds()) + " ms on worker " + who);
	}
	pump();
}


void Dispatcher::requeueOrFail(Task& task, const std::string& why)
{
	task.worker = 0;
	if (task.attempt >= _options.maxAttempts)
	{
		++_counters.failed;
		_logger.warning("task %s (%s) failed after %d attempts: %s", task.id, task.type, task.attempt, why);
		Poco::JSON::Object::Ptr result = Result::nok(task.type, "Task failed after " + std::to_string(task.attempt) + " attempts: " + why);
		result->set("TASK_ID", task.id);
		result->set("ATTEMPT", task.attempt);
		deliver(task, toText(*result), 502);
		std::uint64_t seq = task.seq;  // erase() destroys task
		_tasks.erase(seq);
		return;
	}
	// Back to the front: it has waited longest.
	_queues[task.type].push_front(&task);
	++_queued;
}


void Dispatcher::deliver(Task& task, const std::string& resultText, int httpStatus)
{
	if (task.origin.reply) task.origin.reply->complete(httpStatus, resultText);
	if (task.origin.connection)
	{
		Connection* client = _loop.find(task.origin.connection);
		if (client) client->send(withRequestId(resultText, task.origin.requestId));
	}
}


void Dispatcher::reply(const Origin& origin, Poco::JSON::Object::Ptr result, int httpStatus)
{
	std::string text = toText(*result);
	if (origin.reply) origin.reply->complete(httpStatus, text);
	if (origin.connection)
	{
		Connection* client = _loop.find(origin.connection);
		if (client) client->send(withRequestId(text, origin.requestId));
	}
}


void Dispatcher::setListener(WorkerListener* listener)
{
	_listener = listener;
}


Load Dispatcher::load() const
{
	Load load;
	load.queued = _queued;
	load.capacity = _options.queueCapacity;
	load.completed = _counters.completed;
	for (const auto& entry: _workers)
	{
		const Worker& w = entry.second;
		if (!w.owner.empty()) ++load.borrowed;
		else if (!w.lentTo.empty()) ++load.lent;
		else ++load.ownWorkers;
		if (!w.draining) load.idleCredits += std::max(0, w.concurrency - static_cast<int>(w.inflight.size()));
	}
	return load;
}


std::vector<std::string> Dispatcher::lend(int count, int keep, const std::string& peer, const std::string& redirect)
{
	std::vector<Worker*> candidates;
	for (auto& entry: _workers)
	{
		Worker& w = entry.second;
		if (w.owner.empty() && w.lentTo.empty() && !w.draining) candidates.push_back(&w);
	}
	// Idle ones first: they can leave at once.
	std::sort(candidates.begin(), candidates.end(), [](const Worker* a, const Worker* b)
	{
		return a->inflight.size() < b->inflight.size() || (a->inflight.size() == b->inflight.size() && a->uuid < b->uuid);
	});
	std::vector<std::string> lent;
	int available = static_cast<int>(candidates.size()) - keep;
	for (int i = 0; i < std::min(count, available); ++i)
	{
		Worker& w = *candidates[static_cast<std::size_t>(i)];
		w.lentTo = peer;
		w.draining = true;
		Connection* connection = _loop.find(w.connection);
		if (connection) connection->send(redirect);
		lent.push_back(w.uuid);
	}
	return lent;
}


void Dispatcher::sendHome(const std::vector<std::string>& uuids, const std::string& message)
{
	for (const auto& uuid: uuids)
	{
		auto id = _workerByUuid.find(uuid);
		if (id == _workerByUuid.end()) continue;
		auto it = _workers.find(id->second);
		if (it == _workers.end()) continue;
		it->second.draining = true;
		it->second.returnMessage = message;
		sendReturnIfIdle(it->second);
	}
}


void Dispatcher::sendReturnIfIdle(Worker& worker)
{
	if (worker.returnMessage.empty() || !worker.inflight.empty()) return;
	Connection* connection = _loop.find(worker.connection);
	if (connection) connection->send(worker.returnMessage);
	_logger.information("worker %s sent home to %s", worker.uuid, worker.owner);
	worker.returnMessage.clear();
}


std::vector<std::string> Dispatcher::workersOwnedBy(const std::string& owner) const
{
	std::vector<std::string> uuids;
	for (const auto& entry: _workers)
	{
		if (entry.second.owner == owner) uuids.push_back(entry.second.uuid);
	}
	return uuids;
}


Poco::JSON::Object::Ptr Dispatcher::status() const
{
	Poco::JSON::Object::Ptr status = new Poco::JSON::Object;
	status->set("role", "master");
	status->set("id", _options.masterId);
	status->set("uptime_ms", _started.elapsed() / 1000);
	Poco::JSON::Object::Ptr queue = new Poco::JSON::Object;
	queue->set("depth", _queued);
	queue->set("capacity", _options.queueCapacity);
	queue->set("in_flight", _tasks.size() - _queued);
	status->set("queue", queue);
	Poco::JSON::Array::Ptr workers = new Poco::JSON::Array;
	for (const auto& entry: _workers)
	{
		const Worker& w = entry.second;
		Poco::JSON::Object::Ptr item = new Poco::JSON::Object;
		item->set("id", w.uuid);
		item->set("address", w.address);
		item->set("state", !w.lentTo.empty() ? "lent" : (w.draining ? "draining" : (w.inflight.empty() ? "idle" : "busy")));
		item->set("owner", w.owner.empty() ? _options.masterId : w.owner);
		item->set("borrowed", !w.owner.empty());
		if (!w.lentTo.empty()) item->set("lent_to", w.lentTo);
		Poco::JSON::Array::Ptr tasks = new Poco::JSON::Array;
		for (const auto& t: w.tasks) tasks->add(t);
		item->set("tasks", tasks);
		item->set("concurrency", w.concurrency);
		item->set("credits", w.concurrency - static_cast<int>(w.inflight.size()));
		item->set("in_flight", w.inflight.size());
		item->set("completed", w.completed);
		item->set("connected_ms", w.since.elapsed() / 1000);
		workers->add(item);
	}
	status->set("workers", workers);
	status->set("clients", _clients);
	Poco::JSON::Object::Ptr counters = new Poco::JSON::Object;
	counters->set("submitted", _counters.submitted);
	counters->set("completed", _counters.completed);
	counters->set("failed", _counters.failed);
	counters->set("rejected_busy", _counters.busy);
	counters->set("rejected_invalid", _counters.invalid);
	counters->set("redispatched", _counters.redispatched);
	counters->set("timed_out", _counters.timedOut);
	counters->set("stale_results", _counters.staleResults);
	counters->set("worker_garbage", _counters.workerGarbage);
	status->set("counters", counters);
	return status;
}


} // namespace orchd

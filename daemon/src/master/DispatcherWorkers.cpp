//
// DispatcherWorkers.cpp
//
// The Dispatcher's worker links: a worker's hello (identity, store and
// task types checked before it is admitted), its control messages (task
// types changed, drain, return) and the frames it sends. Apart from
// Dispatcher.cpp, which keeps the task flow (accept, lease, results).
//


#include "master/Dispatcher.h"
#include "json/JsonObject.h"
#include "net/NodeIdentity.h"
#include "orchd/Request.h"
#include "Poco/JSON/Array.h"
#include "Poco/String.h"
#include <algorithm>
#include <iterator>


namespace orchd {


void Dispatcher::onWorkerMessage(const Link& link, const std::string& text)
{
	// Results are the hot path: scanned, never parsed into a tree.
	if (!_scan.scan(text))
	{
		rejectWorker(link, _scan.error());
		return;
	}
	if (_scan.find("WORKER"))
	{
		onWorkerControl(link, text);
		return;
	}
	Worker* worker = _workers.find(link.id);
	if (!worker)
	{
		rejectWorker(link, "expected {\"WORKER\":\"ALIVE\",...} first");
		return;
	}
	const JsonScan::Member* id = _scan.find("TASK_ID");
	if (!_scan.find("STATUS") || !id || id->kind != JsonScan::STRING)
	{
		rejectWorker(link, "a result needs STATUS and a string TASK_ID");
		return;
	}
	long long attempt = 0;
	const JsonScan::Member* attemptField = _scan.find("ATTEMPT");
	if (attemptField && (!JsonScan::intValue(*attemptField, attempt) || attempt < 0 || attempt > 1000000)) attempt = 0;
	onResult(*worker, JsonScan::stringValue(*id), static_cast<int>(attempt), text);
}


void Dispatcher::onWorkerControl(const Link& link, const std::string& text)
{
	Poco::JSON::Object::Ptr message;
	try
	{
		message = parseObject(text);
	}
	catch (Poco::Exception& exc)
	{
		rejectWorker(link, exc.message());
		return;
	}
	Worker* worker = _workers.find(link.id);
	std::string what = message->optValue<std::string>("WORKER", "");
	if (what == "ALIVE" && !worker) registerWorker(link, *message);
	else if (what == "STOPPING")
	{
		if (!worker) return;  // stopping before it ever joined
		worker->draining = true;
		_logger.information("worker %s is stopping: no more tasks for it", worker->uuid);
	}
	else if (what == "TASKS")
	{
		if (worker) updateTasks(link, *worker, *message);
		else rejectWorker(link, "expected {\"WORKER\":\"ALIVE\",...} first");
	}
	else if (what != "ALIVE") rejectWorker(link, "unknown WORKER message '" + what + "'");
}


void Dispatcher::updateTasks(const Link& link, Worker& worker, const Poco::JSON::Object& message)
{
	// A worker that loaded a plugin while running: its full list, which
	// replaces the one of its ALIVE. The queued tasks of the new types are
	// its to take from now on.
	std::set<std::string> tasks;
	try
	{
		Poco::JSON::Array::Ptr list = message.getArray("TASKS");
		if (!list) throw Poco::InvalidArgumentException("Missing field: TASKS (an array of task names)");
		for (std::size_t i = 0; i < list->size(); ++i) tasks.insert(list->getElement<std::string>(i));
	}
	catch (Poco::Exception& exc)
	{
		rejectWorker(link, "bad TASKS: " + exc.message());
		return;
	}
	std::vector<std::string> added;
	std::set_difference(tasks.begin(), tasks.end(), worker.tasks.begin(), worker.tasks.end(), std::back_inserter(added));
	_logger.information("worker %s now offers %s (new: %s)", worker.uuid, toText(message.get("TASKS")),
		added.empty() ? std::string("none") : Poco::cat(std::string(", "), added.begin(), added.end()));
	std::vector<std::string> unknown;
	std::copy_if(added.begin(), added.end(), std::back_inserter(unknown), [this](const std::string& type) { return !_validator.plugins().find(type); });
	if (!unknown.empty())
		_logger.warning("worker %s offers %s, which this master has not loaded: clients get Unknown task until the library is in this master's plugins.dir",
			worker.uuid, Poco::cat(std::string(", "), unknown.begin(), unknown.end()));
	_workers.retask(worker, std::move(tasks));
	pump();
}


void Dispatcher::registerWorker(const Link& link, const Poco::JSON::Object& hello)
{
	Worker worker;
	worker.connection = link.id;
	worker.address = link.peerAddress;
	worker.since = _clock.now();
	try
	{
		worker.uuid = Request::requireName(hello, "WORKER_UUID");
		Poco::JSON::Array::Ptr tasks = hello.getArray("TASKS");
		if (!tasks) throw Poco::InvalidArgumentException("Missing field: TASKS (an array of task names)");
		for (std::size_t i = 0; i < tasks->size(); ++i) worker.tasks.insert(tasks->getElement<std::string>(i));
		worker.group = WorkerTable::groupOf(worker.tasks);
		Poco::Dynamic::Var concurrency = hello.get("CONCURRENCY");
		if (!concurrency.isInteger() || concurrency.convert<int>() < 1 || concurrency.convert<int>() > 4096)
			throw Poco::InvalidArgumentException("Field CONCURRENCY must be an integer from 1 to 4096");
		worker.concurrency = concurrency.convert<int>();
		if (hello.has("SERVER_UUID")) worker.owner = Request::requireName(hello, "SERVER_UUID");
		if (worker.owner == _options.masterId) worker.owner.clear();
		if (hello.has("STORE_ID")) worker.storeId = Request::requireName(hello, "STORE_ID");
	}
	catch (Poco::Exception& exc)
	{
		rejectWorker(link, "bad ALIVE: " + exc.message());
		return;
	}
	// Before it can replace a connection of the same worker that is on
	// the right store, or that is who it says.
	if (refuseIdentity(link, worker) || refuseOtherStore(link, worker)) return;
	if (std::uint64_t previous = _workers.connectionOf(worker.uuid))
	{
		// The same worker reconnected before its old connection was seen
		// to die: the old one goes, and its tasks with it. Only if the new
		// one proves it is that worker (a certificate that names it):
		// else anyone could take over a worker's tasks by naming it.
		if (!NodeIdentity::covers(link.verifiedNames, worker.uuid))
		{
			refuse(link, worker, "worker " + worker.uuid + " is already connected; a second connection needs a certificate naming it");
			return;
		}
		_connections.drop(previous, "replaced by a new connection of the same worker");
	}
	std::string uuid = worker.uuid;
	std::string owner = worker.owner;
	_logger.information("worker %s joined from %s: concurrency %d, tasks %s%s", uuid, worker.address, worker.concurrency,
		toText(hello.get("TASKS")), owner.empty() ? std::string() : ", owned by " + owner);
	Worker& stored = _workers.add(std::move(worker));
	_workers.makeReady(stored);
	if (_listener) _listener->onWorkerJoined(uuid, owner);
	pump();
}


void Dispatcher::rejectWorker(const Link& link, const std::string& why)
{
	++_counters.workerGarbage;
	Worker* worker = _workers.find(link.id);
	std::string who = worker ? "worker " + worker->uuid : "unregistered worker";
	_logger.warning("%s from %s sent garbage (%s): disconnecting it; its tasks go back to the queue", who, link.peerAddress, why);
	if (worker) worker->draining = true;
	_connections.close(link.id, 1008, why);
}


bool Dispatcher::refuseIdentity(const Link& link, const Worker& worker)
{
	if (!_options.requireIdentity) return false;
	std::string why = NodeIdentity::refusal(link.verifiedNames, "WORKER_UUID", worker.uuid, true);
	if (why.empty()) return false;
	refuse(link, worker, why);
	return true;
}


void Dispatcher::refuse(const Link& link, const Worker& worker, const std::string& why)
{
	++_counters.identityRefused;
	_logger.warning("worker %s from %s refused: %s", worker.uuid, worker.address, why);
	_connections.close(link.id, 1008, why);
}


bool Dispatcher::refuseOtherStore(const Link& link, const Worker& worker)
{
	std::string why = _storeCheck.refusal(worker.storeId);
	if (why.empty()) return false;
	_logger.warning("worker %s from %s refused: %s (a worker on another database would apply this master's tasks to its own ledger)",
		worker.uuid, worker.address, why);
	_storeCheck.refused(StoreRefusal{worker.uuid, worker.address, worker.storeId, why, _clock.now()});
	_connections.close(link.id, 1008, why);
	return true;
}


} // namespace orchd

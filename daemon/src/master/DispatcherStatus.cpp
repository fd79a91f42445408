//
// DispatcherStatus.cpp
//
// The Dispatcher's part of GET /v1/status: the queue, the workers, the
// counters. Apart from Dispatcher.cpp because it only reads its state.
//


#include "master/Dispatcher.h"
#include "Poco/JSON/Array.h"


namespace orchd {


Poco::JSON::Object::Ptr Dispatcher::workerStatus(const Worker& w) const
{
	Poco::JSON::Object::Ptr item = new Poco::JSON::Object;
	std::string lentTo = w.owner.empty() ? _loans.borrowerOf(w.uuid) : std::string();
	item->set("id", w.uuid);
	item->set("address", w.address);
	item->set("state", !lentTo.empty() ? "lent" : (w.draining || w.redirected ? "draining" : (w.inflight.empty() ? "idle" : "busy")));
	item->set("owner", w.owner.empty() ? _options.masterId : w.owner);
	item->set("store_id", w.storeId.empty() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(w.storeId));
	item->set("borrowed", !w.owner.empty());
	if (!lentTo.empty()) item->set("lent_to", lentTo);
	Poco::JSON::Array::Ptr tasks = new Poco::JSON::Array;
	for (const auto& t: w.tasks) tasks->add(t);
	item->set("tasks", tasks);
	item->set("concurrency", w.concurrency);
	item->set("credits", w.concurrency - static_cast<int>(w.inflight.size()));
	item->set("in_flight", w.inflight.size());
	item->set("completed", w.completed);
	item->set("connected_ms", (_clock.now() - w.since) / 1000);
	return item;
}


const TaskTypeStats& Dispatcher::taskStats() const
{
	return _stats;
}


Poco::JSON::Object::Ptr Dispatcher::status() const
{
	Poco::JSON::Object::Ptr status = new Poco::JSON::Object;
	status->set("role", "master");
	status->set("id", _options.masterId);
	status->set("uptime_ms", (_clock.now() - _started) / 1000);
	status->set("store", _storeCheck.status(_clock.now()));
	Poco::JSON::Object::Ptr queue = new Poco::JSON::Object;
	queue->set("depth", _tasks.queued());
	queue->set("capacity", _options.queueCapacity);
	queue->set("bytes", _tasks.bytes());
	queue->set("max_bytes", _options.queueMaxBytes);
	queue->set("in_flight", _tasks.size() - _tasks.queued());
	status->set("queue", queue);
	Poco::JSON::Array::Ptr workers = new Poco::JSON::Array;
	_workers.forEach([&](const Worker& w) { workers->add(workerStatus(w)); });
	status->set("workers", workers);
	status->set("clients", _clients);
	Poco::JSON::Object::Ptr counters = new Poco::JSON::Object;
	counters->set("submitted", _counters.submitted);
	counters->set("completed", _counters.completed);
	counters->set("failed", _counters.failed);
	counters->set("rejected_busy", _counters.busy);
	counters->set("rejected_busy_bytes", _counters.busyBytes);
	counters->set("rejected_busy_client", _counters.busyClient);
	counters->set("rejected_invalid", _counters.invalid);
	counters->set("rejected_disabled", _counters.disabled);
	counters->set("redispatched", _counters.redispatched);
	counters->set("timed_out", _counters.timedOut);
	counters->set("stale_results", _counters.staleResults);
	counters->set("worker_garbage", _counters.workerGarbage);
	counters->set("store_refused", _storeCheck.count());
	counters->set("identity_refused", _counters.identityRefused);
	status->set("counters", counters);
	status->set("plugins", _validator.plugins().status());
	status->set("latency", _latency.status(_clock.now()));
	return status;
}


} // namespace orchd

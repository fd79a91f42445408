//
// MasterMetrics.cpp
//


#include "master/MasterMetrics.h"
#include "Poco/JSON/Array.h"
#include <map>
#include <utility>


namespace orchd {


namespace {


void counterFamily(MetricsText& text, const std::string& name, const std::string& help, const Poco::JSON::Object& counters, const std::string& key)
{
	text.family(name, MetricsText::COUNTER, help);
	text.add({}, counters.getValue<std::uint64_t>(key));
}


void gaugeFamily(MetricsText& text, const std::string& name, const std::string& help, std::uint64_t value)
{
	text.family(name, MetricsText::GAUGE, help);
	text.add({}, value);
}


} // namespace


MasterMetrics::MasterMetrics(const NodeInfo& info, const Dispatcher& dispatcher, const Federation& federation, EventLoop& loop, std::shared_ptr<GateCounters> gate):
	_info(info),
	_dispatcher(dispatcher),
	_federation(federation),
	_loop(loop),
	_gate(std::move(gate))
{
}


std::string MasterMetrics::text() const
{
	MetricsText text;
	_info.write(text);
	Poco::JSON::Object::Ptr status = _dispatcher.status();
	writeTasks(text);
	writeQueue(text, *status);
	writeWorkers(text, *status);
	writePeers(text);
	writeConnections(text, *status);
	return text.str();
}


void MasterMetrics::writeTasks(MetricsText& text) const
{
	const TaskTypeStats& stats = _dispatcher.taskStats();
	using Field = std::atomic<std::uint64_t> TaskTypeStats::Slot::*;
	const std::pair<const char*, Field> counts[] = {
		{"submitted", &TaskTypeStats::Slot::submitted}, {"completed", &TaskTypeStats::Slot::completed},
		{"failed", &TaskTypeStats::Slot::failed}, {"redispatched", &TaskTypeStats::Slot::redispatched}};
	const char* helps[] = {"Tasks accepted into the queue, by type.", "Tasks answered by a worker (OK or NOK), by type.",
		"Tasks answered 'failed after N attempts', by type.", "Leases of a task after its first (a lease expired or a worker left), by type."};
	for (std::size_t i = 0; i < 4; ++i)
	{
		text.family(std::string("orchd_tasks_") + counts[i].first + "_total", MetricsText::COUNTER, helps[i]);
		Field field = counts[i].second;
		stats.forEach([&](const std::string& type, const TaskTypeStats::Slot& slot) { text.add({{"type", type}}, (slot.*field).load(std::memory_order_relaxed)); });
	}
	text.family("orchd_task_queue_wait_seconds", MetricsText::HISTOGRAM, "From a task queued (accepted, or re-queued) to its lease, by type.");
	stats.forEach([&](const std::string& type, const TaskTypeStats::Slot& slot) { text.add({{"type", type}}, slot.queueWait.snapshot(), 1e-6); });
	text.family("orchd_task_execution_seconds", MetricsText::HISTOGRAM, "From a lease to the worker's answer, by type (the worker's run and both trips).");
	stats.forEach([&](const std::string& type, const TaskTypeStats::Slot& slot) { text.add({{"type", type}}, slot.execution.snapshot(), 1e-6); });
}


void MasterMetrics::writeQueue(MetricsText& text, const Poco::JSON::Object& status) const
{
	Poco::JSON::Object::Ptr queue = status.getObject("queue");
	gaugeFamily(text, "orchd_queue_depth", "Tasks waiting for a worker.", queue->getValue<std::uint64_t>("depth"));
	gaugeFamily(text, "orchd_queue_capacity", "queue.capacity: tasks the queue holds before BUSY.", queue->getValue<std::uint64_t>("capacity"));
	gaugeFamily(text, "orchd_queue_bytes", "Bytes of the tasks held, queued and leased.", queue->getValue<std::uint64_t>("bytes"));
	gaugeFamily(text, "orchd_queue_max_bytes", "queue.max_bytes: bytes of tasks held before BUSY.", queue->getValue<std::uint64_t>("max_bytes"));
	gaugeFamily(text, "orchd_tasks_in_flight", "Tasks leased to a worker and not yet answered.", queue->getValue<std::uint64_t>("in_flight"));
	Poco::JSON::Object::Ptr counters = status.getObject("counters");
	text.family("orchd_tasks_rejected_total", MetricsText::COUNTER, "Tasks refused at submission, by reason (busy_*: which limit answered BUSY).");
	const std::pair<const char*, const char*> reasons[] = {{"busy_queue", "rejected_busy"}, {"busy_bytes", "rejected_busy_bytes"},
		{"busy_client", "rejected_busy_client"}, {"invalid", "rejected_invalid"}};
	for (const auto& reason: reasons) text.add({{"reason", reason.first}}, counters->getValue<std::uint64_t>(reason.second));
	counterFamily(text, "orchd_task_leases_expired_total", "Leases that ran past task.timeout_ms.", *counters, "timed_out");
	counterFamily(text, "orchd_stale_results_total", "Results dropped: not for the current attempt, or from another worker.", *counters, "stale_results");
	counterFamily(text, "orchd_worker_garbage_total", "Workers disconnected for a message the master could not take.", *counters, "worker_garbage");
	text.family("orchd_workers_refused_total", MetricsText::COUNTER, "Workers refused at ALIVE, by reason (store: another store id; identity: certificate).");
	text.add({{"reason", "store"}}, counters->getValue<std::uint64_t>("store_refused"));
	text.add({{"reason", "identity"}}, counters->getValue<std::uint64_t>("identity_refused"));
}


void MasterMetrics::writeWorkers(MetricsText& text, const Poco::JSON::Object& status) const
{
	// Every state of this master's own workers, zeros included, so that a
	// state that empties shows 0 rather than vanishing.
	std::map<std::pair<std::string, std::string>, std::uint64_t> count;
	std::string self = status.getValue<std::string>("id");
	for (const char* state: {"idle", "busy", "draining", "lent"}) count[{state, self}] = 0;
	Poco::JSON::Array::Ptr workers = status.getArray("workers");
	for (std::size_t i = 0; i < workers->size(); ++i)
	{
		Poco::JSON::Object::Ptr worker = workers->getObject(static_cast<unsigned>(i));
		++count[{worker->getValue<std::string>("state"), worker->getValue<std::string>("owner")}];
	}
	text.family("orchd_workers", MetricsText::GAUGE, "Workers connected here, by state (idle, busy, draining, lent) and owner (the master whose worker it is).");
	for (const auto& entry: count) text.add({{"state", entry.first.first}, {"owner", entry.first.second}}, entry.second);
	Load load = _dispatcher.load();
	gaugeFamily(text, "orchd_workers_lent", "This master's workers lent to peers now.", static_cast<std::uint64_t>(load.lent));
	gaugeFamily(text, "orchd_workers_borrowed", "Peers' workers working here now (loans and guests).", static_cast<std::uint64_t>(load.borrowed));
}


void MasterMetrics::writePeers(MetricsText& text) const
{
	std::map<std::string, std::uint64_t> states{{"UNKNOWN", 0}, {"ALIVE", 0}, {"SUSPECT", 0}, {"DEAD", 0}};
	Poco::JSON::Array::Ptr peers = _federation.peersStatus();
	for (std::size_t i = 0; i < peers->size(); ++i) ++states[peers->getObject(static_cast<unsigned>(i))->getValue<std::string>("state")];
	text.family("orchd_peers", MetricsText::GAUGE, "Peers of master.peers, by state.");
	for (const auto& state: states) text.add({{"state", state.first}}, state.second);
	text.family("orchd_peer_heartbeat_age_seconds", MetricsText::GAUGE, "Since the last message heard from each peer (absent until one is).");
	for (std::size_t i = 0; i < peers->size(); ++i)
	{
		Poco::JSON::Object::Ptr peer = peers->getObject(static_cast<unsigned>(i));
		Poco::Dynamic::Var age = peer->get("last_heartbeat_ms");
		if (!age.isEmpty()) text.add({{"peer", peer->getValue<std::string>("id")}}, age.convert<double>() / 1000.0);
	}
	Poco::JSON::Object::Ptr loans = _federation.countersStatus();
	struct Counter
	{
		const char* name;
		const char* key;
		const char* help;
	};
	const Counter counters[] = {
		{"orchd_loan_requests_total", "loans_asked", "WORKER_REQUEST messages this master sent to peers."},
		{"orchd_loan_grants_total", "loans_granted", "Workers peers granted this master."},
		{"orchd_loan_refusals_total", "loans_refused", "Requests for workers peers refused (NACK)."},
		{"orchd_workers_lent_total", "workers_lent", "Workers this master lent to peers."},
		{"orchd_workers_returned_total", "workers_returned", "Workers this master lent that came home."},
		{"orchd_workers_reclaimed_total", "workers_reclaimed", "Loans written off because the borrower was DEAD."},
		{"orchd_peer_messages_ignored_total", "peer_messages_ignored", "Peer messages ignored as malformed or unexpected."},
		{"orchd_peers_refused_total", "peers_refused", "Peer links refused (identity, unknown id)."}};
	for (const Counter& counter: counters) counterFamily(text, counter.name, counter.help, *loans, counter.key);
}


void MasterMetrics::writeConnections(MetricsText& text, const Poco::JSON::Object& status) const
{
	gaugeFamily(text, "orchd_connections", "WebSocket connections held by the event loop (workers, clients, peers).", _loop.openCount());
	gaugeFamily(text, "orchd_clients", "WebSocket clients connected.", status.getValue<std::uint64_t>("clients"));
	const char* kinds[] = {"worker", "client", "peer"};
	const EventLoop::Traffic& traffic = _loop.traffic();
	text.family("orchd_network_received_bytes_total", MetricsText::COUNTER, "Bytes received on WebSocket connections, by kind (TLS: decrypted).");
	for (int kind = 0; kind < 3; ++kind) text.add({{"kind", kinds[kind]}}, traffic.received[kind]);
	text.family("orchd_network_sent_bytes_total", MetricsText::COUNTER, "Bytes sent on WebSocket connections, by kind (TLS: before encryption).");
	for (int kind = 0; kind < 3; ++kind) text.add({{"kind", kinds[kind]}}, traffic.sent[kind]);
	gaugeFamily(text, "orchd_http_waiting_heads", "HTTP connections waiting for their request head (HttpGate).", _gate->waiting.load());
	text.family("orchd_http_refused_total", MetricsText::COUNTER, "HTTP connections answered 503 or 408 by the gate.");
	text.add({}, static_cast<std::uint64_t>(_gate->refused.load()));
}


} // namespace orchd

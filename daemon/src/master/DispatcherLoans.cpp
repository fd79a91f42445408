//
// DispatcherLoans.cpp
//
// The Dispatcher's side of federation: the load it reports to peers, the
// workers it lends (REDIRECT), takes back, or sends home (RETURN), and
// which workers a peer owns. The Federation decides; this does it on the
// WorkerTable.
//


#include "master/Dispatcher.h"
#include <algorithm>


namespace orchd {


Load Dispatcher::load() const
{
	Load load;
	load.queued = _tasks.queued();
	load.capacity = _options.queueCapacity;
	load.completed = _counters.completed;
	load.lent = static_cast<int>(_loans.lentCount());
	bool anyLent = load.lent > 0;
	_workers.forEach([&](const Worker& w)
	{
		if (!w.owner.empty()) ++load.borrowed;
		else if (!anyLent || _loans.borrowerOf(w.uuid).empty()) ++load.ownWorkers;
		if (!w.draining && !w.redirected) load.idleCredits += std::max(0, w.concurrency - static_cast<int>(w.inflight.size()));
	});
	return load;
}


std::vector<std::string> Dispatcher::lend(int count, int keep, const std::string& redirect)
{
	std::vector<Worker*> candidates;
	_workers.forEach([&candidates](Worker& w)
	{
		if (w.owner.empty() && !w.draining && !w.redirected) candidates.push_back(&w);
	});
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
		w.redirected = true;
		_connections.send(w.connection, redirect);
		lent.push_back(w.uuid);
	}
	return lent;
}


void Dispatcher::reinstate(const std::vector<std::string>& uuids)
{
	for (const auto& uuid: uuids)
	{
		Worker* worker = _workers.find(_workers.connectionOf(uuid));
		if (!worker || !worker->redirected) continue;
		// It ignored REDIRECT (or has not left yet): the loan is gone, so
		// it works here again instead of idling as "lent" for ever.
		worker->redirected = false;
		_workers.makeReady(*worker);
		_logger.warning("worker %s, lent but still here, works here again: its loan was written off", uuid);
	}
	pump();
}


void Dispatcher::sendHome(const std::vector<std::string>& uuids, const std::string& message)
{
	for (const auto& uuid: uuids)
	{
		Worker* worker = _workers.find(_workers.connectionOf(uuid));
		if (!worker) continue;
		worker->draining = true;
		worker->returnMessage = message;
		sendReturnIfIdle(*worker);
	}
}


void Dispatcher::sendReturnIfIdle(Worker& worker)
{
	if (worker.returnMessage.empty() || !worker.inflight.empty()) return;
	_connections.send(worker.connection, worker.returnMessage);
	_logger.information("worker %s sent home to %s", worker.uuid, worker.owner);
	worker.returnMessage.clear();
}


std::vector<std::string> Dispatcher::workersOwnedBy(const std::string& owner) const
{
	std::vector<std::string> uuids;
	_workers.forEach([&](const Worker& w)
	{
		if (w.owner == owner) uuids.push_back(w.uuid);
	});
	return uuids;
}


} // namespace orchd

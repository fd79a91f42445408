//
// WorkerTable.cpp
//


#include "master/WorkerTable.h"
#include <algorithm>


namespace orchd {


Worker& WorkerTable::add(Worker worker)
{
	_byUuid[worker.uuid] = worker.connection;
	return _workers.emplace(worker.connection, std::move(worker)).first->second;
}


Worker WorkerTable::remove(std::uint64_t connection)
{
	auto it = _workers.find(connection);
	Worker worker = std::move(it->second);
	_workers.erase(it);
	if (worker.ready)
	{
		// Out of its ready list now: a list whose front has nothing to do
		// is not walked, so stale ids would pile up behind it.
		std::deque<std::uint64_t>& ready = _ready[worker.group];
		ready.erase(std::remove(ready.begin(), ready.end(), connection), ready.end());
	}
	auto byUuid = _byUuid.find(worker.uuid);
	if (byUuid != _byUuid.end() && byUuid->second == connection) _byUuid.erase(byUuid);
	return worker;
}


Worker* WorkerTable::find(std::uint64_t connection)
{
	auto it = _workers.find(connection);
	return it == _workers.end() ? nullptr : &it->second;
}


const Worker* WorkerTable::find(std::uint64_t connection) const
{
	auto it = _workers.find(connection);
	return it == _workers.end() ? nullptr : &it->second;
}


std::uint64_t WorkerTable::connectionOf(const std::string& uuid) const
{
	auto it = _byUuid.find(uuid);
	return it == _byUuid.end() ? 0 : it->second;
}


void WorkerTable::retask(Worker& worker, std::set<std::string> tasks)
{
	if (worker.ready)
	{
		std::deque<std::uint64_t>& ready = _ready[worker.group];
		ready.erase(std::remove(ready.begin(), ready.end(), worker.connection), ready.end());
		worker.ready = false;
	}
	worker.tasks = std::move(tasks);
	worker.group = groupOf(worker.tasks);
	makeReady(worker);
}


void WorkerTable::makeReady(Worker& worker)
{
	if (worker.ready || !worker.hasCredit()) return;
	worker.ready = true;
	_ready[worker.group].push_back(worker.connection);
}


WorkerTable::ReadyLists& WorkerTable::readyLists()
{
	return _ready;
}


std::string WorkerTable::groupOf(const std::set<std::string>& tasks)
{
	std::string group;
	for (const auto& name: tasks) group += std::to_string(name.size()) + ":" + name;
	return group;
}


} // namespace orchd

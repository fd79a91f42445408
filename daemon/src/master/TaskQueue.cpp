//
// TaskQueue.cpp
//


#include "master/TaskQueue.h"
#include "Poco/NumberFormatter.h"
#include "Poco/Timestamp.h"
#include <algorithm>
#include <charconv>
#include <functional>


namespace orchd {


TaskQueue::TaskQueue(const std::string& masterId):
	// The start time makes ids unique across restarts of the master.
	_idPrefix(masterId + "-" + Poco::NumberFormatter::formatHex(static_cast<Poco::UInt64>(Poco::Timestamp().epochMicroseconds())) + "-")
{
}


std::string TaskOrigin::inFlightKey() const
{
	return client.empty() ? "#" + std::to_string(connection) : "c:" + client;
}


Task& TaskQueue::add(const std::string& type, std::string fields, TaskOrigin origin)
{
	auto task = std::make_unique<Task>();
	task->seq = _nextSeq++;
	task->id = _idPrefix + std::to_string(task->seq);
	task->type = type;
	task->fields = std::move(fields);
	task->origin = std::move(origin);
	_bytes += task->fields.size();
	++_inFlight[task->origin.inFlightKey()];
	Task& ref = *task;
	_queues[type].push_back(&ref);
	++_queued;
	_tasks.emplace(ref.seq, std::move(task));
	return ref;
}


Task* TaskQueue::find(std::uint64_t seq)
{
	auto it = _tasks.find(seq);
	return it == _tasks.end() ? nullptr : it->second.get();
}


std::uint64_t TaskQueue::seqOf(const std::string& taskId) const
{
	if (taskId.size() <= _idPrefix.size() || taskId.compare(0, _idPrefix.size(), _idPrefix) != 0) return 0;
	std::uint64_t seq = 0;
	const char* first = taskId.data() + _idPrefix.size();
	const char* last = taskId.data() + taskId.size();
	auto parsed = std::from_chars(first, last, seq);
	return parsed.ec == std::errc() && parsed.ptr == last ? seq : 0;
}


Task* TaskQueue::takeFor(const std::set<std::string>& types)
{
	std::deque<Task*>* best = nullptr;
	for (const auto& type: types)
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


void TaskQueue::requeue(Task& task)
{
	task.worker = 0;
	_queues[task.type].push_front(&task);
	++_queued;
}


void TaskQueue::erase(std::uint64_t seq)
{
	auto it = _tasks.find(seq);
	if (it == _tasks.end()) return;
	_bytes -= it->second->fields.size();
	auto count = _inFlight.find(it->second->origin.inFlightKey());
	if (count != _inFlight.end() && --count->second == 0) _inFlight.erase(count);
	_tasks.erase(it);
}


void TaskQueue::leased(const Task& task, std::int64_t deadline)
{
	_deadlines.push_back(Deadline{deadline, task.seq, task.attempt});
	std::push_heap(_deadlines.begin(), _deadlines.end(), std::greater<Deadline>());
}


Task* TaskQueue::expired(std::int64_t now)
{
	while (!_deadlines.empty())
	{
		const Deadline deadline = _deadlines.front();
		Task* task = find(deadline.seq);
		bool live = task && task->attempt == deadline.attempt && task->worker != 0;
		if (live && now < deadline.at) return nullptr;
		std::pop_heap(_deadlines.begin(), _deadlines.end(), std::greater<Deadline>());
		_deadlines.pop_back();
		if (live) return task;
	}
	return nullptr;
}


std::size_t TaskQueue::queued() const
{
	return _queued;
}


std::size_t TaskQueue::size() const
{
	return _tasks.size();
}


std::size_t TaskQueue::bytes() const
{
	return _bytes;
}


std::size_t TaskQueue::inFlight(const std::string& key) const
{
	auto it = _inFlight.find(key);
	return it == _inFlight.end() ? 0 : it->second;
}


} // namespace orchd

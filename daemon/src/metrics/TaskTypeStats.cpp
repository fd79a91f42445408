//
// TaskTypeStats.cpp
//


#include "metrics/TaskTypeStats.h"


namespace orchd {


TaskTypeStats::Slot::Slot():
	queueWait(Histogram::latencyBoundsMicros()),
	execution(Histogram::latencyBoundsMicros())
{
}


TaskTypeStats::TaskTypeStats(const std::vector<std::string>& types)
{
	for (const auto& type: types) _fixed.emplace(type, std::make_unique<Slot>());
}


TaskTypeStats::Slot& TaskTypeStats::slot(const std::string& type)
{
	auto fixed = _fixed.find(type);
	if (fixed != _fixed.end()) return *fixed->second;
	std::lock_guard<std::mutex> lock(_mutex);
	std::unique_ptr<Slot>& later = _later[type];
	if (!later) later = std::make_unique<Slot>();
	return *later;
}


void TaskTypeStats::forEach(const std::function<void(const std::string& type, const Slot& slot)>& function) const
{
	std::map<std::string, const Slot*> all;
	for (const auto& entry: _fixed) all.emplace(entry.first, entry.second.get());
	{
		std::lock_guard<std::mutex> lock(_mutex);
		for (const auto& entry: _later) all.emplace(entry.first, entry.second.get());
	}
	for (const auto& entry: all) function(entry.first, *entry.second);
}


} // namespace orchd

//
// WorkerMetrics.cpp
//


#include "worker/WorkerMetrics.h"


namespace orchd {


WorkerMetrics::WorkerMetrics(const NodeInfo& info, std::shared_ptr<const TaskTypeStats> tasks, const QuickRunner& quick, std::vector<const WorkerNode*> links):
	_info(info),
	_tasks(std::move(tasks)),
	_quick(quick),
	_links(std::move(links))
{
}


std::string WorkerMetrics::text() const
{
	MetricsText text;
	_info.write(text);
	writeTasks(text);
	text.family("orchd_store_commit_seconds", MetricsText::HISTOGRAM, "How long each group commit of the quick tasks' store operations took, failed ones included.");
	text.add({}, _quick.commitMicros().snapshot(), 1e-6);
	text.family("orchd_store_group_commit_tasks", MetricsText::HISTOGRAM, "Tasks with store operations in each group commit that succeeded.");
	text.add({}, _quick.commitSizes().snapshot());
	text.family("orchd_worker_link_up", MetricsText::GAUGE, "1 while the link (one worker id of this process) is connected to a master, else 0.");
	for (const WorkerNode* link: _links) text.add({{"worker", link->id()}}, std::uint64_t(link->connected() ? 1 : 0));
	return text.str();
}


void WorkerMetrics::writeTasks(MetricsText& text) const
{
	text.family("orchd_worker_tasks_total", MetricsText::COUNTER, "Tasks this process ran, by type and outcome (ok: STATUS OK; nok: any NOK answer).");
	_tasks->forEach([&text](const std::string& type, const TaskTypeStats::Slot& slot)
	{
		text.add({{"type", type}, {"status", "ok"}}, slot.completed.load(std::memory_order_relaxed));
		text.add({{"type", type}, {"status", "nok"}}, slot.failed.load(std::memory_order_relaxed));
	});
	text.family("orchd_worker_task_execution_seconds", MetricsText::HISTOGRAM, "How long the plugin took to run each task, by type (a quick task's commit not included).");
	_tasks->forEach([&text](const std::string& type, const TaskTypeStats::Slot& slot)
	{
		text.add({{"type", type}}, slot.execution.snapshot(), 1e-6);
	});
}


} // namespace orchd

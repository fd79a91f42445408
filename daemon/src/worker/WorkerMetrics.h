//
// WorkerMetrics.h
//
// What a worker process shows on worker.metrics_listen.
//


#ifndef orchd_WorkerMetrics_INCLUDED
#define orchd_WorkerMetrics_INCLUDED


#include "metrics/NodeInfo.h"
#include "metrics/TaskTypeStats.h"
#include "worker/QuickRunner.h"
#include "worker/WorkerNode.h"
#include <memory>
#include <string>
#include <vector>


namespace orchd {


class WorkerMetrics
	/// The body of a worker's GET /metrics: the node's build and plugin
	/// metrics (NodeInfo), the tasks its links ran by type and outcome and
	/// how long they ran, the QuickRunner's group commits (latency, tasks
	/// per commit), and whether each link is up. Metric names are listed
	/// in docs/OPERATIONS.md ("Metrics").
	///
	/// Reads only thread-safe state: text() runs on the metrics server's
	/// threads. The parts must outlive it.
{
public:
	WorkerMetrics(const NodeInfo& info, std::shared_ptr<const TaskTypeStats> tasks, const QuickRunner& quick, std::vector<const WorkerNode*> links);

	std::string text() const;

private:
	void writeTasks(MetricsText& text) const;

	NodeInfo _info;
	std::shared_ptr<const TaskTypeStats> _tasks;
	const QuickRunner& _quick;
	std::vector<const WorkerNode*> _links;
};


} // namespace orchd


#endif // orchd_WorkerMetrics_INCLUDED

//
// MasterMetrics.h
//
// What a master shows on GET /metrics.
//


#ifndef orchd_MasterMetrics_INCLUDED
#define orchd_MasterMetrics_INCLUDED


#include "master/Dispatcher.h"
#include "master/Federation.h"
#include "master/HttpGate.h"
#include "metrics/MetricsText.h"
#include "metrics/NodeInfo.h"
#include "net/EventLoop.h"
#include <memory>
#include <string>


namespace orchd {


class MasterMetrics
	/// The body of a master's GET /metrics: the node's build and plugin
	/// metrics (NodeInfo); per task type, the Dispatcher's counts and its
	/// queue-wait and execution histograms (TaskTypeStats); the queue,
	/// the workers by state and owner, the peers by state and their
	/// heartbeat ages, the loans, the connections and their bytes, the
	/// HTTP gate. Gauges and counters are read from the same documents
	/// as GET /v1/status, so the two never disagree. Metric names are
	/// listed in docs/OPERATIONS.md ("Metrics").
	///
	/// text() reads the Dispatcher, the Federation and the loop's
	/// traffic: call it on the event loop thread only.
{
public:
	MasterMetrics(const NodeInfo& info, const Dispatcher& dispatcher, const Federation& federation, EventLoop& loop, std::shared_ptr<GateCounters> gate);

	std::string text() const;

private:
	void writeTasks(MetricsText& text) const;
	void writeQueue(MetricsText& text, const Poco::JSON::Object& status) const;
	void writeWorkers(MetricsText& text, const Poco::JSON::Object& status) const;
	void writePeers(MetricsText& text) const;
	void writeConnections(MetricsText& text, const Poco::JSON::Object& status) const;

	NodeInfo _info;
	const Dispatcher& _dispatcher;
	const Federation& _federation;
	EventLoop& _loop;
	std::shared_ptr<GateCounters> _gate;
};


} // namespace orchd


#endif // orchd_MasterMetrics_INCLUDED

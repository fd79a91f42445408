//
// WorkerOptions.h
//
// A worker's settings (worker.* keys).
//


#ifndef orchd_WorkerOptions_INCLUDED
#define orchd_WorkerOptions_INCLUDED


#include "net/NodeSecurity.h"
#include "net/PeerAddress.h"
#include "Poco/Net/SocketAddress.h"
#include "Poco/Timespan.h"
#include "metrics/TaskTypeStats.h"
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>


namespace orchd {


struct WorkerOptions
{
	std::string id;                    /// WORKER_UUID
	std::string homeId;                /// the home master's id
	std::string storeId;               /// the id of the store this worker opened (STORE_ID in ALIVE)
	Poco::Net::SocketAddress home;     /// the home master's address
	std::vector<PeerAddress> failover; /// masters to turn to while home is down (worker.failover)
	int concurrency = 4;               /// tasks run at once (the credit given to the master)
	int links = 1;                     /// workers this process runs (worker.links), one link each
	std::size_t maxMessageBytes = 1 << 20;
	Poco::Timespan reconnectMax = Poco::Timespan(5, 0);
	Poco::Timespan drainTimeout = Poco::Timespan(30, 0);
	std::function<void()> linked;      /// called on the connection thread each time a link to a master is up (may be empty)
	NodeSecurity security;             /// TLS and the cluster token of the links to masters
	bool metrics = false;              /// worker.metrics_listen is set: the process serves GET /metrics
	Poco::Net::SocketAddress metricsListen;  /// on this address (port 0: any free port)
	std::shared_ptr<TaskTypeStats> taskStats;  /// counts the tasks run, by type, and times them (shared by the links; may be null)
};


} // namespace orchd


#endif // orchd_WorkerOptions_INCLUDED

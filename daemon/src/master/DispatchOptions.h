//
// DispatchOptions.h
//
// The dispatcher's settings (queue.*, task.* keys).
//


#ifndef orchd_DispatchOptions_INCLUDED
#define orchd_DispatchOptions_INCLUDED


#include "Poco/Timespan.h"
#include <cstddef>
#include <map>
#include <string>


namespace orchd {


struct TaskPolicy
	/// How the master treats one task type: task.<NAME>.* keys, each
	/// defaulting to the global task.timeout_ms and task.max_attempts.
{
	Poco::Timespan timeout = Poco::Timespan(30, 0);  /// lease length
	int maxAttempts = 3;                             /// dispatches before a task fails
	bool enabled = true;                             /// false: refused at submission
};


struct DispatchOptions
{
	std::string masterId;                           /// prefix of every TASK_ID
	std::size_t queueCapacity = 10000;              /// queued (not leased) tasks before BUSY
	std::size_t queueMaxBytes = 64 << 20;           /// queue.max_bytes: bytes of the tasks held (queued and leased) before BUSY
	std::size_t clientMaxInFlight = 1000;           /// client.max_in_flight: one client's unanswered tasks before BUSY
	Poco::Timespan taskTimeout = Poco::Timespan(30, 0);  /// lease length
	int maxAttempts = 3;                            /// dispatches before a task fails
	std::size_t maxMessageBytes = 1 << 20;          /// the largest message a worker accepts
	std::string storeId;                            /// the master's store id: workers must send the same; empty checks nothing
	std::string storeConnector;                     /// the master's store connector, for the status
	bool requireIdentity = false;                   /// tls.verify_peers: a worker's verified certificate must name its WORKER_UUID
	std::map<std::string, TaskPolicy> taskPolicies; /// task.<NAME>.*: the types that have keys of their own

	TaskPolicy policyFor(const std::string& type) const
		/// The type's own policy, else the global task.timeout_ms and
		/// task.max_attempts, enabled.
	{
		auto it = taskPolicies.find(type);
		if (it != taskPolicies.end()) return it->second;
		TaskPolicy policy;
		policy.timeout = taskTimeout;
		policy.maxAttempts = maxAttempts;
		return policy;
	}
};


} // namespace orchd


#endif // orchd_DispatchOptions_INCLUDED

//
// Dispatcher.h
//
// The master's task flow: accept, queue, lease to workers, answer.
//


#ifndef orchd_Dispatcher_INCLUDED
#define orchd_Dispatcher_INCLUDED


#include "master/DispatchOptions.h"
#include "master/LatencyWindow.h"
#include "master/LoanBook.h"
#include "master/PendingReply.h"
#include "master/StoreIdCheck.h"
#include "master/TaskQueue.h"
#include "master/WorkerTable.h"
#include "json/JsonScan.h"
#include "metrics/TaskTypeStats.h"
#include "net/ConnectionDirectory.h"
#include "net/MonotonicClock.h"
#include "plugin/TaskRunner.h"
#include "Poco/JSON/Object.h"
#include "Poco/Logger.h"
#include <memory>
#include <string>
#include <vector>


namespace orchd {


class WorkerListener
	/// Told when workers come and go (the Federation, which keeps the
	/// LoanBook). Called on the event loop thread.
{
public:
	virtual ~WorkerListener() = default;
	virtual void onWorkerJoined(const std::string& uuid, const std::string& owner) = 0;
	virtual void onWorkerLeft(const std::string& uuid, const std::string& owner) = 0;
};


struct Load
	/// A master's load as peers see it in heartbeats.
{
	std::size_t queued = 0;
	std::size_t capacity = 0;
	int ownWorkers = 0;       /// own workers here and not lent
	int idleCredits = 0;      /// free credits over all workers here
	int lent = 0;             /// own workers lent to peers (the LoanBook's count)
	int borrowed = 0;         /// peers' workers working here
	std::uint64_t completed = 0;
};


class Dispatcher: public ConnectionHandler
	/// Accepts tasks from clients (WebSocket and HTTP), validates them with
	/// the plugins, queues them (bounded: BUSY when full of tasks or of
	/// bytes, or when the client has client.max_in_flight unanswered), and
	/// pushes them
	/// to workers up to each worker's credit (its concurrency): no polling.
	///
	/// A task given to a worker is leased. When the worker's connection
	/// drops, or the lease exceeds the task timeout, the task goes back to
	/// the front of its queue with its attempt number raised; after
	/// maxAttempts the client gets a NOK that says so. Lease length and
	/// attempts are per task type (DispatchOptions::policyFor()); a type
	/// disabled there (task.<NAME>.enabled = false) is refused at once.
	/// A task is leased only to a worker whose ALIVE offers its type; a
	/// type that no connected worker offers waits in the queue (within
	/// its limits) until one joins. A result is accepted
	/// only for the current attempt on the worker that holds the lease;
	/// late results are discarded. Mutating tasks are idempotent by key in
	/// the store, so a re-dispatched UPDATE is never applied twice.
	///
	/// That holds only while every worker is on the master's store: with
	/// options.storeId set, a worker whose ALIVE carries another STORE_ID,
	/// or none, is refused (closed with 1008, logged, counted, and listed
	/// in the status; see StoreIdCheck).
	///
	/// Identity: with options.requireIdentity (tls.verify_peers) a worker
	/// whose WORKER_UUID its verified certificate does not name (or cover
	/// as ID-N) is refused with 1008, logged and counted
	/// (identity_refused). A worker id already connected is taken over by
	/// a new connection only if that one's certificate names it; else the
	/// newcomer is refused the same way.
	/// A client's IDEMPOTENCY_KEY goes to the worker as c:NAME:KEY, NAME
	/// being its token name (a client connection's Link::tag; empty when
	/// the master runs without tokens), so that one client's keys never
	/// meet another's, nor the task ids (which contain no ':'), the
	/// default key of a task without one.
	///
	/// Reaches its connections only through a ConnectionDirectory and reads
	/// time only from a TimeSource, so a fixture drives it in-process.
	/// Owned by the master; every method runs on the event loop's thread.
{
public:
	Dispatcher(ConnectionDirectory& connections, const TimeSource& clock, const TaskRunner& validator, const LoanBook& loans, const DispatchOptions& options, Poco::Logger& logger);
	~Dispatcher() override;

	void onOpen(const Link& link) override;
	void onMessage(const Link& link, const std::string& text) override;
	void onClose(const Link& link, const std::string& reason) override;

	void submit(const std::string& text, std::shared_ptr<PendingReply> reply, const std::string& client = std::string());
		/// An HTTP submission: reply is completed with the result. client:
		/// the token name (see accept).

	void releaseWaiters(const std::string& why);
		/// Answers every HTTP submission still waiting with 503 and why
		/// (the master is stopping); the tasks themselves are not dropped.

	void checkLeases();
		/// Re-queues tasks whose lease has expired. Run by a timer.

	void retune(const DispatchOptions& options);
		/// Applies new queue.capacity, task.timeout_ms, task.max_attempts and
		/// task.<NAME>.* (a reload): to tasks accepted and leases given from
		/// now on.

	Poco::JSON::Object::Ptr status() const;
		/// The document behind GET /v1/status.

	const TaskTypeStats& taskStats() const;
		/// Per task type: counts, queue wait and execution (see
		/// TaskTypeStats), for GET /metrics.

	void setListener(WorkerListener* listener);

	Load load() const;

	std::vector<std::string> lend(int count, int keep, const std::string& redirect);
		/// Picks up to count of this master's own workers (idle first),
		/// leaving at least keep of them, sends each the REDIRECT message
		/// and stops giving it tasks (until it leaves, or reinstate()). Returns their ids; the caller records
		/// the loans in the LoanBook.

	void reinstate(const std::vector<std::string>& uuids);
		/// Their loans were written off: those of these workers that lend()
		/// redirected but are still connected here get tasks again.

	void sendHome(const std::vector<std::string>& uuids, const std::string& message);
		/// Stops giving these workers tasks and sends each the message
		/// (RETURN) as soon as it has no task in flight.

	std::vector<std::string> workersOwnedBy(const std::string& owner) const;
		/// The ids of the workers here whose owner is that peer.

private:
	struct Counters
	{
		std::uint64_t submitted = 0, completed = 0, failed = 0, busy = 0, invalid = 0, busyBytes = 0, busyClient = 0;
		std::uint64_t redispatched = 0, timedOut = 0, staleResults = 0, workerGarbage = 0, identityRefused = 0, disabled = 0;
	};

	void accept(const std::string& text, TaskOrigin origin);
	bool refuseOverLimits(const TaskOrigin& origin, const std::string& type, std::size_t bytes);
	bool appendKey(std::string& fields, const JsonScan::Member& member, const TaskOrigin& origin, const std::string& type);
	void onWorkerMessage(const Link& link, const std::string& text);
	void onWorkerControl(const Link& link, const std::string& text);
	void registerWorker(const Link& link, const Poco::JSON::Object& hello);
	void updateTasks(const Link& link, Worker& worker, const Poco::JSON::Object& message);
	void onResult(Worker& worker, const std::string& taskId, int attempt, const std::string& text);
	void rejectWorker(const Link& link, const std::string& why);
	bool refuseOtherStore(const Link& link, const Worker& worker);
	bool refuseIdentity(const Link& link, const Worker& worker);
	void refuse(const Link& link, const Worker& worker, const std::string& why);
	void pump();
	void lease(Worker& worker, Task& task);
	void sendReturnIfIdle(Worker& worker);
	void requeueOrFail(Task& task, const std::string& why);
	void deliver(Task& task, const std::string& resultText, int httpStatus);
	void reply(const TaskOrigin& origin, Poco::JSON::Object::Ptr result, int httpStatus);
	Poco::JSON::Object::Ptr workerStatus(const Worker& worker) const;

	ConnectionDirectory& _connections;
	const TimeSource& _clock;
	const TaskRunner& _validator;
	const LoanBook& _loans;
	DispatchOptions _options;
	Poco::Logger& _logger;
	std::int64_t _started;

	JsonScan _scan;
	TaskQueue _tasks;
	WorkerTable _workers;
	std::size_t _clients = 0;
	Counters _counters;
	TaskTypeStats _stats;
	StoreIdCheck _storeCheck;
	LatencyWindow _latency;
	WorkerListener* _listener = nullptr;
};


} // namespace orchd


#endif // orchd_Dispatcher_INCLUDED

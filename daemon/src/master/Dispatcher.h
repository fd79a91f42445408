//
// Dispatcher.h
//
// The master's task queue, its workers, and the leases between them.
//


#ifndef orchd_Dispatcher_INCLUDED
#define orchd_Dispatcher_INCLUDED


#include "master/DispatchOptions.h"
#include "master/PendingReply.h"
#include "net/Connection.h"
#include "net/EventLoop.h"
#include "json/JsonScan.h"
#include "plugin/TaskRunner.h"
#include "Poco/JSON/Object.h"
#include "Poco/Logger.h"
#include "Poco/Clock.h"
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>


namespace orchd {


class WorkerListener
	/// Told when workers come and go (the Federation, which tracks loans).
	/// Called on the event loop thread.
{
public:
	virtual ~WorkerListener() = default;
	virtual void onWorkerJoined(const std::string& uuid, const std::string& owner) = 0;
	virtual void onWorkerLeft(const std::string& uuid, const std::string& owner, const std::string& lentTo) = 0;
};


struct Load
	/// A master's load as peers see it in heartbeats.
{
	std::size_t queued = 0;
	std::size_t capacity = 0;
	int ownWorkers = 0;       /// own workers here and not lent
	int idleCredits = 0;      /// free credits over all workers here
	int lent = 0;             /// own workers lent to peers
	int borrowed = 0;         /// peers' workers working here
	std::uint64_t completed = 0;
};


class Dispatcher: public ConnectionHandler
	/// Accepts tasks from clients (WebSocket and HTTP), validates them with
	/// the plugins, queues them (bounded: BUSY when full), and pushes them
	/// to workers up to each worker's credit (its concurrency): no polling.
	///
	/// A task given to a worker is leased. When the worker's connection
	/// drops, or the lease exceeds the task timeout, the task goes back to
	/// the front of its queue with its attempt number raised; after
	/// maxAttempts the client gets a NOK that says so. A result is accepted
	/// only for the current attempt on the worker that holds the lease;
	/// late results are discarded. Mutating tasks are idempotent by key in
	/// the store, so a re-dispatched UPDATE is never applied twice.
	///
	/// Owned by the master; every method runs on the event loop's thread.
{
public:
	Dispatcher(EventLoop& loop, const TaskRunner& validator, const DispatchOptions& options, Poco::Logger& logger);
	~Dispatcher() override;

	void onOpen(Connection& connection) override;
	void onMessage(Connection& connection, const std::string& text) override;
	void onClose(Connection& connection, const std::string& reason) override;

	void submit(const std::string& text, std::shared_ptr<PendingReply> reply);
		/// An HTTP submission: reply is completed with the result.

	void releaseWaiters(const std::string& why);
		/// Answers every HTTP submission still waiting with 503 and why
		/// (the master is stopping); the tasks themselves are not dropped.

	void checkLeases();
		/// Re-queues tasks whose lease has expired. Run by a timer.

	Poco::JSON::Object::Ptr status() const;
		/// The document behind GET /v1/status.

	void setListener(WorkerListener* listener);

	Load load() const;

	std::vector<std::string> lend(int count, int keep, const std::string& peer, const std::string& redirect);
		/// Picks up to count of this master's own workers (idle first),
		/// leaving at least keep of them unlent, sends each the REDIRECT
		/// message and stops giving it tasks. Returns their ids.

	void sendHome(const std::vector<std::string>& uuids, const std::string& message);
		/// Stops giving these workers tasks and sends each the message
		/// (RETURN) as soon as it has no task in flight.

	std::vector<std::string> workersOwnedBy(const std::string& owner) const;
		/// The ids of the workers here whose owner is that peer.


private:
	struct Origin
	{
		std::uint64_t connection = 0;       // a WebSocket client, or 0
		std::string requestId;              // the client's REQUEST_ID as JSON text, or empty
		std::shared_ptr<PendingReply> reply; // an HTTP client
	};

	struct Task
	{
		std::string id;
		std::string type;
		std::string fields;                 // the request's members as sent, minus REQUEST_ID, TASK_ID, ATTEMPT
		Origin origin;
		std::uint64_t seq = 0;
		int attempt = 0;
		std::uint64_t worker = 0;           // the connection holding the lease, or 0 if queued
		Poco::Clock leaseStart;
	};

	struct Worker
	{
		std::uint64_t connection = 0;
		std::string uuid;
		std::string address;
		std::set<std::string> tasks;
		int concurrency = 1;
		std::string owner;                       // its home master; ours if empty
		std::string lentTo;                      // the peer it was lent to
		std::string returnMessage;               // RETURN to send once idle
		bool draining = false;
		std::string group;                       // its task names, joined: the key of its ready list
		bool ready = false;                      // in its group's ready list
		std::set<std::pair<std::uint64_t, int>> inflight;  // (task seq, attempt); holds a credit each
		std::uint64_t completed = 0;
		Poco::Clock since;
	};

	struct Counters
	{
		std::uint64_t submitted = 0, completed = 0, failed = 0, busy = 0, invalid = 0;
		std::uint64_t redispatched = 0, timedOut = 0, staleResults = 0, workerGarbage = 0;
	};

	struct Deadline
	{
		Poco::Clock at;
		std::uint64_t seq;
		int attempt;
	};

	void accept(const std::string& text, Origin origin);
	void onWorkerMessage(Connection& connection, const std::string& text);
	void onWorkerControl(Connection& connection, const std::string& text);
	void registerWorker(Connection& connection, const Poco::JSON::Object& hello);
	void onResult(Worker& worker, const std::string& taskId, int attempt, const std::string& text);
	void rejectWorker(Connection& connection, const std::string& why);
	std::uint64_t seqOf(const std::string& taskId) const;
	void pump();
	Task* takeFor(const Worker& worker);
	void lease(Worker& worker, Task& task);
	void makeReady(Worker& worker);
	void sendReturnIfIdle(Worker& worker);
	void requeueOrFail(Task& task, const std::string& why);
	void deliver(Task& task, const std::string& resultText, int httpStatus);
	void reply(const Origin& origin, Poco::JSON::Object::Ptr result, int httpStatus);
	std::string nextTaskId();

	EventLoop& _loop;
	const TaskRunner& _validator;
	DispatchOptions _options;
	Poco::Logger& _logger;
	Poco::Clock _started;
	std::string _idPrefix;
	std::uint64_t _nextSeq = 1;

	JsonScan _scan;
	std::unordered_map<std::uint64_t, std::unique_ptr<Task>> _tasks;  // by seq
	std::unordered_map<std::string, std::deque<Task*>> _queues;
	std::size_t _queued = 0;
	std::unordered_map<std::uint64_t, Worker> _workers;
	std::unordered_map<std::string, std::uint64_t> _workerByUuid;
	std::map<std::string, std::deque<std::uint64_t>> _ready;  // workers with a free credit, by task set
		// Grouped so that a round of pump() costs one look per kind of
		// worker, not per worker: a thousand idle workers that offer no
		// queued task type are passed over in one step.
	std::deque<Deadline> _deadlines;         // in lease order, which is deadline order
	std::size_t _clients = 0;
	Counters _counters;
	WorkerListener* _listener = nullptr;
};


} // namespace orchd


#endif // orchd_Dispatcher_INCLUDED

//
// WorkerNode.h
//
// The worker role: one WebSocket to the home master, a pool of executors.
//


#ifndef orchd_WorkerNode_INCLUDED
#define orchd_WorkerNode_INCLUDED


#include "worker/MasterRoute.h"
#include "worker/QuickLink.h"
#include "worker/QuickRunner.h"
#include "worker/ResultOutbox.h"
#include "worker/WorkerOptions.h"
#include "json/JsonScan.h"
#include "net/PeerAddress.h"
#include "net/WebSocketClient.h"
#include "plugin/TaskRunner.h"
#include "Poco/Event.h"
#include "Poco/Logger.h"
#include "Poco/Mutex.h"
#include "Poco/Runnable.h"
#include "Poco/Thread.h"
#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>


namespace orchd {


class WorkerNode: public QuickLink, private Poco::Runnable
	/// Connects to the home master, introduces itself with the prototype's
	/// {"WORKER":"ALIVE","WORKER_UUID":...} plus its task types,
	/// concurrency and store id (STORE_ID), then runs the tasks the master pushes on its executor
	/// threads and answers each with its result (STATUS, TASK_ID, ATTEMPT).
	///
	/// When the master goes away it reconnects with exponential backoff and
	/// jitter; a master that refused it (1008, e.g. another store) is
	/// logged at error level and retried without resetting the backoff. stop() drains: it tells the master {"WORKER":"STOPPING"},
	/// finishes and reports what is in flight, then disconnects.
	///
	/// Which master to dial (home, failover, moves ordered by REDIRECT and
	/// RETURN) is the MasterRoute's decision; the results leave through a
	/// ResultOutbox, in batches of one write each.
	///
	/// Threads: one connection thread (reads, owns the route, and hands
	/// the tasks whose handler says they are quick to the process's
	/// QuickRunner, which runs them on this thread or another link's,
	/// through the QuickLink interface, their store operations committed
	/// together before their results are sent), `concurrency` executors
	/// (run the others). Any of them may send results.
{
public:
	WorkerNode(const WorkerOptions& options, const TaskRunner& runner, QuickRunner& quick, const std::vector<std::string>& tasks, Poco::Logger& logger);
		/// quick runs the quick tasks (shared by the links of a process).
	~WorkerNode() override;

	void start();
		/// Starts the executors and the connection thread.

	void stop();
		/// Drains and stops; returns when done or after drainTimeout.
		/// Called by the thread that owns the WorkerNode; a second call
		/// (the destructor's) does nothing.

	void announceTasks(const std::vector<std::string>& tasks);
		/// The node loaded a plugin: from now on the worker offers these
		/// task types (every one, sorted), and tells its master at once
		/// with {"WORKER":"TASKS",...} (the connection thread sends it, on
		/// this link and every later one's ALIVE). Thread-safe; the same
		/// list again changes nothing.

	bool connected() const;
		/// Whether a link to a master is up now. Thread-safe.

	const std::string& id() const;
		/// WORKER_UUID.

private:
	struct Job
	{
		Poco::JSON::Object::Ptr request;
		std::string taskId;
		int attempt = 1;
		std::shared_ptr<std::atomic<bool>> cancelled;
	};

	void run() override;
	bool session(const PeerAddress& master);
		/// One connection to master, until it ends; true if the master
		/// refused this worker (closed it with 1008), and logged at error
		/// level with the master's reason.
	static constexpr int MAX_BURST = 64;  // messages read before the quick results go out

	void handle(const std::string& text);
	void move(const Poco::JSON::Object& message, const std::string& task);
	void execute();
	std::string runTask(const Poco::JSON::Object& request, const std::string& taskId, int attempt, const std::atomic<bool>& cancelled, AccountStore* store);
		/// The text of a task's result, or of a NOK if it is too large.
	std::string runTask(const Poco::JSON::Object& request, const std::string& taskId, int attempt, AccountStore* store) override;
	void storeHint(const Poco::JSON::Object& request, const std::string& taskId, StoreHint& hint) override;
		/// QuickLink: a quick task (never cancelled).
	void report(std::vector<std::string>& results) override;
		/// QuickLink: into the outbox.
	std::vector<std::string> tasks(int& version) const;
		/// The task types to offer now, and their version.
	void sendTasks(int& announced);
		/// The connection thread: a TASKS message if the types changed
		/// since version announced on this link.
	bool send(const std::vector<std::string>& texts);
		/// Writes messages on the current link (one write); false, logged,
		/// if there is none or it broke.
	void countFinished(std::size_t count);
		/// The outbox sent (or lost) count results: no longer running.

	WorkerOptions _options;
	const TaskRunner& _runner;
	mutable std::mutex _tasksMutex;
	std::vector<std::string> _tasks;             // under _tasksMutex
	std::atomic<int> _tasksVersion{0};           // raised by each change of _tasks
	Poco::Logger& _logger;

	Poco::Thread _thread;
	Poco::Event _wake;
	std::atomic<bool> _stopping{false};
	std::atomic<bool> _quit{false};
	std::atomic<bool> _stopCalled{false};

	mutable Poco::FastMutex _linkMutex;
	std::shared_ptr<WebSocketClient> _link;

	std::mutex _jobsMutex;
	std::condition_variable _jobsChanged;        // a job queued, or quit: for executors
	std::condition_variable _finished;           // results sent (_running fell): for stop()
	std::deque<Job> _jobs;
	int _running = 0;                            // tasks running, or done with the result not yet sent
	std::unordered_map<std::string, std::shared_ptr<std::atomic<bool>>> _cancelFlags;
	JsonScan _scan;                              // the connection thread's
	QuickRunner& _quick;
	std::vector<QuickRunner::Job> _burst;        // the connection thread's: the quick tasks of the current burst
	MasterRoute _route;                          // the connection thread's

	ResultOutbox _outbox;
	std::vector<std::thread> _executors;
};


} // namespace orchd


#endif // orchd_WorkerNode_INCLUDED

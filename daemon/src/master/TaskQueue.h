//
// TaskQueue.h
//
// Every task a master has accepted and not yet answered, and their leases.
//


#ifndef orchd_TaskQueue_INCLUDED
#define orchd_TaskQueue_INCLUDED


#include "master/PendingReply.h"
#include <cstdint>
#include <deque>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>


namespace orchd {


struct TaskOrigin
	/// Who is waiting for a task's result.
{
	std::uint64_t connection = 0;         /// a WebSocket client, or 0
	std::string requestId;                /// the client's REQUEST_ID as JSON text, or empty
	std::shared_ptr<PendingReply> reply;  /// an HTTP client, or null
	std::string client;                   /// the client's token name; empty when the master runs without tokens

	std::string inFlightKey() const;
		/// Whose in-flight count a task is in: the token name, or without
		/// tokens the WebSocket connection (all HTTP clients share one).
};


struct Task
	/// One accepted task. Queued while worker is 0, else leased to that
	/// worker connection for its current attempt.
{
	std::string id;           /// TASK_ID: the master's prefix and seq
	std::string type;
	std::string fields;       /// the request's members as sent, minus REQUEST_ID, TASK_ID, ATTEMPT
	TaskOrigin origin;
	std::uint64_t seq = 0;
	int attempt = 0;
	std::uint64_t worker = 0;
	std::int64_t leaseStart = 0;  /// µs, TimeSource time
	std::int64_t queuedAt = 0;    /// µs, TimeSource time: accepted, or re-queued
	std::int64_t accepted = 0;    /// µs, TimeSource time: when the master took it (its latency starts)
};


class TaskQueue
	/// Holds every task from acceptance to its answer, by sequence number;
	/// the queued ones in one FIFO per task type (a re-queued task goes to
	/// the front: it has waited longest); and the leases' deadlines in a
	/// heap, earliest first: each task type has its own lease length
	/// (task.<NAME>.timeout_ms), so a short lease given after a long one
	/// must still end first.
	///
	/// Task ids are the master's id, its start time and a sequence number:
	/// they double as idempotency keys, so they never repeat, not even
	/// across a restart. Owned by the Dispatcher; event loop thread only.
{
public:
	explicit TaskQueue(const std::string& masterId);

	Task& add(const std::string& type, std::string fields, TaskOrigin origin);
		/// Queues a new task at the back of its type's queue.

	Task* find(std::uint64_t seq);

	std::uint64_t seqOf(const std::string& taskId) const;
		/// The sequence number in one of our task ids, or 0.

	Task* takeFor(const std::set<std::string>& types);
		/// Removes and returns the oldest queued task of any of these types,
		/// or null.

	void requeue(Task& task);
		/// Back to the front of its type's queue (task.worker is cleared).

	void erase(std::uint64_t seq);
		/// Forgets an answered task.

	void leased(const Task& task, std::int64_t deadline);
		/// Records the deadline of the task's current lease.

	Task* expired(std::int64_t now);
		/// Returns a leased task whose current lease ended before now (and
		/// forgets that deadline), or null; stale deadlines (the task was
		/// answered or re-leased) are dropped as they reach the front.

	std::size_t queued() const;
		/// Tasks waiting for a worker.

	std::size_t size() const;
		/// Tasks accepted and not answered: queued and leased.

	std::size_t bytes() const;
		/// The bytes of the fields of every task held (queued and leased).

	std::size_t inFlight(const std::string& key) const;
		/// Tasks held for this TaskOrigin::inFlightKey().

	template <class Function>
	void forEach(Function function)
	{
		for (auto& entry: _tasks) function(*entry.second);
	}

private:
	struct Deadline
	{
		std::int64_t at;
		std::uint64_t seq;
		int attempt;

		bool operator > (const Deadline& other) const
		{
			return at > other.at || (at == other.at && seq > other.seq);
		}
	};

	std::string _idPrefix;
	std::uint64_t _nextSeq = 1;
	std::unordered_map<std::uint64_t, std::unique_ptr<Task>> _tasks;
	std::unordered_map<std::string, std::deque<Task*>> _queues;
	std::size_t _queued = 0;
	std::size_t _bytes = 0;
	std::unordered_map<std::string, std::size_t> _inFlight;
	std::vector<Deadline> _deadlines;  // a min-heap on at (std::push_heap with std::greater)
};


} // namespace orchd


#endif // orchd_TaskQueue_INCLUDED

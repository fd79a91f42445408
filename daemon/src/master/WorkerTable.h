//
// WorkerTable.h
//
// The workers connected to a master, and which of them have a free credit.
//


#ifndef orchd_WorkerTable_INCLUDED
#define orchd_WorkerTable_INCLUDED


#include <cstdint>
#include <deque>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>


namespace orchd {


struct Worker
	/// One worker link as the master sees it.
{
	std::uint64_t connection = 0;
	std::string uuid;
	std::string address;
	std::set<std::string> tasks;             /// the task types it offers
	int concurrency = 1;                     /// its credit
	std::string owner;                       /// its home master; ours if empty
	std::string storeId;                     /// the STORE_ID of its ALIVE; empty if none
	std::string returnMessage;               /// RETURN to send once idle
	bool draining = false;                   /// no more tasks for it
	bool redirected = false;                 /// lent (sent REDIRECT): no tasks unless the loan is written off
	std::string group;                       /// its task types, length-prefixed: the key of its ready list
	bool ready = false;                      /// in its group's ready list
	std::set<std::pair<std::uint64_t, int>> inflight;  /// (task seq, attempt); holds a credit each
	std::uint64_t completed = 0;
	std::int64_t since = 0;                  /// when it joined (µs, TimeSource time)

	bool hasCredit() const
	{
		return !draining && !redirected && static_cast<int>(inflight.size()) < concurrency;
	}
};


class WorkerTable
	/// The workers by connection and by WORKER_UUID, and the ready lists:
	/// the workers with a free credit, grouped by the set of task types
	/// they offer, so that a round of dispatch costs one look per kind of
	/// worker, not per worker (a thousand idle workers that offer no queued
	/// task type are passed over in one step).
	///
	/// Owned by the Dispatcher; event loop thread only.
{
public:
	using ReadyLists = std::map<std::string, std::deque<std::uint64_t>>;

	Worker& add(Worker worker);
		/// Stores a worker and makes it the one its WORKER_UUID names.

	Worker remove(std::uint64_t connection);
		/// Takes a worker out (ready list and uuid index included) and
		/// returns it. The connection must be in the table.

	Worker* find(std::uint64_t connection);
	const Worker* find(std::uint64_t connection) const;

	std::uint64_t connectionOf(const std::string& uuid) const;
		/// The connection of the worker with this WORKER_UUID, or 0.

	void retask(Worker& worker, std::set<std::string> tasks);
		/// Gives a worker a new set of task types (it announced more):
		/// out of its old group's ready list, into the new one's.

	void makeReady(Worker& worker);
		/// Puts a worker with a free credit at the back of its ready list.

	ReadyLists& readyLists();
		/// For the dispatch round, which pops workers as it leases to them
		/// (clearing their ready flag).

	template <class Function>
	void forEach(Function function) const
	{
		for (const auto& entry: _workers) function(entry.second);
	}

	template <class Function>
	void forEach(Function function)
	{
		for (auto& entry: _workers) function(entry.second);
	}

	static std::string groupOf(const std::set<std::string>& tasks);
		/// The ready-list key of a set of task types, length-prefixed so
		/// that ["A,B"] and ["A","B"] differ.

private:
	std::unordered_map<std::uint64_t, Worker> _workers;
	std::unordered_map<std::string, std::uint64_t> _byUuid;
	ReadyLists _ready;
};


} // namespace orchd


#endif // orchd_WorkerTable_INCLUDED

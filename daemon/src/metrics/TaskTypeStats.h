//
// TaskTypeStats.h
//
// Counts and latency histograms of tasks, one set per task type.
//


#ifndef orchd_TaskTypeStats_INCLUDED
#define orchd_TaskTypeStats_INCLUDED


#include "metrics/Histogram.h"
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>


namespace orchd {


class TaskTypeStats
	/// What happened to the tasks of each type: counts and two latency
	/// histograms in microseconds. The master counts accepted, completed
	/// (a worker answered), failed (out of attempts) and redispatched
	/// tasks, with queue wait (queued to leased) and execution (leased to
	/// answered); a worker counts the tasks it ran as completed (STATUS OK)
	/// or failed (NOK), with their execution time.
	///
	/// The types given at construction are found without a lock (the hot
	/// path of a worker's executors); a type first seen later (a plugin
	/// loaded while running) takes a mutex once per lookup.
	///
	/// Thread-safe; a Slot lives as long as its TaskTypeStats.
{
public:
	struct Slot
	{
		Slot();

		std::atomic<std::uint64_t> submitted{0};
		std::atomic<std::uint64_t> completed{0};
		std::atomic<std::uint64_t> failed{0};
		std::atomic<std::uint64_t> redispatched{0};
		Histogram queueWait;   /// µs
		Histogram execution;   /// µs
	};

	explicit TaskTypeStats(const std::vector<std::string>& types = {});

	Slot& slot(const std::string& type);
		/// The type's counters, made on first use.

	void forEach(const std::function<void(const std::string& type, const Slot& slot)>& function) const;
		/// Every type seen or given, in name order.

private:
	std::unordered_map<std::string, std::unique_ptr<Slot>> _fixed;  // never changes after construction
	mutable std::mutex _mutex;
	std::map<std::string, std::unique_ptr<Slot>> _later;            // under _mutex
};


} // namespace orchd


#endif // orchd_TaskTypeStats_INCLUDED

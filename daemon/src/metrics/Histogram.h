//
// Histogram.h
//
// A Prometheus histogram of integer observations, safe to feed from any
// thread.
//


#ifndef orchd_Histogram_INCLUDED
#define orchd_Histogram_INCLUDED


#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>


namespace orchd {


class Histogram
	/// Counts observations (integers: microseconds, or a number of
	/// operations) into buckets with fixed upper bounds, and keeps their
	/// sum and count. observe() is a few relaxed atomic adds, so hot paths
	/// on several threads may share one; a snapshot() taken meanwhile may
	/// be an observation behind in one field, never torn in one value.
	///
	/// Thread-safe.
{
public:
	struct Snapshot
	{
		std::vector<std::uint64_t> bounds;      /// upper bounds, ascending (le="...")
		std::vector<std::uint64_t> cumulative;  /// observations <= each bound
		std::uint64_t count = 0;                /// all observations (le="+Inf")
		std::uint64_t sum = 0;
	};

	explicit Histogram(std::vector<std::uint64_t> bounds);
		/// bounds: ascending, not empty. Throws Poco::InvalidArgumentException
		/// otherwise.

	void observe(std::uint64_t value);

	Snapshot snapshot() const;
		/// Cumulative counts, as the text format wants them; count is at
		/// least the last cumulative count.

	static std::vector<std::uint64_t> latencyBoundsMicros();
		/// 100 µs to 30 s, about three buckets a decade: task and commit
		/// latencies.

	static std::vector<std::uint64_t> sizeBounds();
		/// 1, 2, 4, ... 1024: operations per group commit.

private:
	std::vector<std::uint64_t> _bounds;
	std::unique_ptr<std::atomic<std::uint64_t>[]> _buckets;  // per bound, then one for +Inf; not cumulative
	std::atomic<std::uint64_t> _sum{0};
};


} // namespace orchd


#endif // orchd_Histogram_INCLUDED

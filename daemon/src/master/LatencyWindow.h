//
// LatencyWindow.h
//
// How long the tasks answered in the last minutes took, second by second.
//


#ifndef orchd_LatencyWindow_INCLUDED
#define orchd_LatencyWindow_INCLUDED


#include "Poco/JSON/Object.h"
#include <array>
#include <cstdint>
#include <vector>


namespace orchd {


struct LatencySummary
	/// The tasks answered in some span of time: how many, and how long
	/// each took from its acceptance to its answer (µs). The percentiles
	/// come from a histogram of 4 bins per doubling: within 13% of the true
	/// value, and never above max. All zero when count is 0.
{
	std::uint64_t count = 0;
	std::int64_t meanUs = 0;
	std::int64_t p50Us = 0;
	std::int64_t p99Us = 0;
	std::int64_t maxUs = 0;
};


class LatencyWindow
	/// The latency of the tasks a master answered (OK, NOK or given up
	/// after task.max_attempts) over the last SECONDS seconds, in one
	/// histogram per second of TimeSource time: what the dashboard draws
	/// and GET /v1/status reports as "latency". A second older than the
	/// window is forgotten when its slot is reused or read.
	///
	/// Pure: no clock of its own (the caller says when), no sockets; a
	/// fixed 300 x 160 counters, whatever the load. Owned by the
	/// Dispatcher; event loop thread only.
{
public:
	static constexpr int SECONDS = 300;
	static constexpr int BINS = 160;   /// 0-7 µs exactly, then 4 per doubling up to 2^40 µs

	void record(std::int64_t now, std::int64_t latencyUs);
		/// One task answered at now (µs) that took latencyUs (a negative
		/// one counts as 0; beyond 2^40 µs, as 2^40).

	LatencySummary summary(std::int64_t now, int seconds) const;
		/// The tasks answered in the last `seconds` whole seconds up to
		/// now's (1 to SECONDS; now's second counts as one).

	std::vector<LatencySummary> series(std::int64_t now, int seconds) const;
		/// One summary per second, oldest first, the last being now's
		/// (still filling); seconds with no task are zeros.

	Poco::JSON::Object::Ptr status(std::int64_t now) const;
		/// For GET /v1/status: {"window_s", "last_10s": SUMMARY,
		/// "last_300s": SUMMARY, "per_second": {"count": [...],
		/// "p50_us": [...], "p99_us": [...]}} with the last 120 seconds
		/// oldest first; a SUMMARY is {"count", "mean_us", "p50_us",
		/// "p99_us", "max_us"}.

	static int binOf(std::int64_t latencyUs);
	static std::int64_t binMiddle(int bin);
		/// The bin a latency falls in, and the value it reports for it.

private:
	struct Second
	{
		std::int64_t second = -1;    /// which second (now / 1e6) the slot holds; -1: none
		std::uint64_t count = 0;
		std::int64_t sumUs = 0;
		std::int64_t maxUs = 0;
		std::array<std::uint32_t, BINS> bins{};
	};

	const Second* slotFor(std::int64_t second) const;
	LatencySummary summarise(std::int64_t firstSecond, std::int64_t lastSecond) const;

	std::array<Second, SECONDS> _seconds;
};


} // namespace orchd


#endif // orchd_LatencyWindow_INCLUDED

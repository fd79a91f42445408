//
// LatencyWindow.cpp
//


#include "master/LatencyWindow.h"
#include "Poco/JSON/Array.h"
#include <algorithm>


namespace orchd {


namespace {


const std::int64_t SECOND_US = 1000000;
const std::int64_t MAX_LATENCY_US = std::int64_t(1) << 40;
const int SERIES_SECONDS = 120;


Poco::JSON::Object::Ptr summaryObject(const LatencySummary& s)
{
	Poco::JSON::Object::Ptr object = new Poco::JSON::Object;
	object->set("count", s.count);
	object->set("mean_us", s.meanUs);
	object->set("p50_us", s.p50Us);
	object->set("p99_us", s.p99Us);
	object->set("max_us", s.maxUs);
	return object;
}


} // namespace


int LatencyWindow::binOf(std::int64_t latencyUs)
{
	std::uint64_t x = static_cast<std::uint64_t>(std::clamp<std::int64_t>(latencyUs, 0, MAX_LATENCY_US));
	if (x < 8) return static_cast<int>(x);
	int msb = 63 - __builtin_clzll(x);
	int sub = static_cast<int>((x >> (msb - 2)) & 3);
	return 8 + (msb - 3) * 4 + sub;
}


std::int64_t LatencyWindow::binMiddle(int bin)
{
	if (bin < 8) return bin;
	int msb = 3 + (bin - 8) / 4;
	int sub = (bin - 8) % 4;
	std::int64_t width = std::int64_t(1) << (msb - 2);
	return (4 + sub) * width + width / 2;
}


void LatencyWindow::record(std::int64_t now, std::int64_t latencyUs)
{
	std::int64_t second = now / SECOND_US;
	Second& slot = _seconds[static_cast<std::size_t>(second % SECONDS)];
	if (slot.second != second) slot = Second{second};
	std::int64_t latency = std::clamp<std::int64_t>(latencyUs, 0, MAX_LATENCY_US);
	++slot.count;
	slot.sumUs += latency;
	slot.maxUs = std::max(slot.maxUs, latency);
	++slot.bins[static_cast<std::size_t>(binOf(latency))];
}


const LatencyWindow::Second* LatencyWindow::slotFor(std::int64_t second) const
{
	// A slot still holding an older second is a second with no task.
	const Second& slot = _seconds[static_cast<std::size_t>(second % SECONDS)];
	return slot.second == second ? &slot : nullptr;
}


LatencySummary LatencyWindow::summarise(std::int64_t firstSecond, std::int64_t lastSecond) const
{
	LatencySummary summary;
	std::array<std::uint64_t, BINS> bins{};
	std::int64_t sum = 0;
	for (std::int64_t second = std::max<std::int64_t>(firstSecond, 0); second <= lastSecond; ++second)
	{
		const Second* slot = slotFor(second);
		if (!slot) continue;
		summary.count += slot->count;
		sum += slot->sumUs;
		summary.maxUs = std::max(summary.maxUs, slot->maxUs);
		for (int b = 0; b < BINS; ++b) bins[static_cast<std::size_t>(b)] += slot->bins[static_cast<std::size_t>(b)];
	}
	if (summary.count == 0) return summary;
	summary.meanUs = sum / static_cast<std::int64_t>(summary.count);
	// The value at rank ceil(q * count), 1-based, as its bin reports it.
	auto percentile = [&](std::uint64_t perMille)
	{
		std::uint64_t rank = std::max<std::uint64_t>(1, (summary.count * perMille + 999) / 1000);
		std::uint64_t seen = 0;
		for (int b = 0; b < BINS; ++b)
		{
			seen += bins[static_cast<std::size_t>(b)];
			if (seen >= rank) return std::min(binMiddle(b), summary.maxUs);
		}
		return summary.maxUs;
	};
	summary.p50Us = percentile(500);
	summary.p99Us = percentile(990);
	return summary;
}


LatencySummary LatencyWindow::summary(std::int64_t now, int seconds) const
{
	std::int64_t last = now / SECOND_US;
	return summarise(last - std::clamp(seconds, 1, SECONDS) + 1, last);
}


std::vector<LatencySummary> LatencyWindow::series(std::int64_t now, int seconds) const
{
	std::int64_t last = now / SECOND_US;
	int n = std::clamp(seconds, 1, SECONDS);
	std::vector<LatencySummary> out;
	out.reserve(static_cast<std::size_t>(n));
	for (std::int64_t second = last - n + 1; second <= last; ++second) out.push_back(summarise(second, second));
	return out;
}


Poco::JSON::Object::Ptr LatencyWindow::status(std::int64_t now) const
{
	Poco::JSON::Object::Ptr status = new Poco::JSON::Object;
	status->set("window_s", SECONDS);
	status->set("last_10s", summaryObject(summary(now, 10)));
	status->set("last_300s", summaryObject(summary(now, SECONDS)));
	Poco::JSON::Array::Ptr count = new Poco::JSON::Array, p50 = new Poco::JSON::Array, p99 = new Poco::JSON::Array;
	for (const LatencySummary& s: series(now, SERIES_SECONDS))
	{
		count->add(s.count);
		p50->add(s.p50Us);
		p99->add(s.p99Us);
	}
	Poco::JSON::Object::Ptr perSecond = new Poco::JSON::Object;
	perSecond->set("count", count);
	perSecond->set("p50_us", p50);
	perSecond->set("p99_us", p99);
	status->set("per_second", perSecond);
	return status;
}


} // namespace orchd

//
// Histogram.cpp
//


#include "metrics/Histogram.h"
#include "Poco/Exception.h"
#include <algorithm>


namespace orchd {


Histogram::Histogram(std::vector<std::uint64_t> bounds):
	_bounds(std::move(bounds))
{
	if (_bounds.empty() || !std::is_sorted(_bounds.begin(), _bounds.end()) || std::adjacent_find(_bounds.begin(), _bounds.end()) != _bounds.end())
		throw Poco::InvalidArgumentException("histogram bounds must be ascending, distinct and not empty");
	_buckets.reset(new std::atomic<std::uint64_t>[_bounds.size() + 1]);
	for (std::size_t i = 0; i <= _bounds.size(); ++i) _buckets[i].store(0, std::memory_order_relaxed);
}


void Histogram::observe(std::uint64_t value)
{
	// Bucket i holds bounds[i-1] < value <= bounds[i]; the last one +Inf.
	std::size_t i = static_cast<std::size_t>(std::lower_bound(_bounds.begin(), _bounds.end(), value) - _bounds.begin());
	_buckets[i].fetch_add(1, std::memory_order_relaxed);
	_sum.fetch_add(value, std::memory_order_relaxed);
}


Histogram::Snapshot Histogram::snapshot() const
{
	Snapshot snapshot;
	snapshot.bounds = _bounds;
	snapshot.cumulative.reserve(_bounds.size());
	std::uint64_t running = 0;
	for (std::size_t i = 0; i < _bounds.size(); ++i)
	{
		running += _buckets[i].load(std::memory_order_relaxed);
		snapshot.cumulative.push_back(running);
	}
	snapshot.count = running + _buckets[_bounds.size()].load(std::memory_order_relaxed);
	snapshot.sum = _sum.load(std::memory_order_relaxed);
	return snapshot;
}


std::vector<std::uint64_t> Histogram::latencyBoundsMicros()
{
	return {100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000,
		1000000, 2500000, 5000000, 10000000, 30000000};
}


std::vector<std::uint64_t> Histogram::sizeBounds()
{
	return {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024};
}


} // namespace orchd

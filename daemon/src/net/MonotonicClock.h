//
// MonotonicClock.h
//
// The time the master's logic reads: an interface, so fixtures can step it.
//


#ifndef orchd_MonotonicClock_INCLUDED
#define orchd_MonotonicClock_INCLUDED


#include "Poco/Clock.h"
#include <cstdint>


namespace orchd {


class TimeSource
	/// A monotonic clock in microseconds. Leases, heartbeats and the loan
	/// policy read time only through this, so a fixture drives them with a
	/// ManualClock and no sleeps. Thread-safety is the implementation's.
{
public:
	virtual ~TimeSource() = default;

	virtual std::int64_t now() const = 0;
		/// Microseconds since an arbitrary fixed point; never goes back.
};


class MonotonicClock: public TimeSource
	/// The system's monotonic clock (Poco::Clock). Thread-safe.
{
public:
	std::int64_t now() const override
	{
		return Poco::Clock().microseconds();
	}

	static MonotonicClock& instance()
		/// One shared instance: it has no state.
	{
		static MonotonicClock clock;
		return clock;
	}
};


class ManualClock: public TimeSource
	/// A clock that moves only when told to: for fixtures and simulations.
	/// Not thread-safe.
{
public:
	explicit ManualClock(std::int64_t start = 1000000000): _now(start)
	{
	}

	std::int64_t now() const override
	{
		return _now;
	}

	void advanceMs(std::int64_t milliseconds)
	{
		_now += milliseconds * 1000;
	}

private:
	std::int64_t _now;
};


} // namespace orchd


#endif // orchd_MonotonicClock_INCLUDED

//
// SteppedClock.h
//
// A StoreClock whose wall clock a fixture steps, and whose time a fixture
// lets pass, on top of the system's clocks.
//


#ifndef orchd_test_SteppedClock_INCLUDED
#define orchd_test_SteppedClock_INCLUDED


#include "store/StoreClock.h"
#include <atomic>


namespace orchd {
namespace test {


class SteppedClock: public StoreClock
	/// Thread-safe: the store's pruning thread reads it.
{
public:
	Poco::Int64 wallMs() const override
	{
		return StoreClock::wallMs() + _stepMs + _elapsedMs;
	}

	Poco::Int64 monotonicUs() const override
	{
		return StoreClock::monotonicUs() + _elapsedMs * 1000;
	}

	void step(Poco::Int64 ms)
		/// The wall clock jumps (NTP, a resumed VM); no time passes.
	{
		_stepMs += ms;
	}

	void elapse(Poco::Int64 ms)
		/// Time passes, on both clocks.
	{
		_elapsedMs += ms;
	}

private:
	std::atomic<Poco::Int64> _stepMs{0};
	std::atomic<Poco::Int64> _elapsedMs{0};
};


} } // namespace orchd::test


#endif // orchd_test_SteppedClock_INCLUDED

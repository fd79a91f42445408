//
// StoreClock.h
//
// The clocks that age idempotency records: an interface, so that a
// fixture can step the wall clock.
//


#ifndef orchd_StoreClock_INCLUDED
#define orchd_StoreClock_INCLUDED


#include "Poco/Clock.h"
#include "Poco/Timestamp.h"
#include "Poco/Types.h"


namespace orchd {


class StoreClock
	/// The wall clock in epoch milliseconds (what idempotency records are
	/// stamped with) and a monotonic clock in microseconds (what really
	/// elapsed), as pruning reads them. The system's by default; a fixture
	/// overrides either. Thread-safety is the implementation's (the
	/// system's is stateless).
{
public:
	virtual ~StoreClock() = default;

	virtual Poco::Int64 wallMs() const
	{
		return Poco::Timestamp().epochMicroseconds() / 1000;
	}

	virtual Poco::Int64 monotonicUs() const
	{
		return Poco::Clock().microseconds();
	}

	static const StoreClock& system()
		/// One shared instance: it has no state.
	{
		static const StoreClock clock;
		return clock;
	}
};


} // namespace orchd


#endif // orchd_StoreClock_INCLUDED

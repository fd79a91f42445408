//
// KeyHorizon.h
//
// Up to when idempotency records may be pruned, proof against a wall
// clock that steps forward.
//


#ifndef orchd_KeyHorizon_INCLUDED
#define orchd_KeyHorizon_INCLUDED


#include "Poco/Types.h"


namespace orchd {


class KeyHorizon
	/// The cutoff (epoch ms) below which idempotency records are pruned.
	/// Records are stamped with the wall clock, so the cutoff follows the
	/// wall clock less the retention, but it never advances further from
	/// one prune to the next than the monotonic clock did in between, and
	/// never goes back. A wall clock stepped forward (NTP, a resumed VM)
	/// therefore cannot age every record at once: a record is pruned no
	/// sooner than the retention in real elapsed time after it was stamped,
	/// and later by any forward step.
	///
	/// It starts at the oldest record when the store opens, if that is
	/// older than the retention: a restart prunes nothing at once (the
	/// downtime and a step across it cannot be told apart), and pruning
	/// resumes at the real rate from there.
	///
	/// A pure value: not thread-safe; its owner serialises the prunes.
{
public:
	static constexpr Poco::Int64 NO_RECORD = 0x7fffffffffffffffLL;
		/// The oldest record's time when there is none.

	KeyHorizon(Poco::Int64 retentionMs, Poco::Int64 wallMs, Poco::Int64 monotonicUs, Poco::Int64 oldestRecordMs);
		/// The horizon at open: wallMs - retentionMs, or oldestRecordMs if
		/// that is earlier.

	Poco::Int64 advance(Poco::Int64 wallMs, Poco::Int64 monotonicUs);
		/// Moves the horizon for a prune now and returns it: records
		/// stamped before it may go.

	Poco::Int64 cutoff() const;
		/// The horizon as the last advance() (or the constructor) left it.

private:
	Poco::Int64 _retentionMs;
	Poco::Int64 _cutoff;
	Poco::Int64 _monotonicUs;  // when _cutoff was set
};


} // namespace orchd


#endif // orchd_KeyHorizon_INCLUDED

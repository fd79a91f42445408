//
// KeyHorizon.cpp
//


#include "store/KeyHorizon.h"
#include <algorithm>


namespace orchd {


KeyHorizon::KeyHorizon(Poco::Int64 retentionMs, Poco::Int64 wallMs, Poco::Int64 monotonicUs, Poco::Int64 oldestRecordMs):
	_retentionMs(retentionMs),
	_cutoff(std::min(wallMs - retentionMs, oldestRecordMs)),
	_monotonicUs(monotonicUs)
{
}


Poco::Int64 KeyHorizon::advance(Poco::Int64 wallMs, Poco::Int64 monotonicUs)
{
	Poco::Int64 elapsedMs = std::max<Poco::Int64>(0, monotonicUs - _monotonicUs) / 1000;
	// Whole milliseconds only: the remainder counts toward the next prune.
	_monotonicUs += elapsedMs * 1000;
	Poco::Int64 wanted = wallMs - _retentionMs;
	_cutoff = std::max(_cutoff, std::min(wanted, _cutoff + elapsedMs));
	return _cutoff;
}


Poco::Int64 KeyHorizon::cutoff() const
{
	return _cutoff;
}


} // namespace orchd

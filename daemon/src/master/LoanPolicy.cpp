//
// LoanPolicy.cpp
//


#include "master/LoanPolicy.h"
#include <algorithm>
#include <cmath>


namespace orchd {


LoanPolicy::LoanPolicy(const FederationOptions& options, std::int64_t now):
	_options(options),
	_rateSampledAt(now)
{
}


void LoanPolicy::retune(const FederationOptions& options)
{
	_options = options;
}


LoanPolicy::Decision LoanPolicy::decide(std::int64_t now, const Load& load, int borrowed)
{
	if (now - _rateSampledAt >= 1000000)
	{
		double seconds = static_cast<double>(now - _rateSampledAt) / 1e6;
		int workers = std::max(1, load.ownWorkers + load.borrowed);
		_perWorkerRate = static_cast<double>(load.completed - _rateCompleted) / seconds / workers;
		_rateCompleted = load.completed;
		_rateSampledAt = now;
	}
	bool saturated = load.queued > _options.maxQueue;
	if (saturated && !_saturated) _saturatedSince = now;
	_saturated = saturated;
	bool calm = load.queued < _options.minQueue;
	if (calm && !_calm) _calmSince = now;
	_calm = calm;
	std::int64_t window = _options.window.totalMicroseconds();
	if (_saturated && now - _saturatedSince >= window && cooled(now) && borrowed < _options.maxBorrow) return ASK;
	if (_calm && now - _calmSince >= window && cooled(now) && borrowed > 0) return RELEASE;
	return HOLD;
}


int LoanPolicy::workersNeeded(const Load& load, int borrowed) const
{
	double perWorker = std::max(1.0, _perWorkerRate);
	int needed = static_cast<int>(std::ceil(static_cast<double>(load.queued) / (perWorker * 2.0)));
	return std::max(1, std::min(needed, _options.maxBorrow - borrowed));
}


void LoanPolicy::asked(std::int64_t now)
{
	_lastLoan = now;
	_everLoaned = true;
}


void LoanPolicy::released(std::int64_t now)
{
	_lastLoan = now;
}


void LoanPolicy::refused()
{
	_lastLoan -= _options.cooldown.totalMicroseconds();
}


bool LoanPolicy::lends(const Load& load) const
{
	return load.queued < _options.minQueue;
}


bool LoanPolicy::preferred(const Load& a, const Load& b)
{
	if (a.queued != b.queued) return a.queued < b.queued;
	return a.idleCredits > b.idleCredits;
}


double LoanPolicy::perWorkerRate() const
{
	return _perWorkerRate;
}


bool LoanPolicy::cooled(std::int64_t now) const
{
	return !_everLoaned || now - _lastLoan >= _options.cooldown.totalMicroseconds();
}


} // namespace orchd

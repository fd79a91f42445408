//
// MasterRoute.cpp
//


#include "worker/MasterRoute.h"


namespace orchd {


MasterRoute::MasterRoute(const PeerAddress& home, const std::vector<PeerAddress>& failover, int homeAttempts):
	_home(home),
	_failover(failover),
	_homeAttempts(homeAttempts > 0 ? homeAttempts : 1)
{
}


MasterRoute::Hop MasterRoute::next(const PeerAddress& current, bool reached)
{
	Hop hop;
	if (_moveTo)
	{
		hop.master = *_moveTo;
		hop.atOnce = true;
		_moveTo.reset();
		return hop;
	}
	if (current.id != _home.id)
	{
		// Lost the master we were lent to (or failed over to): go home, at
		// once if that master was reached (home is likely up again, or it
		// sent us away), else after the backoff.
		hop.master = _home;
		hop.atOnce = reached;
		return hop;
	}
	if (reached) _homeFailures = 0;
	else ++_homeFailures;
	// Home is down: after a few tries, walk the failover list; the master
	// there sends us back when home is ALIVE again.
	if (_homeFailures >= _homeAttempts && !_failover.empty())
	{
		hop.master = _failover[_nextFailover++ % _failover.size()];
		hop.failover = true;
		return hop;
	}
	hop.master = _home;
	return hop;
}


void MasterRoute::redirect(const PeerAddress& target, const std::vector<PeerAddress>& alternatives)
{
	for (const auto& alternative: alternatives)
	{
		bool known = alternative.id == _home.id;
		for (const auto& f: _failover) known = known || f.id == alternative.id;
		if (!known) _failover.push_back(alternative);
	}
	_moveTo = std::make_unique<PeerAddress>(target);
}


void MasterRoute::returnHome()
{
	_moveTo = std::make_unique<PeerAddress>(_home);
}


bool MasterRoute::moving() const
{
	return _moveTo != nullptr;
}


const PeerAddress& MasterRoute::home() const
{
	return _home;
}


const std::vector<PeerAddress>& MasterRoute::failover() const
{
	return _failover;
}


} // namespace orchd

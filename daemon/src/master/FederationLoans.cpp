//
// FederationLoans.cpp
//
// The Federation's loans of workers between peers: asking a peer for
// workers when saturated, lending ours within the allowance, taking
// lent workers in, and releasing them home (RELEASE, RETURN). Apart from
// Federation.cpp, which keeps the peers' links, heartbeats and states.
//


#include "master/Federation.h"
#include "master/PeerMessages.h"
#include "Poco/String.h"
#include <algorithm>
#include <set>


namespace orchd {


namespace {


std::string joined(const std::vector<std::string>& names)
{
	return Poco::cat(std::string(", "), names.begin(), names.end());
}


} // namespace


void Federation::onWorkerRequest(Peer& peer, const Poco::JSON::Object& message)
{
	int needed = 0;
	try
	{
		needed = PeerMessages::workersNeeded(message);
	}
	catch (Poco::Exception& exc)
	{
		ignore("peer " + peer.address.id, "WORKER_REQUEST: " + exc.message());
		send(peer, PeerMessages::workerResponse(_options.selfId, {}));
		return;
	}
	if (!sameStore(peer))
	{
		// Its tasks would run on our workers' store, not on its own.
		send(peer, PeerMessages::workerResponse(_options.selfId, {}));
		_logger.information("peer %s asked for %d worker(s): refused, it is not on our store (%s)", peer.address.id, needed, storeDifference(peer));
		return;
	}
	Load load = _dispatcher.load();
	std::vector<std::string> lent;
	int allowed = lendAllowance(peer);
	if (_policy.lends(load) && peer.state == ALIVE && allowed > 0)
		lent = _dispatcher.lend(std::min(needed, allowed), _options.minWorkers, redirectMessage(peer));
	peer.lentInWindow += static_cast<int>(lent.size());
	if (needed > allowed) _logger.information("peer %s asked for %d worker(s): at most %d more this window (lb.max_lend_per_window)", peer.address.id, needed, allowed);
	for (const auto& uuid: lent) _loans.lend(uuid, peer.address.id);
	send(peer, PeerMessages::workerResponse(_options.selfId, lent));
	_counters.lentOut += lent.size();
	if (lent.empty()) _logger.information("peer %s asked for %d worker(s): refused (queue %z, %d own worker(s))", peer.address.id, needed, load.queued, load.ownWorkers);
	else _logger.information("lending %z worker(s) to peer %s: %s", lent.size(), peer.address.id, joined(lent));
}


int Federation::lendAllowance(Peer& peer)
{
	// Whatever a peer asks for (a forged WORKER_REQUEST may say 1000, and
	// say it again), it gets at most this many workers per window.
	std::int64_t window = std::max<std::int64_t>(_options.window.totalMicroseconds(), 1000000);
	std::int64_t now = _clock.now();
	if (!peer.lendWindowOpen || now - peer.lendWindowStart >= window)
	{
		peer.lendWindowOpen = true;
		peer.lendWindowStart = now;
		peer.lentInWindow = 0;
	}
	return std::max(0, _options.maxLendPerWindow - peer.lentInWindow);
}


void Federation::onWorkerResponse(Peer& peer, const Poco::JSON::Object& message)
{
	peer.asked = false;
	std::string status = message.optValue<std::string>("STATUS", "");
	std::vector<std::string> workers = PeerMessages::workers(message);
	if (status == "ACK" && !workers.empty())
	{
		_counters.granted += workers.size();
		_logger.information("peer %s lends us %z worker(s): %s", peer.address.id, workers.size(), joined(workers));
		std::int64_t deadline = _clock.now() + _options.arrivalTimeout.totalMicroseconds();
		for (const auto& uuid: workers) _loans.grant(uuid, peer.address.id, deadline);
	}
	else if (status == "NACK" || workers.empty())
	{
		++_counters.refused;
		peer.refused = true;
		peer.refusedAt = _clock.now();
		_logger.information("peer %s refused to lend workers", peer.address.id);
		_policy.refused();
	}
	else throw Poco::InvalidArgumentException("WORKER_RESPONSE STATUS must be ACK or NACK");
}


void Federation::onCommandRelease(Peer& peer)
{
	peer.releasing = true;
	peer.releaseAt = _clock.now();
	send(peer, PeerMessages::releaseAck(_options.selfId));
	_logger.information("peer %s releases the %z worker(s) we lent it", peer.address.id, _loans.lentCount(peer.address.id));
	completeRelease(peer);
}


void Federation::onReleaseCompleted(Peer& peer)
{
	peer.releaseSent = false;
	// Workers granted to us that never arrived are no loan any more.
	std::vector<std::string> here = _dispatcher.workersOwnedBy(peer.address.id);
	_loans.keepBorrowed(peer.address.id, std::set<std::string>(here.begin(), here.end()));
	_logger.information("peer %s confirmed RELEASE_COMPLETED: its workers are home", peer.address.id);
}


void Federation::onWorkerJoined(const std::string& uuid, const std::string& owner)
{
	if (owner.empty())
	{
		std::string from = _loans.comeHome(uuid);
		if (from.empty()) return;
		++_counters.returned;
		_logger.information("worker %s is home from peer %s", uuid, from);
		auto it = _peers.find(from);
		if (it != _peers.end()) completeRelease(it->second);
		return;
	}
	auto it = _peers.find(owner);
	if (it == _peers.end())
	{
		_logger.warning("worker %s says its owner is %s, which is not a peer of ours; it works here", uuid, owner);
		return;
	}
	Peer& peer = it->second;
	// SUSPECT is a heartbeat late, not a failure: a worker it lent us that
	// arrives then is a loan, or it would be sent home at the next
	// heartbeat, under the very load it was lent for.
	if (peer.state == ALIVE || peer.state == SUSPECT)
	{
		_loans.borrow(uuid, owner);
		_logger.information("borrowed worker %s from peer %s is here", uuid, owner);
	}
	else
	{
		_loans.host(uuid, owner);
		_logger.information("worker %s of peer %s (%s) fails over to us", uuid, owner, std::string(stateName(peer.state)));
	}
}


void Federation::onWorkerLeft(const std::string& uuid, const std::string& owner)
{
	if (!owner.empty() && _peers.count(owner)) _loans.left(uuid, owner);
}


void Federation::completeRelease(Peer& peer)
{
	if (!peer.releasing || _loans.lentCount(peer.address.id) > 0) return;
	peer.releasing = false;
	send(peer, PeerMessages::releaseCompleted(_options.selfId));
	_logger.information("RELEASE_COMPLETED sent to peer %s: every worker lent to it is home", peer.address.id);
}


void Federation::expireReleases()
{
	// A lent worker that was stopped for good never comes home: a release
	// must not wait for it forever, on either side.
	std::int64_t now = _clock.now();
	std::int64_t timeout = _options.releaseTimeout.totalMicroseconds();
	for (auto& entry: _peers)
	{
		Peer& peer = entry.second;
		if (peer.releasing && now - peer.releaseAt >= timeout)
		{
			std::vector<std::string> missing = _loans.lentTo(peer.address.id);
			_logger.warning("release by peer %s: %z worker(s) never came home; closing it anyway: %s", peer.address.id, missing.size(), joined(missing));
			_dispatcher.reinstate(_loans.writeOff(peer.address.id));
			completeRelease(peer);
		}
		if (peer.releaseSent && now - peer.releaseAt >= timeout * 2)
		{
			_logger.warning("no RELEASE_COMPLETED from peer %s: asking again", peer.address.id);
			peer.releaseSent = false;
		}
	}
}


void Federation::askForWorkers()
{
	std::int64_t now = _clock.now();
	std::vector<Peer*> candidates;
	for (auto& entry: _peers)
	{
		Peer& peer = entry.second;
		if (peer.state != ALIVE || !peer.connection || !sameStore(peer)) continue;
		if (peer.asked && now - peer.askedAt < 2000000) return;  // an answer is still due
		if (peer.refused && now - peer.refusedAt < _options.cooldown.totalMicroseconds()) continue;
		candidates.push_back(&peer);
	}
	if (candidates.empty()) return;
	Peer& peer = **std::min_element(candidates.begin(), candidates.end(), [](const Peer* a, const Peer* b)
	{
		return LoanPolicy::preferred(a->load, b->load);
	});
	Load load = _dispatcher.load();
	int needed = _policy.workersNeeded(load, static_cast<int>(_loans.borrowedCount()));
	send(peer, PeerMessages::workerRequest(_options.selfId, needed));
	peer.asked = true;
	peer.askedAt = now;
	peer.refused = false;
	++_counters.asked;
	_policy.asked(now);
	_logger.information("saturated (queue %z > %z): asking peer %s for %d worker(s)", load.queued, _options.maxQueue, peer.address.id, needed);
}


void Federation::release()
{
	std::int64_t now = _clock.now();
	for (auto& entry: _peers)
	{
		Peer& peer = entry.second;
		std::vector<std::string> borrowed = _loans.borrowed(peer.address.id);
		if (borrowed.empty() || peer.releaseSent || !peer.connection) continue;
		send(peer, PeerMessages::releaseCommand(_options.selfId, borrowed));
		peer.releaseSent = true;
		peer.releaseAt = now;
		_policy.released(now);
		_logger.information("queue calm: COMMAND_RELEASE of %z worker(s) to peer %s", borrowed.size(), peer.address.id);
	}
}


std::string Federation::redirectMessage(const Peer& target) const
{
	std::vector<PeerAddress> failover;
	for (const auto& entry: _peers)
	{
		// A master on another store would refuse the worker.
		if (entry.first != target.address.id && sameStore(entry.second)) failover.push_back(entry.second.address);
	}
	return PeerMessages::redirect(target.address, _options.self, failover);
}


std::string Federation::returnMessage(const std::string& owner) const
{
	auto it = _peers.find(owner);
	return PeerMessages::returnHome(it == _peers.end() ? nullptr : &it->second.address);
}


} // namespace orchd

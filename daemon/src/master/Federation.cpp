//
// Federation.cpp
//
// The peers: their links, identities, heartbeats and states. Loans of
// workers between them are in FederationLoans.cpp, the status in
// FederationStatus.cpp; messages (PeerMessages), decisions (LoanPolicy),
// the loan records (LoanBook) and dialling (PeerDialer) are apart too.
//


#include "master/Federation.h"
#include "master/PeerMessages.h"
#include "json/JsonObject.h"
#include "net/NodeIdentity.h"
#include <set>


namespace orchd {


const char* stateName(int state)
{
	switch (state)
	{
	case Federation::ALIVE: return "ALIVE";
	case Federation::SUSPECT: return "SUSPECT";
	case Federation::DEAD: return "DEAD";
	default: return "UNKNOWN";
	}
}


Federation::Federation(ConnectionDirectory& connections, const TimeSource& clock, Dispatcher& dispatcher, LoanBook& loans, const FederationOptions& options, Poco::Logger& logger):
	_connections(connections),
	_clock(clock),
	_dispatcher(dispatcher),
	_loans(loans),
	_options(options),
	_logger(logger),
	_policy(options, clock.now()),
	_started(clock.now()),
	_lastHeartbeat(clock.now())
{
	for (const auto& address: options.peers) addPeer(address);
	_dispatcher.setListener(this);
}


void Federation::addPeer(const PeerAddress& address)
{
	Peer peer;
	peer.address = address;
	// One link per pair: the smaller id dials.
	peer.dials = _options.selfId < address.id;
	_peers.emplace(address.id, std::move(peer));
}


bool Federation::setPeers(const std::vector<PeerAddress>& peers)
{
	bool changed = false;
	std::set<std::string> wanted;
	for (const auto& address: peers)
	{
		wanted.insert(address.id);
		auto it = _peers.find(address.id);
		if (it == _peers.end())
		{
			addPeer(address);
			_logger.information("peer %s at %s:%hu added (reload)", address.id, address.host, address.port);
			changed = true;
		}
		else if (it->second.address.host != address.host || it->second.address.port != address.port)
		{
			Peer& peer = it->second;
			_logger.information("peer %s moves to %s:%hu (reload)", address.id, address.host, address.port);
			peer.address = address;
			if (peer.dials && peer.connection) _connections.close(peer.connection, 1001, "peer address changed");
			changed = true;
		}
	}
	for (auto it = _peers.begin(); it != _peers.end();)
	{
		if (wanted.count(it->first)) ++it;
		else
		{
			removePeer(it->second);
			it = _peers.erase(it);
			changed = true;
		}
	}
	_options.peers = peers;
	return changed;
}


void Federation::removePeer(Peer& peer)
{
	// Loans need both masters: the loans to it are written off as if it
	// were DEAD, and its workers here go home. Removing each master from
	// the other's file settles both sides.
	const std::string id = peer.address.id;
	std::vector<std::string> lent = _loans.writeOff(id);
	if (!lent.empty()) _dispatcher.reinstate(lent);
	_loans.demote(id);
	std::vector<std::string> home = _loans.guests(id);
	if (!home.empty()) _dispatcher.sendHome(home, returnMessage(id));
	_loans.clearGuests(id);
	if (peer.connection)
	{
		_links.erase(peer.connection);
		_connections.close(peer.connection, 1000, "peer removed from master.peers");
	}
	peer.linked->store(true);  // the dialer's old copy of the target stops dialling
	_logger.warning("peer %s removed (reload): link closed, %z loan(s) to it written off, %z of its worker(s) sent home", id, lent.size(), home.size());
}


Federation::~Federation()
{
	_dispatcher.setListener(nullptr);
}


std::vector<DialTarget> Federation::dialTargets() const
{
	std::vector<DialTarget> targets;
	for (const auto& entry: _peers)
	{
		if (entry.second.dials) targets.push_back(DialTarget{entry.second.address, entry.second.linked});
	}
	return targets;
}


void Federation::setSelfPort(Poco::UInt16 port)
{
	if (_options.self.port == 0) _options.self.port = port;
}


Federation::State Federation::state(const std::string& peer) const
{
	auto it = _peers.find(peer);
	return it == _peers.end() ? UNKNOWN : it->second.state;
}


Federation::Peer* Federation::peerOf(const Link& link)
{
	auto id = _links.find(link.id);
	if (id == _links.end()) return nullptr;
	auto peer = _peers.find(id->second);
	return peer == _peers.end() ? nullptr : &peer->second;
}


void Federation::onOpen(const Link& link)
{
	if (link.tag.empty()) return;  // accepted: it says who it is first
	auto it = _peers.find(link.tag);
	if (it == _peers.end())
	{
		_connections.close(link.id, 1000, "peer removed from master.peers");
		return;
	}
	Peer& peer = it->second;
	peer.connection = link.id;
	_links[link.id] = peer.address.id;
	_logger.information("peer link to %s at %s open", peer.address.id, link.peerAddress);
	sendHeartbeat(peer, "REQUEST");
}


void Federation::onClose(const Link& link, const std::string& reason)
{
	Peer* peer = peerOf(link);
	_links.erase(link.id);
	if (!peer)
	{
		if (!link.tag.empty())
		{
			auto it = _peers.find(link.tag);
			if (it != _peers.end()) it->second.linked->store(false);
		}
		return;
	}
	if (peer->connection == link.id)
	{
		peer->connection = 0;
		peer->linked->store(false);
		// A COMMAND_RELEASE in flight, or its RELEASE_COMPLETED, may be
		// lost with the link: ask again over the next one instead of
		// waiting out twice the release timeout with the loan held (the
		// simulator found loans held 30 s past the load that made them).
		peer->releaseSent = false;
		_logger.information("peer link to %s closed: %s", peer->address.id, reason);
	}
}


void Federation::onMessage(const Link& link, const std::string& text)
{
	Peer* peer = peerOf(link);
	Poco::JSON::Object::Ptr message;
	try
	{
		message = parseObject(text);
	}
	catch (Poco::Exception& exc)
	{
		if (peer) ignore("peer " + peer->address.id, exc.message());
		else
		{
			_logger.warning("unidentified peer link from %s sent %s: closing it", link.peerAddress, exc.message());
			_connections.close(link.id, 1008, exc.message());
		}
		return;
	}
	if (!peer && !(peer = identify(link, *message))) return;
	try
	{
		onPeerMessage(*peer, *message);
	}
	catch (Poco::Exception& exc)
	{
		ignore("peer " + peer->address.id, exc.message());
	}
}


void Federation::refusePeer(const Link& link, const std::string& id, const std::string& why)
{
	++_counters.peersRefused;
	_logger.warning("peer link from %s (SERVER_UUID '%s') refused: %s", link.peerAddress, id, why);
	_connections.close(link.id, 1008, why);
}


Federation::Peer* Federation::identify(const Link& link, const Poco::JSON::Object& message)
{
	// An accepted link: the first message must be a heartbeat naming a
	// configured peer (and, with tls.verify_peers, one its certificate
	// names).
	std::string id = message.optValue<std::string>("SERVER_UUID", "");
	auto it = _peers.find(id);
	if (message.optValue<std::string>("SERVER", "") != "ALIVE" || it == _peers.end())
	{
		refusePeer(link, id, "unknown peer: configure it in master.peers");
		return nullptr;
	}
	if (_options.requireIdentity)
	{
		std::string why = NodeIdentity::refusal(link.verifiedNames, "SERVER_UUID", id, false);
		if (!why.empty())
		{
			refusePeer(link, id, why);
			return nullptr;
		}
	}
	Peer& peer = it->second;
	if (peer.connection && peer.connection != link.id)
	{
		// Only a link that proves it is that peer takes over a live one.
		if (!NodeIdentity::names(link.verifiedNames, id))
		{
			refusePeer(link, id, "peer " + id + " is already linked; a second link needs a certificate naming it");
			return nullptr;
		}
		_connections.close(peer.connection, 1000, "replaced by a new link");
	}
	peer.connection = link.id;
	peer.linked->store(true);
	_links[link.id] = id;
	_logger.information("peer link from %s at %s open", id, link.peerAddress);
	return &peer;
}


void Federation::onPeerMessage(Peer& peer, const Poco::JSON::Object& message)
{
	if (message.has("SERVER"))
	{
		onHeartbeat(peer, message);
		return;
	}
	std::string task = message.optValue<std::string>("TASK", "");
	if (task == "WORKER_REQUEST") onWorkerRequest(peer, message);
	else if (task == "WORKER_RESPONSE") onWorkerResponse(peer, message);
	else if (task == "COMMAND_RELEASE") onCommandRelease(peer);
	else if (task == "RELEASE_ACK")
	{
		std::vector<std::string> workers = _loans.borrowed(peer.address.id);
		_logger.information("peer %s acknowledged the release: sending %z worker(s) home", peer.address.id, workers.size());
		_dispatcher.sendHome(workers, returnMessage(peer.address.id));
	}
	else if (task == "RELEASE_COMPLETED") onReleaseCompleted(peer);
	else throw Poco::InvalidArgumentException("unexpected message '" + (task.empty() ? std::string("(no TASK)") : task) + "'");
}


void Federation::onHeartbeat(Peer& peer, const Poco::JSON::Object& message)
{
	std::string task;
	std::string storeId;
	peer.load = PeerMessages::readHeartbeat(message, task, storeId);
	noteStore(peer, storeId);
	peer.lastHeard = _clock.now();
	peer.heard = true;
	if (peer.state != ALIVE) setState(peer, ALIVE);
	if (task == "REQUEST") sendHeartbeat(peer, "RECIEVE");
}


void Federation::noteStore(Peer& peer, const std::string& storeId)
{
	if (peer.storeHeard && storeId == peer.storeId) return;
	bool before = peer.storeHeard && sameStore(peer);
	peer.storeId = storeId;
	peer.storeHeard = true;
	if (_options.storeId.empty()) return;
	// Said once, when it is learnt (or changes), not on every heartbeat.
	if (!sameStore(peer))
		_logger.warning("peer %s is not on our store (%s): no workers lent to it or asked of it", peer.address.id, storeDifference(peer));
	else if (before != sameStore(peer))
		_logger.information("peer %s is on our store (%s): loans with it allowed", peer.address.id, _options.storeId);
}


bool Federation::sameStore(const Peer& peer) const
{
	return _options.storeId.empty() || peer.storeId == _options.storeId;
}


std::string Federation::storeDifference(const Peer& peer) const
{
	std::string theirs = peer.storeId.empty() ? std::string(peer.storeHeard ? "none (its heartbeats carry no STORE_ID)" : "not known yet") : peer.storeId;
	return "ours is " + _options.storeId + ", the peer's is " + theirs;
}


void Federation::tick()
{
	if (_peers.empty()) return;
	std::int64_t now = _clock.now();
	if (now - _lastHeartbeat >= _options.heartbeat.totalMicroseconds())
	{
		_lastHeartbeat = now;
		for (auto& entry: _peers)
		{
			if (entry.second.connection) sendHeartbeat(entry.second, "REQUEST");
		}
	}
	updateStates();
	expireReleases();
	for (const auto& grant: _loans.expireGrants(now))
	{
		_logger.warning("worker %s that peer %s lent us has not arrived in %Ld ms: no loan any more", grant.second, grant.first,
			static_cast<Poco::Int64>(_options.arrivalTimeout.totalMilliseconds()));
	}
	int borrowed = static_cast<int>(_loans.borrowedCount());
	switch (_policy.decide(now, _dispatcher.load(), borrowed))
	{
	case LoanPolicy::ASK: askForWorkers(); break;
	case LoanPolicy::RELEASE: release(); break;
	case LoanPolicy::HOLD: break;
	}
}


void Federation::updateStates()
{
	std::int64_t now = _clock.now();
	for (auto& entry: _peers)
	{
		Peer& peer = entry.second;
		std::int64_t age = now - (peer.heard ? peer.lastHeard : _started);
		State state = peer.heard ? ALIVE : UNKNOWN;
		if (age > _options.deadAfter.totalMicroseconds()) state = DEAD;
		else if (peer.heard && age > _options.heartbeat.totalMicroseconds() * 3 / 2) state = SUSPECT;
		if (state != peer.state) setState(peer, state);
	}
}


void Federation::setState(Peer& peer, State state)
{
	State before = peer.state;
	peer.state = state;
	const std::string& id = peer.address.id;
	if (state == DEAD || before == DEAD || state == ALIVE || before == ALIVE)
		_logger.information("peer %s: %s -> %s", id, std::string(stateName(before)), std::string(stateName(state)));
	if (state == DEAD)
	{
		// Its link is given up: after a partition TCP would only find the
		// peer again at its own backed-off retransmissions (a minute after
		// a minute's cut, measured); a fresh link is dialled at once.
		if (peer.connection) _connections.close(peer.connection, 1001, "peer declared DEAD: no heartbeat for " + std::to_string(_options.deadAfter.totalMilliseconds()) + " ms");
		std::vector<std::string> lent = _loans.writeOff(id);
		if (!lent.empty())
		{
			_counters.reclaimed += lent.size();
			_logger.warning("peer %s is DEAD: reclaiming the %z worker(s) lent to it (they come home when their link breaks)", id, lent.size());
			_dispatcher.reinstate(lent);
		}
		peer.releasing = false;
		peer.releaseSent = false;
		peer.asked = false;
		// Its workers here are no loan any more: they stay until it is back.
		_loans.demote(id);
	}
	std::vector<std::string> guests = _loans.guests(id);
	if (state == ALIVE && !guests.empty())
	{
		_logger.information("peer %s is back: sending its %z worker(s) home", id, guests.size());
		_dispatcher.sendHome(guests, returnMessage(id));
		_loans.clearGuests(id);
	}
}


void Federation::send(Peer& peer, const std::string& text)
{
	if (peer.connection) _connections.send(peer.connection, text);
}


void Federation::sendHeartbeat(Peer& peer, const std::string& task)
{
	send(peer, PeerMessages::heartbeat(_options.selfId, task, _dispatcher.load(), _options.storeId));
}


void Federation::ignore(const std::string& who, const std::string& why)
{
	++_counters.ignored;
	_logger.warning("%s sent a malformed or unexpected message (%s): ignored", who, why);
}


void Federation::retune(const FederationOptions& options)
{
	FederationOptions next = _options;
	next.heartbeat = options.heartbeat;
	next.deadAfter = options.deadAfter;
	next.maxQueue = options.maxQueue;
	next.minQueue = options.minQueue;
	next.releaseTimeout = options.releaseTimeout;
	next.window = options.window;
	next.maxBorrow = options.maxBorrow;
	next.minWorkers = options.minWorkers;
	next.cooldown = options.cooldown;
	_options = next;
	_policy.retune(next);
}


} // namespace orchd

//
// Federation.cpp
//


#include "master/Federation.h"
#include "json/JsonObject.h"
#include "orchd/Request.h"
#include "Poco/Event.h"
#include "Poco/JSON/Array.h"
#include "Poco/Net/HTTPClientSession.h"
#include "Poco/Net/HTTPRequest.h"
#include "Poco/Net/HTTPResponse.h"
#include "Poco/Net/WebSocket.h"
#include "Poco/String.h"
#include <algorithm>
#include <cmath>
#include <sstream>


namespace orchd {


const char* stateName(int state)
{
	switch (state)
	{
	case 1: return "ALIVE";
	case 2: return "SUSPECT";
	case 3: return "DEAD";
	default: return "UNKNOWN";
	}
}


namespace {



int intField(const Poco::JSON::Object& message, const std::string& name, int min, int max)
	/// A required integer in [min, max]; throws naming the field.
{
	if (!message.has(name)) throw Poco::InvalidArgumentException("Missing field: " + name);
	Poco::Dynamic::Var value = message.get(name);
	if (!value.isInteger() || value.isBoolean()) throw Poco::InvalidArgumentException("Field " + name + " must be an integer");
	Poco::Int64 number = value.convert<Poco::Int64>();
	if (number < min || number > max) throw Poco::InvalidArgumentException("Field " + name + " out of range");
	return static_cast<int>(number);
}


std::vector<std::string> names(const Poco::JSON::Object& message, const std::string& field)
{
	std::vector<std::string> result;
	Poco::JSON::Array::Ptr array = message.getArray(field);
	if (!array) throw Poco::InvalidArgumentException("Field " + field + " must be an array");
	for (std::size_t i = 0; i < array->size(); ++i)
	{
		Poco::Dynamic::Var item = array->get(static_cast<unsigned>(i));
		if (!item.isString()) throw Poco::InvalidArgumentException("Field " + field + " must hold strings");
		result.push_back(item.extract<std::string>());
	}
	return result;
}


} // namespace


Federation::Federation(EventLoop& loop, Dispatcher& dispatcher, const FederationOptions& options, std::size_t maxMessageBytes, Poco::Logger& logger):
	_loop(loop),
	_dispatcher(dispatcher),
	_options(options),
	_maxMessageBytes(maxMessageBytes),
	_logger(logger)
{
	for (const auto& address: options.peers)
	{
		Peer peer;
		peer.address = address;
		// One link per pair: the smaller id dials.
		peer.dials = options.selfId < address.id;
		_peers.emplace(address.id, std::move(peer));
	}
	_dispatcher.setListener(this);
}


Federation::~Federation()
{
	stop();
}


void Federation::setSelfPort(Poco::UInt16 port)
{
	if (_options.self.port == 0) _options.self.port = port;
}


void Federation::start()
{
	if (_peers.empty()) return;
	_dialer = std::make_unique<std::thread>([this] { dialLoop(); });
}


void Federation::stop()
{
	_stopping = true;
	if (_dialer && _dialer->joinable()) _dialer->join();
	_dialer.reset();
}


void Federation::dialLoop()
{
	// Only sockets are made here; the links are served by the event loop.
	while (!_stopping)
	{
		for (auto& entry: _peers)
		{
			Peer& peer = entry.second;
			if (!peer.dials || peer.linked->load()) continue;
			try
			{
				Poco::Net::HTTPClientSession session(peer.address.host, peer.address.port);
				session.setTimeout(Poco::Timespan(2, 0));
				Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, "/v1/peer", Poco::Net::HTTPMessage::HTTP_1_1);
				Poco::Net::HTTPResponse response;
				Poco::Net::WebSocket socket(session, request, response);
				peer.linked->store(true);
				_loop.adopt(socket, Connection::PEER, *this, _maxMessageBytes, true, peer.address.id);
			}
			catch (Poco::Exception& exc)
			{
				_logger.debug("cannot reach peer %s at %s:%hu: %s", peer.address.id, peer.address.host, peer.address.port, exc.displayText());
			}
		}
		for (int i = 0; i < 10 && !_stopping; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(_options.heartbeat.totalMilliseconds() / 10 + 1));
	}
}


Federation::Peer* Federation::peerOf(const Connection& connection)
{
	auto link = _links.find(connection.id());
	if (link == _links.end()) return nullptr;
	auto peer = _peers.find(link->second);
	return peer == _peers.end() ? nullptr : &peer->second;
}


void Federation::onOpen(Connection& connection)
{
	if (connection.tag.empty()) return;  // accepted: it says who it is first
	auto it = _peers.find(connection.tag);
	if (it == _peers.end()) return;
	Peer& peer = it->second;
	peer.connection = connection.id();
	_links[connection.id()] = peer.address.id;
	_logger.information("peer link to %s at %s open", peer.address.id, connection.peerAddress());
	sendHeartbeat(peer, "REQUEST");
}


void Federation::onClose(Connection& connection, const std::string& reason)
{
	Peer* peer = peerOf(connection);
	_links.erase(connection.id());
	if (!peer)
	{
		if (!connection.tag.empty())
		{
			auto it = _peers.find(connection.tag);
			if (it != _peers.end()) it->second.linked->store(false);
		}
		return;
	}
	if (peer->connection == connection.id())
	{
		peer->connection = 0;
		peer->linked->store(false);
		_logger.information("peer link to %s closed: %s", peer->address.id, reason);
	}
}


void Federation::onMessage(Connection& connection, const std::string& text)
{
	Peer* peer = peerOf(connection);
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
			_logger.warning("unidentified peer link from %s sent %s: closing it", connection.peerAddress(), exc.message());
			connection.close(1008, exc.message());
		}
		return;
	}
	if (!peer)
	{
		// An accepted link: the first message must be a heartbeat naming a
		// configured peer.
		std::string id = message->optValue<std::string>("SERVER_UUID", "");
		auto it = _peers.find(id);
		if (message->optValue<std::string>("SERVER", "") != "ALIVE" || it == _peers.end())
		{
			_logger.warning("peer link from %s is not a configured peer (SERVER_UUID '%s'): closing it", connection.peerAddress(), id);
			connection.close(1008, "unknown peer: configure it in master.peers");
			return;
		}
		peer = &it->second;
		if (peer->connection && peer->connection != connection.id())
		{
			Connection* old = _loop.find(peer->connection);
			if (old) old->close(1000, "replaced by a new link");
		}
		peer->connection = connection.id();
		peer->linked->store(true);
		_links[connection.id()] = id;
		_logger.information("peer link from %s at %s open", id, connection.peerAddress());
	}
	try
	{
		onPeerMessage(*peer, *message);
	}
	catch (Poco::Exception& exc)
	{
		ignore("peer " + peer->address.id, exc.message());
	}
}


void Federation::onPeerMessage(Peer& peer, const Poco::JSON::Object& message)
{
	if (message.has("SERVER"))
	{
		if (message.optValue<std::string>("SERVER", "") != "ALIVE") throw Poco::InvalidArgumentException("SERVER must be ALIVE");
		std::string task = message.optValue<std::string>("TASK", "");
		if (task != "REQUEST" && task != "RECIEVE") throw Poco::InvalidArgumentException("a heartbeat's TASK is REQUEST or RECIEVE");
		Load load;
		load.queued = static_cast<std::size_t>(intField(message, "QUEUE", 0, 1 << 30));
		load.capacity = static_cast<std::size_t>(intField(message, "CAPACITY", 0, 1 << 30));
		load.ownWorkers = intField(message, "WORKERS", 0, 1 << 20);
		load.idleCredits = intField(message, "IDLE_CREDITS", 0, 1 << 30);
		load.lent = intField(message, "LENT", 0, 1 << 20);
		load.borrowed = intField(message, "BORROWED", 0, 1 << 20);
		peer.load = load;
		peer.lastHeard.update();
		peer.heard = true;
		if (peer.state != ALIVE) setState(peer, ALIVE);
		if (task == "REQUEST") sendHeartbeat(peer, "RECIEVE");
		return;
	}
	std::string task = message.optValue<std::string>("TASK", "");
	if (task == "WORKER_REQUEST") onWorkerRequest(peer, message);
	else if (task == "WORKER_RESPONSE") onWorkerResponse(peer, message);
	else if (task == "COMMAND_RELEASE")
	{
		peer.releasing = true;
		peer.releaseAt.update();
		Poco::JSON::Object ack;
		ack.set("TASK", "RELEASE_ACK");
		ack.set("SERVER_UUID", _options.selfId);
		send(peer, ack);
		_logger.information("peer %s releases the %z worker(s) we lent it", peer.address.id, peer.lentTo.size());
		completeRelease(peer);
	}
	else if (task == "RELEASE_ACK")
	{
		std::vector<std::string> workers(peer.borrowed.begin(), peer.borrowed.end());
		_logger.information("peer %s acknowledged the release: sending %z worker(s) home", peer.address.id, workers.size());
		_dispatcher.sendHome(workers, returnMessage(peer.address.id));
	}
	else if (task == "RELEASE_COMPLETED")
	{
		peer.releaseSent = false;
		// Workers granted to us that never arrived are no loan any more.
		std::vector<std::string> here = _dispatcher.workersOwnedBy(peer.address.id);
		std::set<std::string> present(here.begin(), here.end());
		for (auto it = peer.borrowed.begin(); it != peer.borrowed.end();)
		{
			if (present.count(*it)) ++it;
			else it = peer.borrowed.erase(it);
		}
		_logger.information("peer %s confirmed RELEASE_COMPLETED: its workers are home", peer.address.id);
	}
	else throw Poco::InvalidArgumentException("unexpected message '" + (task.empty() ? std::string("(no TASK)") : task) + "'");
}


void Federation::onWorkerRequest(Peer& peer, const Poco::JSON::Object& message)
{
	Poco::JSON::Object response;
	response.set("TASK", "WORKER_RESPONSE");
	response.set("SERVER_UUID", _options.selfId);
	int needed = 0;
	try
	{
		needed = intField(message, "WORKERS_NEEDED", 1, 1000);
	}
	catch (Poco::Exception& exc)
	{
		ignore("peer " + peer.address.id, "WORKER_REQUEST: " + exc.message());
		response.set("STATUS", "NACK");
		response.set("WORKERS", Poco::JSON::Array());
		send(peer, response);
		return;
	}
	Load load = _dispatcher.load();
	std::vector<std::string> lent;
	if (load.queued < _options.minQueue && peer.state == ALIVE)
		lent = _dispatcher.lend(needed, _options.minWorkers, peer.address.id, redirectMessage(peer));
	Poco::JSON::Array workers;
	for (const auto& uuid: lent)
	{
		workers.add(uuid);
		peer.lentTo.insert(uuid);
	}
	response.set("STATUS", lent.empty() ? "NACK" : "ACK");
	if (!lent.empty()) response.set("MASTER", _options.selfId);
	response.set("WORKERS", workers);
	send(peer, response);
	_counters.lentOut += lent.size();
	if (lent.empty()) _logger.information("peer %s asked for %d worker(s): refused (queue %z, %d own worker(s))", peer.address.id, needed, load.queued, load.ownWorkers);
	else _logger.information("lending %z worker(s) to peer %s: %s", lent.size(), peer.address.id, Poco::cat(std::string(", "), lent.begin(), lent.end()));
}


void Federation::onWorkerResponse(Peer& peer, const Poco::JSON::Object& message)
{
	peer.asked = false;
	std::string status = message.optValue<std::string>("STATUS", "");
	std::vector<std::string> workers = names(message, "WORKERS");
	if (status == "ACK" && !workers.empty())
	{
		_counters.granted += workers.size();
		_logger.information("peer %s lends us %z worker(s): %s", peer.address.id, workers.size(), Poco::cat(std::string(", "), workers.begin(), workers.end()));
		for (const auto& uuid: workers) peer.borrowed.insert(uuid);
	}
	else if (status == "NACK" || workers.empty())
	{
		++_counters.refused;
		peer.refused = true;
		peer.refusedAt.update();
		_logger.information("peer %s refused to lend workers", peer.address.id);
		// Ask the next peer without waiting out the cooldown.
		_lastLoan -= _options.cooldown.totalMicroseconds();
	}
	else throw Poco::InvalidArgumentException("WORKER_RESPONSE STATUS must be ACK or NACK");
}


void Federation::onWorkerJoined(const std::string& uuid, const std::string& owner)
{
	if (owner.empty())
	{
		for (auto& entry: _peers)
		{
			Peer& peer = entry.second;
			if (peer.lentTo.erase(uuid))
			{
				++_counters.returned;
				_logger.information("worker %s is home from peer %s", uuid, peer.address.id);
				completeRelease(peer);
			}
		}
		return;
	}
	auto it = _peers.find(owner);
	if (it == _peers.end())
	{
		_logger.warning("worker %s says its owner is %s, which is not a peer of ours; it works here", uuid, owner);
		return;
	}
	Peer& peer = it->second;
	if (peer.state == ALIVE)
	{
		peer.borrowed.insert(uuid);
		_logger.information("borrowed worker %s from peer %s is here", uuid, owner);
	}
	else
	{
		peer.guests.insert(uuid);
		_logger.information("worker %s of peer %s (%s) fails over to us", uuid, owner, std::string(stateName(peer.state)));
	}
}


void Federation::completeRelease(Peer& peer)
{
	if (!peer.releasing || !peer.lentTo.empty()) return;
	peer.releasing = false;
	Poco::JSON::Object done;
	done.set("TASK", "RELEASE_COMPLETED");
	done.set("SERVER_UUID", _options.selfId);
	send(peer, done);
	_logger.information("RELEASE_COMPLETED sent to peer %s: every worker lent to it is home", peer.address.id);
}


void Federation::onWorkerLeft(const std::string& uuid, const std::string& owner, const std::string&)
{
	if (owner.empty()) return;
	auto it = _peers.find(owner);
	if (it == _peers.end()) return;
	it->second.borrowed.erase(uuid);
	it->second.guests.erase(uuid);
}


void Federation::tick()
{
	if (_peers.empty()) return;
	if (_lastHeartbeat.isElapsed(_options.heartbeat.totalMicroseconds()))
	{
		_lastHeartbeat.update();
		for (auto& entry: _peers)
		{
			if (entry.second.connection) sendHeartbeat(entry.second, "REQUEST");
		}
	}
	updateStates();
	expireReleases();
	balance();
}


int Federation::borrowedTotal() const
{
	std::size_t total = 0;
	for (const auto& entry: _peers) total += entry.second.borrowed.size();
	return static_cast<int>(total);
}


void Federation::expireReleases()
{
	// A lent worker that was stopped for good never comes home: a release
	// must not wait for it forever, on either side.
	for (auto& entry: _peers)
	{
		Peer& peer = entry.second;
		if (peer.releasing && peer.releaseAt.isElapsed(_options.releaseTimeout.totalMicroseconds()))
		{
			_logger.warning("release by peer %s: %z worker(s) never came home; closing it anyway: %s", peer.address.id, peer.lentTo.size(),
				Poco::cat(std::string(", "), peer.lentTo.begin(), peer.lentTo.end()));
			peer.lentTo.clear();
			completeRelease(peer);
		}
		if (peer.releaseSent && peer.releaseAt.isElapsed(_options.releaseTimeout.totalMicroseconds() * 2))
		{
			_logger.warning("no RELEASE_COMPLETED from peer %s: asking again", peer.address.id);
			peer.releaseSent = false;
		}
	}
}


void Federation::updateStates()
{
	for (auto& entry: _peers)
	{
		Peer& peer = entry.second;
		Poco::Clock::ClockDiff age = peer.heard ? peer.lastHeard.elapsed() : _started.elapsed();
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
	if (state == DEAD || before == DEAD || state == ALIVE || before == ALIVE)
		_logger.information("peer %s: %s -> %s", peer.address.id, std::string(stateName(before)), std::string(stateName(state)));
	if (state == DEAD)
	{
		if (!peer.lentTo.empty())
		{
			_counters.reclaimed += peer.lentTo.size();
			_logger.warning("peer %s is DEAD: reclaiming the %z worker(s) lent to it (they come home when their link breaks)", peer.address.id, peer.lentTo.size());
			peer.lentTo.clear();
		}
		peer.releasing = false;
		peer.releaseSent = false;
		peer.asked = false;
		// Its workers here are no loan any more: they stay until it is back.
		peer.guests.insert(peer.borrowed.begin(), peer.borrowed.end());
		peer.borrowed.clear();
	}
	if (state == ALIVE && !peer.guests.empty())
	{
		std::vector<std::string> guests(peer.guests.begin(), peer.guests.end());
		_logger.information("peer %s is back: sending its %z worker(s) home", peer.address.id, guests.size());
		_dispatcher.sendHome(guests, returnMessage(peer.address.id));
		peer.guests.clear();
	}
}


void Federation::balance()
{
	Load load = _dispatcher.load();
	Poco::Clock now;
	if (_rateSampledAt.isElapsed(1000000))
	{
		double seconds = static_cast<double>(_rateSampledAt.elapsed()) / 1e6;
		int workers = std::max(1, load.ownWorkers + load.borrowed);
		_perWorkerRate = static_cast<double>(load.completed - _rateCompleted) / seconds / workers;
		_rateCompleted = load.completed;
		_rateSampledAt.update();
	}
	bool saturated = load.queued > _options.maxQueue;
	if (saturated && !_saturated) _saturatedSince = now;
	_saturated = saturated;
	bool calm = load.queued < _options.minQueue;
	if (calm && !_calm) _calmSince = now;
	_calm = calm;
	bool cooled = !_everLoaned || _lastLoan.isElapsed(_options.cooldown.totalMicroseconds());
	if (_saturated && _saturatedSince.isElapsed(_options.window.totalMicroseconds()) && cooled && borrowedTotal() < _options.maxBorrow)
		askForWorkers();
	if (_calm && _calmSince.isElapsed(_options.window.totalMicroseconds()) && cooled && borrowedTotal() > 0)
		release();
}


void Federation::askForWorkers()
{
	Load load = _dispatcher.load();
	std::vector<Peer*> candidates;
	for (auto& entry: _peers)
	{
		Peer& peer = entry.second;
		if (peer.state != ALIVE || !peer.connection) continue;
		if (peer.asked && !peer.askedAt.isElapsed(2000000)) return;  // an answer is still due
		if (peer.refused && !peer.refusedAt.isElapsed(_options.cooldown.totalMicroseconds())) continue;
		candidates.push_back(&peer);
	}
	if (candidates.empty()) return;
	std::sort(candidates.begin(), candidates.end(), [](const Peer* a, const Peer* b)
	{
		if (a->load.queued != b->load.queued) return a->load.queued < b->load.queued;
		return a->load.idleCredits > b->load.idleCredits;
	});
	// Enough workers to drain the backlog in about two seconds at the rate
	// one worker completes tasks here.
	double perWorker = std::max(1.0, _perWorkerRate);
	int needed = static_cast<int>(std::ceil(static_cast<double>(load.queued) / (perWorker * 2.0)));
	needed = std::max(1, std::min(needed, _options.maxBorrow - borrowedTotal()));
	Peer& peer = *candidates.front();
	Poco::JSON::Object request;
	request.set("TASK", "WORKER_REQUEST");
	request.set("WORKERS_NEEDED", needed);
	request.set("SERVER_UUID", _options.selfId);
	send(peer, request);
	peer.asked = true;
	peer.askedAt.update();
	peer.refused = false;
	++_counters.asked;
	_lastLoan.update();
	_everLoaned = true;
	_logger.information("saturated (queue %z > %z): asking peer %s for %d worker(s)", load.queued, _options.maxQueue, peer.address.id, needed);
}


void Federation::release()
{
	for (auto& entry: _peers)
	{
		Peer& peer = entry.second;
		if (peer.borrowed.empty() || peer.releaseSent || !peer.connection) continue;
		Poco::JSON::Object command;
		command.set("TASK", "COMMAND_RELEASE");
		command.set("SERVER_UUID", _options.selfId);
		Poco::JSON::Array workers;
		for (const auto& uuid: peer.borrowed) workers.add(uuid);
		command.set("WORKERS", workers);
		send(peer, command);
		peer.releaseSent = true;
		peer.releaseAt.update();
		_lastLoan.update();
		_logger.information("queue calm: COMMAND_RELEASE of %z worker(s) to peer %s", peer.borrowed.size(), peer.address.id);
	}
}


void Federation::send(Peer& peer, const Poco::JSON::Object& message)
{
	Connection* connection = peer.connection ? _loop.find(peer.connection) : nullptr;
	if (connection) connection->send(toText(message));
}


void Federation::sendHeartbeat(Peer& peer, const std::string& task)
{
	Load load = _dispatcher.load();
	Poco::JSON::Object heartbeat;
	heartbeat.set("SERVER", "ALIVE");
	heartbeat.set("TASK", task);
	heartbeat.set("SERVER_UUID", _options.selfId);
	heartbeat.set("QUEUE", load.queued);
	heartbeat.set("CAPACITY", load.capacity);
	heartbeat.set("WORKERS", load.ownWorkers);
	heartbeat.set("IDLE_CREDITS", load.idleCredits);
	std::size_t lent = 0;
	for (const auto& entry: _peers) lent += entry.second.lentTo.size();
	heartbeat.set("LENT", lent);
	heartbeat.set("BORROWED", load.borrowed);
	send(peer, heartbeat);
}


void Federation::ignore(const std::string& who, const std::string& why)
{
	++_counters.ignored;
	_logger.warning("%s sent a malformed or unexpected message (%s): ignored", who, why);
}


Poco::JSON::Object::Ptr Federation::addressOf(const PeerAddress& address) const
{
	Poco::JSON::Object::Ptr object = new Poco::JSON::Object;
	object->set("ID", address.id);
	object->set("IP", address.host);
	object->set("PORT", address.port);
	return object;
}


std::string Federation::redirectMessage(const Peer& target) const
{
	Poco::JSON::Object message;
	message.set("TASK", "REDIRECT");
	message.set("TARGET_MASTER", addressOf(target.address));
	message.set("HOME_MASTER", addressOf(_options.self));
	Poco::JSON::Array failover;
	for (const auto& entry: _peers)
	{
		if (entry.first != target.address.id) failover.add(addressOf(entry.second.address));
	}
	message.set("FAILOVER_LIST", failover);
	return toText(message);
}


std::string Federation::returnMessage(const std::string& owner) const
{
	Poco::JSON::Object message;
	message.set("TASK", "RETURN");
	auto it = _peers.find(owner);
	if (it != _peers.end()) message.set("HOME_MASTER", addressOf(it->second.address));
	return toText(message);
}


Poco::JSON::Array::Ptr Federation::peersStatus() const
{
	Poco::JSON::Array::Ptr peers = new Poco::JSON::Array;
	for (const auto& entry: _peers)
	{
		const Peer& peer = entry.second;
		Poco::JSON::Object::Ptr item = new Poco::JSON::Object;
		item->set("id", peer.address.id);
		item->set("address", peer.address.host + ":" + std::to_string(peer.address.port));
		item->set("state", stateName(peer.state));
		item->set("linked", peer.connection != 0);
		item->set("last_heartbeat_ms", peer.heard ? Poco::Dynamic::Var(peer.lastHeard.elapsed() / 1000) : Poco::Dynamic::Var());
		Poco::JSON::Object::Ptr load = new Poco::JSON::Object;
		load->set("queue", peer.load.queued);
		load->set("capacity", peer.load.capacity);
		load->set("workers", peer.load.ownWorkers);
		load->set("idle_credits", peer.load.idleCredits);
		load->set("lent", peer.load.lent);
		load->set("borrowed", peer.load.borrowed);
		item->set("load", load);
		Poco::JSON::Array::Ptr lent = new Poco::JSON::Array, borrowed = new Poco::JSON::Array;
		for (const auto& uuid: peer.lentTo) lent->add(uuid);
		for (const auto& uuid: peer.borrowed) borrowed->add(uuid);
		for (const auto& uuid: peer.guests) borrowed->add(uuid);
		item->set("lent_to_it", lent);
		item->set("hosted_from_it", borrowed);
		peers->add(item);
	}
	return peers;
}


Poco::JSON::Object::Ptr Federation::countersStatus() const
{
	Poco::JSON::Object::Ptr counters = new Poco::JSON::Object;
	counters->set("loans_asked", _counters.asked);
	counters->set("loans_granted", _counters.granted);
	counters->set("loans_refused", _counters.refused);
	counters->set("workers_lent", _counters.lentOut);
	counters->set("workers_returned", _counters.returned);
	counters->set("workers_reclaimed", _counters.reclaimed);
	counters->set("peer_messages_ignored", _counters.ignored);
	return counters;
}


} // namespace orchd

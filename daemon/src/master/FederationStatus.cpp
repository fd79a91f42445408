//
// FederationStatus.cpp
//
// The Federation's parts of GET /v1/status: its peers, its loan counters
// and the settings in effect. Apart from Federation.cpp because they only
// read its records.
//


#include "master/Federation.h"


namespace orchd {


Poco::JSON::Array::Ptr Federation::peersStatus() const
{
	std::int64_t now = _clock.now();
	Poco::JSON::Array::Ptr peers = new Poco::JSON::Array;
	for (const auto& entry: _peers)
	{
		const Peer& peer = entry.second;
		Poco::JSON::Object::Ptr item = new Poco::JSON::Object;
		item->set("id", peer.address.id);
		item->set("address", peer.address.host + ":" + std::to_string(peer.address.port));
		item->set("state", stateName(peer.state));
		item->set("linked", peer.connection != 0);
		item->set("last_heartbeat_ms", peer.heard ? Poco::Dynamic::Var((now - peer.lastHeard) / 1000) : Poco::Dynamic::Var());
		item->set("store_id", peer.storeId.empty() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(peer.storeId));
		// null while there is nothing to compare: no store here, or not heard.
		bool compared = !_options.storeId.empty() && peer.storeHeard;
		item->set("store_matches", compared ? Poco::Dynamic::Var(sameStore(peer)) : Poco::Dynamic::Var());
		Poco::JSON::Object::Ptr load = new Poco::JSON::Object;
		load->set("queue", peer.load.queued);
		load->set("capacity", peer.load.capacity);
		load->set("workers", peer.load.ownWorkers);
		load->set("idle_credits", peer.load.idleCredits);
		load->set("lent", peer.load.lent);
		load->set("borrowed", peer.load.borrowed);
		item->set("load", load);
		Poco::JSON::Array::Ptr lent = new Poco::JSON::Array, hosted = new Poco::JSON::Array;
		for (const auto& uuid: _loans.lentTo(peer.address.id)) lent->add(uuid);
		for (const auto& uuid: _loans.borrowed(peer.address.id)) hosted->add(uuid);
		for (const auto& uuid: _loans.guests(peer.address.id)) hosted->add(uuid);
		item->set("lent_to_it", lent);
		item->set("hosted_from_it", hosted);
		peers->add(item);
	}
	return peers;
}


Poco::JSON::Object::Ptr Federation::settingsStatus() const
{
	Poco::JSON::Object::Ptr settings = new Poco::JSON::Object;
	settings->set("heartbeat_ms", _options.heartbeat.totalMilliseconds());
	settings->set("dead_after_ms", _options.deadAfter.totalMilliseconds());
	settings->set("max_queue", _options.maxQueue);
	settings->set("min_queue", _options.minQueue);
	settings->set("window_ms", _options.window.totalMilliseconds());
	settings->set("cooldown_ms", _options.cooldown.totalMilliseconds());
	settings->set("max_borrow", _options.maxBorrow);
	settings->set("min_workers", _options.minWorkers);
	return settings;
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
	counters->set("peers_refused", _counters.peersRefused);
	return counters;
}


} // namespace orchd

//
// FakeDirectory.h
//
// A ConnectionDirectory for in-process fixtures of the master: it records
// what the dispatcher and the federation send and close, and forwards
// closes to the handler as the EventLoop would.
//


#ifndef orchd_test_FakeDirectory_INCLUDED
#define orchd_test_FakeDirectory_INCLUDED


#include "json/JsonObject.h"
#include "net/ConnectionDirectory.h"
#include <deque>
#include <map>
#include <string>
#include <vector>


namespace orchd {
namespace test {


class FakeDirectory: public ConnectionDirectory
{
public:
	struct Peer
	{
		Link link;
		ConnectionHandler* handler = nullptr;
		std::deque<std::string> sent;   // messages sent to it, oldest first
		bool closing = false;
		std::uint16_t closeCode = 0;
		std::string closeReason;
	};

	Link open(ConnectionHandler& handler, Link::Kind kind, const std::string& tag = std::string(), const std::vector<std::string>& verifiedNames = {})
		/// A new connection, announced to the handler; verifiedNames: the
		/// names of the TLS certificate it presented.
	{
		Peer peer;
		peer.link.id = _nextId++;
		peer.link.kind = kind;
		peer.link.peerAddress = "10.0.0." + std::to_string(peer.link.id) + ":4000";
		peer.link.tag = tag;
		peer.link.verifiedNames = verifiedNames;
		peer.handler = &handler;
		Link link = peer.link;
		_peers[link.id] = peer;
		handler.onOpen(link);
		return link;
	}

	void message(const Link& link, const std::string& text)
		/// The other end sends text.
	{
		_peers.at(link.id).handler->onMessage(link, text);
	}

	void disconnect(const Link& link, const std::string& reason = "gone")
		/// The connection ends (the handler sees onClose), as the loop does
		/// once a closing connection is flushed or a socket breaks.
	{
		auto it = _peers.find(link.id);
		if (it == _peers.end()) return;
		ConnectionHandler* handler = it->second.handler;
		_peers.erase(it);
		handler->onClose(link, reason);
	}

	std::deque<std::string>& sent(const Link& link)
	{
		return _peers.at(link.id).sent;
	}

	std::string take(const Link& link)
		/// The oldest message sent to it (empty if none), removed.
	{
		std::deque<std::string>& queue = sent(link);
		if (queue.empty()) return std::string();
		std::string text = queue.front();
		queue.pop_front();
		return text;
	}

	Poco::JSON::Object::Ptr takeObject(const Link& link)
	{
		std::string text = take(link);
		return text.empty() ? Poco::JSON::Object::Ptr() : parseObject(text);
	}

	const Peer& peer(const Link& link) const
	{
		return _peers.at(link.id);
	}

	bool exists(const Link& link) const
	{
		return _peers.count(link.id) > 0;
	}

	bool send(std::uint64_t id, const std::string& text) override
	{
		auto it = _peers.find(id);
		if (it == _peers.end() || it->second.closing) return false;
		it->second.sent.push_back(text);
		return true;
	}

	void close(std::uint64_t id, std::uint16_t code, const std::string& reason) override
	{
		auto it = _peers.find(id);
		if (it == _peers.end() || it->second.closing) return;
		it->second.closing = true;
		it->second.closeCode = code;
		it->second.closeReason = reason;
	}

	void drop(std::uint64_t id, const std::string& reason) override
	{
		close(id, 0, reason);
	}

	bool alive(std::uint64_t id) const override
	{
		auto it = _peers.find(id);
		return it != _peers.end() && !it->second.closing;
	}

private:
	std::map<std::uint64_t, Peer> _peers;
	std::uint64_t _nextId = 1;
};


} } // namespace orchd::test


#endif // orchd_test_FakeDirectory_INCLUDED

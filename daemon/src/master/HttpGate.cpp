//
// HttpGate.cpp
//


#include "master/HttpGate.h"
#include "Poco/Net/HTTPServerConnection.h"
#include "Poco/Net/TCPServerConnection.h"
#include "Poco/Clock.h"
#include "Poco/Thread.h"
#include "Poco/Timestamp.h"
#include <cerrno>
#include <cstring>
#include <poll.h>
#include <sys/socket.h>


using namespace Poco::Net;


namespace orchd {


namespace {


void answer(int fd, const std::string& status, const std::string& error)
{
	// Small enough for an empty socket buffer: never blocks.
	std::string body = "{\"STATUS\":\"NOK\",\"TASK\":\"\",\"ERROR\":\"" + error + "\"}";
	std::string text = "HTTP/1.1 " + status + "\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: "
		+ std::to_string(body.size()) + "\r\n\r\n" + body;
	ssize_t ignored = ::send(fd, text.data(), text.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
	(void) ignored;  // a peer that is gone needs no answer
	// Closing with its request unread would send a reset, which may
	// destroy the answer before the peer reads it: end our side, and drop
	// what has arrived (bounded: this is not the place to wait for more).
	::shutdown(fd, SHUT_WR);
	char discard[4096];
	for (int round = 0; round < 16 && ::recv(fd, discard, sizeof(discard), MSG_DONTWAIT) > 0; ++round) {}
}


class GatedConnection: public TCPServerConnection
{
public:
	GatedConnection(const StreamSocket& socket, HttpGate& gate):
		TCPServerConnection(socket),
		_gate(gate)
	{
	}

	void run() override
	{
		std::string address;
		try
		{
			address = socket().peerAddress().host().toString();
		}
		catch (Poco::Exception&)
		{
			return;  // already gone
		}
		int fd = socket().impl()->sockfd();
		std::string refusal = _gate.enter(address);
		if (!refusal.empty())
		{
			_gate.refuse(refusal);
			answer(fd, "503 Service Unavailable", refusal);
			return;
		}
		HttpGate::Head head = _gate.waitForHead(fd);
		_gate.headDone(address);
		if (head == HttpGate::HEAD_READY)
		{
			HTTPServerConnection http(socket(), _gate.params(), _gate.factory());
			http.run();
		}
		else if (head == HttpGate::HEAD_LATE)
		{
			std::string why = "request headers from " + address + " not complete within " + std::to_string(_gate.limits().headerTimeout.totalMilliseconds()) + " ms";
			_gate.refuse(why);
			answer(fd, "408 Request Timeout", why);
		}
		_gate.leave();
	}

private:
	HttpGate& _gate;
};


} // namespace


HttpGate::HttpGate(HTTPServerParams::Ptr params, HTTPRequestHandlerFactory::Ptr factory, const GateLimits& limits,
	std::function<std::size_t()> webSockets, std::shared_ptr<GateCounters> counters, Poco::Logger& logger):
	_params(params),
	_factory(factory),
	_limits(limits),
	_webSockets(std::move(webSockets)),
	_logger(logger),
	_counters(std::move(counters))
{
}


TCPServerConnection* HttpGate::createConnection(const StreamSocket& socket)
{
	return new GatedConnection(socket, *this);
}


std::string HttpGate::enter(const std::string& address)
{
	if (_inHttp + _webSockets() >= static_cast<std::size_t>(_limits.maxConnections))
		return "too many connections (net.max_connections = " + std::to_string(_limits.maxConnections) + ")";
	std::lock_guard<std::mutex> lock(_mutex);
	int& waiting = _waiting[address];
	if (waiting >= _limits.maxPerAddress)
	{
		if (waiting == 0) _waiting.erase(address);
		return "too many unfinished handshakes from " + address + " (http.max_handshakes_per_address = " + std::to_string(_limits.maxPerAddress) + ")";
	}
	++waiting;
	++_inHttp;
	++_counters->waiting;
	return std::string();
}


void HttpGate::headDone(const std::string& address)
{
	std::lock_guard<std::mutex> lock(_mutex);
	auto it = _waiting.find(address);
	if (it != _waiting.end() && --it->second <= 0) _waiting.erase(it);
	--_counters->waiting;
}


void HttpGate::leave()
{
	--_inHttp;
}


HttpGate::Head HttpGate::waitForHead(int fd) const
{
	// Peeked, not read: Poco's HTTPServerConnection reads the request
	// itself. A peek that found no more than the last one waits a little,
	// since the socket stays readable while those bytes are unread.
	const std::size_t MAX_HEAD = 16384;  // beyond it, Poco refuses the request itself
	char buffer[MAX_HEAD];
	Poco::Clock started;
	const Poco::Clock::ClockDiff limit = _limits.headerTimeout.totalMicroseconds();
	ssize_t seen = 0;
	for (;;)
	{
		Poco::Clock::ClockDiff left = limit - started.elapsed();
		if (left <= 0) return HEAD_LATE;
		pollfd wanted{fd, POLLIN, 0};
		int ready = ::poll(&wanted, 1, static_cast<int>((left + 999) / 1000));
		if (ready < 0 && errno == EINTR) continue;
		if (ready == 0) return HEAD_LATE;
		if (ready < 0) return HEAD_GONE;
		ssize_t n = ::recv(fd, buffer, sizeof(buffer), MSG_PEEK);
		if (n < 0 && errno == EINTR) continue;
		if (n <= 0) return HEAD_GONE;  // closed before a whole head: nothing to answer
		// A TLS record (a ClientHello): the head is encrypted and only
		// comes after the handshake, so it cannot be waited for here; the
		// connection goes on with the per-read timeout alone.
		if (buffer[0] == 0x16) return HEAD_READY;
		std::string_view head(buffer, static_cast<std::size_t>(n));
		if (head.find("\r\n\r\n") != std::string_view::npos || head.find("\n\n") != std::string_view::npos) return HEAD_READY;
		if (static_cast<std::size_t>(n) == MAX_HEAD) return HEAD_READY;
		if (n == seen) Poco::Thread::sleep(static_cast<long>(std::min<Poco::Clock::ClockDiff>(10, left / 1000 + 1)));
		seen = n;
	}
}


void HttpGate::refuse(const std::string& why)
{
	std::uint64_t refused = ++_counters->refused;
	std::int64_t now = Poco::Timestamp().epochMicroseconds();
	std::int64_t last = _lastLog;
	if (now - last >= 1000000 && _lastLog.compare_exchange_strong(last, now))
		_logger.warning("HTTP connection refused: %s (%s refused so far)", why, std::to_string(refused));
}


const GateLimits& HttpGate::limits() const
{
	return _limits;
}


HTTPServerParams::Ptr HttpGate::params() const
{
	return _params;
}


HTTPRequestHandlerFactory::Ptr HttpGate::factory() const
{
	return _factory;
}


} // namespace orchd

//
// HttpGate.h
//
// What a connection must get past before it may hold an HTTP thread.
//


#ifndef orchd_HttpGate_INCLUDED
#define orchd_HttpGate_INCLUDED


#include "Poco/Net/HTTPRequestHandlerFactory.h"
#include "Poco/Net/HTTPServerParams.h"
#include "Poco/Net/TCPServerConnectionFactory.h"
#include "Poco/Logger.h"
#include "Poco/Timespan.h"
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>


namespace orchd {


struct GateLimits
{
	Poco::Timespan headerTimeout = Poco::Timespan(5, 0);  /// the first request's head, in full
	int maxPerAddress = 8;                                /// connections of one address waiting for their head
	int maxConnections = 10000;                           /// HTTP connections plus the loop's WebSockets
};


struct GateCounters
	/// What the gate did, for the status document (any thread reads).
{
	std::atomic<std::size_t> waiting{0};   /// connections waiting for their head now
	std::atomic<std::uint64_t> refused{0}; /// answered 503 or 408
};


class HttpGate: public Poco::Net::TCPServerConnectionFactory
	/// The master's TCPServerConnectionFactory: each accepted socket runs
	/// Poco's HTTPServerConnection only once its first request head
	/// (request line and headers, up to the blank line) is in, within
	/// headerTimeout in total, not per read. Poco's own timeout is per
	/// read, so a client trickling one header byte a second would hold an
	/// HTTP thread for ever, and as many such clients as threads would
	/// keep every worker, peer and client out.
	///
	/// While a socket waits for its head it counts against its address:
	/// beyond maxPerAddress it is answered 503 at once, as it is when the
	/// master holds maxConnections (those in HTTP, plus webSockets()).
	/// A head not complete in time is answered 408. Each refusal is logged
	/// (at most once a second) and counted in GateCounters.
	///
	/// A connection that opens with a TLS record is handed on at once: its
	/// head is encrypted, so the total deadline does not cover it (only
	/// Poco's per-read timeout, http.header_timeout_ms, does).
	///
	/// Thread-safe: createConnection() and the connections it makes run on
	/// the HTTP pool's threads.
{
public:
	HttpGate(Poco::Net::HTTPServerParams::Ptr params, Poco::Net::HTTPRequestHandlerFactory::Ptr factory, const GateLimits& limits,
		std::function<std::size_t()> webSockets, std::shared_ptr<GateCounters> counters, Poco::Logger& logger);

	Poco::Net::TCPServerConnection* createConnection(const Poco::Net::StreamSocket& socket) override;

	// For the connections it makes.
	std::string enter(const std::string& address);
		/// Counts a connection in; returns why it is refused, or empty.
	void headDone(const std::string& address);
	void leave();
	enum Head
	{
		HEAD_READY,  /// a whole head is in (or a TLS record, or MAX_HEAD bytes)
		HEAD_LATE,   /// not within headerTimeout: answered 408
		HEAD_GONE    /// the peer closed or failed first: nothing to answer
	};
	Head waitForHead(int fd) const;
	void refuse(const std::string& why);
	const GateLimits& limits() const;
	Poco::Net::HTTPServerParams::Ptr params() const;
	Poco::Net::HTTPRequestHandlerFactory::Ptr factory() const;

private:
	Poco::Net::HTTPServerParams::Ptr _params;
	Poco::Net::HTTPRequestHandlerFactory::Ptr _factory;
	GateLimits _limits;
	std::function<std::size_t()> _webSockets;
	Poco::Logger& _logger;
	std::mutex _mutex;
	std::unordered_map<std::string, int> _waiting;  // by address: connections waiting for their head
	std::atomic<std::size_t> _inHttp{0};
	std::shared_ptr<GateCounters> _counters;
	std::atomic<std::int64_t> _lastLog{0};
};


} // namespace orchd


#endif // orchd_HttpGate_INCLUDED

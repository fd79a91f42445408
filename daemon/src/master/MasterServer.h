//
// MasterServer.h
//
// The master role: HTTP and WebSocket on one listening address.
//


#ifndef orchd_MasterServer_INCLUDED
#define orchd_MasterServer_INCLUDED


#include "master/MasterOptions.h"
#include "master/Dispatcher.h"
#include "master/Federation.h"
#include "master/LoanBook.h"
#include "master/PeerDialer.h"
#include "net/EventLoop.h"
#include "plugin/TaskRunner.h"
#include "Poco/Logger.h"
#include "master/ClientTokens.h"
#include "Poco/Net/HTTPRequestHandlerFactory.h"
#include "Poco/Net/TCPServer.h"
#include "Poco/Net/SocketAddress.h"
#include <memory>


namespace orchd {


class MasterServer
	/// Serves, on one address:
	///   /v1/worker  WebSocket for workers
	///   /v1/client  WebSocket for clients (pipelined, REQUEST_ID tagged)
	///   POST /v1/tasks  one task in, its result out (waits up to httpTimeout)
	///   GET /v1/status, GET /healthz
	///   GET /metrics    the Prometheus text (MasterMetrics)
	///   GET /ui/    the live dashboard's files (DashboardHandler; no token)
	///
	/// HTTP threads only do the handshake: each WebSocket is then handed to
	/// the EventLoop, whose one thread serves all of them without blocking
	/// (see Connection). POST /v1/tasks holds an HTTP thread while it waits.
	///
	/// Before a request reaches a handler: HttpGate (a whole head within
	/// http.header_timeout_ms, http.max_handshakes_per_address,
	/// net.max_connections); a WebSocket upgrade whose Origin is not in
	/// http.allowed_origins is refused (403); with auth.tokens_file,
	/// /v1/client and POST /v1/tasks need a submit token, /v1/status and /metrics a
	/// read token (401, 403; ClientTokens), and the client's token name
	/// is its namespace of idempotency keys (Dispatcher). /healthz is open.
{
public:
	MasterServer(const MasterOptions& options, const TaskRunner& validator, Poco::Logger& logger);
	~MasterServer();

	void start();
		/// Binds (failing if the address is taken, even by another orchd)
		/// and starts serving.

	void stop();

	Poco::UInt16 port() const;
		/// The bound port (useful when listen asked for port 0).

	void retune(const MasterOptions& options);
		/// Applies the settings a reload may change (queue.*, task.*,
		/// peer.* timings, lb.*, master.peers) on the event loop.
		/// Thread-safe.

private:
	MasterOptions _options;
	Poco::Logger& _logger;
	EventLoop _loop;
	LoanBook _loans;
	Dispatcher _dispatcher;
	Federation _federation;
	std::unique_ptr<PeerDialer> _dialer;
	std::unique_ptr<ClientTokens> _tokens;
	Poco::Net::HTTPRequestHandlerFactory::Ptr _router;
	std::unique_ptr<Poco::Net::TCPServer> _http;
	Poco::UInt16 _port = 0;
};


} // namespace orchd


#endif // orchd_MasterServer_INCLUDED

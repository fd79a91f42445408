//
// MasterServer.cpp
//


#include "master/MasterServer.h"
#include "master/HttpGate.h"
#include "master/MasterRouter.h"
#include "net/TlsServerSocket.h"
#include "Poco/Net/HTTPServerParams.h"
#include "Poco/Net/ServerSocket.h"


using namespace Poco::Net;


namespace orchd {


MasterServer::MasterServer(const MasterOptions& options, const TaskRunner& validator, Poco::Logger& logger):
	_options(options),
	_logger(logger),
	_loop(logger),
	_dispatcher(_loop, MonotonicClock::instance(), validator, _loans, _options.dispatch, logger),
	_federation(_loop, MonotonicClock::instance(), _dispatcher, _loans, _options.federation, logger)
{
	Dispatcher& dispatcher = _dispatcher;
	Federation& federation = _federation;
	_loop.every(Poco::Timespan(0, 50000), [&dispatcher] { dispatcher.checkLeases(); });
	_loop.every(Poco::Timespan(0, 100000), [&federation] { federation.tick(); });
	_loop.setFirstMessageTimeout(_options.firstMessageTimeout);
	if (!_options.tokensFile.empty())
	{
		_tokens = std::make_unique<ClientTokens>(_options.tokensFile, logger);
		_logger.information("auth.tokens_file %s: %z client token(s); /v1/client, /v1/tasks, /v1/status and /metrics need one", _options.tokensFile, _tokens->size());
	}
	else
	{
		_logger.warning("no auth.tokens_file: any client that reaches %s may submit tasks and read the status", _options.listen.toString());
	}
}


MasterServer::~MasterServer()
{
	stop();
}


void MasterServer::start()
{
	// Not ServerSocket(address): that sets SO_REUSEPORT, and a second
	// master on the same port would start and silently share it.
	ServerSocket socket = _options.security.server ? TlsServerSocket(_options.security.server) : ServerSocket();
	socket.bind(_options.listen, true, false);
	socket.listen(1024);
	_port = socket.address().port();
	_federation.setSelfPort(_port);

	Poco::AutoPtr<HTTPServerParams> params = new HTTPServerParams;
	params->setMaxThreads(_options.httpThreads);
	params->setMaxQueued(1024);
	params->setThreadIdleTime(Poco::Timespan(1, 0));
	// Per read once the head is in; the head itself has a total deadline
	// (HttpGate). Keep-alive off by default: a connection kept for another
	// request would skip the gate.
	params->setTimeout(_options.headerTimeout);
	params->setKeepAlive(_options.keepAliveTimeout > 0);
	params->setKeepAliveTimeout(_options.keepAliveTimeout);
	params->setMaxKeepAliveRequests(_options.maxKeepAliveRequests);
	_loop.start();
	auto counters = std::make_shared<GateCounters>();
	_router = new MasterRouter(_loop, _dispatcher, _federation, _options, _logger, _tokens.get(), counters);
	GateLimits limits;
	limits.headerTimeout = _options.headerTimeout;
	limits.maxPerAddress = _options.maxHandshakesPerAddress;
	limits.maxConnections = _options.maxConnections;
	EventLoop& loop = _loop;
	_http = std::make_unique<TCPServer>(new HttpGate(params, _router, limits, [&loop] { return loop.openCount(); }, counters, _logger), socket, params);
	_http->start();
	DialSecurity dial{_options.security.client, std::string(), std::string(), _options.security.clusterToken};
	_dialer = std::make_unique<PeerDialer>(_loop, _federation, _federation.dialTargets(), _options.maxMessageBytes, _options.federation.heartbeat, dial, _logger);
	_dialer->start();
	_logger.information("master listening on %s:%hu (%s and WebSocket%s)", _options.listen.host().toString(), _port,
		std::string(_options.security.tls() ? "HTTPS" : "HTTP"), std::string(_options.security.verifyPeers ? ", nodes need a certificate of the cluster CA" : ""));
}


void MasterServer::stop()
{
	if (_dialer) _dialer->stop();
	if (_http)
	{
		// HTTP threads waiting for results must not hold the shutdown.
		Dispatcher& dispatcher = _dispatcher;
		_loop.post([&dispatcher] { dispatcher.releaseWaiters("Master stopping: no result (the task may still run elsewhere)"); });
	}
	if (_http)
	{
		// What HTTPServer::stopAll(true) does: stop accepting, then abort
		// the requests in progress (each HTTPServerConnection listens).
		_http->stop();
		static_cast<MasterRouter*>(_router.get())->abortRequests();
		_http.reset();
	}
	_loop.stop();
}


void MasterServer::retune(const MasterOptions& options)
{
	Dispatcher& dispatcher = _dispatcher;
	Federation& federation = _federation;
	DispatchOptions dispatch = options.dispatch;
	FederationOptions lb = options.federation;
	PeerDialer* dialer = _dialer.get();
	_loop.post([&dispatcher, &federation, dispatch, lb, dialer]
	{
		dispatcher.retune(dispatch);
		federation.retune(lb);
		if (federation.setPeers(lb.peers) && dialer) dialer->setTargets(federation.dialTargets());
	});
}


Poco::UInt16 MasterServer::port() const
{
	return _port;
}


} // namespace orchd

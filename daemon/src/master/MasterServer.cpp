//
// MasterServer.cpp
//


#include "master/MasterServer.h"
#include "net/TlsServerSocket.h"
#include "net/TlsSocketImpl.h"
#include "orchd/Request.h"
#include "Poco/Net/HTTPServerRequestImpl.h"
#include "master/DashboardHandler.h"
#include "master/HttpGate.h"
#include "master/MasterMetrics.h"
#include "Poco/Net/MediaType.h"
#include "Poco/Net/HTTPRequestHandler.h"
#include "Poco/Net/HTTPRequestHandlerFactory.h"
#include "Poco/Net/HTTPServerParams.h"
#include "Poco/Net/HTTPServerRequest.h"
#include "Poco/Net/HTTPServerResponse.h"
#include "Poco/Net/NetException.h"
#include "Poco/Net/ServerSocket.h"
#include "Poco/Net/WebSocket.h"
#include <functional>
#include <sstream>


using namespace Poco::Net;


namespace orchd {


namespace {


void sendJson(HTTPServerResponse& response, HTTPResponse::HTTPStatus status, const std::string& body)
{
	response.setStatusAndReason(status);
	response.setContentType("application/json");
	response.setContentLength(static_cast<std::streamsize>(body.size()));
	response.send() << body;
}


std::string errorBody(const std::string& error)
{
	std::ostringstream out;
	Result::nok("", error)->stringify(out);
	return out.str();
}


Poco::AutoPtr<orchd::TlsSocketImpl> tlsSocketOf(HTTPServerRequest& request)
{
	StreamSocket& socket = static_cast<HTTPServerRequestImpl&>(request).socket();
	auto* tls = dynamic_cast<orchd::TlsSocketImpl*>(socket.impl());
	return Poco::AutoPtr<orchd::TlsSocketImpl>(tls, true);
}


std::string nodeRefusal(HTTPServerRequest& request, const NodeSecurity& security, const orchd::TlsSocketImpl* tls, HTTPResponse::HTTPStatus& status)
	/// Why a node endpoint (/v1/worker, /v1/peer) refuses this upgrade
	/// before any message (empty: it does not): no client certificate
	/// where tls.verify_peers asks for one (403), or no or a wrong cluster
	/// token (401). The name on the certificate is checked against the id
	/// the node claims in its first message, on the loop.
{
	if (security.verifyPeers && (!tls || tls->peerNames().empty()))
	{
		status = HTTPResponse::HTTP_FORBIDDEN;
		return "a client certificate signed by the cluster CA is required on " + request.getURI();
	}
	if (!security.clusterToken) return std::string();
	status = HTTPResponse::HTTP_UNAUTHORIZED;
	std::string authorization = request.get("Authorization", std::string());
	const std::string scheme = "Bearer ";
	if (authorization.empty()) return "the cluster token is required on " + request.getURI() + " (Authorization: Bearer ...)";
	if (authorization.compare(0, scheme.size(), scheme) != 0 || !security.clusterToken->accepts(authorization.substr(scheme.size())))
		return "wrong cluster token on " + request.getURI();
	return std::string();
}


class UpgradeHandler: public HTTPRequestHandler
	/// Completes the WebSocket handshake and hands the socket to the loop.
	/// A node endpoint first checks the node's credentials (see
	/// nodeRefusal).
{
public:
	UpgradeHandler(EventLoop& loop, ConnectionHandler& handler, Connection::Kind kind, std::size_t maxMessageBytes, const NodeSecurity& security, Poco::Logger& logger,
		const std::string& client = std::string()):
		_loop(loop), _handler(handler), _kind(kind), _maxMessageBytes(maxMessageBytes), _security(security), _logger(logger), _client(client)
	{
	}

	void handleRequest(HTTPServerRequest& request, HTTPServerResponse& response) override
	{
		Poco::AutoPtr<orchd::TlsSocketImpl> tls = tlsSocketOf(request);
		if (_kind != Connection::CLIENT)
		{
			HTTPResponse::HTTPStatus status = HTTPResponse::HTTP_OK;
			std::string why = nodeRefusal(request, _security, tls.get(), status);
			if (!why.empty())
			{
				_logger.warning("refused %s from %s: %s", request.getURI(), request.clientAddress().toString(), why);
				if (status == HTTPResponse::HTTP_UNAUTHORIZED) response.set("WWW-Authenticate", "Bearer");
				response.setKeepAlive(false);
				sendJson(response, status, errorBody(why));
				return;
			}
		}
		try
		{
			WebSocket socket(request, response);
			_loop.adopt(socket, _kind, _handler, _maxMessageBytes, false, _client, tls);
		}
		catch (WebSocketException& exc)
		{
			sendJson(response, HTTPResponse::HTTP_BAD_REQUEST, errorBody("WebSocket handshake failed: " + exc.message()));
		}
	}

private:
	EventLoop& _loop;
	ConnectionHandler& _handler;
	Connection::Kind _kind;
	std::size_t _maxMessageBytes;
	const NodeSecurity& _security;
	Poco::Logger& _logger;
	std::string _client;
};


class TaskPostHandler: public HTTPRequestHandler
	/// POST /v1/tasks: the result in the response, or 504 after the timeout.
{
public:
	TaskPostHandler(EventLoop& loop, Dispatcher& dispatcher, const MasterOptions& options, const std::string& client):
		_loop(loop), _dispatcher(dispatcher), _maxMessageBytes(options.maxMessageBytes), _timeout(options.httpTimeout), _client(client)
	{
	}

	void handleRequest(HTTPServerRequest& request, HTTPServerResponse& response) override
	{
		std::string body;
		char buffer[8192];
		std::istream& in = request.stream();
		std::size_t total = 0;
		// An oversized body is read and dropped (up to a bound) rather than
		// left unread: closing on unread bytes resets the connection, and
		// the client would never see the 413.
		const std::size_t DISCARD_LIMIT = 64 << 20;
		while (total <= DISCARD_LIMIT && (in.read(buffer, sizeof(buffer)) || in.gcount() > 0))
		{
			total += static_cast<std::size_t>(in.gcount());
			if (total <= _maxMessageBytes) body.append(buffer, static_cast<std::size_t>(in.gcount()));
		}
		if (total > _maxMessageBytes)
		{
			response.setKeepAlive(false);
			sendJson(response, HTTPResponse::HTTP_REQUEST_ENTITY_TOO_LARGE, errorBody("Request larger than " + std::to_string(_maxMessageBytes) + " bytes"));
			return;
		}
		// Checked on the loop like a WebSocket client's request.
		auto pending = std::make_shared<PendingReply>();
		Dispatcher& dispatcher = _dispatcher;
		std::string client = _client;
		_loop.post([&dispatcher, body, pending, client] { dispatcher.submit(body, pending, client); });
		if (!pending->wait(_timeout))
		{
			sendJson(response, HTTPResponse::HTTP_GATEWAY_TIMEOUT,
				errorBody("No result within " + std::to_string(_timeout.totalMilliseconds()) + " ms (the task may still run)"));
			return;
		}
		sendJson(response, static_cast<HTTPResponse::HTTPStatus>(pending->httpStatus()), pending->body());
	}

private:
	EventLoop& _loop;
	Dispatcher& _dispatcher;
	std::size_t _maxMessageBytes;
	Poco::Timespan _timeout;
	std::string _client;
};


void answerFromLoop(EventLoop& loop, HTTPServerResponse& response, std::function<std::string()> produce, Poco::Timespan timeout,
	const std::string& contentType = "application/json")
	/// Computes a body on the event loop thread (which owns the state it
	/// reads) and sends it; 503 if the loop does not answer in time.
{
	auto pending = std::make_shared<PendingReply>();
	loop.post([produce, pending] { pending->complete(200, produce()); });
	if (!pending->wait(timeout))
	{
		sendJson(response, HTTPResponse::HTTP_SERVICE_UNAVAILABLE,
			errorBody("The event loop did not answer within " + std::to_string(timeout.totalMilliseconds()) + " ms"));
		return;
	}
	response.setStatusAndReason(HTTPResponse::HTTP_OK);
	response.setContentType(contentType);
	response.setContentLength(static_cast<std::streamsize>(pending->body().size()));
	response.send() << pending->body();
}


class StatusHandler: public HTTPRequestHandler
{
public:
	StatusHandler(EventLoop& loop, Dispatcher& dispatcher, Federation& federation, std::shared_ptr<GateCounters> gate):
		_loop(loop), _dispatcher(dispatcher), _federation(federation), _gate(std::move(gate))
	{
	}

	void handleRequest(HTTPServerRequest&, HTTPServerResponse& response) override
	{
		Dispatcher& dispatcher = _dispatcher;
		Federation& federation = _federation;
		std::shared_ptr<GateCounters> gate = _gate;
		answerFromLoop(_loop, response, [&dispatcher, &federation, gate]
		{
			std::ostringstream out;
			Poco::JSON::Object::Ptr status = dispatcher.status();
			status->set("peers", federation.peersStatus());
			status->set("loans", federation.countersStatus());
			status->set("lb", federation.settingsStatus());
			Poco::JSON::Object::Ptr http = new Poco::JSON::Object;
			http->set("waiting_heads", gate->waiting.load());
			http->set("refused", gate->refused.load());
			status->set("http", http);
			status->stringify(out, 2);
			return out.str();
		}, Poco::Timespan(5, 0));
	}

private:
	EventLoop& _loop;
	Dispatcher& _dispatcher;
	Federation& _federation;
	std::shared_ptr<GateCounters> _gate;
};


class MetricsHandler: public HTTPRequestHandler
	/// GET /metrics: the Prometheus text, written on the loop.
{
public:
	MetricsHandler(EventLoop& loop, std::shared_ptr<MasterMetrics> metrics):
		_loop(loop), _metrics(std::move(metrics))
	{
	}

	void handleRequest(HTTPServerRequest&, HTTPServerResponse& response) override
	{
		std::shared_ptr<MasterMetrics> metrics = _metrics;
		answerFromLoop(_loop, response, [metrics] { return metrics->text(); }, Poco::Timespan(5, 0), MetricsText::CONTENT_TYPE);
	}

private:
	EventLoop& _loop;
	std::shared_ptr<MasterMetrics> _metrics;
};


class HealthHandler: public HTTPRequestHandler
	/// OK only if the event loop, which serves every WebSocket, answers.
{
public:
	explicit HealthHandler(EventLoop& loop):
		_loop(loop)
	{
	}

	void handleRequest(HTTPServerRequest&, HTTPServerResponse& response) override
	{
		answerFromLoop(_loop, response, [] { return std::string("{\"STATUS\":\"OK\"}"); }, Poco::Timespan(2, 0));
	}

private:
	EventLoop& _loop;
};


class SimpleHandler: public HTTPRequestHandler
{
public:
	SimpleHandler(HTTPResponse::HTTPStatus status, const std::string& body, bool refusal = false):
		_status(status), _body(body), _refusal(refusal)
	{
	}

	void handleRequest(HTTPServerRequest&, HTTPServerResponse& response) override
	{
		if (_refusal)
		{
			// The request's body (if any) is not read: the connection
			// cannot carry another request.
			response.setKeepAlive(false);
			if (_status == HTTPResponse::HTTP_UNAUTHORIZED) response.set("WWW-Authenticate", "Bearer");
		}
		sendJson(response, _status, _body);
	}

private:
	HTTPResponse::HTTPStatus _status;
	std::string _body;
	bool _refusal;
};


class RequestRouter: public HTTPRequestHandlerFactory
{
public:
	RequestRouter(EventLoop& loop, Dispatcher& dispatcher, Federation& federation, const MasterOptions& options, Poco::Logger& logger, ClientTokens* tokens,
		std::shared_ptr<GateCounters> gate):
		_loop(loop), _dispatcher(dispatcher), _federation(federation), _options(options), _logger(logger), _tokens(tokens), _gate(std::move(gate))
	{
		_node.role = "master";
		_node.id = options.dispatch.masterId;
		_node.pluginRefusals = options.pluginRefusals;
		_node.startSeconds = NodeInfo::now();
	}

	HTTPRequestHandler* createRequestHandler(const HTTPServerRequest& request) override
	{
		const std::string& uri = request.getURI();
		const std::string& method = request.getMethod();
		if (uri == "/healthz") return new HealthHandler(_loop);
		// The page carries no data (it reads /v1/status with the user's token).
		if (DashboardHandler::serves(uri)) return new DashboardHandler(uri);
		bool upgrade = uri == "/v1/worker" || uri == "/v1/client" || uri == "/v1/peer";
		if (upgrade && request.has("Origin") && !allowedOrigin(request.get("Origin")))
		{
			// A page in a browser inside the network must not reach a
			// WebSocket: browsers send Origin, nodes and orchctl do not.
			return refusal(HTTPResponse::HTTP_FORBIDDEN, "Origin " + request.get("Origin") + " is not allowed (http.allowed_origins)");
		}
		std::string client;
		int role = uri == "/v1/client" || uri == "/v1/tasks" ? ClientTokens::SUBMIT : (uri == "/v1/status" || uri == "/metrics" ? ClientTokens::READ : 0);
		if (role && _tokens)
		{
			ClientTokens::Verdict verdict = _tokens->check(request.get("Authorization", ""), role);
			if (verdict.status != 200) return refusal(static_cast<HTTPResponse::HTTPStatus>(verdict.status), verdict.error);
			client = verdict.name;
		}
		if (uri == "/v1/worker") return new UpgradeHandler(_loop, _dispatcher, Connection::WORKER, _options.maxMessageBytes, _options.security, _logger);
		if (uri == "/v1/client") return new UpgradeHandler(_loop, _dispatcher, Connection::CLIENT, _options.maxMessageBytes, _options.security, _logger, client);
		if (uri == "/v1/tasks")
		{
			if (method != HTTPRequest::HTTP_POST) return new SimpleHandler(HTTPResponse::HTTP_METHOD_NOT_ALLOWED, errorBody("Use POST /v1/tasks"));
			// A browser may POST text/plain anywhere without asking first;
			// application/json needs a CORS preflight, which is not answered.
			if (!isJson(request.getContentType()))
				return refusal(HTTPResponse::HTTP_UNSUPPORTED_MEDIA_TYPE, "POST /v1/tasks needs Content-Type: application/json");
			return new TaskPostHandler(_loop, _dispatcher, _options, client);
		}
		if (uri == "/v1/peer") return new UpgradeHandler(_loop, _federation, Connection::PEER, _options.maxMessageBytes, _options.security, _logger);
		if (uri == "/v1/status") return new StatusHandler(_loop, _dispatcher, _federation, _gate);
		if (uri == "/metrics") return new MetricsHandler(_loop, std::make_shared<MasterMetrics>(_node, _dispatcher, _federation, _loop, _gate));
		return new SimpleHandler(HTTPResponse::HTTP_NOT_FOUND, errorBody("No such endpoint: " + uri));
	}

	void abortRequests()
		/// Shuts the sockets of the requests in progress down (what
		/// HTTPServer::stopAll(true) does through the protected event).
	{
		serverStopped(this, true);
	}

private:
	static HTTPRequestHandler* refusal(HTTPResponse::HTTPStatus status, const std::string& why)
	{
		return new SimpleHandler(status, errorBody(why), true);
	}

	static bool isJson(const std::string& contentType)
	{
		try
		{
			return MediaType(contentType).matches("application", "json");
		}
		catch (Poco::Exception&)
		{
			return false;
		}
	}

	bool allowedOrigin(const std::string& origin) const
	{
		for (const auto& allowed: _options.allowedOrigins)
		{
			if (Poco::icompare(allowed, origin) == 0) return true;
		}
		return false;
	}

	EventLoop& _loop;
	Dispatcher& _dispatcher;
	Federation& _federation;
	const MasterOptions& _options;
	Poco::Logger& _logger;
	ClientTokens* _tokens;
	std::shared_ptr<GateCounters> _gate;
	NodeInfo _node;
};


} // namespace


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
	_router = new RequestRouter(_loop, _dispatcher, _federation, _options, _logger, _tokens.get(), counters);
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
		static_cast<RequestRouter*>(_router.get())->abortRequests();
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

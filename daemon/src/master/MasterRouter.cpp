//
// MasterRouter.cpp
//


#include "master/MasterRouter.h"
#include "master/DashboardHandler.h"
#include "master/MasterMetrics.h"
#include "net/TlsSocketImpl.h"
#include "orchd/Request.h"
#include "Poco/Net/HTTPServerRequestImpl.h"
#include "Poco/Net/HTTPServerResponse.h"
#include "Poco/Net/MediaType.h"
#include "Poco/Net/NetException.h"
#include "Poco/Net/WebSocket.h"
#include "Poco/String.h"
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




} // namespace


MasterRouter::MasterRouter(EventLoop& loop, Dispatcher& dispatcher, Federation& federation, const MasterOptions& options, Poco::Logger& logger, ClientTokens* tokens,
	std::shared_ptr<GateCounters> gate):
	_loop(loop),
	_dispatcher(dispatcher),
	_federation(federation),
	_options(options),
	_logger(logger),
	_tokens(tokens),
	_gate(std::move(gate))
{
	_node.role = "master";
	_node.id = options.dispatch.masterId;
	_node.pluginRefusals = options.pluginRefusals;
	_node.startSeconds = NodeInfo::now();
}


HTTPRequestHandler* MasterRouter::createRequestHandler(const HTTPServerRequest& request)
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


void MasterRouter::abortRequests()
{
	serverStopped(this, true);
}


HTTPRequestHandler* MasterRouter::refusal(HTTPResponse::HTTPStatus status, const std::string& why)
{
	return new SimpleHandler(status, errorBody(why), true);
}


bool MasterRouter::isJson(const std::string& contentType)
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


bool MasterRouter::allowedOrigin(const std::string& origin) const
{
	for (const auto& allowed: _options.allowedOrigins)
	{
		if (Poco::icompare(allowed, origin) == 0) return true;
	}
	return false;
}


} // namespace orchd

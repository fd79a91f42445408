//
// MetricsServer.cpp
//


#include "metrics/MetricsServer.h"
#include "metrics/MetricsText.h"
#include "Poco/Net/HTTPRequestHandler.h"
#include "Poco/Net/HTTPRequestHandlerFactory.h"
#include "Poco/Net/HTTPServerParams.h"
#include "Poco/Net/HTTPServerRequest.h"
#include "Poco/Net/HTTPServerResponse.h"
#include "Poco/Net/ServerSocket.h"


using namespace Poco::Net;


namespace orchd {


namespace {


class MetricsHandler: public HTTPRequestHandler
{
public:
	explicit MetricsHandler(const std::function<std::string()>& produce):
		_produce(produce)
	{
	}

	void handleRequest(HTTPServerRequest& request, HTTPServerResponse& response) override
	{
		std::string body;
		if (request.getURI() != "/metrics")
		{
			response.setStatusAndReason(HTTPResponse::HTTP_NOT_FOUND);
			body = "Only GET /metrics is served here\n";
		}
		else if (request.getMethod() != HTTPRequest::HTTP_GET && request.getMethod() != HTTPRequest::HTTP_HEAD)
		{
			response.setStatusAndReason(HTTPResponse::HTTP_METHOD_NOT_ALLOWED);
			body = "Use GET /metrics\n";
		}
		else body = _produce();
		response.setContentType(response.getStatus() == HTTPResponse::HTTP_OK ? MetricsText::CONTENT_TYPE : std::string("text/plain"));
		response.setContentLength(static_cast<std::streamsize>(body.size()));
		std::ostream& out = response.send();
		if (request.getMethod() != HTTPRequest::HTTP_HEAD) out << body;
	}

private:
	const std::function<std::string()>& _produce;
};


class MetricsRouter: public HTTPRequestHandlerFactory
{
public:
	explicit MetricsRouter(const std::function<std::string()>& produce):
		_produce(produce)
	{
	}

	HTTPRequestHandler* createRequestHandler(const HTTPServerRequest&) override
	{
		return new MetricsHandler(_produce);
	}

private:
	const std::function<std::string()>& _produce;
};


} // namespace


MetricsServer::MetricsServer(const SocketAddress& address, std::function<std::string()> produce, Poco::Logger& logger):
	_address(address),
	_produce(std::move(produce)),
	_logger(logger)
{
}


MetricsServer::~MetricsServer()
{
	stop();
}


void MetricsServer::start()
{
	// Not ServerSocket(address): that sets SO_REUSEPORT (see MasterServer).
	ServerSocket socket;
	socket.bind(_address, true, false);
	socket.listen(64);
	_port = socket.address().port();
	Poco::AutoPtr<HTTPServerParams> params = new HTTPServerParams;
	params->setMaxThreads(2);
	params->setMaxQueued(16);
	params->setTimeout(Poco::Timespan(5, 0));
	params->setKeepAlive(true);
	_server = std::make_unique<HTTPServer>(new MetricsRouter(_produce), socket, params);
	_server->start();
	_logger.information("metrics listening on %s:%hu (GET /metrics)", _address.host().toString(), _port);
}


void MetricsServer::stop()
{
	if (!_server) return;
	_server->stopAll(true);
	_server.reset();
}


Poco::UInt16 MetricsServer::port() const
{
	return _port;
}


} // namespace orchd

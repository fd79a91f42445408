//
// MasterRouter.h
//
// The master's HTTP endpoints: which handler serves a request, after the
// Origin and client-token checks.
//


#ifndef orchd_MasterRouter_INCLUDED
#define orchd_MasterRouter_INCLUDED


#include "master/ClientTokens.h"
#include "master/Dispatcher.h"
#include "master/Federation.h"
#include "master/HttpGate.h"
#include "master/MasterOptions.h"
#include "metrics/NodeInfo.h"
#include "net/EventLoop.h"
#include "Poco/Logger.h"
#include "Poco/Net/HTTPRequestHandler.h"
#include "Poco/Net/HTTPRequestHandlerFactory.h"
#include "Poco/Net/HTTPResponse.h"
#include "Poco/Net/HTTPServerRequest.h"
#include <memory>
#include <string>


namespace orchd {


class MasterRouter: public Poco::Net::HTTPRequestHandlerFactory
	/// Routes the master's requests: /healthz and the dashboard page to
	/// anyone; /v1/worker, /v1/client and /v1/peer upgraded to WebSockets
	/// on the event loop (refused with 403 when a browser's Origin is not
	/// in http.allowed_origins); /v1/tasks (POST, JSON), /v1/status and
	/// /metrics; with auth.tokens_file, /v1/client and /v1/tasks need a
	/// token that may submit, /v1/status and /metrics one that may read.
	/// Anything else is a 404 with a JSON error that names the path.
{
public:
	MasterRouter(EventLoop& loop, Dispatcher& dispatcher, Federation& federation, const MasterOptions& options, Poco::Logger& logger, ClientTokens* tokens,
		std::shared_ptr<GateCounters> gate);
		/// tokens may be null (no auth.tokens_file: no token needed).

	Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest& request) override;

	void abortRequests();
		/// Shuts the sockets of the requests in progress down (what
		/// HTTPServer::stopAll(true) does through the protected event).

private:
	static Poco::Net::HTTPRequestHandler* refusal(Poco::Net::HTTPResponse::HTTPStatus status, const std::string& why);
	static bool isJson(const std::string& contentType);
	bool allowedOrigin(const std::string& origin) const;

	EventLoop& _loop;
	Dispatcher& _dispatcher;
	Federation& _federation;
	const MasterOptions& _options;
	Poco::Logger& _logger;
	ClientTokens* _tokens;
	std::shared_ptr<GateCounters> _gate;
	NodeInfo _node;
};


} // namespace orchd


#endif // orchd_MasterRouter_INCLUDED

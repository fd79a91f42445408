//
// MasterOptions.h
//
// A master's settings (master.* keys, and the dispatcher's and federation's).
//


#ifndef orchd_MasterOptions_INCLUDED
#define orchd_MasterOptions_INCLUDED


#include "master/DispatchOptions.h"
#include "master/FederationOptions.h"
#include "net/NodeSecurity.h"
#include "Poco/Net/SocketAddress.h"
#include "Poco/Timespan.h"
#include <cstddef>
#include <functional>
#include <string>
#include <vector>


namespace orchd {


struct MasterOptions
{
	Poco::Net::SocketAddress listen;
	DispatchOptions dispatch;
	FederationOptions federation;
	std::size_t maxMessageBytes = 1 << 20;
	int httpThreads = 32;
	Poco::Timespan httpTimeout = Poco::Timespan(30, 0);
	NodeSecurity security;  /// TLS on master.listen and on the peer links it dials; the cluster token
	std::string tokensFile;                                   /// auth.tokens_file; empty: open to anyone
	std::vector<std::string> allowedOrigins;                  /// http.allowed_origins: browser Origins let upgrade
	Poco::Timespan headerTimeout = Poco::Timespan(5, 0);      /// http.header_timeout_ms: a request's headers, in full
	Poco::Timespan keepAliveTimeout;                          /// http.keep_alive_timeout_ms: idle between requests; 0: no keep-alive
	int maxKeepAliveRequests = 100;                           /// http.max_keep_alive_requests: requests on one connection
	int maxHandshakesPerAddress = 8;                          /// http.max_handshakes_per_address: unfinished at once
	int maxConnections = 10000;                               /// net.max_connections: WebSockets and HTTP connections
	Poco::Timespan firstMessageTimeout = Poco::Timespan(10, 0);  /// net.first_message_timeout_ms
	std::function<std::size_t()> pluginRefusals;              /// libraries the PluginHost refused so far (GET /metrics)
};


} // namespace orchd


#endif // orchd_MasterOptions_INCLUDED

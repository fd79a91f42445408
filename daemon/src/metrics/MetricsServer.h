//
// MetricsServer.h
//
// GET /metrics on an address of its own (a worker's worker.metrics_listen).
//


#ifndef orchd_MetricsServer_INCLUDED
#define orchd_MetricsServer_INCLUDED


#include "Poco/Logger.h"
#include "Poco/Net/HTTPServer.h"
#include "Poco/Net/SocketAddress.h"
#include <functional>
#include <memory>
#include <string>


namespace orchd {


class MetricsServer
	/// A small HTTP server (two threads) that answers GET /metrics with
	/// the text produce() returns, in the Prometheus text format; 404 for
	/// any other path, 405 for any other method. produce() runs on the
	/// server's threads, so it must be thread-safe.
	///
	/// It serves nothing else: a worker has no API, and the address is
	/// meant for a scraper on a trusted network (no TLS, no token).
{
public:
	MetricsServer(const Poco::Net::SocketAddress& address, std::function<std::string()> produce, Poco::Logger& logger);
	~MetricsServer();

	void start();
		/// Binds (failing if the address is taken) and serves; logs
		/// "metrics listening on HOST:PORT". Throws Poco::Net::NetException.

	void stop();

	Poco::UInt16 port() const;
		/// The bound port (listen may ask for 0).

private:
	Poco::Net::SocketAddress _address;
	std::function<std::string()> _produce;
	Poco::Logger& _logger;
	std::unique_ptr<Poco::Net::HTTPServer> _server;
	Poco::UInt16 _port = 0;
};


} // namespace orchd


#endif // orchd_MetricsServer_INCLUDED

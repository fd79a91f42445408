//
// DashboardHandler.h
//
// GET /ui/: the live dashboard's files.
//


#ifndef orchd_DashboardHandler_INCLUDED
#define orchd_DashboardHandler_INCLUDED


#include "master/DashboardAssets.h"
#include "Poco/Net/HTTPRequestHandler.h"
#include <string>


namespace orchd {


class DashboardHandler: public Poco::Net::HTTPRequestHandler
	/// Serves the dashboard built into the binary (DashboardAssets):
	/// /ui/ is index.html, /ui/NAME another of its files, /ui a redirect
	/// to /ui/; a query string is ignored. GET and HEAD only (else 405);
	/// an unknown name is 404.
	///
	/// The files carry no data: the page reads GET /v1/status of the same
	/// master, with the token its user gives it, so /ui/ needs no token.
	/// Every answer forbids the page to load or send anything beyond this
	/// master's own /ui/ files and /v1/status (CONTENT_SECURITY_POLICY: no
	/// inline script or style, no other origin, no framing), and it is not
	/// cached, so a master upgraded in place serves its new page.
	///
	/// Thread-safe: one per request, on an HTTP thread; reads immutable
	/// data only.
{
public:
	static const char* const CONTENT_SECURITY_POLICY;

	static bool serves(const std::string& uri);
		/// Whether a request URI is the dashboard's: /ui, or under /ui/.

	explicit DashboardHandler(const std::string& uri);

	void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override;

	static const DashboardAsset* find(const std::string& name);
		/// The file named so ("" is index.html), or null.

private:
	static std::string pathOf(const std::string& uri);

	std::string _path;
};


} // namespace orchd


#endif // orchd_DashboardHandler_INCLUDED

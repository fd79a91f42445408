//
// DashboardHandler.cpp
//


#include "master/DashboardHandler.h"
#include "Poco/Net/HTTPServerRequest.h"
#include "Poco/Net/HTTPServerResponse.h"


using namespace Poco::Net;


namespace orchd {


const char* const DashboardHandler::CONTENT_SECURITY_POLICY =
	"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'";


bool DashboardHandler::serves(const std::string& uri)
{
	std::string path = pathOf(uri);
	return path == "/ui" || path.compare(0, 4, "/ui/") == 0;
}


DashboardHandler::DashboardHandler(const std::string& uri):
	_path(pathOf(uri))
{
}


std::string DashboardHandler::pathOf(const std::string& uri)
{
	return uri.substr(0, uri.find_first_of("?#"));
}


const DashboardAsset* DashboardHandler::find(const std::string& name)
{
	const std::string file = name.empty() ? std::string("index.html") : name;
	for (std::size_t i = 0; i < DASHBOARD_ASSET_COUNT; ++i)
	{
		if (file == DASHBOARD_ASSETS[i].name) return &DASHBOARD_ASSETS[i];
	}
	return nullptr;
}


void DashboardHandler::handleRequest(HTTPServerRequest& request, HTTPServerResponse& response)
{
	response.set("Content-Security-Policy", CONTENT_SECURITY_POLICY);
	response.set("X-Content-Type-Options", "nosniff");
	response.set("X-Frame-Options", "DENY");
	response.set("Referrer-Policy", "no-referrer");
	response.set("Cache-Control", "no-cache");
	const std::string& method = request.getMethod();
	const bool head = method == HTTPRequest::HTTP_HEAD;
	const DashboardAsset* asset = _path == "/ui" ? nullptr : find(_path.substr(4));
	std::string error;
	if (method != HTTPRequest::HTTP_GET && !head)
	{
		response.setStatusAndReason(HTTPResponse::HTTP_METHOD_NOT_ALLOWED);
		response.set("Allow", "GET, HEAD");
		error = "Use GET " + _path + "\n";
	}
	else if (_path == "/ui")
	{
		response.setStatusAndReason(HTTPResponse::HTTP_MOVED_PERMANENTLY);
		response.set("Location", "/ui/");
		error = "The dashboard is at /ui/\n";
	}
	else if (!asset)
	{
		response.setStatusAndReason(HTTPResponse::HTTP_NOT_FOUND);
		error = "No such file of the dashboard: " + _path + "\n";
	}
	if (!error.empty())
	{
		response.setContentType("text/plain; charset=utf-8");
		response.setContentLength(static_cast<std::streamsize>(error.size()));
		std::ostream& out = response.send();
		if (!head) out << error;
		return;
	}
	response.setContentType(asset->contentType);
	response.setContentLength(static_cast<std::streamsize>(asset->size));
	std::ostream& out = response.send();
	if (!head) out.write(reinterpret_cast<const char*>(asset->data), static_cast<std::streamsize>(asset->size));
}


} // namespace orchd

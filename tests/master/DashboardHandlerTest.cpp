//
// DashboardHandlerTest.cpp
//
// The dashboard's files through a real Poco HTTP server in-process: every
// file of daemon/ui/ built in and served byte for byte, the page referring
// only to them, the security headers, /ui, 404, 405, HEAD, query strings.
// (tests/ui/check_dashboard.sh loads the page in Chromium on a cluster.)
//


#include "master/DashboardHandler.h"
#include "Poco/DirectoryIterator.h"
#include "Poco/FileStream.h"
#include "Poco/Net/HTTPClientSession.h"
#include "Poco/Net/HTTPRequest.h"
#include "Poco/Net/HTTPRequestHandlerFactory.h"
#include "Poco/Net/HTTPResponse.h"
#include "Poco/Net/HTTPServer.h"
#include "Poco/Net/HTTPServerRequest.h"
#include "Poco/Net/ServerSocket.h"
#include "Poco/StreamCopier.h"
#include <cppunit/extensions/HelperMacros.h>
#include <regex>


using namespace orchd;
using namespace Poco::Net;


namespace {


class UiOnly: public HTTPRequestHandlerFactory
{
public:
	HTTPRequestHandler* createRequestHandler(const HTTPServerRequest& request) override
	{
		return DashboardHandler::serves(request.getURI()) ? new DashboardHandler(request.getURI()) : nullptr;
	}
};


std::string readFile(const std::string& path)
{
	Poco::FileInputStream in(path);
	std::string text;
	Poco::StreamCopier::copyToString(in, text);
	return text;
}


} // namespace


class DashboardHandlerTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(DashboardHandlerTest);
	CPPUNIT_TEST(testEveryFileBuiltIn);
	CPPUNIT_TEST(testServesFilesWithPolicy);
	CPPUNIT_TEST(testRedirectNotFoundAndMethods);
	CPPUNIT_TEST(testPathsItServes);
	CPPUNIT_TEST_SUITE_END();

public:
	void setUp() override
	{
		ServerSocket socket(SocketAddress("127.0.0.1", 0));
		_port = socket.address().port();
		_server = std::make_unique<HTTPServer>(new UiOnly, socket, new HTTPServerParams);
		_server->start();
	}

	void tearDown() override
	{
		_server->stopAll(true);
		_server.reset();
	}

	void testEveryFileBuiltIn()
	{
		// The build embeds what daemon/ui/ holds, as it is there now.
		std::string dir = std::string(ORCHD_TEST_SOURCE_DIR) + "/daemon/ui";
		std::size_t files = 0;
		for (Poco::DirectoryIterator it(dir), end; it != end; ++it)
		{
			++files;
			const DashboardAsset* asset = DashboardHandler::find(it.name());
			CPPUNIT_ASSERT_MESSAGE(it.name() + " is not built in (daemon/CMakeLists.txt, ORCHD_UI_FILES)", asset);
			CPPUNIT_ASSERT_MESSAGE(it.name(), readFile(it->path()) == std::string(reinterpret_cast<const char*>(asset->data), asset->size));
		}
		CPPUNIT_ASSERT_EQUAL(files, DASHBOARD_ASSET_COUNT);
	}

	void testServesFilesWithPolicy()
	{
		HTTPResponse response;
		std::string page = get("/ui/", response);
		CPPUNIT_ASSERT_EQUAL(HTTPResponse::HTTP_OK, response.getStatus());
		CPPUNIT_ASSERT_EQUAL(std::string("text/html; charset=utf-8"), response.getContentType());
		CPPUNIT_ASSERT_EQUAL(std::string(DashboardHandler::CONTENT_SECURITY_POLICY), response.get("Content-Security-Policy"));
		CPPUNIT_ASSERT_EQUAL(std::string("nosniff"), response.get("X-Content-Type-Options"));
		CPPUNIT_ASSERT(page.find("<title>orchd dashboard</title>") != std::string::npos);
		CPPUNIT_ASSERT(std::string(DashboardHandler::CONTENT_SECURITY_POLICY).find("unsafe-inline") == std::string::npos);
		// Everything the page loads is one of the files, by a relative name.
		std::regex reference("(?:src|href)=\"([^\"]*)\"");
		int references = 0;
		for (std::sregex_iterator it(page.begin(), page.end(), reference), end; it != end; ++it, ++references)
		{
			std::string name = (*it)[1];
			CPPUNIT_ASSERT_MESSAGE(name, DashboardHandler::find(name));
			std::string body = get("/ui/" + name, response);
			CPPUNIT_ASSERT_EQUAL_MESSAGE(name, HTTPResponse::HTTP_OK, response.getStatus());
			CPPUNIT_ASSERT_EQUAL(DashboardHandler::find(name)->size, body.size());
		}
		CPPUNIT_ASSERT_EQUAL(2, references);
		CPPUNIT_ASSERT(page.find("<script>") == std::string::npos && page.find(" style=") == std::string::npos);
		get("/ui/dashboard.js?v=2", response);
		CPPUNIT_ASSERT_EQUAL(std::string("text/javascript; charset=utf-8"), response.getContentType());
		CPPUNIT_ASSERT_EQUAL(std::string("no-cache"), response.get("Cache-Control"));
		// HEAD: the headers, no body.
		std::string none = get("/ui/", response, HTTPRequest::HTTP_HEAD);
		CPPUNIT_ASSERT_EQUAL(HTTPResponse::HTTP_OK, response.getStatus());
		CPPUNIT_ASSERT(none.empty());
		CPPUNIT_ASSERT_EQUAL(static_cast<std::streamsize>(page.size()), response.getContentLength());
	}

	void testRedirectNotFoundAndMethods()
	{
		HTTPResponse response;
		get("/ui", response);
		CPPUNIT_ASSERT_EQUAL(HTTPResponse::HTTP_MOVED_PERMANENTLY, response.getStatus());
		CPPUNIT_ASSERT_EQUAL(std::string("/ui/"), response.get("Location"));
		for (const char* missing: {"/ui/nope.js", "/ui/../v1/status", "/ui/sub/index.html", "/ui//index.html"})
		{
			std::string body = get(missing, response);
			CPPUNIT_ASSERT_EQUAL_MESSAGE(missing, HTTPResponse::HTTP_NOT_FOUND, response.getStatus());
			CPPUNIT_ASSERT(body.find("No such file of the dashboard") == 0);
			CPPUNIT_ASSERT(response.has("Content-Security-Policy"));
		}
		get("/ui/", response, HTTPRequest::HTTP_POST);
		CPPUNIT_ASSERT_EQUAL(HTTPResponse::HTTP_METHOD_NOT_ALLOWED, response.getStatus());
		CPPUNIT_ASSERT_EQUAL(std::string("GET, HEAD"), response.get("Allow"));
	}

	void testPathsItServes()
	{
		CPPUNIT_ASSERT(DashboardHandler::serves("/ui"));
		CPPUNIT_ASSERT(DashboardHandler::serves("/ui/"));
		CPPUNIT_ASSERT(DashboardHandler::serves("/ui/?token=x"));
		CPPUNIT_ASSERT(DashboardHandler::serves("/ui?x"));
		CPPUNIT_ASSERT(!DashboardHandler::serves("/uix"));
		CPPUNIT_ASSERT(!DashboardHandler::serves("/v1/status"));
		CPPUNIT_ASSERT(!DashboardHandler::serves("/"));
		CPPUNIT_ASSERT(DashboardHandler::find("") == DashboardHandler::find("index.html"));
		CPPUNIT_ASSERT(!DashboardHandler::find("../index.html"));
	}

private:
	std::string get(const std::string& uri, HTTPResponse& response, const std::string& method = HTTPRequest::HTTP_GET)
	{
		HTTPClientSession session("127.0.0.1", _port);
		HTTPRequest request(method, uri, HTTPMessage::HTTP_1_1);
		if (method == HTTPRequest::HTTP_POST) request.setContentLength(0);
		session.sendRequest(request);
		response = HTTPResponse();
		std::string body;
		Poco::StreamCopier::copyToString(session.receiveResponse(response), body);
		return body;
	}

	Poco::UInt16 _port = 0;
	std::unique_ptr<HTTPServer> _server;
};


CPPUNIT_TEST_SUITE_REGISTRATION(DashboardHandlerTest);

//
// EventLoopTest.cpp
//
// The event loop in-process, with Poco's own WebSocket as the client: what
// handlers see (Link), the ConnectionDirectory by id (send, close, drop,
// alive), posted closures and timers, and a throwing handler costing its
// own connection only.
//


#include "TestSupport.h"
#include "net/EventLoop.h"
#include "Poco/Net/HTTPClientSession.h"
#include "Poco/Net/HTTPRequest.h"
#include "Poco/Net/HTTPRequestHandler.h"
#include "Poco/Net/HTTPRequestHandlerFactory.h"
#include "Poco/Net/HTTPResponse.h"
#include "Poco/Net/HTTPServer.h"
#include "Poco/Net/HTTPServerRequest.h"
#include "Poco/Net/HTTPServerResponse.h"
#include "Poco/Net/NetException.h"
#include "Poco/Net/ServerSocket.h"
#include "Poco/Net/WebSocket.h"
#include <cppunit/extensions/HelperMacros.h>
#include <atomic>
#include <mutex>
#include <thread>
#include <vector>


using namespace orchd;
using namespace orchd::test;
using Poco::Net::WebSocket;


namespace {


class Recorder: public ConnectionHandler
	/// Answers "echo:X" with X, throws on "throw", and records every event.
{
public:
	explicit Recorder(ConnectionDirectory& directory): _directory(directory)
	{
	}

	void onOpen(const Link& link) override
	{
		std::lock_guard<std::mutex> lock(_mutex);
		_open.push_back(link);
	}

	void onMessage(const Link& link, const std::string& text) override
	{
		if (text == "throw") throw std::runtime_error("handler bug");
		{
			std::lock_guard<std::mutex> lock(_mutex);
			_messages.push_back(text);
		}
		if (text.rfind("echo:", 0) == 0) _directory.send(link.id, text.substr(5));
	}

	void onClose(const Link& link, const std::string& reason) override
	{
		std::lock_guard<std::mutex> lock(_mutex);
		_closed.emplace_back(link.id, reason);
	}

	std::vector<Link> open() const
	{
		std::lock_guard<std::mutex> lock(_mutex);
		return _open;
	}

	std::vector<std::pair<std::uint64_t, std::string>> closed() const
	{
		std::lock_guard<std::mutex> lock(_mutex);
		return _closed;
	}

private:
	ConnectionDirectory& _directory;
	mutable std::mutex _mutex;
	std::vector<Link> _open;
	std::vector<std::string> _messages;
	std::vector<std::pair<std::uint64_t, std::string>> _closed;
};


class Upgrade: public Poco::Net::HTTPRequestHandler
{
public:
	Upgrade(EventLoop& loop, Recorder& recorder): _loop(loop), _recorder(recorder)
	{
	}

	void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override
	{
		WebSocket socket(request, response);
		_loop.adopt(socket, request.getURI() == "/worker" ? Link::WORKER : Link::CLIENT, _recorder, 1 << 16);
	}

private:
	EventLoop& _loop;
	Recorder& _recorder;
};


class Factory: public Poco::Net::HTTPRequestHandlerFactory
{
public:
	Factory(EventLoop& loop, Recorder& recorder): _loop(loop), _recorder(recorder)
	{
	}

	Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override
	{
		return new Upgrade(_loop, _recorder);
	}

private:
	EventLoop& _loop;
	Recorder& _recorder;
};


std::string receive(WebSocket& socket, int& flags)
{
	char buffer[4096];
	int n = socket.receiveFrame(buffer, sizeof(buffer), flags);
	return std::string(buffer, static_cast<std::size_t>(std::max(n, 0)));
}


} // namespace


class EventLoopTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(EventLoopTest);
	CPPUNIT_TEST(testLinkAndSendById);
	CPPUNIT_TEST(testCloseById);
	CPPUNIT_TEST(testDropById);
	CPPUNIT_TEST(testPostAndTimers);
	CPPUNIT_TEST(testThrowingHandlerCostsOneConnection);
	CPPUNIT_TEST_SUITE_END();

public:
	void setUp() override
	{
		_loop = std::make_unique<EventLoop>(Poco::Logger::get("EventLoopTest"));
		_recorder = std::make_unique<Recorder>(*_loop);
		_loop->every(Poco::Timespan(0, 20000), [this] { ++_ticks; });
		_loop->start();
		Poco::Net::ServerSocket socket;
		socket.bind(Poco::Net::SocketAddress("127.0.0.1", 0), true, false);
		socket.listen(16);
		_port = socket.address().port();
		_server = std::make_unique<Poco::Net::HTTPServer>(new Factory(*_loop, *_recorder), socket, new Poco::Net::HTTPServerParams);
		_server->start();
	}

	void tearDown() override
	{
		_server->stopAll(true);
		_loop->stop();
		_server.reset();
		_recorder.reset();
		_loop.reset();
	}

	void testLinkAndSendById()
	{
		std::unique_ptr<WebSocket> client = connect("/worker");
		CPPUNIT_ASSERT(waitFor([&] { return _recorder->open().size() == 1; }));
		Link link = _recorder->open()[0];
		CPPUNIT_ASSERT_EQUAL(Link::WORKER, link.kind);
		CPPUNIT_ASSERT(link.id != 0);
		CPPUNIT_ASSERT(link.peerAddress.find("127.0.0.1:") == 0);
		sendText(*client, "echo:hello");
		int flags = 0;
		CPPUNIT_ASSERT_EQUAL(std::string("hello"), receive(*client, flags));
		CPPUNIT_ASSERT_EQUAL(int(WebSocket::FRAME_OP_TEXT), flags & WebSocket::FRAME_OP_BITMASK);
		// Sending by id from another thread goes through post().
		std::atomic<bool> sent{false};
		_loop->post([&] { sent = _loop->send(link.id, "pushed"); });
		CPPUNIT_ASSERT_EQUAL(std::string("pushed"), receive(*client, flags));
		CPPUNIT_ASSERT(sent);
		std::atomic<int> unknown{-1};
		_loop->post([&] { unknown = _loop->send(link.id + 1000, "nobody") ? 1 : 0; });
		CPPUNIT_ASSERT(waitFor([&] { return unknown.load() == 0; }));
	}

	void testCloseById()
	{
		std::unique_ptr<WebSocket> client = connect("/client");
		CPPUNIT_ASSERT(waitFor([&] { return _recorder->open().size() == 1; }));
		std::uint64_t id = _recorder->open()[0].id;
		std::atomic<int> aliveAfter{-1};
		_loop->post([&]
		{
			_loop->close(id, 1008, "go away");
			aliveAfter = _loop->alive(id) ? 1 : 0;
		});
		int flags = 0;
		std::string payload = receive(*client, flags);
		CPPUNIT_ASSERT_EQUAL(int(WebSocket::FRAME_OP_CLOSE), flags & WebSocket::FRAME_OP_BITMASK);
		CPPUNIT_ASSERT_EQUAL(std::size_t(9), payload.size());
		CPPUNIT_ASSERT_EQUAL(1008, (static_cast<unsigned char>(payload[0]) << 8) | static_cast<unsigned char>(payload[1]));
		CPPUNIT_ASSERT_EQUAL(std::string("go away"), payload.substr(2));
		CPPUNIT_ASSERT_EQUAL(0, aliveAfter.load());
		client->shutdown();
		CPPUNIT_ASSERT(waitFor([&] { return _recorder->closed().size() == 1; }));
		CPPUNIT_ASSERT_EQUAL(id, _recorder->closed()[0].first);
		CPPUNIT_ASSERT_EQUAL(std::string("go away"), _recorder->closed()[0].second);
	}

	void testDropById()
	{
		std::unique_ptr<WebSocket> client = connect("/client");
		CPPUNIT_ASSERT(waitFor([&] { return _recorder->open().size() == 1; }));
		std::uint64_t id = _recorder->open()[0].id;
		_loop->post([&] { _loop->drop(id, "replaced"); });
		CPPUNIT_ASSERT(waitFor([&] { return _recorder->closed().size() == 1; }));
		CPPUNIT_ASSERT_EQUAL(std::string("replaced"), _recorder->closed()[0].second);
		// The client sees the end of the stream, without a close frame.
		int flags = 0;
		client->setReceiveTimeout(Poco::Timespan(5, 0));
		std::string rest;
		try
		{
			rest = receive(*client, flags);
		}
		catch (Poco::Net::NetException&)
		{
		}
		CPPUNIT_ASSERT(rest.empty());
	}

	void testPostAndTimers()
	{
		std::atomic<bool> onLoop{false};
		std::thread::id caller = std::this_thread::get_id();
		_loop->post([&] { onLoop = std::this_thread::get_id() != caller; });
		CPPUNIT_ASSERT(waitFor([&] { return onLoop.load(); }));
		int before = _ticks;
		CPPUNIT_ASSERT(waitFor([&] { return _ticks >= before + 3; }));
	}

	void testThrowingHandlerCostsOneConnection()
	{
		std::unique_ptr<WebSocket> bad = connect("/client");
		std::unique_ptr<WebSocket> good = connect("/client");
		CPPUNIT_ASSERT(waitFor([&] { return _recorder->open().size() == 2; }));
		sendText(*bad, "throw");
		CPPUNIT_ASSERT(waitFor([&] { return _recorder->closed().size() == 1; }));
		CPPUNIT_ASSERT(_recorder->closed()[0].second.find("internal error: handler bug") == 0);
		sendText(*good, "echo:still here");
		int flags = 0;
		CPPUNIT_ASSERT_EQUAL(std::string("still here"), receive(*good, flags));
	}

private:
	std::unique_ptr<WebSocket> connect(const std::string& path)
	{
		Poco::Net::HTTPClientSession session("127.0.0.1", _port);
		Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, path, Poco::Net::HTTPMessage::HTTP_1_1);
		Poco::Net::HTTPResponse response;
		auto socket = std::make_unique<WebSocket>(session, request, response);
		socket->setReceiveTimeout(Poco::Timespan(10, 0));
		return socket;
	}

	static void sendText(WebSocket& socket, const std::string& text)
	{
		socket.sendFrame(text.data(), static_cast<int>(text.size()), WebSocket::FRAME_TEXT);
	}

	std::unique_ptr<EventLoop> _loop;
	std::unique_ptr<Recorder> _recorder;
	std::unique_ptr<Poco::Net::HTTPServer> _server;
	Poco::UInt16 _port = 0;
	std::atomic<int> _ticks{0};
};


CPPUNIT_TEST_SUITE_REGISTRATION(EventLoopTest);

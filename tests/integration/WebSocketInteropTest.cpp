//
// WebSocketInteropTest.cpp
//
// Poco's own WebSocket as the other end of a real master's connections: a
// framing bug that FrameCodec made the same way in both directions would
// pass a test of orchd against orchd, but not one against Poco.
//


#include "json/JsonObject.h"
#include "TestSupport.h"
#include "Poco/Buffer.h"
#include "Poco/Net/HTTPClientSession.h"
#include "Poco/Net/HTTPRequest.h"
#include "Poco/Net/HTTPResponse.h"
#include "Poco/Net/WebSocket.h"
#include <cppunit/extensions/HelperMacros.h>
#include <algorithm>
#include <memory>


using orchd::parseObject;
using Poco::Net::WebSocket;
using namespace orchd::test;


namespace {


struct Frame
{
	int flags = 0;
	std::string payload;

	int opcode() const
	{
		return flags & WebSocket::FRAME_OP_BITMASK;
	}

	std::uint16_t closeCode() const
	{
		CPPUNIT_ASSERT_EQUAL(int(WebSocket::FRAME_OP_CLOSE), opcode());
		CPPUNIT_ASSERT(payload.size() >= 2);
		return static_cast<std::uint16_t>((static_cast<unsigned char>(payload[0]) << 8) | static_cast<unsigned char>(payload[1]));
	}
};


class PocoEnd
	/// A Poco::Net::WebSocket connected to a master's path. Every receive
	/// has a deadline (Poco throws a TimeoutException), so no test hangs.
{
public:
	PocoEnd(Poco::UInt16 port, const std::string& path):
		_session("127.0.0.1", port)
	{
		_session.setTimeout(Poco::Timespan(10, 0));
		Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, path, Poco::Net::HTTPMessage::HTTP_1_1);
		Poco::Net::HTTPResponse response;
		_socket = std::make_unique<WebSocket>(_session, request, response);
		_socket->setReceiveTimeout(Poco::Timespan(10, 0));
	}

	WebSocket& socket()
	{
		return *_socket;
	}

	void send(const std::string& payload, int flags = WebSocket::FRAME_TEXT)
	{
		int sent = _socket->sendFrame(payload.data(), static_cast<int>(payload.size()), flags);
		CPPUNIT_ASSERT(sent >= static_cast<int>(payload.size()));
	}

	Frame receive()
	{
		Poco::Buffer<char> buffer(0);
		Frame frame;
		int n = _socket->receiveFrame(buffer, frame.flags);
		if (n > 0) frame.payload.assign(buffer.begin(), static_cast<std::size_t>(n));
		// The master never fragments what it sends.
		CPPUNIT_ASSERT(frame.flags & WebSocket::FRAME_FLAG_FIN);
		return frame;
	}

	std::string receiveText()
	{
		Frame frame = receive();
		CPPUNIT_ASSERT_EQUAL_MESSAGE(frame.payload, int(WebSocket::FRAME_OP_TEXT), frame.opcode());
		return frame.payload;
	}

private:
	Poco::Net::HTTPClientSession _session;
	std::unique_ptr<WebSocket> _socket;
};


std::string echoOfSize(std::size_t size, int requestId)
	/// An ECHO request of exactly size bytes, padded in its PAYLOAD.
{
	std::string head = "{\"TASK\":\"ECHO\",\"REQUEST_ID\":" + std::to_string(requestId) + ",\"PAYLOAD\":\"";
	CPPUNIT_ASSERT(size >= head.size() + 2);
	return head + std::string(size - head.size() - 2, static_cast<char>('a' + requestId % 26)) + "\"}";
}


bool validUtf8(const std::string& text)
{
	std::size_t i = 0;
	while (i < text.size())
	{
		unsigned char lead = static_cast<unsigned char>(text[i]);
		std::size_t length = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3 : (lead >> 3) == 0x1E ? 4 : 0;
		if (length == 0 || i + length > text.size()) return false;
		for (std::size_t k = 1; k < length; ++k)
			if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return false;
		i += length;
	}
	return true;
}



} // namespace


class WebSocketInteropTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(WebSocketInteropTest);
	CPPUNIT_TEST(testClientMessagesOfEveryLengthForm);
	CPPUNIT_TEST(testPingAnsweredByPong);
	CPPUNIT_TEST(testFragmentedMessageWithPingInside);
	CPPUNIT_TEST(testCloseHandshake);
	CPPUNIT_TEST(testRefusalsAreCloseFrames);
	CPPUNIT_TEST(testLongCloseReasonStaysUtf8);
	CPPUNIT_TEST(testPocoAsWorker);
	CPPUNIT_TEST_SUITE_END();

public:
	void setUp() override
	{
		_dir = std::make_unique<TempDir>();
	}

	void tearDown() override
	{
		_nodes.clear();
		_dir.reset();
	}

	void testClientMessagesOfEveryLengthForm()
	{
		// Requests at the edges of the 7-bit, 16-bit and 64-bit lengths,
		// masked by Poco; the echoes come back unmasked and as long.
		Poco::UInt16 port = startCluster(1);
		PocoEnd client(port, "/v1/client");
		const std::size_t sizes[] = {60, 125, 126, 65535, 65536, 300000};
		int id = 0;
		std::size_t longest = 0;
		for (std::size_t size: sizes)
		{
			std::string request = echoOfSize(size, ++id);
			CPPUNIT_ASSERT_EQUAL(size, request.size());
			client.send(request);
			std::string text = client.receiveText();
			Poco::JSON::Object::Ptr result = parseObject(text);
			CPPUNIT_ASSERT_EQUAL_MESSAGE(text.substr(0, 200), std::string("OK"), result->getValue<std::string>("STATUS"));
			CPPUNIT_ASSERT_EQUAL(id, result->getValue<int>("REQUEST_ID"));
			CPPUNIT_ASSERT(parseObject(request)->getValue<std::string>("PAYLOAD") == result->getValue<std::string>("PAYLOAD"));
			if (size == 126) CPPUNIT_ASSERT(text.size() > 125 && text.size() <= 65535);
			longest = std::max(longest, text.size());
		}
		CPPUNIT_ASSERT(longest > 65535);
	}

	void testPingAnsweredByPong()
	{
		Poco::UInt16 port = startCluster(0);
		PocoEnd client(port, "/v1/client");
		for (const std::string& data: {std::string(), std::string("Hello"), std::string(125, 'p')})
		{
			client.send(data, WebSocket::FRAME_FLAG_FIN | WebSocket::FRAME_OP_PING);
			Frame pong = client.receive();
			CPPUNIT_ASSERT_EQUAL(int(WebSocket::FRAME_OP_PONG), pong.opcode());
			CPPUNIT_ASSERT(data == pong.payload);
		}
	}

	void testFragmentedMessageWithPingInside()
	{
		// Three fragments of 40,000 bytes with a ping between the first two:
		// the pong comes at once, the result once the message is whole.
		Poco::UInt16 port = startCluster(1);
		PocoEnd client(port, "/v1/client");
		std::string request = echoOfSize(120000, 7);
		client.send(request.substr(0, 40000), WebSocket::FRAME_OP_TEXT);
		client.send("between", WebSocket::FRAME_FLAG_FIN | WebSocket::FRAME_OP_PING);
		Frame pong = client.receive();
		CPPUNIT_ASSERT_EQUAL(int(WebSocket::FRAME_OP_PONG), pong.opcode());
		CPPUNIT_ASSERT_EQUAL(std::string("between"), pong.payload);
		// Poco turns flags 0 into a final binary frame unless told they are raw.
		client.send(request.substr(40000, 40000), WebSocket::FRAME_OP_SETRAW | WebSocket::FRAME_OP_CONT);
		client.send(request.substr(80000), WebSocket::FRAME_FLAG_FIN | WebSocket::FRAME_OP_CONT);
		Poco::JSON::Object::Ptr result = parseObject(client.receiveText());
		CPPUNIT_ASSERT_EQUAL(7, result->getValue<int>("REQUEST_ID"));
		CPPUNIT_ASSERT(parseObject(request)->getValue<std::string>("PAYLOAD") == result->getValue<std::string>("PAYLOAD"));
	}

	void testCloseHandshake()
	{
		// The client closes; the master answers with a close frame of its
		// own, then ends the TCP stream (receiveFrame: 0 bytes, no flags).
		Poco::UInt16 port = startCluster(1);
		PocoEnd client(port, "/v1/client");
		client.send(echoOfSize(60, 1));
		CPPUNIT_ASSERT_EQUAL(1, parseObject(client.receiveText())->getValue<int>("REQUEST_ID"));
		client.socket().shutdown(WebSocket::WS_NORMAL_CLOSE, "done");
		Frame answer = client.receive();
		CPPUNIT_ASSERT_EQUAL(std::uint16_t(1000), answer.closeCode());
		Poco::Buffer<char> buffer(0);
		int flags = -1;
		CPPUNIT_ASSERT_EQUAL(0, client.socket().receiveFrame(buffer, flags));
		CPPUNIT_ASSERT_EQUAL(0, flags);
	}

	void testRefusalsAreCloseFrames()
	{
		// What the master refuses reaches Poco as a close frame with the
		// RFC's code: 1003 for a binary message, 1009 for one too big.
		Poco::UInt16 port = startCluster(0, "master.max_message_bytes = 100000\n");
		PocoEnd binary(port, "/v1/client");
		binary.send("\x01\x02", WebSocket::FRAME_BINARY);
		CPPUNIT_ASSERT_EQUAL(std::uint16_t(1003), binary.receive().closeCode());
		PocoEnd large(port, "/v1/client");
		large.send(echoOfSize(100001, 1));
		CPPUNIT_ASSERT_EQUAL(std::uint16_t(1009), large.receive().closeCode());
		PocoEnd badClose(port, "/v1/client");
		badClose.socket().shutdown(1005, "1005 means no code: never sent");
		CPPUNIT_ASSERT_EQUAL(std::uint16_t(1002), badClose.receive().closeCode());
		PocoEnd fits(port, "/v1/client");
		fits.send("{\"TASK\":\"NO_SUCH_TASK\",\"REQUEST_ID\":2}");
		CPPUNIT_ASSERT_EQUAL(2, parseObject(fits.receiveText())->getValue<int>("REQUEST_ID"));
	}

	void testLongCloseReasonStaysUtf8()
	{
		// A worker's duplicate field is named in the 1008's reason; a long
		// name of two-byte characters is cut to fit the close frame, and
		// must be cut between characters.
		Poco::UInt16 port = startCluster(0);
		PocoEnd worker(port, "/v1/worker");
		std::string name;
		for (int i = 0; i < 80; ++i) name += "\xC3\xA9";
		worker.send("{\"" + name + "\":1,\"" + name + "\":2}");
		Frame close = worker.receive();
		CPPUNIT_ASSERT_EQUAL(std::uint16_t(1008), close.closeCode());
		std::string reason = close.payload.substr(2);
		CPPUNIT_ASSERT_MESSAGE(reason, reason.rfind("Duplicate field: \xC3\xA9", 0) == 0);
		CPPUNIT_ASSERT(close.payload.size() <= 125);
		CPPUNIT_ASSERT_MESSAGE(reason, validUtf8(reason));
	}

	void testPocoAsWorker()
	{
		// Poco as the worker too: a task pushed by the master, answered by
		// Poco, delivered to the client; small, 16-bit and 64-bit sizes.
		Poco::UInt16 port = startCluster(0);
		PocoEnd worker(port, "/v1/worker");
		worker.send("{\"WORKER\":\"ALIVE\",\"WORKER_UUID\":\"w1\",\"TASKS\":[\"ECHO\"],\"CONCURRENCY\":1}");
		CPPUNIT_ASSERT(waitFor([&] { return workerCount(port) == 1; }));
		PocoEnd client(port, "/v1/client");
		int id = 0;
		for (std::size_t size: {80, 1000, 70000})
		{
			std::string request = echoOfSize(size, ++id);
			client.send(request);
			std::string taskText = worker.receiveText();
			Poco::JSON::Object::Ptr task = parseObject(taskText);
			CPPUNIT_ASSERT_EQUAL(std::string("ECHO"), task->getValue<std::string>("TASK"));
			CPPUNIT_ASSERT(!task->has("REQUEST_ID"));
			CPPUNIT_ASSERT(parseObject(request)->getValue<std::string>("PAYLOAD") == task->getValue<std::string>("PAYLOAD"));
			std::string taskId = task->getValue<std::string>("TASK_ID");
			int attempt = task->getValue<int>("ATTEMPT");
			std::string answer(size + 10, static_cast<char>('A' + id));
			worker.send("{\"STATUS\":\"OK\",\"TASK\":\"ECHO\",\"TASK_ID\":\"" + taskId + "\",\"ATTEMPT\":" + std::to_string(attempt) + ",\"PAYLOAD\":\"" + answer + "\"}");
			Poco::JSON::Object::Ptr result = parseObject(client.receiveText());
			CPPUNIT_ASSERT_EQUAL(id, result->getValue<int>("REQUEST_ID"));
			CPPUNIT_ASSERT_EQUAL(taskId, result->getValue<std::string>("TASK_ID"));
			CPPUNIT_ASSERT(answer == result->getValue<std::string>("PAYLOAD"));
		}
	}

private:
	Poco::UInt16 startCluster(int workers, const std::string& masterExtra = "")
	{
		auto master = std::make_unique<NodeProcess>(*_dir, "m1", masterProperties("m1", masterExtra));
		master->start();
		Poco::UInt16 port = master->masterPort();
		_nodes.push_back(std::move(master));
		for (int i = 1; i <= workers; ++i)
		{
			std::string id = "w" + std::to_string(i);
			auto worker = std::make_unique<NodeProcess>(*_dir, id, workerProperties(id, "m1@127.0.0.1:" + std::to_string(port), _dir->file("accounts.db")));
			worker->start();
			CPPUNIT_ASSERT_MESSAGE(worker->log(), worker->waitForLog("connected to master m1"));
			_nodes.push_back(std::move(worker));
		}
		CPPUNIT_ASSERT(waitFor([&] { return workerCount(port) == static_cast<std::size_t>(workers); }));
		return port;
	}

	std::unique_ptr<TempDir> _dir;
	std::vector<std::unique_ptr<NodeProcess>> _nodes;
};


CPPUNIT_TEST_SUITE_REGISTRATION(WebSocketInteropTest);

//
// BadInputTest.cpp
//
// Garbage, oversized and misbehaving peers against a real master: each gets
// a clear error or a clean close, and everyone else keeps being served.
//


#include "json/JsonObject.h"
#include "TestSupport.h"
#include "ctl/MasterClient.h"
#include "net/FrameCodec.h"
#include "Poco/Net/NetException.h"
#include "Poco/Net/StreamSocket.h"
#include "Poco/Timestamp.h"
#include <cppunit/extensions/HelperMacros.h>
#include <algorithm>
#include <iostream>
#include <thread>


using orchd::FrameCodec;
using orchd::MasterClient;
using orchd::parseObject;
using namespace orchd::test;


namespace {


class RawWebSocket
	/// A hand-driven WebSocket client: the test decides every byte.
{
public:
	RawWebSocket(Poco::UInt16 port, const std::string& path)
	{
		_socket.connect(Poco::Net::SocketAddress("127.0.0.1", port), Poco::Timespan(5, 0));
		_socket.setReceiveTimeout(Poco::Timespan(5, 0));
		sendRaw("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
			"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
		std::string head;
		char c;
		while (head.find("\r\n\r\n") == std::string::npos && _socket.receiveBytes(&c, 1) == 1) head += c;
		CPPUNIT_ASSERT_MESSAGE(head, head.find(" 101 ") != std::string::npos);
	}

	void sendRaw(const std::string& bytes)
	{
		_socket.sendBytes(bytes.data(), static_cast<int>(bytes.size()));
	}

	void sendFrame(int opcode, const std::string& payload)
	{
		std::string frame;
		FrameCodec::encode(frame, opcode, payload.data(), payload.size(), true);
		sendRaw(frame);
	}

	int receiveClose()
		/// Reads until the master's close frame; returns its status code
		/// (or 0 if the connection just ended).
	{
		std::string buffer;
		std::size_t offset = 0;
		FrameCodec codec(64 << 20, false);
		char chunk[4096];
		for (;;)
		{
			int n = 0;
			try
			{
				n = _socket.receiveBytes(chunk, sizeof(chunk));
			}
			catch (Poco::Net::ConnectionResetException&)
			{
				return 0;
			}
			if (n <= 0) return 0;
			buffer.append(chunk, static_cast<std::size_t>(n));
			while (codec.decode(buffer, offset) == FrameCodec::MESSAGE)
			{
				if (codec.opcode() == FrameCodec::CLOSE && codec.payload().size() >= 2)
					return (static_cast<unsigned char>(codec.payload()[0]) << 8) | static_cast<unsigned char>(codec.payload()[1]);
			}
		}
	}

	Poco::Net::StreamSocket& socket()
	{
		return _socket;
	}

private:
	Poco::Net::StreamSocket _socket;
};


Poco::Net::SocketAddress local(Poco::UInt16 port)
{
	return Poco::Net::SocketAddress("127.0.0.1", port);
}


std::string errorOf(const std::string& json)
{
	Poco::JSON::Object::Ptr result = parseObject(json);
	return result->optValue<std::string>("ERROR", "");
}


} // namespace


class BadInputTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(BadInputTest);
	CPPUNIT_TEST(testWebSocketMatrix);
	CPPUNIT_TEST(testWebSocketFraming);
	CPPUNIT_TEST(testHttpMatrix);
	CPPUNIT_TEST(testGarbageWorkerIsDisconnected);
	CPPUNIT_TEST(testMisbehavingConnectionsDoNotStallOthers);
	CPPUNIT_TEST(testThousandConnections);
	CPPUNIT_TEST(testPausedFlooderIsServedOnceItReads);
	CPPUNIT_TEST(testTaskTooLargeForAWorkerFailsAlone);
	CPPUNIT_TEST_SUITE_END();

public:
	void setUp() override
	{
		_dir = std::make_unique<TempDir>();
		// The flooder checks flow control, not the per-client cap; the
		// thousand clients all connect before any sends, which may take
		// long in a sanitizer build (the limits have AbuseTest).
		_master = std::make_unique<NodeProcess>(*_dir, "m1", masterProperties("m1", "master.max_message_bytes = 65536\n"
			"client.max_in_flight = 100000\nnet.first_message_timeout_ms = 120000\n"));
		_master->start();
		_port = _master->masterPort();
		_worker = std::make_unique<NodeProcess>(*_dir, "w1", workerProperties("w1", "m1@127.0.0.1:" + std::to_string(_port), _dir->file("a.db")));
		_worker->start();
		CPPUNIT_ASSERT(_worker->waitForLog("connected to master m1"));
		MasterClient client(local(_port));
		client.call(parseObject("{\"TASK\":\"OPEN\",\"USER\":\"alice\",\"AMOUNT\":10}"));
	}

	void tearDown() override
	{
		_worker.reset();
		_master.reset();
		_dir.reset();
	}

	void testWebSocketMatrix()
	{
		MasterClient client(local(_port));
		const std::pair<const char*, const char*> cases[] = {
			{"{\"TASK\":", "Malformed JSON"},
			{"[1,2,3]", "Request must be a JSON object"},
			{"\"just a string\"", "Request must be a JSON object"},
			{"{\"TASK\":\"FROBNICATE\"}", "Unknown task: FROBNICATE"},
			{"{\"USER\":\"alice\"}", "Missing field: TASK"},
			{"{\"TASK\":\"QUERY\"}", "Missing field: USER"},
			{"{\"TASK\":\"UPDATE\",\"USER\":\"alice\",\"AMOUNT\":\"1.234\"}", "Invalid amount"},
			{"{\"TASK\":\"UPDATE\",\"USER\":\"alice\",\"AMOUNT\":1e400}", "Malformed JSON"},
			{"{\"TASK\":\"UPDATE\",\"USER\":\"alice\",\"AMOUNT\":99999999999999999999999}", "Malformed JSON"},
			{"{\"TASK\":\"QUERY\",\"USER\":7}", "Field USER must be a string"},
			{"{\"TASK\":\"QUERY\",\"USER\":\"alice\",\"REQUEST_ID\":{\"a\":1}}", "Field REQUEST_ID must be a string or a number"},
			{"{\"TASK\":\"UPDATE\",\"USER\":\"alice\",\"AMOUNT\":1,\"AMOUNT\":1000}", "Duplicate field: AMOUNT"},
			{"{\"TASK\":\"QUERY\",\"USER\":\"alice\"} trailing", "Malformed JSON"},
		};
		for (const auto& c: cases)
		{
			client.send(std::string(c.first));
			std::string error = errorOf(client.receive());
			CPPUNIT_ASSERT_MESSAGE(std::string(c.first) + " -> " + error, error.rfind(c.second, 0) == 0);
		}
		// The same connection still works.
		CPPUNIT_ASSERT_EQUAL(std::string("OK"), client.call(parseObject("{\"TASK\":\"QUERY\",\"USER\":\"alice\"}"))->getValue<std::string>("STATUS"));
	}

	void testWebSocketFraming()
	{
		{
			RawWebSocket big(_port, "/v1/client");
			try
			{
				big.sendFrame(FrameCodec::TEXT, std::string(10 << 20, 'x'));
			}
			catch (Poco::Exception&)
			{
				// The master may stop taking bytes once it has refused the frame.
			}
			CPPUNIT_ASSERT_EQUAL(1009, big.receiveClose());
		}
		{
			RawWebSocket binary(_port, "/v1/client");
			binary.sendFrame(FrameCodec::BINARY, "\x01\x02\x03");
			CPPUNIT_ASSERT_EQUAL(1003, binary.receiveClose());
		}
		{
			RawWebSocket unmasked(_port, "/v1/client");
			std::string frame;
			FrameCodec::encode(frame, FrameCodec::TEXT, "{}", 2, false);
			unmasked.sendRaw(frame);
			CPPUNIT_ASSERT_EQUAL(1002, unmasked.receiveClose());
		}
		{
			RawWebSocket early(_port, "/v1/client");
			early.socket().close();
		}
		{
			// Fragmented text plus a ping in the middle is fine.
			RawWebSocket fragmented(_port, "/v1/client");
			std::string first = "{\"TASK\":\"QUERY\",", second = "\"USER\":\"alice\"}";
			std::string start, ping, end;
			FrameCodec::encode(ping, FrameCodec::PING, "p", 1, true);
			FrameCodec::encode(start, FrameCodec::TEXT, first.data(), first.size(), true);
			start[0] = char(0x01);  // TEXT without FIN
			FrameCodec::encode(end, FrameCodec::CONTINUATION, second.data(), second.size(), true);
			fragmented.sendRaw(start + ping + end);
			std::string buffer;
			std::size_t offset = 0;
			FrameCodec codec(1 << 20, false);
			char chunk[4096];
			std::string reply;
			while (reply.empty())
			{
				int n = fragmented.socket().receiveBytes(chunk, sizeof(chunk));
				CPPUNIT_ASSERT(n > 0);
				buffer.append(chunk, static_cast<std::size_t>(n));
				while (codec.decode(buffer, offset) == FrameCodec::MESSAGE)
				{
					if (codec.opcode() == FrameCodec::TEXT) reply = codec.payload();
				}
			}
			CPPUNIT_ASSERT_MESSAGE(reply, reply.find("\"SALDO\":10.00") != std::string::npos);
		}
		MasterClient client(local(_port));
		CPPUNIT_ASSERT_EQUAL(std::string("OK"), client.call(parseObject("{\"TASK\":\"ECHO\"}"))->getValue<std::string>("STATUS"));
	}

	void testHttpMatrix()
	{
		int code = 0;
		std::string body = MasterClient::httpPost(local(_port), "/v1/tasks", "{not json", code);
		CPPUNIT_ASSERT_EQUAL(400, code);
		CPPUNIT_ASSERT(errorOf(body).rfind("Malformed JSON", 0) == 0);
		body = MasterClient::httpPost(local(_port), "/v1/tasks", "[1]", code);
		CPPUNIT_ASSERT_EQUAL(400, code);
		CPPUNIT_ASSERT_EQUAL(std::string("Request must be a JSON object"), errorOf(body));
		body = MasterClient::httpPost(local(_port), "/v1/tasks", "{\"TASK\":\"NOPE\"}", code);
		CPPUNIT_ASSERT_EQUAL(400, code);
		CPPUNIT_ASSERT_EQUAL(std::string("Unknown task: NOPE"), errorOf(body));
		body = MasterClient::httpPost(local(_port), "/v1/tasks", "{\"TASK\":\"UPDATE\",\"USER\":\"alice\",\"AMOUNT\":\"1.234\"}", code);
		CPPUNIT_ASSERT_EQUAL(400, code);
		CPPUNIT_ASSERT_EQUAL(std::string("Invalid amount"), errorOf(body));
		body = MasterClient::httpPost(local(_port), "/v1/tasks", std::string(10 << 20, ' '), code);
		CPPUNIT_ASSERT_EQUAL(413, code);
		httpGet(_port, "/nowhere", code);
		CPPUNIT_ASSERT_EQUAL(404, code);
		httpGet(_port, "/v1/tasks", code);
		CPPUNIT_ASSERT_EQUAL(405, code);
		httpGet(_port, "/v1/client", code);
		CPPUNIT_ASSERT_EQUAL(400, code);
		body = MasterClient::httpPost(local(_port), "/v1/tasks", "{\"TASK\":\"QUERY\",\"USER\":\"alice\"}", code);
		CPPUNIT_ASSERT_EQUAL(200, code);
	}

	void testGarbageWorkerIsDisconnected()
	{
		{
			RawWebSocket worker(_port, "/v1/worker");
			worker.sendFrame(FrameCodec::TEXT, "this is not json");
			CPPUNIT_ASSERT_EQUAL(1008, worker.receiveClose());
		}
		{
			RawWebSocket worker(_port, "/v1/worker");
			worker.sendFrame(FrameCodec::TEXT, "{\"STATUS\":\"OK\",\"TASK_ID\":\"m1-forged-1\"}");
			CPPUNIT_ASSERT_EQUAL(1008, worker.receiveClose());
		}
		{
			RawWebSocket worker(_port, "/v1/worker");
			worker.sendFrame(FrameCodec::TEXT, "{\"WORKER\":\"ALIVE\",\"WORKER_UUID\":\"evil\",\"TASKS\":[\"ECHO\"],\"CONCURRENCY\":\"lots\"}");
			CPPUNIT_ASSERT_EQUAL(1008, worker.receiveClose());
		}
		CPPUNIT_ASSERT(_master->waitForLog("unregistered worker from 127.0.0.1"));
		CPPUNIT_ASSERT(_master->log().find("bad ALIVE: Field CONCURRENCY must be an integer") != std::string::npos);
		MasterClient client(local(_port));
		CPPUNIT_ASSERT_EQUAL(std::string("OK"), client.call(parseObject("{\"TASK\":\"ECHO\"}"))->getValue<std::string>("STATUS"));
	}

	void testMisbehavingConnectionsDoNotStallOthers()
	{
		std::vector<double> before = roundTrips(200);
		// One peer stops mid-frame; another floods tasks and never reads.
		RawWebSocket half(_port, "/v1/client");
		half.sendRaw(std::string("\x81\xFE\x10", 3));
		RawWebSocket flood(_port, "/v1/client");
		std::string frames;
		for (int i = 0; i < 20000; ++i)
		{
			std::string text = "{\"TASK\":\"ECHO\",\"PAYLOAD\":\"" + std::string(200, 'f') + "\"}";
			FrameCodec::encode(frames, FrameCodec::TEXT, text.data(), text.size(), true);
		}
		flood.socket().setBlocking(false);
		std::size_t sent = 0;
		Poco::Timestamp floodStart;
		// Push until the socket buffers are full (the master stopped reading).
		while (sent < frames.size() && floodStart.elapsed() < 3000000)
		{
			int n = 0;
			try
			{
				n = flood.socket().sendBytes(frames.data() + sent, static_cast<int>(std::min<std::size_t>(65536, frames.size() - sent)));
			}
			catch (Poco::Exception&)
			{
				break;  // would block: the master is no longer reading it
			}
			if (n <= 0) break;
			sent += static_cast<std::size_t>(n);
		}
		std::vector<double> during = roundTrips(200);
		std::cout << "\n  round trip p99 before " << percentile(before, 0.99) << " ms, with a half frame and a flooder "
		          << percentile(during, 0.99) << " ms (flooder pushed " << (sent >> 10) << " KiB)" << std::endl;
		CPPUNIT_ASSERT_EQUAL(std::size_t(200), during.size());
	}

	void testThousandConnections()
	{
		const int CONNECTIONS = 1000;
		std::vector<std::unique_ptr<MasterClient>> clients;
		for (int i = 0; i < CONNECTIONS; ++i) clients.push_back(std::make_unique<MasterClient>(local(_port), Poco::Timespan(30, 0)));
		for (int i = 0; i < CONNECTIONS; ++i) clients[static_cast<std::size_t>(i)]->send("{\"TASK\":\"ECHO\",\"PAYLOAD\":" + std::to_string(i) + "}");
		for (int i = 0; i < CONNECTIONS; ++i)
		{
			Poco::JSON::Object::Ptr result = parseObject(clients[static_cast<std::size_t>(i)]->receive());
			CPPUNIT_ASSERT_EQUAL(i, result->getValue<int>("PAYLOAD"));
		}
		int code = 0;
		std::string body = httpGet(_port, "/v1/status", code);
		CPPUNIT_ASSERT_EQUAL(CONNECTIONS, parseObject(body)->getValue<int>("clients"));
	}

	void testPausedFlooderIsServedOnceItReads()
	{
		// A client that floods without reading is paused (more than 1 MiB
		// of replies waiting); once it reads, it must get every answer.
		const int TASKS = 20000;
		MasterClient client(local(_port), Poco::Timespan(60, 0));
		std::string task = "{\"TASK\":\"ECHO\",\"PAYLOAD\":\"" + std::string(1000, 'p') + "\"}";
		std::exception_ptr failure;
		std::thread sender([&]
		{
			try
			{
				for (int i = 0; i < TASKS; ++i) client.send(task);
			}
			catch (...)
			{
				failure = std::current_exception();
			}
		});
		int code = 0;
		// Wait until the master has stopped reading this client and has
		// finished everything it took: only the client's reading can move
		// things now.
		auto paused = [&]
		{
			Poco::JSON::Object::Ptr status = parseObject(httpGet(_port, "/v1/status", code));
			Poco::JSON::Object::Ptr counters = status->getObject("counters");
			int submitted = counters->getValue<int>("submitted");
			return submitted >= 5000 && submitted < TASKS && counters->getValue<int>("completed") >= submitted - 1
				&& status->getObject("queue")->getValue<int>("in_flight") == 0;
		};
		bool backlog = waitFor(paused, Poco::Timespan(60, 0));
		int received = 0;
		try
		{
			for (; received < TASKS; ++received) client.receive();
		}
		catch (Poco::Exception&)
		{
			// counted below
		}
		sender.join();
		CPPUNIT_ASSERT(backlog);
		CPPUNIT_ASSERT(!failure);
		CPPUNIT_ASSERT_EQUAL(TASKS, received);
	}

	void testTaskTooLargeForAWorkerFailsAlone()
	{
		// Just under the 64 KiB limit from the client (with REQUEST_ID), over
		// it once the master swaps REQUEST_ID for TASK_ID and ATTEMPT: the
		// task must fail on its own, without costing the worker its link (and the tasks it
		// holds their attempts).
		MasterClient client(local(_port), Poco::Timespan(30, 0));
		std::string head = "{\"PAYLOAD\":\"", tail = "\",\"TASK\":\"ECHO\"}";
		std::string request = head + std::string(65536 - 35 - head.size() - tail.size(), 'x') + tail;
		Poco::JSON::Object::Ptr result = client.call(parseObject(request));
		std::string error = result->optValue<std::string>("ERROR", "");
		CPPUNIT_ASSERT_MESSAGE(error, error.find("too large for a worker") != std::string::npos);
		CPPUNIT_ASSERT_MESSAGE(_worker->log(), _worker->log().find("lost master") == std::string::npos);
		CPPUNIT_ASSERT_EQUAL(std::string("OK"), client.call(parseObject("{\"TASK\":\"ECHO\"}"))->getValue<std::string>("STATUS"));
	}

private:
	std::vector<double> roundTrips(int count)
	{
		MasterClient client(local(_port), Poco::Timespan(10, 0));
		std::vector<double> ms;
		for (int i = 0; i < count; ++i)
		{
			Poco::Timestamp start;
			Poco::JSON::Object::Ptr result = client.call(parseObject("{\"TASK\":\"ECHO\"}"));
			if (result->optValue<std::string>("STATUS", "") != "OK") break;
			ms.push_back(static_cast<double>(start.elapsed()) / 1000.0);
		}
		return ms;
	}

	static double percentile(std::vector<double> values, double p)
	{
		if (values.empty()) return 0;
		std::sort(values.begin(), values.end());
		return values[static_cast<std::size_t>(p * static_cast<double>(values.size() - 1))];
	}

	std::unique_ptr<TempDir> _dir;
	std::unique_ptr<NodeProcess> _master;
	std::unique_ptr<NodeProcess> _worker;
	Poco::UInt16 _port = 0;
};


CPPUNIT_TEST_SUITE_REGISTRATION(BadInputTest);

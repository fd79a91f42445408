//
// AbuseTest.cpp
//
// One test per attack on a master from clients and strangers on its
// network (issue 12: tokens, browsers, limits), against real processes:
// each attack gets a clear refusal or is dropped, and the master keeps
// serving everyone else.
//


#include "json/JsonObject.h"
#include "TestSupport.h"
#include "ctl/MasterClient.h"
#include "net/FrameCodec.h"
#include "Poco/Net/NetException.h"
#include "Poco/Net/StreamSocket.h"
#include "Poco/Clock.h"
#include <cppunit/extensions/HelperMacros.h>
#include <arpa/inet.h>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <netinet/in.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>


using orchd::FrameCodec;
using orchd::MasterClient;
using orchd::parseObject;
using orchd::toText;
using namespace orchd::test;


namespace {


orchd::DialSecurity presenting(const std::string& token)
	/// A plain connection that presents this client token.
{
	orchd::DialSecurity security;
	security.bearerToken = token;
	return security;
}


const std::string ALICE = "alice-secret-0000000001";
const std::string BOB = "bob-secret-00000000002";
const std::string MONITOR = "monitor-secret-000000003";
const std::string TOKENS =
	"# test tokens\n"
	"alice submit " + ALICE + "\n"
	"bob submit " + BOB + "\n"
	"monitor read " + MONITOR + "\n";


Poco::Net::SocketAddress local(Poco::UInt16 port)
{
	return Poco::Net::SocketAddress("127.0.0.1", port);
}


std::string upgradeRequest(const std::string& path, const std::string& extraHeaders = std::string())
{
	return "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" + extraHeaders + "\r\n";
}


int connectFrom(const std::string& source, Poco::UInt16 port, int receiveBuffer = 0)
	/// A blocking TCP socket from source (any 127.x.y.z is this host) to
	/// the master; receiveBuffer, if set, before connecting.
{
	int fd = ::socket(AF_INET, SOCK_STREAM, 0);
	CPPUNIT_ASSERT(fd >= 0);
	if (receiveBuffer) ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receiveBuffer, sizeof(receiveBuffer));
	sockaddr_in from{};
	from.sin_family = AF_INET;
	::inet_pton(AF_INET, source.c_str(), &from.sin_addr);
	CPPUNIT_ASSERT_EQUAL_MESSAGE("bind " + source, 0, ::bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof(from)));
	sockaddr_in to{};
	to.sin_family = AF_INET;
	to.sin_port = htons(port);
	::inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
	CPPUNIT_ASSERT_EQUAL(0, ::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof(to)));
	timeval timeout{10, 0};
	::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
	return fd;
}


bool sendAll(int fd, const std::string& bytes)
{
	std::size_t sent = 0;
	while (sent < bytes.size())
	{
		ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR) continue;
		if (n <= 0) return false;
		sent += static_cast<std::size_t>(n);
	}
	return true;
}


std::string receiveUntilClosed(int fd)
	/// What the master sends until it closes (or 10 s pass).
{
	std::string text;
	char buffer[4096];
	for (;;)
	{
		ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
		if (n <= 0) return text;
		text.append(buffer, static_cast<std::size_t>(n));
	}
}


std::string rawExchange(Poco::UInt16 port, const std::string& request, const std::string& source = "127.0.0.1")
	/// Sends raw bytes and returns the whole answer (the master closes:
	/// one request per connection).
{
	int fd = connectFrom(source, port);
	sendAll(fd, request);
	std::string head;
	char c;
	// An upgrade answered 101 stays open: read its head only.
	while (head.find("\r\n\r\n") == std::string::npos && ::recv(fd, &c, 1, 0) == 1) head += c;
	if (head.find(" 101 ") == std::string::npos) head += receiveUntilClosed(fd);
	::close(fd);
	return head;
}


std::string post(const std::string& body, const std::string& headers)
{
	return "POST /v1/tasks HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}


std::string statusLine(const std::string& response)
{
	return response.substr(0, response.find("\r\n"));
}


int closeCode(int fd)
	/// Reads frames until the master's close frame; its status code, or 0
	/// if the connection just ended.
{
	std::string buffer;
	std::size_t offset = 0;
	FrameCodec codec(64 << 20, false);
	char chunk[4096];
	for (;;)
	{
		ssize_t n = ::recv(fd, chunk, sizeof(chunk), 0);
		if (n <= 0) return 0;
		buffer.append(chunk, static_cast<std::size_t>(n));
		while (codec.decode(buffer, offset) == FrameCodec::MESSAGE)
		{
			if (codec.opcode() == FrameCodec::CLOSE && codec.payload().size() >= 2)
				return (static_cast<unsigned char>(codec.payload()[0]) << 8) | static_cast<unsigned char>(codec.payload()[1]);
		}
	}
}


int openWebSocket(Poco::UInt16 port, const std::string& path, int receiveBuffer = 0)
{
	int fd = connectFrom("127.0.0.1", port, receiveBuffer);
	sendAll(fd, upgradeRequest(path));
	std::string head;
	char c;
	while (head.find("\r\n\r\n") == std::string::npos && ::recv(fd, &c, 1, 0) == 1) head += c;
	CPPUNIT_ASSERT_MESSAGE(head, head.find(" 101 ") != std::string::npos);
	return fd;
}


std::string frame(int opcode, const std::string& payload)
{
	std::string bytes;
	FrameCodec::encode(bytes, opcode, payload.data(), payload.size(), true);
	return bytes;
}


Poco::JSON::Object::Ptr call(MasterClient& client, const std::string& request)
{
	return client.call(parseObject(request));
}


std::string statusOf(Poco::JSON::Object::Ptr result)
{
	return result->optValue<std::string>("STATUS", "") + (result->has("ERROR") ? " " + result->getValue<std::string>("ERROR") : std::string());
}


} // namespace


class AbuseTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(AbuseTest);
	CPPUNIT_TEST(testTokensGuardEveryEndpointButHealth);
	CPPUNIT_TEST(testOrchctlSendsItsToken);
	CPPUNIT_TEST(testClientsCannotMeetEachOthersKeysNorPreclaimTaskIds);
	CPPUNIT_TEST(testForeignOriginRefused);
	CPPUNIT_TEST(testTextPlainPostRefused);
	CPPUNIT_TEST(testNonReadingPingerDropped);
	CPPUNIT_TEST(testSilentConnectionClosedAtDeadline);
	CPPUNIT_TEST(testTricklingHeadersDoNotStarveClients);
	CPPUNIT_TEST(testHandshakesPerAddressLimited);
	CPPUNIT_TEST(testBigTasksGetBusyOnBytes);
	CPPUNIT_TEST(testClientInFlightCap);
	CPPUNIT_TEST(testConnectionCap);
	CPPUNIT_TEST_SUITE_END();

public:
	void setUp() override
	{
		_dir = std::make_unique<TempDir>();
		writeFile(_dir->file("tokens"), TOKENS);
	}

	void tearDown() override
	{
		_worker.reset();
		_master.reset();
		_dir.reset();
	}

	void testTokensGuardEveryEndpointButHealth()
	{
		startMaster("auth.tokens_file = " + _dir->file("tokens") + "\n");
		startWorker();
		const std::string echo = "{\"TASK\":\"ECHO\",\"PAYLOAD\":1}";
		const std::string json = "Content-Type: application/json\r\n";
		auto bearer = [](const std::string& secret) { return "Authorization: Bearer " + secret + "\r\n"; };
		std::string missing = rawExchange(_port, "GET /v1/status HTTP/1.1\r\nHost: x\r\n\r\n");
		CPPUNIT_ASSERT_EQUAL_MESSAGE(missing, std::string("HTTP/1.1 401 Unauthorized"), statusLine(missing));
		CPPUNIT_ASSERT_MESSAGE(missing, missing.find("WWW-Authenticate: Bearer") != std::string::npos);
		CPPUNIT_ASSERT_MESSAGE(missing, missing.find("Authorization: Bearer TOKEN required") != std::string::npos);
		std::string wrong = rawExchange(_port, "GET /v1/status HTTP/1.1\r\nHost: x\r\n" + bearer(ALICE + "x") + "\r\n");
		CPPUNIT_ASSERT_EQUAL_MESSAGE(wrong, std::string("HTTP/1.1 401 Unauthorized"), statusLine(wrong));
		std::string noRole = rawExchange(_port, "GET /v1/status HTTP/1.1\r\nHost: x\r\n" + bearer(ALICE) + "\r\n");
		CPPUNIT_ASSERT_EQUAL_MESSAGE(noRole, std::string("HTTP/1.1 403 Forbidden"), statusLine(noRole));
		CPPUNIT_ASSERT_EQUAL(std::string("HTTP/1.1 200 OK"), statusLine(rawExchange(_port, "GET /v1/status HTTP/1.1\r\nHost: x\r\n" + bearer(MONITOR) + "\r\n")));
		CPPUNIT_ASSERT_EQUAL(std::string("HTTP/1.1 200 OK"), statusLine(rawExchange(_port, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")));

		CPPUNIT_ASSERT_EQUAL(std::string("HTTP/1.1 401 Unauthorized"), statusLine(rawExchange(_port, post(echo, json))));
		CPPUNIT_ASSERT_EQUAL(std::string("HTTP/1.1 403 Forbidden"), statusLine(rawExchange(_port, post(echo, json + bearer(MONITOR)))));
		std::string posted = rawExchange(_port, post(echo, json + bearer(ALICE)));
		CPPUNIT_ASSERT_EQUAL_MESSAGE(posted, std::string("HTTP/1.1 200 OK"), statusLine(posted));

		CPPUNIT_ASSERT_EQUAL(std::string("HTTP/1.1 401 Unauthorized"), statusLine(rawExchange(_port, upgradeRequest("/v1/client"))));
		CPPUNIT_ASSERT_EQUAL(std::string("HTTP/1.1 401 Unauthorized"), statusLine(rawExchange(_port, upgradeRequest("/v1/client", bearer("not-a-token-at-all")))));
		CPPUNIT_ASSERT_EQUAL(std::string("HTTP/1.1 403 Forbidden"), statusLine(rawExchange(_port, upgradeRequest("/v1/client", bearer(MONITOR)))));
		CPPUNIT_ASSERT_EQUAL(std::string("HTTP/1.1 101 Switching Protocols"), statusLine(rawExchange(_port, upgradeRequest("/v1/client", bearer(BOB)))));
		MasterClient client(local(_port), Poco::Timespan(10, 0), presenting(BOB));
		CPPUNIT_ASSERT_EQUAL(std::string("OK"), statusOf(call(client, echo)));
		CPPUNIT_ASSERT(_master->log().find("no auth.tokens_file") == std::string::npos);
	}

	void testOrchctlSendsItsToken()
	{
		startMaster("auth.tokens_file = " + _dir->file("tokens") + "\n");
		startWorker();
		std::string master = "127.0.0.1:" + std::to_string(_port);
		ProcessResult refused = runProcess(orchctlBinary(), {"--master", master, "submit", "{\"TASK\":\"ECHO\"}"});
		CPPUNIT_ASSERT_EQUAL_MESSAGE(refused.err, 77, refused.exitCode);
		writeFile(_dir->file("alice.token"), "# alice's\n" + ALICE + "\n");
		ProcessResult sent = runProcess(orchctlBinary(), {"--master", master, "--token-file", _dir->file("alice.token"), "submit", "{\"TASK\":\"ECHO\"}"});
		CPPUNIT_ASSERT_EQUAL_MESSAGE(sent.out + sent.err, 0, sent.exitCode);
		::setenv("ORCHD_TOKEN", MONITOR.c_str(), 1);
		ProcessResult status = runProcess(orchctlBinary(), {"--master", master, "status", "--json"});
		ProcessResult submit = runProcess(orchctlBinary(), {"--master", master, "submit", "{\"TASK\":\"ECHO\"}"});
		::unsetenv("ORCHD_TOKEN");
		CPPUNIT_ASSERT_EQUAL_MESSAGE(status.out + status.err, 0, status.exitCode);
		CPPUNIT_ASSERT_EQUAL_MESSAGE(submit.out + submit.err, 77, submit.exitCode);
	}

	void testClientsCannotMeetEachOthersKeysNorPreclaimTaskIds()
	{
		startMaster("auth.tokens_file = " + _dir->file("tokens") + "\n");
		startWorker();
		MasterClient alice(local(_port), Poco::Timespan(10, 0), presenting(ALICE));
		MasterClient bob(local(_port), Poco::Timespan(10, 0), presenting(BOB));
		CPPUNIT_ASSERT_EQUAL(std::string("OK"), statusOf(call(alice, "{\"TASK\":\"OPEN\",\"USER\":\"acc-a\",\"AMOUNT\":100}")));
		CPPUNIT_ASSERT_EQUAL(std::string("OK"), statusOf(call(bob, "{\"TASK\":\"OPEN\",\"USER\":\"acc-b\",\"AMOUNT\":100}")));
		// The same key from two clients: two operations, two balances.
		Poco::JSON::Object::Ptr first = call(alice, "{\"TASK\":\"UPDATE\",\"USER\":\"acc-a\",\"AMOUNT\":1,\"IDEMPOTENCY_KEY\":\"k1\"}");
		Poco::JSON::Object::Ptr second = call(bob, "{\"TASK\":\"UPDATE\",\"USER\":\"acc-b\",\"AMOUNT\":2,\"IDEMPOTENCY_KEY\":\"k1\"}");
		CPPUNIT_ASSERT_EQUAL(std::string("OK"), statusOf(first));
		CPPUNIT_ASSERT_EQUAL_MESSAGE(toText(*second), std::string("OK"), statusOf(second));
		CPPUNIT_ASSERT(!second->has("REPLAYED"));
		CPPUNIT_ASSERT_EQUAL(10200, second->getValue<int>("SALDO_CENTS"));
		// Each replays its own.
		Poco::JSON::Object::Ptr again = call(alice, "{\"TASK\":\"UPDATE\",\"USER\":\"acc-a\",\"AMOUNT\":1,\"IDEMPOTENCY_KEY\":\"k1\"}");
		CPPUNIT_ASSERT(again->optValue<bool>("REPLAYED", false));
		CPPUNIT_ASSERT_EQUAL(10100, again->getValue<int>("SALDO_CENTS"));

		// alice learns the task ids (the master's prefix and a sequence) and
		// claims the ten after her next ten tasks as her keys.
		std::string taskId = first->getValue<std::string>("TASK_ID");
		std::string prefix = taskId.substr(0, taskId.rfind('-') + 1);
		std::uint64_t next = std::stoull(taskId.substr(prefix.size())) + 3;  // after first, second, again
		for (std::uint64_t i = 0; i < 10; ++i)
		{
			std::string claimed = prefix + std::to_string(next + 10 + i);
			Poco::JSON::Object::Ptr result = call(alice, "{\"TASK\":\"UPDATE\",\"USER\":\"acc-a\",\"AMOUNT\":1,\"IDEMPOTENCY_KEY\":\"" + claimed + "\"}");
			CPPUNIT_ASSERT_EQUAL(prefix + std::to_string(next + i), result->getValue<std::string>("TASK_ID"));
		}
		// bob's keyless tasks get exactly those ids: each must still apply.
		for (int i = 1; i <= 10; ++i)
		{
			Poco::JSON::Object::Ptr result = call(bob, "{\"TASK\":\"UPDATE\",\"USER\":\"acc-b\",\"AMOUNT\":1}");
			CPPUNIT_ASSERT_EQUAL_MESSAGE(toText(*result), std::string("OK"), statusOf(result));
			CPPUNIT_ASSERT(!result->has("REPLAYED"));
		}
		CPPUNIT_ASSERT_EQUAL(11200, call(bob, "{\"TASK\":\"QUERY\",\"USER\":\"acc-b\"}")->getValue<int>("SALDO_CENTS"));
		// The namespace costs key length, and the refusal says how much.
		Poco::JSON::Object::Ptr tooLong = call(alice, "{\"TASK\":\"UPDATE\",\"USER\":\"acc-a\",\"AMOUNT\":1,\"IDEMPOTENCY_KEY\":\"" + std::string(122, 'k') + "\"}");
		CPPUNIT_ASSERT_EQUAL(std::string("NOK Field IDEMPOTENCY_KEY must have 1 to 120 characters (stored as c:alice:KEY, at most 128)"), statusOf(tooLong));
		CPPUNIT_ASSERT_EQUAL(std::string("OK"), statusOf(call(alice, "{\"TASK\":\"UPDATE\",\"USER\":\"acc-a\",\"AMOUNT\":1,\"IDEMPOTENCY_KEY\":\"" + std::string(120, 'k') + "\"}")));
	}

	void testForeignOriginRefused()
	{
		startMaster("http.allowed_origins = https://console.example, http://localhost:8080\n");
		for (const char* path: {"/v1/client", "/v1/worker", "/v1/peer"})
		{
			std::string refused = rawExchange(_port, upgradeRequest(path, "Origin: http://evil.example\r\n"));
			CPPUNIT_ASSERT_EQUAL_MESSAGE(refused, std::string("HTTP/1.1 403 Forbidden"), statusLine(refused));
			CPPUNIT_ASSERT_MESSAGE(refused, refused.find("Origin http://evil.example is not allowed (http.allowed_origins)") != std::string::npos);
		}
		CPPUNIT_ASSERT_EQUAL(std::string("HTTP/1.1 101 Switching Protocols"), statusLine(rawExchange(_port, upgradeRequest("/v1/client", "Origin: http://localhost:8080\r\n"))));
		CPPUNIT_ASSERT_EQUAL(std::string("HTTP/1.1 101 Switching Protocols"), statusLine(rawExchange(_port, upgradeRequest("/v1/client"))));
	}

	void testTextPlainPostRefused()
	{
		startMaster();
		const std::string body = "{\"TASK\":\"NOPE\"}";
		std::string plain = rawExchange(_port, post(body, "Content-Type: text/plain\r\n"));
		CPPUNIT_ASSERT_EQUAL_MESSAGE(plain, std::string("HTTP/1.1 415 Unsupported Media Type"), statusLine(plain));
		CPPUNIT_ASSERT_MESSAGE(plain, plain.find("POST /v1/tasks needs Content-Type: application/json") != std::string::npos);
		CPPUNIT_ASSERT_EQUAL(std::string("HTTP/1.1 415 Unsupported Media Type"), statusLine(rawExchange(_port, post(body, ""))));
		CPPUNIT_ASSERT_EQUAL(std::string("HTTP/1.1 415 Unsupported Media Type"), statusLine(rawExchange(_port, post(body, "Content-Type: application/x-www-form-urlencoded\r\n"))));
		// JSON gets through to the task checks.
		std::string json = rawExchange(_port, post(body, "Content-Type: application/json; charset=utf-8\r\n"));
		CPPUNIT_ASSERT_EQUAL_MESSAGE(json, std::string("HTTP/1.1 400 Bad Request"), statusLine(json));
		CPPUNIT_ASSERT(json.find("Unknown task: NOPE") != std::string::npos);
	}

	void testNonReadingPingerDropped()
	{
		startMaster();
		startWorker();
		long before = _master->rssKiB();
		// A worker connection (always read) that pings and never reads.
		int fd = openWebSocket(_port, "/v1/worker", 4096);
		sendAll(fd, frame(FrameCodec::TEXT, "{\"WORKER\":\"ALIVE\",\"WORKER_UUID\":\"pinger\",\"TASKS\":[\"NONE\"],\"CONCURRENCY\":1}"));
		std::string pings;
		for (int i = 0; i < 512; ++i) pings += frame(FrameCodec::PING, std::string(125, 'p'));
		// Without the cap the master answers every PING: 1 GiB sent would
		// cost it about that much. With it, it drops us after 64 MiB of
		// PONGs (the bound below leaves room for a sanitizer's quarantine).
		std::size_t sent = 0;
		const std::size_t LIMIT = std::size_t(1) << 30;
		while (sent < LIMIT && sendAll(fd, pings)) sent += pings.size();
		long after = _master->rssKiB();
		::close(fd);
		CPPUNIT_ASSERT_MESSAGE("never dropped after " + std::to_string(sent >> 20) + " MiB of pings", sent < LIMIT);
		CPPUNIT_ASSERT_MESSAGE("RSS " + std::to_string(before) + " -> " + std::to_string(after) + " KiB", after - before < 400 * 1024);
		CPPUNIT_ASSERT(_master->waitForLog("slow consumer: more than 64 MiB of replies (PONGs) unread"));
		MasterClient client(local(_port));
		CPPUNIT_ASSERT_EQUAL(std::string("OK"), statusOf(call(client, "{\"TASK\":\"ECHO\"}")));
	}

	void testSilentConnectionClosedAtDeadline()
	{
		startMaster("net.first_message_timeout_ms = 500\n");
		startWorker();
		for (const char* path: {"/v1/client", "/v1/worker", "/v1/peer"})
		{
			Poco::Clock opened;
			int fd = openWebSocket(_port, path);
			// A PING is not a message: it does not hold the deadline off.
			sendAll(fd, frame(FrameCodec::PING, "x"));
			CPPUNIT_ASSERT_EQUAL(1008, closeCode(fd));
			::close(fd);
			CPPUNIT_ASSERT_MESSAGE(std::to_string(opened.elapsed()), opened.elapsed() >= 450000 && opened.elapsed() < 5000000);
		}
		CPPUNIT_ASSERT(_master->waitForLog("closed: no message within 500 ms of connecting"));
		// The real worker said ALIVE at once and is still there.
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), workerCount(_port));
		MasterClient client(local(_port));
		CPPUNIT_ASSERT_EQUAL(std::string("OK"), statusOf(call(client, "{\"TASK\":\"ECHO\"}")));
	}

	void testTricklingHeadersDoNotStarveClients()
	{
		// As many tricklers as HTTP threads, each sending a header byte
		// every 100 ms: under any per-read timeout, for ever.
		const int THREADS = 4;
		startMaster("master.http_threads = 4\nhttp.header_timeout_ms = 1500\nhttp.max_handshakes_per_address = 100\n");
		std::vector<int> tricklers;
		for (int i = 0; i < THREADS; ++i) tricklers.push_back(connectFrom("127.0.0.2", _port));
		std::atomic<bool> stop{false};
		std::thread trickle([&]
		{
			const std::string head = "GET /v1/status HTTP/1.1\r\nX-Slow: " + std::string(200, 'a');
			for (std::size_t at = 0; at < head.size() && !stop; ++at)
			{
				for (int fd: tricklers) ::send(fd, &head[at], 1, MSG_NOSIGNAL);
				std::this_thread::sleep_for(std::chrono::milliseconds(100));
			}
		});
		// They connected first, so they are first to be given threads.
		Poco::Clock started;
		std::string error;
		bool served = false;
		try
		{
			MasterClient client(local(_port), Poco::Timespan(8, 0));
			served = statusOf(call(client, "{\"TASK\":\"NOPE\"}")).rfind("NOK Unknown task", 0) == 0;
		}
		catch (Poco::Exception& exc)
		{
			error = exc.displayText();
		}
		Poco::Clock::ClockDiff waited = started.elapsed();
		stop = true;
		trickle.join();
		std::string answers, expected;
		for (int fd: tricklers)
		{
			answers += statusLine(receiveUntilClosed(fd)) + "; ";
			expected += "HTTP/1.1 408 Request Timeout; ";
			::close(fd);
		}
		CPPUNIT_ASSERT_MESSAGE(error, served);
		CPPUNIT_ASSERT_MESSAGE(std::to_string(waited), waited < 6000000);
		CPPUNIT_ASSERT_EQUAL(expected, answers);
	}

	void testHandshakesPerAddressLimited()
	{
		startMaster("http.max_handshakes_per_address = 2\nhttp.header_timeout_ms = 10000\n");
		int first = connectFrom("127.0.0.2", _port), second = connectFrom("127.0.0.2", _port);
		sendAll(first, "GET /v1/st");
		sendAll(second, "GET /v1/st");
		auto http = [this](const std::string& name) { return masterStatus(_port)->getObject("http")->getValue<int>(name); };
		// (The status request has left the count by the time it is answered.)
		CPPUNIT_ASSERT(waitFor([&] { return http("waiting_heads") == 2; }));
		// Both are waiting for their heads; a third from there is refused
		// at once, without waiting for its own head.
		int fd = connectFrom("127.0.0.2", _port);
		std::string third = receiveUntilClosed(fd);
		::close(fd);
		CPPUNIT_ASSERT_EQUAL(1, http("refused"));
		CPPUNIT_ASSERT_MESSAGE(third, third.find("too many unfinished handshakes from 127.0.0.2 (http.max_handshakes_per_address = 2)") != std::string::npos);
		// Another address is served.
		CPPUNIT_ASSERT_EQUAL(std::string("HTTP/1.1 200 OK"), statusLine(rawExchange(_port, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")));
		// Once a head is complete, the address has room again.
		sendAll(first, "atus HTTP/1.1\r\nHost: x\r\n\r\n");
		CPPUNIT_ASSERT_EQUAL(std::string("HTTP/1.1 200 OK"), statusLine(receiveUntilClosed(first)));
		CPPUNIT_ASSERT(waitFor([&]
		{
			return statusLine(rawExchange(_port, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", "127.0.0.2")) == "HTTP/1.1 200 OK";
		}, Poco::Timespan(5, 0)));
		::close(first);
		::close(second);
	}

	void testBigTasksGetBusyOnBytes()
	{
		// No worker: tasks stay queued. 1 MiB of bytes holds five tasks of
		// 200 KB, far below queue.capacity.
		startMaster("master.max_message_bytes = 262144\nqueue.max_bytes = 1048576\n");
		MasterClient big(local(_port));
		const std::string task = "{\"TASK\":\"ECHO\",\"PAYLOAD\":\"" + std::string(200000, 'x') + "\"}";
		for (int i = 0; i < 6; ++i) big.send(task);
		Poco::JSON::Object::Ptr busy = parseObject(big.receive());
		CPPUNIT_ASSERT_EQUAL(std::string("NOK BUSY"), statusOf(busy));
		CPPUNIT_ASSERT(busy->getValue<std::string>("REASON").rfind("queue.max_bytes: ", 0) == 0);
		// A small task from someone else still fits.
		MasterClient small(local(_port));
		small.send("{\"TASK\":\"ECHO\",\"PAYLOAD\":1}");
		CPPUNIT_ASSERT(waitFor([&] { return masterStatus(_port)->getObject("queue")->getValue<int>("depth") == 6; }));
		Poco::JSON::Object::Ptr counters = masterStatus(_port)->getObject("counters");
		CPPUNIT_ASSERT_EQUAL(1, counters->getValue<int>("rejected_busy_bytes"));
		CPPUNIT_ASSERT_EQUAL(0, counters->getValue<int>("rejected_busy"));
	}

	void testClientInFlightCap()
	{
		startMaster("auth.tokens_file = " + _dir->file("tokens") + "\nclient.max_in_flight = 3\n");
		MasterClient alice(local(_port), Poco::Timespan(10, 0), presenting(ALICE));
		for (int i = 0; i < 4; ++i) alice.send("{\"TASK\":\"ECHO\",\"PAYLOAD\":" + std::to_string(i) + "}");
		Poco::JSON::Object::Ptr busy = parseObject(alice.receive());
		CPPUNIT_ASSERT_EQUAL(std::string("NOK BUSY"), statusOf(busy));
		CPPUNIT_ASSERT_EQUAL(std::string("client.max_in_flight: this client has 3 tasks unanswered"), busy->getValue<std::string>("REASON"));
		// The cap is alice's, on every connection of hers, not bob's.
		MasterClient aliceAgain(local(_port), Poco::Timespan(10, 0), presenting(ALICE));
		aliceAgain.send("{\"TASK\":\"ECHO\"}");
		CPPUNIT_ASSERT_EQUAL(std::string("NOK BUSY"), statusOf(parseObject(aliceAgain.receive())));
		MasterClient bob(local(_port), Poco::Timespan(10, 0), presenting(BOB));
		bob.send("{\"TASK\":\"ECHO\"}");
		bob.send("{\"TASK\":\"ECHO\"}");
		auto depth = [this]
		{
			int code = 0;
			std::string body = MasterClient::httpGet(local(_port), "/v1/status", code, Poco::Timespan(10, 0), presenting(MONITOR));
			return code == 200 ? parseObject(body)->getObject("queue")->getValue<int>("depth") : -1;
		};
		CPPUNIT_ASSERT(waitFor([&] { return depth() == 5; }));
		// Answered tasks free the credit.
		startWorker();
		CPPUNIT_ASSERT(waitFor([&] { return depth() == 0; }));
		MasterClient aliceLater(local(_port), Poco::Timespan(10, 0), presenting(ALICE));
		CPPUNIT_ASSERT_EQUAL(std::string("OK"), statusOf(call(aliceLater, "{\"TASK\":\"ECHO\"}")));
	}

	void testConnectionCap()
	{
		startMaster("net.max_connections = 16\n");
		std::vector<std::unique_ptr<MasterClient>> clients;
		for (int i = 0; i < 16; ++i)
		{
			clients.push_back(std::make_unique<MasterClient>(local(_port)));
			clients.back()->send("{\"TASK\":\"NOPE\"}");
			clients.back()->receive();
		}
		std::string refused = rawExchange(_port, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
		CPPUNIT_ASSERT_MESSAGE(refused, refused.find("HTTP/1.1 503") == 0);
		CPPUNIT_ASSERT_MESSAGE(refused, refused.find("too many connections (net.max_connections = 16)") != std::string::npos);
		// The connections in place are served; one gone makes room.
		clients.front()->send("{\"TASK\":\"NOPE\"}");
		CPPUNIT_ASSERT(parseObject(clients.front()->receive())->has("ERROR"));
		clients.pop_back();
		CPPUNIT_ASSERT(waitFor([&]
		{
			return statusLine(rawExchange(_port, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")) == "HTTP/1.1 200 OK";
		}));
	}

private:
	void startMaster(const std::string& extra = std::string())
	{
		_master = std::make_unique<NodeProcess>(*_dir, "m1", masterProperties("m1", extra));
		_master->start();
		_port = _master->masterPort();
	}

	void startWorker()
	{
		_worker = std::make_unique<NodeProcess>(*_dir, "w1", workerProperties("w1", "m1@127.0.0.1:" + std::to_string(_port), _dir->file("a.db")));
		_worker->start();
		CPPUNIT_ASSERT(_worker->waitForLog("connected to master m1"));
	}

	std::unique_ptr<TempDir> _dir;
	std::unique_ptr<NodeProcess> _master;
	std::unique_ptr<NodeProcess> _worker;
	Poco::UInt16 _port = 0;
};


CPPUNIT_TEST_SUITE_REGISTRATION(AbuseTest);

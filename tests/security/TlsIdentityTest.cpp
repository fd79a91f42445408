//
// TlsIdentityTest.cpp
//
// TLS and node identity with real processes and certificates made here
// with the openssl command: a cluster CA, node certificates for masters
// and workers, an impostor's certificate from the same CA, and one from
// another CA. Plain HTTP on a TLS port, a wrong CA, an impostor's
// WORKER_UUID, an unlisted or impostor peer and a missing or wrong cluster
// token are each refused, and the master keeps serving; openssl s_client
// checks the TLS side against an implementation that is not orchd's.
//


#include "json/JsonObject.h"
#include "TestSupport.h"
#include "ctl/MasterClient.h"
#include "net/NodeSecurity.h"
#include "net/WebSocketClient.h"
#include "Poco/Clock.h"
#include "Poco/File.h"
#include "Poco/JSON/Array.h"
#include "Poco/JSON/Object.h"
#include "Poco/Net/NetException.h"
#include "Poco/Net/WebSocket.h"
#include <cppunit/extensions/HelperMacros.h>
#include <csignal>
#include <memory>
#include <thread>


using orchd::DialSecurity;
using orchd::MasterClient;
using orchd::TlsContext;
using orchd::TlsFiles;
using orchd::WebSocketClient;
using orchd::parseObject;
using namespace orchd::test;


namespace {


const char* const OPENSSL = "/usr/bin/openssl";


ORCHD_TEST_SKIP_UNLESS(TlsIdentityTest, []
{
	return Poco::File(OPENSSL).exists() ? std::string() : std::string("no openssl command to make the test certificates (apt-get install openssl)");
});


class TestPki
	/// Certificates in a folder: CA-NAME.pem and CA-NAME.key for a node
	/// certificate NAME signed by CA (CN and DNS SAN NAME), CA.pem for a CA.
{
public:
	explicit TestPki(const TempDir& dir):
		_dir(dir)
	{
	}

	void ca(const std::string& name) const
	{
		openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
			"-keyout", _dir.file(name + ".key"), "-out", _dir.file(name + ".pem"), "-days", "2", "-subj", "/CN=" + name});
	}

	void node(const std::string& ca, const std::string& name) const
	{
		std::string base = _dir.file(ca + "-" + name);
		writeFile(base + ".ext", "subjectAltName = DNS:" + name + "\nbasicConstraints = CA:FALSE\n");
		openssl({"req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
			"-keyout", base + ".key", "-out", base + ".csr", "-subj", "/CN=" + name});
		openssl({"x509", "-req", "-in", base + ".csr", "-CA", _dir.file(ca + ".pem"), "-CAkey", _dir.file(ca + ".key"),
			"-CAcreateserial", "-out", base + ".pem", "-days", "2", "-extfile", base + ".ext"});
	}

	std::string properties(const std::string& ca, const std::string& name, const std::string& trusted = "ca") const
		/// The tls.* keys of a node with certificate CA-NAME that trusts
		/// the CA trusted; verify_peers on.
	{
		return "tls.certificate_file = " + _dir.file(ca + "-" + name + ".pem") + "\n"
			"tls.private_key_file = " + _dir.file(ca + "-" + name + ".key") + "\n"
			"tls.ca_file = " + _dir.file(trusted + ".pem") + "\n"
			"tls.verify_peers = true\n";
	}

	std::string file(const std::string& name) const
	{
		return _dir.file(name);
	}

private:
	static void openssl(const std::vector<std::string>& args)
	{
		ProcessResult made = runProcess(OPENSSL, args);
		CPPUNIT_ASSERT_EQUAL_MESSAGE(made.err, 0, made.exitCode);
	}

	const TempDir& _dir;
};


const TestPki& pki()
	/// Made once for the fixture: ca signs m1, m2, m0, w1, w2 and mallory;
	/// ca2 (another CA) signs w1.
{
	static TempDir dir;
	static std::unique_ptr<TestPki> made;
	if (!made)
	{
		made = std::make_unique<TestPki>(dir);
		made->ca("ca");
		made->ca("ca2");
		for (const char* name: {"m0", "m1", "w1", "w2", "mallory"}) made->node("ca", name);
		made->node("ca2", "w1");
	}
	return *made;
}


DialSecurity clientSecurity(const std::string& serverName = std::string(), const std::string& certificate = std::string())
	/// TLS trusting ca, with the certificate ca-NAME if given.
{
	TlsFiles files;
	files.caFile = pki().file("ca.pem");
	if (!certificate.empty())
	{
		files.certificateFile = pki().file("ca-" + certificate + ".pem");
		files.privateKeyFile = pki().file("ca-" + certificate + ".key");
	}
	DialSecurity security;
	security.tls = std::make_shared<TlsContext>(TlsContext::CLIENT, files);
	security.serverName = serverName;
	return security;
}


Poco::JSON::Object::Ptr tlsStatus(Poco::UInt16 port)
{
	int code = 0;
	std::string body = MasterClient::httpGet(Poco::Net::SocketAddress("127.0.0.1", port), "/v1/status", code, Poco::Timespan(10, 0), clientSecurity("m1"));
	CPPUNIT_ASSERT_EQUAL_MESSAGE(body, 200, code);
	return parseObject(body);
}


Poco::JSON::Object::Ptr workerEntry(const Poco::JSON::Object::Ptr& status, const std::string& id)
{
	Poco::JSON::Array::Ptr workers = status->getArray("workers");
	for (std::size_t i = 0; i < workers->size(); ++i)
	{
		Poco::JSON::Object::Ptr worker = workers->getObject(static_cast<unsigned>(i));
		if (worker->getValue<std::string>("id") == id) return worker;
	}
	return nullptr;
}


int closeCodeOf(WebSocketClient& link, std::string& reason)
	/// Waits for the master to close the link; its close code (0 if it
	/// did not within 10 s).
{
	try
	{
		std::string text;
		while (link.receive(text, Poco::Timespan(10, 0))) {}
	}
	catch (Poco::Net::ConnectionResetException& exc)
	{
		reason = exc.message();
		return exc.code();
	}
	return 0;
}


std::string alive(const std::string& id)
{
	return "{\"WORKER\":\"ALIVE\",\"WORKER_UUID\":\"" + id + "\",\"TASKS\":[\"ECHO\"],\"CONCURRENCY\":4096}";
}


const std::string TOKEN = "c2VjcmV0LWNsdXN0ZXItdG9rZW4tZm9yLXRlc3Rz";


} // namespace


class TlsIdentityTest: public NodeFixture
{
	CPPUNIT_TEST_SUITE(TlsIdentityTest);
	CPPUNIT_TEST(testTasksRunOverTls);
	CPPUNIT_TEST(testPlainHttpOnTlsPortFailsAndMasterServes);
	CPPUNIT_TEST(testWorkerOfAnotherCaRefused);
	CPPUNIT_TEST(testImpostorWorkerRefusedAndDoesNotReplace);
	CPPUNIT_TEST(testPeersMustBeListedAndNamed);
	CPPUNIT_TEST(testMastersFederateOverTls);
	CPPUNIT_TEST(testClientThatStopsReadingOverTls);
	CPPUNIT_TEST(testClusterToken);
	CPPUNIT_TEST(testOpensslClient);
	CPPUNIT_TEST_SUITE_END();

public:
	void setUp() override
	{
		pki();
		NodeFixture::setUp();
	}

	void testTasksRunOverTls()
	{
		Poco::UInt16 port = startMaster();
		NodeProcess& worker = start("w1", workerProperties("w1", home(port), _dir->file("w.db"), pki().properties("ca", "w1")));
		CPPUNIT_ASSERT_MESSAGE(worker.log(), worker.waitForLog("connected to master m1"));
		CPPUNIT_ASSERT(waitFor([&] { return workerEntry(tlsStatus(port), "w1") != nullptr; }));
		MasterClient client(Poco::Net::SocketAddress("127.0.0.1", port), Poco::Timespan(10, 0), clientSecurity("m1"));
		CPPUNIT_ASSERT_EQUAL(std::string("OK"), client.call(parseObject("{\"TASK\":\"OPEN\",\"USER\":\"alice\",\"AMOUNT\":\"100.00\"}"))->getValue<std::string>("STATUS"));
		Poco::JSON::Object::Ptr result;
		std::string updated = client.call(parseObject("{\"TASK\":\"UPDATE\",\"USER\":\"alice\",\"AMOUNT\":-12.5}"), result);
		CPPUNIT_ASSERT_MESSAGE(updated, updated.find("\"SALDO\":87.50") != std::string::npos);
		// Larger than a TLS record both ways: the loop reassembles records.
		std::string big(100000, 'x');
		Poco::JSON::Object::Ptr echoed = client.call(parseObject("{\"TASK\":\"ECHO\",\"PAYLOAD\":\"" + big + "\"}"));
		CPPUNIT_ASSERT_EQUAL(big, echoed->getValue<std::string>("PAYLOAD"));

		// orchctl over TLS, the master's name checked when it is given.
		std::string address = "127.0.0.1:" + std::to_string(port);
		ProcessResult shown = runProcess(orchctlBinary(), {"--master", "m1@" + address, "--ca-file", pki().file("ca.pem"), "status"});
		CPPUNIT_ASSERT_EQUAL_MESSAGE(shown.err, 0, shown.exitCode);
		CPPUNIT_ASSERT_MESSAGE(shown.out, shown.out.find("\nw1 ") != std::string::npos);
		ProcessResult wrongName = runProcess(orchctlBinary(), {"--master", "m2@" + address, "--ca-file", pki().file("ca.pem"), "status"});
		CPPUNIT_ASSERT(wrongName.exitCode != 0);
		CPPUNIT_ASSERT_MESSAGE(wrongName.err, wrongName.err.find("names m1, m1, not m2") != std::string::npos);
		ProcessResult plain = runProcess(orchctlBinary(), {"--master", address, "status"});
		CPPUNIT_ASSERT(plain.exitCode != 0);
	}

	void testPlainHttpOnTlsPortFailsAndMasterServes()
	{
		Poco::UInt16 port = startMaster();
		NodeProcess& master = *_nodes.front();
		int code = 0;
		try
		{
			httpGet(port, "/healthz", code);
		}
		catch (Poco::Exception&)
		{
			// The master drops the connection: no HTTP answer at all.
		}
		CPPUNIT_ASSERT(code != 200);
		CPPUNIT_ASSERT_MESSAGE(master.log(), master.waitForLog("TLS handshake with 127.0.0.1:"));
		CPPUNIT_ASSERT_MESSAGE(master.log(), master.waitForLog("http request"));
		// Nothing else is affected.
		CPPUNIT_ASSERT_EQUAL(std::string("master"), tlsStatus(port)->getValue<std::string>("role"));
		NodeProcess& worker = start("w1", workerProperties("w1", home(port), _dir->file("w.db"), pki().properties("ca", "w1")));
		CPPUNIT_ASSERT_MESSAGE(worker.log(), worker.waitForLog("connected to master m1"));
	}

	void testWorkerOfAnotherCaRefused()
	{
		Poco::UInt16 port = startMaster();
		NodeProcess& master = *_nodes.front();
		// Its certificate says w1, but ca2 signed it.
		NodeProcess& stranger = start("w1", workerProperties("w1", home(port), _dir->file("w.db"), pki().properties("ca2", "w1")));
		CPPUNIT_ASSERT_MESSAGE(master.log(), master.waitForLog("certificate verify failed"));
		CPPUNIT_ASSERT_MESSAGE(master.log(), master.log().find("TLS handshake with 127.0.0.1:") != std::string::npos);
		CPPUNIT_ASSERT_MESSAGE(stranger.log(), stranger.waitForLog("cannot reach master m1@"));
		CPPUNIT_ASSERT(!workerEntry(tlsStatus(port), "w1"));
		// A client of the CA without a certificate gets TLS, not /v1/worker.
		try
		{
			WebSocketClient anonymous(Poco::Net::SocketAddress("127.0.0.1", port), "/v1/worker", Poco::Timespan(5, 0), 1 << 20, clientSecurity("m1"));
			CPPUNIT_FAIL("a worker link without a client certificate was upgraded");
		}
		catch (Poco::Net::WebSocketException& exc)
		{
			CPPUNIT_ASSERT_EQUAL_MESSAGE(exc.displayText(), int(Poco::Net::WebSocket::WS_ERR_NO_HANDSHAKE), exc.code());
		}
		CPPUNIT_ASSERT_MESSAGE(master.log(), master.waitForLog("a client certificate signed by the cluster CA is required on /v1/worker"));
		// The master keeps serving.
		NodeProcess& right = start("w2", workerProperties("w2", home(port), _dir->file("w.db"), pki().properties("ca", "w2")));
		CPPUNIT_ASSERT_MESSAGE(right.log(), right.waitForLog("connected to master m1"));
	}

	void testImpostorWorkerRefusedAndDoesNotReplace()
	{
		Poco::UInt16 port = startMaster();
		NodeProcess& master = *_nodes.front();
		NodeProcess& worker = start("w1", workerProperties("w1", home(port), _dir->file("w.db"), pki().properties("ca", "w1")));
		CPPUNIT_ASSERT_MESSAGE(worker.log(), worker.waitForLog("connected to master m1"));
		CPPUNIT_ASSERT(waitFor([&] { return workerEntry(tlsStatus(port), "w1") != nullptr; }));
		std::string address = workerEntry(tlsStatus(port), "w1")->getValue<std::string>("address");

		// mallory holds a certificate of the cluster's CA, and says it is w1.
		NodeProcess& impostor = start("mallory", workerProperties("w1", home(port), _dir->file("w.db"), pki().properties("ca", "mallory")));
		CPPUNIT_ASSERT_MESSAGE(master.log(), master.waitForLog("refused: identity mismatch: WORKER_UUID w1, certificate names mallory, mallory"));
		CPPUNIT_ASSERT_MESSAGE(impostor.log(), impostor.waitForLog("refused by master m1: the peer closed the connection: identity mismatch"));
		// The same in-process, to read the close code.
		WebSocketClient link(Poco::Net::SocketAddress("127.0.0.1", port), "/v1/worker", Poco::Timespan(5, 0), 1 << 20, clientSecurity("m1", "mallory"));
		link.send(alive("w1"));
		std::string reason;
		CPPUNIT_ASSERT_EQUAL(1008, closeCodeOf(link, reason));
		CPPUNIT_ASSERT_MESSAGE(reason, reason.find("identity mismatch: WORKER_UUID w1, certificate names mallory") != std::string::npos);

		Poco::JSON::Object::Ptr status = tlsStatus(port);
		CPPUNIT_ASSERT(status->getObject("counters")->getValue<int>("identity_refused") >= 2);
		// w1 is still the worker that connected first, and still serves.
		CPPUNIT_ASSERT_EQUAL(address, workerEntry(status, "w1")->getValue<std::string>("address"));
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), status->getArray("workers")->size());
		MasterClient client(Poco::Net::SocketAddress("127.0.0.1", port), Poco::Timespan(10, 0), clientSecurity("m1"));
		CPPUNIT_ASSERT_EQUAL(std::string("OK"), client.call(parseObject("{\"TASK\":\"ECHO\",\"PAYLOAD\":7}"))->getValue<std::string>("STATUS"));
	}

	void testPeersMustBeListedAndNamed()
	{
		// m1 federates with m0 only; m0 is not running, m1 waits for its link.
		Poco::UInt16 port = startMaster("master.peers = m0@127.0.0.1:" + std::to_string(freePort()) + "\n");
		NodeProcess& master = *_nodes.front();
		auto heartbeat = [](const std::string& id)
		{
			return "{\"SERVER\":\"ALIVE\",\"SERVER_UUID\":\"" + id + "\",\"HEARTBEAT\":\"REQUEST\"}";
		};
		std::string reason;
		{
			// m0's certificate, w2's SERVER_UUID: not a peer of m1's.
			WebSocketClient link(Poco::Net::SocketAddress("127.0.0.1", port), "/v1/peer", Poco::Timespan(5, 0), 1 << 20, clientSecurity("m1", "m0"));
			link.send(heartbeat("w2"));
			CPPUNIT_ASSERT_EQUAL(1008, closeCodeOf(link, reason));
			CPPUNIT_ASSERT_MESSAGE(reason, reason.find("unknown peer: configure it in master.peers") != std::string::npos);
		}
		{
			// mallory's certificate, m0's SERVER_UUID.
			WebSocketClient link(Poco::Net::SocketAddress("127.0.0.1", port), "/v1/peer", Poco::Timespan(5, 0), 1 << 20, clientSecurity("m1", "mallory"));
			link.send(heartbeat("m0"));
			CPPUNIT_ASSERT_EQUAL(1008, closeCodeOf(link, reason));
			CPPUNIT_ASSERT_MESSAGE(reason, reason.find("identity mismatch: SERVER_UUID m0, certificate names mallory") != std::string::npos);
		}
		CPPUNIT_ASSERT_MESSAGE(master.log(), master.waitForLog("(SERVER_UUID 'm0') refused: identity mismatch"));
		Poco::JSON::Object::Ptr status = tlsStatus(port);
		CPPUNIT_ASSERT_EQUAL(2, status->getObject("loans")->getValue<int>("peers_refused"));
		CPPUNIT_ASSERT(!status->getArray("peers")->getObject(0)->getValue<bool>("linked"));
		// m0 itself is let in.
		WebSocketClient link(Poco::Net::SocketAddress("127.0.0.1", port), "/v1/peer", Poco::Timespan(5, 0), 1 << 20, clientSecurity("m1", "m0"));
		link.send(heartbeat("m0"));
		CPPUNIT_ASSERT(waitFor([&] { return tlsStatus(port)->getArray("peers")->getObject(0)->getValue<bool>("linked"); }));
	}

	void testMastersFederateOverTls()
	{
		// m0 dials m1 (the smaller id dials), over TLS, each checking the
		// other's certificate; heartbeats then flow both ways on the link
		// the loop serves through TLS at both ends.
		Poco::UInt16 port0 = freePort(), port1 = freePort();
		auto federated = [&](const std::string& id, Poco::UInt16 port, const std::string& peer)
		{
			return masterProperties(id, pki().properties("ca", id) + "master.listen = 127.0.0.1:" + std::to_string(port) + "\n"
				"master.peers = " + peer + "\npeer.heartbeat_ms = 100\npeer.dead_after_ms = 1000\n");
		};
		NodeProcess& m1 = start("m1", federated("m1", port1, "m0@127.0.0.1:" + std::to_string(port0)));
		NodeProcess& m0 = start("m0", federated("m0", port0, "m1@127.0.0.1:" + std::to_string(port1)));
		m1.masterPort();
		m0.masterPort();
		auto peerState = [&](Poco::UInt16 port, const std::string& serverName)
		{
			int code = 0;
			std::string body = MasterClient::httpGet(Poco::Net::SocketAddress("127.0.0.1", port), "/v1/status", code, Poco::Timespan(10, 0), clientSecurity(serverName));
			Poco::JSON::Object::Ptr peer = parseObject(body)->getArray("peers")->getObject(0);
			return peer->getValue<bool>("linked") ? peer->getValue<std::string>("state") : std::string("unlinked");
		};
		CPPUNIT_ASSERT_MESSAGE(m0.log() + m1.log(), waitFor([&] { return peerState(port0, "m0") == "ALIVE" && peerState(port1, "m1") == "ALIVE"; }));
		CPPUNIT_ASSERT_MESSAGE(m0.log(), m0.log().find("peer link to m1 at 127.0.0.1:") != std::string::npos);
		CPPUNIT_ASSERT_MESSAGE(m1.log(), m1.log().find("peer link from m0 at 127.0.0.1:") != std::string::npos);
		CPPUNIT_ASSERT_EQUAL(0, tlsStatus(port1)->getObject("loans")->getValue<int>("peers_refused"));
	}

	void testClientThatStopsReadingOverTls()
	{
		// A client sends a burst and reads nothing until the master has
		// stopped making progress for it: its TLS writes to the client have
		// stopped part-way (WANT_WRITE) and it has paused reading the client
		// above its high-water mark. Then the client reads: the writes
		// resume (the buffer having grown meanwhile) and every result
		// arrives, whole. client.max_in_flight above the burst: how much the
		// master reads before it pauses is not this test's subject, and
		// 1000 unanswered (the default) can be reached first (seen once).
		Poco::UInt16 port = startMaster("client.max_in_flight = 10000\n");
		NodeProcess& worker = start("w1", workerProperties("w1", home(port), _dir->file("w.db"), pki().properties("ca", "w1") + "worker.concurrency = 64\n"));
		CPPUNIT_ASSERT_MESSAGE(worker.log(), worker.waitForLog("connected to master m1"));
		CPPUNIT_ASSERT(waitFor([&] { return workerEntry(tlsStatus(port), "w1") != nullptr; }));
		WebSocketClient link(Poco::Net::SocketAddress("127.0.0.1", port), "/v1/client", Poco::Timespan(30, 0), 1 << 20, clientSecurity("m1"));
		const int TASKS = 3000;
		const std::string payload(16000, 'p');
		std::string sendError;
		std::thread sender([&]
		{
			try
			{
				for (int i = 0; i < TASKS; i += 50)
				{
					std::vector<std::string> batch;
					for (int j = i; j < i + 50; ++j)
						batch.push_back("{\"TASK\":\"ECHO\",\"REQUEST_ID\":" + std::to_string(j) + ",\"PAYLOAD\":\"" + payload + "\"}");
					link.send(batch);
				}
			}
			catch (Poco::Exception& exc)
			{
				sendError = exc.displayText();
			}
		});
		// Stalled: no result completed for 300 ms.
		int previous = -1;
		Poco::Clock changed;
		bool stalled = waitFor([&]
		{
			int completed = tlsStatus(port)->getObject("counters")->getValue<int>("completed");
			if (completed != previous) changed.update();
			previous = completed;
			return completed > 0 && changed.isElapsed(300000);
		}, Poco::Timespan(30, 0));
		int received = 0;
		std::string failure;
		try
		{
			std::string text;
			while (received < TASKS && link.receive(text, Poco::Timespan(20, 0)))
			{
				Poco::JSON::Object::Ptr result = parseObject(text);
				if (result->getValue<std::string>("STATUS") != "OK" || result->getValue<std::string>("PAYLOAD") != payload)
				{
					failure = text.substr(0, 200);
					break;
				}
				++received;
			}
		}
		catch (Poco::Exception& exc)
		{
			failure = exc.displayText();
		}
		if (received < TASKS) link.shutdown();
		sender.join();
		CPPUNIT_ASSERT_MESSAGE("the master kept up: nothing waited", stalled && previous < TASKS);
		CPPUNIT_ASSERT_EQUAL_MESSAGE(failure, std::string(), failure);
		CPPUNIT_ASSERT_EQUAL_MESSAGE(sendError, std::string(), sendError);
		CPPUNIT_ASSERT_EQUAL(TASKS, received);
	}

	void testClusterToken()
	{
		writeFile(_dir->file("token"), TOKEN + "\n");
		std::string auth = "auth.cluster_token_file = " + _dir->file("token") + "\n";
		NodeProcess& master = start("m1", masterProperties("m1", auth));
		Poco::UInt16 port = master.masterPort();
		Poco::Net::SocketAddress address("127.0.0.1", port);
		int code = 0;
		httpGet(port, "/v1/worker", code);
		CPPUNIT_ASSERT_EQUAL(401, code);
		httpGet(port, "/v1/peer", code);
		CPPUNIT_ASSERT_EQUAL(401, code);
		for (const std::string& token: {std::string(), TOKEN.substr(0, TOKEN.size() - 1) + "x", TOKEN + "x"})
		{
			DialSecurity security;
			security.bearerToken = token;
			try
			{
				WebSocketClient refused(address, "/v1/worker", Poco::Timespan(5, 0), 1 << 20, security);
				CPPUNIT_FAIL("upgraded with the token '" + token + "'");
			}
			catch (Poco::Net::WebSocketException& exc)
			{
				CPPUNIT_ASSERT_EQUAL_MESSAGE(exc.displayText(), int(Poco::Net::WebSocket::WS_ERR_UNAUTHORIZED), exc.code());
			}
		}
		CPPUNIT_ASSERT_MESSAGE(master.log(), master.waitForLog("wrong cluster token on /v1/worker"));
		CPPUNIT_ASSERT_MESSAGE(master.log(), master.waitForLog("the cluster token is required on /v1/worker"));

		// A worker with the token joins and serves; clients need none.
		NodeProcess& worker = start("w1", workerProperties("w1", "m1@127.0.0.1:" + std::to_string(port), _dir->file("w.db"), auth));
		CPPUNIT_ASSERT_MESSAGE(worker.log(), worker.waitForLog("connected to master m1"));
		CPPUNIT_ASSERT(waitFor([&] { return workerCount(port) == 1; }));
		MasterClient client(address);
		CPPUNIT_ASSERT_EQUAL(std::string("OK"), client.call(parseObject("{\"TASK\":\"ECHO\",\"PAYLOAD\":1}"))->getValue<std::string>("STATUS"));
		// The token proves the cluster, not which worker: a second w1 does
		// not take over the first.
		std::string address1 = masterStatus(port)->getArray("workers")->getObject(0)->getValue<std::string>("address");
		DialSecurity security;
		security.bearerToken = TOKEN;
		WebSocketClient second(address, "/v1/worker", Poco::Timespan(5, 0), 1 << 20, security);
		second.send(alive("w1"));
		std::string reason;
		CPPUNIT_ASSERT_EQUAL(1008, closeCodeOf(second, reason));
		CPPUNIT_ASSERT_MESSAGE(reason, reason.find("worker w1 is already connected") != std::string::npos);
		CPPUNIT_ASSERT_EQUAL(address1, masterStatus(port)->getArray("workers")->getObject(0)->getValue<std::string>("address"));
		CPPUNIT_ASSERT_EQUAL(1, masterStatus(port)->getObject("counters")->getValue<int>("identity_refused"));

		// The token changes without a stop: the new one beside the old,
		// then alone, each applied by SIGHUP; the linked worker stays.
		const std::string next = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";
		writeFile(_dir->file("token"), next + "\n" + TOKEN + "\n");
		CPPUNIT_ASSERT_EQUAL(0, ::kill(master.pid(), SIGHUP));
		CPPUNIT_ASSERT_MESSAGE(master.log(), master.waitForLog("reload: auth.cluster_token_file re-read: 2 token(s) accepted"));
		CPPUNIT_ASSERT(upgrades(address, next) && upgrades(address, TOKEN));
		writeFile(_dir->file("token"), next + "\n");
		CPPUNIT_ASSERT_EQUAL(0, ::kill(master.pid(), SIGHUP));
		CPPUNIT_ASSERT_MESSAGE(master.log(), master.waitForLog("reload: auth.cluster_token_file re-read: 1 token(s) accepted"));
		CPPUNIT_ASSERT(upgrades(address, next) && !upgrades(address, TOKEN));
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), static_cast<std::size_t>(workerCount(port)));
		CPPUNIT_ASSERT_EQUAL(std::string("OK"), client.call(parseObject("{\"TASK\":\"ECHO\",\"PAYLOAD\":2}"))->getValue<std::string>("STATUS"));
	}

	static bool upgrades(const Poco::Net::SocketAddress& address, const std::string& token)
		/// Whether /v1/worker lets a WebSocket in with this cluster token.
	{
		DialSecurity security;
		security.bearerToken = token;
		try
		{
			WebSocketClient link(address, "/v1/worker", Poco::Timespan(5, 0), 1 << 20, security);
			return true;
		}
		catch (Poco::Net::WebSocketException& exc)
		{
			CPPUNIT_ASSERT_EQUAL_MESSAGE(exc.displayText(), int(Poco::Net::WebSocket::WS_ERR_UNAUTHORIZED), exc.code());
			return false;
		}
	}

	void testOpensslClient()
	{
		Poco::UInt16 port = startMaster();
		std::string request = "GET /healthz HTTP/1.1\\r\\nHost: m1\\r\\nConnection: close\\r\\n\\r\\n";
		auto sClient = [&](const std::string& options)
		{
			return runProcess("/bin/sh", {"-c", "printf '" + request + "' | " + OPENSSL + " s_client -connect 127.0.0.1:" + std::to_string(port) +
				" -CAfile " + pki().file("ca.pem") + " -verify_return_error -verify_hostname m1 -quiet -ign_eof " + options + " 2>&1"});
		};
		// openssl verifies orchd's certificate and name, and gets an answer.
		ProcessResult served = sClient("");
		CPPUNIT_ASSERT_MESSAGE(served.out, served.out.find("HTTP/1.1 200") != std::string::npos);
		CPPUNIT_ASSERT_MESSAGE(served.out, served.out.find("{\"STATUS\":\"OK\"}") != std::string::npos);
		// ... and a client certificate of the cluster CA is accepted.
		ProcessResult member = sClient("-cert " + pki().file("ca-w2.pem") + " -key " + pki().file("ca-w2.key"));
		CPPUNIT_ASSERT_MESSAGE(member.out, member.out.find("HTTP/1.1 200") != std::string::npos);
		// One of another CA is not.
		ProcessResult stranger = sClient("-cert " + pki().file("ca2-w1.pem") + " -key " + pki().file("ca2-w1.key"));
		CPPUNIT_ASSERT_MESSAGE(stranger.out, stranger.out.find("HTTP/1.1 200") == std::string::npos);
		// orchd is not m2: openssl says so.
		ProcessResult misnamed = runProcess("/bin/sh", {"-c", "printf '" + request + "' | " + OPENSSL + " s_client -connect 127.0.0.1:" + std::to_string(port) +
			" -CAfile " + pki().file("ca.pem") + " -verify_return_error -verify_hostname m2 -quiet 2>&1"});
		CPPUNIT_ASSERT_MESSAGE(misnamed.out, misnamed.out.find("HTTP/1.1 200") == std::string::npos);
	}

private:
	Poco::UInt16 startMaster(const std::string& extra = std::string())
	{
		NodeProcess& master = start("m1", masterProperties("m1", pki().properties("ca", "m1") + extra));
		return master.masterPort();
	}
};


CPPUNIT_TEST_SUITE_REGISTRATION(TlsIdentityTest);

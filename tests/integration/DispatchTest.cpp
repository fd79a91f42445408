//
// DispatchTest.cpp
//
// Real orchd masters and workers on loopback ports chosen at run time.
//


#include "json/JsonObject.h"
#include "TestSupport.h"
#include "ctl/MasterClient.h"
#include "net/WebSocketClient.h"
#include "store/SqlAccountStore.h"
#include "Poco/Data/Session.h"
#include "Poco/JSON/Object.h"
#include "Poco/Net/NetException.h"
#include "Poco/Pipe.h"
#include "Poco/PipeStream.h"
#include "Poco/StreamCopier.h"
#include <cppunit/extensions/HelperMacros.h>
#include <csignal>
#include <iostream>
#include <set>
#include <thread>


using orchd::MasterClient;
using orchd::parseObject;
using namespace orchd::test;


namespace {


Poco::Net::SocketAddress local(Poco::UInt16 port)
{
	return Poco::Net::SocketAddress("127.0.0.1", port);
}


Poco::JSON::Object::Ptr task(const std::string& json)
{
	return parseObject(json);
}





} // namespace


class DispatchTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(DispatchTest);
	CPPUNIT_TEST(testRoundTripOverWebSocketAndHttp);
	CPPUNIT_TEST(testMixedLoadSurvivesWorkerKill);
	CPPUNIT_TEST(testWorkersComeBackAfterMasterRestart);
	CPPUNIT_TEST(testLeaseTimeoutAndMaxAttempts);
	CPPUNIT_TEST(testBusyWhenQueueFull);
	CPPUNIT_TEST(testWorkerDrainsOnSigterm);
	CPPUNIT_TEST(testSecondMasterCannotTakeThePort);
	CPPUNIT_TEST(testThousandIdleWorkers);
	CPPUNIT_TEST(testLargeQuickResultsFlowBothWays);
	CPPUNIT_TEST(testOddTaskNamesDoNotStallOthers);
	CPPUNIT_TEST(testStoppingMasterAnswersWaitingHttpClients);
	CPPUNIT_TEST(testLinksOfOneProcessShareItsStore);
	CPPUNIT_TEST(testFailedGroupCommitFailsOnlyTheTaskAtFault);
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

	void testRoundTripOverWebSocketAndHttp()
	{
		Poco::UInt16 port = startCluster(2);
		MasterClient client(local(port));
		Poco::JSON::Object::Ptr opened = client.call(task("{\"TASK\":\"OPEN\",\"USER\":\"alice\",\"AMOUNT\":\"100.00\"}"));
		CPPUNIT_ASSERT_EQUAL(std::string("OK"), opened->getValue<std::string>("STATUS"));
		int code = 0;
		std::string body = MasterClient::httpPost(local(port), "/v1/tasks", "{\"TASK\":\"UPDATE\",\"USER\":\"alice\",\"AMOUNT\":-12.5}", code);
		CPPUNIT_ASSERT_EQUAL(200, code);
		CPPUNIT_ASSERT_MESSAGE(body, body.find("\"SALDO\":87.50") != std::string::npos);
		CPPUNIT_ASSERT(body.find("\"TASK_ID\":\"m1-") != std::string::npos);
		// Pipelined: several in flight, answered by REQUEST_ID.
		for (int i = 0; i < 20; ++i) client.send("{\"TASK\":\"ECHO\",\"PAYLOAD\":" + std::to_string(i) + ",\"REQUEST_ID\":" + std::to_string(i) + "}");
		std::set<int> seen;
		for (int i = 0; i < 20; ++i)
		{
			Poco::JSON::Object::Ptr result = parseObject(client.receive());
			CPPUNIT_ASSERT_EQUAL(result->getValue<int>("REQUEST_ID"), result->getValue<int>("PAYLOAD"));
			seen.insert(result->getValue<int>("REQUEST_ID"));
		}
		CPPUNIT_ASSERT_EQUAL(std::size_t(20), seen.size());
		body = httpGet(port, "/healthz", code);
		CPPUNIT_ASSERT_EQUAL(200, code);
		Poco::JSON::Object::Ptr doc = masterStatus(port);
		CPPUNIT_ASSERT_EQUAL(std::string("m1"), doc->getValue<std::string>("id"));
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), doc->getArray("workers")->size());
	}

	void testMixedLoadSurvivesWorkerKill()
	{
		Poco::UInt16 port = startCluster(2);
		std::string output = _dir->file("bench.out");
		Poco::Pipe outPipe;
		Poco::ProcessHandle bench = Poco::Process::launch(orchctlBinary(), {"--master", "127.0.0.1:" + std::to_string(port), "bench",
			"--tasks=8000", "--concurrency=32", "--mix=QUERY:30,UPDATE:40,TRANSFER:20,ECHO:10", "--accounts=8"}, nullptr, &outPipe, &outPipe);
		std::string text;
		std::thread reader([&] { Poco::PipeInputStream in(outPipe); Poco::StreamCopier::copyToString(in, text); });
		bool midway = waitFor([&] { return counter(port, "completed") >= 1000; }, Poco::Timespan(60, 0));
		bool benchRunning = bench.tryWait() == -1;
		_nodes[1]->kill();
		int code = -1;
		bool finished = waitFor([&] { code = bench.tryWait(); return code != -1; }, Poco::Timespan(120, 0));
		if (!finished) Poco::Process::kill(bench);
		reader.join();
		CPPUNIT_ASSERT(midway);
		CPPUNIT_ASSERT_MESSAGE("the bench ended before the worker was killed", benchRunning);
		CPPUNIT_ASSERT_MESSAGE(text, finished);
		CPPUNIT_ASSERT_EQUAL_MESSAGE(text, 0, code);
		CPPUNIT_ASSERT_MESSAGE(text, text.find("8000 of 8000 answered") != std::string::npos);
		CPPUNIT_ASSERT_MESSAGE(text, text.find("balance      OK") != std::string::npos);
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), workerCount(port));
		CPPUNIT_ASSERT_MESSAGE(_nodes[0]->log(), _nodes[0]->log().find("worker w1 (") != std::string::npos);
	}

	void testWorkersComeBackAfterMasterRestart()
	{
		Poco::UInt16 port = startCluster(2);
		_nodes[0]->kill();
		auto master = std::make_unique<NodeProcess>(*_dir, "m1-again", masterProperties("m1", "master.listen = 127.0.0.1:" + std::to_string(port) + "\n"));
		master->start();
		CPPUNIT_ASSERT_EQUAL(port, master->masterPort());
		_nodes[0] = std::move(master);
		CPPUNIT_ASSERT_MESSAGE(_nodes[0]->log(), waitFor([&] { return workerCount(port) == 2; }, Poco::Timespan(15, 0)));
		MasterClient client(local(port));
		CPPUNIT_ASSERT_EQUAL(std::string("OK"), client.call(task("{\"TASK\":\"ECHO\"}"))->getValue<std::string>("STATUS"));
	}

	void testLeaseTimeoutAndMaxAttempts()
	{
		Poco::UInt16 port = startCluster(1, "task.timeout_ms = 300\ntask.max_attempts = 2\n");
		MasterClient client(local(port), Poco::Timespan(30, 0));
		Poco::JSON::Object::Ptr result = client.call(task("{\"TASK\":\"ECHO\",\"DELAY_MS\":3000}"));
		CPPUNIT_ASSERT_EQUAL(std::string("NOK"), result->getValue<std::string>("STATUS"));
		std::string error = result->getValue<std::string>("ERROR");
		CPPUNIT_ASSERT_MESSAGE(error, error.rfind("Task failed after 2 attempts: timed out after 300 ms on worker w1", 0) == 0);
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(2), counter(port, "timed_out"));
		// The worker was told to cancel, gave its credit back, and serves again.
		CPPUNIT_ASSERT(waitFor([&] { return counter(port, "stale_results") >= 2; }));
		CPPUNIT_ASSERT_EQUAL(std::string("OK"), client.call(task("{\"TASK\":\"ECHO\"}"))->getValue<std::string>("STATUS"));
	}

	void testBusyWhenQueueFull()
	{
		Poco::UInt16 port = startCluster(0, "queue.capacity = 2\n");
		MasterClient client(local(port));
		for (int i = 0; i < 3; ++i) client.send("{\"TASK\":\"ECHO\",\"REQUEST_ID\":" + std::to_string(i) + "}");
		Poco::JSON::Object::Ptr result = parseObject(client.receive());
		CPPUNIT_ASSERT_EQUAL(std::string("BUSY"), result->getValue<std::string>("ERROR"));
		CPPUNIT_ASSERT_EQUAL(2, result->getValue<int>("REQUEST_ID"));
		int code = 0;
		std::string body = MasterClient::httpPost(local(port), "/v1/tasks", "{\"TASK\":\"ECHO\"}", code);
		CPPUNIT_ASSERT_EQUAL(503, code);
		// A worker arrives: the two queued tasks run.
		addWorker(port, "w1");
		for (int i = 0; i < 2; ++i) CPPUNIT_ASSERT_EQUAL(std::string("OK"), parseObject(client.receive())->getValue<std::string>("STATUS"));
	}

	void testWorkerDrainsOnSigterm()
	{
		Poco::UInt16 port = startCluster(1);
		MasterClient client(local(port), Poco::Timespan(30, 0));
		for (int i = 0; i < 4; ++i) client.send("{\"TASK\":\"ECHO\",\"DELAY_MS\":700,\"REQUEST_ID\":" + std::to_string(i) + "}");
		CPPUNIT_ASSERT(waitFor([&] { return masterStatus(port)->getObject("queue")->getValue<int>("in_flight") == 4; }));
		CPPUNIT_ASSERT(waitFor([&] { return masterStatus(port)->getArray("workers")->getObject(0)->getValue<int>("in_flight") == 4; }));
		CPPUNIT_ASSERT_EQUAL(0, _nodes[1]->stop(SIGTERM));
		for (int i = 0; i < 4; ++i)
		{
			Poco::JSON::Object::Ptr result = parseObject(client.receive());
			CPPUNIT_ASSERT_EQUAL(std::string("OK"), result->getValue<std::string>("STATUS"));
			CPPUNIT_ASSERT_EQUAL(1, result->getValue<int>("ATTEMPT"));
		}
	}

	void testSecondMasterCannotTakeThePort()
	{
		Poco::UInt16 port = startCluster(0);
		NodeProcess second(*_dir, "m2", masterProperties("m2", "master.listen = 127.0.0.1:" + std::to_string(port) + "\n"));
		ProcessResult result = runProcess(orchdBinary(), {"--config=" + _dir->file("m2.properties")});
		CPPUNIT_ASSERT_EQUAL(69, result.exitCode);
		CPPUNIT_ASSERT_MESSAGE(result.err, result.err.find("master.listen") != std::string::npos);
	}

	void testThousandIdleWorkers()
	{
		// A thousand more worker connections, which offer no task type and
		// so stay idle, while a real worker serves.
		Poco::UInt16 port = startCluster(1);
		long before = _nodes[0]->rssKiB();
		std::vector<std::unique_ptr<orchd::WebSocketClient>> idle;
		for (int i = 0; i < 1000; ++i)
		{
			idle.push_back(std::make_unique<orchd::WebSocketClient>(local(port), "/v1/worker", Poco::Timespan(10, 0), 1 << 16));
			idle.back()->send("{\"WORKER\":\"ALIVE\",\"WORKER_UUID\":\"idle-" + std::to_string(i) + "\",\"TASKS\":[],\"CONCURRENCY\":1}");
		}
		CPPUNIT_ASSERT(waitFor([&] { return workerCount(port) == 1001; }, Poco::Timespan(30, 0)));
		MasterClient client(local(port));
		for (int i = 0; i < 200; ++i)
			CPPUNIT_ASSERT_EQUAL(std::string("OK"), client.call(task("{\"TASK\":\"ECHO\"}"))->getValue<std::string>("STATUS"));
		std::cout << "\n  master RSS " << before / 1024 << " MiB with one worker, " << _nodes[0]->rssKiB() / 1024
		          << " MiB with 1001 workers connected" << std::endl;
		idle.clear();
		CPPUNIT_ASSERT(waitFor([&] { return workerCount(port) == 1; }, Poco::Timespan(30, 0)));
	}

	void testLargeQuickResultsFlowBothWays()
	{
		// A worker runs quick tasks on its connection thread, which then
		// also writes their results: with large tasks both directions are
		// full at once, and neither side may stop reading the other.
		// 48 credits of 900 KB each: more than loopback's socket buffers.
		// 96 of them queued at once are 86 MB: above queue.max_bytes'
		// default (64 MiB), which would answer some BUSY.
		Poco::UInt16 port = startCluster(0, "queue.max_bytes = 268435456\n");
		addWorker(port, "w1", "worker.concurrency = 48\n");
		CPPUNIT_ASSERT(waitFor([&] { return workerCount(port) == 1; }));
		MasterClient client(local(port), Poco::Timespan(60, 0));
		const std::string payload(900 * 1024, 'x');
		const int TASKS = 96;
		std::thread sender([&]
		{
			for (int i = 0; i < TASKS; ++i) client.send("{\"TASK\":\"ECHO\",\"PAYLOAD\":\"" + payload + "\",\"REQUEST_ID\":" + std::to_string(i) + "}");
		});
		std::set<int> seen;
		for (int i = 0; i < TASKS; ++i)
		{
			Poco::JSON::Object::Ptr result = parseObject(client.receive());
			CPPUNIT_ASSERT_EQUAL(std::string("OK"), result->getValue<std::string>("STATUS"));
			CPPUNIT_ASSERT_EQUAL(payload.size(), result->getValue<std::string>("PAYLOAD").size());
			seen.insert(result->getValue<int>("REQUEST_ID"));
		}
		sender.join();
		CPPUNIT_ASSERT_EQUAL(std::size_t(TASKS), seen.size());
	}

	void testOddTaskNamesDoNotStallOthers()
	{
		// A worker whose one task name is the others' names joined by
		// commas offers a different task set, and must not stand in the
		// real worker's way.
		Poco::UInt16 port = startCluster(1);
		orchd::WebSocketClient odd(local(port), "/v1/worker", Poco::Timespan(10, 0), 1 << 16);
		odd.send("{\"WORKER\":\"ALIVE\",\"WORKER_UUID\":\"odd\",\"TASKS\":[\"ECHO,OPEN,QUERY,TRANSFER,UPDATE\"],\"CONCURRENCY\":1}");
		CPPUNIT_ASSERT(waitFor([&] { return workerCount(port) == 2; }));
		MasterClient client(local(port), Poco::Timespan(10, 0));
		for (int i = 0; i < 20; ++i) client.send("{\"TASK\":\"ECHO\",\"PAYLOAD\":" + std::to_string(i) + ",\"REQUEST_ID\":" + std::to_string(i) + "}");
		std::set<int> seen;
		for (int i = 0; i < 20; ++i) seen.insert(parseObject(client.receive())->getValue<int>("REQUEST_ID"));
		CPPUNIT_ASSERT_EQUAL(std::size_t(20), seen.size());
	}

	void testStoppingMasterAnswersWaitingHttpClients()
	{
		// An HTTP client waits for a 5 s task; SIGTERM to the master must
		// answer it (503) at once, not leave it to its own timeout.
		Poco::UInt16 port = startCluster(1);
		int code = 0;
		std::string body;
		Poco::Timestamp sent;
		Poco::Timestamp::TimeDiff answeredAfter = 0;
		std::thread waiter([&]
		{
			try
			{
				body = MasterClient::httpPost(local(port), "/v1/tasks", "{\"TASK\":\"ECHO\",\"DELAY_MS\":5000}", code);
			}
			catch (Poco::Exception& exc)
			{
				body = exc.displayText();
			}
			answeredAfter = sent.elapsed();
		});
		bool leased = waitFor([&] { return masterStatus(port)->getObject("queue")->getValue<int>("in_flight") == 1; });
		int exit = _nodes[0]->stop();
		waiter.join();
		CPPUNIT_ASSERT(leased);
		CPPUNIT_ASSERT_EQUAL(0, exit);
		CPPUNIT_ASSERT_EQUAL_MESSAGE(body, 503, code);
		CPPUNIT_ASSERT_MESSAGE(body, body.find("Master stopping") != std::string::npos);
		CPPUNIT_ASSERT_MESSAGE(std::to_string(answeredAfter), answeredAfter < 4500000);
	}

	void testLinksOfOneProcessShareItsStore()
	{
		// worker.links = 3: three workers at the master, one process and
		// one store; their saldo tasks share its commits.
		auto master = std::make_unique<NodeProcess>(*_dir, "m1", masterProperties("m1"));
		master->start();
		Poco::UInt16 port = master->masterPort();
		_nodes.push_back(std::move(master));
		addWorker(port, "w1", "worker.links = 3\nworker.concurrency = 8\n");
		CPPUNIT_ASSERT(waitFor([&] { return workerCount(port) == 3; }));
		std::set<std::string> ids;
		Poco::JSON::Array::Ptr workers = masterStatus(port)->getArray("workers");
		for (std::size_t i = 0; i < workers->size(); ++i) ids.insert(workers->getObject(static_cast<unsigned>(i))->getValue<std::string>("id"));
		CPPUNIT_ASSERT(ids == (std::set<std::string>{"w1-1", "w1-2", "w1-3"}));
		ProcessResult bench = runProcess(orchctlBinary(), {"--master", "127.0.0.1:" + std::to_string(port), "bench",
			"--tasks=6000", "--concurrency=24", "--mix=QUERY:30,UPDATE:40,TRANSFER:20,ECHO:10", "--accounts=8"}, Poco::Timespan(120, 0));
		CPPUNIT_ASSERT_EQUAL_MESSAGE(bench.out + bench.err, 0, bench.exitCode);
		CPPUNIT_ASSERT_MESSAGE(bench.out, bench.out.find("6000 of 6000 answered (6000 OK") != std::string::npos);
		CPPUNIT_ASSERT_MESSAGE(bench.out, bench.out.find("balance      OK") != std::string::npos);
		// Every link took a share.
		workers = masterStatus(port)->getArray("workers");
		for (std::size_t i = 0; i < workers->size(); ++i)
			CPPUNIT_ASSERT(workers->getObject(static_cast<unsigned>(i))->getValue<Poco::Int64>("completed") > 0);
		// SIGTERM drains all three links at once, and the process exits.
		CPPUNIT_ASSERT_EQUAL(0, _nodes[1]->stop());
		CPPUNIT_ASSERT(waitFor([&] { return workerCount(port) == 0; }));
	}

	void testFailedGroupCommitFailsOnlyTheTaskAtFault()
	{
		Poco::UInt16 port = startCluster(1);
		MasterClient client(local(port));
		CPPUNIT_ASSERT_EQUAL(std::string("OK"), client.call(task("{\"TASK\":\"OPEN\",\"USER\":\"alice\"}"))->getValue<std::string>("STATUS"));
		CPPUNIT_ASSERT_EQUAL(std::string("OK"), client.call(task("{\"TASK\":\"OPEN\",\"USER\":\"dave\"}"))->getValue<std::string>("STATUS"));
		// A deferred foreign key that an update of dave breaks: every group
		// commit holding one fails at COMMIT, after all its operations ran.
		orchd::SqlAccountStore::registerConnectors();
		{
			Poco::Data::Session session("SQLite", _dir->file("accounts.db"));
			session << "CREATE TABLE parent (id TEXT PRIMARY KEY)", Poco::Data::Keywords::now;
			session << "CREATE TABLE child (pid TEXT REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED)", Poco::Data::Keywords::now;
			session << "CREATE TRIGGER orphan AFTER UPDATE ON accounts WHEN NEW.user_id = 'dave' BEGIN INSERT INTO child VALUES ('missing'); END", Poco::Data::Keywords::now;
		}
		// Pipelined, so that alice's and dave's updates share commits.
		const int rounds = 40;
		for (int i = 0; i < rounds; ++i)
		{
			client.send("{\"TASK\":\"UPDATE\",\"USER\":\"alice\",\"AMOUNT\":1,\"REQUEST_ID\":" + std::to_string(2 * i) + "}");
			client.send("{\"TASK\":\"UPDATE\",\"USER\":\"dave\",\"AMOUNT\":1,\"REQUEST_ID\":" + std::to_string(2 * i + 1) + "}");
		}
		int aliceOk = 0;
		int daveRefused = 0;
		for (int i = 0; i < 2 * rounds; ++i)
		{
			std::string text = client.receive();
			Poco::JSON::Object::Ptr result = parseObject(text);
			bool dave = result->getValue<int>("REQUEST_ID") % 2 == 1;
			std::string status = result->getValue<std::string>("STATUS");
			if (!dave && status == "OK") ++aliceOk;
			if (dave && status == "NOK" && text.find("the store could not commit") != std::string::npos && text.find("FOREIGN KEY") != std::string::npos) ++daveRefused;
		}
		CPPUNIT_ASSERT_EQUAL(rounds, aliceOk);
		CPPUNIT_ASSERT_EQUAL(rounds, daveRefused);
		Poco::JSON::Object::Ptr alice = client.call(task("{\"TASK\":\"QUERY\",\"USER\":\"alice\"}"));
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(100 * rounds), alice->getValue<Poco::Int64>("SALDO_CENTS"));
		Poco::JSON::Object::Ptr dave = client.call(task("{\"TASK\":\"QUERY\",\"USER\":\"dave\"}"));
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(0), dave->getValue<Poco::Int64>("SALDO_CENTS"));
		CPPUNIT_ASSERT_MESSAGE(_nodes[1]->log(), _nodes[1]->log().find("committing them one by one") != std::string::npos);
	}

private:
	Poco::UInt16 startCluster(int workers, const std::string& masterExtra = "")
	{
		auto master = std::make_unique<NodeProcess>(*_dir, "m1", masterProperties("m1", masterExtra));
		master->start();
		Poco::UInt16 port = master->masterPort();
		_nodes.push_back(std::move(master));
		for (int i = 1; i <= workers; ++i) addWorker(port, "w" + std::to_string(i));
		CPPUNIT_ASSERT(waitFor([&] { return workerCount(port) == static_cast<std::size_t>(workers); }));
		return port;
	}

	void addWorker(Poco::UInt16 port, const std::string& id, const std::string& extra = "")
	{
		auto worker = std::make_unique<NodeProcess>(*_dir, id, workerProperties(id, "m1@127.0.0.1:" + std::to_string(port), _dir->file("accounts.db"), extra));
		worker->start();
		CPPUNIT_ASSERT_MESSAGE(worker->log(), worker->waitForLog("connected to master m1"));
		_nodes.push_back(std::move(worker));
	}

	std::unique_ptr<TempDir> _dir;
	std::vector<std::unique_ptr<NodeProcess>> _nodes;
};


CPPUNIT_TEST_SUITE_REGISTRATION(DispatchTest);

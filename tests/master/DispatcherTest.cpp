//
// DispatcherTest.cpp
//
// The dispatcher in-process: leases, re-dispatch, attempts, BUSY, stale
// results, credits, draining, lending and sending home, driven through a
// FakeDirectory and a ManualClock. No sockets, no sleeps.
//


#include "master/LogCapture.h"
#include "master/MasterRig.h"
#include "master/PendingReply.h"
#include <cppunit/extensions/HelperMacros.h>


using namespace orchd;
using namespace orchd::test;


namespace {


const std::string STORE_A = "5f0c8a52-0d6e-4a53-9f3c-aaaaaaaaaaaa";
const std::string STORE_B = "0b3e61d4-7c2a-4f0e-8d1b-bbbbbbbbbbbb";


DispatchOptions options(int maxAttempts = 3, std::size_t capacity = 100, const std::string& storeId = std::string())
{
	DispatchOptions options;
	options.masterId = "m1";
	options.storeId = storeId;
	options.storeConnector = storeId.empty() ? std::string() : std::string("sqlite");
	options.queueCapacity = capacity;
	options.taskTimeout = Poco::Timespan(0, 500000);
	options.maxAttempts = maxAttempts;
	return options;
}


std::string echo(int payload)
{
	return "{\"TASK\":\"ECHO\",\"PAYLOAD\":" + std::to_string(payload) + ",\"REQUEST_ID\":" + std::to_string(payload) + "}";
}


} // namespace


class DispatcherTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(DispatcherTest);
	CPPUNIT_TEST(testPushUpToCredit);
	CPPUNIT_TEST(testResultReachesClientWithRequestId);
	CPPUNIT_TEST(testHttpSubmission);
	CPPUNIT_TEST(testLatencyFromAcceptanceToAnswer);
	CPPUNIT_TEST(testLeaseExpiryRequeuesAtFrontWithAttemptRaised);
	CPPUNIT_TEST(testMaxAttempts);
	CPPUNIT_TEST(testBusyAtCapacity);
	CPPUNIT_TEST(testStaleResultOfOldAttempt);
	CPPUNIT_TEST(testReplacedConnection);
	CPPUNIT_TEST(testUnprovenConnectionDoesNotReplace);
	CPPUNIT_TEST(testCertificateMustNameWorker);
	CPPUNIT_TEST(testDisconnectRequeues);
	CPPUNIT_TEST(testDraining);
	CPPUNIT_TEST(testGarbageFromWorker);
	CPPUNIT_TEST(testLendKeepsMinimum);
	CPPUNIT_TEST(testSendHomeOnceIdle);
	CPPUNIT_TEST(testWorkerOnAnotherStoreRefused);
	CPPUNIT_TEST(testWorkerOnSameStoreAccepted);
	CPPUNIT_TEST(testWorkerWithoutStoreIdRefused);
	CPPUNIT_TEST(testRefusalDoesNotReplaceTheRightWorker);
	CPPUNIT_TEST(testRefusalsListIsBounded);
	CPPUNIT_TEST(testNoStoreCheckWithoutMasterStore);
	CPPUNIT_TEST_SUITE_END();

public:
	void testPushUpToCredit()
	{
		MasterRig rig(options());
		Link client = rig.client();
		Link worker = rig.worker("w1", 2);
		for (int i = 1; i <= 5; ++i) rig.directory.message(client, echo(i));
		// Two credits: two tasks pushed, three queued.
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), rig.directory.sent(worker).size());
		CPPUNIT_ASSERT_EQUAL(3, rig.dispatcher.status()->getObject("queue")->getValue<int>("depth"));
		Poco::JSON::Object::Ptr first = rig.directory.takeObject(worker);
		CPPUNIT_ASSERT_EQUAL(1, first->getValue<int>("PAYLOAD"));
		CPPUNIT_ASSERT_EQUAL(1, first->getValue<int>("ATTEMPT"));
		CPPUNIT_ASSERT(!first->has("REQUEST_ID"));
		rig.answer(worker, *first);
		// The freed credit takes the next task at once.
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), rig.directory.sent(worker).size());
		CPPUNIT_ASSERT_EQUAL(2, rig.dispatcher.status()->getObject("queue")->getValue<int>("depth"));
	}

	void testResultReachesClientWithRequestId()
	{
		MasterRig rig(options());
		Link client = rig.client();
		Link worker = rig.worker("w1", 1);
		rig.directory.message(client, echo(7));
		rig.answer(worker, *rig.directory.takeObject(worker));
		Poco::JSON::Object::Ptr result = rig.directory.takeObject(client);
		CPPUNIT_ASSERT(result);
		CPPUNIT_ASSERT_EQUAL(7, result->getValue<int>("REQUEST_ID"));
		CPPUNIT_ASSERT_EQUAL(std::string("OK"), result->getValue<std::string>("STATUS"));
		CPPUNIT_ASSERT_EQUAL(1, rig.counters()->getValue<int>("completed"));
	}

	void testHttpSubmission()
	{
		MasterRig rig(options());
		Link worker = rig.worker("w1", 1);
		auto reply = std::make_shared<PendingReply>();
		rig.dispatcher.submit("{\"TASK\":\"ECHO\",\"PAYLOAD\":3}", reply);
		CPPUNIT_ASSERT(!reply->wait(Poco::Timespan(0)));
		rig.answer(worker, *rig.directory.takeObject(worker));
		CPPUNIT_ASSERT(reply->wait(Poco::Timespan(0)));
		CPPUNIT_ASSERT_EQUAL(200, reply->httpStatus());
		CPPUNIT_ASSERT_EQUAL(3, parseObject(reply->body())->getValue<int>("PAYLOAD"));
		// An invalid one is answered at once with 400.
		auto bad = std::make_shared<PendingReply>();
		rig.dispatcher.submit("{\"TASK\":\"NOPE\"}", bad);
		CPPUNIT_ASSERT_EQUAL(400, bad->httpStatus());
		CPPUNIT_ASSERT_EQUAL(std::string("Unknown task: NOPE"), parseObject(bad->body())->getValue<std::string>("ERROR"));
	}

	void testLatencyFromAcceptanceToAnswer()
	{
		// Queued 30 ms for want of a worker, then 10 ms on it: 40 ms.
		MasterRig rig(options());
		Link client = rig.client();
		rig.directory.message(client, echo(1));
		rig.clock.advanceMs(30);
		Link worker = rig.worker("w1", 1);
		rig.clock.advanceMs(10);
		rig.answer(worker, *rig.directory.takeObject(worker));
		CPPUNIT_ASSERT(rig.directory.takeObject(client));
		Poco::JSON::Object::Ptr latency = rig.dispatcher.status()->getObject("latency")->getObject("last_10s");
		CPPUNIT_ASSERT_EQUAL(1, latency->getValue<int>("count"));
		CPPUNIT_ASSERT_EQUAL(40000, latency->getValue<int>("max_us"));
		CPPUNIT_ASSERT_EQUAL(40000, latency->getValue<int>("mean_us"));
	}

	void testLeaseExpiryRequeuesAtFrontWithAttemptRaised()
	{
		MasterRig rig(options());
		Link client = rig.client();
		Link slow = rig.worker("slow", 1);
		rig.directory.message(client, echo(1));
		rig.directory.message(client, echo(2));
		Poco::JSON::Object::Ptr leased = rig.directory.takeObject(slow);
		CPPUNIT_ASSERT_EQUAL(1, leased->getValue<int>("PAYLOAD"));
		// Not yet: the lease has 500 ms.
		rig.clock.advanceMs(499);
		rig.dispatcher.checkLeases();
		CPPUNIT_ASSERT(rig.directory.sent(slow).empty());
		rig.clock.advanceMs(2);
		rig.dispatcher.checkLeases();
		// The worker is told to cancel, and keeps its credit until it answers.
		Poco::JSON::Object::Ptr cancel = rig.directory.takeObject(slow);
		CPPUNIT_ASSERT_EQUAL(std::string("CANCEL"), cancel->getValue<std::string>("TASK"));
		CPPUNIT_ASSERT_EQUAL(leased->getValue<std::string>("TASK_ID"), cancel->getValue<std::string>("TASK_ID"));
		CPPUNIT_ASSERT(rig.directory.sent(slow).empty());
		// The timed-out task went back to the front: a new worker gets it
		// before task 2, with its attempt raised.
		Link fresh = rig.worker("fresh", 1);
		Poco::JSON::Object::Ptr again = rig.directory.takeObject(fresh);
		CPPUNIT_ASSERT_EQUAL(1, again->getValue<int>("PAYLOAD"));
		CPPUNIT_ASSERT_EQUAL(2, again->getValue<int>("ATTEMPT"));
		CPPUNIT_ASSERT_EQUAL(leased->getValue<std::string>("TASK_ID"), again->getValue<std::string>("TASK_ID"));
		CPPUNIT_ASSERT_EQUAL(1, rig.counters()->getValue<int>("timed_out"));
		CPPUNIT_ASSERT_EQUAL(1, rig.counters()->getValue<int>("redispatched"));
	}

	void testMaxAttempts()
	{
		MasterRig rig(options(2));
		Link client = rig.client();
		Link worker = rig.worker("w1", 4);
		rig.directory.message(client, echo(1));
		for (int attempt = 1; attempt <= 2; ++attempt)
		{
			Poco::JSON::Object::Ptr task = rig.directory.takeObject(worker);
			CPPUNIT_ASSERT_EQUAL(attempt, task->getValue<int>("ATTEMPT"));
			rig.clock.advanceMs(501);
			rig.dispatcher.checkLeases();
			CPPUNIT_ASSERT_EQUAL(std::string("CANCEL"), rig.directory.takeObject(worker)->getValue<std::string>("TASK"));
		}
		Poco::JSON::Object::Ptr result = rig.directory.takeObject(client);
		CPPUNIT_ASSERT(result);
		CPPUNIT_ASSERT_EQUAL(std::string("NOK"), result->getValue<std::string>("STATUS"));
		CPPUNIT_ASSERT(result->getValue<std::string>("ERROR").find("Task failed after 2 attempts: timed out after 500 ms on worker w1") == 0);
		CPPUNIT_ASSERT_EQUAL(1, rig.counters()->getValue<int>("failed"));
		CPPUNIT_ASSERT(rig.directory.sent(worker).empty());
	}

	void testBusyAtCapacity()
	{
		MasterRig rig(options(3, 2));
		Link client = rig.client();
		for (int i = 1; i <= 3; ++i) rig.directory.message(client, echo(i));
		Poco::JSON::Object::Ptr busy = rig.directory.takeObject(client);
		CPPUNIT_ASSERT(busy);
		CPPUNIT_ASSERT_EQUAL(3, busy->getValue<int>("REQUEST_ID"));
		CPPUNIT_ASSERT_EQUAL(std::string("BUSY"), busy->getValue<std::string>("ERROR"));
		CPPUNIT_ASSERT_EQUAL(1, rig.counters()->getValue<int>("rejected_busy"));
		// Leased tasks do not count against the queue: a worker makes room.
		Link worker = rig.worker("w1", 2);
		rig.directory.message(client, echo(4));
		rig.directory.message(client, echo(5));
		CPPUNIT_ASSERT(rig.directory.sent(client).empty());
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), rig.directory.sent(worker).size());
	}

	void testStaleResultOfOldAttempt()
	{
		MasterRig rig(options());
		Link client = rig.client();
		Link first = rig.worker("first", 1);
		rig.directory.message(client, echo(1));
		Poco::JSON::Object::Ptr attempt1 = rig.directory.takeObject(first);
		rig.clock.advanceMs(501);
		rig.dispatcher.checkLeases();
		rig.directory.take(first);  // CANCEL
		Link second = rig.worker("second", 1);
		Poco::JSON::Object::Ptr attempt2 = rig.directory.takeObject(second);
		// The first worker answers late: discarded, and its credit is back.
		rig.answer(first, *attempt1);
		CPPUNIT_ASSERT(rig.directory.sent(client).empty());
		CPPUNIT_ASSERT_EQUAL(1, rig.counters()->getValue<int>("stale_results"));
		rig.answer(second, *attempt2);
		CPPUNIT_ASSERT_EQUAL(1, rig.directory.takeObject(client)->getValue<int>("PAYLOAD"));
		// A second answer to the same attempt is stale too: one result only.
		rig.answer(second, *attempt2);
		CPPUNIT_ASSERT(rig.directory.sent(client).empty());
		CPPUNIT_ASSERT_EQUAL(2, rig.counters()->getValue<int>("stale_results"));
		CPPUNIT_ASSERT_EQUAL(1, rig.counters()->getValue<int>("completed"));
	}

	void testReplacedConnection()
	{
		MasterRig rig(options());
		Link client = rig.client();
		Link old = rig.worker("w1", 1);
		rig.directory.message(client, echo(1));
		Poco::JSON::Object::Ptr task = rig.directory.takeObject(old);
		// The same worker comes back on a new connection that proves it is
		// w1: the old one is dropped, and its task goes to the new one when
		// it closes.
		Link fresh = rig.worker("w1", 1, std::string(), "[\"ECHO\"]", {"w1"});
		CPPUNIT_ASSERT(!rig.directory.alive(old.id));
		rig.directory.disconnect(old);
		Poco::JSON::Object::Ptr again = rig.directory.takeObject(fresh);
		CPPUNIT_ASSERT_EQUAL(2, again->getValue<int>("ATTEMPT"));
		// The old connection's answer is not accepted from the new one.
		rig.answer(fresh, *task);
		CPPUNIT_ASSERT(rig.directory.sent(client).empty());
		rig.answer(fresh, *again);
		CPPUNIT_ASSERT_EQUAL(std::string("OK"), rig.directory.takeObject(client)->getValue<std::string>("STATUS"));
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), rig.dispatcher.status()->getArray("workers")->size());
	}

	void testUnprovenConnectionDoesNotReplace()
	{
		MasterRig rig(options());
		Link client = rig.client();
		Link right = rig.worker("w1", 1);
		rig.directory.message(client, echo(1));
		Poco::JSON::Object::Ptr task = rig.directory.takeObject(right);
		// Anyone can say "w1": without a certificate naming w1 the second
		// connection is refused, and the first keeps its worker and task.
		Link impostor = rig.worker("w1", 4096);
		CPPUNIT_ASSERT(rig.directory.alive(right.id));
		CPPUNIT_ASSERT(!rig.directory.alive(impostor.id));
		CPPUNIT_ASSERT_EQUAL(std::uint16_t(1008), rig.directory.peer(impostor).closeCode);
		CPPUNIT_ASSERT_EQUAL(std::string("worker w1 is already connected; a second connection needs a certificate naming it"), rig.directory.peer(impostor).closeReason);
		// A certificate of another name does not do either.
		Link other = rig.worker("w1", 1, std::string(), "[\"ECHO\"]", {"mallory"});
		CPPUNIT_ASSERT(!rig.directory.alive(other.id));
		CPPUNIT_ASSERT_EQUAL(2, rig.counters()->getValue<int>("identity_refused"));
		rig.answer(right, *task);
		CPPUNIT_ASSERT_EQUAL(std::string("OK"), rig.directory.takeObject(client)->getValue<std::string>("STATUS"));
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), rig.dispatcher.status()->getArray("workers")->size());
	}

	void testCertificateMustNameWorker()
	{
		DispatchOptions verified = options();
		verified.requireIdentity = true;
		MasterRig rig(verified);
		Link mallory = rig.worker("w1", 1, std::string(), "[\"ECHO\"]", {"mallory"});
		CPPUNIT_ASSERT(!rig.directory.alive(mallory.id));
		CPPUNIT_ASSERT_EQUAL(std::uint16_t(1008), rig.directory.peer(mallory).closeCode);
		CPPUNIT_ASSERT_EQUAL(std::string("identity mismatch: WORKER_UUID w1, certificate names mallory"), rig.directory.peer(mallory).closeReason);
		Link none = rig.worker("w1", 1);
		CPPUNIT_ASSERT_EQUAL(std::string("identity mismatch: WORKER_UUID w1, certificate names no verified certificate"), rig.directory.peer(none).closeReason);
		CPPUNIT_ASSERT_EQUAL(2, rig.counters()->getValue<int>("identity_refused"));
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), rig.dispatcher.status()->getArray("workers")->size());
		// The named worker joins, and so does a link of a worker.links process.
		Link w1 = rig.worker("w1", 1, std::string(), "[\"ECHO\"]", {"other", "w1"});
		Link link2 = rig.worker("w7-2", 1, std::string(), "[\"ECHO\"]", {"w7"});
		CPPUNIT_ASSERT(rig.directory.alive(w1.id));
		CPPUNIT_ASSERT(rig.directory.alive(link2.id));
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), rig.dispatcher.status()->getArray("workers")->size());
	}

	void testDisconnectRequeues()
	{
		MasterRig rig(options());
		Link client = rig.client();
		Link lost = rig.worker("lost", 2);
		rig.directory.message(client, echo(1));
		rig.directory.message(client, echo(2));
		rig.directory.message(client, echo(3));
		rig.directory.disconnect(lost, "connection reset");
		Link other = rig.worker("other", 3);
		std::deque<std::string>& sent = rig.directory.sent(other);
		CPPUNIT_ASSERT_EQUAL(std::size_t(3), sent.size());
		// The two it held come first, on attempt 2, before the one queued.
		Poco::JSON::Object::Ptr a = parseObject(sent[0]), b = parseObject(sent[1]), c = parseObject(sent[2]);
		CPPUNIT_ASSERT_EQUAL(2, a->getValue<int>("ATTEMPT"));
		CPPUNIT_ASSERT_EQUAL(2, b->getValue<int>("ATTEMPT"));
		CPPUNIT_ASSERT_EQUAL(3, a->getValue<int>("PAYLOAD") + b->getValue<int>("PAYLOAD"));
		CPPUNIT_ASSERT_EQUAL(3, c->getValue<int>("PAYLOAD"));
		CPPUNIT_ASSERT_EQUAL(1, c->getValue<int>("ATTEMPT"));
	}

	void testDraining()
	{
		MasterRig rig(options());
		Link client = rig.client();
		Link worker = rig.worker("w1", 2);
		rig.directory.message(client, echo(1));
		Poco::JSON::Object::Ptr task = rig.directory.takeObject(worker);
		rig.directory.message(worker, "{\"WORKER\":\"STOPPING\"}");
		rig.directory.message(client, echo(2));
		CPPUNIT_ASSERT(rig.directory.sent(worker).empty());
		// What it holds is still accepted.
		rig.answer(worker, *task);
		CPPUNIT_ASSERT_EQUAL(1, rig.directory.takeObject(client)->getValue<int>("PAYLOAD"));
		CPPUNIT_ASSERT(rig.directory.sent(worker).empty());
		CPPUNIT_ASSERT_EQUAL(1, rig.dispatcher.status()->getObject("queue")->getValue<int>("depth"));
	}

	void testGarbageFromWorker()
	{
		MasterRig rig(options());
		Link worker = rig.worker("w1", 1);
		rig.directory.message(worker, "{\"STATUS\":\"OK\"");
		CPPUNIT_ASSERT(!rig.directory.alive(worker.id));
		CPPUNIT_ASSERT_EQUAL(std::uint16_t(1008), rig.directory.peer(worker).closeCode);
		Link stranger = rig.directory.open(rig.dispatcher, Link::WORKER);
		rig.directory.message(stranger, "{\"STATUS\":\"OK\",\"TASK_ID\":\"x\"}");
		CPPUNIT_ASSERT_EQUAL(std::string("expected {\"WORKER\":\"ALIVE\",...} first"), rig.directory.peer(stranger).closeReason);
		Link bad = rig.directory.open(rig.dispatcher, Link::WORKER);
		rig.directory.message(bad, "{\"WORKER\":\"ALIVE\",\"WORKER_UUID\":\"w2\",\"TASKS\":[\"ECHO\"],\"CONCURRENCY\":5000}");
		CPPUNIT_ASSERT_EQUAL(std::string("bad ALIVE: Field CONCURRENCY must be an integer from 1 to 4096"), rig.directory.peer(bad).closeReason);
		CPPUNIT_ASSERT_EQUAL(3, rig.counters()->getValue<int>("worker_garbage"));
	}

	void testLendKeepsMinimum()
	{
		MasterRig rig(options());
		Link client = rig.client();
		Link a = rig.worker("a", 1), b = rig.worker("b", 1), c = rig.worker("c", 1);
		rig.worker("guest", 1, "m2");
		rig.directory.message(client, echo(1));  // a is busy now
		std::vector<std::string> lent = rig.dispatcher.lend(5, 1, "{\"TASK\":\"REDIRECT\"}");
		// Idle ones first, one own worker kept, the borrowed one never lent.
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), lent.size());
		CPPUNIT_ASSERT_EQUAL(std::string("b"), lent[0]);
		CPPUNIT_ASSERT_EQUAL(std::string("c"), lent[1]);
		CPPUNIT_ASSERT_EQUAL(std::string("{\"TASK\":\"REDIRECT\"}"), rig.directory.take(b));
		CPPUNIT_ASSERT_EQUAL(std::string("{\"TASK\":\"REDIRECT\"}"), rig.directory.take(c));
		for (const auto& uuid: lent) rig.loans.lend(uuid, "m2");
		Load load = rig.dispatcher.load();
		CPPUNIT_ASSERT_EQUAL(1, load.ownWorkers);
		CPPUNIT_ASSERT_EQUAL(2, load.lent);
		CPPUNIT_ASSERT_EQUAL(1, load.borrowed);
		// Lent workers get no more tasks.
		rig.directory.message(client, echo(2));
		CPPUNIT_ASSERT(rig.directory.sent(b).empty() && rig.directory.sent(c).empty());
		CPPUNIT_ASSERT(rig.directory.take(a).find("\"PAYLOAD\":1") != std::string::npos);
	}

	void testSendHomeOnceIdle()
	{
		MasterRig rig(options());
		Link client = rig.client();
		Link guest = rig.worker("g", 1, "m2");
		rig.directory.message(client, echo(1));
		Poco::JSON::Object::Ptr task = rig.directory.takeObject(guest);
		rig.dispatcher.sendHome({"g", "unknown"}, "{\"TASK\":\"RETURN\"}");
		// Busy: RETURN waits for its result, and no new task goes to it.
		CPPUNIT_ASSERT(rig.directory.sent(guest).empty());
		rig.directory.message(client, echo(2));
		CPPUNIT_ASSERT(rig.directory.sent(guest).empty());
		rig.answer(guest, *task);
		CPPUNIT_ASSERT_EQUAL(std::string("{\"TASK\":\"RETURN\"}"), rig.directory.take(guest));
		CPPUNIT_ASSERT(rig.directory.sent(guest).empty());
	}

	void testWorkerOnAnotherStoreRefused()
	{
		MasterRig rig(options(3, 100, STORE_A), "DispatcherTest.store");
		LogCapture log(rig.logger);
		Link client = rig.client();
		Link worker = rig.workerOnStore("w1", STORE_B);
		CPPUNIT_ASSERT(!rig.directory.alive(worker.id));
		CPPUNIT_ASSERT_EQUAL(std::uint16_t(1008), rig.directory.peer(worker).closeCode);
		std::string reason = "store mismatch: master's store is " + STORE_A + ", worker's is " + STORE_B;
		CPPUNIT_ASSERT_EQUAL(reason, rig.directory.peer(worker).closeReason);
		// Whole in a close frame (FrameCodec keeps 120 bytes of a reason).
		CPPUNIT_ASSERT(reason.size() <= 120);
		CPPUNIT_ASSERT_EQUAL_MESSAGE(log.text(), std::size_t(1), log.count("worker w1 from " + worker.peerAddress + " refused: " + reason, Poco::Message::PRIO_WARNING));
		// Counted as a store refusal, not as garbage, and never given a task.
		CPPUNIT_ASSERT_EQUAL(1, rig.counters()->getValue<int>("store_refused"));
		CPPUNIT_ASSERT_EQUAL(0, rig.counters()->getValue<int>("worker_garbage"));
		rig.directory.message(client, echo(1));
		CPPUNIT_ASSERT(rig.directory.sent(worker).empty());
		Poco::JSON::Object::Ptr status = rig.dispatcher.status();
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), status->getArray("workers")->size());
		Poco::JSON::Object::Ptr store = status->getObject("store");
		CPPUNIT_ASSERT_EQUAL(STORE_A, store->getValue<std::string>("id"));
		CPPUNIT_ASSERT_EQUAL(std::string("sqlite"), store->getValue<std::string>("connector"));
		Poco::JSON::Array::Ptr refusals = store->getArray("refusals");
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), refusals->size());
		Poco::JSON::Object::Ptr refusal = refusals->getObject(0);
		CPPUNIT_ASSERT_EQUAL(std::string("w1"), refusal->getValue<std::string>("worker"));
		CPPUNIT_ASSERT_EQUAL(worker.peerAddress, refusal->getValue<std::string>("address"));
		CPPUNIT_ASSERT_EQUAL(STORE_B, refusal->getValue<std::string>("store_id"));
		CPPUNIT_ASSERT_EQUAL(reason, refusal->getValue<std::string>("reason"));
		rig.clock.advanceMs(250);
		CPPUNIT_ASSERT_EQUAL(250, rig.dispatcher.status()->getObject("store")->getArray("refusals")->getObject(0)->getValue<int>("ms_ago"));
	}

	void testWorkerOnSameStoreAccepted()
	{
		MasterRig rig(options(3, 100, STORE_A));
		Link client = rig.client();
		Link worker = rig.workerOnStore("w1", STORE_A);
		CPPUNIT_ASSERT(rig.directory.alive(worker.id));
		rig.directory.message(client, echo(1));
		Poco::JSON::Object::Ptr task = rig.directory.takeObject(worker);
		CPPUNIT_ASSERT(task);
		rig.answer(worker, *task);
		CPPUNIT_ASSERT_EQUAL(1, rig.directory.takeObject(client)->getValue<int>("PAYLOAD"));
		Poco::JSON::Object::Ptr status = rig.dispatcher.status();
		CPPUNIT_ASSERT_EQUAL(STORE_A, status->getArray("workers")->getObject(0)->getValue<std::string>("store_id"));
		CPPUNIT_ASSERT_EQUAL(0, status->getObject("counters")->getValue<int>("store_refused"));
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), status->getObject("store")->getArray("refusals")->size());
	}

	void testWorkerWithoutStoreIdRefused()
	{
		MasterRig rig(options(3, 100, STORE_A));
		Link worker = rig.workerOnStore("w1", "");
		CPPUNIT_ASSERT(!rig.directory.alive(worker.id));
		CPPUNIT_ASSERT_EQUAL(std::uint16_t(1008), rig.directory.peer(worker).closeCode);
		CPPUNIT_ASSERT_EQUAL("store mismatch: master's store is " + STORE_A + ", worker's is unknown (no STORE_ID)",
			rig.directory.peer(worker).closeReason);
		CPPUNIT_ASSERT_EQUAL(1, rig.counters()->getValue<int>("store_refused"));
		Poco::JSON::Object::Ptr refusal = rig.dispatcher.status()->getObject("store")->getArray("refusals")->getObject(0);
		CPPUNIT_ASSERT(refusal->isNull("store_id"));
		// A STORE_ID that is not a name is a bad ALIVE, whatever the store.
		Link bad = rig.directory.open(rig.dispatcher, Link::WORKER);
		rig.directory.message(bad, "{\"WORKER\":\"ALIVE\",\"WORKER_UUID\":\"w2\",\"TASKS\":[\"ECHO\"],\"CONCURRENCY\":1,\"STORE_ID\":7}");
		CPPUNIT_ASSERT_EQUAL(std::string("bad ALIVE: Field STORE_ID must be a string"), rig.directory.peer(bad).closeReason);
	}

	void testRefusalDoesNotReplaceTheRightWorker()
	{
		MasterRig rig(options(3, 100, STORE_A));
		Link right = rig.workerOnStore("w1", STORE_A);
		Link wrong = rig.workerOnStore("w1", STORE_B);
		// A worker of the same id on another store must not knock out the
		// connection that is on ours.
		CPPUNIT_ASSERT(rig.directory.alive(right.id));
		CPPUNIT_ASSERT(!rig.directory.alive(wrong.id));
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), rig.dispatcher.status()->getArray("workers")->size());
	}

	void testRefusalsListIsBounded()
	{
		MasterRig rig(options(3, 100, STORE_A));
		std::size_t total = StoreIdCheck::MAX_REFUSALS + 5;
		for (std::size_t i = 0; i < total; ++i) rig.workerOnStore("w" + std::to_string(i), STORE_B);
		CPPUNIT_ASSERT_EQUAL(static_cast<int>(total), rig.counters()->getValue<int>("store_refused"));
		Poco::JSON::Array::Ptr refusals = rig.dispatcher.status()->getObject("store")->getArray("refusals");
		CPPUNIT_ASSERT_EQUAL(StoreIdCheck::MAX_REFUSALS, refusals->size());
		// The newest last; the oldest forgotten.
		CPPUNIT_ASSERT_EQUAL("w" + std::to_string(total - 1), refusals->getObject(static_cast<unsigned>(refusals->size() - 1))->getValue<std::string>("worker"));
		CPPUNIT_ASSERT_EQUAL(std::string("w5"), refusals->getObject(0)->getValue<std::string>("worker"));
	}

	void testNoStoreCheckWithoutMasterStore()
	{
		MasterRig rig(options());
		Link other = rig.workerOnStore("w1", STORE_B);
		Link none = rig.workerOnStore("w2", "");
		CPPUNIT_ASSERT(rig.directory.alive(other.id));
		CPPUNIT_ASSERT(rig.directory.alive(none.id));
		Poco::JSON::Object::Ptr status = rig.dispatcher.status();
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), status->getArray("workers")->size());
		CPPUNIT_ASSERT_EQUAL(0, status->getObject("counters")->getValue<int>("store_refused"));
		CPPUNIT_ASSERT(status->getObject("store")->isNull("id"));
		CPPUNIT_ASSERT(status->getObject("store")->isNull("connector"));
	}
};


CPPUNIT_TEST_SUITE_REGISTRATION(DispatcherTest);

//
// FederationStateTest.cpp
//
// One master's federation in-process: peer links, heartbeats and the
// SUSPECT/DEAD transitions, lending on request, borrowing when saturated,
// release, and failover, on a ManualClock through a FakeDirectory.
//


#include "master/FederationRig.h"
#include "master/LogCapture.h"
#include <cppunit/extensions/HelperMacros.h>


using namespace orchd;
using namespace orchd::test;


class FederationStateTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(FederationStateTest);
	CPPUNIT_TEST(testHeartbeatsAndStates);
	CPPUNIT_TEST(testAcceptedLinkMustNameAPeer);
	CPPUNIT_TEST(testLendOnRequest);
	CPPUNIT_TEST(testWorkerRequestLendsAtMostTheWindowLimit);
	CPPUNIT_TEST(testRefuseWhenBusy);
	CPPUNIT_TEST(testBorrowWhenSaturatedAndRelease);
	CPPUNIT_TEST(testReleaseLostWithTheLinkIsAskedAgain);
	CPPUNIT_TEST(testDeadPeerWritesOffLoansAndGuestsGoHome);
	CPPUNIT_TEST(testRemovedPeerSettlesItsLoansAndIsRefused);
	CPPUNIT_TEST(testAddedPeerIsDialled);
	CPPUNIT_TEST(testMalformedPeerMessagesIgnored);
	CPPUNIT_TEST(testHeartbeatsCarryTheStoreId);
	CPPUNIT_TEST(testNoLendingToAPeerOnAnotherStore);
	CPPUNIT_TEST(testNoAskingAPeerOnAnotherStore);
	CPPUNIT_TEST(testPeerWithoutStoreIdIsUnknown);
	CPPUNIT_TEST(testPeerOnTheSameStoreLendsAndAsks);
	CPPUNIT_TEST_SUITE_END();

public:
	void testHeartbeatsAndStates()
	{
		FederationRig rig;
		CPPUNIT_ASSERT_EQUAL(Federation::UNKNOWN, rig.federation.state("m2"));
		Link link = rig.linkToM2();
		CPPUNIT_ASSERT_EQUAL(Federation::ALIVE, rig.federation.state("m2"));
		// A heartbeat request is answered at once.
		rig.directory.message(link, heartbeat("m2"));
		CPPUNIT_ASSERT_EQUAL(std::string("RECIEVE"), rig.directory.takeObject(link)->getValue<std::string>("TASK"));
		// One heartbeat period plus half without a word: SUSPECT.
		rig.tickFor(1500);
		CPPUNIT_ASSERT_EQUAL(Federation::ALIVE, rig.federation.state("m2"));
		rig.tickFor(100);
		CPPUNIT_ASSERT_EQUAL(Federation::SUSPECT, rig.federation.state("m2"));
		// Our own heartbeats went out, one a second.
		CPPUNIT_ASSERT_EQUAL(std::string("REQUEST"), rig.directory.takeObject(link)->getValue<std::string>("TASK"));
		rig.tickFor(3400);
		CPPUNIT_ASSERT_EQUAL(Federation::SUSPECT, rig.federation.state("m2"));
		rig.tickFor(100);
		CPPUNIT_ASSERT_EQUAL(Federation::DEAD, rig.federation.state("m2"));
		// Its link is given up, so that a fresh one is dialled.
		CPPUNIT_ASSERT(!rig.directory.alive(link.id));
		CPPUNIT_ASSERT_EQUAL(std::uint16_t(1001), rig.directory.peer(link).closeCode);
		rig.directory.disconnect(link);
		// m0 never spoke: UNKNOWN, then DEAD once dead_after has passed.
		CPPUNIT_ASSERT_EQUAL(Federation::DEAD, rig.federation.state("m0"));
		// A new link: m2 is back.
		Link again = rig.linkToM2();
		CPPUNIT_ASSERT(rig.directory.alive(again.id));
		CPPUNIT_ASSERT_EQUAL(Federation::ALIVE, rig.federation.state("m2"));
	}

	void testAcceptedLinkMustNameAPeer()
	{
		FederationRig rig;
		Link intruder = rig.directory.open(rig.federation, Link::PEER);
		rig.directory.message(intruder, heartbeat("m9"));
		CPPUNIT_ASSERT(!rig.directory.alive(intruder.id));
		CPPUNIT_ASSERT_EQUAL(std::string("unknown peer: configure it in master.peers"), rig.directory.peer(intruder).closeReason);
		// m0 dials us (its id is smaller): its first heartbeat names it.
		Link m0 = rig.directory.open(rig.federation, Link::PEER);
		rig.directory.message(m0, heartbeat("m0"));
		CPPUNIT_ASSERT(rig.directory.alive(m0.id));
		CPPUNIT_ASSERT_EQUAL(Federation::ALIVE, rig.federation.state("m0"));
		CPPUNIT_ASSERT_EQUAL(std::string("RECIEVE"), rig.directory.takeObject(m0)->getValue<std::string>("TASK"));
	}

	void testLendOnRequest()
	{
		FederationRig rig;
		Link a = rig.worker("a", 1), b = rig.worker("b", 1);
		Link m2 = rig.linkToM2();
		rig.directory.message(m2, "{\"TASK\":\"WORKER_REQUEST\",\"WORKERS_NEEDED\":5,\"SERVER_UUID\":\"m2\"}");
		Poco::JSON::Object::Ptr response = rig.takeTask(m2, "WORKER_RESPONSE");
		CPPUNIT_ASSERT_EQUAL(std::string("ACK"), response->getValue<std::string>("STATUS"));
		// lb.min_workers = 1: one of two is lent.
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), response->getArray("WORKERS")->size());
		CPPUNIT_ASSERT_EQUAL(std::string("a"), response->getArray("WORKERS")->getElement<std::string>(0));
		Poco::JSON::Object::Ptr redirect = rig.directory.takeObject(a);
		CPPUNIT_ASSERT_EQUAL(std::string("REDIRECT"), redirect->getValue<std::string>("TASK"));
		CPPUNIT_ASSERT_EQUAL(std::string("m2"), redirect->getObject("TARGET_MASTER")->getValue<std::string>("ID"));
		CPPUNIT_ASSERT_EQUAL(std::string("m1"), redirect->getObject("HOME_MASTER")->getValue<std::string>("ID"));
		CPPUNIT_ASSERT(rig.directory.sent(b).empty());
		// The loan outlives the link: a leaves for m2.
		rig.directory.disconnect(a);
		CPPUNIT_ASSERT_EQUAL(std::string("m2"), rig.loans.borrowerOf("a"));
		CPPUNIT_ASSERT_EQUAL(1, rig.dispatcher.load().lent);
		// m2 releases: acknowledged, completed once a is home.
		rig.directory.message(m2, "{\"TASK\":\"COMMAND_RELEASE\",\"SERVER_UUID\":\"m2\",\"WORKERS\":[\"a\"]}");
		rig.takeTask(m2, "RELEASE_ACK");
		CPPUNIT_ASSERT(rig.directory.sent(m2).empty());
		rig.worker("a", 1);
		rig.takeTask(m2, "RELEASE_COMPLETED");
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), rig.loans.lentCount());
		CPPUNIT_ASSERT_EQUAL(1, rig.federation.countersStatus()->getValue<int>("workers_returned"));
	}

	void testWorkerRequestLendsAtMostTheWindowLimit()
	{
		// A forged (or greedy) peer asks for 1,000 workers, and asks again:
		// lb.max_lend_per_window (4) per lb.window_ms (1 s), no more.
		FederationRig rig;
		for (int i = 0; i < 9; ++i) rig.worker("w" + std::to_string(i), 1);
		Link m2 = rig.linkToM2();
		const std::string greedy = "{\"TASK\":\"WORKER_REQUEST\",\"WORKERS_NEEDED\":1000,\"SERVER_UUID\":\"m2\"}";
		rig.directory.message(m2, greedy);
		CPPUNIT_ASSERT_EQUAL(std::size_t(4), rig.takeTask(m2, "WORKER_RESPONSE")->getArray("WORKERS")->size());
		rig.directory.message(m2, greedy);
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), rig.takeTask(m2, "WORKER_RESPONSE")->getArray("WORKERS")->size());
		CPPUNIT_ASSERT_EQUAL(std::size_t(4), rig.loans.lentCount());
		// The next window: four more, one of the nine is never lent.
		rig.clock.advanceMs(1000);
		rig.directory.message(m2, heartbeat("m2"));
		rig.directory.message(m2, greedy);
		CPPUNIT_ASSERT_EQUAL(std::size_t(4), rig.takeTask(m2, "WORKER_RESPONSE")->getArray("WORKERS")->size());
		CPPUNIT_ASSERT_EQUAL(std::size_t(8), rig.loans.lentCount());
	}

	void testRefuseWhenBusy()
	{
		FederationRig rig;
		rig.worker("a", 1);
		rig.worker("b", 1);
		Link client = rig.client();
		for (int i = 0; i < 4; ++i) rig.directory.message(client, "{\"TASK\":\"QUERY\",\"USER\":\"u\"}");  // no QUERY worker: 4 queued
		Link m2 = rig.linkToM2();
		rig.directory.message(m2, "{\"TASK\":\"WORKER_REQUEST\",\"WORKERS_NEEDED\":1,\"SERVER_UUID\":\"m2\"}");
		Poco::JSON::Object::Ptr response = rig.takeTask(m2, "WORKER_RESPONSE");
		CPPUNIT_ASSERT_EQUAL(std::string("NACK"), response->getValue<std::string>("STATUS"));
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), rig.loans.lentCount());
	}

	void testBorrowWhenSaturatedAndRelease()
	{
		FederationRig rig;
		Link m2 = rig.linkToM2();
		Link client = rig.client();
		for (int i = 0; i < 6; ++i) rig.directory.message(client, "{\"TASK\":\"ECHO\",\"PAYLOAD\":" + std::to_string(i) + "}");
		// Saturated (6 > 5) for less than the window: nothing yet.
		rig.tickFor(900);
		while (Poco::JSON::Object::Ptr m = rig.directory.takeObject(m2)) CPPUNIT_ASSERT(m->has("SERVER"));
		rig.tickFor(200);
		Poco::JSON::Object::Ptr request = rig.takeTask(m2, "WORKER_REQUEST");
		CPPUNIT_ASSERT_EQUAL(std::string("m1"), request->getValue<std::string>("SERVER_UUID"));
		CPPUNIT_ASSERT(request->getValue<int>("WORKERS_NEEDED") >= 1 && request->getValue<int>("WORKERS_NEEDED") <= 2);
		rig.directory.message(m2, "{\"TASK\":\"WORKER_RESPONSE\",\"STATUS\":\"ACK\",\"MASTER\":\"m2\",\"SERVER_UUID\":\"m2\",\"WORKERS\":[\"x\"]}");
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), rig.loans.borrowedCount());
		// x arrives, owned by m2, and works the queue off.
		Link x = rig.worker("x", 8, "m2");
		while (Poco::JSON::Object::Ptr task = rig.directory.takeObject(x)) rig.answer(x, *task);
		CPPUNIT_ASSERT_EQUAL(6, rig.counters()->getValue<int>("completed"));
		// Calm for the window, and the cooldown since the ask has passed.
		rig.tickFor(2100);
		Poco::JSON::Object::Ptr release = rig.takeTask(m2, "COMMAND_RELEASE");
		CPPUNIT_ASSERT_EQUAL(std::string("x"), release->getArray("WORKERS")->getElement<std::string>(0));
		rig.directory.message(m2, "{\"TASK\":\"RELEASE_ACK\",\"SERVER_UUID\":\"m2\"}");
		Poco::JSON::Object::Ptr ret = rig.directory.takeObject(x);
		CPPUNIT_ASSERT_EQUAL(std::string("RETURN"), ret->getValue<std::string>("TASK"));
		CPPUNIT_ASSERT_EQUAL(std::string("m2"), ret->getObject("HOME_MASTER")->getValue<std::string>("ID"));
		rig.directory.disconnect(x);
		rig.directory.message(m2, "{\"TASK\":\"RELEASE_COMPLETED\",\"SERVER_UUID\":\"m2\"}");
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), rig.loans.borrowedCount());
	}

	void testReleaseLostWithTheLinkIsAskedAgain()
	{
		// Found by the simulator (tests/sim, seed 1011 before the fix): the
		// link breaks after COMMAND_RELEASE; the reply is lost with it.
		FederationRig rig;
		Link m2 = rig.linkToM2();
		Link client = rig.client();
		for (int i = 0; i < 6; ++i) rig.directory.message(client, "{\"TASK\":\"ECHO\",\"PAYLOAD\":" + std::to_string(i) + "}");
		rig.tickFor(1100);
		rig.takeTask(m2, "WORKER_REQUEST");
		rig.directory.message(m2, "{\"TASK\":\"WORKER_RESPONSE\",\"STATUS\":\"ACK\",\"MASTER\":\"m2\",\"SERVER_UUID\":\"m2\",\"WORKERS\":[\"x\"]}");
		Link x = rig.worker("x", 8, "m2");
		while (Poco::JSON::Object::Ptr task = rig.directory.takeObject(x)) rig.answer(x, *task);
		rig.tickFor(2100);
		rig.takeTask(m2, "COMMAND_RELEASE");
		rig.directory.disconnect(m2, "reset");
		// A new link: the release is asked again after the cooldown, not
		// after twice the release timeout (30 s).
		Link again = rig.linkToM2();
		rig.tickFor(2100);
		Poco::JSON::Object::Ptr release = rig.takeTask(again, "COMMAND_RELEASE");
		CPPUNIT_ASSERT_EQUAL(std::string("x"), release->getArray("WORKERS")->getElement<std::string>(0));
	}

	void testDeadPeerWritesOffLoansAndGuestsGoHome()
	{
		FederationRig rig;
		rig.worker("a", 1);
		rig.worker("b", 1);
		Link m2 = rig.linkToM2();
		rig.directory.message(m2, "{\"TASK\":\"WORKER_REQUEST\",\"WORKERS_NEEDED\":1,\"SERVER_UUID\":\"m2\"}");
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), rig.loans.lentCount("m2"));
		Link y = rig.worker("y", 1, "m2");  // one of m2's, lent to us
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), rig.loans.borrowedCount());
		rig.tickFor(5100);
		CPPUNIT_ASSERT_EQUAL(Federation::DEAD, rig.federation.state("m2"));
		// Our loan to it is written off; its worker here is a guest now.
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), rig.loans.lentCount());
		CPPUNIT_ASSERT_EQUAL(1, rig.federation.countersStatus()->getValue<int>("workers_reclaimed"));
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), rig.loans.borrowedCount());
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), rig.loans.guests("m2").size());
		CPPUNIT_ASSERT(rig.directory.sent(y).empty());
		// m2 is back, on a new link (the DEAD one was closed): its guest goes home.
		rig.directory.disconnect(m2);
		rig.linkToM2();
		CPPUNIT_ASSERT_EQUAL(std::string("RETURN"), rig.directory.takeObject(y)->getValue<std::string>("TASK"));
		CPPUNIT_ASSERT(rig.loans.guests("m2").empty());
	}

	void testRemovedPeerSettlesItsLoansAndIsRefused()
	{
		// A reload drops m2 from master.peers while loans run both ways.
		FederationRig rig;
		rig.worker("a", 1);
		Link b = rig.worker("b", 1);
		Link m2 = rig.linkToM2();
		rig.directory.message(m2, "{\"TASK\":\"WORKER_REQUEST\",\"WORKERS_NEEDED\":1,\"SERVER_UUID\":\"m2\"}");
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), rig.loans.lentCount("m2"));
		rig.directory.message(m2, "{\"TASK\":\"WORKER_RESPONSE\",\"STATUS\":\"ACK\",\"MASTER\":\"m2\",\"SERVER_UUID\":\"m2\",\"WORKERS\":[\"y\"]}");
		Link y = rig.worker("y", 1, "m2");
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), rig.loans.borrowedCount());

		CPPUNIT_ASSERT(rig.federation.setPeers({PeerAddress{"m0", "10.0.0.9", 7000}}));
		CPPUNIT_ASSERT(!rig.directory.alive(m2.id));
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), rig.loans.lentCount());
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), rig.loans.borrowedCount());
		CPPUNIT_ASSERT(rig.loans.guests("m2").empty());
		CPPUNIT_ASSERT_EQUAL(std::string("RETURN"), rig.directory.takeObject(y)->getValue<std::string>("TASK"));
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), rig.federation.peersStatus()->size());
		CPPUNIT_ASSERT(rig.directory.sent(b).empty());
		// m2 dialling in again is refused as unknown; nothing else changes.
		CPPUNIT_ASSERT(!rig.federation.setPeers({PeerAddress{"m0", "10.0.0.9", 7000}}));
		Link again = rig.directory.open(rig.federation, Link::PEER);
		rig.directory.message(again, heartbeat("m2"));
		CPPUNIT_ASSERT(!rig.directory.alive(again.id));
		CPPUNIT_ASSERT_EQUAL(1, rig.federation.countersStatus()->getValue<int>("peers_refused"));
	}

	void testAddedPeerIsDialled()
	{
		FederationRig rig;
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), rig.federation.dialTargets().size());  // m2 (m0 < m1 dials us)
		CPPUNIT_ASSERT(rig.federation.setPeers({PeerAddress{"m0", "10.0.0.9", 7000}, PeerAddress{"m2", "10.0.0.2", 7002},
			PeerAddress{"m3", "10.0.0.3", 7003}}));
		std::vector<DialTarget> targets = rig.federation.dialTargets();
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), targets.size());
		CPPUNIT_ASSERT_EQUAL(std::string("m3"), targets[1].address.id);
		CPPUNIT_ASSERT_EQUAL(std::string("UNKNOWN"), rig.peerStatus("m3")->getValue<std::string>("state"));
		// A moved peer is dialled at its new address.
		CPPUNIT_ASSERT(rig.federation.setPeers({PeerAddress{"m0", "10.0.0.9", 7000}, PeerAddress{"m2", "10.0.0.2", 7002},
			PeerAddress{"m3", "10.0.0.33", 7003}}));
		CPPUNIT_ASSERT_EQUAL(std::string("10.0.0.33"), rig.federation.dialTargets()[1].address.host);
	}

	void testMalformedPeerMessagesIgnored()
	{
		FederationRig rig;
		Link m2 = rig.linkToM2();
		rig.directory.message(m2, "not json");
		rig.directory.message(m2, "{\"TASK\":\"WORKER_RESPONSE\",\"STATUS\":\"MAYBE\",\"WORKERS\":[\"q\"]}");
		rig.directory.message(m2, "{\"SERVER\":\"ALIVE\",\"TASK\":\"REQUEST\",\"SERVER_UUID\":\"m2\",\"QUEUE\":-1}");
		rig.directory.message(m2, "{\"TASK\":\"WHAT\"}");
		CPPUNIT_ASSERT(rig.directory.alive(m2.id));
		CPPUNIT_ASSERT_EQUAL(4, rig.federation.countersStatus()->getValue<int>("peer_messages_ignored"));
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), rig.loans.borrowedCount());
		// A STORE_ID that is not a name is a bad heartbeat too.
		rig.directory.message(m2, "{\"SERVER\":\"ALIVE\",\"TASK\":\"RECIEVE\",\"SERVER_UUID\":\"m2\",\"QUEUE\":0,\"CAPACITY\":1,"
			"\"WORKERS\":0,\"IDLE_CREDITS\":0,\"LENT\":0,\"BORROWED\":0,\"STORE_ID\":[]}");
		CPPUNIT_ASSERT_EQUAL(5, rig.federation.countersStatus()->getValue<int>("peer_messages_ignored"));
	}

	void testHeartbeatsCarryTheStoreId()
	{
		FederationRig with(STORE_A);
		Link link = with.directory.open(with.federation, Link::PEER, "m2");
		CPPUNIT_ASSERT_EQUAL(STORE_A, with.directory.takeObject(link)->getValue<std::string>("STORE_ID"));
		// A master without a store sends none, and compares nothing.
		FederationRig without;
		Link m2 = without.directory.open(without.federation, Link::PEER, "m2");
		CPPUNIT_ASSERT(!without.directory.takeObject(m2)->has("STORE_ID"));
		without.directory.message(m2, heartbeat("m2", "RECIEVE", 0, STORE_B));
		CPPUNIT_ASSERT_EQUAL(STORE_B, without.peerStatus("m2")->getValue<std::string>("store_id"));
		CPPUNIT_ASSERT(without.peerStatus("m2")->isNull("store_matches"));
	}

	void testNoLendingToAPeerOnAnotherStore()
	{
		FederationRig rig(STORE_A);
		LogCapture log(rig.logger);
		Link a = rig.workerOnStore("a", STORE_A), b = rig.workerOnStore("b", STORE_A);
		Link m2 = rig.linkToM2(STORE_B);
		rig.directory.message(m2, heartbeat("m2", "RECIEVE", 0, STORE_B));
		CPPUNIT_ASSERT_EQUAL(Federation::ALIVE, rig.federation.state("m2"));
		// Said once, however many heartbeats say it again.
		CPPUNIT_ASSERT_EQUAL_MESSAGE(log.text(), std::size_t(1), log.count("peer m2 is not on our store (ours is " + STORE_A + ", the peer's is " + STORE_B + ")", Poco::Message::PRIO_WARNING));
		rig.directory.message(m2, "{\"TASK\":\"WORKER_REQUEST\",\"WORKERS_NEEDED\":1,\"SERVER_UUID\":\"m2\"}");
		Poco::JSON::Object::Ptr response = rig.takeTask(m2, "WORKER_RESPONSE");
		CPPUNIT_ASSERT_EQUAL(std::string("NACK"), response->getValue<std::string>("STATUS"));
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), rig.loans.lentCount());
		CPPUNIT_ASSERT(rig.directory.sent(a).empty() && rig.directory.sent(b).empty());
		CPPUNIT_ASSERT_EQUAL_MESSAGE(log.text(), std::size_t(1), log.count("peer m2 asked for 1 worker(s): refused, it is not on our store"));
		Poco::JSON::Object::Ptr status = rig.peerStatus("m2");
		CPPUNIT_ASSERT_EQUAL(STORE_B, status->getValue<std::string>("store_id"));
		CPPUNIT_ASSERT_EQUAL(false, status->getValue<bool>("store_matches"));
	}

	void testNoAskingAPeerOnAnotherStore()
	{
		FederationRig rig(STORE_A);
		Link m2 = rig.linkToM2(STORE_B);
		rig.flood(8);
		// Saturated for well over the window, with m2 answering every
		// heartbeat: still never asked.
		for (int i = 0; i < 5; ++i)
		{
			rig.tickFor(1000);
			rig.directory.message(m2, heartbeat("m2", "RECIEVE", 0, STORE_B));
		}
		CPPUNIT_ASSERT_EQUAL(Federation::ALIVE, rig.federation.state("m2"));
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), rig.requestsTo(m2));
		CPPUNIT_ASSERT_EQUAL(0, rig.federation.countersStatus()->getValue<int>("loans_asked"));
	}

	void testPeerWithoutStoreIdIsUnknown()
	{
		FederationRig rig(STORE_A);
		LogCapture log(rig.logger);
		rig.workerOnStore("a", STORE_A);
		rig.workerOnStore("b", STORE_A);
		Link m2 = rig.linkToM2();
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), log.count("peer m2 is not on our store (ours is " + STORE_A + ", the peer's is none", Poco::Message::PRIO_WARNING));
		Poco::JSON::Object::Ptr status = rig.peerStatus("m2");
		CPPUNIT_ASSERT(status->isNull("store_id"));
		CPPUNIT_ASSERT_EQUAL(false, status->getValue<bool>("store_matches"));
		rig.directory.message(m2, "{\"TASK\":\"WORKER_REQUEST\",\"WORKERS_NEEDED\":1,\"SERVER_UUID\":\"m2\"}");
		CPPUNIT_ASSERT_EQUAL(std::string("NACK"), rig.takeTask(m2, "WORKER_RESPONSE")->getValue<std::string>("STATUS"));
		rig.flood(8);
		rig.tickFor(3000);
		rig.directory.message(m2, heartbeat("m2", "RECIEVE"));
		rig.tickFor(1000);
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), rig.requestsTo(m2));
		// m0 was never heard: its store is not known, so nothing to compare yet.
		CPPUNIT_ASSERT(rig.peerStatus("m0")->isNull("store_matches"));
	}

	void testPeerOnTheSameStoreLendsAndAsks()
	{
		{
			FederationRig rig(STORE_A);
			rig.workerOnStore("a", STORE_A);
			rig.workerOnStore("b", STORE_A);
			Link m2 = rig.linkToM2(STORE_A);
			CPPUNIT_ASSERT_EQUAL(true, rig.peerStatus("m2")->getValue<bool>("store_matches"));
			rig.directory.message(m2, "{\"TASK\":\"WORKER_REQUEST\",\"WORKERS_NEEDED\":1,\"SERVER_UUID\":\"m2\"}");
			Poco::JSON::Object::Ptr response = rig.takeTask(m2, "WORKER_RESPONSE");
			CPPUNIT_ASSERT_EQUAL(std::string("ACK"), response->getValue<std::string>("STATUS"));
			CPPUNIT_ASSERT_EQUAL(std::size_t(1), rig.loans.lentCount("m2"));
		}
		{
			FederationRig rig(STORE_A);
			Link m2 = rig.linkToM2(STORE_A);
			rig.flood(8);
			rig.tickFor(1100);
			CPPUNIT_ASSERT_EQUAL(std::size_t(1), rig.requestsTo(m2));
		}
	}
};


CPPUNIT_TEST_SUITE_REGISTRATION(FederationStateTest);

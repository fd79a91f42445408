//
// LoanLifecycleTest.cpp
//
// A loan's life at its edges, in-process on a ManualClock: a lent worker
// that arrives while its owner is SUSPECT, a granted worker that never
// arrives, and a lent worker that ignores REDIRECT when its loan is
// written off.
//


#include "master/FederationRig.h"
#include <cppunit/extensions/HelperMacros.h>


using namespace orchd;
using namespace orchd::test;


namespace {


void tickAlive(FederationRig& rig, const Link& m2, std::int64_t ms)
	/// Runs the federation's timer for ms while m2 answers a heartbeat
	/// every second.
{
	for (std::int64_t t = 0; t < ms; t += 1000)
	{
		rig.tickFor(1000);
		rig.directory.message(m2, heartbeat("m2", "RECIEVE"));
	}
}


bool sentTask(FederationRig& rig, const Link& link, const std::string& task)
	/// Whether a message with TASK task was sent to link (all are taken).
{
	bool found = false;
	while (Poco::JSON::Object::Ptr message = rig.directory.takeObject(link))
	{
		if (message->optValue<std::string>("TASK", "") == task) found = true;
	}
	return found;
}


std::string workerState(FederationRig& rig, const std::string& uuid)
{
	Poco::JSON::Array::Ptr workers = rig.dispatcher.status()->getArray("workers");
	for (std::size_t i = 0; i < workers->size(); ++i)
	{
		Poco::JSON::Object::Ptr worker = workers->getObject(static_cast<unsigned>(i));
		if (worker->getValue<std::string>("id") == uuid) return worker->getValue<std::string>("state");
	}
	CPPUNIT_FAIL("no worker " + uuid + " in the status");
	return std::string();
}


bool worksHere(FederationRig& rig, const Link& a, const Link& b)
	/// Two ECHO tasks for the two idle workers a and b (concurrency 1 each):
	/// whether a got one.
{
	rig.directory.sent(a).clear();
	Link client = rig.client();
	for (int i = 0; i < 2; ++i) rig.directory.message(client, "{\"TASK\":\"ECHO\",\"PAYLOAD\":" + std::to_string(i) + "}");
	Poco::JSON::Object::Ptr task = rig.directory.takeObject(a);
	rig.directory.sent(b).clear();
	return task && task->has("TASK_ID");
}


} // namespace


class LoanLifecycleTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(LoanLifecycleTest);
	CPPUNIT_TEST(testLoanArrivingWhileOwnerSuspectStays);
	CPPUNIT_TEST(testGrantThatNeverArrivesExpires);
	CPPUNIT_TEST(testWrittenOffLoanWorksHereAgainWhenOwnerDead);
	CPPUNIT_TEST(testWrittenOffLoanWorksHereAgainAfterReleaseTimeout);
	CPPUNIT_TEST_SUITE_END();

public:
	void testLoanArrivingWhileOwnerSuspectStays()
	{
		FederationRig rig;
		Link m2 = rig.linkToM2();
		rig.flood(8);
		rig.tickFor(1100);
		rig.takeTask(m2, "WORKER_REQUEST");
		rig.directory.message(m2, "{\"TASK\":\"WORKER_RESPONSE\",\"STATUS\":\"ACK\",\"SERVER_UUID\":\"m2\",\"WORKERS\":[\"x\"]}");
		// m2's next heartbeat is late (it is as loaded as we are).
		rig.tickFor(600);
		CPPUNIT_ASSERT_EQUAL(Federation::SUSPECT, rig.federation.state("m2"));
		Link x = rig.worker("x", 1, "m2");
		rig.directory.message(m2, heartbeat("m2", "RECIEVE"));
		CPPUNIT_ASSERT_EQUAL(Federation::ALIVE, rig.federation.state("m2"));
		// x is the loan it was granted as, not a guest sent home.
		CPPUNIT_ASSERT(!sentTask(rig, x, "RETURN"));
		CPPUNIT_ASSERT(rig.loans.guests("m2").empty());
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), rig.loans.borrowed("m2").size());
		// Also without an ACK seen first: SUSPECT is no failure.
		rig.tickFor(1600);
		CPPUNIT_ASSERT_EQUAL(Federation::SUSPECT, rig.federation.state("m2"));
		Link z = rig.worker("z", 1, "m2");
		rig.directory.message(m2, heartbeat("m2", "RECIEVE"));
		CPPUNIT_ASSERT(!sentTask(rig, z, "RETURN"));
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), rig.loans.borrowed("m2").size());
	}

	void testGrantThatNeverArrivesExpires()
	{
		FederationRig rig;
		Link m2 = rig.linkToM2();
		rig.flood(8);
		rig.tickFor(1100);
		rig.takeTask(m2, "WORKER_REQUEST");
		// lb.max_borrow = 2, both granted; only x ever arrives.
		rig.directory.message(m2, "{\"TASK\":\"WORKER_RESPONSE\",\"STATUS\":\"ACK\",\"SERVER_UUID\":\"m2\",\"WORKERS\":[\"x\",\"y\"]}");
		rig.worker("x", 1, "m2");
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), rig.loans.borrowedCount());
		// Still saturated, but at lb.max_borrow: no more asking.
		tickAlive(rig, m2, 14000);
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), rig.loans.borrowedCount());
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), rig.requestsTo(m2));
		// 15 s after the ACK, y is no loan any more, and we ask again.
		tickAlive(rig, m2, 2000);
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), rig.loans.borrowedCount());
		CPPUNIT_ASSERT_EQUAL(std::string("x"), rig.loans.borrowed("m2").at(0));
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), rig.requestsTo(m2));
	}

	void testWrittenOffLoanWorksHereAgainWhenOwnerDead()
	{
		FederationRig rig;
		Link a = rig.worker("a", 1), b = rig.worker("b", 1);
		Link m2 = rig.linkToM2();
		rig.directory.message(m2, "{\"TASK\":\"WORKER_REQUEST\",\"WORKERS_NEEDED\":1,\"SERVER_UUID\":\"m2\"}");
		CPPUNIT_ASSERT(sentTask(rig, a, "REDIRECT"));
		// a ignores REDIRECT and stays; m2 dies.
		CPPUNIT_ASSERT_EQUAL(std::string("lent"), workerState(rig, "a"));
		rig.tickFor(5100);
		CPPUNIT_ASSERT_EQUAL(Federation::DEAD, rig.federation.state("m2"));
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), rig.loans.lentCount());
		CPPUNIT_ASSERT_EQUAL(std::string("idle"), workerState(rig, "a"));
		CPPUNIT_ASSERT_EQUAL(2, rig.dispatcher.load().idleCredits);
		CPPUNIT_ASSERT(worksHere(rig, a, b));
	}

	void testWrittenOffLoanWorksHereAgainAfterReleaseTimeout()
	{
		FederationRig rig;
		Link a = rig.worker("a", 1), b = rig.worker("b", 1);
		Link m2 = rig.linkToM2();
		rig.directory.message(m2, "{\"TASK\":\"WORKER_REQUEST\",\"WORKERS_NEEDED\":1,\"SERVER_UUID\":\"m2\"}");
		CPPUNIT_ASSERT(sentTask(rig, a, "REDIRECT"));
		// m2 releases a, which never left: the release times out (15 s).
		rig.directory.message(m2, "{\"TASK\":\"COMMAND_RELEASE\",\"SERVER_UUID\":\"m2\",\"WORKERS\":[\"a\"]}");
		tickAlive(rig, m2, 14000);
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), rig.loans.lentCount());
		CPPUNIT_ASSERT(!worksHere(rig, a, b));
		tickAlive(rig, m2, 2000);
		CPPUNIT_ASSERT_EQUAL(Federation::ALIVE, rig.federation.state("m2"));
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), rig.loans.lentCount());
		CPPUNIT_ASSERT(sentTask(rig, m2, "RELEASE_COMPLETED"));
		CPPUNIT_ASSERT_EQUAL(std::string("busy"), workerState(rig, "a"));
	}
};


CPPUNIT_TEST_SUITE_REGISTRATION(LoanLifecycleTest);

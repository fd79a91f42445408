//
// TaskPolicyTest.cpp
//
// Per-task-type policies in the dispatcher (task.<NAME>.timeout_ms,
// .max_attempts, .enabled) and routing by the types a worker offers,
// driven with a ManualClock: a short lease given after a long one expires
// on time; a disabled type is refused; a type no worker offers waits.
//


#include "master/MasterRig.h"
#include <cppunit/extensions/HelperMacros.h>


using namespace orchd;
using namespace orchd::test;


namespace {


DispatchOptions options()
{
	DispatchOptions options;
	options.masterId = "m1";
	options.queueCapacity = 100;
	options.taskTimeout = Poco::Timespan(1, 0);
	options.maxAttempts = 3;
	return options;
}


TaskPolicy policy(int timeoutMs, int maxAttempts, bool enabled = true)
{
	TaskPolicy policy;
	policy.timeout = Poco::Timespan(Poco::Timespan::TimeDiff(timeoutMs) * 1000);
	policy.maxAttempts = maxAttempts;
	policy.enabled = enabled;
	return policy;
}


const std::string QUERY = "{\"TASK\":\"QUERY\",\"USER\":\"ann\",\"REQUEST_ID\":\"q\"}";
const std::string ECHO = "{\"TASK\":\"ECHO\",\"PAYLOAD\":1,\"REQUEST_ID\":\"e\"}";


} // namespace


class TaskPolicyTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(TaskPolicyTest);
	CPPUNIT_TEST(testPolicyDefaultsToGlobal);
	CPPUNIT_TEST(testShortLeaseAfterLongExpiresFirst);
	CPPUNIT_TEST(testMaxAttemptsPerType);
	CPPUNIT_TEST(testDisabledTypeRefused);
	CPPUNIT_TEST(testRetuneChangesPolicies);
	CPPUNIT_TEST(testTaskGoesOnlyToWorkerOfferingIt);
	CPPUNIT_TEST_SUITE_END();

public:
	void testPolicyDefaultsToGlobal()
	{
		DispatchOptions o = options();
		o.taskPolicies["QUERY"] = policy(100, 1);
		CPPUNIT_ASSERT_EQUAL(Poco::Timespan::TimeDiff(1000000), o.policyFor("ECHO").timeout.totalMicroseconds());
		CPPUNIT_ASSERT_EQUAL(3, o.policyFor("ECHO").maxAttempts);
		CPPUNIT_ASSERT(o.policyFor("ECHO").enabled);
		CPPUNIT_ASSERT_EQUAL(Poco::Timespan::TimeDiff(100000), o.policyFor("QUERY").timeout.totalMicroseconds());
		CPPUNIT_ASSERT_EQUAL(1, o.policyFor("QUERY").maxAttempts);
	}

	void testShortLeaseAfterLongExpiresFirst()
	{
		DispatchOptions o = options();
		o.taskPolicies["ECHO"] = policy(1000, 3);
		o.taskPolicies["QUERY"] = policy(100, 3);
		MasterRig rig(o, "TaskPolicyTest");
		Link client = rig.client();
		Link worker = rig.worker("w1", 2, std::string(), "[\"ECHO\",\"QUERY\"]");
		rig.directory.message(client, ECHO);
		Poco::JSON::Object::Ptr echo = rig.directory.takeObject(worker);
		rig.clock.advanceMs(10);
		rig.directory.message(client, QUERY);
		Poco::JSON::Object::Ptr query = rig.directory.takeObject(worker);
		CPPUNIT_ASSERT_EQUAL(std::string("ann"), query->getValue<std::string>("USER"));
		// The QUERY lease (100 ms, from t=10) ends at t=110, long before the
		// ECHO one (t=1000), which was given first.
		rig.clock.advanceMs(99);
		rig.dispatcher.checkLeases();
		CPPUNIT_ASSERT(rig.directory.sent(worker).empty());
		rig.clock.advanceMs(2);
		rig.dispatcher.checkLeases();
		Poco::JSON::Object::Ptr cancel = rig.directory.takeObject(worker);
		CPPUNIT_ASSERT(cancel);
		CPPUNIT_ASSERT_EQUAL(std::string("CANCEL"), cancel->getValue<std::string>("TASK"));
		CPPUNIT_ASSERT_EQUAL(query->getValue<std::string>("TASK_ID"), cancel->getValue<std::string>("TASK_ID"));
		CPPUNIT_ASSERT_EQUAL(1, rig.counters()->getValue<int>("timed_out"));
		// The ECHO lease is untouched until its own end.
		rig.clock.advanceMs(880);
		rig.dispatcher.checkLeases();
		CPPUNIT_ASSERT_EQUAL(1, rig.counters()->getValue<int>("timed_out"));
		rig.clock.advanceMs(20);
		rig.dispatcher.checkLeases();
		CPPUNIT_ASSERT_EQUAL(2, rig.counters()->getValue<int>("timed_out"));
		CPPUNIT_ASSERT_EQUAL(echo->getValue<std::string>("TASK_ID"), rig.directory.takeObject(worker)->getValue<std::string>("TASK_ID"));
	}

	void testMaxAttemptsPerType()
	{
		DispatchOptions o = options();
		o.taskPolicies["QUERY"] = policy(100, 1);
		MasterRig rig(o, "TaskPolicyTest");
		Link client = rig.client();
		Link worker = rig.worker("w1", 2, std::string(), "[\"ECHO\",\"QUERY\"]");
		rig.directory.message(client, QUERY);
		rig.directory.message(client, ECHO);
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), rig.directory.sent(worker).size());
		rig.directory.sent(worker).clear();
		rig.clock.advanceMs(101);
		rig.dispatcher.checkLeases();
		// One attempt for QUERY: failed at once, with its own timeout named.
		Poco::JSON::Object::Ptr result = rig.directory.takeObject(client);
		CPPUNIT_ASSERT(result);
		CPPUNIT_ASSERT_EQUAL(std::string("q"), result->getValue<std::string>("REQUEST_ID"));
		CPPUNIT_ASSERT_EQUAL(std::string("Task failed after 1 attempts: timed out after 100 ms on worker w1"), result->getValue<std::string>("ERROR"));
		// ECHO keeps the global 1 s and 3 attempts: re-dispatched, not failed.
		rig.clock.advanceMs(900);
		rig.dispatcher.checkLeases();
		CPPUNIT_ASSERT(rig.directory.sent(client).empty());
		CPPUNIT_ASSERT_EQUAL(1, rig.counters()->getValue<int>("failed"));
		CPPUNIT_ASSERT_EQUAL(2, rig.counters()->getValue<int>("timed_out"));
	}

	void testDisabledTypeRefused()
	{
		DispatchOptions o = options();
		o.taskPolicies["QUERY"] = policy(1000, 3, false);
		MasterRig rig(o, "TaskPolicyTest");
		Link client = rig.client();
		rig.directory.message(client, QUERY);
		Poco::JSON::Object::Ptr result = rig.directory.takeObject(client);
		CPPUNIT_ASSERT(result);
		CPPUNIT_ASSERT_EQUAL(std::string("NOK"), result->getValue<std::string>("STATUS"));
		CPPUNIT_ASSERT_EQUAL(std::string("Task QUERY is disabled on this master (task.QUERY.enabled = false)"), result->getValue<std::string>("ERROR"));
		CPPUNIT_ASSERT_EQUAL(1, rig.counters()->getValue<int>("rejected_disabled"));
		CPPUNIT_ASSERT_EQUAL(0, rig.dispatcher.status()->getObject("queue")->getValue<int>("depth"));
		// Other types are not affected.
		rig.directory.message(client, ECHO);
		CPPUNIT_ASSERT_EQUAL(1, rig.dispatcher.status()->getObject("queue")->getValue<int>("depth"));
	}

	void testRetuneChangesPolicies()
	{
		MasterRig rig(options(), "TaskPolicyTest");
		Link client = rig.client();
		DispatchOptions o = options();
		o.taskPolicies["ECHO"] = policy(1000, 3, false);
		rig.dispatcher.retune(o);
		rig.directory.message(client, ECHO);
		CPPUNIT_ASSERT_EQUAL(std::string("NOK"), rig.directory.takeObject(client)->getValue<std::string>("STATUS"));
		rig.dispatcher.retune(options());
		rig.directory.message(client, ECHO);
		CPPUNIT_ASSERT(rig.directory.sent(client).empty());
	}

	void testTaskGoesOnlyToWorkerOfferingIt()
	{
		MasterRig rig(options(), "TaskPolicyTest");
		Link client = rig.client();
		Link echoOnly = rig.worker("echo-only", 4);
		rig.directory.message(client, QUERY);
		rig.directory.message(client, ECHO);
		// The QUERY waits: no worker offers it. The ECHO behind it goes.
		std::deque<std::string>& sent = rig.directory.sent(echoOnly);
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), sent.size());
		CPPUNIT_ASSERT_EQUAL(std::string("ECHO"), rig.directory.takeObject(echoOnly)->getValue<std::string>("TASK"));
		CPPUNIT_ASSERT_EQUAL(1, rig.dispatcher.status()->getObject("queue")->getValue<int>("depth"));
		Link queries = rig.worker("queries", 1, std::string(), "[\"QUERY\"]");
		CPPUNIT_ASSERT_EQUAL(std::string("QUERY"), rig.directory.takeObject(queries)->getValue<std::string>("TASK"));
		CPPUNIT_ASSERT_EQUAL(0, rig.dispatcher.status()->getObject("queue")->getValue<int>("depth"));
	}
};


CPPUNIT_TEST_SUITE_REGISTRATION(TaskPolicyTest);

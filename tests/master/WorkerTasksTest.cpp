//
// WorkerTasksTest.cpp
//
// Task types added while the cluster runs: a worker's {"WORKER":"TASKS"}
// announcement, and a master whose PluginHost loads a library after its
// dispatcher started. In-process (FakeDirectory, ManualClock).
//


#include "master/LogCapture.h"
#include "master/MasterRig.h"
#include "Poco/JSON/Array.h"
#include <cppunit/extensions/HelperMacros.h>


using namespace orchd;
using namespace orchd::test;


namespace {


DispatchOptions options()
{
	DispatchOptions options;
	options.masterId = "m1";
	options.taskTimeout = Poco::Timespan(5, 0);
	return options;
}


std::string tasksMessage(const std::string& uuid, const std::string& tasks)
{
	return "{\"WORKER\":\"TASKS\",\"WORKER_UUID\":\"" + uuid + "\",\"TASKS\":" + tasks + "}";
}


Poco::JSON::Object::Ptr workerEntry(MasterRig& rig, const std::string& uuid)
{
	Poco::JSON::Array::Ptr workers = rig.dispatcher.status()->getArray("workers");
	for (std::size_t i = 0; i < workers->size(); ++i)
	{
		Poco::JSON::Object::Ptr entry = workers->getObject(static_cast<unsigned>(i));
		if (entry->getValue<std::string>("id") == uuid) return entry;
	}
	return nullptr;
}


} // namespace


class WorkerTasksTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(WorkerTasksTest);
	CPPUNIT_TEST(testAnnouncedTypeGetsQueuedTasks);
	CPPUNIT_TEST(testAnnouncementWhileBusyKeepsCredits);
	CPPUNIT_TEST(testTasksBeforeAliveRefused);
	CPPUNIT_TEST(testBadTasksRefused);
	CPPUNIT_TEST(testMasterAcceptsTypeLoadedLater);
	CPPUNIT_TEST(testStatusListsPlugins);
	CPPUNIT_TEST_SUITE_END();

public:
	void testAnnouncedTypeGetsQueuedTasks()
	{
		MasterRig rig(options());
		Link client = rig.client();
		Link worker = rig.worker("w1", 2, std::string(), "[\"ECHO\"]");
		rig.directory.message(client, "{\"TASK\":\"QUERY\",\"USER\":\"alice\",\"REQUEST_ID\":1}");
		// Valid (the master has the plugin), but no worker offers QUERY yet.
		CPPUNIT_ASSERT(rig.directory.sent(worker).empty());
		CPPUNIT_ASSERT(rig.directory.sent(client).empty());
		rig.directory.message(worker, tasksMessage("w1", "[\"ECHO\",\"QUERY\"]"));
		Poco::JSON::Object::Ptr task = rig.directory.takeObject(worker);
		CPPUNIT_ASSERT(task);
		CPPUNIT_ASSERT_EQUAL(std::string("QUERY"), task->getValue<std::string>("TASK"));
		CPPUNIT_ASSERT(rig.directory.alive(worker.id));
		Poco::JSON::Array::Ptr tasks = workerEntry(rig, "w1")->getArray("tasks");
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), tasks->size());
		// ECHO still goes to it too.
		rig.directory.message(client, "{\"TASK\":\"ECHO\",\"PAYLOAD\":2,\"REQUEST_ID\":2}");
		task = rig.directory.takeObject(worker);
		CPPUNIT_ASSERT(task);
		CPPUNIT_ASSERT_EQUAL(std::string("ECHO"), task->getValue<std::string>("TASK"));
	}

	void testAnnouncementWhileBusyKeepsCredits()
	{
		// A worker with its one credit taken announces new types: it gets
		// no second task before it answers, and its lease stands.
		MasterRig rig(options());
		Link client = rig.client();
		Link worker = rig.worker("w1", 1, std::string(), "[\"ECHO\"]");
		rig.directory.message(client, "{\"TASK\":\"ECHO\",\"PAYLOAD\":1,\"REQUEST_ID\":1}");
		Poco::JSON::Object::Ptr first = rig.directory.takeObject(worker);
		CPPUNIT_ASSERT(first);
		rig.directory.message(client, "{\"TASK\":\"QUERY\",\"USER\":\"bob\",\"REQUEST_ID\":2}");
		rig.directory.message(worker, tasksMessage("w1", "[\"ECHO\",\"QUERY\"]"));
		CPPUNIT_ASSERT(rig.directory.sent(worker).empty());
		rig.answer(worker, *first);
		Poco::JSON::Object::Ptr result = rig.directory.takeObject(client);
		CPPUNIT_ASSERT(result);
		CPPUNIT_ASSERT_EQUAL(1, result->getValue<int>("REQUEST_ID"));
		Poco::JSON::Object::Ptr second = rig.directory.takeObject(worker);
		CPPUNIT_ASSERT(second);
		CPPUNIT_ASSERT_EQUAL(std::string("QUERY"), second->getValue<std::string>("TASK"));
	}

	void testTasksBeforeAliveRefused()
	{
		MasterRig rig(options());
		Link link = rig.directory.open(rig.dispatcher, Link::WORKER);
		rig.directory.message(link, tasksMessage("w1", "[\"ECHO\"]"));
		CPPUNIT_ASSERT_EQUAL(std::uint16_t(1008), rig.directory.peer(link).closeCode);
		CPPUNIT_ASSERT(rig.directory.peer(link).closeReason.find("ALIVE") != std::string::npos);
		CPPUNIT_ASSERT_EQUAL(1, rig.counters()->getValue<int>("worker_garbage"));
	}

	void testBadTasksRefused()
	{
		MasterRig rig(options());
		Link worker = rig.worker("w1", 1);
		rig.directory.message(worker, "{\"WORKER\":\"TASKS\",\"WORKER_UUID\":\"w1\",\"TASKS\":\"ECHO\"}");
		CPPUNIT_ASSERT_EQUAL(std::uint16_t(1008), rig.directory.peer(worker).closeCode);
		CPPUNIT_ASSERT_EQUAL(std::string("bad TASKS: Missing field: TASKS (an array of task names)"), rig.directory.peer(worker).closeReason);
		CPPUNIT_ASSERT_EQUAL(1, rig.counters()->getValue<int>("worker_garbage"));
	}

	void testMasterAcceptsTypeLoadedLater()
	{
		MasterRig rig(options());
		Link client = rig.client();
		Link worker = rig.worker("w1", 1, std::string(), "[\"ECHO\"]");
		{
			// Told before the master has the library: said, and refused to clients.
			LogCapture log(rig.logger);
			rig.directory.message(worker, tasksMessage("w1", "[\"ALPHA\",\"ECHO\"]"));
			CPPUNIT_ASSERT_EQUAL_MESSAGE(log.text(), std::size_t(1), log.count("worker w1 offers ALPHA, which this master has not loaded", Poco::Message::PRIO_WARNING));
		}
		rig.directory.message(client, "{\"TASK\":\"ALPHA\",\"REQUEST_ID\":1}");
		Poco::JSON::Object::Ptr refusal = rig.directory.takeObject(client);
		CPPUNIT_ASSERT(refusal);
		CPPUNIT_ASSERT_EQUAL(std::string("Unknown task: ALPHA"), refusal->getValue<std::string>("ERROR"));
		// The master's host loads the library while the dispatcher runs.
		CPPUNIT_ASSERT(rig.plugins.loadLibrary(testPluginsDir() + "/libt_alpha.so"));
		rig.directory.message(client, "{\"TASK\":\"ALPHA\",\"REQUEST_ID\":2}");
		Poco::JSON::Object::Ptr task = rig.directory.takeObject(worker);
		CPPUNIT_ASSERT(task);
		CPPUNIT_ASSERT_EQUAL(std::string("ALPHA"), task->getValue<std::string>("TASK"));
		rig.directory.message(worker, "{\"STATUS\":\"OK\",\"TASK\":\"ALPHA\",\"TASK_ID\":\"" + task->getValue<std::string>("TASK_ID") + "\",\"ATTEMPT\":1}");
		Poco::JSON::Object::Ptr result = rig.directory.takeObject(client);
		CPPUNIT_ASSERT(result);
		CPPUNIT_ASSERT_EQUAL(std::string("OK"), result->getValue<std::string>("STATUS"));
		CPPUNIT_ASSERT_EQUAL(2, result->getValue<int>("REQUEST_ID"));
	}

	void testStatusListsPlugins()
	{
		MasterRig rig(options());
		CPPUNIT_ASSERT(!rig.plugins.loadLibrary(testPluginsDir() + "/libt_bad_abi.so"));
		Poco::JSON::Object::Ptr plugins = rig.dispatcher.status()->getObject("plugins");
		CPPUNIT_ASSERT(plugins);
		CPPUNIT_ASSERT_EQUAL(std::size_t(3), plugins->getArray("loaded")->size());  // echo, saldo, sql
		Poco::JSON::Array::Ptr refused = plugins->getArray("refused");
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), refused->size());
		CPPUNIT_ASSERT(refused->getObject(0)->getValue<std::string>("why").find("plugin ABI version 999") != std::string::npos);
		CPPUNIT_ASSERT_EQUAL(1, plugins->getValue<int>("refused_total"));
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), plugins->getArray("restart_needed")->size());
	}
};


CPPUNIT_TEST_SUITE_REGISTRATION(WorkerTasksTest);

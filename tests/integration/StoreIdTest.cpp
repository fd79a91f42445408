//
// StoreIdTest.cpp
//
// The store id check with real processes: a master whose file names a
// store refuses a worker on another database and serves one on its own; a
// master without a store checks nothing and says so.
//


#include "json/JsonObject.h"
#include "TestSupport.h"
#include "ctl/MasterClient.h"
#include "Poco/JSON/Array.h"
#include "Poco/JSON/Object.h"
#include <cppunit/extensions/HelperMacros.h>
#include <memory>


using orchd::MasterClient;
using orchd::parseObject;
using namespace orchd::test;


namespace {



Poco::JSON::Object::Ptr workerEntry(Poco::UInt16 port, const std::string& id)
	/// The worker's entry in the master's status, or null.
{
	Poco::JSON::Array::Ptr workers = masterStatus(port)->getArray("workers");
	for (std::size_t i = 0; i < workers->size(); ++i)
	{
		Poco::JSON::Object::Ptr worker = workers->getObject(static_cast<unsigned>(i));
		if (worker->getValue<std::string>("id") == id) return worker;
	}
	return nullptr;
}


// The worker's log with each line's priority, to see that a refusal is an
// error there.
const char* const PRIORITY_IN_LOG =
	"logging.formatters.priority.class = PatternFormatter\n"
	"logging.formatters.priority.pattern = [%p] %t\n"
	"logging.channels.file.formatter = priority\n";


} // namespace


class StoreIdTest: public NodeFixture
{
	CPPUNIT_TEST_SUITE(StoreIdTest);
	CPPUNIT_TEST(testWorkerOnAnotherStoreRefusedAndOnOursServes);
	CPPUNIT_TEST(testMasterWithoutStoreChecksNothing);
	CPPUNIT_TEST_SUITE_END();

public:
	void testWorkerOnAnotherStoreRefusedAndOnOursServes()
	{
		NodeProcess& master = start("m1", masterProperties("m1", "store.connection = " + _dir->file("A.db") + "\n"));
		Poco::UInt16 port = master.masterPort();
		Poco::JSON::Object::Ptr store = masterStatus(port)->getObject("store");
		CPPUNIT_ASSERT_MESSAGE(master.log(), !store->isNull("id"));
		std::string storeA = store->getValue<std::string>("id");
		CPPUNIT_ASSERT_EQUAL(std::string("sqlite"), store->getValue<std::string>("connector"));
		CPPUNIT_ASSERT(master.log().find("no store.connection") == std::string::npos);

		// A worker on B.db: refused, by the master and in its own log.
		NodeProcess& wrong = start("wb", workerProperties("wb", home(port), _dir->file("B.db"), PRIORITY_IN_LOG));
		std::string reasonStart = "store mismatch: master's store is " + storeA + ", worker's is ";
		CPPUNIT_ASSERT_MESSAGE(master.log(), master.waitForLog("worker wb from 127.0.0.1:"));
		CPPUNIT_ASSERT_MESSAGE(master.log(), master.waitForLog("refused: " + reasonStart));
		CPPUNIT_ASSERT_MESSAGE(wrong.log(), wrong.waitForLog("[Error] worker wb refused by master m1: the peer closed the connection: " + reasonStart));
		std::string storeB = masterStatus(port)->getObject("store")->getArray("refusals")->getObject(0)->getValue<std::string>("store_id");
		// The worker has the whole reason: the close frame did not cut it.
		CPPUNIT_ASSERT_MESSAGE(wrong.log(), wrong.waitForLog("the peer closed the connection: " + reasonStart + storeB + "\n"));
		Poco::JSON::Object::Ptr after = masterStatus(port);
		CPPUNIT_ASSERT(after->getObject("counters")->getValue<int>("store_refused") >= 1);
		Poco::JSON::Object::Ptr refusal = after->getObject("store")->getArray("refusals")->getObject(0);
		CPPUNIT_ASSERT_EQUAL(std::string("wb"), refusal->getValue<std::string>("worker"));
		CPPUNIT_ASSERT(!storeB.empty() && storeB != storeA);
		CPPUNIT_ASSERT_EQUAL(reasonStart + storeB, refusal->getValue<std::string>("reason"));
		CPPUNIT_ASSERT(!workerEntry(port, "wb"));

		// A worker on A.db: accepted, and its tasks run on the master's store.
		NodeProcess& right = start("wa", workerProperties("wa", home(port), _dir->file("A.db")));
		CPPUNIT_ASSERT_MESSAGE(right.log(), right.waitForLog("connected to master m1"));
		CPPUNIT_ASSERT(waitFor([&] { return workerEntry(port, "wa") != nullptr; }));
		CPPUNIT_ASSERT_EQUAL(storeA, workerEntry(port, "wa")->getValue<std::string>("store_id"));
		MasterClient client(Poco::Net::SocketAddress("127.0.0.1", port));
		CPPUNIT_ASSERT_EQUAL(std::string("OK"), client.call(parseObject("{\"TASK\":\"OPEN\",\"USER\":\"alice\",\"AMOUNT\":\"100.00\"}"))->getValue<std::string>("STATUS"));
		Poco::JSON::Object::Ptr result;
		std::string updated = client.call(parseObject("{\"TASK\":\"UPDATE\",\"USER\":\"alice\",\"AMOUNT\":-12.5}"), result);
		CPPUNIT_ASSERT_MESSAGE(updated, updated.find("\"SALDO\":87.50") != std::string::npos);
		CPPUNIT_ASSERT(!workerEntry(port, "wb"));

		// orchctl status shows the master's store, the worker's and the refusal.
		ProcessResult shown = runProcess(orchctlBinary(), {"--master", "127.0.0.1:" + std::to_string(port), "status"});
		CPPUNIT_ASSERT_EQUAL_MESSAGE(shown.err, 0, shown.exitCode);
		CPPUNIT_ASSERT_MESSAGE(shown.out, shown.out.find("store   " + storeA + " (sqlite)") != std::string::npos);
		CPPUNIT_ASSERT_MESSAGE(shown.out, shown.out.find("refused for their store") != std::string::npos);
		CPPUNIT_ASSERT_MESSAGE(shown.out, shown.out.find(storeB) != std::string::npos);
		std::string::size_type row = shown.out.find("\nwa ");
		CPPUNIT_ASSERT_MESSAGE(shown.out, row != std::string::npos && shown.out.find(storeA, row) < shown.out.find('\n', row + 1));
	}

	void testMasterWithoutStoreChecksNothing()
	{
		NodeProcess& master = start("m1", masterProperties("m1"));
		Poco::UInt16 port = master.masterPort();
		CPPUNIT_ASSERT_MESSAGE(master.log(), master.waitForLog("no store.connection: workers' and peers' store ids are not checked"));
		CPPUNIT_ASSERT(masterStatus(port)->getObject("store")->isNull("id"));
		NodeProcess& worker = start("wb", workerProperties("wb", home(port), _dir->file("B.db")));
		CPPUNIT_ASSERT_MESSAGE(worker.log(), worker.waitForLog("connected to master m1"));
		CPPUNIT_ASSERT(waitFor([&] { return workerEntry(port, "wb") != nullptr; }));
		// It still says which store it is on.
		CPPUNIT_ASSERT(!workerEntry(port, "wb")->isNull("store_id"));
		CPPUNIT_ASSERT_EQUAL(0, masterStatus(port)->getObject("counters")->getValue<int>("store_refused"));
		std::string text = master.log();
		CPPUNIT_ASSERT_EQUAL(text.find("no store.connection"), text.rfind("no store.connection"));
	}
};


CPPUNIT_TEST_SUITE_REGISTRATION(StoreIdTest);

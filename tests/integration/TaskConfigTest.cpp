//
// TaskConfigTest.cpp
//
// Config-driven tasks with real processes: worker.tasks keeps a type off a
// worker (its task waits in the master's queue), a per-type timeout and
// attempt count take effect, task.<NAME>.enabled = false is refused, the
// sql plugin's LOW_BALANCES (declared in properties) answers through
// orchctl, and bad task or plugin keys stop a node at start (exit 78).
//


#include "json/JsonObject.h"
#include "TestSupport.h"
#include "Poco/JSON/Array.h"
#include "Poco/Process.h"
#include "Poco/Thread.h"
#include "Poco/Timestamp.h"
#include <cppunit/extensions/HelperMacros.h>


using orchd::parseObject;
using namespace orchd::test;


namespace {


const std::string SQL_KEYS =
	"plugin.sql.tasks = LOW_BALANCES\n"
	"plugin.sql.LOW_BALANCES.statement = SELECT user_id, balance FROM accounts WHERE balance < :amount ORDER BY balance\n"
	"plugin.sql.LOW_BALANCES.params = amount:cents\n";


bool contains(const std::string& text, const std::string& part)
{
	return text.find(part) != std::string::npos;
}


} // namespace


class TaskConfigTest: public NodeFixture
{
	CPPUNIT_TEST_SUITE(TaskConfigTest);
	CPPUNIT_TEST(testTaskKeysInEffect);
	CPPUNIT_TEST(testBadKeysStopTheNode);
	CPPUNIT_TEST_SUITE_END();

public:
	void testTaskKeysInEffect()
	{
		NodeProcess& master = start("m1", masterProperties("m1",
			"task.ECHO.timeout_ms = 300\ntask.ECHO.max_attempts = 2\ntask.QUERY.enabled = false\n" + SQL_KEYS));
		Poco::UInt16 port = master.masterPort();
		std::string address = "127.0.0.1:" + std::to_string(port);
		NodeProcess& worker = start("w1", workerProperties("w1", home(port), _dir->file("w1.db"), "worker.tasks = ECHO, OPEN, LOW_BALANCES\n" + SQL_KEYS));
		CPPUNIT_ASSERT_MESSAGE(worker.log(), waitFor([&] { return workerCount(port) == 1; }));
		Poco::Dynamic::Var offered = masterStatus(port)->getArray("workers")->getObject(0)->get("tasks");
		CPPUNIT_ASSERT_EQUAL(std::string("[\"ECHO\",\"LOW_BALANCES\",\"OPEN\"]"), orchd::toText(offered));

		// LOW_BALANCES through orchctl: the rows under 10.00.
		for (const char* open: {"{\"TASK\":\"OPEN\",\"USER\":\"ann\",\"AMOUNT\":\"5.00\"}", "{\"TASK\":\"OPEN\",\"USER\":\"bob\",\"AMOUNT\":\"120.00\"}",
			"{\"TASK\":\"OPEN\",\"USER\":\"cid\",\"AMOUNT\":\"0.99\"}"})
			CPPUNIT_ASSERT_EQUAL(0, runProcess(orchctlBinary(), {"--master", address, "submit", open}).exitCode);
		ProcessResult low = runProcess(orchctlBinary(), {"--master", address, "submit", "{\"TASK\":\"LOW_BALANCES\",\"AMOUNT\":\"10.00\"}"});
		CPPUNIT_ASSERT_EQUAL_MESSAGE(low.out + low.err, 0, low.exitCode);
		Poco::JSON::Object::Ptr answer = parseObject(low.out);
		Poco::JSON::Array::Ptr rows = answer->getArray("ROWS");
		CPPUNIT_ASSERT_EQUAL_MESSAGE(low.out, std::size_t(2), rows->size());
		CPPUNIT_ASSERT_EQUAL(std::string("cid"), rows->getObject(0)->getValue<std::string>("user_id"));
		CPPUNIT_ASSERT_EQUAL(std::string("99"), orchd::toText(rows->getObject(0)->get("balance")));
		CPPUNIT_ASSERT_EQUAL(std::string("ann"), rows->getObject(1)->getValue<std::string>("user_id"));
		CPPUNIT_ASSERT_EQUAL(std::string("500"), orchd::toText(rows->getObject(1)->get("balance")));

		// Disabled on the master: refused at once.
		ProcessResult disabled = runProcess(orchctlBinary(), {"--master", address, "submit", "{\"TASK\":\"QUERY\",\"USER\":\"ann\"}"});
		CPPUNIT_ASSERT(disabled.exitCode != 0);
		CPPUNIT_ASSERT_MESSAGE(disabled.out, contains(disabled.out, "Task QUERY is disabled on this master (task.QUERY.enabled = false)"));

		// ECHO's own lease (300 ms) and attempts (2): a 3 s echo fails in about 600 ms.
		Poco::Timestamp began;
		ProcessResult slow = runProcess(orchctlBinary(), {"--master", address, "submit", "{\"TASK\":\"ECHO\",\"PAYLOAD\":1,\"DELAY_MS\":3000}"});
		CPPUNIT_ASSERT_MESSAGE(slow.out, contains(slow.out, "Task failed after 2 attempts: timed out after 300 ms on worker w1"));
		CPPUNIT_ASSERT(began.elapsed() < 2500000);
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(2), counter(port, "timed_out"));

		// UPDATE is not in w1's worker.tasks: it waits in the queue.
		Poco::ProcessHandle update = Poco::Process::launch(orchctlBinary(), {"--master", address, "submit", "{\"TASK\":\"UPDATE\",\"USER\":\"ann\",\"AMOUNT\":1}"});
		CPPUNIT_ASSERT(waitFor([&] { return masterStatus(port)->getObject("queue")->getValue<int>("depth") == 1; }));
		Poco::Thread::sleep(300);  // not a synchronisation: time for a wrong lease to show
		CPPUNIT_ASSERT_EQUAL(1, masterStatus(port)->getObject("queue")->getValue<int>("depth"));
		CPPUNIT_ASSERT_EQUAL(0, masterStatus(port)->getObject("queue")->getValue<int>("in_flight"));
		Poco::Process::kill(update);
		update.wait();
	}

	void testBadKeysStopTheNode()
	{
		std::string file = _dir->file("bad.properties");
		const std::pair<std::string, std::string> cases[] = {
			{"worker.tasks = ECHO, UPDAT\n", "worker.tasks: no loaded plugin provides task UPDAT (did you mean UPDATE?); loaded: CLOSE, ECHO, OPEN, QUERY, TRANSFER, UPDATE"},
			{"task.QUERRY.timeout_ms = 100\n", "task.QUERRY.timeout_ms: no loaded plugin provides task QUERRY (did you mean QUERY?)"},
			{"plugin.sql.max_row = 5\n", "plugin.sql.max_row: unknown key (did you mean plugin.sql.max_rows?)"},
			{"plugin.sql.tasks = WIPE\nplugin.sql.WIPE.statement = WITH x AS (SELECT 1) DELETE FROM accounts\n",
				"plugin.sql.WIPE.statement: refused: it writes (SQLite says it is not read-only)"},
		};
		for (const auto& item: cases)
		{
			writeFile(file, workerProperties("w1", "m1@127.0.0.1:1", _dir->file("w1.db"), item.first));
			ProcessResult result = runProcess(orchdBinary(), {"--config=" + file});
			CPPUNIT_ASSERT_EQUAL_MESSAGE(result.err, 78, result.exitCode);
			CPPUNIT_ASSERT_MESSAGE(result.err, contains(result.err, "configuration error in " + file + ": " + item.second));
		}
	}
};


CPPUNIT_TEST_SUITE_REGISTRATION(TaskConfigTest);

//
// NetStoreClusterTest.cpp
//
// A real cluster on each networked store: a master and two worker
// processes on the PostgreSQL (or MariaDB) server that scripts/dbservers.sh
// started, a mixed UPDATE/TRANSFER/QUERY load through `orchctl bench` while
// one worker is killed with -9, and the bench's balance check at the end.
// And the sql plugin on each: a worker on the server serves a declared
// LOW_BALANCES through orchctl, binds a text value as data, and a worker
// whose declared statement writes is refused at start by the database.
//


#include "json/JsonObject.h"
#include "store/NetSchema.h"
#include "store/TestDatabases.h"
#include "Poco/JSON/Array.h"
#include "Poco/Pipe.h"
#include "Poco/PipeStream.h"
#include "Poco/StreamCopier.h"
#include <cppunit/extensions/HelperMacros.h>
#include <memory>
#include <thread>


using namespace orchd;
using namespace orchd::test;


namespace {


const std::string SQL_KEYS =
	"plugin.sql.tasks = LOW_BALANCES, BY_NAME\n"
	"plugin.sql.LOW_BALANCES.statement = SELECT user_id, balance FROM accounts WHERE balance < :amount ORDER BY balance\n"
	"plugin.sql.LOW_BALANCES.params = amount:cents\n"
	"plugin.sql.BY_NAME.statement = SELECT user_id, balance FROM accounts WHERE user_id = :user\n"
	"plugin.sql.BY_NAME.params = user:text\n";


} // namespace


class NetStoreCluster: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(NetStoreCluster);
	CPPUNIT_TEST(testMixedLoadWithAWorkerKilled);
	CPPUNIT_TEST(testSqlTasks);
	CPPUNIT_TEST_SUITE_END_ABSTRACT();

public:
	explicit NetStoreCluster(const std::string& connector = "postgresql"): _connector(connector)
	{
	}

	void setUp() override
	{
		_dir = std::make_unique<TempDir>();
		NetSchema::drop(*testConnection(_connector));
	}

	void tearDown() override
	{
		_nodes.clear();
		_dir.reset();
	}

	void testMixedLoadWithAWorkerKilled()
	{
		auto master = std::make_unique<NodeProcess>(*_dir, "m1", masterProperties("m1"));
		master->start();
		Poco::UInt16 port = master->masterPort();
		_nodes.push_back(std::move(master));
		addWorker(port, "w1", "worker.links = 2\n");
		addWorker(port, "w2", "");
		CPPUNIT_ASSERT(waitFor([&] { return workerCount(port) == 3; }));
		// Both processes found one store id in the database.
		std::string id1 = storeIdIn(_nodes[1]->log()), id2 = storeIdIn(_nodes[2]->log());
		CPPUNIT_ASSERT_EQUAL(std::size_t(36), id1.size());
		CPPUNIT_ASSERT_EQUAL(id1, id2);

		Poco::Pipe outPipe;
		Poco::ProcessHandle bench = Poco::Process::launch(orchctlBinary(), {"--master", "127.0.0.1:" + std::to_string(port), "bench",
			"--tasks=6000", "--concurrency=32", "--mix=QUERY:20,UPDATE:50,TRANSFER:30", "--accounts=8"}, nullptr, &outPipe, &outPipe);
		std::string text;
		std::thread reader([&] { Poco::PipeInputStream in(outPipe); Poco::StreamCopier::copyToString(in, text); });
		bool midway = waitFor([&] { return counter(port, "completed") >= 1500; }, Poco::Timespan(90, 0));
		_nodes[2]->kill();
		int code = -1;
		bool finished = waitFor([&] { code = bench.tryWait(); return code != -1; }, Poco::Timespan(180, 0));
		if (!finished) Poco::Process::kill(bench);
		reader.join();
		CPPUNIT_ASSERT(midway);
		CPPUNIT_ASSERT_MESSAGE(text, finished);
		CPPUNIT_ASSERT_EQUAL_MESSAGE(text, 0, code);
		CPPUNIT_ASSERT_MESSAGE(text, text.find("6000 of 6000 answered") != std::string::npos);
		CPPUNIT_ASSERT_MESSAGE(text, text.find("balance      OK") != std::string::npos);
	}

	void testSqlTasks()
	{
		auto master = std::make_unique<NodeProcess>(*_dir, "m1", masterProperties("m1", SQL_KEYS));
		master->start();
		Poco::UInt16 port = master->masterPort();
		std::string address = "127.0.0.1:" + std::to_string(port);
		_nodes.push_back(std::move(master));
		addWorker(port, "w1", SQL_KEYS);
		CPPUNIT_ASSERT(waitFor([&] { return workerCount(port) == 1; }));
		for (const char* open: {"{\"TASK\":\"OPEN\",\"USER\":\"ann\",\"AMOUNT\":\"5.00\"}", "{\"TASK\":\"OPEN\",\"USER\":\"bob\",\"AMOUNT\":\"120.00\"}",
			"{\"TASK\":\"OPEN\",\"USER\":\"cid\",\"AMOUNT\":\"0.99\"}"})
			CPPUNIT_ASSERT_EQUAL(0, runProcess(orchctlBinary(), {"--master", address, "submit", open}).exitCode);
		Poco::JSON::Array::Ptr rows = submit(address, "{\"TASK\":\"LOW_BALANCES\",\"AMOUNT\":\"10.00\"}");
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), rows->size());
		CPPUNIT_ASSERT_EQUAL(std::string("cid"), rows->getObject(0)->getValue<std::string>("user_id"));
		CPPUNIT_ASSERT_EQUAL(std::string("99"), toText(rows->getObject(0)->get("balance")));
		CPPUNIT_ASSERT_EQUAL(std::string("ann"), rows->getObject(1)->getValue<std::string>("user_id"));
		CPPUNIT_ASSERT_EQUAL(std::string("500"), toText(rows->getObject(1)->get("balance")));
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), submit(address, "{\"TASK\":\"BY_NAME\",\"USER\":\"bob\"}")->size());
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), submit(address, "{\"TASK\":\"BY_NAME\",\"USER\":\"x' OR '1'='1\"}")->size());

		// A statement that writes stops a worker at start (exit 78), as
		// this database judges it.
		std::string file = _dir->file("wipe.properties");
		writeFile(file, workerProperties("w2", "m1@" + address, "unused", storeKeys(_connector) +
			"plugin.sql.tasks = WIPE\nplugin.sql.WIPE.statement = WITH gone AS (DELETE FROM accounts RETURNING user_id) SELECT user_id FROM gone\n"));
		ProcessResult refused = runProcess(orchdBinary(), {"--config=" + file});
		CPPUNIT_ASSERT_EQUAL_MESSAGE(refused.err, 78, refused.exitCode);
		std::string why = _connector == "postgresql" ? "refused: PostgreSQL refuses it in a read-only transaction" : "refused: MariaDB cannot prepare it";
		CPPUNIT_ASSERT_MESSAGE(refused.err, refused.err.find("plugin.sql.WIPE.statement: " + why) != std::string::npos);
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), submit(address, "{\"TASK\":\"LOW_BALANCES\",\"AMOUNT\":\"10.00\"}")->size());
	}

private:
	static Poco::JSON::Array::Ptr submit(const std::string& address, const std::string& request)
		/// The ROWS of a sql task sent through orchctl.
	{
		ProcessResult result = runProcess(orchctlBinary(), {"--master", address, "submit", request});
		CPPUNIT_ASSERT_EQUAL_MESSAGE(result.out + result.err, 0, result.exitCode);
		Poco::JSON::Array::Ptr rows = parseObject(result.out)->getArray("ROWS");
		CPPUNIT_ASSERT_MESSAGE(result.out, rows);
		return rows;
	}

	void addWorker(Poco::UInt16 port, const std::string& id, const std::string& extra)
	{
		auto worker = std::make_unique<NodeProcess>(*_dir, id, workerProperties(id, "m1@127.0.0.1:" + std::to_string(port), "unused", storeKeys(_connector) + extra));
		worker->start();
		CPPUNIT_ASSERT_MESSAGE(worker->log(), worker->waitForLog("connected to master m1", Poco::Timespan(30, 0)));
		_nodes.push_back(std::move(worker));
	}

	static std::string storeIdIn(const std::string& log)
	{
		std::string::size_type at = log.find("store id ");
		return at == std::string::npos ? std::string() : log.substr(at + 9, 36);
	}

	std::string _connector;
	std::unique_ptr<TempDir> _dir;
	std::vector<std::unique_ptr<NodeProcess>> _nodes;
};


class PostgresClusterTest: public NetStoreCluster
{
	CPPUNIT_TEST_SUB_SUITE(PostgresClusterTest, NetStoreCluster);
	CPPUNIT_TEST_SUITE_END();

public:
	PostgresClusterTest(): NetStoreCluster("postgresql")
	{
	}
};


class MariaClusterTest: public NetStoreCluster
{
	CPPUNIT_TEST_SUB_SUITE(MariaClusterTest, NetStoreCluster);
	CPPUNIT_TEST_SUITE_END();

public:
	MariaClusterTest(): NetStoreCluster("mariadb")
	{
	}
};


CPPUNIT_TEST_SUITE_REGISTRATION(PostgresClusterTest);
CPPUNIT_TEST_SUITE_REGISTRATION(MariaClusterTest);
ORCHD_TEST_SKIP_UNLESS(PostgresClusterTest, postgresMissing)
ORCHD_TEST_SKIP_UNLESS(MariaClusterTest, mariaMissing)

//
// NetStoreClusterTest.cpp
//
// A real cluster on each networked store: a master and two worker
// processes on the PostgreSQL (or MariaDB) server that scripts/dbservers.sh
// started, a mixed UPDATE/TRANSFER/QUERY load through `orchctl bench` while
// one worker is killed with -9, and the bench's balance check at the end.
//


#include "TestSupport.h"
#include "json/JsonObject.h"
#include "store/MariaStatements.h"
#include "store/NetSchema.h"
#include "store/PgStatements.h"
#include "Poco/FileStream.h"
#include "Poco/Pipe.h"
#include "Poco/PipeStream.h"
#include "Poco/StreamCopier.h"
#include <cppunit/extensions/HelperMacros.h>
#include <memory>
#include <thread>


using namespace orchd;
using namespace orchd::test;


namespace {


std::string password()
{
	Poco::FileInputStream in(environment("ORCHD_TEST_DB_PASSWORD_FILE"));
	std::string line;
	std::getline(in, line);
	return line;
}


std::string unavailable(const std::string& variable, const std::string& what)
{
	if (!environment(variable).empty()) return std::string();
	std::string why = environment(variable + "_SKIPPED");
	return why.empty() ? "no " + what + " server (" + variable + " is not set: run through scripts/test.sh, which starts one)" : why;
}


std::size_t workerCount(Poco::UInt16 port)
{
	int code = 0;
	return parseObject(httpGet(port, "/v1/status", code))->getArray("workers")->size();
}


Poco::Int64 completed(Poco::UInt16 port)
{
	int code = 0;
	return parseObject(httpGet(port, "/v1/status", code))->getObject("counters")->getValue<Poco::Int64>("completed");
}


} // namespace


class NetStoreCluster: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(NetStoreCluster);
	CPPUNIT_TEST(testMixedLoadWithAWorkerKilled);
	CPPUNIT_TEST_SUITE_END_ABSTRACT();

public:
	void setUp() override
	{
		_dir = std::make_unique<TempDir>();
		clean();
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
		bool midway = waitFor([&] { return completed(port) >= 1500; }, Poco::Timespan(90, 0));
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

protected:
	virtual std::string storeKeys() = 0;
	virtual void clean() = 0;

private:
	void addWorker(Poco::UInt16 port, const std::string& id, const std::string& extra)
	{
		auto worker = std::make_unique<NodeProcess>(*_dir, id, workerProperties(id, "m1@127.0.0.1:" + std::to_string(port), "unused", storeKeys() + extra));
		worker->start();
		CPPUNIT_ASSERT_MESSAGE(worker->log(), worker->waitForLog("connected to master m1", Poco::Timespan(30, 0)));
		_nodes.push_back(std::move(worker));
	}

	static std::string storeIdIn(const std::string& log)
	{
		std::string::size_type at = log.find("store id ");
		return at == std::string::npos ? std::string() : log.substr(at + 9, 36);
	}

	std::unique_ptr<TempDir> _dir;
	std::vector<std::unique_ptr<NodeProcess>> _nodes;
};


class PostgresClusterTest: public NetStoreCluster
{
	CPPUNIT_TEST_SUB_SUITE(PostgresClusterTest, NetStoreCluster);
	CPPUNIT_TEST_SUITE_END();

protected:
	std::string storeKeys() override
	{
		return "store.connector = postgresql\n"
			"store.connection = " + environment("ORCHD_TEST_POSTGRESQL") + "\n"
			"store.password_file = " + environment("ORCHD_TEST_DB_PASSWORD_FILE") + "\n";
	}

	void clean() override
	{
		PgStatements connection(environment("ORCHD_TEST_POSTGRESQL") + " password='" + password() + "'");
		NetSchema::drop(connection);
	}
};


class MariaClusterTest: public NetStoreCluster
{
	CPPUNIT_TEST_SUB_SUITE(MariaClusterTest, NetStoreCluster);
	CPPUNIT_TEST_SUITE_END();

protected:
	std::string storeKeys() override
	{
		return "store.connector = mariadb\n"
			"store.connection = " + environment("ORCHD_TEST_MARIADB") + "\n"
			"store.password_file = " + environment("ORCHD_TEST_DB_PASSWORD_FILE") + "\n";
	}

	void clean() override
	{
		MariaAddress address = MariaAddress::parse(environment("ORCHD_TEST_MARIADB"));
		address.password = password();
		MariaStatements connection(address);
		NetSchema::drop(connection);
	}
};


CPPUNIT_TEST_SUITE_REGISTRATION(PostgresClusterTest);
CPPUNIT_TEST_SUITE_REGISTRATION(MariaClusterTest);
ORCHD_TEST_SKIP_UNLESS(PostgresClusterTest, [] { return unavailable("ORCHD_TEST_POSTGRESQL", "PostgreSQL"); })
ORCHD_TEST_SKIP_UNLESS(MariaClusterTest, [] { return unavailable("ORCHD_TEST_MARIADB", "MariaDB"); })

//
// MetricsTest.cpp
//
// GET /metrics on a real master and on a real worker's
// worker.metrics_listen, after tasks went through: promtool finds both
// bodies clean, and the counts moved as the tasks say. With client
// tokens, /metrics needs a read token like /v1/status.
//


#include "TestSupport.h"
#include "Poco/File.h"
#include "Poco/Net/HTTPClientSession.h"
#include "Poco/Net/HTTPRequest.h"
#include "Poco/Net/HTTPResponse.h"
#include "Poco/Net/ServerSocket.h"
#include "Poco/StreamCopier.h"
#include <cppunit/extensions/HelperMacros.h>
#include <sstream>


using namespace orchd::test;


namespace {


const char* const PROMTOOL = "/usr/bin/promtool";


double metric(const std::string& body, const std::string& series)
	/// The value of one series (name and labels exactly as written), or
	/// -1 if the body has no such line.
{
	std::istringstream in(body);
	std::string line;
	while (std::getline(in, line))
	{
		if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 && line[series.size()] == ' ')
			return std::stod(line.substr(series.size() + 1));
	}
	return -1;
}


int getWithToken(Poco::UInt16 port, const std::string& path, const std::string& token, std::string& contentType)
{
	Poco::Net::HTTPClientSession session("127.0.0.1", port);
	session.setTimeout(Poco::Timespan(10, 0));
	Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, path, Poco::Net::HTTPMessage::HTTP_1_1);
	if (!token.empty()) request.set("Authorization", "Bearer " + token);
	session.sendRequest(request);
	Poco::Net::HTTPResponse response;
	std::string body;
	Poco::StreamCopier::copyToString(session.receiveResponse(response), body);
	contentType = response.getContentType();
	return response.getStatus();
}


} // namespace


ORCHD_TEST_SKIP_UNLESS(MetricsTest, []
{
	return Poco::File(PROMTOOL).exists() ? std::string() : std::string("no promtool to check the metrics (apt-get install prometheus)");
});


class MetricsTest: public NodeFixture
{
	CPPUNIT_TEST_SUITE(MetricsTest);
	CPPUNIT_TEST(testMasterAndWorkerMetrics);
	CPPUNIT_TEST(testMetricsNeedReadToken);
	CPPUNIT_TEST(testWorkerMetricsAddressTaken);
	CPPUNIT_TEST_SUITE_END();

public:
	void testMasterAndWorkerMetrics()
	{
		NodeProcess& master = start("m1", masterProperties("m1"));
		Poco::UInt16 port = master.masterPort();
		NodeProcess& worker = start("w1", workerProperties("w1", home(port), _dir->file("store.db"), "worker.metrics_listen = 127.0.0.1:0\n"));
		CPPUNIT_ASSERT(waitFor([port] { return workerCount(port) == 1; }));
		Poco::UInt16 workerPort = metricsPort(worker);
		const int ECHOES = 6;
		std::string masterAddress = "127.0.0.1:" + std::to_string(port);
		for (int i = 0; i < ECHOES; ++i) orchctl({"--master", masterAddress, "submit", "{\"TASK\":\"ECHO\",\"PAYLOAD\":" + std::to_string(i) + "}"});
		orchctl({"--master", masterAddress, "open", "alice", "10"});
		orchctl({"--master", masterAddress, "update", "alice", "2.50"});

		std::string body = scrape(port, "master");
		CPPUNIT_ASSERT_EQUAL(double(ECHOES), metric(body, "orchd_tasks_submitted_total{type=\"ECHO\"}"));
		CPPUNIT_ASSERT_EQUAL(double(ECHOES), metric(body, "orchd_tasks_completed_total{type=\"ECHO\"}"));
		CPPUNIT_ASSERT_EQUAL(double(ECHOES), metric(body, "orchd_task_queue_wait_seconds_count{type=\"ECHO\"}"));
		CPPUNIT_ASSERT_EQUAL(double(ECHOES), metric(body, "orchd_task_execution_seconds_bucket{type=\"ECHO\",le=\"+Inf\"}"));
		CPPUNIT_ASSERT_EQUAL(1.0, metric(body, "orchd_tasks_completed_total{type=\"UPDATE\"}"));
		CPPUNIT_ASSERT_EQUAL(0.0, metric(body, "orchd_tasks_failed_total{type=\"ECHO\"}"));
		CPPUNIT_ASSERT_EQUAL(1.0, metric(body, "orchd_workers{state=\"idle\",owner=\"m1\"}"));
		CPPUNIT_ASSERT_EQUAL(0.0, metric(body, "orchd_queue_depth"));
		CPPUNIT_ASSERT(metric(body, "orchd_network_received_bytes_total{kind=\"worker\"}") > 0);
		CPPUNIT_ASSERT(metric(body, "orchd_network_sent_bytes_total{kind=\"client\"}") > 0);
		CPPUNIT_ASSERT(body.find("orchd_build_info{version=\"" ORCHD_TEST_VERSION "\",role=\"master\",id=\"m1\"") != std::string::npos);

		std::string worked = scrape(workerPort, "worker");
		CPPUNIT_ASSERT_EQUAL(double(ECHOES), metric(worked, "orchd_worker_tasks_total{type=\"ECHO\",status=\"ok\"}"));
		CPPUNIT_ASSERT_EQUAL(double(ECHOES), metric(worked, "orchd_worker_task_execution_seconds_count{type=\"ECHO\"}"));
		CPPUNIT_ASSERT_EQUAL(1.0, metric(worked, "orchd_worker_tasks_total{type=\"UPDATE\",status=\"ok\"}"));
		CPPUNIT_ASSERT_EQUAL(1.0, metric(worked, "orchd_worker_link_up{worker=\"w1\"}"));
		// OPEN and UPDATE are quick store tasks: committed by the QuickRunner.
		CPPUNIT_ASSERT(metric(worked, "orchd_store_commit_seconds_count") >= 1);
		CPPUNIT_ASSERT_EQUAL(metric(worked, "orchd_store_group_commit_tasks_sum"), 2.0);
		CPPUNIT_ASSERT_EQUAL(0.0, metric(worked, "orchd_plugin_load_refusals_total"));
		int status = 0;
		httpGet(workerPort, "/v1/status", status);
		CPPUNIT_ASSERT_EQUAL(404, status);
	}

	void testMetricsNeedReadToken()
	{
		writeFile(_dir->file("tokens"), "client submit submit-secret-00000001\nmonitor read read-secret-0000000001\n");
		NodeProcess& master = start("m1", masterProperties("m1", "auth.tokens_file = " + _dir->file("tokens") + "\n"));
		Poco::UInt16 port = master.masterPort();
		std::string type;
		CPPUNIT_ASSERT_EQUAL(401, getWithToken(port, "/metrics", "", type));
		CPPUNIT_ASSERT_EQUAL(403, getWithToken(port, "/metrics", "submit-secret-00000001", type));
		CPPUNIT_ASSERT_EQUAL(200, getWithToken(port, "/metrics", "read-secret-0000000001", type));
		CPPUNIT_ASSERT_EQUAL(std::string("text/plain; version=0.0.4; charset=utf-8"), type);
	}

	void testWorkerMetricsAddressTaken()
	{
		Poco::Net::ServerSocket taken;
		taken.bind(Poco::Net::SocketAddress("127.0.0.1", 0), true, false);
		taken.listen();
		std::string address = "127.0.0.1:" + std::to_string(taken.address().port());
		std::string file = _dir->file("w1.properties");
		writeFile(file, workerProperties("w1", "m1@127.0.0.1:1", _dir->file("store.db"), "worker.metrics_listen = " + address + "\n"));
		ProcessResult result = runProcess(orchdBinary(), {"--config=" + file});
		CPPUNIT_ASSERT_EQUAL_MESSAGE(result.err, 69, result.exitCode);
		CPPUNIT_ASSERT_MESSAGE(result.err, result.err.find("cannot listen on " + address + " (worker.metrics_listen in " + file + ")") != std::string::npos);
	}

private:
	Poco::UInt16 metricsPort(const NodeProcess& worker)
	{
		const std::string marker = "metrics listening on 127.0.0.1:";
		CPPUNIT_ASSERT(worker.waitForLog(marker));
		std::string log = worker.log();
		return static_cast<Poco::UInt16>(std::stoi(log.substr(log.find(marker) + marker.size())));
	}

	void orchctl(const std::vector<std::string>& args)
	{
		ProcessResult result = runProcess(orchctlBinary(), args);
		CPPUNIT_ASSERT_EQUAL_MESSAGE(result.out + result.err, 0, result.exitCode);
	}

	std::string scrape(Poco::UInt16 port, const std::string& name)
		/// GET /metrics, checked by promtool.
	{
		int status = 0;
		std::string body = httpGet(port, "/metrics", status);
		CPPUNIT_ASSERT_EQUAL_MESSAGE(body, 200, status);
		std::string file = _dir->file(name + ".metrics");
		writeFile(file, body);
		ProcessResult lint = runProcess("/bin/sh", {"-c", std::string(PROMTOOL) + " check metrics < '" + file + "'"});
		CPPUNIT_ASSERT_EQUAL_MESSAGE("promtool on the " + name + "'s metrics: " + lint.out + lint.err, 0, lint.exitCode);
		return body;
	}
};


CPPUNIT_TEST_SUITE_REGISTRATION(MetricsTest);

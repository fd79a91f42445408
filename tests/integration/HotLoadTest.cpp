//
// HotLoadTest.cpp
//
// Plugins added to running orchd processes: a library dropped into the
// plugin folders of a master and its worker serves tasks with no restart
// (watched, or on SIGHUP); a garbage library is refused, logged, counted
// and listed in /v1/status while the loaded ones keep serving; a replaced
// one is listed as needing a restart and keeps serving as loaded.
//


#include "json/JsonObject.h"
#include "TestSupport.h"
#include "ctl/MasterClient.h"
#include "Poco/File.h"
#include "Poco/JSON/Array.h"
#include <cppunit/extensions/HelperMacros.h>
#include <csignal>
#include <cstdio>


using orchd::MasterClient;
using orchd::parseObject;
using namespace orchd::test;


namespace {


void install(const std::string& from, const std::string& to)
	/// As an operator should: the whole file, renamed over the path.
{
	writeFile(to + ".part", readFile(from));
	CPPUNIT_ASSERT_EQUAL(0, std::rename((to + ".part").c_str(), to.c_str()));
}


std::string plugins(const std::string& folder)
	/// A plugin folder with the shipped plugins (echo, saldo).
{
	Poco::File(folder).createDirectories();
	for (const char* name: {"libecho.so", "libsaldo.so"}) install(pluginsDir() + "/" + name, folder + "/" + name);
	return folder;
}


std::string call(Poco::UInt16 port, const std::string& request)
	/// The result's text ("" if the master could not be reached).
{
	try
	{
		MasterClient client(Poco::Net::SocketAddress("127.0.0.1", port), Poco::Timespan(5, 0));
		Poco::JSON::Object::Ptr result;
		return client.call(parseObject(request), result);
	}
	catch (Poco::Exception& exc)
	{
		return "no answer: " + exc.displayText();
	}
}


bool served(Poco::UInt16 port, const std::string& task, std::string& last)
	/// Polls until a task of that type comes back OK from a worker.
{
	return waitFor([&]
	{
		last = call(port, "{\"TASK\":\"" + task + "\"}");
		return last.find("\"STATUS\":\"OK\"") != std::string::npos && last.find("\"FROM\":\"" + task + "\"") != std::string::npos;
	}, Poco::Timespan(20, 0));
}


Poco::JSON::Object::Ptr pluginStatus(Poco::UInt16 port)
{
	return masterStatus(port)->getObject("plugins");
}


bool listed(Poco::JSON::Array::Ptr list, const std::string& file, const std::string& why)
{
	for (std::size_t i = 0; list && i < list->size(); ++i)
	{
		Poco::JSON::Object::Ptr entry = list->getObject(static_cast<unsigned>(i));
		if (entry->getValue<std::string>("file") == file && entry->getValue<std::string>("why").find(why) != std::string::npos) return true;
	}
	return false;
}


} // namespace


class HotLoadTest: public NodeFixture
{
	CPPUNIT_TEST_SUITE(HotLoadTest);
	CPPUNIT_TEST(testDroppedLibraryServedWithoutRestart);
	CPPUNIT_TEST(testSighupLoadsWithoutWatch);
	CPPUNIT_TEST_SUITE_END();

public:
	void testDroppedLibraryServedWithoutRestart()
	{
		std::string masterDir = plugins(_dir->file("m1-plugins")), workerDir = plugins(_dir->file("w1-plugins"));
		NodeProcess& master = start("m1", masterProperties("m1", "plugins.dir = " + masterDir + "\nplugins.scan_ms = 200\n"));
		Poco::UInt16 port = master.masterPort();
		NodeProcess& worker = start("w1", workerProperties("w1", home(port), _dir->file("w1.db"), "plugins.dir = " + workerDir + "\nplugins.scan_ms = 200\n"));
		CPPUNIT_ASSERT_MESSAGE(worker.log(), worker.waitForLog("connected to master m1"));
		CPPUNIT_ASSERT_MESSAGE(master.log(), master.waitForLog("watching " + masterDir + " for new plugins"));
		CPPUNIT_ASSERT_MESSAGE(worker.log(), worker.waitForLog("watching " + workerDir + " for new plugins"));
		std::string text = call(port, "{\"TASK\":\"ALPHA\"}");
		CPPUNIT_ASSERT_MESSAGE(text, text.find("Unknown task: ALPHA") != std::string::npos);
		int masterPid = master.pid(), workerPid = worker.pid();

		install(testPluginsDir() + "/libt_alpha.so", masterDir + "/libt_alpha.so");
		install(testPluginsDir() + "/libt_alpha.so", workerDir + "/libt_alpha.so");
		CPPUNIT_ASSERT_MESSAGE(text + "\n" + master.log() + worker.log(), served(port, "ALPHA", text));
		CPPUNIT_ASSERT(master.running() && worker.running());
		CPPUNIT_ASSERT_EQUAL(masterPid, master.pid());
		CPPUNIT_ASSERT_EQUAL(workerPid, worker.pid());
		CPPUNIT_ASSERT_MESSAGE(worker.log(), worker.waitForLog("told master of its task types: [\"ALPHA\",\"CLOSE\",\"ECHO\""));
		CPPUNIT_ASSERT_MESSAGE(master.log(), master.waitForLog("worker w1 now offers [\"ALPHA\",\"CLOSE\",\"ECHO\""));

		// Garbage: refused on both, said and counted; the rest serves on.
		writeFile(masterDir + "/libjunk.so", "not a library\n");
		writeFile(workerDir + "/libjunk.so", "not a library\n");
		CPPUNIT_ASSERT_MESSAGE(master.log(), waitFor([&] { return listed(pluginStatus(port)->getArray("refused"), masterDir + "/libjunk.so", "cannot load library"); }));
		CPPUNIT_ASSERT_EQUAL(1, pluginStatus(port)->getValue<int>("refused_total"));
		CPPUNIT_ASSERT_MESSAGE(master.log(), master.waitForLog("refused plugin " + masterDir + "/libjunk.so: cannot load library"));
		CPPUNIT_ASSERT_MESSAGE(worker.log(), worker.waitForLog("refused plugin " + workerDir + "/libjunk.so: cannot load library"));
		CPPUNIT_ASSERT_MESSAGE(text, served(port, "ALPHA", text));
		text = call(port, "{\"TASK\":\"ECHO\",\"PAYLOAD\":7}");
		CPPUNIT_ASSERT_MESSAGE(text, text.find("\"STATUS\":\"OK\"") != std::string::npos);

		// Replaced: listed as needing a restart; the loaded copy serves.
		install(testPluginsDir() + "/libt_beta.so", masterDir + "/libt_alpha.so");
		install(testPluginsDir() + "/libt_beta.so", workerDir + "/libt_alpha.so");
		CPPUNIT_ASSERT_MESSAGE(master.log(), waitFor([&] { return listed(pluginStatus(port)->getArray("restart_needed"), masterDir + "/libt_alpha.so", "replaced since it was loaded"); }));
		CPPUNIT_ASSERT_MESSAGE(worker.log(), worker.waitForLog("plugin " + workerDir + "/libt_alpha.so was replaced since it was loaded"));
		CPPUNIT_ASSERT_MESSAGE(text, served(port, "ALPHA", text));
		text = call(port, "{\"TASK\":\"BETA\"}");
		CPPUNIT_ASSERT_MESSAGE(text, text.find("Unknown task: BETA") != std::string::npos);
		CPPUNIT_ASSERT_EQUAL(masterPid, master.pid());
		CPPUNIT_ASSERT(master.running() && worker.running());
	}

	void testSighupLoadsWithoutWatch()
	{
		std::string masterDir = plugins(_dir->file("m1-plugins")), workerDir = plugins(_dir->file("w1-plugins"));
		NodeProcess& master = start("m1", masterProperties("m1", "plugins.dir = " + masterDir + "\nplugins.watch = false\n"));
		Poco::UInt16 port = master.masterPort();
		NodeProcess& worker = start("w1", workerProperties("w1", home(port), _dir->file("w1.db"), "plugins.dir = " + workerDir + "\nplugins.watch = false\n"));
		CPPUNIT_ASSERT_MESSAGE(worker.log(), worker.waitForLog("connected to master m1"));
		install(testPluginsDir() + "/libt_beta.so", masterDir + "/libt_beta.so");
		install(testPluginsDir() + "/libt_beta.so", workerDir + "/libt_beta.so");
		for (NodeProcess* node: {&master, &worker})
		{
			CPPUNIT_ASSERT_EQUAL(0, ::kill(node->pid(), SIGHUP));
			CPPUNIT_ASSERT_MESSAGE(node->log(), node->waitForLog("new plugin(s) loaded from"));
			CPPUNIT_ASSERT(node->log().find("for new plugins (plugins.scan_ms") == std::string::npos);  // never watched
		}
		std::string text;
		CPPUNIT_ASSERT_MESSAGE(text + "\n" + master.log() + worker.log(), served(port, "BETA", text));
		CPPUNIT_ASSERT(master.running() && worker.running());
	}
};


CPPUNIT_TEST_SUITE_REGISTRATION(HotLoadTest);

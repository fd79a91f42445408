//
// PluginHostTest.cpp
//


#include "TestSupport.h"
#include "plugin/PluginHost.h"
#include "Poco/File.h"
#include "Poco/Logger.h"
#include "Poco/Timestamp.h"
#include <cppunit/extensions/HelperMacros.h>
#include <atomic>
#include <cstdio>
#include <dlfcn.h>
#include <thread>


using orchd::PluginHost;
using namespace orchd::test;


namespace {


std::string testPlugin(const std::string& name)
{
	return testPluginsDir() + "/lib" + name + ".so";
}


std::string reasonFor(const PluginHost& host, const std::string& file)
{
	for (const auto& refused: host.refused())
	{
		if (refused.file == file) return refused.reason;
	}
	return std::string();
}


bool contains(const std::string& text, const std::string& part)
{
	return text.find(part) != std::string::npos;
}


} // namespace


class PluginHostTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(PluginHostTest);
	CPPUNIT_TEST(testLoadsGoodPlugins);
	CPPUNIT_TEST(testSameClassNameInTwoPlugins);
	CPPUNIT_TEST(testRefusesWrongAbiVersion);
	CPPUNIT_TEST(testRefusesAnotherPocoRelease);
	CPPUNIT_TEST(testRefusesMissingAbiSymbol);
	CPPUNIT_TEST(testRefusesMissingManifest);
	CPPUNIT_TEST(testRefusesThrowingConstructor);
	CPPUNIT_TEST(testRefusesInvalidTaskName);
	CPPUNIT_TEST(testRefusesDuplicateTaskName);
	CPPUNIT_TEST(testRefusesGarbageFile);
	CPPUNIT_TEST(testFolderKeepsGoingPastBadPlugins);
	CPPUNIT_TEST(testMissingFolderThrows);
	CPPUNIT_TEST(testShippedPlugins);
	CPPUNIT_TEST(testLoadWhileOthersFind);
	CPPUNIT_TEST(testRefusalReplacedByLaterLoad);
	CPPUNIT_TEST(testRetryOfStillMappedCopyRefused);
	CPPUNIT_TEST_SUITE_END();

public:
	void testLoadsGoodPlugins()
	{
		PluginHost host(logger());
		CPPUNIT_ASSERT(host.loadLibrary(testPlugin("t_alpha")));
		CPPUNIT_ASSERT(host.find("ALPHA"));
		CPPUNIT_ASSERT_EQUAL(std::string("ALPHA"), host.find("ALPHA")->name());
		CPPUNIT_ASSERT(!host.find("BETA"));
		CPPUNIT_ASSERT(host.refused().empty());
	}

	void testSameClassNameInTwoPlugins()
	{
		// Both libraries define a class TestTask; with default visibility
		// and RTLD_GLOBAL, beta's manifest would create alpha's class.
		PluginHost host(logger());
		CPPUNIT_ASSERT(host.loadLibrary(testPlugin("t_alpha")));
		CPPUNIT_ASSERT(host.loadLibrary(testPlugin("t_beta")));
		CPPUNIT_ASSERT_EQUAL(std::string("BETA"), host.find("BETA")->name());
		CPPUNIT_ASSERT_EQUAL(std::string("ALPHA"), host.find("ALPHA")->name());
	}

	void testRefusesWrongAbiVersion()
	{
		PluginHost host(logger());
		std::string file = testPlugin("t_bad_abi");
		CPPUNIT_ASSERT(!host.loadLibrary(file));
		CPPUNIT_ASSERT(contains(reasonFor(host, file), "plugin ABI version 999"));
		CPPUNIT_ASSERT(!host.find("BADABI"));
	}

	void testRefusesAnotherPocoRelease()
	{
		PluginHost host(logger());
		std::string file = testPlugin("t_other_poco");
		CPPUNIT_ASSERT(!host.loadLibrary(file));
		std::string reason = reasonFor(host, file);
		CPPUNIT_ASSERT_MESSAGE(reason, contains(reason, "built against Poco 2.10, this orchd runs Poco 1.11"));
		CPPUNIT_ASSERT(!host.find("OTHERPOCO"));
	}

	void testRefusesMissingAbiSymbol()
	{
		PluginHost host(logger());
		std::string file = testPlugin("t_no_abi");
		CPPUNIT_ASSERT(!host.loadLibrary(file));
		CPPUNIT_ASSERT(contains(reasonFor(host, file), "no orchdPluginAbiVersion() symbol"));
		CPPUNIT_ASSERT(!host.find("NOABI"));
	}

	void testRefusesMissingManifest()
	{
		PluginHost host(logger());
		std::string file = testPlugin("t_no_manifest");
		CPPUNIT_ASSERT(!host.loadLibrary(file));
		CPPUNIT_ASSERT(contains(reasonFor(host, file), "missing manifest"));
	}

	void testRefusesThrowingConstructor()
	{
		PluginHost host(logger());
		std::string file = testPlugin("t_throwing");
		CPPUNIT_ASSERT(!host.loadLibrary(file));
		CPPUNIT_ASSERT(contains(reasonFor(host, file), "threw: test plugin refuses to start"));
		CPPUNIT_ASSERT(!host.find("THROWING"));
	}

	void testRefusesInvalidTaskName()
	{
		PluginHost host(logger());
		std::string file = testPlugin("t_bad_name");
		CPPUNIT_ASSERT(!host.loadLibrary(file));
		CPPUNIT_ASSERT(contains(reasonFor(host, file), "invalid task name 'lower case'"));
		CPPUNIT_ASSERT(host.taskNames().empty());
	}

	void testRefusesDuplicateTaskName()
	{
		PluginHost host(logger());
		CPPUNIT_ASSERT(host.loadLibrary(testPlugin("t_alpha")));
		std::string file = testPlugin("t_zdup_alpha");
		CPPUNIT_ASSERT(!host.loadLibrary(file));
		CPPUNIT_ASSERT(contains(reasonFor(host, file), "task name ALPHA is already taken"));
		// The first one stays, and still works.
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), host.loaded().size());
		CPPUNIT_ASSERT_EQUAL(std::string("ALPHA"), host.find("ALPHA")->name());
	}

	void testRefusesGarbageFile()
	{
		TempDir dir;
		std::string file = dir.file("libgarbage.so");
		writeFile(file, "this is not a shared library\n");
		PluginHost host(logger());
		CPPUNIT_ASSERT(!host.loadLibrary(file));
		CPPUNIT_ASSERT(contains(reasonFor(host, file), "cannot load library"));
	}

	void testFolderKeepsGoingPastBadPlugins()
	{
		TempDir dir;
		for (const char* name: {"t_alpha", "t_bad_abi", "t_beta", "t_no_abi", "t_no_manifest", "t_throwing", "t_bad_name", "t_other_poco", "t_zdup_alpha"})
		{
			Poco::File(testPlugin(name)).copyTo(dir.path());
		}
		writeFile(dir.file("libgarbage.so"), "garbage");
		writeFile(dir.file("README.txt"), "not a library: ignored");
		PluginHost host(logger());
		host.loadFolder(dir.path());
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), host.loaded().size());
		CPPUNIT_ASSERT_EQUAL(std::size_t(8), host.refused().size());
		std::vector<std::string> expected = {"ALPHA", "BETA"};
		CPPUNIT_ASSERT(expected == host.taskNames());
	}

	void testMissingFolderThrows()
	{
		PluginHost host(logger());
		CPPUNIT_ASSERT_THROW(host.loadFolder("/nonexistent/orchd/plugins"), Poco::FileNotFoundException);
	}

	void testShippedPlugins()
	{
		PluginHost host(logger());
		host.loadFolder(pluginsDir());
		std::vector<std::string> expected = {"CLOSE", "ECHO", "OPEN", "QUERY", "TRANSFER", "UPDATE"};
		CPPUNIT_ASSERT(expected == host.taskNames());
		CPPUNIT_ASSERT(host.refused().empty());
	}

	void testLoadWhileOthersFind()
	{
		// A library loaded at run time while another thread looks up
		// handlers (a worker's executors): the old names never go missing.
		PluginHost host(logger());
		CPPUNIT_ASSERT(host.loadLibrary(testPlugin("t_alpha")));
		std::atomic<bool> sawBeta{false};
		std::atomic<int> missing{0};
		std::atomic<bool> started{false};
		std::thread reader([&]
		{
			Poco::Timestamp start;
			while (!sawBeta && !start.isElapsed(10000000))
			{
				started = true;
				if (!host.find("ALPHA")) ++missing;
				if (host.find("BETA")) sawBeta = true;
			}
		});
		while (!started) std::this_thread::yield();
		CPPUNIT_ASSERT(host.loadLibrary(testPlugin("t_beta")));
		reader.join();
		CPPUNIT_ASSERT(sawBeta);
		CPPUNIT_ASSERT_EQUAL(0, missing.load());
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), host.loaded().size());
	}

	void testRefusalReplacedByLaterLoad()
	{
		TempDir dir;
		std::string file = dir.file("libx.so");
		writeFile(file, "garbage");
		PluginHost host(logger());
		CPPUNIT_ASSERT(!host.loadLibrary(file));
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), host.refused().size());
		writeFile(file + ".part", readFile(testPlugin("t_beta")));
		CPPUNIT_ASSERT_EQUAL(0, std::rename((file + ".part").c_str(), file.c_str()));
		CPPUNIT_ASSERT(host.loadLibrary(file));
		CPPUNIT_ASSERT(host.refused().empty());
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), host.refusedCount());
		CPPUNIT_ASSERT_EQUAL(std::string("BETA"), host.find("BETA")->name());
		CPPUNIT_ASSERT(host.loaded()[0].stamp == orchd::FileStamp::of(file));
	}

	void testRetryOfStillMappedCopyRefused()
	{
		// A refused copy can stay mapped (a library whose unique symbols
		// were bound, or that something else holds open): the dynamic
		// loader would then hand back that copy for a corrected file at
		// the same path. Here the fixture holds it open.
		TempDir dir;
		std::string file = dir.file("libz.so");
		writeFile(file, readFile(testPlugin("t_throwing")));
		PluginHost host(logger());
		CPPUNIT_ASSERT(!host.loadLibrary(file));
		CPPUNIT_ASSERT(contains(reasonFor(host, file), "threw: test plugin refuses to start"));
		void* held = ::dlopen(file.c_str(), RTLD_LAZY);
		CPPUNIT_ASSERT(held);
		writeFile(file + ".part", readFile(testPlugin("t_alpha")));
		CPPUNIT_ASSERT_EQUAL(0, std::rename((file + ".part").c_str(), file.c_str()));
		CPPUNIT_ASSERT(!host.loadLibrary(file));
		std::string reason = reasonFor(host, file);
		CPPUNIT_ASSERT_MESSAGE(reason, contains(reason, "an earlier copy of this file is still mapped"));
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), host.refused().size());
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), host.refusedCount());
		CPPUNIT_ASSERT(!host.find("ALPHA"));
		// Once unmapped, the corrected file at that path loads.
		CPPUNIT_ASSERT_EQUAL(0, ::dlclose(held));
		CPPUNIT_ASSERT(host.loadLibrary(file));
		CPPUNIT_ASSERT_EQUAL(std::string("ALPHA"), host.find("ALPHA")->name());
		CPPUNIT_ASSERT(host.refused().empty());
	}

private:
	static Poco::Logger& logger()
	{
		return Poco::Logger::get("PluginHostTest");
	}
};


CPPUNIT_TEST_SUITE_REGISTRATION(PluginHostTest);

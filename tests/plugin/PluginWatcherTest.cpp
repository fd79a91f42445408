//
// PluginWatcherTest.cpp
//
// Libraries dropped into a running node's plugin folder: loaded once
// whole (watched, or on rescan()), refused without harm to the loaded ones,
// and a replaced or removed library reported as needing a restart.
//


#include "TestSupport.h"
#include "master/LogCapture.h"
#include "plugin/PluginHost.h"
#include "plugin/PluginWatcher.h"
#include "Poco/File.h"
#include "Poco/Logger.h"
#include <cppunit/extensions/HelperMacros.h>
#include <cstdio>
#include <mutex>


using namespace orchd;
using namespace orchd::test;


namespace {


std::string testPlugin(const std::string& name)
{
	return testPluginsDir() + "/lib" + name + ".so";
}


void install(const std::string& from, const std::string& to)
	/// As install(1) and mv do: a new file renamed over the path.
{
	writeFile(to + ".part", readFile(from));
	CPPUNIT_ASSERT_EQUAL(0, std::rename((to + ".part").c_str(), to.c_str()));
}


class Names
	/// What the listener was told, from any thread.
{
public:
	PluginWatcher::Listener listener()
	{
		return [this](const std::vector<std::string>& names)
		{
			std::lock_guard<std::mutex> lock(_mutex);
			_names = names;
			++_calls;
		};
	}

	std::vector<std::string> names() const
	{
		std::lock_guard<std::mutex> lock(_mutex);
		return _names;
	}

	int calls() const
	{
		std::lock_guard<std::mutex> lock(_mutex);
		return _calls;
	}

private:
	mutable std::mutex _mutex;
	std::vector<std::string> _names;
	int _calls = 0;
};


Poco::Logger& logger()
{
	return Poco::Logger::get("PluginWatcherTest");
}


} // namespace


class PluginWatcherTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(PluginWatcherTest);
	CPPUNIT_TEST(testRescanLoadsNewLibrary);
	CPPUNIT_TEST(testWatchLoadsDroppedLibrary);
	CPPUNIT_TEST(testHalfWrittenFileWaits);
	CPPUNIT_TEST(testRefusedOnceUntilChanged);
	CPPUNIT_TEST(testReplacedAndRemovedNeedRestart);
	CPPUNIT_TEST(testNothingAfterStop);
	CPPUNIT_TEST_SUITE_END();

public:
	void testRescanLoadsNewLibrary()
	{
		TempDir dir;
		PluginHost host(logger());
		host.loadFolder(dir.path());
		PluginWatcher watcher(host, dir.path(), Poco::Timespan(60, 0), logger());
		Names told;
		watcher.start(told.listener(), false);
		CPPUNIT_ASSERT_EQUAL(1, told.calls());  // the names at start (none)
		CPPUNIT_ASSERT(told.names().empty());
		install(testPlugin("t_alpha"), dir.file("libt_alpha.so"));
		// The watching scan waits for the file to settle; rescan() does not.
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), watcher.scan());
		CPPUNIT_ASSERT(!host.find("ALPHA"));
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), watcher.rescan());
		CPPUNIT_ASSERT(host.find("ALPHA"));
		CPPUNIT_ASSERT(told.names() == std::vector<std::string>{"ALPHA"});
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), watcher.rescan());
		CPPUNIT_ASSERT_EQUAL(2, told.calls());
	}

	void testWatchLoadsDroppedLibrary()
	{
		TempDir dir;
		Poco::File(testPlugin("t_alpha")).copyTo(dir.path());
		PluginHost host(logger());
		host.loadFolder(dir.path());
		PluginWatcher watcher(host, dir.path(), Poco::Timespan(0, 200000), logger());
		Names told;
		watcher.start(told.listener(), true);
		install(testPlugin("t_beta"), dir.file("libt_beta.so"));
		CPPUNIT_ASSERT(waitFor([&] { return host.find("BETA") != nullptr; }));
		CPPUNIT_ASSERT(waitFor([&] { return told.names() == std::vector<std::string>{"ALPHA", "BETA"}; }));
		CPPUNIT_ASSERT_EQUAL(std::string("ALPHA"), host.find("ALPHA")->name());
		watcher.stop();
	}

	void testHalfWrittenFileWaits()
	{
		// Written in pieces slower than nothing but faster than the
		// interval: not opened until whole, then loaded.
		TempDir dir;
		PluginHost host(logger());
		host.loadFolder(dir.path());
		PluginWatcher watcher(host, dir.path(), Poco::Timespan(1, 0), logger());
		watcher.start(nullptr, true);
		std::string bytes = readFile(testPlugin("t_alpha"));
		std::string file = dir.file("libslow.so");
		std::FILE* out = std::fopen(file.c_str(), "wb");
		CPPUNIT_ASSERT(out);
		const std::size_t pieces = 8;
		for (std::size_t i = 0; i < pieces; ++i)
		{
			std::size_t from = bytes.size() * i / pieces, to = bytes.size() * (i + 1) / pieces;
			std::fwrite(bytes.data() + from, 1, to - from, out);
			std::fflush(out);
			// Nothing loaded or refused while the file grows.
			CPPUNIT_ASSERT(!waitFor([&] { return !host.refused().empty() || !host.loaded().empty(); }, Poco::Timespan(0, 100000)));
		}
		std::fclose(out);
		CPPUNIT_ASSERT(waitFor([&] { return host.find("ALPHA") != nullptr; }));
		CPPUNIT_ASSERT(host.refused().empty());
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), host.refusedCount());
	}

	void testRefusedOnceUntilChanged()
	{
		TempDir dir;
		Poco::File(testPlugin("t_alpha")).copyTo(dir.path());
		PluginHost host(logger());
		host.loadFolder(dir.path());
		PluginWatcher watcher(host, dir.path(), Poco::Timespan(0, 200000), logger());
		Names told;
		watcher.start(told.listener(), true);
		writeFile(dir.file("libgarbage.so"), "not a shared library\n");
		CPPUNIT_ASSERT(waitFor([&] { return host.refused().size() == 1; }));
		CPPUNIT_ASSERT(host.refused()[0].reason.find("cannot load library") != std::string::npos);
		// Not tried again while the file stays as it is.
		watcher.rescan();
		watcher.rescan();
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), host.refusedCount());
		CPPUNIT_ASSERT_EQUAL(std::string("ALPHA"), host.find("ALPHA")->name());
		CPPUNIT_ASSERT_EQUAL(1, told.calls());
		// A corrected file at the same path is loaded, its refusal gone.
		install(testPlugin("t_beta"), dir.file("libgarbage.so"));
		CPPUNIT_ASSERT(waitFor([&] { return host.find("BETA") != nullptr; }));
		CPPUNIT_ASSERT(host.refused().empty());
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), host.refusedCount());
		// A refused file that goes away leaves the list.
		writeFile(dir.file("libother.so"), "garbage");
		CPPUNIT_ASSERT(waitFor([&] { return host.refused().size() == 1; }));
		Poco::File(dir.file("libother.so")).remove();
		CPPUNIT_ASSERT(waitFor([&] { return host.refused().empty(); }));
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), host.refusedCount());
	}

	void testReplacedAndRemovedNeedRestart()
	{
		TempDir dir;
		Poco::File(testPlugin("t_alpha")).copyTo(dir.path());
		PluginHost host(logger());
		host.loadFolder(dir.path());
		PluginWatcher watcher(host, dir.path(), Poco::Timespan(60, 0), logger());
		watcher.start(nullptr, false);
		LogCapture log(logger());
		install(testPlugin("t_beta"), dir.file("libt_alpha.so"));
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), watcher.rescan());
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), watcher.rescan());
		std::vector<PluginHost::Stale> stale = host.restartNeeded();
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), stale.size());
		CPPUNIT_ASSERT_EQUAL(dir.file("libt_alpha.so"), stale[0].file);
		CPPUNIT_ASSERT_MESSAGE(stale[0].reason, stale[0].reason.find("replaced since it was loaded") == 0);
		CPPUNIT_ASSERT_EQUAL_MESSAGE(log.text(), std::size_t(1), log.count("was replaced since it was loaded", Poco::Message::PRIO_WARNING));
		// The loaded copy still serves; the new one is not loaded.
		CPPUNIT_ASSERT_EQUAL(std::string("ALPHA"), host.find("ALPHA")->name());
		CPPUNIT_ASSERT(!host.find("BETA"));
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), host.status()->getArray("restart_needed")->size());
		Poco::File(dir.file("libt_alpha.so")).remove();
		watcher.rescan();
		stale = host.restartNeeded();
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), stale.size());
		CPPUNIT_ASSERT(stale[0].reason.find("removed since it was loaded") == 0);
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), log.count("was removed since it was loaded", Poco::Message::PRIO_WARNING));
		CPPUNIT_ASSERT(host.find("ALPHA"));
	}

	void testNothingAfterStop()
	{
		TempDir dir;
		PluginHost host(logger());
		host.loadFolder(dir.path());
		PluginWatcher watcher(host, dir.path(), Poco::Timespan(0, 100000), logger());
		Names told;
		watcher.start(told.listener(), true);
		watcher.stop();
		install(testPlugin("t_alpha"), dir.file("libt_alpha.so"));
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), watcher.rescan());
		CPPUNIT_ASSERT(!host.find("ALPHA"));
		CPPUNIT_ASSERT_EQUAL(1, told.calls());
	}
};


CPPUNIT_TEST_SUITE_REGISTRATION(PluginWatcherTest);

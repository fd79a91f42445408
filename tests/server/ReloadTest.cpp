//
// ReloadTest.cpp
//
// SIGHUP on a running master: what may change live changes (same
// process), what may not is refused with one log line, and a broken file
// keeps the running configuration.
//


#include "TestSupport.h"
#include "Poco/File.h"
#include "Poco/JSON/Array.h"
#include <cppunit/TestFixture.h>
#include <cppunit/extensions/HelperMacros.h>
#include <csignal>


using namespace orchd::test;


class ReloadTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(ReloadTest);
	CPPUNIT_TEST(testLiveSettingsChangeAndOthersAreRefused);
	CPPUNIT_TEST(testPeersAreAddedAndRemovedLive);
	CPPUNIT_TEST(testLogChannelsChangeLive);
	CPPUNIT_TEST_SUITE_END();

public:
	void testLiveSettingsChangeAndOthersAreRefused()
	{
		TempDir dir;
		NodeProcess master(dir, "m1", masterProperties("m1", "queue.capacity = 100\nlb.max_queue = 100\n"));
		master.start();
		Poco::UInt16 port = master.masterPort();
		int pid = master.pid();
		CPPUNIT_ASSERT_EQUAL(100, capacity(port));
		CPPUNIT_ASSERT_EQUAL(100, maxQueue(port));

		// Live: queue.capacity, lb.max_queue and the root log level.
		rewrite(dir, "queue.capacity = 50\nlb.max_queue = 40\nlogging.loggers.root.level = debug\n");
		hangup(master, 1);
		CPPUNIT_ASSERT(master.waitForLog("reload: queue.capacity 100 -> 50"));
		CPPUNIT_ASSERT(master.waitForLog("reload: lb.max_queue 100 -> 40"));
		CPPUNIT_ASSERT(master.waitForLog("reload: logger 'root' level -> debug"));
		CPPUNIT_ASSERT(waitFor([&] { return capacity(port) == 50 && maxQueue(port) == 40; }));
		CPPUNIT_ASSERT_EQUAL(pid, master.pid());
		CPPUNIT_ASSERT(master.running());

		// A role change is refused whole: the capacity change beside it too.
		rewrite(dir, "queue.capacity = 20\nlb.max_queue = 40\nlogging.loggers.root.level = debug\n", "worker");
		hangup(master, 2);
		CPPUNIT_ASSERT(master.waitForLog("reload refused: orchd.role (running 'master', file 'worker') cannot change while orchd runs"));
		CPPUNIT_ASSERT(master.running());
		CPPUNIT_ASSERT_EQUAL(50, capacity(port));

		// A broken file keeps the running configuration.
		rewrite(dir, "queue.capacity = lots\n");
		hangup(master, 3);
		CPPUNIT_ASSERT(master.waitForLog("reload refused: configuration error in"));
		CPPUNIT_ASSERT(master.running());
		CPPUNIT_ASSERT_EQUAL(50, capacity(port));
		CPPUNIT_ASSERT_EQUAL(40, maxQueue(port));
	}

	void testPeersAreAddedAndRemovedLive()
	{
		// m1 starts alone; m2 names m1 (the smaller id dials, so m1 does).
		TempDir dir;
		NodeProcess m1(dir, "m1", masterProperties("m1", ""));
		m1.start();
		Poco::UInt16 port1 = m1.masterPort();
		NodeProcess m2(dir, "m2", masterProperties("m2", "master.peers = m1@127.0.0.1:" + std::to_string(port1) + "\npeer.heartbeat_ms = 200\n"));
		m2.start();
		Poco::UInt16 port2 = m2.masterPort();
		int pid = m1.pid();

		rewrite(dir, "master.peers = m2@127.0.0.1:" + std::to_string(port2) + "\npeer.heartbeat_ms = 200\n");
		hangup(m1, 1);
		CPPUNIT_ASSERT(m1.waitForLog("peer m2 at 127.0.0.1:" + std::to_string(port2) + " added (reload)"));
		CPPUNIT_ASSERT(waitFor([&] { return peerState(port1, "m2") == "ALIVE" && peerState(port2, "m1") == "ALIVE"; }));
		CPPUNIT_ASSERT_EQUAL(pid, m1.pid());

		rewrite(dir, "peer.heartbeat_ms = 200\n");
		hangup(m1, 2);
		CPPUNIT_ASSERT(m1.waitForLog("peer m2 removed (reload)"));
		CPPUNIT_ASSERT(waitFor([&] { return masterStatus(port1)->getArray("peers")->size() == 0 && !peerLinked(port2, "m1"); }));
		CPPUNIT_ASSERT(m1.running());
		CPPUNIT_ASSERT_EQUAL(pid, m1.pid());
	}

	void testLogChannelsChangeLive()
	{
		TempDir dir;
		NodeProcess master(dir, "m1", masterProperties("m1", ""));
		master.start();
		Poco::UInt16 port = master.masterPort();
		int pid = master.pid();
		// Lines go to another file from the reload on.
		rewrite(dir, "", "master", "m1-next.log");
		hangup(master, 1);
		CPPUNIT_ASSERT(waitFor([&] { return contains(readFile(dir.file("m1-next.log")), "reload done"); }));
		CPPUNIT_ASSERT(contains(readFile(dir.file("m1-next.log")), "reload: log channels configured again"));
		CPPUNIT_ASSERT(!contains(master.log(), "reload done"));
		// An unknown channel class is refused whole; the lines stay where they were.
		rewrite(dir, "queue.capacity = 7\n", "master", "m1-third.log", "NoSuchChannel");
		CPPUNIT_ASSERT_EQUAL(0, ::kill(master.pid(), SIGHUP));
		CPPUNIT_ASSERT(waitFor([&] { return contains(readFile(dir.file("m1-next.log")), "logging.channels.file.class: no such log channel class 'NoSuchChannel'"); }));
		CPPUNIT_ASSERT(!Poco::File(dir.file("m1-third.log")).exists());
		CPPUNIT_ASSERT(masterStatus(port)->getObject("queue")->getValue<int>("capacity") != 7);
		CPPUNIT_ASSERT_EQUAL(pid, master.pid());
	}

private:
	static bool contains(const std::string& text, const std::string& part)
	{
		return text.find(part) != std::string::npos;
	}

	static Poco::JSON::Object::Ptr peer(Poco::UInt16 port, const std::string& id)
	{
		Poco::JSON::Array::Ptr peers = masterStatus(port)->getArray("peers");
		for (std::size_t i = 0; i < peers->size(); ++i)
		{
			Poco::JSON::Object::Ptr item = peers->getObject(static_cast<unsigned>(i));
			if (item->getValue<std::string>("id") == id) return item;
		}
		return nullptr;
	}

	static std::string peerState(Poco::UInt16 port, const std::string& id)
	{
		Poco::JSON::Object::Ptr item = peer(port, id);
		return item ? item->getValue<std::string>("state") : std::string("absent");
	}

	static bool peerLinked(Poco::UInt16 port, const std::string& id)
	{
		Poco::JSON::Object::Ptr item = peer(port, id);
		return item && item->getValue<bool>("linked");
	}

	static int capacity(Poco::UInt16 port)
	{
		return masterStatus(port)->getObject("queue")->getValue<int>("capacity");
	}

	static int maxQueue(Poco::UInt16 port)
	{
		return masterStatus(port)->getObject("lb")->getValue<int>("max_queue");
	}

	static void rewrite(const TempDir& dir, const std::string& extra, const std::string& role = "master", const std::string& logFile = "m1.log",
		const std::string& channelClass = "FileChannel")
		/// The node's file again, as NodeProcess wrote it, with extra keys.
	{
		std::string properties = masterProperties("m1", extra);
		if (role != "master") properties.replace(properties.find("orchd.role = master"), 19, "orchd.role = " + role);
		writeFile(dir.file("m1.properties"), properties +
			"\nlogging.loggers.root.channel = file\n"
			"logging.channels.file.class = " + channelClass + "\n"
			"logging.channels.file.path = " + dir.file(logFile) + "\n");
	}

	static void hangup(NodeProcess& node, int count)
		/// SIGHUP, then waits until the node has read the file count times.
	{
		CPPUNIT_ASSERT_EQUAL(0, ::kill(node.pid(), SIGHUP));
		CPPUNIT_ASSERT(waitFor([&]
		{
			std::string log = node.log();
			std::size_t n = 0;
			for (std::size_t at = log.find("reload requested (SIGHUP)"); at != std::string::npos; at = log.find("reload requested (SIGHUP)", at + 1)) ++n;
			return n >= static_cast<std::size_t>(count);
		}));
	}
};


CPPUNIT_TEST_SUITE_REGISTRATION(ReloadTest);

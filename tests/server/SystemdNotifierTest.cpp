//
// SystemdNotifierTest.cpp
//
// sd_notify's protocol without systemd: the fixture binds its own unix
// datagram socket, names it in NOTIFY_SOCKET for real orchd processes and
// reads what they send (READY=1 once a master listens or a worker's link
// is up, WATCHDOG=1 at half WATCHDOG_USEC, STOPPING=1 on SIGTERM).
//


#include "TestSupport.h"
#include "server/SystemdNotifier.h"
#include "Poco/Logger.h"
#include "Poco/Timestamp.h"
#include <cppunit/extensions/HelperMacros.h>
#include <csignal>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>


using namespace orchd::test;


namespace {


class NotifySocket
	/// A bound unix datagram socket, as systemd holds one for a service.
{
public:
	explicit NotifySocket(const std::string& name):
		/// name: a path, or '@' and an abstract name.
		_name(name),
		_fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0))
	{
		CPPUNIT_ASSERT(_fd >= 0);
		sockaddr_un address{};
		address.sun_family = AF_UNIX;
		CPPUNIT_ASSERT(name.size() < sizeof(address.sun_path));
		std::memcpy(address.sun_path, name.data(), name.size());
		socklen_t length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size());
		if (name[0] == '@') address.sun_path[0] = '\0';
		else ++length;
		CPPUNIT_ASSERT_EQUAL_MESSAGE(std::strerror(errno), 0, ::bind(_fd, reinterpret_cast<sockaddr*>(&address), length));
	}

	~NotifySocket()
	{
		::close(_fd);
	}

	const std::string& name() const
	{
		return _name;
	}

	std::string receive(Poco::Timespan timeout = Poco::Timespan(10, 0))
		/// The next datagram, or empty if none came in time.
	{
		pollfd ready{_fd, POLLIN, 0};
		if (::poll(&ready, 1, static_cast<int>(timeout.totalMilliseconds())) != 1) return "";
		char buffer[4096];
		ssize_t n = ::recv(_fd, buffer, sizeof(buffer), 0);
		return n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : "";
	}

	bool waitFor(const std::string& state, Poco::Timespan timeout = Poco::Timespan(10, 0))
		/// Reads datagrams until state arrives (true) or the deadline.
	{
		Poco::Timestamp start;
		while (!start.isElapsed(timeout.totalMicroseconds()))
		{
			std::string got = receive(Poco::Timespan(0, 100000));
			_seen.push_back(got);
			if (got == state) return true;
		}
		return false;
	}

	std::vector<std::string> pending()
		/// What has arrived and was not read yet.
	{
		std::vector<std::string> all;
		for (std::string got = receive(Poco::Timespan(0)); !got.empty(); got = receive(Poco::Timespan(0))) all.push_back(got);
		return all;
	}

private:
	std::string _name;
	int _fd;
	std::vector<std::string> _seen;
};


std::string abstractName()
{
	return "@orchd-notify-test-" + std::to_string(::getpid()) + "-" + std::to_string(Poco::Timestamp().epochMicroseconds());
}


} // namespace


class SystemdNotifierTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(SystemdNotifierTest);
	CPPUNIT_TEST(testSendToPath);
	CPPUNIT_TEST(testSendToAbstractName);
	CPPUNIT_TEST(testBadNames);
	CPPUNIT_TEST(testWatchdogInterval);
	CPPUNIT_TEST(testMasterReadyWatchdogStopping);
	CPPUNIT_TEST(testWorkerReadyOnceLinked);
	CPPUNIT_TEST(testSighupDoesNotEndTheNode);
	CPPUNIT_TEST_SUITE_END();

public:
	void setUp() override
	{
		_dir = std::make_unique<TempDir>();
	}

	void tearDown() override
	{
		::unsetenv("NOTIFY_SOCKET");
		::unsetenv("WATCHDOG_USEC");
		::unsetenv("WATCHDOG_PID");
		_dir.reset();
	}

	void testSendToPath()
	{
		NotifySocket socket(_dir->file("notify"));
		CPPUNIT_ASSERT(orchd::SystemdNotifier::send(socket.name(), "READY=1"));
		CPPUNIT_ASSERT_EQUAL(std::string("READY=1"), socket.receive());
	}

	void testSendToAbstractName()
	{
		NotifySocket socket(abstractName());
		CPPUNIT_ASSERT(orchd::SystemdNotifier::send(socket.name(), "STOPPING=1"));
		CPPUNIT_ASSERT_EQUAL(std::string("STOPPING=1"), socket.receive());
	}

	void testBadNames()
	{
		CPPUNIT_ASSERT(!orchd::SystemdNotifier::send("", "READY=1"));
		CPPUNIT_ASSERT(!orchd::SystemdNotifier::send("relative/path", "READY=1"));
		CPPUNIT_ASSERT(!orchd::SystemdNotifier::send(_dir->file("nobody-bound-this"), "READY=1"));
		CPPUNIT_ASSERT(!orchd::SystemdNotifier::send("/" + std::string(200, 'x'), "READY=1"));
	}

	void testWatchdogInterval()
	{
		Poco::Logger& logger = Poco::Logger::get("SystemdNotifierTest");
		CPPUNIT_ASSERT(!orchd::SystemdNotifier(logger).enabled());
		::setenv("NOTIFY_SOCKET", "@x", 1);
		::setenv("WATCHDOG_USEC", "3000000", 1);
		CPPUNIT_ASSERT_EQUAL(Poco::Timespan(1, 500000).totalMicroseconds(), orchd::SystemdNotifier(logger).watchdogInterval().totalMicroseconds());
		::setenv("WATCHDOG_PID", std::to_string(::getpid()).c_str(), 1);
		CPPUNIT_ASSERT_EQUAL(Poco::Timespan(1, 500000).totalMicroseconds(), orchd::SystemdNotifier(logger).watchdogInterval().totalMicroseconds());
		// Another process is the one watched: not us.
		::setenv("WATCHDOG_PID", std::to_string(::getpid() + 1).c_str(), 1);
		CPPUNIT_ASSERT_EQUAL(Poco::Timespan(0).totalMicroseconds(), orchd::SystemdNotifier(logger).watchdogInterval().totalMicroseconds());
		::unsetenv("WATCHDOG_PID");
		::setenv("WATCHDOG_USEC", "soon", 1);
		CPPUNIT_ASSERT_EQUAL(Poco::Timespan(0).totalMicroseconds(), orchd::SystemdNotifier(logger).watchdogInterval().totalMicroseconds());
	}

	void testMasterReadyWatchdogStopping()
	{
		NotifySocket socket(abstractName());
		NodeProcess master(*_dir, "master", masterProperties("master-a"));
		master.start({{"NOTIFY_SOCKET", socket.name()}, {"WATCHDOG_USEC", "200000"}});
		CPPUNIT_ASSERT(socket.waitFor("READY=1"));
		// READY=1 follows the listener: the port is in the log already.
		CPPUNIT_ASSERT_MESSAGE(master.log(), master.log().find("master listening on") != std::string::npos);
		// Every 100 ms: a few of them, one after the other.
		for (int i = 0; i < 3; ++i) CPPUNIT_ASSERT(socket.waitFor("WATCHDOG=1", Poco::Timespan(2, 0)));
		CPPUNIT_ASSERT_EQUAL(0, master.stop(SIGTERM));
		CPPUNIT_ASSERT(socket.waitFor("STOPPING=1", Poco::Timespan(2, 0)));
	}

	void testWorkerReadyOnceLinked()
	{
		NotifySocket socket(_dir->file("notify"));
		Poco::UInt16 port = freePort();
		NodeProcess worker(*_dir, "worker", workerProperties("w1", "master-a@127.0.0.1:" + std::to_string(port), _dir->file("accounts.db")));
		worker.start({{"NOTIFY_SOCKET", socket.name()}});
		CPPUNIT_ASSERT(worker.waitForLog("cannot reach master"));
		// No master yet: the worker runs, but is not ready.
		std::vector<std::string> early = socket.pending();
		CPPUNIT_ASSERT_MESSAGE(early.empty() ? "" : early[0], early.empty());
		NodeProcess master(*_dir, "master", masterProperties("master-a", "master.listen = 127.0.0.1:" + std::to_string(port) + "\n"));
		master.start();
		CPPUNIT_ASSERT(socket.waitFor("READY=1", Poco::Timespan(20, 0)));
		CPPUNIT_ASSERT_MESSAGE(worker.log(), worker.log().find("connected to master master-a") != std::string::npos);
		CPPUNIT_ASSERT_EQUAL(0, worker.stop(SIGTERM));
		CPPUNIT_ASSERT(socket.waitFor("STOPPING=1", Poco::Timespan(2, 0)));
		CPPUNIT_ASSERT_EQUAL(0, master.stop(SIGTERM));
	}

	void testSighupDoesNotEndTheNode()
	{
		// The unit's ExecReload sends SIGHUP: the node logs it and runs on.
		NodeProcess master(*_dir, "master", masterProperties("master-a"));
		master.start();
		Poco::UInt16 port = master.masterPort();
		// One at a time: two pending SIGHUPs are one signal.
		for (std::size_t i = 1; i <= 2; ++i)
		{
			CPPUNIT_ASSERT_EQUAL(0, ::kill(master.pid(), SIGHUP));
			CPPUNIT_ASSERT(waitFor([&] { return count(master.log(), "reload requested") == i; }));
		}
		CPPUNIT_ASSERT(master.running());
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), workerCount(port));
		CPPUNIT_ASSERT_EQUAL(0, master.stop(SIGTERM));
	}

private:
	static std::size_t count(const std::string& text, const std::string& part)
	{
		std::size_t n = 0;
		for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
		return n;
	}

	std::unique_ptr<TempDir> _dir;
};


CPPUNIT_TEST_SUITE_REGISTRATION(SystemdNotifierTest);

//
// TestSupport.h
//
// What the fixtures share: temporary folders, polling with a deadline,
// running orchd's binaries, and the paths the build passes in.
//


#ifndef orchd_TestSupport_INCLUDED
#define orchd_TestSupport_INCLUDED


#include "Poco/JSON/Object.h"
#include <cppunit/TestFixture.h>
#include "Poco/Process.h"
#include "Poco/Timespan.h"
#include <functional>
#include <memory>
#include <string>
#include <vector>


namespace orchd {
namespace test {


class TempDir
	/// A fresh folder under the system's temporary folder, removed with
	/// everything in it on destruction.
{
public:
	TempDir();
	~TempDir();

	const std::string& path() const;
	std::string file(const std::string& name) const;
		/// Returns path()/name.

private:
	std::string _path;
};


bool waitFor(const std::function<bool()>& condition, Poco::Timespan timeout = Poco::Timespan(10, 0));
	/// Polls condition every few milliseconds until it holds (true) or the
	/// deadline passes (false).


struct ProcessResult
{
	int exitCode = -1;
	std::string out;
	std::string err;
};


ProcessResult runProcess(const std::string& binary, const std::vector<std::string>& args, Poco::Timespan timeout = Poco::Timespan(30, 0));
	/// Runs a program to completion and returns its exit code and output.
	/// Kills it and fails the test if it outlives the timeout.


class NodeProcess
	/// A real orchd process with its own properties file and log file in a
	/// test's folder. The destructor kills it if it still runs.
{
public:
	NodeProcess(const TempDir& dir, const std::string& name, const std::string& properties);
	~NodeProcess();

	void start();
	void start(const Poco::Process::Env& environment);
		/// Starts it with these variables added to the environment.
	bool waitForLog(const std::string& text, Poco::Timespan timeout = Poco::Timespan(10, 0)) const;
		/// Polls the log until it contains text.
	std::string log() const;
	Poco::UInt16 masterPort() const;
		/// The port from "master listening on HOST:PORT" (waits for it).
	void kill();
		/// SIGKILL, and reaps the process.
	int stop(int signal = 15, Poco::Timespan timeout = Poco::Timespan(20, 0));
		/// Sends the signal and returns the exit code.
	bool running() const;
	int pid() const;
		/// The process id (0 before start()).

	long rssKiB() const;
		/// The process's resident set size (VmRSS), or -1.

private:
	int poll() const;

	std::string _config;
	std::string _log;
	std::unique_ptr<Poco::ProcessHandle> _handle;
	mutable int _exitCode = -1;  // once reaped; a second waitpid would fail
};


class NodeFixture: public CppUnit::TestFixture
	/// A fixture whose tests start real orchd processes in a folder of
	/// their own: start() keeps them, tearDown() stops them all and removes
	/// the folder.
{
public:
	void setUp() override;
	void tearDown() override;

protected:
	NodeProcess& start(const std::string& name, const std::string& properties);
		/// A node with that properties file, started.
	static std::string home(Poco::UInt16 port);
		/// worker.home for the master m1 on 127.0.0.1:port.

	std::unique_ptr<TempDir> _dir;
	std::vector<std::unique_ptr<NodeProcess>> _nodes;
};


std::string masterProperties(const std::string& id, const std::string& extra = "");
std::string workerProperties(const std::string& id, const std::string& home, const std::string& database, const std::string& extra = "");
	/// Properties for test nodes: loopback, the build's plugins, logging
	/// to the node's log file (added by NodeProcess).


std::string httpGet(Poco::UInt16 port, const std::string& path, int& status);
	/// A GET on 127.0.0.1:port.


Poco::JSON::Object::Ptr masterStatus(Poco::UInt16 port);
	/// GET /v1/status of the master on 127.0.0.1:port, parsed; fails the
	/// test unless it answers 200.

std::size_t workerCount(Poco::UInt16 port);
	/// How many workers the master lists.

Poco::Int64 counter(Poco::UInt16 port, const std::string& name);
	/// One of the master's status counters.

Poco::UInt16 freePort();
	/// A loopback port the OS says is free now (for configurations that
	/// must name each other's ports before any process starts).


std::string readFile(const std::string& path);
void writeFile(const std::string& path, const std::string& text);


using SkipCheck = std::function<std::string()>;
	/// Returns why a fixture cannot run on this machine, or empty.

bool registerSkipCheck(const std::string& fixture, SkipCheck check);
	/// Registers a fixture's check (at static initialisation: see
	/// ORCHD_TEST_SKIP_UNLESS). TestMain runs it before the fixture and, if
	/// it gives a reason, prints it and exits 77, which ctest reports as
	/// skipped, never passed.

std::string skipReason(const std::string& fixture);
	/// The registered check's reason, or empty.

std::string environment(const std::string& name);
	/// The environment variable, or empty.


#define ORCHD_TEST_SKIP_UNLESS(fixture, check) \
	static const bool fixture##SkipCheck = orchd::test::registerSkipCheck(#fixture, check);


std::string pluginsDir();      /// the build's plugins/ folder (echo, saldo)
std::string testPluginsDir();  /// the test plugins, good and bad
std::string orchdBinary();
std::string orchctlBinary();
std::string sourceDir();


} } // namespace orchd::test


#endif // orchd_TestSupport_INCLUDED

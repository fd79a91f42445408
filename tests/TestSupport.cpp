//
// TestSupport.cpp
//


#include "TestSupport.h"
#include "json/JsonObject.h"
#include "Poco/File.h"
#include "Poco/FileStream.h"
#include "Poco/Net/HTTPClientSession.h"
#include "Poco/Net/HTTPRequest.h"
#include "Poco/Net/HTTPResponse.h"
#include "Poco/Net/ServerSocket.h"
#include "Poco/Path.h"
#include "Poco/Pipe.h"
#include "Poco/PipeStream.h"
#include "Poco/StreamCopier.h"
#include "Poco/Thread.h"
#include "Poco/Timestamp.h"
#include "Poco/UUIDGenerator.h"
#include <cppunit/extensions/HelperMacros.h>
#include <csignal>
#include <cstdlib>
#include <map>
#include <sstream>
#include <thread>


namespace orchd {
namespace test {


TempDir::TempDir():
	_path(Poco::Path::temp() + "orchd-test-" + Poco::UUIDGenerator::defaultGenerator().createRandom().toString())
{
	Poco::File(_path).createDirectories();
}


TempDir::~TempDir()
{
	try
	{
		Poco::File(_path).remove(true);
	}
	catch (Poco::Exception&)
	{
		// A leftover temporary folder is not worth failing a test over.
	}
}


const std::string& TempDir::path() const
{
	return _path;
}


std::string TempDir::file(const std::string& name) const
{
	return _path + "/" + name;
}


bool waitFor(const std::function<bool()>& condition, Poco::Timespan timeout)
{
	Poco::Timestamp start;
	while (!condition())
	{
		if (start.elapsed() > timeout.totalMicroseconds()) return false;
		Poco::Thread::sleep(5);
	}
	return true;
}


ProcessResult runProcess(const std::string& binary, const std::vector<std::string>& args, Poco::Timespan timeout)
{
	Poco::Pipe outPipe, errPipe;
	Poco::ProcessHandle handle = Poco::Process::launch(binary, args, nullptr, &outPipe, &errPipe);
	ProcessResult result;
	// Drain both pipes on their own threads so that neither can fill up.
	std::thread outReader([&] { Poco::PipeInputStream in(outPipe); Poco::StreamCopier::copyToString(in, result.out); });
	std::thread errReader([&] { Poco::PipeInputStream in(errPipe); Poco::StreamCopier::copyToString(in, result.err); });
	bool exited = waitFor([&] { result.exitCode = handle.tryWait(); return result.exitCode != -1; }, timeout);
	if (!exited) Poco::Process::kill(handle);
	outReader.join();
	errReader.join();
	if (!exited)
	{
		handle.wait();
		CPPUNIT_FAIL(binary + " did not exit within the timeout; stderr: " + result.err);
	}
	return result;
}


NodeProcess::NodeProcess(const TempDir& dir, const std::string& name, const std::string& properties):
	_config(dir.file(name + ".properties")),
	_log(dir.file(name + ".log"))
{
	writeFile(_config, properties +
		"\nlogging.loggers.root.channel = file\n"
		"logging.channels.file.class = FileChannel\n"
		"logging.channels.file.path = " + _log + "\n");
}


NodeProcess::~NodeProcess()
{
	try
	{
		kill();
	}
	catch (Poco::Exception&)
	{
		// Already gone: nothing to clean up.
	}
}


void NodeProcess::start()
{
	start(Poco::Process::Env());
}


void NodeProcess::start(const Poco::Process::Env& environment)
{
	_handle = std::make_unique<Poco::ProcessHandle>(Poco::Process::launch(orchdBinary(), {"--config=" + _config}, nullptr, nullptr, nullptr, environment));
	_exitCode = -1;
}


int NodeProcess::poll() const
{
	if (_handle && _exitCode == -1) _exitCode = _handle->tryWait();
	return _exitCode;
}


bool NodeProcess::waitForLog(const std::string& text, Poco::Timespan timeout) const
{
	return waitFor([&] { return log().find(text) != std::string::npos; }, timeout);
}


std::string NodeProcess::log() const
{
	return readFile(_log);
}


Poco::UInt16 NodeProcess::masterPort() const
{
	const std::string marker = "master listening on 127.0.0.1:";
	if (!waitForLog(marker)) CPPUNIT_FAIL("the master did not start: " + log());
	std::string text = log();
	std::string::size_type at = text.rfind(marker) + marker.size();
	return static_cast<Poco::UInt16>(std::stoi(text.substr(at)));
}


long NodeProcess::rssKiB() const
{
	if (!running()) return -1;
	std::string status = readFile("/proc/" + std::to_string(_handle->id()) + "/status");
	std::string::size_type at = status.find("VmRSS:");
	return at == std::string::npos ? -1 : std::stol(status.substr(at + 6));
}


int NodeProcess::pid() const
{
	return _handle ? _handle->id() : 0;
}


bool NodeProcess::running() const
{
	return _handle && poll() == -1;
}


void NodeProcess::kill()
{
	if (!running()) return;
	Poco::Process::kill(*_handle);
	_exitCode = _handle->wait();
}


int NodeProcess::stop(int signal, Poco::Timespan timeout)
{
	::kill(_handle->id(), signal);
	if (!waitFor([&] { return poll() != -1; }, timeout))
	{
		kill();
		CPPUNIT_FAIL("orchd did not stop within the timeout: " + log());
	}
	return _exitCode;
}


void NodeFixture::setUp()
{
	_dir = std::make_unique<TempDir>();
}


void NodeFixture::tearDown()
{
	_nodes.clear();
	_dir.reset();
}


NodeProcess& NodeFixture::start(const std::string& name, const std::string& properties)
{
	_nodes.push_back(std::make_unique<NodeProcess>(*_dir, name, properties));
	_nodes.back()->start();
	return *_nodes.back();
}


std::string NodeFixture::home(Poco::UInt16 port)
{
	return "m1@127.0.0.1:" + std::to_string(port);
}


std::string masterProperties(const std::string& id, const std::string& extra)
{
	return "orchd.role = master\n"
		"orchd.id = " + id + "\n"
		"plugins.dir = " + pluginsDir() + "\n"
		"master.listen = 127.0.0.1:0\n" + extra;
}


std::string workerProperties(const std::string& id, const std::string& home, const std::string& database, const std::string& extra)
{
	return "orchd.role = worker\n"
		"orchd.id = " + id + "\n"
		"plugins.dir = " + pluginsDir() + "\n"
		"store.connection = " + database + "\n"
		"worker.home = " + home + "\n"
		"worker.reconnect_max_ms = 500\n" + extra;
}


Poco::JSON::Object::Ptr masterStatus(Poco::UInt16 port)
{
	int code = 0;
	std::string body = httpGet(port, "/v1/status", code);
	CPPUNIT_ASSERT_EQUAL_MESSAGE(body, 200, code);
	return parseObject(body);
}


std::size_t workerCount(Poco::UInt16 port)
{
	return masterStatus(port)->getArray("workers")->size();
}


Poco::Int64 counter(Poco::UInt16 port, const std::string& name)
{
	return masterStatus(port)->getObject("counters")->getValue<Poco::Int64>(name);
}


std::string httpGet(Poco::UInt16 port, const std::string& path, int& status)
{
	Poco::Net::HTTPClientSession session("127.0.0.1", port);
	session.setTimeout(Poco::Timespan(10, 0));
	Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, path, Poco::Net::HTTPMessage::HTTP_1_1);
	session.sendRequest(request);
	Poco::Net::HTTPResponse response;
	std::istream& in = session.receiveResponse(response);
	std::string body;
	Poco::StreamCopier::copyToString(in, body);
	status = response.getStatus();
	return body;
}


Poco::UInt16 freePort()
{
	Poco::Net::ServerSocket socket;
	socket.bind(Poco::Net::SocketAddress("127.0.0.1", 0), true, false);
	return socket.address().port();
}


std::string readFile(const std::string& path)
{
	if (!Poco::File(path).exists()) return std::string();
	Poco::FileInputStream in(path);
	std::string text;
	Poco::StreamCopier::copyToString(in, text);
	return text;
}


void writeFile(const std::string& path, const std::string& text)
{
	Poco::FileOutputStream out(path);
	out << text;
}


std::string pluginsDir()
{
	return ORCHD_TEST_PLUGINS_DIR;
}


std::string testPluginsDir()
{
	return ORCHD_TEST_TEST_PLUGINS_DIR;
}


std::string orchdBinary()
{
	return ORCHD_TEST_ORCHD;
}


std::string orchctlBinary()
{
	return ORCHD_TEST_ORCHCTL;
}


std::string sourceDir()
{
	return ORCHD_TEST_SOURCE_DIR;
}


namespace {


std::map<std::string, SkipCheck>& skipChecks()
{
	static std::map<std::string, SkipCheck> checks;
	return checks;
}


} // namespace


bool registerSkipCheck(const std::string& fixture, SkipCheck check)
{
	skipChecks()[fixture] = std::move(check);
	return true;
}


std::string skipReason(const std::string& fixture)
{
	auto it = skipChecks().find(fixture);
	return it == skipChecks().end() ? std::string() : it->second();
}


std::string environment(const std::string& name)
{
	const char* value = std::getenv(name.c_str());
	return value ? value : "";
}


} } // namespace orchd::test

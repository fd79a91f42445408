//
// TestSupport.cpp
//


#include "TestSupport.h"
#include "Poco/File.h"
#include "Poco/FileStream.h"
#include "Poco/Path.h"
#include "Poco/Pipe.h"
#include "Poco/PipeStream.h"
#include "Poco/StreamCopier.h"
#include "Poco/Thread.h"
#include "Poco/Timestamp.h"
#include "Poco/UUIDGenerator.h"
#include <cppunit/extensions/HelperMacros.h>
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


} } // namespace orchd::test

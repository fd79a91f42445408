//
// DaemonProcessTest.cpp
//
// The real orchd binary: configuration errors exit with EXIT_CONFIG and one
// line naming the file and the key; a good configuration starts, loads the
// plugins, opens the store, and stops cleanly on SIGTERM/SIGINT.
//


#include "TestSupport.h"
#include "Poco/File.h"
#include "Poco/Process.h"
#include <algorithm>
#include <cppunit/extensions/HelperMacros.h>
#include <csignal>


using namespace orchd::test;


namespace {


const int EXIT_CONFIG = 78;


bool contains(const std::string& text, const std::string& part)
{
	return text.find(part) != std::string::npos;
}


} // namespace


class DaemonProcessTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(DaemonProcessTest);
	CPPUNIT_TEST(testHelp);
	CPPUNIT_TEST(testMissingConfigOption);
	CPPUNIT_TEST(testMissingConfigFile);
	CPPUNIT_TEST(testUnknownRole);
	CPPUNIT_TEST(testTypoInFile);
	CPPUNIT_TEST(testBadDefine);
	CPPUNIT_TEST(testUnknownOptionIsAUsageError);
	CPPUNIT_TEST(testDefineOverridesFile);
	CPPUNIT_TEST(testStartsAndStopsOnSigterm);
	CPPUNIT_TEST(testStopsOnSigint);
	CPPUNIT_TEST_SUITE_END();

public:
	void setUp() override
	{
		_dir = std::make_unique<TempDir>();
		_config = _dir->file("node.properties");
		writeFile(_config,
			"orchd.role = worker\n"
			"orchd.id = test-worker\n"
			"plugins.dir = " + pluginsDir() + "\n"
			"store.connection = " + _dir->file("accounts.db") + "\n"
			// Nobody listens there: the worker starts and keeps retrying.
			"worker.home = nobody@127.0.0.1:1\n"
			"logging.loggers.root.channel = file\n"
			"logging.channels.file.class = FileChannel\n"
			"logging.channels.file.path = " + _dir->file("orchd.log") + "\n");
	}

	void tearDown() override
	{
		_dir.reset();
	}

	void testHelp()
	{
		ProcessResult result = runProcess(orchdBinary(), {"--help"});
		CPPUNIT_ASSERT_EQUAL(0, result.exitCode);
		CPPUNIT_ASSERT(contains(result.out, "--config=FILE"));
		CPPUNIT_ASSERT(contains(result.out, "--define=KEY=VALUE"));
	}

	void testMissingConfigOption()
	{
		ProcessResult result = runProcess(orchdBinary(), {});
		CPPUNIT_ASSERT_EQUAL(EXIT_CONFIG, result.exitCode);
		CPPUNIT_ASSERT_MESSAGE(result.err, contains(result.err, "no configuration file: use --config=FILE"));
	}

	void testMissingConfigFile()
	{
		ProcessResult result = runProcess(orchdBinary(), {"--config=" + _dir->file("absent.properties")});
		CPPUNIT_ASSERT_EQUAL(EXIT_CONFIG, result.exitCode);
		CPPUNIT_ASSERT_MESSAGE(result.err, contains(result.err, "absent.properties: file not found"));
	}

	void testUnknownRole()
	{
		ProcessResult result = runProcess(orchdBinary(), {"-c", _config, "--define", "orchd.role=boss"});
		CPPUNIT_ASSERT_EQUAL(EXIT_CONFIG, result.exitCode);
		CPPUNIT_ASSERT_MESSAGE(result.err, contains(result.err, "configuration error in " + _config + ": orchd.role: unknown role 'boss'"));
		CPPUNIT_ASSERT_EQUAL(std::string::size_type(1), std::string::size_type(std::count(result.err.begin(), result.err.end(), '\n')));
	}

	void testTypoInFile()
	{
		writeFile(_config, readFile(_config) + "store.pool_sise = 4\n");
		ProcessResult result = runProcess(orchdBinary(), {"--config=" + _config});
		CPPUNIT_ASSERT_EQUAL(EXIT_CONFIG, result.exitCode);
		CPPUNIT_ASSERT_MESSAGE(result.err, contains(result.err, _config + ": store.pool_sise: unknown key (did you mean store.pool_size?)"));
	}

	void testBadDefine()
	{
		ProcessResult result = runProcess(orchdBinary(), {"--config=" + _config, "--define=novalue"});
		CPPUNIT_ASSERT_EQUAL(EXIT_CONFIG, result.exitCode);
		CPPUNIT_ASSERT_MESSAGE(result.err, contains(result.err, "expected KEY=VALUE"));
	}

	void testUnknownOptionIsAUsageError()
	{
		ProcessResult unknown = runProcess(orchdBinary(), {"--config=" + _config, "--frobnicate"});
		CPPUNIT_ASSERT_EQUAL(2, unknown.exitCode);
		CPPUNIT_ASSERT_MESSAGE(unknown.err, contains(unknown.err, "frobnicate") && contains(unknown.err, "orchd --help"));
		ProcessResult missing = runProcess(orchdBinary(), {"--config"});
		CPPUNIT_ASSERT_EQUAL(2, missing.exitCode);
		// --name value as well as --name=value.
		ProcessResult spaced = runProcess(orchdBinary(), {"--config", _dir->file("absent.properties")});
		CPPUNIT_ASSERT_EQUAL(EXIT_CONFIG, spaced.exitCode);
		CPPUNIT_ASSERT_MESSAGE(spaced.err, contains(spaced.err, "absent.properties: file not found"));
	}

	void testDefineOverridesFile()
	{
		ProcessResult result = runProcess(orchdBinary(), {"--config=" + _config, "--define", "store.pool_size=abc"});
		CPPUNIT_ASSERT_EQUAL(EXIT_CONFIG, result.exitCode);
		CPPUNIT_ASSERT_MESSAGE(result.err, contains(result.err, "store.pool_size: 'abc' is not an integer"));
	}

	void testStartsAndStopsOnSigterm()
	{
		startAndStop(SIGTERM);
	}

	void testStopsOnSigint()
	{
		startAndStop(SIGINT);
	}

private:
	void startAndStop(int signal)
	{
		Poco::ProcessHandle handle = Poco::Process::launch(orchdBinary(), {"--config=" + _config});
		std::string log = _dir->file("orchd.log");
		bool ready = waitFor([&] { return contains(readFile(log), "ready: role worker, 6 task type(s): CLOSE, ECHO, OPEN, QUERY, TRANSFER, UPDATE"); });
		if (!ready) Poco::Process::kill(handle);
		CPPUNIT_ASSERT_MESSAGE(readFile(log), ready);
		CPPUNIT_ASSERT(Poco::File(_dir->file("accounts.db")).exists());
		::kill(handle.id(), signal);
		int code = -1;
		bool exited = waitFor([&] { code = handle.tryWait(); return code != -1; });
		if (!exited) Poco::Process::kill(handle);
		CPPUNIT_ASSERT(exited);
		CPPUNIT_ASSERT_EQUAL(0, code);
		CPPUNIT_ASSERT(contains(readFile(log), "orchd test-worker stopping"));
	}

	std::unique_ptr<TempDir> _dir;
	std::string _config;
};


CPPUNIT_TEST_SUITE_REGISTRATION(DaemonProcessTest);

//
// JournalChannelTest.cpp
//
// Each log line reaches the journal with its own priority: the "<N>"
// prefix, checked on the formatting and on a real orchd whose stderr is
// named by JOURNAL_STREAM, as systemd names it.
//


#include "TestSupport.h"
#include "server/JournalChannel.h"
#include "Poco/Message.h"
#include "Poco/Process.h"
#include "Poco/StringTokenizer.h"
#include <cppunit/extensions/HelperMacros.h>
#include <csignal>
#include <sys/stat.h>


using namespace orchd::test;
using orchd::JournalChannel;


class JournalChannelTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(JournalChannelTest);
	CPPUNIT_TEST(testFormat);
	CPPUNIT_TEST(testPriorities);
	CPPUNIT_TEST(testOrchdUnderTheJournal);
	CPPUNIT_TEST(testOtherStreamIsNotTheJournal);
	CPPUNIT_TEST(testConfigurationErrorIsAnError);
	CPPUNIT_TEST_SUITE_END();

public:
	void setUp() override
	{
		_dir = std::make_unique<TempDir>();
		_stderr = _dir->file("stderr");
		writeFile(_stderr, "");
		struct stat info{};
		CPPUNIT_ASSERT_EQUAL(0, ::stat(_stderr.c_str(), &info));
		_journalStream = std::to_string(info.st_dev) + ":" + std::to_string(info.st_ino);
	}

	void tearDown() override
	{
		_dir.reset();
	}

	void testFormat()
	{
		CPPUNIT_ASSERT_EQUAL(std::string("<4>one line\n"), JournalChannel::format(Poco::Message("orchd", "one line", Poco::Message::PRIO_WARNING)));
		CPPUNIT_ASSERT_EQUAL(std::string("<3>first\n<3>second\n"), JournalChannel::format(Poco::Message("orchd", "first\nsecond", Poco::Message::PRIO_ERROR)));
		CPPUNIT_ASSERT_EQUAL(std::string("<6>ends\n"), JournalChannel::format(Poco::Message("orchd", "ends\n", Poco::Message::PRIO_INFORMATION)));
		CPPUNIT_ASSERT_EQUAL(std::string("<7>\n"), JournalChannel::format(Poco::Message("orchd", "", Poco::Message::PRIO_DEBUG)));
	}

	void testPriorities()
	{
		CPPUNIT_ASSERT_EQUAL(2, JournalChannel::syslogPriority(Poco::Message::PRIO_FATAL));
		CPPUNIT_ASSERT_EQUAL(2, JournalChannel::syslogPriority(Poco::Message::PRIO_CRITICAL));
		CPPUNIT_ASSERT_EQUAL(3, JournalChannel::syslogPriority(Poco::Message::PRIO_ERROR));
		CPPUNIT_ASSERT_EQUAL(4, JournalChannel::syslogPriority(Poco::Message::PRIO_WARNING));
		CPPUNIT_ASSERT_EQUAL(5, JournalChannel::syslogPriority(Poco::Message::PRIO_NOTICE));
		CPPUNIT_ASSERT_EQUAL(6, JournalChannel::syslogPriority(Poco::Message::PRIO_INFORMATION));
		CPPUNIT_ASSERT_EQUAL(7, JournalChannel::syslogPriority(Poco::Message::PRIO_DEBUG));
		CPPUNIT_ASSERT_EQUAL(7, JournalChannel::syslogPriority(Poco::Message::PRIO_TRACE));
	}

	void testOrchdUnderTheJournal()
	{
		// A worker whose master is not there: information lines, then a
		// warning; every line carries its priority.
		Poco::ProcessHandle worker = launch(workerConfig(), _journalStream);
		bool warned = waitFor([&] { return readFile(_stderr).find("cannot reach master") != std::string::npos; });
		stop(worker);
		std::string err = readFile(_stderr);
		CPPUNIT_ASSERT_MESSAGE(err, warned);
		Poco::StringTokenizer lines(err, "\n", Poco::StringTokenizer::TOK_IGNORE_EMPTY);
		bool sawInformation = false;
		for (const auto& line: lines)
		{
			CPPUNIT_ASSERT_MESSAGE(line, line.size() > 3 && line[0] == '<' && line[2] == '>');
			if (line.find("cannot reach master") != std::string::npos) CPPUNIT_ASSERT_MESSAGE(line, line.compare(0, 3, "<4>") == 0);
			if (line.find("loaded plugin") != std::string::npos)
			{
				CPPUNIT_ASSERT_MESSAGE(line, line.compare(0, 3, "<6>") == 0);
				sawInformation = true;
			}
		}
		CPPUNIT_ASSERT_MESSAGE(err, sawInformation);
	}

	void testOtherStreamIsNotTheJournal()
	{
		// JOURNAL_STREAM inherited from a parent whose stderr was the
		// journal, while this one's is a file: no prefixes.
		Poco::ProcessHandle worker = launch(workerConfig(), "1:1");
		bool warned = waitFor([&] { return readFile(_stderr).find("cannot reach master") != std::string::npos; });
		stop(worker);
		std::string err = readFile(_stderr);
		CPPUNIT_ASSERT_MESSAGE(err, warned);
		CPPUNIT_ASSERT_MESSAGE(err, err.find("<4>") == std::string::npos && err.find("<6>") == std::string::npos);
	}

	void testConfigurationErrorIsAnError()
	{
		std::string config = _dir->file("bad.properties");
		writeFile(config, readFile(workerConfig()) + "store.pool_sise = 3\n");
		Poco::ProcessHandle bad = launch(config, _journalStream);
		CPPUNIT_ASSERT_EQUAL(78, bad.wait());
		std::string err = readFile(_stderr);
		CPPUNIT_ASSERT_MESSAGE(err, err.rfind("<3>orchd: configuration error in ", 0) == 0);
	}

private:
	std::string workerConfig()
	{
		std::string config = _dir->file("worker.properties");
		writeFile(config, workerProperties("w1", "master-a@127.0.0.1:" + std::to_string(freePort()), _dir->file("accounts.db"),
			"logging.loggers.root.channel = console\n"
			"logging.channels.console.class = ConsoleChannel\n"
			"logging.channels.console.formatter = plain\n"
			"logging.formatters.plain.class = PatternFormatter\n"
			"logging.formatters.plain.pattern = [%p] %s: %t\n"));
		return config;
	}

	Poco::ProcessHandle launch(const std::string& config, const std::string& journalStream)
		/// orchd with its stderr appended to _stderr, as systemd would
		/// connect it to the journal, and JOURNAL_STREAM set.
	{
		return Poco::Process::launch("/bin/sh", {"-c", "exec \"$0\" --config=\"$1\" 2>>\"$2\"", orchdBinary(), config, _stderr},
			nullptr, nullptr, nullptr, {{"JOURNAL_STREAM", journalStream}});
	}

	static void stop(Poco::ProcessHandle& process)
	{
		::kill(process.id(), SIGTERM);
		CPPUNIT_ASSERT_EQUAL(0, process.wait());
	}

	std::unique_ptr<TempDir> _dir;
	std::string _stderr;
	std::string _journalStream;
};


CPPUNIT_TEST_SUITE_REGISTRATION(JournalChannelTest);

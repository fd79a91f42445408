//
// CommandLineTest.cpp
//


#include "ctl/CommandLine.h"
#include "ctl/TextTable.h"
#include <cppunit/extensions/HelperMacros.h>
#include <sstream>


using orchd::CommandLine;
using orchd::OptionSpec;
using orchd::UsageError;


class CommandLineTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(CommandLineTest);
	CPPUNIT_TEST(testBothValueForms);
	CPPUNIT_TEST(testShortNamesAndFlags);
	CPPUNIT_TEST(testNegativeNumbersAreWords);
	CPPUNIT_TEST(testDoubleDashEndsOptions);
	CPPUNIT_TEST(testRefusals);
	CPPUNIT_TEST(testCommandOptions);
	CPPUNIT_TEST(testRepeatable);
	CPPUNIT_TEST(testTableColumnsFitTheirContent);
	CPPUNIT_TEST_SUITE_END();

public:
	void testBothValueForms()
	{
		CommandLine line = parse({"--master", "h:1", "query", "--timeout=5", "alice"});
		CPPUNIT_ASSERT_EQUAL(std::string("h:1"), line.value("master"));
		CPPUNIT_ASSERT_EQUAL(std::string("5"), line.value("timeout"));
		CPPUNIT_ASSERT(words(line) == "query alice");
		// A value may itself contain '=' or start with '-'.
		CommandLine define = parse({"--define", "a.b=c=d", "--timeout", "-1", "tasks"});
		CPPUNIT_ASSERT_EQUAL(std::string("a.b=c=d"), define.value("define"));
		CPPUNIT_ASSERT_EQUAL(std::string("-1"), define.value("timeout"));
	}

	void testShortNamesAndFlags()
	{
		CommandLine line = parse({"-m", "h:1", "-j", "status"});
		CPPUNIT_ASSERT_EQUAL(std::string("h:1"), line.value("master"));
		CPPUNIT_ASSERT(line.has("json"));
		CPPUNIT_ASSERT(!line.has("timeout"));
		CPPUNIT_ASSERT_EQUAL(std::string("60"), line.value("timeout", "60"));
	}

	void testNegativeNumbersAreWords()
	{
		CPPUNIT_ASSERT(words(parse({"update", "alice", "-12.50"})) == "update alice -12.50");
		CPPUNIT_ASSERT(words(parse({"update", "alice", "-.5"})) == "update alice -.5");
		CPPUNIT_ASSERT(words(parse({"open", "-"})) == "open -");
	}

	void testDoubleDashEndsOptions()
	{
		CPPUNIT_ASSERT(words(parse({"open", "--", "--json"})) == "open --json");
	}

	void testRefusals()
	{
		assertRefused({"--frobnicate", "query"}, "unknown option --frobnicate");
		assertRefused({"--frob=1", "query"}, "unknown option --frob");
		assertRefused({"-x", "query"}, "unknown option -x");
		assertRefused({"query", "--json=yes"}, "--json takes no value");
		assertRefused({"query", "--master"}, "--master needs a value");
		assertRefused({"--master", "a:1", "-m", "b:2", "query"}, "--master is given twice");
	}

	void testCommandOptions()
	{
		CPPUNIT_ASSERT_EQUAL(std::string("10"), parse({"bench", "--tasks", "10"}).value("tasks"));
		assertRefused({"query", "alice", "--tasks", "10"}, "--tasks does not apply to query");
		// Before the command as well as after it.
		assertRefused({"--tasks=10", "status"}, "--tasks does not apply to status");
	}

	void testRepeatable()
	{
		CommandLine line = parse({"-D", "a=1", "--define=b=2", "tasks"});
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), line.values("define").size());
		CPPUNIT_ASSERT_EQUAL(std::string("b=2"), line.values("define")[1]);
	}

	void testTableColumnsFitTheirContent()
	{
		orchd::TextTable table({"ID", "ADDRESS", "STATE"});
		table.addRow({"a-very-long-worker-id", "1.2.3.4:5", "IDLE"});
		table.addRow({"w", "127.0.0.1:65535"});
		std::ostringstream out;
		table.print(out);
		CPPUNIT_ASSERT_EQUAL(std::string(
			"ID                     ADDRESS          STATE\n"
			"a-very-long-worker-id  1.2.3.4:5        IDLE\n"
			"w                      127.0.0.1:65535\n"), out.str());
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), table.rows());
	}

private:
	static std::vector<OptionSpec> specs()
	{
		return {
			{"master", 'm', "HOST:PORT", "", {}},
			{"timeout", 't', "SECONDS", "", {}},
			{"json", 'j', "", "", {}},
			{"define", 'D', "KEY=VALUE", "", {}, true},
			{"tasks", 0, "N", "", {"bench"}},
		};
	}

	static CommandLine parse(const std::vector<std::string>& arguments)
	{
		CommandLine line(specs());
		line.parse(arguments);
		return line;
	}

	static std::string words(const CommandLine& line)
	{
		std::string all;
		for (const auto& word: line.words()) all += (all.empty() ? "" : " ") + word;
		return all;
	}

	static void assertRefused(const std::vector<std::string>& arguments, const std::string& message)
	{
		try
		{
			parse(arguments);
			CPPUNIT_FAIL("accepted: " + message);
		}
		catch (UsageError& exc)
		{
			CPPUNIT_ASSERT_MESSAGE(exc.what(), std::string(exc.what()).find(message) != std::string::npos);
		}
	}
};


CPPUNIT_TEST_SUITE_REGISTRATION(CommandLineTest);

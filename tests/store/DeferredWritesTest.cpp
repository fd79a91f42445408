//
// DeferredWritesTest.cpp
//
// coalesceWrites(): which waiting writes are folded together, and where
// the current operation's statements start afterwards.
//


#include "store/DeferredWrites.h"
#include <cppunit/TestFixture.h>
#include <cppunit/extensions/HelperMacros.h>


using orchd::DeferredWrite;


namespace {


struct Entry
{
	std::string text;
	DeferredWrite write = DeferredWrite::NONE;
	std::vector<std::string> values;
};


Entry balance(const std::string& user, int cents)
{
	return Entry{"W " + user, DeferredWrite::BALANCE, {std::to_string(cents), user}};
}


Entry key(const std::string& name)
{
	return Entry{"K " + name, DeferredWrite::KEY, {name, "f", "0", "1", "0", "", "5"}};
}


Entry other(const std::string& text)
{
	return Entry{text};
}


std::string coalesce(std::vector<Entry> entries, std::size_t& boundary)
	/// The entries after coalescing, as "text|text|...", merged statements
	/// shown as B[user=cents,...] and K[key,...].
{
	boundary = orchd::coalesceWrites(entries, boundary, [](const Entry& e) { return e.write; },
		[](DeferredWrite write, const std::vector<std::vector<std::string>>& rows)
		{
			std::string text = write == DeferredWrite::BALANCE ? "B[" : "K[";
			for (const auto& row: rows)
			{
				if (text.size() > 2) text += ",";
				text += write == DeferredWrite::BALANCE ? row[1] + "=" + row[0] : row[0];
			}
			return Entry{text + "]"};
		});
	std::string out;
	for (const auto& e: entries) out += (out.empty() ? "" : "|") + e.text;
	return out;
}


} // namespace


class DeferredWritesTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(DeferredWritesTest);
	CPPUNIT_TEST(testGroupCommitFoldsIntoTwoStatements);
	CPPUNIT_TEST(testLastBalanceOfAnAccountWins);
	CPPUNIT_TEST(testReadsAndSavepointsSplitRuns);
	CPPUNIT_TEST(testRunsDoNotCrossTheBoundary);
	CPPUNIT_TEST(testSingleWritesStayAsTheyAre);
	CPPUNIT_TEST_SUITE_END();

public:
	void testGroupCommitFoldsIntoTwoStatements()
	{
		std::size_t boundary = 7;
		CPPUNIT_ASSERT_EQUAL(std::string("BEGIN|B[a=1,b=2,c=3]|K[k1,k2,k3]|COMMIT"),
			coalesce({other("BEGIN"), balance("a", 1), key("k1"), balance("b", 2), key("k2"), balance("c", 3), key("k3"), other("COMMIT")}, boundary));
		CPPUNIT_ASSERT_EQUAL(std::size_t(3), boundary);
	}

	void testLastBalanceOfAnAccountWins()
	{
		std::size_t boundary = 5;
		CPPUNIT_ASSERT_EQUAL(std::string("B[a=7,b=2]|K[k1,k2]|COMMIT"),
			coalesce({balance("a", 1), key("k1"), balance("b", 2), balance("a", 7), key("k2"), other("COMMIT")}, boundary));
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), boundary);
	}

	void testReadsAndSavepointsSplitRuns()
	{
		// A read must see the writes before it: they go first, folded.
		std::size_t boundary = 6;
		CPPUNIT_ASSERT_EQUAL(std::string("B[a=1]|K[k1]|SELECT a|B[a=2]|K[k2]|SAVEPOINT|COMMIT"),
			coalesce({balance("a", 1), key("k1"), other("SELECT a"), balance("a", 2), key("k2"), other("SAVEPOINT"), other("COMMIT")}, boundary));
		CPPUNIT_ASSERT_EQUAL(std::size_t(6), boundary);
	}

	void testRunsDoNotCrossTheBoundary()
	{
		// The current operation's writes (from the boundary on) fold apart
		// from earlier operations': a failure stays attributed as before.
		std::size_t boundary = 2;
		CPPUNIT_ASSERT_EQUAL(std::string("B[a=1]|K[k1]|B[b=2]|K[k2]|COMMIT"),
			coalesce({balance("a", 1), key("k1"), balance("b", 2), key("k2"), other("COMMIT")}, boundary));
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), boundary);
		boundary = 3;
		CPPUNIT_ASSERT_EQUAL(std::string("B[a=1,b=2]|K[k1]|W b|COMMIT"),
			coalesce({balance("a", 1), key("k1"), balance("b", 2), balance("b", 3), other("COMMIT")}, boundary));
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), boundary);
	}

	void testSingleWritesStayAsTheyAre()
	{
		std::size_t boundary = 1;
		CPPUNIT_ASSERT_EQUAL(std::string("BEGIN|W a|SELECT|K k|COMMIT"),
			coalesce({other("BEGIN"), balance("a", 1), other("SELECT"), key("k"), other("COMMIT")}, boundary));
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), boundary);
	}
};


CPPUNIT_TEST_SUITE_REGISTRATION(DeferredWritesTest);

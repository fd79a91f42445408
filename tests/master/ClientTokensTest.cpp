//
// ClientTokensTest.cpp
//
// The tokens file: its format, refused lines named by number, the roles,
// and re-reading a changed file (a broken change keeps the old tokens).
//


#include "master/ClientTokens.h"
#include "master/LogCapture.h"
#include "TestSupport.h"
#include <cppunit/extensions/HelperMacros.h>


using orchd::ClientTokens;
using orchd::TokenFileException;
using namespace orchd::test;


namespace {


const std::string GOOD =
	"# name role secret\n"
	"\n"
	"billing submit aaaaaaaaaaaaaaaa1111\n"
	"  monitor   read  bbbbbbbbbbbbbbbb2222  \n"
	"ops admin cccccccccccccccc3333\n";


std::string refusal(const std::string& text)
{
	try
	{
		ClientTokens::parse(text, "tokens");
	}
	catch (TokenFileException& exc)
	{
		return exc.message();
	}
	return std::string();
}


} // namespace


class ClientTokensTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(ClientTokensTest);
	CPPUNIT_TEST(testParse);
	CPPUNIT_TEST(testMalformedLinesNamed);
	CPPUNIT_TEST(testRoles);
	CPPUNIT_TEST(testSameSecret);
	CPPUNIT_TEST(testReloadAndBrokenReload);
	CPPUNIT_TEST_SUITE_END();

public:
	void testParse()
	{
		std::vector<ClientTokens::Token> tokens = ClientTokens::parse(GOOD, "tokens");
		CPPUNIT_ASSERT_EQUAL(std::size_t(3), tokens.size());
		CPPUNIT_ASSERT_EQUAL(std::string("monitor"), tokens[1].name);
		CPPUNIT_ASSERT_EQUAL(int(ClientTokens::READ), tokens[1].role);
		CPPUNIT_ASSERT_EQUAL(std::string("bbbbbbbbbbbbbbbb2222"), tokens[1].secret);
		CPPUNIT_ASSERT_EQUAL(int(ClientTokens::ADMIN), tokens[2].role);
		CPPUNIT_ASSERT(ClientTokens::parse("# nothing\n\n", "tokens").empty());
	}

	void testMalformedLinesNamed()
	{
		CPPUNIT_ASSERT_EQUAL(std::string("tokens:2: expected NAME ROLE SECRET"), refusal("# ok\nbilling submit\n"));
		CPPUNIT_ASSERT_EQUAL(std::string("tokens:1: expected NAME ROLE SECRET"), refusal("a submit aaaaaaaaaaaaaaaa1111 extra\n"));
		CPPUNIT_ASSERT_EQUAL(std::string("tokens:1: unknown role 'write' (expected submit, read or admin)"), refusal("a write aaaaaaaaaaaaaaaa1111\n"));
		CPPUNIT_ASSERT_EQUAL(std::string("tokens:1: the secret of a must be 16 to 256 printable characters"), refusal("a read short\n"));
		CPPUNIT_ASSERT(refusal("a/b read aaaaaaaaaaaaaaaa1111\n").find("tokens:1: 'a/b' is not a valid name") == 0);
		CPPUNIT_ASSERT_EQUAL(std::string("tokens:3: the name a is used twice"), refusal(GOOD.substr(0, 0) + "a read aaaaaaaaaaaaaaaa1111\n\na submit dddddddddddddddd4444\n"));
		CPPUNIT_ASSERT_EQUAL(std::string("tokens:2: the secret of b is another token's"), refusal("a read aaaaaaaaaaaaaaaa1111\nb submit aaaaaaaaaaaaaaaa1111\n"));
	}

	void testRoles()
	{
		TempDir dir;
		writeFile(dir.file("tokens"), GOOD);
		ClientTokens tokens(dir.file("tokens"), Poco::Logger::get("ClientTokensTest"));
		CPPUNIT_ASSERT_EQUAL(401, tokens.check("", ClientTokens::SUBMIT).status);
		CPPUNIT_ASSERT_EQUAL(401, tokens.check("Basic YWxhZGRpbjpvcGVu", ClientTokens::SUBMIT).status);
		CPPUNIT_ASSERT_EQUAL(401, tokens.check("Bearer aaaaaaaaaaaaaaaa111", ClientTokens::SUBMIT).status);
		CPPUNIT_ASSERT_EQUAL(401, tokens.check("Bearer aaaaaaaaaaaaaaaa11111", ClientTokens::SUBMIT).status);
		ClientTokens::Verdict billing = tokens.check("Bearer aaaaaaaaaaaaaaaa1111", ClientTokens::SUBMIT);
		CPPUNIT_ASSERT_EQUAL(200, billing.status);
		CPPUNIT_ASSERT_EQUAL(std::string("billing"), billing.name);
		CPPUNIT_ASSERT_EQUAL(403, tokens.check("Bearer aaaaaaaaaaaaaaaa1111", ClientTokens::READ).status);
		CPPUNIT_ASSERT_EQUAL(403, tokens.check("bearer bbbbbbbbbbbbbbbb2222", ClientTokens::SUBMIT).status);
		CPPUNIT_ASSERT_EQUAL(200, tokens.check("Bearer bbbbbbbbbbbbbbbb2222", ClientTokens::READ).status);
		CPPUNIT_ASSERT_EQUAL(200, tokens.check("Bearer cccccccccccccccc3333", ClientTokens::READ).status);
		CPPUNIT_ASSERT_EQUAL(200, tokens.check("Bearer cccccccccccccccc3333", ClientTokens::SUBMIT).status);
	}

	void testSameSecret()
	{
		CPPUNIT_ASSERT(ClientTokens::sameSecret("abcdefgh", "abcdefgh"));
		CPPUNIT_ASSERT(!ClientTokens::sameSecret("abcdefgh", "abcdefgX"));
		CPPUNIT_ASSERT(!ClientTokens::sameSecret("abcdefgh", "abcdefghabcdefgh"));
		CPPUNIT_ASSERT(!ClientTokens::sameSecret("abcdefgh", "abcd"));
		CPPUNIT_ASSERT(!ClientTokens::sameSecret("abcdefgh", ""));
		CPPUNIT_ASSERT(!ClientTokens::sameSecret("", "abcd"));
	}

	void testReloadAndBrokenReload()
	{
		TempDir dir;
		std::string path = dir.file("tokens");
		writeFile(path, GOOD);
		Poco::Logger& logger = Poco::Logger::get("ClientTokensTest.reload");
		LogCapture log(logger);
		ClientTokens tokens(path, logger);
		const std::string added = "Bearer eeeeeeeeeeeeeeee5555";
		CPPUNIT_ASSERT_EQUAL(401, tokens.check(added, ClientTokens::SUBMIT).status);
		writeFile(path, GOOD + "newcomer submit eeeeeeeeeeeeeeee5555\n");
		CPPUNIT_ASSERT(waitFor([&] { return tokens.check(added, ClientTokens::SUBMIT).status == 200; }, Poco::Timespan(5, 0)));
		CPPUNIT_ASSERT_EQUAL(std::size_t(4), tokens.size());
		// Broken: refused, the four stay in force; fixed again later: read.
		writeFile(path, "newcomer submit eeeeeeeeeeeeeeee5555\nbroken line\n");
		CPPUNIT_ASSERT(waitFor([&]
		{
			tokens.check(added, ClientTokens::SUBMIT);
			return log.count("tokens:2: expected NAME ROLE SECRET; keeping the 4 token(s) in force", Poco::Message::PRIO_WARNING) == 1;
		}, Poco::Timespan(5, 0)));
		CPPUNIT_ASSERT_EQUAL(200, tokens.check(added, ClientTokens::SUBMIT).status);
		CPPUNIT_ASSERT_EQUAL(200, tokens.check("Bearer aaaaaaaaaaaaaaaa1111", ClientTokens::SUBMIT).status);
		CPPUNIT_ASSERT_EQUAL(std::size_t(4), tokens.size());
		writeFile(path, "newcomer submit eeeeeeeeeeeeeeee5555\n");
		CPPUNIT_ASSERT(waitFor([&] { return tokens.check("Bearer aaaaaaaaaaaaaaaa1111", ClientTokens::SUBMIT).status == 401; }, Poco::Timespan(5, 0)));
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), tokens.size());
	}
};


CPPUNIT_TEST_SUITE_REGISTRATION(ClientTokensTest);

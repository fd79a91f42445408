//
// NodeIdentityTest.cpp
//
// Which ids a certificate's names prove: exact names, the ID-N links of
// a worker process, and nothing else.
//


#include "net/NodeIdentity.h"
#include <cppunit/extensions/HelperMacros.h>


using namespace orchd;


class NodeIdentityTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(NodeIdentityTest);
	CPPUNIT_TEST(testExactNames);
	CPPUNIT_TEST(testLinkNames);
	CPPUNIT_TEST(testRefusalReason);
	CPPUNIT_TEST_SUITE_END();

public:
	void testExactNames()
	{
		std::vector<std::string> names{"w1", "worker-a.example"};
		CPPUNIT_ASSERT(NodeIdentity::names(names, "w1"));
		CPPUNIT_ASSERT(NodeIdentity::names(names, "worker-a.example"));
		CPPUNIT_ASSERT(!NodeIdentity::names(names, "W1"));
		CPPUNIT_ASSERT(!NodeIdentity::names(names, "w"));
		CPPUNIT_ASSERT(!NodeIdentity::names(names, ""));
		CPPUNIT_ASSERT(!NodeIdentity::names({}, "w1"));
		CPPUNIT_ASSERT(!NodeIdentity::names({""}, ""));
	}

	void testLinkNames()
	{
		std::vector<std::string> names{"w7"};
		CPPUNIT_ASSERT(NodeIdentity::covers(names, "w7"));
		CPPUNIT_ASSERT(NodeIdentity::covers(names, "w7-1"));
		CPPUNIT_ASSERT(NodeIdentity::covers(names, "w7-64"));
		CPPUNIT_ASSERT(!NodeIdentity::covers(names, "w7-65"));
		CPPUNIT_ASSERT(!NodeIdentity::covers(names, "w7-0"));
		CPPUNIT_ASSERT(!NodeIdentity::covers(names, "w7-01"));
		CPPUNIT_ASSERT(!NodeIdentity::covers(names, "w7-"));
		CPPUNIT_ASSERT(!NodeIdentity::covers(names, "w7-1x"));
		CPPUNIT_ASSERT(!NodeIdentity::covers(names, "w7-100"));
		CPPUNIT_ASSERT(!NodeIdentity::covers(names, "w8-1"));
		CPPUNIT_ASSERT(!NodeIdentity::covers(names, "-1"));
		CPPUNIT_ASSERT(!NodeIdentity::covers({}, "w7-1"));
		// A peer's SERVER_UUID takes the exact name only.
		CPPUNIT_ASSERT(!NodeIdentity::names(names, "w7-1"));
	}

	void testRefusalReason()
	{
		CPPUNIT_ASSERT(NodeIdentity::refusal({"w1"}, "WORKER_UUID", "w1", true).empty());
		CPPUNIT_ASSERT_EQUAL(std::string("identity mismatch: SERVER_UUID m2, certificate names m3, m4"), NodeIdentity::refusal({"m3", "m4"}, "SERVER_UUID", "m2", false));
		CPPUNIT_ASSERT_EQUAL(std::string("identity mismatch: SERVER_UUID m2-1, certificate names m2"), NodeIdentity::refusal({"m2"}, "SERVER_UUID", "m2-1", false));
		// A close frame carries 123 bytes of reason.
		std::string reason = NodeIdentity::refusal(std::vector<std::string>(20, std::string(60, 'x')), "WORKER_UUID", "w1", true);
		CPPUNIT_ASSERT_EQUAL(std::size_t(123), reason.size());
	}
};


CPPUNIT_TEST_SUITE_REGISTRATION(NodeIdentityTest);

//
// MoneyTest.cpp
//


#include "orchd/Money.h"
#include "Poco/Exception.h"
#include "Poco/JSON/Object.h"
#include "Poco/JSON/Parser.h"
#include <cppunit/extensions/HelperMacros.h>
#include <limits>
#include <sstream>


using orchd::Money;


namespace {


Poco::Dynamic::Var amountIn(const std::string& json)
	/// The AMOUNT of {"AMOUNT":json}, as the wire parser delivers it.
{
	Poco::JSON::Parser parser;
	return parser.parse("{\"AMOUNT\":" + json + "}").extract<Poco::JSON::Object::Ptr>()->get("AMOUNT");
}


bool accepts(const Poco::Dynamic::Var& value, Poco::Int64 expected)
{
	Poco::Int64 cents = 0;
	std::string reason;
	return Money::tryParse(value, cents, reason) && cents == expected;
}


bool refuses(const Poco::Dynamic::Var& value)
{
	Poco::Int64 cents = 0;
	std::string reason;
	bool refused = !Money::tryParse(value, cents, reason);
	return refused && !reason.empty();
}


} // namespace


class MoneyTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(MoneyTest);
	CPPUNIT_TEST(testJsonNumbers);
	CPPUNIT_TEST(testDecimalStrings);
	CPPUNIT_TEST(testRefusedNumbers);
	CPPUNIT_TEST(testRefusedStrings);
	CPPUNIT_TEST(testRefusedTypes);
	CPPUNIT_TEST(testLimits);
	CPPUNIT_TEST(testParseThrowsInvalidAmount);
	CPPUNIT_TEST(testFormat);
	CPPUNIT_TEST(testJsonRoundTrip);
	CPPUNIT_TEST_SUITE_END();

public:
	void testJsonNumbers()
	{
		CPPUNIT_ASSERT(accepts(amountIn("99.99"), 9999));
		CPPUNIT_ASSERT(accepts(amountIn("0.1"), 10));
		CPPUNIT_ASSERT(accepts(amountIn("0.07"), 7));
		CPPUNIT_ASSERT(accepts(amountIn("-12.5"), -1250));
		CPPUNIT_ASSERT(accepts(amountIn("12"), 1200));
		CPPUNIT_ASSERT(accepts(amountIn("-3"), -300));
		CPPUNIT_ASSERT(accepts(amountIn("0"), 0));
		CPPUNIT_ASSERT(accepts(amountIn("1.10"), 110));
		CPPUNIT_ASSERT(accepts(amountIn("123456789.01"), 12345678901LL));
	}

	void testDecimalStrings()
	{
		CPPUNIT_ASSERT(accepts(std::string("99.99"), 9999));
		CPPUNIT_ASSERT(accepts(std::string("-0.05"), -5));
		CPPUNIT_ASSERT(accepts(std::string("+7.5"), 750));
		CPPUNIT_ASSERT(accepts(std::string("007"), 700));
		CPPUNIT_ASSERT(accepts(std::string("90000000000000.00"), 9000000000000000LL));
	}

	void testRefusedNumbers()
	{
		CPPUNIT_ASSERT(refuses(amountIn("1.234")));
		CPPUNIT_ASSERT(refuses(amountIn("1.005")));
		CPPUNIT_ASSERT(refuses(amountIn("0.001")));
		CPPUNIT_ASSERT(refuses(amountIn("1e20")));
		CPPUNIT_ASSERT(refuses(amountIn("-1e20")));
		CPPUNIT_ASSERT(refuses(amountIn("1.5e-3")));
		// 89999999999999.99 and .98 are the same double: refused, not rounded.
		CPPUNIT_ASSERT(refuses(amountIn("89999999999999.99")));
		CPPUNIT_ASSERT(accepts(amountIn("69999999999999.99"), 6999999999999999LL));
		CPPUNIT_ASSERT(refuses(1e20));
		CPPUNIT_ASSERT(refuses(std::numeric_limits<double>::quiet_NaN()));
		CPPUNIT_ASSERT(refuses(std::numeric_limits<double>::infinity()));
		CPPUNIT_ASSERT(refuses(-std::numeric_limits<double>::infinity()));
		CPPUNIT_ASSERT(refuses(std::numeric_limits<double>::max()));
	}

	void testRefusedStrings()
	{
		const char* bad[] = {"abc", "", "1.234", "1e3", "1.", ".5", "--1", "1,5", " 1", "1 ", "NaN", "inf", "0x10", "1.2.3", "+", "-"};
		for (const char* text: bad)
		{
			CPPUNIT_ASSERT_MESSAGE(std::string("accepted \"") + text + "\"", refuses(std::string(text)));
		}
	}

	void testRefusedTypes()
	{
		CPPUNIT_ASSERT(refuses(amountIn("true")));
		CPPUNIT_ASSERT(refuses(amountIn("null")));
		CPPUNIT_ASSERT(refuses(amountIn("[1]")));
		CPPUNIT_ASSERT(refuses(amountIn("{\"a\":1}")));
		CPPUNIT_ASSERT(refuses(Poco::Dynamic::Var()));
	}

	void testLimits()
	{
		CPPUNIT_ASSERT(accepts(std::string("90000000000000"), Money::MAX_CENTS));
		CPPUNIT_ASSERT(accepts(std::string("-90000000000000"), -Money::MAX_CENTS));
		CPPUNIT_ASSERT(refuses(std::string("90000000000000.01")));
		CPPUNIT_ASSERT(refuses(std::string("-90000000000000.01")));
		CPPUNIT_ASSERT(refuses(std::string("900000000000000")));
		CPPUNIT_ASSERT(refuses(std::string("99999999999999999999999999")));
		CPPUNIT_ASSERT(accepts(amountIn("90000000000000"), Money::MAX_CENTS));
		CPPUNIT_ASSERT(refuses(amountIn("90000000000001")));
		CPPUNIT_ASSERT(refuses(amountIn("9223372036854775807")));
		CPPUNIT_ASSERT(refuses(amountIn("-9223372036854775808")));
		CPPUNIT_ASSERT(refuses(amountIn("18446744073709551615")));
		// Beyond 64 bits (and 1e309) the JSON parser itself refuses the
		// request with "Malformed JSON", before any amount is parsed.
		CPPUNIT_ASSERT_THROW(amountIn("99999999999999999999999"), Poco::SyntaxException);
		CPPUNIT_ASSERT_THROW(amountIn("1e309"), Poco::SyntaxException);
	}

	void testParseThrowsInvalidAmount()
	{
		try
		{
			Money::parse(std::string("1.234"));
			CPPUNIT_FAIL("1.234 was accepted");
		}
		catch (Poco::InvalidArgumentException& exc)
		{
			CPPUNIT_ASSERT_EQUAL(std::string("Invalid amount"), exc.message());
			CPPUNIT_ASSERT(exc.nested());
			CPPUNIT_ASSERT_EQUAL(std::string("more than two decimals"), exc.nested()->message());
		}
	}

	void testFormat()
	{
		CPPUNIT_ASSERT_EQUAL(std::string("99.99"), Money::format(9999));
		CPPUNIT_ASSERT_EQUAL(std::string("0.05"), Money::format(5));
		CPPUNIT_ASSERT_EQUAL(std::string("-0.05"), Money::format(-5));
		CPPUNIT_ASSERT_EQUAL(std::string("100.00"), Money::format(10000));
		CPPUNIT_ASSERT_EQUAL(std::string("0.00"), Money::format(0));
		CPPUNIT_ASSERT_EQUAL(std::string("90000000000000.00"), Money::format(Money::MAX_CENTS));
		CPPUNIT_ASSERT_EQUAL(std::string("-92233720368547758.08"), Money::format(std::numeric_limits<Poco::Int64>::min()));
	}

	void testJsonRoundTrip()
	{
		// SALDO goes out as an exact number with two decimals.
		const std::pair<Poco::Int64, const char*> samples[] = {
			{0, "0.00"}, {1, "0.01"}, {-5, "-0.05"}, {9999, "99.99"}, {10000, "100.00"},
			{8999999999999999LL, "89999999999999.99"}, {Money::MAX_CENTS, "90000000000000.00"}};
		for (const auto& sample: samples)
		{
			Poco::JSON::Object object;
			object.set("SALDO", Money::toJson(sample.first));
			std::ostringstream out;
			object.stringify(out);
			CPPUNIT_ASSERT_EQUAL(std::string("{\"SALDO\":") + sample.second + "}", out.str());
			// A reader of the text gets the decimal back; as a string it is exact.
			Poco::JSON::Parser parser;
			Poco::Dynamic::Var back = parser.parse(out.str()).extract<Poco::JSON::Object::Ptr>()->get("SALDO");
			CPPUNIT_ASSERT(back.isNumeric());
			CPPUNIT_ASSERT(accepts(std::string(sample.second), sample.first));
		}
		CPPUNIT_ASSERT_EQUAL(99.99, Money::toJson(9999).convert<double>());
	}
};


CPPUNIT_TEST_SUITE_REGISTRATION(MoneyTest);

//
// JsonScanTest.cpp
//
// The hot-path JSON reader and writer against Poco::JSON, the reference.
//


#include "json/JsonScan.h"
#include "orchd/Money.h"
#include "Poco/JSON/Parser.h"
#include "Poco/Random.h"
#include <cppunit/extensions/HelperMacros.h>
#include <sstream>


using orchd::JsonScan;


namespace {


bool pocoAccepts(const std::string& text)
{
	try
	{
		Poco::JSON::Parser parser;
		return parser.parse(text).type() == typeid(Poco::JSON::Object::Ptr);
	}
	catch (Poco::Exception&)
	{
		return false;
	}
}


std::string pocoText(const Poco::JSON::Object& object)
{
	std::ostringstream out;
	object.stringify(out);
	return out.str();
}


Poco::JSON::Object::Ptr pocoParse(const std::string& text)
{
	Poco::JSON::Parser parser;
	return parser.parse(text).extract<Poco::JSON::Object::Ptr>();
}


std::string errorOf(const std::string& text)
{
	JsonScan scan;
	CPPUNIT_ASSERT_MESSAGE(text, !scan.scan(text));
	return scan.error();
}


} // namespace


class JsonScanTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(JsonScanTest);
	CPPUNIT_TEST(testMembers);
	CPPUNIT_TEST(testRefusals);
	CPPUNIT_TEST(testDuplicateFields);
	CPPUNIT_TEST(testToObjectMatchesPoco);
	CPPUNIT_TEST(testWriteRoundTrips);
	CPPUNIT_TEST(testMutatedRequestsNeverPassWhatPocoRefuses);
	CPPUNIT_TEST_SUITE_END();

public:
	void testMembers()
	{
		JsonScan scan;
		std::string text = " {\"TASK\" : \"UPDATE\", \"AMOUNT\":-12.50e0,\"N\":null,\"T\":true,\"F\":false,"
			"\"O\":{\"a\":[1,{\"b\":\"]\"}]},\"TA\\u0053K2\":\"x\\\"y\\u00e9\"} ";
		CPPUNIT_ASSERT_MESSAGE(scan.error(), scan.scan(text));
		CPPUNIT_ASSERT_EQUAL(std::size_t(7), scan.members().size());
		const JsonScan::Member* task = scan.find("TASK");
		CPPUNIT_ASSERT(task && task->kind == JsonScan::STRING);
		CPPUNIT_ASSERT_EQUAL(std::string("UPDATE"), JsonScan::stringValue(*task));
		CPPUNIT_ASSERT_EQUAL(std::string("\"TASK\" : \"UPDATE\""), std::string(task->text));
		CPPUNIT_ASSERT_EQUAL(std::string("-12.50e0"), std::string(scan.find("AMOUNT")->value));
		CPPUNIT_ASSERT(scan.find("N")->kind == JsonScan::NULL_);
		CPPUNIT_ASSERT(scan.find("T")->kind == JsonScan::TRUE_);
		CPPUNIT_ASSERT(scan.find("F")->kind == JsonScan::FALSE_);
		CPPUNIT_ASSERT_EQUAL(std::string("{\"a\":[1,{\"b\":\"]\"}]}"), std::string(scan.find("O")->value));
		// Escaped keys are found by their decoded name; values decode to UTF-8.
		const JsonScan::Member* escaped = scan.find("TASK2");
		CPPUNIT_ASSERT(escaped);
		CPPUNIT_ASSERT_EQUAL(std::string("x\"y\xC3\xA9"), JsonScan::stringValue(*escaped));
		long long value = 0;
		CPPUNIT_ASSERT(!JsonScan::intValue(*scan.find("AMOUNT"), value));
		CPPUNIT_ASSERT(scan.scan("{\"ATTEMPT\":3}"));
		CPPUNIT_ASSERT(JsonScan::intValue(*scan.find("ATTEMPT"), value) && value == 3);
		CPPUNIT_ASSERT(scan.scan("{}"));
		CPPUNIT_ASSERT(scan.members().empty());
		// A surrogate pair is one character.
		CPPUNIT_ASSERT(scan.scan("{\"E\":\"\\ud83d\\ude00\"}"));
		CPPUNIT_ASSERT_EQUAL(std::string("\xF0\x9F\x98\x80"), JsonScan::stringValue(*scan.find("E")));
	}

	void testRefusals()
	{
		CPPUNIT_ASSERT_EQUAL(std::string("Request must be a JSON object"), errorOf("[1,2,3]"));
		CPPUNIT_ASSERT_EQUAL(std::string("Request must be a JSON object"), errorOf("\"just a string\""));
		CPPUNIT_ASSERT_EQUAL(std::string("Request must be a JSON object"), errorOf("42"));
		const char* malformed[] = {
			"", "   ", "{", "{\"TASK\":", "{\"TASK\":\"QUERY\"", "{\"TASK\":\"QUERY\",}", "{\"TASK\" \"QUERY\"}",
			"{TASK:\"QUERY\"}", "{\"TASK\":'QUERY'}", "{\"A\":01}", "{\"A\":1.}", "{\"A\":.5}", "{\"A\":-}", "{\"A\":1e}",
			"{\"A\":+1}", "{\"A\":tru}", "{\"A\":nul}", "{\"A\":\"tab\there\"}", "{\"A\":\"\\x\"}", "{\"A\":\"\\u12\"}",
			"{\"A\":\"\\udc00\"}", "{\"A\":\"\\ud800x\"}", "{\"A\":[1,]}", "{\"A\":[1 2]}", "{\"A\":{\"b\"}}",
			"{\"A\":1} x", "{\"A\":1}{}", "{\"A\":\"unterminated}",
			// Not UTF-8: a stray continuation byte, an overlong '/', an
			// encoded surrogate, beyond U+10FFFF, a cut sequence.
			"{\"A\":\"\x80\"}", "{\"A\":\"\xC0\xAF\"}", "{\"A\":\"\xED\xA0\x80\"}", "{\"A\":\"\xF4\x90\x80\x80\"}",
			"{\"A\":\"\xE2\x82\"}", "{\"\xFF\":1}",
		};
		for (const char* text: malformed)
		{
			std::string error = errorOf(text);
			CPPUNIT_ASSERT_MESSAGE(std::string(text) + " -> " + error, error.rfind("Malformed JSON: ", 0) == 0);
			CPPUNIT_ASSERT_MESSAGE(std::string(text) + " is refused by Poco too", !pocoAccepts(text));
		}
		std::string deep(70, '[');
		deep = "{\"A\":" + deep + std::string(70, ']') + "}";
		CPPUNIT_ASSERT(errorOf(deep).find("nested deeper than 64 levels") != std::string::npos);
	}

	void testDuplicateFields()
	{
		CPPUNIT_ASSERT_EQUAL(std::string("Duplicate field: AMOUNT"), errorOf("{\"AMOUNT\":1,\"USER\":\"a\",\"AMOUNT\":2}"));
		// The same name written with an escape is the same field.
		CPPUNIT_ASSERT_EQUAL(std::string("Duplicate field: TASK"), errorOf("{\"TASK\":\"QUERY\",\"T\\u0041SK\":\"UPDATE\"}"));
		// Many fields: checked by sorting.
		std::string wide = "{";
		for (int i = 0; i < 100; ++i) wide += "\"F" + std::to_string(i) + "\":" + std::to_string(i) + ",";
		JsonScan scan;
		CPPUNIT_ASSERT(scan.scan(wide + "\"LAST\":0}"));
		CPPUNIT_ASSERT_EQUAL(std::string("Duplicate field: F42"), errorOf(wide + "\"F42\":0}"));
		// Duplicates inside nested objects are the plugin's business.
		CPPUNIT_ASSERT(scan.scan("{\"O\":{\"a\":1,\"a\":2}}"));
		// Poco cuts a key at \u0000, which would make these two one field
		// to a plugin (TASK = UPDATE) and two to the scan (found by
		// fuzz/JsonScanFuzz; the input is in its corpus).
		CPPUNIT_ASSERT_EQUAL(std::string("Malformed JSON: \\u0000 in a field name at offset 15"),
			errorOf("{\"TASK\":\"ECHO\",\"TASK\\u0000x\":\"UPDATE\",\"P\":[1]}"));
		// In a value it is a character like any other, as for Poco.
		CPPUNIT_ASSERT(scan.scan("{\"A\":\"x\\u0000y\"}"));
	}

	void testToObjectMatchesPoco()
	{
		const char* same[] = {
			"{\"TASK\":\"UPDATE\",\"USER\":\"alice\",\"AMOUNT\":12.34,\"REQUEST_ID\":7}",
			"{\"A\":-9223372036854775808,\"B\":9223372036854775807,\"C\":0,\"D\":-0.0,\"E\":1e300,\"F\":true,\"G\":false,\"H\":null}",
			"{\"S\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u0001\\u00e9\\ud83d\\ude00\",\"AMOUNT\":\"1.234\",\"X\":0.1,\"Y\":123456789012.345}",
		};
		for (const char* text: same)
		{
			JsonScan scan;
			CPPUNIT_ASSERT(scan.scan(text));
			Poco::JSON::Object::Ptr fast = scan.toObject();
			CPPUNIT_ASSERT_MESSAGE(text, fast);
			CPPUNIT_ASSERT_EQUAL(pocoText(*pocoParse(text)), pocoText(*fast));
		}
		// Skipped keys are left out.
		JsonScan scan;
		CPPUNIT_ASSERT(scan.scan("{\"TASK\":\"ECHO\",\"ATTEMPT\":2,\"REQUEST_ID\":\"r\"}"));
		CPPUNIT_ASSERT_EQUAL(std::string("{\"TASK\":\"ECHO\"}"), pocoText(*scan.toObject({"ATTEMPT", "REQUEST_ID"})));
		// What only Poco decides: nested values, numbers beyond 64 bits or a double.
		for (const char* text: {"{\"O\":{\"a\":1}}", "{\"A\":[1]}", "{\"A\":99999999999999999999999}", "{\"A\":1e400}", "{\"A\":1e-400}"})
		{
			CPPUNIT_ASSERT(scan.scan(text));
			CPPUNIT_ASSERT_MESSAGE(text, !scan.toObject());
		}
	}

	void testWriteRoundTrips()
	{
		Poco::JSON::Object result;
		result.set("STATUS", "OK");
		result.set("TASK_ID", std::string("m-1-\"quoted\"\\back\nline\x01\x1f\xC3\xA9"));
		result.set("ATTEMPT", 3);
		result.set("SALDO_CENTS", Poco::Int64(-9000000000000000LL));
		result.set("BIG", Poco::UInt64(18446744073709551615ULL));
		result.set("REPLAYED", true);
		result.set("NOTHING", Poco::Dynamic::Var());
		result.set("SALDO", orchd::Money::toJson(-12345));
		std::string text = JsonScan::write(result);
		// Exact decimals, unquoted, as Poco writes them.
		CPPUNIT_ASSERT_MESSAGE(text, text.find("\"SALDO\":-123.45") != std::string::npos);
		Poco::JSON::Object::Ptr back = pocoParse(text);
		CPPUNIT_ASSERT_EQUAL(result.getValue<std::string>("TASK_ID"), back->getValue<std::string>("TASK_ID"));
		CPPUNIT_ASSERT_EQUAL(3, back->getValue<int>("ATTEMPT"));
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(-9000000000000000LL), back->getValue<Poco::Int64>("SALDO_CENTS"));
		CPPUNIT_ASSERT_EQUAL(std::string("18446744073709551615"), back->get("BIG").toString());
		CPPUNIT_ASSERT(back->getValue<bool>("REPLAYED"));
		CPPUNIT_ASSERT(back->get("NOTHING").isEmpty());
		CPPUNIT_ASSERT_EQUAL(pocoText(result), pocoText(*back));
		JsonScan scan;
		CPPUNIT_ASSERT_MESSAGE(scan.error(), scan.scan(text));
		// Doubles and nested values are Poco's to write.
		Poco::JSON::Object other;
		other.set("D", 0.1);
		Poco::JSON::Object::Ptr inner = new Poco::JSON::Object;
		inner->set("a", 1);
		other.set("O", inner);
		CPPUNIT_ASSERT_EQUAL(pocoText(other), JsonScan::write(other));
	}

	void testMutatedRequestsNeverPassWhatPocoRefuses()
	{
		// The master forwards what it scanned; a worker parses it with
		// Poco. Random damage to valid requests must never produce a text
		// that the scan accepts and Poco refuses.
		const std::string seeds[] = {
			"{\"TASK\":\"UPDATE\",\"USER\":\"alice\",\"AMOUNT\":-12.5e1,\"REQUEST_ID\":7,\"K\":[1,{\"x\":null}]}",
			"{\"TASK\":\"ECHO\",\"PAYLOAD\":\"\\u00e9\\n\\\" \xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\",\"DELAY_MS\":0,\"T\":true,\"F\":false}",
		};
		const std::string alphabet = "{}[]\":,.-+eE0123456789\\u abtfnrl\x01\x7f\x80\xBF\xC3\xA9\xE2\xED\xF0\xF4\xFF";
		Poco::Random random;
		random.seed(20261128);
		int accepted = 0;
		for (int i = 0; i < 20000; ++i)
		{
			std::string text = seeds[i % 2];
			int edits = 1 + static_cast<int>(random.next(3));
			for (int e = 0; e < edits; ++e)
			{
				std::size_t at = random.next(static_cast<Poco::UInt32>(text.size()));
				char c = alphabet[random.next(static_cast<Poco::UInt32>(alphabet.size()))];
				switch (random.next(3))
				{
				case 0: text.insert(at, 1, c); break;
				case 1: text.erase(at, 1); break;
				default: text[at] = c; break;
				}
			}
			JsonScan scan;
			if (!scan.scan(text)) continue;
			++accepted;
			CPPUNIT_ASSERT_MESSAGE("scan accepted what Poco refuses: " + text, pocoAccepts(text));
			Poco::JSON::Object::Ptr fast = scan.toObject();
			if (fast) CPPUNIT_ASSERT_EQUAL_MESSAGE(text, pocoText(*pocoParse(text)), pocoText(*fast));
		}
		CPPUNIT_ASSERT(accepted > 100);  // the check did look at accepted texts
	}
};


CPPUNIT_TEST_SUITE_REGISTRATION(JsonScanTest);

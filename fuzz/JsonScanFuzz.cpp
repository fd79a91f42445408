//
// JsonScanFuzz.cpp
//
// libFuzzer target: the JSON scanner (json/JsonScan) against Poco 1.11's
// JSON parser, the reference. Properties, for any input:
// - the same accept/reject: JsonScan accepts exactly the texts that Poco
//   parses to an object, except the deliberate differences below;
// - on an accepted text, the same members: the same keys, of the same
//   kinds, strings decoded alike, integers alike, and toObject() (when it
//   builds one) the same object as Poco's;
// - JsonScan::write() of Poco's object scans again, with the same keys.
//
// Deliberate differences, excluded explicitly (docs/FUZZING.md):
// - a duplicate top-level key: JsonScan refuses it ("Duplicate field"),
//   Poco keeps the last value;
// - nesting deeper than 64 levels: JsonScan refuses it; such an input is
//   not given to Poco at all (its recursive parser is not ours to fuzz);
// - Poco accepts what JsonScan refuses on purpose, listed in pocoLenient()
//   below (found by this fuzzer): bytes after the object, which RFC 8259
//   forbids, and a top-level field name with \u0000, which Poco cuts short;
// - Poco reads a negative integer below -2^53 rounded (pocoRounds());
// - Poco refuses numbers out of its range (integers beyond 64 bits,
//   doubles that overflow), which RFC 8259 allows and JsonScan accepts:
//   for those the property is that parseObject(), which reads a request
//   after the scan, still refuses it.
//


#include "FuzzCheck.h"
#include "json/JsonObject.h"
#include "json/JsonScan.h"
#include "Poco/Dynamic/Var.h"
#include "Poco/Exception.h"
#include "Poco/JSON/Array.h"
#include "Poco/JSON/Object.h"
#include "Poco/JSON/Parser.h"
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>


using orchd::JsonScan;


namespace {


int nesting(const std::string& text)
	/// The deepest bracket nesting outside strings (a bound for any parse).
{
	int depth = 0, deepest = 0;
	bool inString = false;
	for (std::size_t i = 0; i < text.size(); ++i)
	{
		char c = text[i];
		if (inString)
		{
			if (c == '\\') ++i;
			else if (c == '"') inString = false;
		}
		else if (c == '"') inString = true;
		else if (c == '{' || c == '[') deepest = std::max(deepest, ++depth);
		else if (c == '}' || c == ']') --depth;
	}
	return deepest;
}


bool pocoLenient(const JsonScan& scan)
	/// Whether JsonScan refused the text for a reason Poco 1.11's parser
	/// does not check (RFC 8259 is on JsonScan's side).
{
	static const char* const reasons[] = {
		"Malformed JSON: trailing characters after the object",  // Poco reads the first value and ignores the rest
		"Malformed JSON: \\u0000 in a field name",                // Poco cuts the name there: refused on purpose
	};
	for (const char* reason: reasons)
	{
		if (scan.error().rfind(reason, 0) == 0) return true;
	}
	return false;
}


bool outOfRange(std::string_view number)
	/// Whether Poco 1.11 refuses this JSON number for its range: an
	/// integer beyond 64 bits (Int64 if negative, UInt64 if not), or a
	/// number whose double is infinite.
{
	std::string text(number);
	if (text.find_first_of(".eE") == std::string::npos)
	{
		errno = 0;
		if (text[0] == '-') std::strtoll(text.c_str(), nullptr, 10);
		else std::strtoull(text.c_str(), nullptr, 10);
		return errno == ERANGE;
	}
	return std::isinf(std::strtod(text.c_str(), nullptr));
}


bool anyOutOfRange(const std::string& text)
	/// Whether a number anywhere in the (scanned, valid) text is out of
	/// Poco's range.
{
	bool inString = false;
	for (std::size_t i = 0; i < text.size(); ++i)
	{
		char c = text[i];
		if (inString)
		{
			if (c == '\\') ++i;
			else if (c == '"') inString = false;
			continue;
		}
		if (c == '"')
		{
			inString = true;
			continue;
		}
		if (c != '-' && (c < '0' || c > '9')) continue;
		std::size_t end = text.find_first_not_of("+-.eE0123456789", i);
		if (end == std::string::npos) end = text.size();
		if (outOfRange(std::string_view(text).substr(i, end - i))) return true;
		i = end - 1;
	}
	return false;
}


bool pocoParse(const std::string& text, Poco::JSON::Object::Ptr& object)
{
	try
	{
		Poco::JSON::Parser parser;
		Poco::Dynamic::Var value = parser.parse(text);
		if (value.type() != typeid(Poco::JSON::Object::Ptr)) return false;
		object = value.extract<Poco::JSON::Object::Ptr>();
		return true;
	}
	catch (Poco::Exception&)
	{
		return false;
	}
}


bool pocoRounds(long long integer)
	/// Poco 1.11 reads a negative integer through a double: below -2^53 it
	/// comes out rounded (-33720368547758071 as -33720368547758072), where
	/// JsonScan is exact. Harmless for orchd: amounts stop at 9e13 units,
	/// below 2^53, and other integers (ATTEMPT, CONCURRENCY) are small.
{
	return integer < -(1LL << 53);
}


void sameValue(const JsonScan::Member& member, const Poco::Dynamic::Var& value)
{
	switch (member.kind)
	{
	case JsonScan::STRING:
		FUZZ_CHECK(value.isString());
		FUZZ_CHECK(JsonScan::stringValue(member) == value.extract<std::string>());
		break;
	case JsonScan::NUMBER:
	{
		FUZZ_CHECK(value.isNumeric());
		long long ours = 0;
		if (JsonScan::intValue(member, ours) && value.isInteger() && value.isSigned() && !pocoRounds(ours))
			FUZZ_CHECK(ours == value.convert<Poco::Int64>());
		break;
	}
	case JsonScan::OBJECT:
		FUZZ_CHECK(value.type() == typeid(Poco::JSON::Object::Ptr));
		break;
	case JsonScan::ARRAY:
		FUZZ_CHECK(value.type() == typeid(Poco::JSON::Array::Ptr));
		break;
	case JsonScan::TRUE_:
		FUZZ_CHECK(value.isBoolean() && value.extract<bool>());
		break;
	case JsonScan::FALSE_:
		FUZZ_CHECK(value.isBoolean() && !value.extract<bool>());
		break;
	case JsonScan::NULL_:
		FUZZ_CHECK(value.isEmpty());
		break;
	}
}


void sameMembers(const JsonScan& scan, const Poco::JSON::Object& object)
{
	FUZZ_CHECK(scan.members().size() == object.size());
	for (const auto& member: scan.members())
	{
		std::string key(member.key);
		FUZZ_CHECK(object.has(key));
		sameValue(member, object.get(key));
	}
	Poco::JSON::Object::Ptr built = scan.toObject();
	if (!built) return;
	FUZZ_CHECK(built->size() == object.size());
	for (const auto& member: scan.members())
	{
		std::string key(member.key);
		Poco::Dynamic::Var ours = built->get(key), theirs = object.get(key);
		FUZZ_CHECK(ours.isEmpty() == theirs.isEmpty());
		if (ours.isInteger() && pocoRounds(ours.convert<Poco::Int64>())) continue;
		if (!ours.isEmpty()) FUZZ_CHECK(ours.convert<std::string>() == theirs.convert<std::string>());
	}
}


void writeScansAgain(const Poco::JSON::Object& object)
{
	std::string written = JsonScan::write(object);
	JsonScan again;
	FUZZ_CHECK(again.scan(written));
	FUZZ_CHECK(again.members().size() == object.size());
	for (const auto& member: again.members()) FUZZ_CHECK(object.has(std::string(member.key)));
}


} // namespace


extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
	std::string text(reinterpret_cast<const char*>(data), size);
	JsonScan scan;
	bool ours = scan.scan(text);
	if (!ours && scan.error().rfind("Duplicate field", 0) == 0) return 0;  // deliberate
	if (nesting(text) > 64)
	{
		FUZZ_CHECK(!ours);
		return 0;
	}
	Poco::JSON::Object::Ptr object;
	bool theirs = pocoParse(text, object);
	if (!ours && theirs && pocoLenient(scan)) return 0;  // deliberate
	if (ours && !theirs && anyOutOfRange(text))
	{
		// Deliberate: RFC 8259 sets no range, Poco does. What reads the
		// request (parseObject) falls back to Poco for such numbers, so
		// the request is refused all the same.
		bool refused = false;
		try
		{
			orchd::parseObject(scan, text, {});
		}
		catch (Poco::InvalidArgumentException&)
		{
			refused = true;
		}
		FUZZ_CHECK(refused);
		return 0;
	}
	if (ours != theirs)
	{
		std::fprintf(stderr, "JsonScan %s, Poco %s: %s\n", ours ? "accepts" : "refuses", theirs ? "accepts" : "refuses",
			ours ? "" : scan.error().c_str());
	}
	FUZZ_CHECK(ours == theirs);
	if (!ours) return 0;
	sameMembers(scan, *object);
	writeScansAgain(*object);
	return 0;
}

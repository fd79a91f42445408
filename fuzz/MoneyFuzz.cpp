//
// MoneyFuzz.cpp
//
// libFuzzer target for money parsing (api/Money). Properties:
// - parseDecimal() accepts exactly the texts of the grammar
//   [+-]?[0-9]+(\.[0-9]{1,2})? whose magnitude is at most MAX_CENTS cents
//   (checked against an independent reading in 128-bit integers), with
//   the same value;
// - format(parse(x)) is x written canonically (no '+', no leading zeros,
//   two decimals, no "-0.00"), and parse(format(c)) == c for every c
//   within MAX_CENTS: nothing overflows;
// - a JSON number as Poco's parser gives it (an integer or a double)
//   parses to the same cents as its text when that text has at most two
//   decimals, no exponent and a magnitude below EXACT_DOUBLE_LIMIT; and
//   whatever tryParse() accepts is within half a cent of the double.
//


#include "FuzzCheck.h"
#include "orchd/Money.h"
#include "Poco/Dynamic/Var.h"
#include "Poco/Exception.h"
#include "Poco/JSON/Parser.h"
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>


using orchd::Money;
using Poco::Int64;


namespace {


bool digit(char c)
{
	return c >= '0' && c <= '9';
}


bool oracle(const std::string& text, __int128& cents, std::string& canonical)
	/// The grammar and the value, read another way.
{
	std::size_t i = 0;
	bool negative = false;
	if (i < text.size() && (text[i] == '+' || text[i] == '-')) negative = text[i++] == '-';
	std::size_t start = i;
	while (i < text.size() && digit(text[i])) ++i;
	std::string units = text.substr(start, i - start);
	if (units.empty()) return false;
	std::string fraction;
	if (i < text.size() && text[i] == '.')
	{
		std::size_t from = ++i;
		while (i < text.size() && digit(text[i])) ++i;
		fraction = text.substr(from, i - from);
		if (fraction.empty() || fraction.size() > 2) return false;
	}
	if (i != text.size()) return false;
	units.erase(0, std::min(units.find_first_not_of('0'), units.size() - 1));
	if (units.size() > 20) return false;  // far beyond MAX_CENTS
	while (fraction.size() < 2) fraction += '0';
	__int128 value = 0;
	for (char c: units + fraction) value = value * 10 + (c - '0');
	if (value > Money::MAX_CENTS) return false;
	cents = negative ? -value : value;
	canonical = (negative && value != 0 ? "-" : "") + units + "." + fraction;
	return true;
}


void decimalText(const std::string& text)
{
	Int64 cents = 0;
	std::string reason;
	bool parsed = Money::parseDecimal(text, cents, reason);
	__int128 expected = 0;
	std::string canonical;
	bool valid = oracle(text, expected, canonical);
	FUZZ_CHECK(parsed == valid);
	if (!parsed)
	{
		FUZZ_CHECK(!reason.empty());
		return;
	}
	FUZZ_CHECK(cents == expected);
	FUZZ_CHECK(cents >= -Money::MAX_CENTS && cents <= Money::MAX_CENTS);
	std::string formatted = Money::format(cents);
	FUZZ_CHECK(formatted == canonical);
	Int64 again = 0;
	FUZZ_CHECK(Money::parseDecimal(formatted, again, reason) && again == cents);
	// The same text as a JSON string value.
	Int64 fromVar = 0;
	FUZZ_CHECK(Money::tryParse(Poco::Dynamic::Var(text), fromVar, reason) && fromVar == cents);
}


void anyCents(const std::uint8_t* data, std::size_t size)
{
	if (size < 8) return;
	Int64 cents = 0;
	std::memcpy(&cents, data, sizeof cents);
	if (cents < -Money::MAX_CENTS || cents > Money::MAX_CENTS) cents %= Money::MAX_CENTS;
	std::string reason;
	Int64 again = 0;
	FUZZ_CHECK(Money::parseDecimal(Money::format(cents), again, reason) && again == cents);
}


void jsonNumber(const std::string& text)
{
	Poco::Dynamic::Var value;
	try
	{
		Poco::JSON::Parser parser;
		value = parser.parse("[" + text + "]").extract<Poco::JSON::Array::Ptr>()->get(0);
	}
	catch (Poco::Exception&)
	{
		return;
	}
	if (!value.isNumeric()) return;
	Int64 cents = 0;
	std::string reason;
	bool parsed = Money::tryParse(value, cents, reason);
	if (parsed && !value.isInteger())
	{
		double d = value.convert<double>();
		FUZZ_CHECK(std::fabs(static_cast<double>(cents) - d * 100.0) <= 0.5 + std::fabs(d) * 1e-13);
	}
	// A plain decimal text below the exact limit: the same as the text.
	bool plain = text.find_first_of("eE") == std::string::npos;
	std::size_t dot = text.find('.');
	if (plain && (dot == std::string::npos || text.size() - dot - 1 <= 2))
	{
		Int64 expected = 0;
		std::string why;
		if (Money::parseDecimal(text, expected, why) && std::llabs(expected) < static_cast<Int64>(Money::EXACT_DOUBLE_LIMIT) * 100)
			FUZZ_CHECK(parsed && cents == expected);
	}
}


} // namespace


extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
	if (size > 64) return 0;  // amounts are short; longer only repeats the digit loop
	std::string text(reinterpret_cast<const char*>(data), size);
	decimalText(text);
	anyCents(data, size);
	jsonNumber(text);
	return 0;
}

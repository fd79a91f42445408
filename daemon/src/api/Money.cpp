//
// Money.cpp
//


#include "orchd/Money.h"
#include "Poco/Exception.h"
#include <charconv>
#include <cmath>
#include <limits>


namespace orchd {


bool Money::parseDecimal(const std::string& text, Poco::Int64& cents, std::string& reason)
{
	std::size_t i = 0;
	bool negative = false;
	if (i < text.size() && (text[i] == '-' || text[i] == '+'))
	{
		negative = text[i] == '-';
		++i;
	}
	Poco::Int64 units = 0;
	std::size_t intDigits = 0;
	for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i, ++intDigits)
	{
		units = units * 10 + (text[i] - '0');
		if (units > MAX_CENTS / 100)
		{
			reason = "beyond the limit of 9e15 cents";
			return false;
		}
	}
	if (intDigits == 0)
	{
		reason = "not a decimal number";
		return false;
	}
	Poco::Int64 fraction = 0;
	if (i < text.size() && text[i] == '.')
	{
		++i;
		std::size_t fracDigits = 0;
		for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i, ++fracDigits)
		{
			if (fracDigits == 2)
			{
				reason = "more than two decimals";
				return false;
			}
			fraction = fraction * 10 + (text[i] - '0');
		}
		if (fracDigits == 0)
		{
			reason = "not a decimal number";
			return false;
		}
		if (fracDigits == 1) fraction *= 10;
	}
	if (i != text.size())
	{
		reason = "not a decimal number";
		return false;
	}
	Poco::Int64 value = units * 100 + fraction;
	if (value > MAX_CENTS)
	{
		reason = "beyond the limit of 9e15 cents";
		return false;
	}
	cents = negative ? -value : value;
	return true;
}


bool Money::tryParse(const Poco::Dynamic::Var& value, Poco::Int64& cents, std::string& reason)
{
	if (value.isEmpty() || value.isBoolean() || value.isArray() || value.isStruct())
	{
		reason = "not a number or decimal string";
		return false;
	}
	if (value.isString())
	{
		return parseDecimal(value.extract<std::string>(), cents, reason);
	}
	if (value.isInteger())
	{
		// Any integer type the JSON parser may produce; compare before
		// multiplying so that nothing overflows.
		if (value.isSigned())
		{
			Poco::Int64 units = value.convert<Poco::Int64>();
			if (units > MAX_CENTS / 100 || units < -MAX_CENTS / 100)
			{
				reason = "beyond the limit of 9e15 cents";
				return false;
			}
			cents = units * 100;
			return true;
		}
		Poco::UInt64 units = value.convert<Poco::UInt64>();
		if (units > static_cast<Poco::UInt64>(MAX_CENTS / 100))
		{
			reason = "beyond the limit of 9e15 cents";
			return false;
		}
		cents = static_cast<Poco::Int64>(units) * 100;
		return true;
	}
	if (value.isNumeric())
	{
		double d = value.convert<double>();
		if (!std::isfinite(d))
		{
			reason = "not a finite number";
			return false;
		}
		if (std::fabs(d) > 1e14)
		{
			reason = "beyond the limit of 9e15 cents";
			return false;
		}
		if (std::fabs(d) >= EXACT_DOUBLE_LIMIT)
		{
			// From here on two amounts a cent apart can be the same double.
			reason = "a JSON number this large cannot carry cents exactly: send a decimal string";
			return false;
		}
		// Below EXACT_DOUBLE_LIMIT (at most 15 significant digits with the
		// cents) the shortest text that reads back as the same double is what
		// the sender wrote, so 0.1 stays "0.1" and 1.005 stays "1.005" and
		// is refused.
		char buffer[64];
		auto res = std::to_chars(buffer, buffer + sizeof(buffer), d, std::chars_format::fixed);
		if (res.ec != std::errc())
		{
			reason = "not a decimal number";
			return false;
		}
		return parseDecimal(std::string(buffer, res.ptr), cents, reason);
	}
	reason = "not a number or decimal string";
	return false;
}


Poco::Int64 Money::parse(const Poco::Dynamic::Var& value)
{
	Poco::Int64 cents = 0;
	std::string reason;
	if (!tryParse(value, cents, reason))
	{
		throw Poco::InvalidArgumentException("Invalid amount", Poco::InvalidArgumentException(reason));
	}
	return cents;
}


std::string Money::format(Poco::Int64 cents)
{
	// Work on the unsigned magnitude: -MAX_CENTS..MAX_CENTS never hits
	// INT64_MIN, but format() must not be the place that finds out.
	Poco::UInt64 magnitude = cents < 0 ? Poco::UInt64(0) - static_cast<Poco::UInt64>(cents) : static_cast<Poco::UInt64>(cents);
	std::string text = std::to_string(magnitude / 100);
	unsigned fraction = static_cast<unsigned>(magnitude % 100);
	text += '.';
	text += static_cast<char>('0' + fraction / 10);
	text += static_cast<char>('0' + fraction % 10);
	return cents < 0 ? "-" + text : text;
}


Poco::Dynamic::Var Money::toJson(Poco::Int64 cents)
{
	Amount amount;
	amount.cents = cents;
	return Poco::Dynamic::Var(amount);
}


} // namespace orchd

//
// QueryValue.cpp
//


#include "store/QueryValue.h"
#include "Poco/NumberParser.h"
#include <cstdlib>


namespace orchd {


Poco::Dynamic::Var QueryValue::integer(const std::string& text)
{
	Poco::Int64 value = 0;
	if (Poco::NumberParser::tryParse64(text, value)) return Poco::Dynamic::Var(value);
	return Poco::Dynamic::Var(text);
}


Poco::Dynamic::Var QueryValue::decimal(const std::string& text)
{
	// tryParse64 alone would also take " 12" or "+12": only the digits a
	// database writes for a whole number.
	std::string::size_type digits = !text.empty() && text[0] == '-' ? 1 : 0;
	if (digits == text.size() || text.find_first_not_of("0123456789", digits) != std::string::npos) return Poco::Dynamic::Var(text);
	return integer(text);
}


Poco::Dynamic::Var QueryValue::real(const std::string& text)
{
	double value = 0;
	if (Poco::NumberParser::tryParseFloat(text, value)) return Poco::Dynamic::Var(value);
	// NaN and the infinities, in the server's spelling.
	return Poco::Dynamic::Var(std::strtod(text.c_str(), nullptr));
}


} // namespace orchd

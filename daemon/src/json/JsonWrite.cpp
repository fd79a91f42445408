//
// JsonWrite.cpp
//
// JsonScan's writer: a flat result object as compact JSON text, with
// Poco's stringify() as the reference for everything else.
//


#include "json/JsonScan.h"
#include "orchd/Money.h"
#include <sstream>


namespace orchd {


void JsonScan::appendString(std::string& out, std::string_view text)
{
	static const char HEX[] = "0123456789abcdef";
	out += '"';
	std::size_t plain = 0;
	for (std::size_t i = 0; i < text.size(); ++i)
	{
		unsigned char c = static_cast<unsigned char>(text[i]);
		if (c >= 0x20 && c != '"' && c != '\\') continue;
		out.append(text.data() + plain, i - plain);
		plain = i + 1;
		switch (c)
		{
		case '"': out += "\\\""; break;
		case '\\': out += "\\\\"; break;
		case '\n': out += "\\n"; break;
		case '\r': out += "\\r"; break;
		case '\t': out += "\\t"; break;
		case '\b': out += "\\b"; break;
		case '\f': out += "\\f"; break;
		default:
			out += "\\u00";
			out += HEX[c >> 4];
			out += HEX[c & 0xF];
		}
	}
	out.append(text.data() + plain, text.size() - plain);
	out += '"';
}


std::string JsonScan::write(const Poco::JSON::Object& object)
{
	std::string out;
	out.reserve(128);
	out += '{';
	bool first = true;
	for (const auto& member: object)
	{
		if (!first) out += ',';
		first = false;
		appendString(out, member.first);
		out += ':';
		const Poco::Dynamic::Var& value = member.second;
		const std::type_info& type = value.type();
		if (value.isEmpty()) out += "null";
		else if (type == typeid(std::string)) appendString(out, value.extract<std::string>());
		else if (type == typeid(bool)) out += value.extract<bool>() ? "true" : "false";
		else if (type == typeid(Poco::Int64)) out += std::to_string(value.extract<Poco::Int64>());
		else if (type == typeid(Poco::UInt64)) out += std::to_string(value.extract<Poco::UInt64>());
		else if (type == typeid(int)) out += std::to_string(value.extract<int>());
		else if (type == typeid(unsigned)) out += std::to_string(value.extract<unsigned>());
		else if (type == typeid(orchd::Amount)) out += value.convert<std::string>();
		else
		{
			// Doubles, nested objects and arrays, anything else: Poco's
			// rules are the reference.
			std::ostringstream text;
			object.stringify(text);
			return text.str();
		}
	}
	out += '}';
	return out;
}


} // namespace orchd

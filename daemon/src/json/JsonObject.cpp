//
// JsonObject.cpp
//


#include "json/JsonObject.h"
#include "Poco/Exception.h"
#include "Poco/JSON/Parser.h"
#include "Poco/JSON/Stringifier.h"
#include <sstream>


namespace orchd {


Poco::JSON::Object::Ptr parseObject(const std::string& text)
{
	// Poco's parser says odd things about a top-level scalar ("Attempt to
	// set value on an empty stack"): name the real problem instead.
	std::string::size_type first = text.find_first_not_of(" \t\r\n");
	if (first != std::string::npos && text[first] != '{' && text[first] != '[')
		throw Poco::InvalidArgumentException("Request must be a JSON object");
	Poco::Dynamic::Var value;
	try
	{
		Poco::JSON::Parser parser;
		value = parser.parse(text);
	}
	catch (Poco::Exception& exc)
	{
		throw Poco::InvalidArgumentException("Malformed JSON: " + exc.message());
	}
	if (value.type() != typeid(Poco::JSON::Object::Ptr)) throw Poco::InvalidArgumentException("Request must be a JSON object");
	return value.extract<Poco::JSON::Object::Ptr>();
}


Poco::JSON::Object::Ptr parseObject(const JsonScan& scan, const std::string& text, std::initializer_list<std::string_view> skip)
{
	Poco::JSON::Object::Ptr object = scan.toObject(skip);
	if (object) return object;
	object = parseObject(text);
	for (std::string_view key: skip) object->remove(std::string(key));
	return object;
}


std::string toText(const Poco::JSON::Object& object)
{
	std::ostringstream out;
	object.stringify(out);
	return out.str();
}


std::string toText(const Poco::Dynamic::Var& value)
{
	std::ostringstream out;
	Poco::JSON::Stringifier::stringify(value, out);
	return out.str();
}


} // namespace orchd

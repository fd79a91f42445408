//
// JsonObject.h
//
// Parsing one JSON object and writing one back: the project's general
// JSON functions (the hot paths scan with JsonScan instead).
//


#ifndef orchd_JsonObject_INCLUDED
#define orchd_JsonObject_INCLUDED


#include "json/JsonScan.h"
#include "Poco/Dynamic/Var.h"
#include "Poco/JSON/Object.h"
#include <initializer_list>
#include <string>
#include <string_view>


namespace orchd {


Poco::JSON::Object::Ptr parseObject(const std::string& text);
	/// Parses text that must be one JSON object. Throws
	/// Poco::InvalidArgumentException with "Malformed JSON: ..." or
	/// "Request must be a JSON object". Thread-safe.

Poco::JSON::Object::Ptr parseObject(const JsonScan& scan, const std::string& text, std::initializer_list<std::string_view> skip);
	/// The object scan has read from text, without the skipped keys: built
	/// from the scan when it is flat, else by Poco's parser (nested values,
	/// numbers beyond 64 bits), which throws like parseObject(text).

std::string toText(const Poco::JSON::Object& object);
	/// The object as compact JSON text.

std::string toText(const Poco::Dynamic::Var& value);
	/// Any JSON value (an array, say) as compact JSON text.


} // namespace orchd


#endif // orchd_JsonObject_INCLUDED

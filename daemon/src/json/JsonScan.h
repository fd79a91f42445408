//
// JsonScan.h
//
// A strict reader of one JSON object's top level, for the hot paths.
//


#ifndef orchd_JsonScan_INCLUDED
#define orchd_JsonScan_INCLUDED


#include "Poco/JSON/Object.h"
#include <deque>
#include <string>
#include <string_view>
#include <vector>


namespace orchd {


class JsonScan
	/// Checks that a text is exactly one JSON object (RFC 8259: strings,
	/// escapes, UTF-8, numbers, literals, nesting up to 64 levels) and records its
	/// top-level members as views into the text, without building a tree.
	///
	/// The master uses it to route and forward a task's bytes, and to pick
	/// TASK_ID and ATTEMPT out of a result, without Poco::JSON's parse and
	/// re-serialisation (about 7 us per message); the worker uses it to
	/// build a handler's request object faster than Poco's parser does.
	///
	/// A duplicate top-level field is refused ("Duplicate field: X"): a
	/// request that names its amount twice is ambiguous, and the master
	/// forwards the text as written. So is a top-level field name with
	/// \u0000, which Poco's parser cuts short (found by fuzz/JsonScanFuzz).
	///
	/// The views point into the scanned text, which must outlive the scan.
{
public:
	enum Kind
	{
		STRING, NUMBER, OBJECT, ARRAY, TRUE_, FALSE_, NULL_
	};

	struct Member
	{
		std::string_view key;    /// decoded (escapes resolved)
		std::string_view value;  /// the raw value; a string's with its quotes
		std::string_view text;   /// "key": value, as written
		Kind kind;
	};

	bool scan(std::string_view text);
		/// Returns false if text is not one JSON object; error() then says
		/// why: "Request must be a JSON object", or "Malformed JSON: ..."
		/// naming the problem and its offset, or "Duplicate field: X".

	const std::string& error() const;

	const std::vector<Member>& members() const;

	const Member* find(std::string_view key) const;
		/// The member with that (decoded) key, or null.

	static std::string stringValue(const Member& member);
		/// A STRING member's decoded value (UTF-8).

	static bool intValue(const Member& member, long long& value);
		/// A NUMBER member's value if it is an integer that fits.

	Poco::JSON::Object::Ptr toObject(std::initializer_list<std::string_view> skip = {}) const;
		/// The same object as Poco::JSON::Parser gives, without the skipped
		/// keys, when every value is a scalar and every number an Int64 or a
		/// finite double; else null (parse with Poco, whose messages and
		/// number types are the reference).

	static std::string write(const Poco::JSON::Object& object);
		/// The object as JSON text, written directly when its values are
		/// strings, integers, booleans, nulls and orchd::Amount (exact
		/// decimals); otherwise by Poco's Stringifier. About ten times
		/// faster than Poco for a task's result.

	static void appendString(std::string& out, std::string_view text);
		/// Appends text as a quoted JSON string.

private:
	bool fail(const std::string& why, const char* at);
	bool value(Kind& kind, int depth);
	bool string(std::string_view* decodedKey);
	bool utf8();
	bool number();
	bool literal(const char* word, std::size_t length);
	void skipSpace();

	const char* _begin = nullptr;
	const char* _p = nullptr;
	const char* _end = nullptr;
	std::vector<Member> _members;
	std::deque<std::string> _decodedKeys;
	std::string _error;
};


//
// inlines
//
inline const std::string& JsonScan::error() const
{
	return _error;
}


inline const std::vector<JsonScan::Member>& JsonScan::members() const
{
	return _members;
}


} // namespace orchd


#endif // orchd_JsonScan_INCLUDED

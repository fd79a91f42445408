//
// JsonScan.cpp
//
// One strict RFC 8259 scanner (strings, escapes, UTF-8, numbers, nesting)
// that the fuzzers and JsonScanTest read as one piece; split by grammar
// rule it would pass its cursor around. The writer is JsonWrite.cpp.
//


#include "json/JsonScan.h"
#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>


namespace orchd {


namespace {


const int MAX_DEPTH = 64;


int hexDigit(char c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}


bool hex4(const char* p, const char* end, unsigned& code)
{
	if (end - p < 4) return false;
	code = 0;
	for (int i = 0; i < 4; ++i)
	{
		int d = hexDigit(p[i]);
		if (d < 0) return false;
		code = code * 16 + static_cast<unsigned>(d);
	}
	return true;
}


void appendUtf8(std::string& out, unsigned code)
{
	if (code < 0x80) out += static_cast<char>(code);
	else if (code < 0x800)
	{
		out += static_cast<char>(0xC0 | (code >> 6));
		out += static_cast<char>(0x80 | (code & 0x3F));
	}
	else if (code < 0x10000)
	{
		out += static_cast<char>(0xE0 | (code >> 12));
		out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
		out += static_cast<char>(0x80 | (code & 0x3F));
	}
	else
	{
		out += static_cast<char>(0xF0 | (code >> 18));
		out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
		out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
		out += static_cast<char>(0x80 | (code & 0x3F));
	}
}


std::string unescape(std::string_view raw)
	/// raw: a scanned string's content between its quotes (valid escapes).
{
	std::string out;
	out.reserve(raw.size());
	for (std::size_t i = 0; i < raw.size(); ++i)
	{
		char c = raw[i];
		if (c != '\\')
		{
			out += c;
			continue;
		}
		char e = raw[++i];
		switch (e)
		{
		case 'b': out += '\b'; break;
		case 'f': out += '\f'; break;
		case 'n': out += '\n'; break;
		case 'r': out += '\r'; break;
		case 't': out += '\t'; break;
		case 'u':
		{
			unsigned code = 0;
			hex4(raw.data() + i + 1, raw.data() + raw.size(), code);
			i += 4;
			if (code >= 0xD800 && code < 0xDC00)
			{
				unsigned low = 0;
				hex4(raw.data() + i + 3, raw.data() + raw.size(), low);
				i += 6;
				code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
			}
			appendUtf8(out, code);
			break;
		}
		default: out += e; break;  // " \ /
		}
	}
	return out;
}


} // namespace


bool JsonScan::fail(const std::string& why, const char* at)
{
	_error = "Malformed JSON: " + why + " at offset " + std::to_string(at - _begin);
	return false;
}


void JsonScan::skipSpace()
{
	while (_p < _end && (*_p == ' ' || *_p == '\t' || *_p == '\n' || *_p == '\r')) ++_p;
}


bool JsonScan::scan(std::string_view text)
{
	_begin = _p = text.data();
	_end = text.data() + text.size();
	_members.clear();
	_decodedKeys.clear();
	_error.clear();
	skipSpace();
	if (_p == _end) return fail("empty message", _p);
	if (*_p != '{')
	{
		// Name the real problem for a well-formed array or scalar.
		_error = "Request must be a JSON object";
		return false;
	}
	++_p;
	skipSpace();
	if (_p < _end && *_p == '}') ++_p;
	else
	{
		for (;;)
		{
			skipSpace();
			const char* start = _p;
			if (_p == _end || *_p != '"') return fail("expected a field name in quotes", _p);
			Member member;
			if (!string(&member.key)) return false;
			skipSpace();
			if (_p == _end || *_p != ':') return fail("expected ':' after a field name", _p);
			++_p;
			skipSpace();
			const char* valueStart = _p;
			if (!value(member.kind, 1)) return false;
			member.value = std::string_view(valueStart, static_cast<std::size_t>(_p - valueStart));
			member.text = std::string_view(start, static_cast<std::size_t>(_p - start));
			_members.push_back(member);
			skipSpace();
			if (_p == _end) return fail("unterminated object", _p);
			if (*_p == ',')
			{
				++_p;
				continue;
			}
			if (*_p == '}')
			{
				++_p;
				break;
			}
			return fail("expected ',' or '}'", _p);
		}
	}
	skipSpace();
	if (_p != _end) return fail("trailing characters after the object", _p);

	// Duplicates: pairwise for the usual handful of fields, sorted beyond.
	if (_members.size() <= 16)
	{
		for (std::size_t i = 1; i < _members.size(); ++i)
		{
			for (std::size_t j = 0; j < i; ++j)
			{
				if (_members[i].key == _members[j].key)
				{
					_error = "Duplicate field: " + std::string(_members[i].key);
					return false;
				}
			}
		}
	}
	else
	{
		std::vector<std::string_view> keys;
		keys.reserve(_members.size());
		for (const auto& m: _members) keys.push_back(m.key);
		std::sort(keys.begin(), keys.end());
		auto dup = std::adjacent_find(keys.begin(), keys.end());
		if (dup != keys.end())
		{
			_error = "Duplicate field: " + std::string(*dup);
			return false;
		}
	}
	return true;
}


bool JsonScan::value(Kind& kind, int depth)
{
	if (_p == _end) return fail("expected a value", _p);
	switch (*_p)
	{
	case '"':
		kind = STRING;
		return string(nullptr);
	case '{':
	case '[':
	{
		if (depth >= MAX_DEPTH) return fail("nested deeper than " + std::to_string(MAX_DEPTH) + " levels", _p);
		bool object = *_p == '{';
		kind = object ? OBJECT : ARRAY;
		char close = object ? '}' : ']';
		++_p;
		skipSpace();
		if (_p < _end && *_p == close)
		{
			++_p;
			return true;
		}
		for (;;)
		{
			skipSpace();
			if (object)
			{
				if (_p == _end || *_p != '"') return fail("expected a field name in quotes", _p);
				if (!string(nullptr)) return false;
				skipSpace();
				if (_p == _end || *_p != ':') return fail("expected ':' after a field name", _p);
				++_p;
				skipSpace();
			}
			Kind inner;
			if (!value(inner, depth + 1)) return false;
			skipSpace();
			if (_p == _end) return fail(object ? "unterminated object" : "unterminated array", _p);
			if (*_p == ',')
			{
				++_p;
				continue;
			}
			if (*_p == close)
			{
				++_p;
				return true;
			}
			return fail(object ? "expected ',' or '}'" : "expected ',' or ']'", _p);
		}
	}
	case 't':
		kind = TRUE_;
		return literal("true", 4);
	case 'f':
		kind = FALSE_;
		return literal("false", 5);
	case 'n':
		kind = NULL_;
		return literal("null", 4);
	default:
		kind = NUMBER;
		return number();
	}
}


bool JsonScan::literal(const char* word, std::size_t length)
{
	if (static_cast<std::size_t>(_end - _p) < length || std::string_view(_p, length) != std::string_view(word, length))
		return fail("unexpected character", _p);
	_p += length;
	return true;
}


bool JsonScan::number()
{
	const char* start = _p;
	if (_p < _end && *_p == '-') ++_p;
	if (_p == _end || *_p < '0' || *_p > '9') return fail("unexpected character", start);
	if (*_p == '0') ++_p;
	else while (_p < _end && *_p >= '0' && *_p <= '9') ++_p;
	if (_p < _end && *_p == '.')
	{
		++_p;
		if (_p == _end || *_p < '0' || *_p > '9') return fail("a digit must follow the decimal point", _p);
		while (_p < _end && *_p >= '0' && *_p <= '9') ++_p;
	}
	if (_p < _end && (*_p == 'e' || *_p == 'E'))
	{
		++_p;
		if (_p < _end && (*_p == '+' || *_p == '-')) ++_p;
		if (_p == _end || *_p < '0' || *_p > '9') return fail("a digit must follow the exponent", _p);
		while (_p < _end && *_p >= '0' && *_p <= '9') ++_p;
	}
	return true;
}


bool JsonScan::string(std::string_view* decodedKey)
{
	const char* open = _p;
	++_p;  // the opening quote
	bool escaped = false;
	while (_p < _end)
	{
		unsigned char c = static_cast<unsigned char>(*_p);
		if (c == '"')
		{
			std::string_view raw(open + 1, static_cast<std::size_t>(_p - open - 1));
			++_p;
			if (decodedKey)
			{
				if (!escaped) *decodedKey = raw;
				else
				{
					_decodedKeys.push_back(unescape(raw));
					*decodedKey = _decodedKeys.back();
					// Poco's parser cuts a key at U+0000 ("A\u0000B" reads as
					// "A"), so two keys of the text could be one to the
					// plugins: as ambiguous as a duplicate field.
					if (decodedKey->find('\0') != std::string_view::npos) return fail("\\u0000 in a field name", open);
				}
			}
			return true;
		}
		if (c < 0x20) return fail("control character in a string", _p);
		if (c >= 0x80)
		{
			if (!utf8()) return false;
			continue;
		}
		if (c != '\\')
		{
			++_p;
			continue;
		}
		escaped = true;
		if (_end - _p < 2) break;
		char e = _p[1];
		if (e == 'u')
		{
			unsigned code = 0;
			if (!hex4(_p + 2, _end, code)) return fail("bad \\u escape", _p);
			_p += 6;
			if (code >= 0xDC00 && code < 0xE000) return fail("lone low surrogate", _p - 6);
			if (code >= 0xD800 && code < 0xDC00)
			{
				unsigned low = 0;
				if (_end - _p < 6 || _p[0] != '\\' || _p[1] != 'u' || !hex4(_p + 2, _end, low) || low < 0xDC00 || low >= 0xE000)
					return fail("high surrogate without its low half", _p - 6);
				_p += 6;
			}
			continue;
		}
		if (e != '"' && e != '\\' && e != '/' && e != 'b' && e != 'f' && e != 'n' && e != 'r' && e != 't')
			return fail("bad escape", _p);
		_p += 2;
	}
	return fail("unterminated string", open);
}


bool JsonScan::utf8()
{
	// RFC 3629: no overlong forms, no surrogates, nothing beyond U+10FFFF.
	unsigned char c = static_cast<unsigned char>(*_p);
	int continuation = 0;
	unsigned char low = 0x80, high = 0xBF;
	if (c >= 0xC2 && c <= 0xDF) continuation = 1;
	else if (c == 0xE0) { continuation = 2; low = 0xA0; }
	else if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) continuation = 2;
	else if (c == 0xED) { continuation = 2; high = 0x9F; }
	else if (c == 0xF0) { continuation = 3; low = 0x90; }
	else if (c >= 0xF1 && c <= 0xF3) continuation = 3;
	else if (c == 0xF4) { continuation = 3; high = 0x8F; }
	else return fail("invalid UTF-8", _p);
	if (_end - _p <= continuation) return fail("invalid UTF-8", _p);
	unsigned char second = static_cast<unsigned char>(_p[1]);
	if (second < low || second > high) return fail("invalid UTF-8", _p);
	for (int i = 2; i <= continuation; ++i)
	{
		if ((static_cast<unsigned char>(_p[i]) & 0xC0) != 0x80) return fail("invalid UTF-8", _p);
	}
	_p += continuation + 1;
	return true;
}


const JsonScan::Member* JsonScan::find(std::string_view key) const
{
	for (const auto& m: _members)
	{
		if (m.key == key) return &m;
	}
	return nullptr;
}


std::string JsonScan::stringValue(const Member& member)
{
	std::string_view raw = member.value.substr(1, member.value.size() - 2);
	if (raw.find('\\') == std::string_view::npos) return std::string(raw);
	return unescape(raw);
}


bool JsonScan::intValue(const Member& member, long long& value)
{
	if (member.kind != NUMBER) return false;
	const char* first = member.value.data();
	const char* last = first + member.value.size();
	auto parsed = std::from_chars(first, last, value);
	return parsed.ec == std::errc() && parsed.ptr == last;
}


Poco::JSON::Object::Ptr JsonScan::toObject(std::initializer_list<std::string_view> skip) const
{
	Poco::JSON::Object::Ptr object = new Poco::JSON::Object;
	for (const auto& m: _members)
	{
		if (std::find(skip.begin(), skip.end(), m.key) != skip.end()) continue;
		std::string key(m.key);
		switch (m.kind)
		{
		case STRING:
			object->set(key, stringValue(m));
			break;
		case NUMBER:
		{
			long long integer = 0;
			if (intValue(m, integer))
			{
				object->set(key, static_cast<Poco::Int64>(integer));
				break;
			}
			if (m.value.find_first_of(".eE") == std::string_view::npos) return nullptr;  // beyond Int64
			std::string text(m.value);
			errno = 0;
			double number = std::strtod(text.c_str(), nullptr);
			if (errno == ERANGE || !std::isfinite(number)) return nullptr;
			object->set(key, number);
			break;
		}
		case TRUE_:
			object->set(key, true);
			break;
		case FALSE_:
			object->set(key, false);
			break;
		case NULL_:
			object->set(key, Poco::Dynamic::Var());
			break;
		default:
			return nullptr;
		}
	}
	return object;
}


} // namespace orchd

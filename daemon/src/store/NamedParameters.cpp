//
// NamedParameters.cpp
//


#include "store/NamedParameters.h"
#include "Poco/Exception.h"
#include "Poco/String.h"
#include <algorithm>
#include <cctype>


namespace orchd {


namespace {


bool isNameStart(char c)
{
	return std::isalpha(static_cast<unsigned char>(c)) || c == '_';
}


bool isNameChar(char c)
{
	return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}


bool isIdentifierChar(char c)
	/// A character of an unquoted identifier or keyword (PostgreSQL allows
	/// $ after the first; bytes of UTF-8 letters count too).
{
	return isNameChar(c) || c == '$' || (static_cast<unsigned char>(c) & 0x80);
}


std::size_t commentEnd(const std::string& text, std::size_t at, NetSchema::Dialect dialect)
	/// Past the comment that starts at `at`, or `at` if none starts there.
{
	bool maria = dialect == NetSchema::MARIADB;
	bool dashes = text.compare(at, 2, "--") == 0
		&& (!maria || at + 2 == text.size() || std::isspace(static_cast<unsigned char>(text[at + 2])) || std::iscntrl(static_cast<unsigned char>(text[at + 2])));
	if (dashes || (maria && text[at] == '#'))
	{
		std::size_t end = text.find('\n', at);
		return end == std::string::npos ? text.size() : end + 1;
	}
	if (text.compare(at, 2, "/*") != 0) return at;
	int depth = 0;
	for (std::size_t i = at; i + 1 < text.size(); ++i)
	{
		if (text.compare(i, 2, "/*") == 0 && (depth == 0 || !maria))
		{
			++depth;
			++i;
		}
		else if (text.compare(i, 2, "*/") == 0)
		{
			++i;
			if (--depth == 0) return i + 1;
		}
	}
	throw Poco::InvalidArgumentException("an unterminated /* comment");
}


std::size_t quotedEnd(const std::string& text, std::size_t at, NetSchema::Dialect dialect)
	/// Past the string or quoted identifier that starts at `at`, or `at`.
{
	bool maria = dialect == NetSchema::MARIADB;
	char quote = text[at];
	bool backslash = false;
	if (quote == '\'')
	{
		// PostgreSQL: backslash escapes only in E'...' (standard_conforming_strings).
		bool escapeString = at > 0 && (text[at - 1] == 'E' || text[at - 1] == 'e') && (at < 2 || !isIdentifierChar(text[at - 2]));
		backslash = maria || escapeString;
	}
	else if (quote == '"') backslash = maria;
	else if (quote != '`' || !maria) return at;
	for (std::size_t i = at + 1; i < text.size(); ++i)
	{
		if (backslash && text[i] == '\\') ++i;
		else if (text[i] == quote)
		{
			if (i + 1 < text.size() && text[i + 1] == quote) ++i;
			else return i + 1;
		}
	}
	throw Poco::InvalidArgumentException(std::string("an unterminated ") + (quote == '\'' || (maria && quote == '"') ? "string" : "quoted identifier") + " (" + quote + ")");
}


std::size_t dollarQuotedEnd(const std::string& text, std::size_t at)
	/// PostgreSQL: past the $tag$...$tag$ string that starts at `at`, or
	/// `at` (a $ inside an identifier, or one that starts no tag).
{
	if (text[at] != '$' || (at > 0 && isIdentifierChar(text[at - 1]))) return at;
	std::size_t end = at + 1;
	if (end < text.size() && std::isdigit(static_cast<unsigned char>(text[end])))
	{
		while (end < text.size() && std::isdigit(static_cast<unsigned char>(text[end]))) ++end;
		throw Poco::InvalidArgumentException("parameter " + text.substr(at, end - at) + ": use :name parameters");
	}
	while (end < text.size() && isNameChar(text[end])) ++end;
	if (end >= text.size() || text[end] != '$') return at;
	std::string tag = text.substr(at, end + 1 - at);
	std::size_t close = text.find(tag, end + 1);
	if (close == std::string::npos) throw Poco::InvalidArgumentException("an unterminated dollar-quoted string (" + tag + ")");
	return close + tag.size();
}


std::size_t notCodeEnd(const std::string& text, std::size_t at, NetSchema::Dialect dialect)
	/// Past the comment, string or quoted identifier at `at`, or `at`.
{
	std::size_t end = commentEnd(text, at, dialect);
	if (end == at) end = quotedEnd(text, at, dialect);
	if (end == at && dialect == NetSchema::POSTGRESQL) end = dollarQuotedEnd(text, at);
	return end;
}


void checkRest(const std::string& text, std::size_t at, NetSchema::Dialect dialect)
	/// After a top-level ;: only spaces, comments and more ; may follow.
{
	while (at < text.size())
	{
		std::size_t end = commentEnd(text, at, dialect);
		if (end != at) at = end;
		else if (text[at] == ';' || std::isspace(static_cast<unsigned char>(text[at]))) ++at;
		else throw Poco::InvalidArgumentException("more than one statement (one read-only statement only)");
	}
}


} // namespace


NamedParameters::NamedParameters(const std::string& statement, NetSchema::Dialect dialect):
	_dialect(dialect)
{
	bool codeSeen = false;
	std::size_t at = 0;
	while (at < statement.size())
	{
		char c = statement[at];
		std::size_t end = notCodeEnd(statement, at, dialect);
		if (end != at)
		{
			codeSeen = codeSeen || c == '\'' || c == '"' || c == '`' || c == '$';
			_text.append(statement, at, end - at);
			at = end;
			continue;
		}
		if (c == ';')
		{
			checkRest(statement, at + 1, dialect);
			break;
		}
		if (c == '?' && dialect == NetSchema::MARIADB) throw Poco::InvalidArgumentException("parameter ?: use :name parameters");
		end = at + 1;
		if (c == ':' && end < statement.size() && statement[end] == ':') ++end;
		else if (c == ':' && end < statement.size() && isNameStart(statement[end]))
		{
			while (end < statement.size() && isNameChar(statement[end])) ++end;
			addParameter(statement.substr(at + 1, end - at - 1));
			at = end;
			codeSeen = true;
			continue;
		}
		else if (isNameStart(c))
		{
			while (end < statement.size() && isIdentifierChar(statement[end])) ++end;
			if (!codeSeen) _firstWord = Poco::toUpper(statement.substr(at, end - at));
		}
		codeSeen = codeSeen || !std::isspace(static_cast<unsigned char>(c));
		_text.append(statement, at, end - at);
		at = end;
	}
}


void NamedParameters::addParameter(const std::string& name)
{
	auto found = std::find(_names.begin(), _names.end(), name);
	std::size_t index = static_cast<std::size_t>(found - _names.begin());
	if (found == _names.end()) _names.push_back(name);
	_uses.push_back(index);
	if (_dialect == NetSchema::MARIADB)
	{
		_text += '?';
		return;
	}
	// x:a must not become the identifier x$1.
	if (!_text.empty() && isIdentifierChar(_text.back())) _text += ' ';
	_text += '$' + std::to_string(index + 1);
}


const std::string& NamedParameters::text() const
{
	return _text;
}


const std::vector<std::string>& NamedParameters::names() const
{
	return _names;
}


const std::vector<std::size_t>& NamedParameters::uses() const
{
	return _uses;
}


const std::string& NamedParameters::firstWord() const
{
	return _firstWord;
}


void NamedParameters::requireQuery(const std::string& firstWord)
{
	if (firstWord != "SELECT" && firstWord != "WITH" && firstWord != "VALUES")
		throw Poco::InvalidArgumentException("not a query: a statement must start with SELECT, WITH or VALUES");
}


std::vector<Poco::Dynamic::Var> NamedParameters::valuesInOrder(const std::map<std::string, Poco::Dynamic::Var>& values) const
{
	for (const auto& entry: values)
	{
		if (std::find(_names.begin(), _names.end(), entry.first) == _names.end())
			throw Poco::InvalidArgumentException("Unknown parameter: " + entry.first + " (the statement has no :" + entry.first + ")");
	}
	std::vector<Poco::Dynamic::Var> ordered;
	for (const auto& name: _names)
	{
		auto it = values.find(name);
		if (it == values.end()) throw Poco::InvalidArgumentException("Missing parameter: " + name);
		const Poco::Dynamic::Var& value = it->second;
		if (!value.isInteger() && !value.isNumeric() && !value.isString())
			throw Poco::InvalidArgumentException("Parameter " + name + " must be an integer, a number or a string");
		ordered.push_back(value);
	}
	return ordered;
}


} // namespace orchd

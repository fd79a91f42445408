//
// SqliteQuery.cpp
//


#include "store/SqliteQuery.h"
#include "store/NamedParameters.h"
#include "Poco/Data/DataException.h"
#include "Poco/String.h"
#include <sqlite3.h>
#include <algorithm>
#include <cctype>


namespace orchd {


namespace {


std::string::size_type skipSpaceAndComments(const std::string& text, std::string::size_type at)
{
	while (at < text.size())
	{
		if (std::isspace(static_cast<unsigned char>(text[at]))) ++at;
		else if (text.compare(at, 2, "--") == 0) at = text.find('\n', at) == std::string::npos ? text.size() : text.find('\n', at);
		else if (text.compare(at, 2, "/*") == 0) at = text.find("*/", at + 2) == std::string::npos ? text.size() : text.find("*/", at + 2) + 2;
		else break;
	}
	return at;
}


} // namespace


SqliteQuery::SqliteQuery(sqlite3* db, const std::string& statement):
	_db(db)
{
	NamedParameters::requireQuery(firstWord(statement));
	const char* tail = nullptr;
	if (sqlite3_prepare_v2(_db, statement.c_str(), static_cast<int>(statement.size()) + 1, &_statement, &tail) != SQLITE_OK)
		throw Poco::InvalidArgumentException(std::string("SQLite cannot prepare it: ") + sqlite3_errmsg(_db));
	if (!_statement) throw Poco::InvalidArgumentException("an empty statement");
	// The rest must prepare to nothing: spaces, comments, semicolons.
	sqlite3_stmt* next = nullptr;
	while (tail && *tail && sqlite3_prepare_v2(_db, tail, -1, &next, &tail) == SQLITE_OK && !next) {}
	if (next || (tail && *tail))
	{
		sqlite3_finalize(next);
		sqlite3_finalize(_statement);
		throw Poco::InvalidArgumentException("more than one statement (one read-only statement only)");
	}
	std::string refusal;
	if (!sqlite3_stmt_readonly(_statement)) refusal = "it writes (SQLite says it is not read-only): only read-only statements are allowed";
	else if (sqlite3_column_count(_statement) == 0) refusal = "it returns no rows";
	for (int i = 1; refusal.empty() && i <= sqlite3_bind_parameter_count(_statement); ++i)
	{
		const char* name = sqlite3_bind_parameter_name(_statement, i);
		if (!name || name[0] != ':' || !name[1]) refusal = std::string("parameter ") + (name ? name : "?") + ": use :name parameters";
		else _parameters.push_back(name + 1);
	}
	if (!refusal.empty())
	{
		sqlite3_finalize(_statement);
		throw Poco::InvalidArgumentException(refusal);
	}
}


SqliteQuery::~SqliteQuery()
{
	sqlite3_finalize(_statement);
}


const std::vector<std::string>& SqliteQuery::parameters() const
{
	return _parameters;
}


QueryRows SqliteQuery::run(const std::map<std::string, Poco::Dynamic::Var>& values, std::size_t maxRows)
{
	bind(values);
	QueryRows result;
	for (int i = 0; i < sqlite3_column_count(_statement); ++i) result.columns.push_back(sqlite3_column_name(_statement, i));
	for (;;)
	{
		int rc = sqlite3_step(_statement);
		if (rc == SQLITE_DONE) break;
		if (rc != SQLITE_ROW) throw Poco::Data::DataException(std::string("SQLite: ") + sqlite3_errmsg(_db));
		if (result.rows.size() == maxRows)
		{
			result.truncated = true;
			break;
		}
		std::vector<Poco::Dynamic::Var> row;
		for (int i = 0; i < sqlite3_column_count(_statement); ++i) row.push_back(column(i));
		result.rows.push_back(std::move(row));
	}
	sqlite3_reset(_statement);
	return result;
}


void SqliteQuery::bind(const std::map<std::string, Poco::Dynamic::Var>& values)
{
	for (const auto& entry: values)
	{
		if (std::find(_parameters.begin(), _parameters.end(), entry.first) == _parameters.end())
			throw Poco::InvalidArgumentException("Unknown parameter: " + entry.first + " (the statement has no :" + entry.first + ")");
	}
	for (std::size_t i = 0; i < _parameters.size(); ++i)
	{
		auto it = values.find(_parameters[i]);
		if (it == values.end()) throw Poco::InvalidArgumentException("Missing parameter: " + _parameters[i]);
		const Poco::Dynamic::Var& value = it->second;
		int index = static_cast<int>(i) + 1;
		int rc = SQLITE_OK;
		if (value.isInteger()) rc = sqlite3_bind_int64(_statement, index, value.convert<Poco::Int64>());
		else if (value.isNumeric()) rc = sqlite3_bind_double(_statement, index, value.convert<double>());
		else if (value.isString())
		{
			const std::string& text = value.extract<std::string>();
			rc = sqlite3_bind_text(_statement, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
		}
		else throw Poco::InvalidArgumentException("Parameter " + _parameters[i] + " must be an integer, a number or a string");
		if (rc != SQLITE_OK) throw Poco::Data::DataException(std::string("SQLite: ") + sqlite3_errmsg(_db));
	}
}


Poco::Dynamic::Var SqliteQuery::column(int index) const
{
	switch (sqlite3_column_type(_statement, index))
	{
	case SQLITE_INTEGER:
		return Poco::Dynamic::Var(static_cast<Poco::Int64>(sqlite3_column_int64(_statement, index)));
	case SQLITE_FLOAT:
		return Poco::Dynamic::Var(sqlite3_column_double(_statement, index));
	case SQLITE_NULL:
		return Poco::Dynamic::Var();
	default:
		{
			const unsigned char* text = sqlite3_column_text(_statement, index);
			return Poco::Dynamic::Var(std::string(reinterpret_cast<const char*>(text), static_cast<std::size_t>(sqlite3_column_bytes(_statement, index))));
		}
	}
}


std::string SqliteQuery::firstWord(const std::string& statement)
{
	std::string::size_type at = skipSpaceAndComments(statement, 0);
	std::string::size_type end = at;
	while (end < statement.size() && std::isalpha(static_cast<unsigned char>(statement[end]))) ++end;
	return Poco::toUpper(statement.substr(at, end - at));
}


} // namespace orchd

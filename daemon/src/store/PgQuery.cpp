//
// PgQuery.cpp
//


#include "store/PgQuery.h"
#include "store/QueryValue.h"
#include "Poco/Data/DataException.h"
#include <libpq-fe.h>
#include <cstdio>
#include <memory>


namespace orchd {


namespace {


const Oid BOOL = 16;
const Oid INT8 = 20;
const Oid INT2 = 21;
const Oid INT4 = 23;
const Oid FLOAT4 = 700;
const Oid FLOAT8 = 701;
const Oid NUMERIC = 1700;
const Oid UNTYPED = 0;    // the server infers the type, as for a quoted literal
const std::size_t FETCH_ALL = 1000000000;  // beyond this many rows: FETCH ALL


using Result = std::unique_ptr<PGresult, void (*)(PGresult*)>;


Result hold(PGresult* result)
{
	return Result(result, PQclear);
}


std::string errorOf(PGresult* result)
	/// "SQLSTATE: message", the message's last line feed dropped.
{
	const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
	std::string message = result ? PQresultErrorMessage(result) : "no result (connection lost)";
	while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
	return state ? std::string(state) + ": " + message : message;
}


[[noreturn]] void refuse(PGresult* result)
	/// The server would not open the cursor over the values: a statement
	/// that check() refuses too (a write, class 25 or 0A; its text, class
	/// 42) is an invalid argument, anything else a failure.
{
	const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
	std::string code = state ? state : "";
	if (code.compare(0, 2, "25") == 0 || code.compare(0, 2, "0A") == 0 || code.compare(0, 2, "42") == 0)
		throw Poco::InvalidArgumentException("PostgreSQL refuses it with these values: " + errorOf(result));
	throw Poco::Data::DataException("PostgreSQL " + errorOf(result));
}


Poco::Dynamic::Var value(PGresult* result, int row, int column)
{
	if (PQgetisnull(result, row, column)) return Poco::Dynamic::Var();
	std::string text(PQgetvalue(result, row, column), static_cast<std::size_t>(PQgetlength(result, row, column)));
	switch (PQftype(result, column))
	{
	case INT2:
	case INT4:
	case INT8:
		return QueryValue::integer(text);
	case BOOL:
		return Poco::Dynamic::Var(Poco::Int64(text == "t" ? 1 : 0));
	case FLOAT4:
	case FLOAT8:
		return QueryValue::real(text);
	case NUMERIC:
		return QueryValue::decimal(text);
	default:
		return Poco::Dynamic::Var(text);
	}
}


Oid typed(const Poco::Dynamic::Var& value, std::string& text)
	/// A parameter's type, and its value as text.
{
	if (value.isInteger())
	{
		text = std::to_string(value.convert<Poco::Int64>());
		return INT8;
	}
	if (value.isNumeric())
	{
		char number[32];
		std::snprintf(number, sizeof number, "%.17g", value.convert<double>());
		text = number;
		return FLOAT8;
	}
	text = value.convert<std::string>();
	return UNTYPED;
}


} // namespace


PgQuery::ReadOnly::ReadOnly(PGconn* connection):
	_connection(connection)
{
	Result begin = hold(PQexec(_connection, "BEGIN READ ONLY"));
	if (PQresultStatus(begin.get()) != PGRES_COMMAND_OK)
		throw Poco::Data::DataException("PostgreSQL: cannot begin a read-only transaction: " + errorOf(begin.get()));
}


PgQuery::ReadOnly::~ReadOnly()
{
	// Always rolled back: nothing of a query is kept. If this fails, the
	// connection is not idle, and its owner drops it.
	Result rollback = hold(PQexec(_connection, "ROLLBACK"));
}


PgQuery::PgQuery(PGconn* connection, const std::string& statement):
	_connection(connection),
	_parameters(statement, NetSchema::POSTGRESQL)
{
	NamedParameters::requireQuery(_parameters.firstWord());
}


void PgQuery::check()
{
	ReadOnly transaction(_connection);
	std::vector<unsigned int> types = describe();
	Result opened = hold(open(types, std::vector<const char*>(types.size(), nullptr)));
	if (PQresultStatus(opened.get()) != PGRES_COMMAND_OK)
		throw Poco::InvalidArgumentException("PostgreSQL refuses it in a read-only transaction: " + errorOf(opened.get()));
}


std::vector<unsigned int> PgQuery::describe()
{
	Result prepared = hold(PQprepare(_connection, "", _parameters.text().c_str(), 0, nullptr));
	if (PQresultStatus(prepared.get()) != PGRES_COMMAND_OK)
		throw Poco::InvalidArgumentException("PostgreSQL cannot prepare it: " + errorOf(prepared.get()));
	Result described = hold(PQdescribePrepared(_connection, ""));
	if (PQresultStatus(described.get()) != PGRES_COMMAND_OK)
		throw Poco::Data::DataException("PostgreSQL cannot describe it: " + errorOf(described.get()));
	if (PQnfields(described.get()) == 0) throw Poco::InvalidArgumentException("it returns no rows");
	std::vector<unsigned int> types;
	for (int i = 0; i < PQnparams(described.get()); ++i) types.push_back(PQparamtype(described.get(), i));
	return types;
}


const std::vector<std::string>& PgQuery::parameters() const
{
	return _parameters.names();
}


PGresult* PgQuery::open(const std::vector<unsigned int>& types, const std::vector<const char*>& values)
{
	std::string declare = "DECLARE orchd_query NO SCROLL CURSOR FOR " + _parameters.text();
	return PQexecParams(_connection, declare.c_str(), static_cast<int>(values.size()), types.data(), values.data(), nullptr, nullptr, 0);
}


QueryRows PgQuery::run(const std::map<std::string, Poco::Dynamic::Var>& values, std::size_t maxRows)
{
	std::vector<Poco::Dynamic::Var> ordered = _parameters.valuesInOrder(values);
	std::vector<unsigned int> types;
	std::vector<std::string> texts;
	for (const auto& v: ordered)
	{
		texts.emplace_back();
		types.push_back(typed(v, texts.back()));
	}
	std::vector<const char*> pointers;
	for (const auto& text: texts) pointers.push_back(text.c_str());
	ReadOnly transaction(_connection);
	describe();
	Result opened = hold(open(types, pointers));
	if (PQresultStatus(opened.get()) != PGRES_COMMAND_OK) refuse(opened.get());
	std::string fetch = maxRows < FETCH_ALL ? "FETCH FORWARD " + std::to_string(maxRows + 1) + " FROM orchd_query" : "FETCH ALL FROM orchd_query";
	Result fetched = hold(PQexec(_connection, fetch.c_str()));
	if (PQresultStatus(fetched.get()) != PGRES_TUPLES_OK) throw Poco::Data::DataException("PostgreSQL " + errorOf(fetched.get()));
	QueryRows rows;
	for (int c = 0; c < PQnfields(fetched.get()); ++c) rows.columns.push_back(PQfname(fetched.get(), c));
	int count = PQntuples(fetched.get());
	rows.truncated = static_cast<std::size_t>(count) > maxRows;
	for (int r = 0; r < count && static_cast<std::size_t>(r) < maxRows; ++r)
	{
		std::vector<Poco::Dynamic::Var> row;
		for (int c = 0; c < PQnfields(fetched.get()); ++c) row.push_back(value(fetched.get(), r, c));
		rows.rows.push_back(std::move(row));
	}
	return rows;
}


} // namespace orchd

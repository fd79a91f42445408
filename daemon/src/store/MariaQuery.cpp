//
// MariaQuery.cpp
//


#include "store/MariaQuery.h"
#include "store/QueryValue.h"
#include "Poco/Data/DataException.h"
#include <mysql.h>
#include <limits>


namespace orchd {


namespace {


struct Column
	/// Where one column of a fetched row lands (bound by address).
{
	enum Kind
	{
		INTEGER,
		REAL,
		DECIMAL,
		TEXT
	};

	Kind kind = TEXT;
	bool isUnsigned = false;
	Poco::Int64 integer = 0;
	double real = 0;
	std::vector<char> text = std::vector<char>(64);  // longer values: mysql_stmt_fetch_column()
	unsigned long length = 0;
	my_bool isNull = 0;
	my_bool error = 0;
};


Column::Kind kindOf(const MYSQL_FIELD& field)
{
	switch (field.type)
	{
	case MYSQL_TYPE_TINY:
	case MYSQL_TYPE_SHORT:
	case MYSQL_TYPE_LONG:
	case MYSQL_TYPE_INT24:
	case MYSQL_TYPE_LONGLONG:
	case MYSQL_TYPE_YEAR:
		return Column::INTEGER;
	case MYSQL_TYPE_FLOAT:
	case MYSQL_TYPE_DOUBLE:
		return Column::REAL;
	case MYSQL_TYPE_DECIMAL:
	case MYSQL_TYPE_NEWDECIMAL:
		return Column::DECIMAL;
	default:
		return Column::TEXT;
	}
}


void bindColumn(MYSQL_BIND& bind, Column& column)
{
	if (column.kind == Column::INTEGER)
	{
		bind.buffer_type = MYSQL_TYPE_LONGLONG;
		bind.buffer = &column.integer;
		bind.is_unsigned = column.isUnsigned;
	}
	else if (column.kind == Column::REAL)
	{
		bind.buffer_type = MYSQL_TYPE_DOUBLE;
		bind.buffer = &column.real;
	}
	else
	{
		bind.buffer_type = MYSQL_TYPE_STRING;
		bind.buffer = column.text.data();
		bind.buffer_length = column.text.size();
	}
	bind.length = &column.length;
	bind.is_null = &column.isNull;
	bind.error = &column.error;
}


[[noreturn]] void fail(MYSQL_STMT* statement, const std::string& what)
{
	throw Poco::Data::DataException("MariaDB " + std::to_string(mysql_stmt_errno(statement)) + " " + what + ": " + mysql_stmt_error(statement));
}


Poco::Dynamic::Var value(MYSQL_STMT* statement, Column& column, unsigned index)
{
	if (column.isNull) return Poco::Dynamic::Var();
	if (column.kind == Column::INTEGER)
	{
		auto unsignedValue = static_cast<Poco::UInt64>(column.integer);
		if (column.isUnsigned && unsignedValue > static_cast<Poco::UInt64>(std::numeric_limits<Poco::Int64>::max()))
			return Poco::Dynamic::Var(std::to_string(unsignedValue));
		return Poco::Dynamic::Var(column.integer);
	}
	if (column.kind == Column::REAL) return Poco::Dynamic::Var(column.real);
	std::string text(column.text.data(), std::min<std::size_t>(column.length, column.text.size()));
	if (column.length > column.text.size())
	{
		// Longer than the bound buffer: fetched again whole.
		text.assign(column.length, '\0');
		unsigned long length = 0;
		MYSQL_BIND bind{};
		bind.buffer_type = MYSQL_TYPE_STRING;
		bind.buffer = &text[0];
		bind.buffer_length = column.length;
		bind.length = &length;
		if (mysql_stmt_fetch_column(statement, &bind, index, 0) != 0) fail(statement, "fetching a long value");
	}
	return column.kind == Column::DECIMAL ? QueryValue::decimal(text) : Poco::Dynamic::Var(text);
}


class Outcome
	/// Frees the statement's result (and reads what is left of it off the
	/// connection) when it goes.
{
public:
	explicit Outcome(MYSQL_STMT* statement): _statement(statement)
	{
	}

	~Outcome()
	{
		mysql_stmt_free_result(_statement);
	}

private:
	MYSQL_STMT* _statement;
};


} // namespace


MariaQuery::MariaQuery(MYSQL* mysql, const std::string& statement):
	_mysql(mysql),
	_parameters(statement, NetSchema::MARIADB)
{
	NamedParameters::requireQuery(_parameters.firstWord());
	_statement = mysql_stmt_init(_mysql);
	if (!_statement) throw Poco::Data::DataException("MariaDB: cannot make a statement: " + std::string(mysql_error(_mysql)));
	const std::string& text = _parameters.text();
	std::string refusal;
	if (mysql_stmt_prepare(_statement, text.data(), static_cast<unsigned long>(text.size())) != 0)
	{
		unsigned int code = mysql_stmt_errno(_statement);
		std::string message = "MariaDB " + std::to_string(code) + ": " + mysql_stmt_error(_statement);
		mysql_stmt_close(_statement);
		// 2000 and up: the client's errors (a lost connection), not the statement's.
		if (code >= 2000) throw Poco::Data::DataException(message);
		throw Poco::InvalidArgumentException("MariaDB cannot prepare it: " + message);
	}
	if (mysql_stmt_field_count(_statement) == 0) refusal = "it returns no rows (MariaDB prepares it with no columns)";
	else if (mysql_stmt_param_count(_statement) != _parameters.uses().size())
		refusal = "MariaDB counts " + std::to_string(mysql_stmt_param_count(_statement)) + " parameters, not " + std::to_string(_parameters.uses().size());
	if (!refusal.empty())
	{
		mysql_stmt_close(_statement);
		throw Poco::InvalidArgumentException(refusal);
	}
}


MariaQuery::~MariaQuery()
{
	mysql_stmt_close(_statement);
}


const std::vector<std::string>& MariaQuery::parameters() const
{
	return _parameters.names();
}


void MariaQuery::execute(const std::vector<Poco::Dynamic::Var>& ordered)
{
	// One value per name, bound at each of its uses.
	std::vector<Poco::Int64> integers(ordered.size());
	std::vector<double> reals(ordered.size());
	std::vector<std::string> texts(ordered.size());
	// Each value converted once, before any bind points into it: a name
	// used twice must not move a string that a bind already holds.
	for (std::size_t name = 0; name < ordered.size(); ++name)
	{
		const Poco::Dynamic::Var& value = ordered[name];
		if (value.isInteger()) integers[name] = value.convert<Poco::Int64>();
		else if (value.isNumeric()) reals[name] = value.convert<double>();
		else texts[name] = value.convert<std::string>();
	}
	std::vector<MYSQL_BIND> binds(_parameters.uses().size());
	for (std::size_t i = 0; i < binds.size(); ++i)
	{
		std::size_t name = _parameters.uses()[i];
		const Poco::Dynamic::Var& value = ordered[name];
		if (value.isInteger())
		{
			binds[i].buffer_type = MYSQL_TYPE_LONGLONG;
			binds[i].buffer = &integers[name];
		}
		else if (value.isNumeric())
		{
			binds[i].buffer_type = MYSQL_TYPE_DOUBLE;
			binds[i].buffer = &reals[name];
		}
		else
		{
			binds[i].buffer_type = MYSQL_TYPE_STRING;
			binds[i].buffer = &texts[name][0];
			binds[i].buffer_length = static_cast<unsigned long>(texts[name].size());
		}
	}
	if (!binds.empty() && mysql_stmt_bind_param(_statement, binds.data()) != 0) fail(_statement, "binding the parameters");
	if (mysql_stmt_execute(_statement) != 0) fail(_statement, "running it");
}


QueryRows MariaQuery::run(const std::map<std::string, Poco::Dynamic::Var>& values, std::size_t maxRows)
{
	execute(_parameters.valuesInOrder(values));
	Outcome outcome(_statement);
	MYSQL_RES* metadata = mysql_stmt_result_metadata(_statement);
	if (!metadata) fail(_statement, "reading its columns");
	QueryRows rows;
	std::vector<Column> columns(mysql_num_fields(metadata));
	std::vector<MYSQL_BIND> binds(columns.size());
	MYSQL_FIELD* fields = mysql_fetch_fields(metadata);
	for (std::size_t i = 0; i < columns.size(); ++i)
	{
		rows.columns.emplace_back(fields[i].name, fields[i].name_length);
		columns[i].kind = kindOf(fields[i]);
		columns[i].isUnsigned = (fields[i].flags & UNSIGNED_FLAG) != 0;
		bindColumn(binds[i], columns[i]);
	}
	mysql_free_result(metadata);
	if (mysql_stmt_bind_result(_statement, binds.data()) != 0) fail(_statement, "binding its columns");
	for (;;)
	{
		int rc = mysql_stmt_fetch(_statement);
		if (rc == MYSQL_NO_DATA) break;
		if (rc == 1) fail(_statement, "fetching a row");
		if (rows.rows.size() == maxRows)
		{
			rows.truncated = true;
			break;
		}
		std::vector<Poco::Dynamic::Var> row;
		for (std::size_t i = 0; i < columns.size(); ++i) row.push_back(value(_statement, columns[i], static_cast<unsigned>(i)));
		rows.rows.push_back(std::move(row));
	}
	return rows;
}


} // namespace orchd

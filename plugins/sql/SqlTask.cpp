//
// SqlTask.cpp
//


#include "SqlTask.h"
#include "orchd/Money.h"
#include "orchd/Request.h"
#include "Poco/Exception.h"
#include "Poco/JSON/Array.h"
#include "Poco/String.h"
#include <algorithm>
#include <limits>


namespace sql {


namespace {


// Fields of any request that are not parameters: the master's and the
// protocol's own.
const char* const PROTOCOL_FIELDS[] = {"TASK", "TASK_ID", "ATTEMPT", "REQUEST_ID", "IDEMPOTENCY_KEY"};


} // namespace


Parameter Parameter::parse(const std::string& declaration, const std::string& key)
{
	std::string::size_type colon = declaration.find(':');
	Parameter parameter;
	parameter.name = Poco::trim(declaration.substr(0, colon));
	std::string type = colon == std::string::npos ? std::string() : Poco::toLower(Poco::trim(declaration.substr(colon + 1)));
	bool validName = !parameter.name.empty() && parameter.name.size() <= 32 && std::all_of(parameter.name.begin(), parameter.name.end(), [](char c)
	{
		return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
	});
	if (!validName)
		throw Poco::InvalidArgumentException(key + ": '" + declaration + "': a parameter name is 1 to 32 of a-z, 0-9 and _ (as :name in the statement)");
	if (type == "cents") parameter.type = CENTS;
	else if (type == "integer") parameter.type = INTEGER;
	else if (type == "text") parameter.type = TEXT;
	else throw Poco::InvalidArgumentException(key + ": '" + declaration + "': expected NAME:cents, NAME:integer or NAME:text");
	parameter.field = Poco::toUpper(parameter.name);
	return parameter;
}


SqlTask::SqlTask(const std::string& name, const std::string& description, const std::string& statement, const std::vector<Parameter>& parameters, std::size_t maxRows):
	_name(name),
	_description(description),
	_statement(statement),
	_parameters(parameters),
	_maxRows(maxRows)
{
}


std::string SqlTask::name() const
{
	return _name;
}


std::string SqlTask::description() const
{
	return _description;
}


void SqlTask::validate(const Poco::JSON::Object& request) const
{
	for (const auto& member: request)
	{
		bool known = std::find(std::begin(PROTOCOL_FIELDS), std::end(PROTOCOL_FIELDS), member.first) != std::end(PROTOCOL_FIELDS) ||
			std::any_of(_parameters.begin(), _parameters.end(), [&member](const Parameter& p) { return p.field == member.first; });
		if (known) continue;
		std::string takes;
		for (const auto& parameter: _parameters) takes += (takes.empty() ? "" : ", ") + parameter.field;
		throw Poco::InvalidArgumentException("Unknown field: " + member.first + " (" + _name + " takes " + (takes.empty() ? std::string("no fields") : takes) + ")");
	}
	for (const auto& parameter: _parameters) value(request, parameter);
	if (request.has("IDEMPOTENCY_KEY")) orchd::Request::checkIdempotencyKey(request);
}


Poco::Dynamic::Var SqlTask::value(const Poco::JSON::Object& request, const Parameter& parameter) const
{
	if (!request.has(parameter.field)) throw Poco::InvalidArgumentException("Missing field: " + parameter.field);
	Poco::Dynamic::Var value = request.get(parameter.field);
	switch (parameter.type)
	{
	case Parameter::CENTS:
		return orchd::Request::requireAmount(request, parameter.field);
	case Parameter::INTEGER:
		if (!value.isInteger()) throw Poco::InvalidArgumentException("Field " + parameter.field + " must be an integer");
		return value.convert<Poco::Int64>();
	case Parameter::TEXT:
		if (!value.isString() || value.extract<std::string>().size() > Parameter::MAX_TEXT)
			throw Poco::InvalidArgumentException("Field " + parameter.field + " must be a string of at most " + std::to_string(Parameter::MAX_TEXT) + " bytes");
		return value.extract<std::string>();
	}
	return Poco::Dynamic::Var();
}


Poco::JSON::Object::Ptr SqlTask::execute(orchd::TaskContext& context, const Poco::JSON::Object& request)
{
	validate(request);
	std::map<std::string, Poco::Dynamic::Var> values;
	for (const auto& parameter: _parameters) values[parameter.name] = value(request, parameter);
	orchd::QueryRows answer = context.store().select(_statement, values, _maxRows);
	Poco::JSON::Array::Ptr rows = new Poco::JSON::Array;
	for (const auto& row: answer.rows)
	{
		Poco::JSON::Object::Ptr object = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
		for (std::size_t i = 0; i < row.size() && i < answer.columns.size(); ++i) object->set(answer.columns[i], row[i]);
		rows->add(object);
	}
	Poco::JSON::Object::Ptr result = orchd::Result::ok(_name);
	result->set("ROWS", rows);
	result->set("COUNT", answer.rows.size());
	result->set("TRUNCATED", answer.truncated);
	return result;
}


const std::string& SqlTask::statement() const
{
	return _statement;
}


const std::vector<Parameter>& SqlTask::parameters() const
{
	return _parameters;
}


} // namespace sql

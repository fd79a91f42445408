//
// Request.cpp
//


#include "orchd/Request.h"
#include "orchd/Money.h"
#include "Poco/Exception.h"


namespace orchd {


std::string Request::requireName(const Poco::JSON::Object& request, const std::string& field)
{
	if (!request.has(field) || request.isNull(field))
		throw Poco::InvalidArgumentException("Missing field: " + field);
	Poco::Dynamic::Var value = request.get(field);
	if (!value.isString())
		throw Poco::InvalidArgumentException("Field " + field + " must be a string");
	const std::string& text = value.extract<std::string>();
	if (text.empty() || text.size() > MAX_NAME_LENGTH)
		throw Poco::InvalidArgumentException("Field " + field + " must have 1 to " + std::to_string(MAX_NAME_LENGTH) + " characters");
	for (unsigned char c: text)
	{
		if (c < 0x20 || c == 0x7F)
			throw Poco::InvalidArgumentException("Field " + field + " contains a control character");
	}
	return text;
}


Poco::Int64 Request::requireAmount(const Poco::JSON::Object& request, const std::string& field)
{
	if (!request.has(field) || request.isNull(field))
		throw Poco::InvalidArgumentException("Missing field: " + field);
	return Money::parse(request.get(field));
}


void Request::checkIdempotencyKey(const Poco::JSON::Object& request)
{
	if (request.has("IDEMPOTENCY_KEY")) requireName(request, "IDEMPOTENCY_KEY");
}


std::string Request::idempotencyKey(const Poco::JSON::Object& request, const TaskContext& context)
{
	if (request.has("IDEMPOTENCY_KEY")) return requireName(request, "IDEMPOTENCY_KEY");
	return context.taskId();
}


Poco::JSON::Object::Ptr Result::ok(const std::string& task)
{
	Poco::JSON::Object::Ptr result = new Poco::JSON::Object;
	result->set("STATUS", "OK");
	result->set("TASK", task);
	return result;
}


Poco::JSON::Object::Ptr Result::nok(const std::string& task, const std::string& error)
{
	Poco::JSON::Object::Ptr result = new Poco::JSON::Object;
	result->set("STATUS", "NOK");
	result->set("TASK", task);
	result->set("ERROR", error);
	return result;
}


} // namespace orchd

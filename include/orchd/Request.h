//
// Request.h
//
// Field access for task requests, with errors that name the field.
//


#ifndef orchd_Request_INCLUDED
#define orchd_Request_INCLUDED


#include "orchd/TaskContext.h"
#include "Poco/JSON/Object.h"
#include "Poco/Types.h"
#include <string>


namespace orchd {


class Request
	/// Helpers for TaskHandler::validate() and execute(). Each throws
	/// Poco::InvalidArgumentException with a message that names the field
	/// ("Missing field: USER", "Field USER must be a string"). Thread-safe.
{
public:
	static constexpr std::size_t MAX_NAME_LENGTH = 128;
		/// The longest account name, key or id accepted.

	static std::string requireName(const Poco::JSON::Object& request, const std::string& field);
		/// Returns a required string field of 1 to MAX_NAME_LENGTH printable
		/// characters (an account name, for example).

	static Poco::Int64 requireAmount(const Poco::JSON::Object& request, const std::string& field);
		/// Returns a required amount in cents (see Money::parse()). Throws
		/// "Missing field: AMOUNT" or "Invalid amount".

	static std::string idempotencyKey(const Poco::JSON::Object& request, const TaskContext& context);
		/// Returns IDEMPOTENCY_KEY if the request has one (validated like a
		/// name), else the task id.

	static void checkIdempotencyKey(const Poco::JSON::Object& request);
		/// Throws if IDEMPOTENCY_KEY is present but not a valid name.
};


class Result
	/// Builders for result objects in the prototype's vocabulary.
{
public:
	static Poco::JSON::Object::Ptr ok(const std::string& task);
		/// Returns {"STATUS":"OK","TASK":task}.

	static Poco::JSON::Object::Ptr nok(const std::string& task, const std::string& error);
		/// Returns {"STATUS":"NOK","TASK":task,"ERROR":error}.
};


} // namespace orchd


#endif // orchd_Request_INCLUDED

//
// BonusTask.cpp
//


#include "BonusTask.h"
#include "orchd/Money.h"
#include "orchd/Request.h"


std::string BonusTask::name() const
{
	return "BONUS";
}


std::string BonusTask::description() const
{
	return "credits USER with a bonus of 1.00, once per key";
}


void BonusTask::validate(const Poco::JSON::Object& request) const
{
	// Throw Poco::InvalidArgumentException naming the problem: the client
	// gets it as the task's ERROR, before anything is queued.
	orchd::Request::requireName(request, "USER");
	orchd::Request::checkIdempotencyKey(request);
}


bool BonusTask::quick(const Poco::JSON::Object&) const
{
	// A few store statements and no blocking call: run on the worker's
	// link thread, committed with the other quick tasks of its burst.
	return true;
}


void BonusTask::storeHint(const Poco::JSON::Object& request, const std::string& taskId, orchd::StoreHint& hint) const
{
	// The key it records and the account it changes: fetched (and locked)
	// with the rest of the round before it runs.
	hint.keys.push_back(request.has("IDEMPOTENCY_KEY") ? request.getValue<std::string>("IDEMPOTENCY_KEY") : taskId);
	hint.accounts.push_back(request.getValue<std::string>("USER"));
}


Poco::JSON::Object::Ptr BonusTask::execute(orchd::TaskContext& context, const Poco::JSON::Object& request)
{
	std::string user = orchd::Request::requireName(request, "USER");
	orchd::AccountResult outcome = context.store().update(orchd::Request::idempotencyKey(request, context), user, BONUS_CENTS);
	if (!outcome.ok()) return orchd::Result::nok(name(), orchd::outcomeText(outcome.outcome));
	Poco::JSON::Object::Ptr result = orchd::Result::ok(name());
	result->set("USER", user);
	result->set("SALDO", orchd::Money::toJson(outcome.balance));
	if (outcome.replayed) result->set("REPLAYED", true);
	return result;
}

//
// SaldoTasks.cpp
//


#include "SaldoTasks.h"
#include "orchd/Money.h"
#include "orchd/Request.h"
#include "Poco/Exception.h"


using orchd::AccountResult;
using orchd::Money;
using orchd::Request;


namespace saldo {


bool SaldoTask::quick(const Poco::JSON::Object& request) const
{
	(void) request;
	return true;
}


void SaldoTask::storeHint(const Poco::JSON::Object& request, const std::string& taskId, orchd::StoreHint& hint) const
{
	hint.keys.push_back(request.has("IDEMPOTENCY_KEY") ? request.getValue<std::string>("IDEMPOTENCY_KEY") : taskId);
	for (const char* field: {"USER", "TO"})
	{
		if (request.has(field)) hint.accounts.push_back(request.getValue<std::string>(field));
	}
}


void QueryTask::storeHint(const Poco::JSON::Object& request, const std::string&, orchd::StoreHint& hint) const
{
	// Only read: fetched with the round, without a lock.
	if (request.has("USER")) hint.reads.push_back(request.getValue<std::string>("USER"));
}


Poco::JSON::Object::Ptr SaldoTask::respond(const std::string& user, const AccountResult& outcome) const
{
	if (!outcome.ok())
	{
		Poco::JSON::Object::Ptr result = orchd::Result::nok(name(), orchd::outcomeText(outcome.outcome));
		if (!outcome.missing.empty()) result->set("MISSING", outcome.missing);
		if (outcome.replayed) result->set("REPLAYED", true);
		return result;
	}
	Poco::JSON::Object::Ptr result = orchd::Result::ok(name());
	result->set("USER", user);
	result->set("SALDO", Money::toJson(outcome.balance));
	result->set("SALDO_CENTS", outcome.balance);
	if (outcome.replayed) result->set("REPLAYED", true);
	return result;
}


std::string OpenTask::name() const
{
	return "OPEN";
}


std::string OpenTask::description() const
{
	return "creates account USER with the initial balance AMOUNT (default 0)";
}


void OpenTask::validate(const Poco::JSON::Object& request) const
{
	Request::requireName(request, "USER");
	if (request.has("AMOUNT") && Request::requireAmount(request, "AMOUNT") < 0)
		throw Poco::InvalidArgumentException("Invalid amount", Poco::InvalidArgumentException("an initial balance cannot be negative"));
	Request::checkIdempotencyKey(request);
}


Poco::JSON::Object::Ptr OpenTask::execute(orchd::TaskContext& context, const Poco::JSON::Object& request)
{
	std::string user = Request::requireName(request, "USER");
	Poco::Int64 cents = request.has("AMOUNT") ? Request::requireAmount(request, "AMOUNT") : 0;
	return respond(user, context.store().open(Request::idempotencyKey(request, context), user, cents));
}


std::string QueryTask::name() const
{
	return "QUERY";
}


std::string QueryTask::description() const
{
	return "reads the balance of USER";
}


void QueryTask::validate(const Poco::JSON::Object& request) const
{
	Request::requireName(request, "USER");
}


Poco::JSON::Object::Ptr QueryTask::execute(orchd::TaskContext& context, const Poco::JSON::Object& request)
{
	std::string user = Request::requireName(request, "USER");
	return respond(user, context.store().query(user));
}


std::string UpdateTask::name() const
{
	return "UPDATE";
}


std::string UpdateTask::description() const
{
	return "adds the signed AMOUNT to the balance of USER, never below zero";
}


void UpdateTask::validate(const Poco::JSON::Object& request) const
{
	Request::requireName(request, "USER");
	Request::requireAmount(request, "AMOUNT");
	Request::checkIdempotencyKey(request);
}


Poco::JSON::Object::Ptr UpdateTask::execute(orchd::TaskContext& context, const Poco::JSON::Object& request)
{
	std::string user = Request::requireName(request, "USER");
	Poco::Int64 delta = Request::requireAmount(request, "AMOUNT");
	return respond(user, context.store().update(Request::idempotencyKey(request, context), user, delta));
}


std::string TransferTask::name() const
{
	return "TRANSFER";
}


std::string TransferTask::description() const
{
	return "moves AMOUNT (> 0) from USER to TO atomically";
}


void TransferTask::validate(const Poco::JSON::Object& request) const
{
	Request::requireName(request, "USER");
	Request::requireName(request, "TO");
	if (Request::requireAmount(request, "AMOUNT") <= 0)
		throw Poco::InvalidArgumentException("Invalid amount", Poco::InvalidArgumentException("a transfer moves a positive amount"));
	Request::checkIdempotencyKey(request);
}


Poco::JSON::Object::Ptr TransferTask::execute(orchd::TaskContext& context, const Poco::JSON::Object& request)
{
	std::string from = Request::requireName(request, "USER");
	std::string to = Request::requireName(request, "TO");
	Poco::Int64 cents = Request::requireAmount(request, "AMOUNT");
	AccountResult outcome = context.store().transfer(Request::idempotencyKey(request, context), from, to, cents);
	Poco::JSON::Object::Ptr result = respond(from, outcome);
	if (outcome.ok())
	{
		result->set("TO", to);
		result->set("TO_SALDO", Money::toJson(outcome.toBalance));
		result->set("TO_SALDO_CENTS", outcome.toBalance);
	}
	return result;
}


std::string CloseTask::name() const
{
	return "CLOSE";
}


std::string CloseTask::description() const
{
	return "removes account USER; SALDO is what it held";
}


void CloseTask::validate(const Poco::JSON::Object& request) const
{
	Request::requireName(request, "USER");
	Request::checkIdempotencyKey(request);
}


Poco::JSON::Object::Ptr CloseTask::execute(orchd::TaskContext& context, const Poco::JSON::Object& request)
{
	std::string user = Request::requireName(request, "USER");
	return respond(user, context.store().close(Request::idempotencyKey(request, context), user));
}


} // namespace saldo

//
// BonusTaskTest.cpp
//
// The handler on the test kit: an in-memory store and task context.
//


#include "BonusTask.h"
#include "orchd/testing/TestTaskContext.h"
#include "Poco/JSON/Parser.h"
#include <cstdlib>
#include <iostream>


namespace {


int failures = 0;


void check(bool condition, const char* what)
{
	if (!condition)
	{
		std::cerr << "FAILED: " << what << std::endl;
		++failures;
	}
}


Poco::JSON::Object::Ptr request(const std::string& json)
{
	return Poco::JSON::Parser().parse(json).extract<Poco::JSON::Object::Ptr>();
}


} // namespace


int main()
{
	BonusTask bonus;
	orchd::testing::TestTaskContext context("task-1");
	context.accounts().setBalance("alice", 500);

	auto result = bonus.execute(context, *request(R"({"TASK":"BONUS","USER":"alice"})"));
	check(result->getValue<std::string>("STATUS") == "OK", "BONUS answers OK");
	check(context.accounts().balance("alice") == 600, "the bonus is credited");

	// The same task again (a re-dispatch): applied once, answered as a replay.
	result = bonus.execute(context, *request(R"({"TASK":"BONUS","USER":"alice"})"));
	check(result->has("REPLAYED"), "a retry is a replay");
	check(context.accounts().balance("alice") == 600, "a retry is not credited twice");

	// An unknown account is refused with the store's answer.
	orchd::testing::TestTaskContext other(context.accounts(), "task-2");
	result = bonus.execute(other, *request(R"({"TASK":"BONUS","USER":"nobody"})"));
	check(result->getValue<std::string>("STATUS") == "NOK", "an unknown user is refused");

	// validate() names the problem.
	try
	{
		bonus.validate(*request(R"({"TASK":"BONUS"})"));
		check(false, "a request without USER is refused");
	}
	catch (Poco::InvalidArgumentException&)
	{
	}
	if (failures == 0) std::cout << "bonus_test: OK" << std::endl;
	return failures == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

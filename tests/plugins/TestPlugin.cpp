//
// TestPlugin.cpp
//
// One source for the tiny plugins the PluginHost fixture loads, good and
// bad; CMake builds it several times with these definitions:
//   TEST_TASK_NAME   the task name the handler reports
//   TEST_ABI         the ABI version to export; TEST_NO_ABI: none at all
//   TEST_POCO        the Poco release to claim (default: the one built with)
//   TEST_NO_MANIFEST no Poco manifest
//   TEST_THROWING    the handler's constructor throws
// Every variant names its class TestTask, so a host that did not isolate
// plugins (hidden visibility) would mix them up.
//


#include "orchd/PluginApi.h"
#include "orchd/Request.h"
#include "orchd/TaskHandler.h"
#include <stdexcept>


namespace {


class TestTask: public orchd::TaskHandler
{
public:
	TestTask()
	{
#ifdef TEST_THROWING
		throw std::runtime_error("test plugin refuses to start");
#endif
	}

	std::string name() const override
	{
		return TEST_TASK_NAME;
	}

	std::string description() const override
	{
		return "test task " TEST_TASK_NAME;
	}

	void validate(const Poco::JSON::Object&) const override
	{
	}

	Poco::JSON::Object::Ptr execute(orchd::TaskContext&, const Poco::JSON::Object&) override
	{
		Poco::JSON::Object::Ptr result = orchd::Result::ok(name());
		result->set("FROM", TEST_TASK_NAME);
		return result;
	}
};


} // namespace


#ifndef TEST_NO_ABI
extern "C" int POCO_LIBRARY_API orchdPluginAbiVersion()
{
	return TEST_ABI;
}


extern "C" unsigned POCO_LIBRARY_API orchdPluginPocoVersion()
{
#ifdef TEST_POCO
	return TEST_POCO;
#else
	return POCO_VERSION;
#endif
}
#endif


#ifndef TEST_NO_MANIFEST
POCO_BEGIN_MANIFEST(orchd::TaskHandler)
	POCO_EXPORT_CLASS(TestTask)
POCO_END_MANIFEST
#endif

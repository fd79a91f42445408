//
// TaskKeysTest.cpp
//
// task.<NAME>.* and worker.tasks: accepted and read, typos refused with a
// did-you-mean, bad values and unknown task names refused naming the key.
//


#include "TestSupport.h"
#include "server/DaemonConfig.h"
#include "server/TaskKeys.h"
#include "Poco/AutoPtr.h"
#include "Poco/Util/MapConfiguration.h"
#include <cppunit/extensions/HelperMacros.h>
#include <functional>


using namespace orchd;
using namespace orchd::test;


class TaskKeysTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(TaskKeysTest);
	CPPUNIT_TEST(testTypeKeysAccepted);
	CPPUNIT_TEST(testTypoSuggestsTypeKey);
	CPPUNIT_TEST(testBadValuesNameTheKey);
	CPPUNIT_TEST(testUnloadedTypeRefused);
	CPPUNIT_TEST(testWorkerTasks);
	CPPUNIT_TEST(testDisabledNotOffered);
	CPPUNIT_TEST_SUITE_END();

public:
	void setUp() override
	{
		_config = new Poco::Util::MapConfiguration;
		_config->setString("orchd.role", "worker");
		_config->setString("orchd.id", "w1");
		_config->setString("plugins.dir", pluginsDir());
		_config->setString("store.connection", "/tmp/x.db");
		_config->setString("worker.home", "m1@127.0.0.1:7400");
		_config->setString("task.timeout_ms", "2000");
		_config->setString("task.max_attempts", "4");
	}

	void testTypeKeysAccepted()
	{
		_config->setString("task.QUERY.timeout_ms", "150");
		_config->setString("task.UPDATE.max_attempts", "1");
		_config->setString("task.ECHO.enabled", "false");
		DaemonSettings settings = DaemonConfig::load(*_config);
		const DispatchOptions& dispatch = settings.master.dispatch;
		CPPUNIT_ASSERT_EQUAL(std::size_t(3), dispatch.taskPolicies.size());
		CPPUNIT_ASSERT_EQUAL(Poco::Timespan::TimeDiff(150), dispatch.policyFor("QUERY").timeout.totalMilliseconds());
		CPPUNIT_ASSERT_EQUAL(4, dispatch.policyFor("QUERY").maxAttempts);
		CPPUNIT_ASSERT_EQUAL(Poco::Timespan::TimeDiff(2000), dispatch.policyFor("UPDATE").timeout.totalMilliseconds());
		CPPUNIT_ASSERT_EQUAL(1, dispatch.policyFor("UPDATE").maxAttempts);
		CPPUNIT_ASSERT(!dispatch.policyFor("ECHO").enabled);
		CPPUNIT_ASSERT(dispatch.policyFor("OPEN").enabled);
		CPPUNIT_ASSERT_EQUAL(Poco::Timespan::TimeDiff(2000), dispatch.policyFor("OPEN").timeout.totalMilliseconds());
	}

	void testTypoSuggestsTypeKey()
	{
		_config->setString("task.QUERY.timeout", "150");
		expectLoadError("task.QUERY.timeout: unknown key (did you mean task.QUERY.timeout_ms?)");
		_config->remove("task.QUERY.timeout");
		_config->setString("task.QUERY.enable", "false");
		expectLoadError("task.QUERY.enable: unknown key (did you mean task.QUERY.enabled?)");
		_config->remove("task.QUERY.enable");
		_config->setString("task.query.timeout_ms", "150");
		expectLoadError("task.query.timeout_ms: unknown key");
	}

	void testBadValuesNameTheKey()
	{
		_config->setString("task.QUERY.timeout_ms", "5");
		expectLoadError("task.QUERY.timeout_ms: 5 is out of range (10 to 86400000)");
		_config->setString("task.QUERY.timeout_ms", "100");
		_config->setString("task.QUERY.max_attempts", "lots");
		expectLoadError("task.QUERY.max_attempts: 'lots' is not an integer");
		_config->setString("task.QUERY.max_attempts", "2");
		_config->setString("task.QUERY.enabled", "no");
		expectLoadError("task.QUERY.enabled: 'no' is not true or false");
	}

	void testUnloadedTypeRefused()
	{
		const std::vector<std::string> loaded = {"ECHO", "QUERY", "UPDATE"};
		_config->setString("task.QUERRY.timeout_ms", "100");
		DaemonConfig::load(*_config);  // the values are fine; the name is checked once plugins are loaded
		expectError([&] { TaskKeys::checkTypes(*_config, loaded); },
			"task.QUERRY.timeout_ms: no loaded plugin provides task QUERRY (did you mean QUERY?); loaded: ECHO, QUERY, UPDATE");
		_config->remove("task.QUERRY.timeout_ms");
		CPPUNIT_ASSERT_NO_THROW(TaskKeys::checkTypes(*_config, loaded));
	}

	void testWorkerTasks()
	{
		const std::vector<std::string> loaded = {"ECHO", "QUERY", "UPDATE"};
		DispatchOptions dispatch;
		CPPUNIT_ASSERT(TaskKeys::offered(*_config, dispatch, loaded) == loaded);
		_config->setString("worker.tasks", " UPDATE, ECHO ,ECHO");
		CPPUNIT_ASSERT(TaskKeys::offered(*_config, dispatch, loaded) == std::vector<std::string>({"ECHO", "UPDATE"}));
		_config->setString("worker.tasks", "ECHO,QUEY");
		expectError([&] { TaskKeys::offered(*_config, dispatch, loaded); },
			"worker.tasks: no loaded plugin provides task QUEY (did you mean QUERY?); loaded: ECHO, QUERY, UPDATE");
		_config->setString("worker.tasks", " , ");
		expectError([&] { TaskKeys::offered(*_config, dispatch, loaded); }, "worker.tasks: empty");
	}

	void testDisabledNotOffered()
	{
		const std::vector<std::string> loaded = {"ECHO", "QUERY", "UPDATE"};
		_config->setString("task.QUERY.enabled", "false");
		DaemonSettings settings = DaemonConfig::load(*_config);
		CPPUNIT_ASSERT(TaskKeys::offered(*_config, settings.master.dispatch, loaded) == std::vector<std::string>({"ECHO", "UPDATE"}));
		_config->setString("worker.tasks", "QUERY,ECHO");
		expectError([&] { TaskKeys::offered(*_config, settings.master.dispatch, loaded); },
			"worker.tasks: lists QUERY, which task.QUERY.enabled = false disables");
	}

private:
	void expectLoadError(const std::string& start)
	{
		expectError([this] { DaemonConfig::load(*_config); }, start);
	}

	void expectError(const std::function<void()>& action, const std::string& start)
	{
		try
		{
			action();
			CPPUNIT_FAIL("accepted; expected: " + start);
		}
		catch (ConfigException& exc)
		{
			CPPUNIT_ASSERT_MESSAGE(exc.message(), exc.message().compare(0, start.size(), start) == 0);
		}
	}

	Poco::AutoPtr<Poco::Util::MapConfiguration> _config;
};


CPPUNIT_TEST_SUITE_REGISTRATION(TaskKeysTest);

//
// PluginSettingsTest.cpp
//
// Plugin settings: declarations with defaults and help, values from the
// configuration, undeclared keys refused with a did-you-mean, and the
// PluginHost refusing a library whose settings are bad (a configuration
// error) or keys of a plugin that is not loaded. Uses the shipped sql
// plugin, which declares its settings through orchd::Plugin.
//


#include "TestSupport.h"
#include "plugin/DeclaredSettings.h"
#include "plugin/PluginHost.h"
#include "Poco/AutoPtr.h"
#include "Poco/Exception.h"
#include "Poco/Util/MapConfiguration.h"
#include <cppunit/extensions/HelperMacros.h>


using namespace orchd;
using namespace orchd::test;


namespace {


std::string lib(const std::string& name)
{
	return pluginsDir() + "/lib" + name + ".so";
}


} // namespace


class PluginSettingsTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(PluginSettingsTest);
	CPPUNIT_TEST(testDeclareGivesValueOrDefault);
	CPPUNIT_TEST(testUndeclaredKeyRefusedWithSuggestion);
	CPPUNIT_TEST(testInvalidDeclarations);
	CPPUNIT_TEST(testDeclareInt);
	CPPUNIT_TEST(testPluginName);
	CPPUNIT_TEST(testSqlPluginWithoutTasksLoads);
	CPPUNIT_TEST(testSqlPluginDeclaresTasks);
	CPPUNIT_TEST(testBadSettingIsConfigurationError);
	CPPUNIT_TEST(testKeysOfUnloadedPluginRefused);
	CPPUNIT_TEST_SUITE_END();

public:
	void setUp() override
	{
		_config = new Poco::Util::MapConfiguration;
	}

	void testDeclareGivesValueOrDefault()
	{
		_config->setString("plugin.demo.colour", " blue ");
		DeclaredSettings settings("demo", _config.get());
		CPPUNIT_ASSERT_EQUAL(std::string("blue"), settings.declare("colour", "red", "the colour"));
		CPPUNIT_ASSERT_EQUAL(std::string("7"), settings.declare("size", "7", "the size"));
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), settings.declarations().size());
		CPPUNIT_ASSERT_EQUAL(std::string("plugin.demo.size"), settings.declarations()[1].key);
		CPPUNIT_ASSERT_EQUAL(std::string("the size"), settings.declarations()[1].help);
		CPPUNIT_ASSERT_NO_THROW(settings.checkUndeclared());
		// Without a configuration: defaults, nothing to check.
		DeclaredSettings bare("demo", nullptr);
		CPPUNIT_ASSERT_EQUAL(std::string("red"), bare.declare("colour", "red", "the colour"));
	}

	void testUndeclaredKeyRefusedWithSuggestion()
	{
		_config->setString("plugin.demo.colour", "blue");
		_config->setString("plugin.demo.X.colur", "green");
		DeclaredSettings settings("demo", _config.get());
		settings.declare("colour", "red", "the colour");
		settings.declare("X.colour", "red", "the colour of X");
		expectMessage([&] { settings.checkUndeclared(); }, "plugin.demo.X.colur: unknown key (did you mean plugin.demo.X.colour?)");
		DeclaredSettings none("other", _config.get());
		_config->setString("plugin.other.anything", "1");
		expectMessage([&] { none.checkUndeclared(); }, "plugin.other.anything: unknown key; plugin other has no settings");
	}

	void testInvalidDeclarations()
	{
		DeclaredSettings settings("demo", _config.get());
		expectMessage([&] { settings.declare("", "", ""); }, "plugin demo declares an invalid setting name ''");
		expectMessage([&] { settings.declare("a b", "", ""); }, "plugin demo declares an invalid setting name 'a b'");
		expectMessage([&] { settings.declare(".a", "", ""); }, "plugin demo declares an invalid setting name '.a'");
		settings.declare("a", "", "");
		expectMessage([&] { settings.declare("a", "", ""); }, "plugin demo declares plugin.demo.a twice");
	}

	void testDeclareInt()
	{
		_config->setString("plugin.demo.n", "12");
		_config->setString("plugin.demo.bad", "twelve");
		_config->setString("plugin.demo.big", "100001");
		DeclaredSettings settings("demo", _config.get());
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(12), settings.declareInt("n", 5, 1, 100, "n"));
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(5), settings.declareInt("m", 5, 1, 100, "m"));
		expectMessage([&] { settings.declareInt("bad", 5, 1, 100, "b"); }, "plugin.demo.bad: 'twelve' is not an integer");
		expectMessage([&] { settings.declareInt("big", 5, 1, 100000, "b"); }, "plugin.demo.big: 100001 is out of range (1 to 100000)");
	}

	void testPluginName()
	{
		CPPUNIT_ASSERT_EQUAL(std::string("sql"), DeclaredSettings::pluginName("/usr/lib/orchd/plugins/libsql.so"));
		CPPUNIT_ASSERT_EQUAL(std::string("custom"), DeclaredSettings::pluginName("custom.so"));
	}

	void testSqlPluginWithoutTasksLoads()
	{
		PluginHost host(Poco::Logger::get("PluginSettingsTest"));
		host.setConfiguration(*_config);
		CPPUNIT_ASSERT(host.loadLibrary(lib("sql")));
		CPPUNIT_ASSERT(host.taskNames().empty());
		CPPUNIT_ASSERT_NO_THROW(host.checkSettings());
		bool maxRows = false;
		for (const auto& setting: host.settings()) maxRows = maxRows || (setting.key == "plugin.sql.max_rows" && setting.value == "1000" && !setting.help.empty());
		CPPUNIT_ASSERT(maxRows);
	}

	void testSqlPluginDeclaresTasks()
	{
		_config->setString("plugin.sql.tasks", "LOW_BALANCES, RICHEST");
		_config->setString("plugin.sql.LOW_BALANCES.statement", "SELECT user_id, balance FROM accounts WHERE balance < :amount ORDER BY balance");
		_config->setString("plugin.sql.LOW_BALANCES.params", "amount:cents");
		_config->setString("plugin.sql.LOW_BALANCES.description", "accounts under AMOUNT");
		_config->setString("plugin.sql.RICHEST.statement", "SELECT user_id FROM accounts ORDER BY balance DESC LIMIT 1");
		PluginHost host(Poco::Logger::get("PluginSettingsTest"));
		host.setConfiguration(*_config);
		CPPUNIT_ASSERT(host.loadLibrary(lib("sql")));
		CPPUNIT_ASSERT(host.taskNames() == std::vector<std::string>({"LOW_BALANCES", "RICHEST"}));
		CPPUNIT_ASSERT_EQUAL(std::string("accounts under AMOUNT"), host.find("LOW_BALANCES")->description());
		CPPUNIT_ASSERT_EQUAL(std::string("SQL query RICHEST"), host.find("RICHEST")->description());
	}

	void testBadSettingIsConfigurationError()
	{
		const std::pair<const char*, const char*> cases[] = {
			{"plugin.sql.max_row", "plugin.sql.max_row: unknown key (did you mean plugin.sql.max_rows?)"},
			{"plugin.sql.max_rows", "plugin.sql.max_rows: 'x' is not an integer"},
			{"plugin.sql.tasks", "plugin.sql.tasks: 'x' is not a task name"},
		};
		for (const auto& item: cases)
		{
			Poco::AutoPtr<Poco::Util::MapConfiguration> config = new Poco::Util::MapConfiguration;
			config->setString(item.first, "x");
			PluginHost host(Poco::Logger::get("PluginSettingsTest"));
			host.setConfiguration(*config);
			CPPUNIT_ASSERT(!host.loadLibrary(lib("sql")));
			CPPUNIT_ASSERT(host.refused().at(0).configuration);
			expectMessage([&] { host.checkSettings(); }, item.second);
		}
		// A listed task needs its statement; a write is refused already here.
		_config->setString("plugin.sql.tasks", "WIPE");
		PluginHost host(Poco::Logger::get("PluginSettingsTest"));
		host.setConfiguration(*_config);
		CPPUNIT_ASSERT(!host.loadLibrary(lib("sql")));
		expectMessage([&] { host.checkSettings(); }, "plugin.sql.WIPE.statement: missing (plugin.sql.tasks lists WIPE)");
		_config->setString("plugin.sql.WIPE.statement", "DELETE FROM accounts");
		PluginHost again(Poco::Logger::get("PluginSettingsTest"));
		again.setConfiguration(*_config);
		CPPUNIT_ASSERT(!again.loadLibrary(lib("sql")));
		expectMessage([&] { again.checkSettings(); }, "plugin.sql.WIPE.statement: not a query");
	}

	void testKeysOfUnloadedPluginRefused()
	{
		_config->setString("plugin.sqll.tasks", "A");
		PluginHost host(Poco::Logger::get("PluginSettingsTest"));
		host.setConfiguration(*_config);
		CPPUNIT_ASSERT(host.loadLibrary(lib("sql")));
		CPPUNIT_ASSERT(host.loadLibrary(lib("echo")));
		expectMessage([&] { host.checkSettings(); }, "plugin.sqll.tasks: no plugin sqll is loaded (did you mean sql?); loaded: sql, echo");
	}

private:
	void expectMessage(const std::function<void()>& action, const std::string& start)
	{
		try
		{
			action();
			CPPUNIT_FAIL("accepted; expected: " + start);
		}
		catch (Poco::Exception& exc)
		{
			CPPUNIT_ASSERT_MESSAGE(exc.message(), exc.message().compare(0, start.size(), start) == 0);
		}
	}

	Poco::AutoPtr<Poco::Util::MapConfiguration> _config;
};


CPPUNIT_TEST_SUITE_REGISTRATION(PluginSettingsTest);

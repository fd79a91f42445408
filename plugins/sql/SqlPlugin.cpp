//
// SqlPlugin.cpp
//
// The sql plugin: task types declared in properties, each one named
// read-only SQL statement run on the worker's store.
//


#include "SqlTask.h"
#include "orchd/Plugin.h"
#include "orchd/PluginApi.h"
#include "Poco/Exception.h"
#include "Poco/String.h"
#include "Poco/StringTokenizer.h"
#include <algorithm>
#include <cctype>


namespace sql {


class SqlPlugin: public orchd::Plugin
	/// Settings (plugin.sql.*):
	///
	///     tasks                 the task types, comma-separated (none by default)
	///     max_rows              the most rows a task answers (1000)
	///     NAME.statement        the task's SQL: one read-only statement, :name parameters
	///     NAME.params           its parameters, NAME:cents|integer|text, comma-separated
	///     NAME.description      its line in `orchctl tasks`
	///
	/// A statement is judged read-only by the store's database when a
	/// worker starts (AccountStore::prepare()), not by its words; its
	/// parameters must be those declared, no more, no fewer.
{
public:
	void configure(orchd::PluginSettings& settings) override
	{
		std::size_t maxRows = static_cast<std::size_t>(settings.declareInt("max_rows", 1000, 1, 100000,
			"the most rows one task answers; beyond, TRUNCATED is true"));
		std::string list = settings.declare("tasks", "", "the task types of SQL statements, comma-separated, each with its NAME.statement");
		Poco::StringTokenizer names(list, ",", Poco::StringTokenizer::TOK_TRIM | Poco::StringTokenizer::TOK_IGNORE_EMPTY);
		for (const auto& name: names)
		{
			if (!isTaskName(name))
				throw Poco::InvalidArgumentException(settings.keyName("tasks") + ": '" + name + "' is not a task name (1 to 32 of A-Z, 0-9 and _, starting with a letter)");
			if (std::any_of(_tasks.begin(), _tasks.end(), [&name](const SqlTask& t) { return t.name() == name; }))
				throw Poco::InvalidArgumentException(settings.keyName("tasks") + ": lists " + name + " twice");
			_tasks.push_back(declareTask(settings, name, maxRows));
		}
	}

	std::vector<std::unique_ptr<orchd::TaskHandler>> tasks() override
	{
		std::vector<std::unique_ptr<orchd::TaskHandler>> handlers;
		for (const auto& task: _tasks) handlers.push_back(std::make_unique<SqlTask>(task));
		return handlers;
	}

	void start(orchd::AccountStore& store) override
	{
		for (const auto& task: _tasks) check(store, task);
	}

private:
	static SqlTask declareTask(orchd::PluginSettings& settings, const std::string& name, std::size_t maxRows)
	{
		std::string statementKey = name + ".statement";
		std::string statement = settings.declare(statementKey, "", "the SQL of task " + name + ": one read-only statement, :name parameters");
		if (statement.empty()) throw Poco::InvalidArgumentException(settings.keyName(statementKey) + ": missing (plugin.sql.tasks lists " + name + ")");
		if (!startsWithQuery(statement))
			throw Poco::InvalidArgumentException(settings.keyName(statementKey) + ": not a query (a statement starts with SELECT, WITH or VALUES)");
		std::string paramsKey = name + ".params";
		std::vector<Parameter> parameters;
		Poco::StringTokenizer declared(settings.declare(paramsKey, "", "the parameters of task " + name + ": NAME:cents|integer|text, comma-separated"),
			",", Poco::StringTokenizer::TOK_TRIM | Poco::StringTokenizer::TOK_IGNORE_EMPTY);
		for (const auto& item: declared)
		{
			Parameter parameter = Parameter::parse(item, settings.keyName(paramsKey));
			if (std::any_of(parameters.begin(), parameters.end(), [&parameter](const Parameter& p) { return p.name == parameter.name; }))
				throw Poco::InvalidArgumentException(settings.keyName(paramsKey) + ": declares " + parameter.name + " twice");
			parameters.push_back(parameter);
		}
		std::string description = settings.declare(name + ".description", "SQL query " + name, "the description of task " + name + " in orchctl tasks");
		return SqlTask(name, description, statement, parameters, maxRows);
	}

	static void check(orchd::AccountStore& store, const SqlTask& task)
	{
		const std::string key = "plugin.sql." + task.name() + ".statement";
		std::vector<std::string> used;
		try
		{
			used = store.prepare(task.statement());
		}
		catch (Poco::NotImplementedException& exc)
		{
			throw Poco::InvalidArgumentException(key + ": this node's store cannot run it (" + exc.message() + ")");
		}
		catch (Poco::InvalidArgumentException& exc)
		{
			throw Poco::InvalidArgumentException(key + ": refused: " + exc.message());
		}
		for (const auto& name: used)
		{
			if (std::none_of(task.parameters().begin(), task.parameters().end(), [&name](const Parameter& p) { return p.name == name; }))
				throw Poco::InvalidArgumentException(key + ": uses :" + name + ", which plugin.sql." + task.name() + ".params does not declare");
		}
		for (const auto& parameter: task.parameters())
		{
			if (std::find(used.begin(), used.end(), parameter.name) == used.end())
				throw Poco::InvalidArgumentException("plugin.sql." + task.name() + ".params: declares " + parameter.name + ", which the statement does not use");
		}
	}

	static bool isTaskName(const std::string& name)
	{
		if (name.empty() || name.size() > 32 || name[0] < 'A' || name[0] > 'Z') return false;
		return std::all_of(name.begin(), name.end(), [](char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'; });
	}

	static bool startsWithQuery(const std::string& statement)
		/// A first look, so that a master (which has no store) refuses an
		/// obvious write too; the database's judgement comes at start().
	{
		std::string::size_type at = statement.find_first_not_of(" \t\r\n(");
		std::string::size_type end = at;
		while (end < statement.size() && std::isalpha(static_cast<unsigned char>(statement[end]))) ++end;
		std::string word = at == std::string::npos ? std::string() : Poco::toUpper(statement.substr(at, end - at));
		return word == "SELECT" || word == "WITH" || word == "VALUES";
	}

	std::vector<SqlTask> _tasks;
};


} // namespace sql


ORCHD_DECLARE_PLUGIN(sql::SqlPlugin)
POCO_BEGIN_MANIFEST(orchd::TaskHandler)
POCO_END_MANIFEST

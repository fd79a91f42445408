//
// orchctl.cpp
//
// The command-line client: sends tasks to a running master (--master or
// $ORCHD_MASTER), or runs them in this process with the plugins and store
// that a node's properties file names (--config).
//
// Exit codes: 0 the task said OK, 1 it was refused (NOK, BUSY...) or a
// bench check failed, 2 usage error, 69 no master reachable (or the store
// of --config cannot be opened), 70 anything else.
//


#include "json/JsonObject.h"
#include "ctl/Bench.h"
#include "ctl/CommandLine.h"
#include "ctl/MasterClient.h"
#include "ctl/MasterList.h"
#include "ctl/StatusPrinter.h"
#include "plugin/PluginHost.h"
#include "plugin/TaskRunner.h"
#include "server/DaemonConfig.h"
#include "store/AccountDatabase.h"
#include "Poco/AutoPtr.h"
#include "Poco/ConsoleChannel.h"
#include "Poco/Exception.h"
#include "Poco/JSON/Array.h"
#include "Poco/JSON/Object.h"
#include "Poco/Net/NetException.h"
#include "Poco/NumberParser.h"
#include "Poco/String.h"
#include "Poco/UUIDGenerator.h"
#include "Poco/Util/LayeredConfiguration.h"
#include "Poco/Util/MapConfiguration.h"
#include "Poco/Util/PropertyFileConfiguration.h"
#include <atomic>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <memory>


using orchd::CommandLine;
using orchd::OptionSpec;
using orchd::UsageError;


namespace {


const int EXIT_OK_RESULT = 0;
const int EXIT_REFUSED = 1;
const int EXIT_USAGE = 2;
const int EXIT_UNAVAILABLE = 69;
const int EXIT_SOFTWARE = 70;
const int EXIT_NOPERM = 77;  // the master refused the client token (401) or its role (403)


// Every option, one line each: the parser, the help and the bash
// completion read this table.
const std::vector<OptionSpec> OPTIONS = {
	{"master", 'm', "HOST:PORT[,...]", "the masters to send to, tried in turn until one answers (default: $ORCHD_MASTER)", {}},
	{"config", 'c', "FILE", "run the task in this process, with the plugins and store that the node's file names", {}},
	{"define", 'D', "KEY=VALUE", "set a key of the --config file (repeatable)", {}, true},
	{"timeout", 't', "SECONDS", "how long to wait for a master to connect and answer (default 60)", {}},
	{"json", 'j', "", "print the output as JSON", {}},
	{"help", 'h', "", "print the help and exit (orchctl help COMMAND for one command)", {}},
	{"version", 'V', "", "print the version and exit", {}},
	{"token-file", 0, "FILE", "the client token (the file's first line; default: $ORCHD_TOKEN), sent as Authorization: Bearer", {}},
	{"ca-file", 0, "CA.pem", "speak TLS to the master, its certificate checked against this CA (and its name against ID with --master ID@HOST:PORT)", {}},
	{"amount", 0, "AMOUNT", "the amount, e.g. for one that starts with '-'", {"open", "update", "transfer"}},
	{"tasks", 0, "N", "tasks to run (default 10000)", {"bench"}},
	{"concurrency", 0, "C", "tasks in flight at once (default 64)", {"bench"}},
	{"mix", 0, "TASK:WEIGHT,...", "the task mix (default QUERY:50,UPDATE:50)", {"bench"}},
	{"accounts", 0, "K", "accounts to open and use (default 16)", {"bench"}},
	{"opened", 0, "PREFIX", "accounts PREFIX0.. exist with 1000.00 each: open none", {"bench"}},
	{"connections", 0, "N", "client connections (default: one per 64 tasks in flight)", {"bench"}},
	{"report", 0, "FILE", "also write the figures to FILE as JSON", {"bench"}},
	{"keep-accounts", 0, "", "leave the accounts bench opened (default: CLOSE them after the check)", {"bench"}},
};


enum class Where { ANY, MASTER, CONFIG, NONE };


struct CommandSpec
{
	std::string name;
	std::string arguments;
	std::string summary;
	Where where;
	std::size_t minWords;
	std::size_t maxWords;
};


const std::vector<CommandSpec> COMMANDS = {
	{"open", "USER [AMOUNT]", "create an account, with AMOUNT (default 0) on it", Where::ANY, 1, 2},
	{"query", "USER", "read a balance", Where::ANY, 1, 1},
	{"update", "USER AMOUNT", "add a signed amount to a balance", Where::ANY, 2, 2},
	{"transfer", "FROM TO AMOUNT", "move an amount between two accounts", Where::ANY, 3, 3},
	{"submit", "'JSON'", "any task, e.g. '{\"TASK\":\"ECHO\",\"PAYLOAD\":1}'", Where::ANY, 1, 1},
	{"status", "", "the master's queue, workers, peers and counters", Where::MASTER, 0, 0},
	{"bench", "", "drive a task mix through the master, then check the balances", Where::MASTER, 0, 0},
	{"tasks", "", "the task types the plugins of the --config file provide", Where::CONFIG, 0, 0},
	{"help", "[COMMAND]", "this help, or one command's", Where::NONE, 0, 1},
};


const CommandSpec* findCommand(const std::string& name)
{
	for (const auto& command: COMMANDS) if (command.name == name) return &command;
	return nullptr;
}


void printOption(const OptionSpec& option, std::ostream& out)
{
	std::string left = "  " + std::string(option.shortName ? std::string("-") + option.shortName + ", " : "    ") + "--" + option.name;
	if (!option.value.empty()) left += " " + option.value;
	out << left << std::string(left.size() < 34 ? 34 - left.size() : 1, ' ') << option.help << "\n";
}


void printHelp(const CommandLine& line, std::ostream& out)
{
	out << "usage: orchctl [--master HOST:PORT[,...]] [OPTIONS] COMMAND [ARGS]   send tasks to a running master\n"
	       "       orchctl --config FILE [--define KEY=VALUE ...] COMMAND [ARGS] run them in this process\n"
	       "\ncommands:\n";
	for (const auto& command: COMMANDS)
	{
		std::string left = "  " + command.name + (command.arguments.empty() ? "" : " " + command.arguments);
		out << left << std::string(left.size() < 34 ? 34 - left.size() : 1, ' ') << command.summary << "\n";
	}
	out << "\noptions:\n";
	for (const OptionSpec* option: line.optionsOf("")) if (option->commands.empty()) printOption(*option, out);
	out << "\nORCHD_MASTER: the masters, as for --master, when neither --master nor --config is given.\n"
	       "exit: 0 OK, 1 refused (NOK, BUSY, ...) or a failed bench check, 2 usage error,\n"
	       "      69 no master reachable (or the --config store cannot be opened), 70 other errors,\n"
	       "      77 the master refused the client token or its role\n";
}


void printCommandHelp(const CommandLine& line, const CommandSpec& command, std::ostream& out)
{
	const char* where = command.where == Where::MASTER ? "--master HOST:PORT " : command.where == Where::CONFIG ? "--config FILE " : "";
	out << "usage: orchctl " << where << "[OPTIONS] " << command.name << (command.arguments.empty() ? "" : " " + command.arguments)
	    << "\n\n" << command.summary << "\n";
	std::vector<const OptionSpec*> own;
	for (const OptionSpec* option: line.optionsOf(command.name)) if (!option->commands.empty()) own.push_back(option);
	if (!own.empty())
	{
		out << "\n" << command.name << " options:\n";
		for (const OptionSpec* option: own) printOption(*option, out);
	}
	out << "\nand orchctl's own options (orchctl help).\n";
}


Poco::Timespan timeoutOf(const CommandLine& line)
{
	double seconds = 60;
	if (line.has("timeout") && (!Poco::NumberParser::tryParseFloat(line.value("timeout"), seconds) || seconds <= 0 || seconds > 86400))
		throw UsageError("--timeout " + line.value("timeout") + ": expected seconds, more than 0 and at most 86400");
	return Poco::Timespan(static_cast<Poco::Timespan::TimeDiff>(seconds * 1e6));
}


int intOption(const CommandLine& line, const std::string& name, int defaultValue, int min)
{
	if (!line.has(name)) return defaultValue;
	int value = 0;
	if (!Poco::NumberParser::tryParse(line.value(name), value) || value < min)
		throw UsageError("--" + name + " must be an integer of at least " + std::to_string(min));
	return value;
}


Poco::JSON::Object::Ptr buildRequest(const std::vector<std::string>& w)
{
	const std::string& verb = w[0];
	Poco::JSON::Object::Ptr request = new Poco::JSON::Object;
	if (verb == "submit")
	{
		try
		{
			return orchd::parseObject(w[1]);
		}
		catch (Poco::Exception& exc)
		{
			throw UsageError(exc.message());
		}
	}
	// Amounts go as the decimal text typed, so the task sees it exactly.
	request->set("TASK", Poco::toUpper(verb));
	request->set("USER", w[1]);
	if (verb == "transfer")
	{
		request->set("TO", w[2]);
		request->set("AMOUNT", w[3]);
	}
	else if (w.size() > 2) request->set("AMOUNT", w[2]);
	return request;
}


int runBench(const CommandLine& line, const Poco::Net::SocketAddress& master, const orchd::DialSecurity& security)
{
	orchd::BenchOptions options;
	options.master = master;
	options.security = security;
	options.tasks = intOption(line, "tasks", 10000, 1);
	options.concurrency = intOption(line, "concurrency", 64, 1);
	options.accounts = intOption(line, "accounts", 16, 1);
	options.connections = intOption(line, "connections", 0, 0);
	options.opened = line.value("opened");
	options.jsonFile = line.value("report");
	options.json = line.has("json");
	options.keepAccounts = line.has("keep-accounts");
	options.progress = true;
	try
	{
		options.mix = orchd::Bench::parseMix(line.value("mix", "QUERY:50,UPDATE:50"));
	}
	catch (Poco::Exception& exc)
	{
		throw UsageError(exc.message());
	}
	orchd::Bench bench(options);
	return bench.run(std::cout);
}


int runRemote(const CommandLine& line, const std::vector<std::string>& words, const std::string& masterList)
{
	std::string token;
	try
	{
		token = orchd::MasterClient::readToken(line.value("token-file"));
	}
	catch (Poco::IOException& exc)
	{
		throw UsageError(exc.message());
	}
	orchd::MasterList masters(masterList, timeoutOf(line), line.value("ca-file"), token);
	const std::string& verb = words[0];
	if (verb == "status")
	{
		std::string body = masters.first([&](const Poco::Net::SocketAddress& master)
		{
			int code = 0;
			std::string text = orchd::MasterClient::httpGet(master, "/v1/status", code, masters.timeout(), masters.security(master));
			if (code == 401 || code == 403) throw orchd::NotAllowed("GET /v1/status on " + master.toString() + " answered " + std::to_string(code) + ": " + text);
			if (code != 200) throw Poco::IOException("GET /v1/status on " + master.toString() + " answered " + std::to_string(code) + ": " + text);
			return text;
		});
		if (line.has("json")) std::cout << body << std::endl;
		else orchd::StatusPrinter::print(*orchd::parseObject(body), std::cout);
		return EXIT_OK_RESULT;
	}
	if (verb == "bench")
	{
		// The first master that accepts a connection runs the whole bench.
		Poco::Net::SocketAddress master = masters.first([&](const Poco::Net::SocketAddress& address)
		{
			orchd::MasterClient probe(address, masters.timeout(), masters.security(address));
			return address;
		});
		return runBench(line, master, masters.security(master));
	}
	Poco::JSON::Object::Ptr request = buildRequest(words);
	// Only connecting moves on to the next master: a task once sent is
	// never sent twice.
	std::unique_ptr<orchd::MasterClient> client = masters.first([&](const Poco::Net::SocketAddress& address)
	{
		return std::make_unique<orchd::MasterClient>(address, masters.timeout(), masters.security(address));
	});
	Poco::JSON::Object::Ptr result;
	std::string text;
	try
	{
		text = client->call(request, result);
	}
	catch (Poco::TimeoutException&)
	{
		throw orchd::Unreachable("no answer within " + std::to_string(masters.timeout().totalSeconds()) + " s (--timeout): the task may still run");
	}
	catch (Poco::Net::NetException& exc)
	{
		throw orchd::Unreachable("the master went away before it answered: " + exc.displayText());
	}
	// Printed as the master sent it: re-serialising would turn 25.50 into 25.5.
	std::cout << text << std::endl;
	return result->optValue<std::string>("STATUS", "") == "OK" ? EXIT_OK_RESULT : EXIT_REFUSED;
}


int runLocal(const CommandLine& line, const std::vector<std::string>& words)
{
	Poco::AutoPtr<Poco::Util::MapConfiguration> defines = new Poco::Util::MapConfiguration;
	for (const auto& define: line.values("define"))
	{
		std::string::size_type eq = define.find('=');
		if (eq == 0 || eq == std::string::npos) throw UsageError("--define " + define + ": expected KEY=VALUE");
		defines->setString(define.substr(0, eq), define.substr(eq + 1));
	}
	Poco::AutoPtr<Poco::Util::LayeredConfiguration> config = new Poco::Util::LayeredConfiguration;
	config->add(defines, -100);
	try
	{
		config->add(new Poco::Util::PropertyFileConfiguration(line.value("config")), 0);
	}
	catch (Poco::FileException& exc)
	{
		throw UsageError("--config " + line.value("config") + ": " + exc.displayText());
	}
	orchd::DaemonSettings settings = orchd::DaemonConfig::load(*config, false);

	Poco::Logger& logger = Poco::Logger::get("orchctl");
	logger.setLevel(Poco::Message::PRIO_WARNING);
	orchd::PluginHost plugins(logger);
	plugins.setConfiguration(*config);
	plugins.loadFolder(settings.pluginsDir);
	try
	{
		plugins.checkSettings();
	}
	catch (Poco::Exception& exc)
	{
		throw orchd::ConfigException(exc.message());
	}
	if (words[0] == "tasks")
	{
		Poco::JSON::Array tasks;
		for (const auto& name: plugins.taskNames())
		{
			if (!line.has("json")) std::cout << name << "\t" << plugins.find(name)->description() << "\n";
			Poco::JSON::Object task;
			task.set("TASK", name);
			task.set("DESCRIPTION", plugins.find(name)->description());
			tasks.add(task);
		}
		if (line.has("json")) tasks.stringify(std::cout), std::cout << "\n";
		return EXIT_OK_RESULT;
	}
	Poco::JSON::Object::Ptr request = buildRequest(words);
	std::unique_ptr<orchd::AccountDatabase> store;
	try
	{
		store = orchd::AccountDatabase::connect(settings.store);
	}
	catch (Poco::Exception& exc)
	{
		throw orchd::Unreachable("cannot open the store (store.connection = " + settings.store.connection + "): " + exc.displayText());
	}
	try
	{
		plugins.start(*store);
	}
	catch (Poco::Exception& exc)
	{
		throw orchd::ConfigException(exc.message());
	}
	orchd::TaskRunner runner(plugins, store.get(), logger);
	std::atomic<bool> cancelled(false);
	std::string taskId = "local-" + Poco::UUIDGenerator::defaultGenerator().createRandom().toString();
	Poco::JSON::Object::Ptr result = runner.run(*request, taskId, 1, cancelled);
	result->stringify(std::cout);
	std::cout << std::endl;
	return result->optValue<std::string>("STATUS", "") == "OK" ? EXIT_OK_RESULT : EXIT_REFUSED;
}


int run(CommandLine& line, int argc, char** argv)
{
	line.parse(std::vector<std::string>(argv + 1, argv + argc));
	if (line.has("version"))
	{
		std::cout << "orchctl " << ORCHD_VERSION << "\n";
		return EXIT_OK_RESULT;
	}
	std::vector<std::string> words = line.words();
	if (line.has("help") || (!words.empty() && words[0] == "help"))
	{
		std::string topic = !words.empty() && words[0] == "help" ? (words.size() > 1 ? words[1] : "") : (words.empty() ? "" : words[0]);
		if (words.size() > 2) throw UsageError("help takes one command");
		if (topic.empty()) printHelp(line, std::cout);
		else if (const CommandSpec* command = findCommand(topic)) printCommandHelp(line, *command, std::cout);
		else throw UsageError("unknown command '" + topic + "'");
		return EXIT_OK_RESULT;
	}
	if (words.empty()) throw UsageError("no command");
	const CommandSpec* command = findCommand(words[0]);
	if (!command) throw UsageError("unknown command '" + words[0] + "'");
	if (line.has("amount")) words.push_back(line.value("amount"));
	if (words.size() - 1 < command->minWords || words.size() - 1 > command->maxWords)
		throw UsageError(command->name + ": expected " + (command->arguments.empty() ? "no arguments" : command->arguments));
	bool local = line.has("config");
	std::string masterList = line.value("master");
	if (local && line.has("master")) throw UsageError("give either --master or --config, not both");
	if (!local && line.has("define")) throw UsageError("--define needs --config FILE");
	const char* fromEnvironment = std::getenv("ORCHD_MASTER");
	if (!local && masterList.empty() && fromEnvironment) masterList = fromEnvironment;
	if (command->where == Where::CONFIG && !local) throw UsageError(command->name + " needs --config FILE");
	if (command->where == Where::MASTER && local) throw UsageError(command->name + " needs a master (--master HOST:PORT or ORCHD_MASTER)");
	if (!local && masterList.empty()) throw UsageError("no master: give --master HOST:PORT, set ORCHD_MASTER, or give --config FILE");
	return local ? runLocal(line, words) : runRemote(line, words, masterList);
}


} // namespace


int main(int argc, char** argv)
{
	std::signal(SIGPIPE, SIG_IGN);
	Poco::Logger::root().setChannel(new Poco::ConsoleChannel);
	CommandLine line(OPTIONS);
	try
	{
		return run(line, argc, argv);
	}
	catch (UsageError& exc)
	{
		std::cerr << "orchctl: " << exc.what() << "\n" << "try 'orchctl help' for the commands and options\n";
		return EXIT_USAGE;
	}
	catch (orchd::ConfigException& exc)
	{
		std::cerr << "orchctl: configuration error: " << exc.message() << "\n";
		return EXIT_USAGE;
	}
	catch (orchd::Unreachable& exc)
	{
		std::cerr << "orchctl: " << exc.message() << "\n";
		return EXIT_UNAVAILABLE;
	}
	catch (orchd::NotAllowed& exc)
	{
		std::cerr << "orchctl: " << exc.message() << "\n";
		return EXIT_NOPERM;
	}
	catch (Poco::Exception& exc)
	{
		std::cerr << "orchctl: " << exc.displayText() << "\n";
		return EXIT_SOFTWARE;
	}
	catch (std::exception& exc)
	{
		std::cerr << "orchctl: " << exc.what() << "\n";
		return EXIT_SOFTWARE;
	}
}

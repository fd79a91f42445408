//
// orchctl.cpp
//
// The command-line client. At this stage it runs tasks in-process, with
// the plugins and the store a node's properties file names; the dispatch
// issue adds --master to send them to a running master instead.
//
// Exit codes: 0 the task said OK, 1 it said NOK, 2 usage or setup error.
//


#include "orchd/Money.h"
#include "plugin/PluginHost.h"
#include "plugin/TaskRunner.h"
#include "server/DaemonConfig.h"
#include "store/SqlAccountStore.h"
#include "Poco/AutoPtr.h"
#include "Poco/ConsoleChannel.h"
#include "Poco/Exception.h"
#include "Poco/JSON/Object.h"
#include "Poco/UUIDGenerator.h"
#include "Poco/Util/LayeredConfiguration.h"
#include "Poco/Util/MapConfiguration.h"
#include "Poco/Util/PropertyFileConfiguration.h"
#include <atomic>
#include <iostream>
#include <memory>


namespace {


const int EXIT_OK_RESULT = 0;
const int EXIT_NOK_RESULT = 1;
const int EXIT_USAGE = 2;


const char* const USAGE =
	"usage: orchctl --config FILE [--define KEY=VALUE ...] COMMAND\n"
	"commands (run in this process against the store the file names):\n"
	"  tasks                       list the task types the plugins provide\n"
	"  open USER [AMOUNT]          create an account\n"
	"  query USER                  read a balance\n"
	"  update USER AMOUNT          add a signed amount (also --amount=-12.50)\n"
	"  transfer FROM TO AMOUNT     move an amount between accounts\n"
	"  submit 'JSON'               run any task, e.g. '{\"TASK\":\"ECHO\",\"PAYLOAD\":1}'\n"
	"exit: 0 OK, 1 NOK, 2 usage or setup error\n";


class UsageError: public std::runtime_error
{
public:
	using std::runtime_error::runtime_error;
};


struct Command
{
	std::string configFile;
	Poco::AutoPtr<Poco::Util::MapConfiguration> defines = new Poco::Util::MapConfiguration;
	std::vector<std::string> words;
};


Command parseArguments(int argc, char** argv)
{
	Command command;
	for (int i = 1; i < argc; ++i)
	{
		std::string arg = argv[i];
		auto value = [&](const std::string& option) -> std::string
		{
			if (arg.size() > option.size() && arg.compare(0, option.size() + 1, option + "=") == 0) return arg.substr(option.size() + 1);
			if (i + 1 >= argc) throw UsageError(option + " needs a value");
			return argv[++i];
		};
		if (arg == "-h" || arg == "--help") throw UsageError("");
		else if (arg.rfind("--config", 0) == 0 || arg == "-c") command.configFile = value(arg == "-c" ? "-c" : "--config");
		else if (arg.rfind("--define", 0) == 0 || arg == "-D")
		{
			std::string define = value(arg == "-D" ? "-D" : "--define");
			std::string::size_type eq = define.find('=');
			if (eq == 0 || eq == std::string::npos) throw UsageError("--define " + define + ": expected KEY=VALUE");
			command.defines->setString(define.substr(0, eq), define.substr(eq + 1));
		}
		else if (arg.rfind("--amount=", 0) == 0) command.words.push_back(arg.substr(9));
		else command.words.push_back(arg);
	}
	if (command.configFile.empty()) throw UsageError("--config FILE is required");
	if (command.words.empty()) throw UsageError("no command");
	return command;
}


void expectWords(const Command& command, std::size_t min, std::size_t max)
{
	std::size_t n = command.words.size() - 1;
	if (n < min || n > max) throw UsageError(command.words[0] + ": wrong number of arguments");
}


Poco::Dynamic::Var amountOf(const std::string& text)
{
	// Passed as a decimal string, so the task sees exactly what was typed.
	return Poco::Dynamic::Var(text);
}


Poco::JSON::Object::Ptr buildRequest(const Command& command)
{
	const std::string& verb = command.words[0];
	const auto& w = command.words;
	Poco::JSON::Object::Ptr request = new Poco::JSON::Object;
	if (verb == "open")
	{
		expectWords(command, 1, 2);
		request->set("TASK", "OPEN");
		request->set("USER", w[1]);
		if (w.size() > 2) request->set("AMOUNT", amountOf(w[2]));
	}
	else if (verb == "query")
	{
		expectWords(command, 1, 1);
		request->set("TASK", "QUERY");
		request->set("USER", w[1]);
	}
	else if (verb == "update")
	{
		expectWords(command, 2, 2);
		request->set("TASK", "UPDATE");
		request->set("USER", w[1]);
		request->set("AMOUNT", amountOf(w[2]));
	}
	else if (verb == "transfer")
	{
		expectWords(command, 3, 3);
		request->set("TASK", "TRANSFER");
		request->set("USER", w[1]);
		request->set("TO", w[2]);
		request->set("AMOUNT", amountOf(w[3]));
	}
	else if (verb == "submit")
	{
		expectWords(command, 1, 1);
		try
		{
			request = orchd::TaskRunner::parse(w[1]);
		}
		catch (Poco::Exception& exc)
		{
			throw UsageError(exc.message());
		}
	}
	else throw UsageError("unknown command '" + verb + "'");
	return request;
}


int run(const Command& command)
{
	Poco::AutoPtr<Poco::Util::LayeredConfiguration> config = new Poco::Util::LayeredConfiguration;
	config->add(command.defines, -100);
	config->add(new Poco::Util::PropertyFileConfiguration(command.configFile), 0);
	orchd::DaemonSettings settings = orchd::DaemonConfig::load(*config, false);

	Poco::Logger& logger = Poco::Logger::get("orchctl");
	logger.setLevel(Poco::Message::PRIO_WARNING);
	orchd::PluginHost plugins(logger);
	plugins.loadFolder(settings.pluginsDir);
	if (command.words[0] == "tasks")
	{
		for (const auto& name: plugins.taskNames()) std::cout << name << "\t" << plugins.find(name)->description() << "\n";
		return EXIT_OK_RESULT;
	}
	Poco::JSON::Object::Ptr request = buildRequest(command);
	orchd::SqlAccountStore store(settings.store);
	orchd::TaskRunner runner(plugins, &store, logger);
	std::atomic<bool> cancelled(false);
	std::string taskId = "local-" + Poco::UUIDGenerator::defaultGenerator().createRandom().toString();
	Poco::JSON::Object::Ptr result = runner.run(*request, taskId, 1, cancelled);
	result->stringify(std::cout);
	std::cout << std::endl;
	return result->getValue<std::string>("STATUS") == "OK" ? EXIT_OK_RESULT : EXIT_NOK_RESULT;
}


} // namespace


int main(int argc, char** argv)
{
	Poco::Logger::root().setChannel(new Poco::ConsoleChannel);
	try
	{
		return run(parseArguments(argc, argv));
	}
	catch (UsageError& exc)
	{
		if (*exc.what()) std::cerr << "orchctl: " << exc.what() << "\n";
		std::cerr << USAGE;
		return EXIT_USAGE;
	}
	catch (orchd::ConfigException& exc)
	{
		std::cerr << "orchctl: configuration error: " << exc.message() << "\n";
		return EXIT_USAGE;
	}
	catch (Poco::Exception& exc)
	{
		std::cerr << "orchctl: " << exc.displayText() << "\n";
		return EXIT_USAGE;
	}
}

//
// orchctl.cpp
//
// The command-line client: sends tasks to a running master (--master), or
// runs them in this process with the plugins and store that a node's
// properties file names (--config).
//
// Exit codes: 0 the task said OK, 1 it said NOK, 2 usage or setup error.
//


#include "json/JsonObject.h"
#include "ctl/Bench.h"
#include "ctl/MasterClient.h"
#include "orchd/Money.h"
#include "plugin/PluginHost.h"
#include "plugin/TaskRunner.h"
#include "server/DaemonConfig.h"
#include "store/AccountDatabase.h"
#include "Poco/AutoPtr.h"
#include "Poco/ConsoleChannel.h"
#include "Poco/Exception.h"
#include "Poco/JSON/Array.h"
#include "Poco/JSON/Object.h"
#include "Poco/NumberParser.h"
#include "Poco/UUIDGenerator.h"
#include "Poco/Util/LayeredConfiguration.h"
#include "Poco/Util/MapConfiguration.h"
#include "Poco/Util/PropertyFileConfiguration.h"
#include <atomic>
#include <csignal>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>


namespace {


const int EXIT_OK_RESULT = 0;
const int EXIT_NOK_RESULT = 1;
const int EXIT_USAGE = 2;


const char* const USAGE =
	"usage: orchctl --master HOST:PORT [--token-file FILE] COMMAND\n"
	"                                              send tasks to a running master; the\n"
	"                                              client token (a file's first line, or\n"
	"                                              $ORCHD_TOKEN) goes as Authorization: Bearer\n"
	"       orchctl --config FILE [--define KEY=VALUE ...] COMMAND\n"
	"                                              run them in this process, with the\n"
	"                                              plugins and store the node's file names\n"
	"commands:\n"
	"  open USER [AMOUNT]          create an account\n"
	"  query USER                  read a balance\n"
	"  update USER AMOUNT          add a signed amount (or --amount=-12.50)\n"
	"  transfer FROM TO AMOUNT     move an amount between accounts\n"
	"  submit 'JSON'               any task, e.g. '{\"TASK\":\"ECHO\",\"PAYLOAD\":1}'\n"
	"  status [--json]             the master's queue, workers and counters (--master)\n"
	"  bench [--tasks=N] [--concurrency=C] [--mix=QUERY:50,UPDATE:50] [--accounts=K] [--opened=PREFIX]\n"
	"        [--connections=N] [--json=FILE]\n"
	"                              drive a task mix and check the balances (--master);\n"
	"                              --opened: accounts PREFIX0.. exist with 1000.00 each\n"
	"  tasks                       the task types the plugins provide (--config)\n"
	"exit: 0 OK, 1 NOK (or a failed bench check), 2 usage or connection error\n";


class UsageError: public std::runtime_error
{
public:
	using std::runtime_error::runtime_error;
};


class HelpRequested: public std::exception
{
};


struct Command
{
	std::string master;
	std::string tokenFile;
	std::map<std::string, std::string> options;  // --name=value after the command
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
		if (arg == "-h" || arg == "--help") throw HelpRequested();
		else if (arg == "--config" || arg.rfind("--config=", 0) == 0 || arg == "-c") command.configFile = value(arg == "-c" ? "-c" : "--config");
		else if (arg == "--master" || arg.rfind("--master=", 0) == 0 || arg == "-m") command.master = value(arg == "-m" ? "-m" : "--master");
		else if (arg == "--token-file" || arg.rfind("--token-file=", 0) == 0) command.tokenFile = value("--token-file");
		else if (arg == "--define" || arg.rfind("--define=", 0) == 0 || arg == "-D")
		{
			std::string define = value(arg == "-D" ? "-D" : "--define");
			std::string::size_type eq = define.find('=');
			if (eq == 0 || eq == std::string::npos) throw UsageError("--define " + define + ": expected KEY=VALUE");
			command.defines->setString(define.substr(0, eq), define.substr(eq + 1));
		}
		else if (arg.rfind("--amount=", 0) == 0) command.words.push_back(arg.substr(9));
		else if (arg.rfind("--", 0) == 0 && !command.words.empty())
		{
			std::string::size_type eq = arg.find('=');
			command.options[arg.substr(2, eq == std::string::npos ? std::string::npos : eq - 2)] = eq == std::string::npos ? "" : arg.substr(eq + 1);
		}
		else if (arg.rfind("-", 0) == 0 && arg.size() > 1 && !std::isdigit(static_cast<unsigned char>(arg[1])) && arg[1] != '.')
			throw UsageError("unknown option " + arg);
		else command.words.push_back(arg);
	}
	if (command.configFile.empty() == command.master.empty()) throw UsageError("give either --master HOST:PORT or --config FILE");
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
			request = orchd::parseObject(w[1]);
		}
		catch (Poco::Exception& exc)
		{
			throw UsageError(exc.message());
		}
	}
	else throw UsageError("unknown command '" + verb + "'");
	return request;
}


int intOption(const Command& command, const std::string& name, int defaultValue, int min)
{
	auto it = command.options.find(name);
	if (it == command.options.end()) return defaultValue;
	int value = 0;
	if (!Poco::NumberParser::tryParse(it->second, value) || value < min)
		throw UsageError("--" + name + " must be an integer of at least " + std::to_string(min));
	return value;
}


int printResult(const Poco::JSON::Object::Ptr& result)
{
	result->stringify(std::cout);
	std::cout << std::endl;
	return result->optValue<std::string>("STATUS", "") == "OK" ? EXIT_OK_RESULT : EXIT_NOK_RESULT;
}


std::string textOf(const Poco::JSON::Object& object, const std::string& key, const std::string& absent = "-")
	/// A field as text, or absent if it is missing or null.
{
	return object.has(key) && !object.isNull(key) ? object.get(key).toString() : absent;
}


void printStore(const Poco::JSON::Object& status)
	/// The master's store id, and the workers it refused for theirs.
{
	Poco::JSON::Object::Ptr store = status.getObject("store");
	if (!store) return;
	if (store->isNull("id")) std::cout << "store   not checked (no store.connection on this master)\n";
	else std::cout << "store   " << store->getValue<std::string>("id") << " (" << textOf(*store, "connector") << ")\n";
	Poco::JSON::Array::Ptr refusals = store->getArray("refusals");
	if (!refusals || refusals->size() == 0) return;
	std::cout << "\nrefused for their store (latest last)\n" << std::left << std::setw(16) << "WORKER" << std::setw(22) << "ADDRESS"
	          << std::setw(38) << "STORE_ID" << "AGO_MS\n";
	for (std::size_t i = 0; i < refusals->size(); ++i)
	{
		Poco::JSON::Object::Ptr r = refusals->getObject(static_cast<unsigned>(i));
		std::cout << std::setw(16) << textOf(*r, "worker") << std::setw(22) << textOf(*r, "address")
		          << std::setw(38) << textOf(*r, "store_id", "(none sent)") << textOf(*r, "ms_ago") << "\n";
	}
}


void printWorkers(const Poco::JSON::Object& status)
{
	Poco::JSON::Array::Ptr workers = status.getArray("workers");
	std::cout << "\n" << std::left << std::setw(16) << "WORKER" << std::setw(22) << "ADDRESS" << std::setw(10) << "STATE"
	          << std::setw(26) << "OWNER" << std::setw(8) << "CREDIT" << std::setw(10) << "IN_FLIGHT" << std::setw(11) << "COMPLETED"
	          << "STORE_ID\n";
	for (std::size_t i = 0; workers && i < workers->size(); ++i)
	{
		Poco::JSON::Object::Ptr w = workers->getObject(static_cast<unsigned>(i));
		std::string owner = w->optValue<std::string>("owner", "");
		if (w->optValue<bool>("borrowed", false)) owner += " (borrowed)";
		if (w->has("lent_to")) owner += " -> " + w->getValue<std::string>("lent_to");
		std::cout << std::setw(16) << w->getValue<std::string>("id") << std::setw(22) << w->getValue<std::string>("address")
		          << std::setw(10) << w->getValue<std::string>("state") << std::setw(26) << owner
		          << std::setw(8) << (std::to_string(w->getValue<int>("credits")) + "/" + std::to_string(w->getValue<int>("concurrency")))
		          << std::setw(10) << w->getValue<int>("in_flight") << std::setw(11) << w->getValue<Poco::UInt64>("completed")
		          << textOf(*w, "store_id") << "\n";
	}
}


void printPeers(const Poco::JSON::Object& status)
{
	Poco::JSON::Array::Ptr peers = status.getArray("peers");
	if (!peers || peers->size() == 0) return;
	std::cout << "\n" << std::setw(12) << "PEER" << std::setw(22) << "ADDRESS" << std::setw(9) << "STATE" << std::setw(10) << "HEARD_MS"
	          << std::setw(8) << "QUEUE" << std::setw(9) << "WORKERS" << std::setw(12) << "LENT_TO_IT" << std::setw(16) << "HOSTED_FROM_IT"
	          << "STORE_ID\n";
	for (std::size_t i = 0; i < peers->size(); ++i)
	{
		Poco::JSON::Object::Ptr p = peers->getObject(static_cast<unsigned>(i));
		Poco::JSON::Object::Ptr load = p->getObject("load");
		std::string store = textOf(*p, "store_id");
		if (p->has("store_matches") && !p->isNull("store_matches"))
			store += p->getValue<bool>("store_matches") ? " (same as ours)" : " (NOT ours: no loans)";
		std::cout << std::setw(12) << p->getValue<std::string>("id") << std::setw(22) << p->getValue<std::string>("address")
		          << std::setw(9) << p->getValue<std::string>("state") << std::setw(10) << textOf(*p, "last_heartbeat_ms")
		          << std::setw(8) << load->getValue<int>("queue") << std::setw(9) << load->getValue<int>("workers")
		          << std::setw(12) << p->getArray("lent_to_it")->size() << std::setw(16) << p->getArray("hosted_from_it")->size()
		          << store << "\n";
	}
}


void printStatus(const Poco::JSON::Object& status)
{
	Poco::JSON::Object::Ptr queue = status.getObject("queue");
	std::cout << status.getValue<std::string>("role") << " " << status.getValue<std::string>("id")
	          << "   up " << status.getValue<Poco::Int64>("uptime_ms") / 1000 << " s   clients " << status.getValue<int>("clients") << "\n";
	if (queue)
		std::cout << "queue   " << queue->getValue<int>("depth") << " waiting of " << queue->getValue<int>("capacity")
		          << ", " << queue->getValue<int>("in_flight") << " in flight\n";
	printStore(status);
	printWorkers(status);
	printPeers(status);
	for (const char* section: {"counters", "loans"})
	{
		Poco::JSON::Object::Ptr counters = status.getObject(section);
		if (!counters) continue;
		std::cout << "\n" << section;
		std::vector<std::string> names;
		counters->getNames(names);
		for (const auto& name: names) std::cout << "  " << name << "=" << counters->get(name).toString();
		std::cout << "\n";
	}
}


int runRemote(const Command& command)
{
	Poco::Net::SocketAddress master;
	try
	{
		master = orchd::MasterClient::parseAddress(command.master);
	}
	catch (Poco::Exception& exc)
	{
		throw UsageError("--master " + command.master + ": " + exc.message());
	}
	const std::string& verb = command.words[0];
	std::string token = orchd::MasterClient::readToken(command.tokenFile);
	if (verb == "status")
	{
		int code = 0;
		std::string body = orchd::MasterClient::httpGet(master, "/v1/status", code, token);
		if (code != 200) throw Poco::IOException("GET /v1/status answered " + std::to_string(code) + ": " + body);
		if (command.options.count("json")) std::cout << body << std::endl;
		else printStatus(*orchd::parseObject(body));
		return EXIT_OK_RESULT;
	}
	if (verb == "bench")
	{
		orchd::BenchOptions options;
		options.master = master;
		options.token = token;
		options.tasks = intOption(command, "tasks", 10000, 1);
		options.concurrency = intOption(command, "concurrency", 64, 1);
		options.accounts = intOption(command, "accounts", 16, 1);
		options.connections = intOption(command, "connections", 0, 0);
		if (command.options.count("opened")) options.opened = command.options.at("opened");
		auto mix = command.options.find("mix");
		try
		{
			options.mix = orchd::Bench::parseMix(mix == command.options.end() ? "QUERY:50,UPDATE:50" : mix->second);
		}
		catch (Poco::Exception& exc)
		{
			throw UsageError(exc.message());
		}
		auto json = command.options.find("json");
		if (json != command.options.end()) options.jsonFile = json->second;
		options.progress = true;
		orchd::Bench bench(options);
		return bench.run(std::cout);
	}
	if (verb == "tasks") throw UsageError("tasks needs --config FILE");
	Poco::JSON::Object::Ptr request = buildRequest(command);
	orchd::MasterClient client(master, Poco::Timespan(60, 0), token);
	Poco::JSON::Object::Ptr result;
	// Printed as the master sent it: re-serialising would turn 25.50 into 25.5.
	std::cout << client.call(request, result) << std::endl;
	return result->optValue<std::string>("STATUS", "") == "OK" ? EXIT_OK_RESULT : EXIT_NOK_RESULT;
}


int run(const Command& command)
{
	if (!command.master.empty()) return runRemote(command);
	if (command.words[0] == "status" || command.words[0] == "bench") throw UsageError(command.words[0] + " needs --master HOST:PORT");
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
	std::unique_ptr<orchd::AccountDatabase> store = orchd::AccountDatabase::connect(settings.store);
	orchd::TaskRunner runner(plugins, store.get(), logger);
	std::atomic<bool> cancelled(false);
	std::string taskId = "local-" + Poco::UUIDGenerator::defaultGenerator().createRandom().toString();
	return printResult(runner.run(*request, taskId, 1, cancelled));
}


} // namespace


int main(int argc, char** argv)
{
	std::signal(SIGPIPE, SIG_IGN);
	Poco::Logger::root().setChannel(new Poco::ConsoleChannel);
	try
	{
		return run(parseArguments(argc, argv));
	}
	catch (HelpRequested&)
	{
		std::cout << USAGE;
		return EXIT_OK_RESULT;
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
	catch (std::exception& exc)
	{
		std::cerr << "orchctl: " << exc.what() << "\n";
		return EXIT_USAGE;
	}
}

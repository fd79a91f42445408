//
// MasterRig.h
//
// One master's dispatcher (and optionally its federation) in-process: a
// FakeDirectory for its connections, a ManualClock, the echo and saldo
// plugins for validation, and helpers to play clients and workers.
//


#ifndef orchd_test_MasterRig_INCLUDED
#define orchd_test_MasterRig_INCLUDED


#include "TestSupport.h"
#include "master/FakeDirectory.h"
#include "master/Dispatcher.h"
#include "master/Federation.h"
#include "master/LoanBook.h"
#include "net/MonotonicClock.h"
#include "plugin/PluginHost.h"
#include "plugin/TaskRunner.h"
#include "Poco/Logger.h"
#include <memory>
#include <string>


namespace orchd {
namespace test {


class MasterRig
{
public:
	explicit MasterRig(const DispatchOptions& options, const std::string& logger = "MasterRig"):
		logger(Poco::Logger::get(logger)),
		plugins(this->logger),
		runner(loaded(plugins), nullptr, this->logger),
		dispatcher(directory, clock, runner, loans, options, this->logger)
	{
	}

	static PluginHost& loaded(PluginHost& host)
	{
		host.loadFolder(pluginsDir());
		return host;
	}

	Link client()
	{
		return directory.open(dispatcher, Link::CLIENT);
	}

	Link worker(const std::string& uuid, int concurrency, const std::string& owner = std::string(), const std::string& tasks = "[\"ECHO\"]", const std::vector<std::string>& certificate = {})
		/// A worker link that has sent its ALIVE (over TLS with a verified
		/// certificate of these names, if any).
	{
		Link link = directory.open(dispatcher, Link::WORKER, std::string(), certificate);
		directory.message(link, "{\"WORKER\":\"ALIVE\",\"WORKER_UUID\":\"" + uuid + "\",\"TASKS\":" + tasks + ",\"CONCURRENCY\":" + std::to_string(concurrency)
			+ (owner.empty() ? std::string() : ",\"SERVER_UUID\":\"" + owner + "\"") + "}");
		return link;
	}

	Link workerOnStore(const std::string& uuid, const std::string& storeId, int concurrency = 1, const std::string& owner = std::string())
		/// A worker link that has sent its ALIVE with STORE_ID (none if
		/// storeId is empty).
	{
		Link link = directory.open(dispatcher, Link::WORKER);
		directory.message(link, "{\"WORKER\":\"ALIVE\",\"WORKER_UUID\":\"" + uuid + "\",\"TASKS\":[\"ECHO\"],\"CONCURRENCY\":" + std::to_string(concurrency)
			+ (owner.empty() ? std::string() : ",\"SERVER_UUID\":\"" + owner + "\"")
			+ (storeId.empty() ? std::string() : ",\"STORE_ID\":\"" + storeId + "\"") + "}");
		return link;
	}

	void answer(const Link& worker, const Poco::JSON::Object& task)
		/// The worker answers a task it was sent with OK, echoing its PAYLOAD.
	{
		std::string payload = task.has("PAYLOAD") ? toText(task.get("PAYLOAD")) : std::string("null");
		directory.message(worker, "{\"STATUS\":\"OK\",\"TASK\":\"ECHO\",\"TASK_ID\":\"" + task.getValue<std::string>("TASK_ID")
			+ "\",\"ATTEMPT\":" + std::to_string(task.getValue<int>("ATTEMPT")) + ",\"PAYLOAD\":" + payload + "}");
	}

	Poco::JSON::Object::Ptr counters() const
	{
		return dispatcher.status()->getObject("counters");
	}

	Poco::Logger& logger;
	FakeDirectory directory;
	ManualClock clock;
	PluginHost plugins;
	TaskRunner runner;
	LoanBook loans;
	Dispatcher dispatcher;
};


} } // namespace orchd::test


#endif // orchd_test_MasterRig_INCLUDED

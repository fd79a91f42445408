//
// TaskRunner.h
//
// Validates and runs task requests with the loaded plugins.
//


#ifndef orchd_TaskRunner_INCLUDED
#define orchd_TaskRunner_INCLUDED


#include "orchd/AccountStore.h"
#include "plugin/PluginHost.h"
#include "Poco/JSON/Object.h"
#include "Poco/Logger.h"
#include <atomic>
#include <map>
#include <string>
#include <vector>


namespace orchd {


class TaskRunner
	/// The boundary between the daemon and plugin code: every call into a
	/// handler goes through here, and every exception a handler throws is
	/// caught here and turned into a NOK result that names the problem.
	///
	/// Thread-safe (it only reads the PluginHost).
{
public:
	TaskRunner(const PluginHost& plugins, AccountStore* store, Poco::Logger& logger);
		/// store may be null on a master, which only validates.

	Poco::JSON::Object::Ptr validate(const Poco::JSON::Object& request) const;
		/// Returns null if the request is valid, else the NOK result to
		/// send back ("Missing field: TASK", "Unknown task: FOO", or the
		/// handler's own message).

	bool quick(const Poco::JSON::Object& request) const;

	std::vector<std::string> taskNames() const;
		/// The task types of the loaded plugins, sorted.

	void storeHint(const Poco::JSON::Object& request, const std::string& taskId, StoreHint& hint) const;
		/// Adds the keys and accounts the request's handler says it will
		/// use (TaskHandler::storeHint()); nothing for an unknown task or a
		/// handler that throws (a hint is only an optimisation).
		/// Whether the request's handler says it runs in microseconds
		/// without blocking (TaskHandler::quick()); true for an unknown
		/// task (answered at once), false for a handler that throws.

	Poco::JSON::Object::Ptr run(const Poco::JSON::Object& request, const std::string& taskId, int attempt, const std::atomic<bool>& cancelled, AccountStore* store = nullptr) const;
		/// Validates and executes a request and returns its result, which
		/// always carries STATUS, TASK and TASK_ID. The handler sees store
		/// if given (a caller's open batch), else the runner's store.

	const PluginHost& plugins() const;
		/// The host whose handlers this runner calls (its status).

	static Poco::JSON::Object::Ptr failure(const std::string& task, const Poco::Exception& exc);
		/// The NOK result for a task that could not be run because of exc.

private:
	Poco::JSON::Object::Ptr execute(TaskHandler& handler, const Poco::JSON::Object& request, const std::string& taskId, int attempt, const std::atomic<bool>& cancelled, AccountStore* store) const;

	Poco::Logger& taskLogger(const std::string& task) const;

	const PluginHost& _plugins;
	AccountStore* _store;
	Poco::Logger& _logger;
	std::map<std::string, Poco::Logger*> _taskLoggers;  // filled once: Logger::get() takes a global lock
};


} // namespace orchd


#endif // orchd_TaskRunner_INCLUDED

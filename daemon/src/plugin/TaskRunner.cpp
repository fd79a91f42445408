//
// TaskRunner.cpp
//


#include "plugin/TaskRunner.h"
#include "orchd/Request.h"
#include "orchd/TaskContext.h"
#include "Poco/Exception.h"


namespace orchd {


namespace {


class RunContext: public TaskContext
{
public:
	RunContext(AccountStore* store, Poco::Logger& logger, const std::string& taskId, int attempt, const std::atomic<bool>& cancelled):
		_store(store),
		_logger(logger),
		_taskId(taskId),
		_attempt(attempt),
		_cancelled(cancelled)
	{
	}

	AccountStore& store() override
	{
		if (!_store) throw Poco::IllegalStateException("No account store on this node");
		return *_store;
	}

	Poco::Logger& logger() override
	{
		return _logger;
	}

	const std::string& taskId() const override
	{
		return _taskId;
	}

	int attempt() const override
	{
		return _attempt;
	}

	bool cancelled() const override
	{
		return _cancelled.load(std::memory_order_relaxed);
	}

private:
	AccountStore* _store;
	Poco::Logger& _logger;
	const std::string& _taskId;
	int _attempt;
	const std::atomic<bool>& _cancelled;
};


std::string taskName(const Poco::JSON::Object& request)
{
	if (request.has("TASK") && request.get("TASK").isString()) return request.getValue<std::string>("TASK");
	return std::string();
}


} // namespace


Poco::JSON::Object::Ptr TaskRunner::failure(const std::string& task, const Poco::Exception& exc)
{
	Poco::JSON::Object::Ptr result = Result::nok(task, exc.message().empty() ? exc.displayText() : exc.message());
	if (exc.nested()) result->set("DETAIL", exc.nested()->message());
	return result;
}


std::vector<std::string> TaskRunner::taskNames() const
{
	return _plugins.taskNames();
}


TaskRunner::TaskRunner(const PluginHost& plugins, AccountStore* store, Poco::Logger& logger):
	_plugins(plugins),
	_store(store),
	_logger(logger)
{
	for (const auto& task: plugins.taskNames()) _taskLoggers[task] = &Poco::Logger::get(_logger.name() + ".task." + task);
}


const PluginHost& TaskRunner::plugins() const
{
	return _plugins;
}


Poco::Logger& TaskRunner::taskLogger(const std::string& task) const
{
	// The map holds the tasks loaded at start; one loaded since is looked
	// up each time (Logger::get() takes a global lock).
	auto it = _taskLoggers.find(task);
	return it != _taskLoggers.end() ? *it->second : Poco::Logger::get(_logger.name() + ".task." + task);
}


Poco::JSON::Object::Ptr TaskRunner::validate(const Poco::JSON::Object& request) const
{
	if (!request.has("TASK")) return Result::nok("", "Missing field: TASK");
	std::string task = taskName(request);
	if (task.empty()) return Result::nok("", "Field TASK must be a non-empty string");
	TaskHandler* handler = _plugins.find(task);
	if (!handler) return Result::nok(task, "Unknown task: " + task);
	try
	{
		handler->validate(request);
	}
	catch (Poco::Exception& exc)
	{
		return failure(task, exc);
	}
	catch (std::exception& exc)
	{
		_logger.error("plugin validate() of %s threw a non-Poco exception: %s", task, std::string(exc.what()));
		return Result::nok(task, std::string("Invalid request: ") + exc.what());
	}
	return nullptr;
}


bool TaskRunner::quick(const Poco::JSON::Object& request) const
{
	TaskHandler* handler = _plugins.find(taskName(request));
	if (!handler) return true;  // answered at once with "Unknown task"
	try
	{
		return handler->quick(request);
	}
	catch (...)
	{
		return false;  // invalid, say: validate() on an executor names the problem
	}
}


void TaskRunner::storeHint(const Poco::JSON::Object& request, const std::string& taskId, StoreHint& hint) const
{
	TaskHandler* handler = _plugins.find(taskName(request));
	if (!handler) return;
	try
	{
		handler->storeHint(request, taskId, hint);
	}
	catch (Poco::Exception& exc)
	{
		// Only speed is lost: the task's own run names the problem.
		_logger.debug("storeHint() of %s threw: %s", handler->name(), exc.displayText());
	}
	catch (std::exception& exc)
	{
		_logger.debug("storeHint() of %s threw: %s", handler->name(), std::string(exc.what()));
	}
}


Poco::JSON::Object::Ptr TaskRunner::run(const Poco::JSON::Object& request, const std::string& taskId, int attempt, const std::atomic<bool>& cancelled, AccountStore* store) const
{
	Poco::JSON::Object::Ptr result = validate(request);
	if (!result) result = execute(*_plugins.find(taskName(request)), request, taskId, attempt, cancelled, store ? store : _store);
	if (!result->has("TASK")) result->set("TASK", taskName(request));
	result->set("TASK_ID", taskId);
	return result;
}


Poco::JSON::Object::Ptr TaskRunner::execute(TaskHandler& handler, const Poco::JSON::Object& request, const std::string& taskId, int attempt, const std::atomic<bool>& cancelled, AccountStore* store) const
{
	const std::string task = handler.name();
	Poco::Logger& logger = taskLogger(task);
	RunContext context(store, logger, taskId, attempt, cancelled);
	try
	{
		Poco::JSON::Object::Ptr result = handler.execute(context, request);
		if (!result) return Result::nok(task, "Plugin returned no result");
		if (!result->has("STATUS")) result->set("STATUS", "OK");
		return result;
	}
	catch (Poco::Exception& exc)
	{
		_logger.error("task %s (%s, attempt %d) failed: %s", task, taskId, attempt, exc.displayText());
		return failure(task, exc);
	}
	catch (std::exception& exc)
	{
		_logger.error("task %s (%s, attempt %d) failed: %s", task, taskId, attempt, std::string(exc.what()));
		return Result::nok(task, std::string("Task failed: ") + exc.what());
	}
}


} // namespace orchd

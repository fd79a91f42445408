//
// TaskContext.h
//
// What a task handler sees of the process that runs it.
//


#ifndef orchd_TaskContext_INCLUDED
#define orchd_TaskContext_INCLUDED


#include "orchd/AccountStore.h"
#include "Poco/Logger.h"
#include <string>


namespace orchd {


class TaskContext
	/// The narrow view of the host given to TaskHandler::execute() for the
	/// duration of one call. It is owned by the host and must not be kept
	/// after execute() returns.
{
public:
	virtual ~TaskContext() = default;

	virtual AccountStore& store() = 0;
		/// Returns the account store. Thread-safe.

	virtual Poco::Logger& logger() = 0;
		/// Returns the logger for this task type ("orchd.task.NAME").

	virtual const std::string& taskId() const = 0;
		/// Returns the id the master gave the task. It is also the
		/// idempotency key of a mutating task without IDEMPOTENCY_KEY.

	virtual int attempt() const = 0;
		/// Returns the attempt number, 1 for the first dispatch.

	virtual bool cancelled() const = 0;
		/// Returns true once the host wants the task abandoned (lease
		/// expired, shutdown). Long-running handlers poll it.
};


} // namespace orchd


#endif // orchd_TaskContext_INCLUDED

//
// TaskHandler.h
//
// The abstract task handler that plugins implement.
//


#ifndef orchd_TaskHandler_INCLUDED
#define orchd_TaskHandler_INCLUDED


#include "orchd/TaskContext.h"
#include "Poco/JSON/Object.h"
#include <string>
#include <vector>


namespace orchd {


class TaskHandler
	/// Runs one task type, named by the request's "TASK" field.
	///
	/// A plugin library exports one TaskHandler subclass per task type in
	/// its Poco::ClassLoader manifest (see PluginApi.h). The host creates
	/// one instance of each class and shares it between threads: validate()
	/// and execute() may be called concurrently and must not keep mutable
	/// state outside the TaskContext (or guard it themselves).
	///
	/// Errors cross the plugin boundary only as Poco::Exception subclasses,
	/// whose type information lives in libPocoFoundation and is therefore
	/// shared by the host and every plugin.
{
public:
	virtual ~TaskHandler() = default;

	virtual std::string name() const = 0;
		/// Returns the task type this handler runs, in upper case
		/// ("QUERY", "ECHO"). Must be unique among all loaded plugins.

	virtual std::string description() const = 0;
		/// Returns a one-line description for `orchctl tasks` and the
		/// status API.

	virtual void validate(const Poco::JSON::Object& request) const = 0;
		/// Checks the request's fields before it is queued (the master
		/// calls this). Throws Poco::InvalidArgumentException (or another
		/// Poco::Exception) whose message names the problem, e.g.
		/// "Missing field: USER" or "Invalid amount". Must not touch the
		/// store: the master may have none.

	virtual bool quick(const Poco::JSON::Object& request) const
		/// Returns true if this request (already validated) completes in
		/// microseconds: no I/O but the account store, no sleeping. The
		/// worker then runs it on a connection thread, between reads,
		/// and saves two thread switches per task; its store operations
		/// join the store's shared transaction, committed together with
		/// those of the other quick tasks run with it (of every link of
		/// the process) before any of their results is sent. If that
		/// commit fails, nothing of it is applied and its tasks run again,
		/// each committed on its own, so that only the task at fault
		/// answers NOK ("the store could not commit: " and the store's
		/// message).
		/// A handler that says so and then blocks stalls its worker's link
		/// for that long. The default, false, runs every request on an
		/// executor thread, its store operations committed by the store's
		/// writer thread.
	{
		(void) request;
		return false;
	}

	virtual void storeHint(const Poco::JSON::Object& request, const std::string& taskId, StoreHint& hint) const
		/// Adds to hint what execute() will use of the store for this
		/// (validated, quick) request: the idempotency keys, the accounts
		/// it may change (hint.accounts) and those it only reads
		/// (hint.reads: a QUERY's). A worker on PostgreSQL or MariaDB
		/// fetches those of a whole round of quick tasks in one round trip
		/// before it runs them, the reads without a lock. Optional: a
		/// missing or wrong hint costs speed, never correctness. Nothing by
		/// default.
	{
		(void) request;
		(void) taskId;
		(void) hint;
	}

	virtual Poco::JSON::Object::Ptr execute(TaskContext& context, const Poco::JSON::Object& request) = 0;
		/// Runs the task (the worker calls this, after validate()) and
		/// returns the result object. A business failure ("User not
		/// found") is a result with "STATUS":"NOK" and an "ERROR"; a thrown
		/// Poco::Exception means the task could not be run at all (the
		/// store is unreachable) and is reported as NOK by the host.
		///
		/// The host adds "TASK" and "TASK_ID" to the result if the handler
		/// did not.
};


} // namespace orchd


#endif // orchd_TaskHandler_INCLUDED

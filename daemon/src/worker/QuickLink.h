//
// QuickLink.h
//
// What the QuickRunner needs of a link whose quick tasks it runs.
//


#ifndef orchd_QuickLink_INCLUDED
#define orchd_QuickLink_INCLUDED


#include "orchd/AccountStore.h"
#include "orchd/TaskHandler.h"
#include "Poco/JSON/Object.h"
#include <string>
#include <vector>


namespace orchd {


class QuickLink
	/// The narrow view of a worker link (WorkerNode) that the QuickRunner
	/// holds: run one of the link's tasks, and hand the link its results.
	/// The QuickRunner calls both on whichever link thread runs the round,
	/// which is often not the link's own: implementations must be safe to
	/// call from any thread.
{
public:
	virtual std::string runTask(const Poco::JSON::Object& request, const std::string& taskId, int attempt, AccountStore* store) = 0;
		/// Runs the task against store (the QuickRunner's batch, or null
		/// for the link's default store) and returns the text of its
		/// result, ready to send. Never throws for a task that fails: that
		/// is a NOK result.

	virtual void storeHint(const Poco::JSON::Object& request, const std::string& taskId, StoreHint& hint) = 0;
		/// Adds what the task will use of the store (TaskRunner::storeHint()).

	virtual void report(std::vector<std::string>& results) = 0;
		/// Takes results to send (and empties the vector); called once
		/// their store operations are committed. Each result counts as
		/// running for the link until it is reported.

protected:
	~QuickLink() = default;
		/// Not owned through this interface.
};


} // namespace orchd


#endif // orchd_QuickLink_INCLUDED

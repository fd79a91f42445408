//
// GroupCommitter.h
//
// Commits a group of quick tasks' store operations, then reports their
// results: at once, or on a thread of its own while the next group runs.
//


#ifndef orchd_GroupCommitter_INCLUDED
#define orchd_GroupCommitter_INCLUDED


#include "metrics/Histogram.h"
#include "store/AccountDatabase.h"
#include "worker/QuickJob.h"
#include "Poco/Logger.h"
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>


namespace orchd {


class GroupCommitter
	/// The QuickRunner's commits. commit() commits a group on the caller's
	/// thread; if the commit fails, nothing of it is applied (no key
	/// recorded), so its tasks run again there, each committed on its own,
	/// and only the one at fault answers NOK. Then every result goes to its
	/// link, one report per link.
	///
	/// hand() gives a group to a thread of its own instead (a networked
	/// store, where a commit is a round trip and a flush on the database
	/// server): the runner's next round runs on its other batch meanwhile.
	/// The runner sends the COMMIT before it hands the batch
	/// (AccountBatch::sendCommit()), so that it leaves without waiting for
	/// this thread to wake; this thread waits for its answer.
	/// The database keeps the two apart: the next round's reads of the
	/// accounts this group changed (SELECT ... FOR UPDATE) wait for its
	/// COMMIT and then see it, and a key it records is seen as taken.
	/// There, the tasks of a failed commit are handed back to the runner
	/// (requeue, marked alone) rather than run on this thread, which would
	/// wait for the row locks of a round that waits for this thread.
	///
	/// Thread-safe for one runner thread at a time.
{
public:
	using Requeue = std::function<void(std::vector<QuickJob>& jobs)>;

	GroupCommitter(Poco::Logger& logger, Requeue requeue);
		/// requeue takes the tasks of a handed group whose commit failed.

	~GroupCommitter();
		/// Finishes the group handed, if any, and stops the thread.

	void commit(AccountBatch* batch, std::vector<QuickResult>& group, std::size_t stored);
		/// Commits batch (null: no store) and reports the group's results
		/// (and empties it). stored: how many of them have store
		/// operations.

	void hand(AccountBatch& batch, std::vector<QuickResult>& group, std::size_t stored);
		/// Waits until the group handed before is reported, then hands
		/// this one (and empties it) to the thread, which commits batch
		/// and reports. batch is the thread's until drain() or the next
		/// hand() returns.

	void drain();
		/// Waits until the group handed is reported.

	static std::string runAlone(const QuickJob& job, AccountBatch& batch, Poco::Logger& logger);
		/// Runs a task and commits it on its own; its result, or a NOK
		/// result that says why the commit failed.

	const Histogram& commitMicros() const;
		/// How long each group commit took (µs), failed ones included.

	const Histogram& commitSizes() const;
		/// How many tasks with store operations each group commit that
		/// succeeded carried.

private:
	bool commitGroup(AccountBatch& batch, std::vector<QuickResult>& group, std::size_t stored);
		/// Commits; false if the commit failed (the results at fault are
		/// marked by an empty text).
	void report(std::vector<QuickResult>& group);
	void loop();

	Poco::Logger& _logger;
	Requeue _requeue;
	Histogram _commitMicros;
	Histogram _commitSizes;

	std::mutex _mutex;
	std::condition_variable _changed;
	bool _busy = false;                 // a group is handed and not yet reported
	bool _stop = false;
	AccountBatch* _batch = nullptr;     // the handed group's
	std::vector<QuickResult> _group;    // the handed group
	std::size_t _stored = 0;
	std::thread _thread;                // started by the first hand()
};


} // namespace orchd


#endif // orchd_GroupCommitter_INCLUDED

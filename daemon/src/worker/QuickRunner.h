//
// QuickRunner.h
//
// Runs the quick tasks of every link of a worker process, one thread at a
// time, committing their store operations together.
//


#ifndef orchd_QuickRunner_INCLUDED
#define orchd_QuickRunner_INCLUDED


#include "metrics/Histogram.h"
#include "store/AccountDatabase.h"
#include "worker/GroupCommitter.h"
#include "worker/QuickJob.h"
#include "Poco/JSON/Object.h"
#include "Poco/Logger.h"
#include <memory>
#include <mutex>
#include <string>
#include <vector>


namespace orchd {


class QuickRunner
	/// The quick tasks (TaskHandler::quick()) of all the links of one
	/// process (worker.links), run by flat combining: a link thread that has
	/// read a burst queues its tasks and, if no other link thread is
	/// running tasks, runs one round: everything queued, its own and what
	/// the others queued; else it goes back to reading at once, and the
	/// running thread's next round (or the next link to come by) takes its
	/// tasks. So one thread at a time runs tasks and uses the store, with
	/// no lock handed over per operation, and the links' store tasks share
	/// commits.
	///
	/// Store operations go through an AccountBatch; they are committed
	/// every commitEvery store tasks and at the end of a round, and only
	/// then are their results handed to their link's QuickLink::report().
	/// If a commit fails, the tasks with an operation in it (nothing of
	/// which is applied) run again, each committed on its own, so that only
	/// the one at fault answers NOK ("the store could not commit: ..." with
	/// the database's message).
	///
	/// On a networked store (a batch that fetches ahead) there are two
	/// batches, on two connections: the running thread sends a group's
	/// COMMIT (AccountBatch::sendCommit()) and hands the batch to the
	/// GroupCommitter's thread, which waits for the answer and reports,
	/// and the next round runs on the other batch while the database makes
	/// it durable (see GroupCommitter for why the database keeps the two
	/// apart). On SQLite, one batch, committed by the
	/// running thread.
	///
	/// Thread-safe. Must outlive the links that use it. The thread that
	/// runs a round owns the batch and the round's jobs and results.
{
public:
	using Job = QuickJob;

	QuickRunner(AccountDatabase* store, std::size_t commitEvery, Poco::Logger& logger);
		/// store may be null (no store: tasks that need one fail).

	~QuickRunner();

	void run(std::vector<Job>& jobs, bool wait = false);
		/// Queues jobs (and empties the vector), then, unless another
		/// thread is running, runs one round: everything queued, its
		/// results committed (or handed for commit) and reported. A thread
		/// runs one round at a time, so it goes back to reading its own
		/// link in between; what is queued meanwhile waits for the next
		/// round of any link (waiting() tells a link to look again soon).
		/// With wait, waits for the running thread and runs until the queue
		/// is empty and every result is reported (a link that stops).
		/// Every job's link counts it running until its result is reported.

	bool waiting();
		/// Whether jobs are queued.

	const Histogram& commitMicros() const;
		/// How long each group commit of the store took (µs), failed
		/// ones included. Thread-safe.

	const Histogram& commitSizes() const;
		/// How many tasks with store operations each group commit that
		/// succeeded carried. Thread-safe.

private:
	bool runRound();
		/// Runs what is queued; false if nothing was.
	bool takeLate();
		/// Adds the jobs queued since the round began to it, while its
		/// commit group is open on a networked store; false if none.
	void runAlone(Job& job);
		/// A task whose group commit failed: run and committed on its own,
		/// its result reported at once.
	void commit();
		/// Commits (or hands) the results gathered, and reports them.
	void hint(std::size_t from);
		/// Tells the batch the keys and accounts of the next commit's worth
		/// of jobs, from the round's job at from: a networked store fetches
		/// them all in one round trip.

	std::unique_ptr<AccountBatch> _batches[2];
	AccountBatch* _batch = nullptr;  // the runner's: the batch the round runs on
	bool _overlap = false;           // two batches, commits handed to the committer
	std::size_t _commitEvery;
	Poco::Logger& _logger;

	std::mutex _queueMutex;
	std::vector<Job> _queue;
	std::mutex _runMutex;            // held by the thread that runs
	std::vector<Job> _round;         // the runner's: the jobs of the current round
	bool _hinted = false;            // the runner's: the open commit group's jobs were hinted
	StoreHint _hint;                 // the runner's: a hint being gathered
	std::vector<QuickResult> _done;  // the runner's: results not yet committed
	std::size_t _stored = 0;         // the runner's: results in _done with store operations
	GroupCommitter _committer;       // last: stopped before the batches go
};


} // namespace orchd


#endif // orchd_QuickRunner_INCLUDED

//
// ResultOutbox.h
//
// Results waiting to go to the master, written in batches.
//


#ifndef orchd_ResultOutbox_INCLUDED
#define orchd_ResultOutbox_INCLUDED


#include <atomic>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <vector>


namespace orchd {


class ResultOutbox
	/// Batches the results of one link: any thread queues results, and
	/// whichever thread is not already sending writes everything queued
	/// in one call of the send function (one system call on the link), then
	/// looks again until nothing is left. So under load, results that are
	/// finished while a write is under way go out together in the next one,
	/// and no thread waits for another's write.
	///
	/// After each write the sending thread calls the finished function with
	/// the number of results it held and whether they were sent: a result
	/// counts as finished only once it has left (or is lost with the link),
	/// so that whoever waits for the tasks in flight (a drain, a move) can
	/// drop the link only after their results are out.
	///
	/// Adds no allocation per result beyond the queue's own growth: the
	/// buffers of the queue and of the batch being written are swapped and
	/// keep their capacity.
	///
	/// Thread-safe. send and finished are called by one thread at a time,
	/// never with the outbox's lock held (so they may block, and finished
	/// may take the caller's locks).
{
public:
	using Send = std::function<bool(const std::vector<std::string>& texts)>;
		/// Writes the texts in one call; false if it could not (no link,
		/// or it broke: the callee logs why). Must not throw.
	using Finished = std::function<void(std::size_t count, bool sent)>;
		/// Called after each write, by the thread that wrote.

	ResultOutbox(Send send, Finished finished);

	ResultOutbox(const ResultOutbox&) = delete;
	ResultOutbox& operator = (const ResultOutbox&) = delete;

	void report(std::vector<std::string>& results);
		/// Queues the results (and empties the vector); unless another
		/// thread is sending, sends everything queued, in batches, until
		/// nothing is left.

	void report(std::string&& result);
		/// The same for one result (an executor's), without a vector.

	std::size_t sent() const;
		/// Results written so far.

	std::size_t lost() const;
		/// Results whose write failed (the master re-dispatches their
		/// tasks; the store's idempotency keys make that safe).

private:
	void flush(std::unique_lock<std::mutex>& lock);
		/// Sends until the queue is empty; with the lock held, not sending.

	Send _send;
	Finished _finished;
	std::mutex _mutex;
	std::vector<std::string> _queue;   // under _mutex
	bool _sending = false;             // under _mutex: a thread is in flush()
	std::vector<std::string> _batch;   // the sending thread's: the results being written
	std::atomic<std::size_t> _sent{0};
	std::atomic<std::size_t> _lost{0};
};


} // namespace orchd


#endif // orchd_ResultOutbox_INCLUDED

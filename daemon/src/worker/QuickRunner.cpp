//
// QuickRunner.cpp
//


#include "worker/QuickRunner.h"
#include <algorithm>


namespace orchd {


QuickRunner::QuickRunner(AccountDatabase* store, std::size_t commitEvery, Poco::Logger& logger):
	_commitEvery(commitEvery > 0 ? commitEvery : 1),
	_logger(logger),
	_committer(logger, [this](std::vector<Job>& again)
		{
			std::lock_guard<std::mutex> lock(_queueMutex);
			for (auto& job: again) _queue.push_back(std::move(job));
		})
{
	if (!store) return;
	_batches[0] = store->batch();
	_overlap = _batches[0]->fetchesAhead();
	if (_overlap) _batches[1] = store->batch();
	_batch = _batches[0].get();
}


QuickRunner::~QuickRunner() = default;


void QuickRunner::run(std::vector<Job>& jobs, bool wait)
{
	if (!jobs.empty())
	{
		std::lock_guard<std::mutex> lock(_queueMutex);
		if (_queue.empty()) _queue.swap(jobs);
		else for (auto& job: jobs) _queue.push_back(std::move(job));
		jobs.clear();
	}
	if (wait)
	{
		std::lock_guard<std::mutex> lock(_runMutex);
		// A handed group whose commit failed queues its tasks again.
		do
		{
			while (runRound())
			{
			}
			_committer.drain();
		}
		while (waiting());
		return;
	}
	std::unique_lock<std::mutex> lock(_runMutex, std::try_to_lock);
	if (!lock.owns_lock()) return;  // the running thread's next round, or the next link's, takes them
	runRound();
}


bool QuickRunner::waiting()
{
	std::lock_guard<std::mutex> lock(_queueMutex);
	return !_queue.empty();
}


bool QuickRunner::runRound()
{
	_round.clear();
	{
		std::lock_guard<std::mutex> lock(_queueMutex);
		_round.swap(_queue);
	}
	if (_round.empty()) return false;
	// First the tasks of a failed commit, each on its own, while the batch
	// holds nothing else.
	for (auto& job: _round)
	{
		if (job.alone) runAlone(job);
	}
	std::size_t i = 0;
	do
	{
		for (; i < _round.size(); ++i)
		{
			Job& job = _round[i];
			if (job.alone) continue;
			if (_batch && !_hinted && _batch->fetchesAhead()) hint(i);
			std::size_t first = _batch ? _batch->pending() : 0;
			std::string text = job.link->runTask(*job.request, job.taskId, job.attempt, _batch);
			std::size_t end = _batch ? _batch->pending() : 0;
			_done.push_back(QuickResult{std::move(job), std::move(text), first, end});
			if (end != first && ++_stored >= _commitEvery) commit();
		}
	}
	while (takeLate());
	commit();
	return true;
}


bool QuickRunner::takeLate()
{
	// Only while a commit group is open on a networked store: the tasks
	// that came while its reads waited for the last group's COMMIT join
	// it (one more fetch, of accounts it mostly holds already) rather
	// than open a round that would wait for this group's COMMIT in turn.
	// Bounded by a group's size, so that a stream of tasks without store
	// operations cannot hold the open group back.
	if (!_overlap || _stored == 0 || _round.size() >= _commitEvery) return false;
	std::lock_guard<std::mutex> lock(_queueMutex);
	std::size_t from = _round.size();
	for (auto& job: _queue)
	{
		if (job.alone) return false;  // those run first, on an empty batch
	}
	for (auto& job: _queue) _round.push_back(std::move(job));
	_queue.clear();
	_hinted = false;
	return _round.size() > from;
}


void QuickRunner::runAlone(Job& job)
{
	std::vector<std::string> result{GroupCommitter::runAlone(job, *_batch, _logger)};
	job.link->report(result);
}


void QuickRunner::hint(std::size_t from)
{
	_hint.keys.clear();
	_hint.accounts.clear();
	_hint.reads.clear();
	std::size_t end = std::min(_round.size(), from + _commitEvery);
	for (std::size_t i = from; i < end; ++i)
	{
		if (!_round[i].alone) _round[i].link->storeHint(*_round[i].request, _round[i].taskId, _hint);
	}
	_batch->prefetch(_hint);
	_hinted = true;
}


void QuickRunner::commit()
{
	_hinted = false;
	if (_done.empty()) return;
	if (_overlap && _stored > 0)
	{
		// The COMMIT leaves now, not when the committer's thread wakes.
		_batch->sendCommit();
		_committer.hand(*_batch, _done, _stored);
		_batch = _batch == _batches[0].get() ? _batches[1].get() : _batches[0].get();
	}
	else _committer.commit(_stored > 0 ? _batch : nullptr, _done, _stored);
	_stored = 0;
}


const Histogram& QuickRunner::commitMicros() const
{
	return _committer.commitMicros();
}


const Histogram& QuickRunner::commitSizes() const
{
	return _committer.commitSizes();
}


} // namespace orchd

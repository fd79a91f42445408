//
// QuickRunner.cpp
//


#include "worker/QuickRunner.h"
#include "plugin/TaskRunner.h"
#include "json/JsonScan.h"
#include <algorithm>
#include <chrono>
#include <map>


namespace orchd {


namespace {


std::uint64_t microsSince(std::chrono::steady_clock::time_point start)
{
	return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start).count());
}


} // namespace


QuickRunner::QuickRunner(AccountDatabase* store, std::size_t commitEvery, Poco::Logger& logger):
	_commitEvery(commitEvery > 0 ? commitEvery : 1),
	_logger(logger),
	_commitMicros(Histogram::latencyBoundsMicros()),
	_commitSizes(Histogram::sizeBounds())
{
	if (store) _batch = store->batch();
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
		while (runRound())
		{
		}
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
	for (std::size_t i = 0; i < _round.size(); ++i)
	{
		const Job& job = _round[i];
		if (_batch && !_hinted && _batch->fetchesAhead()) hint(i);
		std::size_t first = _batch ? _batch->pending() : 0;
		std::string text = job.link->runTask(*job.request, job.taskId, job.attempt, _batch.get());
		std::size_t end = _batch ? _batch->pending() : 0;
		_done.push_back(Done{job.link, std::move(text), end != first ? &job : nullptr, first, end});
		if (end != first && ++_stored >= _commitEvery) commit();
	}
	commit();  // before the jobs its results point to are cleared
	return true;
}


void QuickRunner::hint(std::size_t from)
{
	_keys.clear();
	_accounts.clear();
	std::size_t end = std::min(_round.size(), from + _commitEvery);
	for (std::size_t i = from; i < end; ++i) _round[i].link->storeHint(*_round[i].request, _round[i].taskId, _keys, _accounts);
	_batch->prefetch(_keys, _accounts);
	_hinted = true;
}


void QuickRunner::commit()
{
	_hinted = false;
	if (_done.empty()) return;
	if (_batch && _stored > 0)
	{
		std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
		try
		{
			_batch->commit();
			_commitMicros.observe(microsSince(start));
			_commitSizes.observe(_stored);
		}
		catch (Poco::Exception& exc)
		{
			_commitMicros.observe(microsSince(start));
			_logger.warning("the store could not commit %z task(s) together: %s; committing them one by one", _stored, exc.displayText());
			// Like the writer thread's batches: nothing of the failed
			// commit is applied (no key recorded), so its tasks run again,
			// each in a commit of its own, and only the one at fault fails.
			// The tasks of the batch that another commit took stand.
			std::vector<Done*> again;
			for (auto& done: _done)
			{
				bool failed = false;
				for (std::size_t i = done.firstOperation; done.job && i < done.endOperation && !failed; ++i) failed = !_batch->failure(i).empty();
				if (failed) again.push_back(&done);
			}
			for (Done* done: again) done->text = runAlone(*done->job);
		}
	}
	_stored = 0;
	// One report per link, in the order run.
	std::map<QuickLink*, std::vector<std::string>> byLink;
	for (auto& done: _done) byLink[done.link].push_back(std::move(done.text));
	_done.clear();
	for (auto& results: byLink) results.first->report(results.second);
}


std::string QuickRunner::runAlone(const Job& job)
{
	std::string text = job.link->runTask(*job.request, job.taskId, job.attempt, _batch.get());
	try
	{
		_batch->commit();
		return text;
	}
	catch (Poco::Exception& exc)
	{
		_logger.error("the store could not commit task %s (%s): %s", job.task, job.taskId, exc.displayText());
		Poco::JSON::Object::Ptr result = TaskRunner::failure(job.task, exc);
		result->set("TASK_ID", job.taskId);
		result->set("ATTEMPT", job.attempt);
		return JsonScan::write(*result);
	}
}


const Histogram& QuickRunner::commitMicros() const
{
	return _commitMicros;
}


const Histogram& QuickRunner::commitSizes() const
{
	return _commitSizes;
}


} // namespace orchd

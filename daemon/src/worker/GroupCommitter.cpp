//
// GroupCommitter.cpp
//


#include "worker/GroupCommitter.h"
#include "plugin/TaskRunner.h"
#include "json/JsonScan.h"
#include <chrono>
#include <map>


namespace orchd {


GroupCommitter::GroupCommitter(Poco::Logger& logger, Requeue requeue):
	_logger(logger),
	_requeue(std::move(requeue)),
	_commitMicros(Histogram::latencyBoundsMicros()),
	_commitSizes(Histogram::sizeBounds())
{
}


GroupCommitter::~GroupCommitter()
{
	{
		std::lock_guard<std::mutex> lock(_mutex);
		_stop = true;
	}
	_changed.notify_all();
	if (_thread.joinable()) _thread.join();
}


void GroupCommitter::commit(AccountBatch* batch, std::vector<QuickResult>& group, std::size_t stored)
{
	if (batch && stored > 0 && !commitGroup(*batch, group, stored))
	{
		for (auto& result: group)
		{
			if (result.text.empty()) result.text = runAlone(result.job, *batch, _logger);
		}
	}
	report(group);
}


void GroupCommitter::hand(AccountBatch& batch, std::vector<QuickResult>& group, std::size_t stored)
{
	std::unique_lock<std::mutex> lock(_mutex);
	if (!_thread.joinable()) _thread = std::thread(&GroupCommitter::loop, this);
	_changed.wait(lock, [this] { return !_busy; });
	_group.swap(group);
	group.clear();
	_batch = &batch;
	_stored = stored;
	_busy = true;
	_changed.notify_all();
}


void GroupCommitter::drain()
{
	std::unique_lock<std::mutex> lock(_mutex);
	_changed.wait(lock, [this] { return !_busy; });
}


void GroupCommitter::loop()
{
	std::unique_lock<std::mutex> lock(_mutex);
	for (;;)
	{
		_changed.wait(lock, [this] { return _busy || _stop; });
		if (!_busy) return;
		lock.unlock();
		// _group and _batch are this thread's while _busy.
		std::vector<QuickJob> again;
		if (!commitGroup(*_batch, _group, _stored))
		{
			std::vector<QuickResult> kept;
			for (auto& result: _group)
			{
				if (!result.text.empty()) kept.push_back(std::move(result));
				else
				{
					again.push_back(std::move(result.job));
					again.back().alone = true;
				}
			}
			_group.swap(kept);
		}
		try
		{
			report(_group);
			if (!again.empty()) _requeue(again);
		}
		catch (std::exception& exc)
		{
			// A link's report (a send) threw: that link's results are lost
			// with it, as on a broken link; the next group goes on.
			_logger.error("reporting a group commit's results failed: %s", std::string(exc.what()));
			_group.clear();
		}
		lock.lock();
		_busy = false;
		_changed.notify_all();
	}
}


bool GroupCommitter::commitGroup(AccountBatch& batch, std::vector<QuickResult>& group, std::size_t stored)
{
	std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
	auto micros = [&start] { return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start).count()); };
	std::string why;
	bool known = true;  // the batch says which operations failed
	try
	{
		batch.commit();
		_commitMicros.observe(micros());
		_commitSizes.observe(stored);
		return true;
	}
	catch (Poco::Exception& exc)
	{
		why = exc.displayText();
	}
	catch (std::exception& exc)
	{
		// Not the store's own failure: whether anything was applied is
		// unknown, so every task with an operation runs again, and its
		// idempotency key replays what was.
		why = exc.what();
		known = false;
	}
	{
		_commitMicros.observe(micros());
		_logger.warning("the store could not commit %z task(s) together: %s; committing them one by one", stored, why);
		// Nothing of the failed commit is applied (no key recorded). The
		// tasks with an operation in it run again; the tasks of an earlier
		// transaction of the batch (one a conflict made it commit) stand.
		for (auto& result: group)
		{
			bool failed = !known && result.stored();
			for (std::size_t i = result.firstOperation; i < result.endOperation && !failed; ++i) failed = !batch.failure(i).empty();
			if (failed) result.text.clear();
		}
		return false;
	}
}


void GroupCommitter::report(std::vector<QuickResult>& group)
{
	// One report per link, in the order run.
	std::map<QuickLink*, std::vector<std::string>> byLink;
	for (auto& result: group) byLink[result.job.link].push_back(std::move(result.text));
	group.clear();
	for (auto& results: byLink) results.first->report(results.second);
}


std::string GroupCommitter::runAlone(const QuickJob& job, AccountBatch& batch, Poco::Logger& logger)
{
	std::string text = job.link->runTask(*job.request, job.taskId, job.attempt, &batch);
	try
	{
		batch.commit();
		return text;
	}
	catch (Poco::Exception& exc)
	{
		logger.error("the store could not commit task %s (%s): %s", job.task, job.taskId, exc.displayText());
		Poco::JSON::Object::Ptr result = TaskRunner::failure(job.task, exc);
		result->set("TASK_ID", job.taskId);
		result->set("ATTEMPT", job.attempt);
		return JsonScan::write(*result);
	}
}


const Histogram& GroupCommitter::commitMicros() const
{
	return _commitMicros;
}


const Histogram& GroupCommitter::commitSizes() const
{
	return _commitSizes;
}


} // namespace orchd

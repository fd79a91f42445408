//
// FakeQuickLink.h
//
// A QuickLink for tests: runs its tasks with the real TaskRunner and
// records what it is given, and on which thread.
//


#ifndef orchd_test_FakeQuickLink_INCLUDED
#define orchd_test_FakeQuickLink_INCLUDED


#include "worker/QuickLink.h"
#include "json/JsonScan.h"
#include "plugin/TaskRunner.h"
#include <atomic>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>


namespace orchd {
namespace test {


class FakeLink: public QuickLink
	/// A link that runs its tasks with the real TaskRunner and records what
	/// it is given, and on which thread.
{
public:
	using Hook = std::function<void(const std::vector<std::string>& results)>;

	explicit FakeLink(const TaskRunner& runner):
		_runner(runner)
	{
	}

	std::string runTask(const Poco::JSON::Object& request, const std::string& taskId, int attempt, AccountStore* store) override
	{
		{
			std::lock_guard<std::mutex> lock(_mutex);
			ranOn.push_back(std::this_thread::get_id());
		}
		if (beforeRun)
		{
			auto hook = std::move(beforeRun);
			beforeRun = nullptr;
			hook();
		}
		std::atomic<bool> notCancelled(false);
		Poco::JSON::Object::Ptr result = _runner.run(request, taskId, attempt, notCancelled, store);
		result->set("ATTEMPT", attempt);
		return JsonScan::write(*result);
	}

	void storeHint(const Poco::JSON::Object& request, const std::string& taskId, StoreHint& hint) override
	{
		_runner.storeHint(request, taskId, hint);
	}

	void report(std::vector<std::string>& results) override
	{
		if (onReport) onReport(results);
		std::lock_guard<std::mutex> lock(_mutex);
		reports.push_back(results);
		results.clear();
	}

	std::vector<std::string> all() const
	{
		std::vector<std::string> texts;
		for (const auto& report: reports) texts.insert(texts.end(), report.begin(), report.end());
		return texts;
	}

	std::function<void()> beforeRun;      // once, in the next runTask
	Hook onReport;                        // before a report is recorded
	std::vector<std::thread::id> ranOn;
	std::vector<std::vector<std::string>> reports;

private:
	const TaskRunner& _runner;
	std::mutex _mutex;
};


} } // namespace orchd::test


#endif // orchd_test_FakeQuickLink_INCLUDED

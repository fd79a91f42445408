//
// TestTaskContext.h
//
// The plugin test kit: a TaskContext for calling a handler's execute() in
// a plugin's own unit tests.
//


#ifndef orchd_testing_TestTaskContext_INCLUDED
#define orchd_testing_TestTaskContext_INCLUDED


#include "orchd/TaskContext.h"
#include "orchd/testing/MemoryAccountStore.h"
#include "Poco/Logger.h"
#include <atomic>
#include <string>


namespace orchd {
namespace testing {


class TestTaskContext: public TaskContext
	/// What the host gives execute(), set by the test: a MemoryAccountStore
	/// (its own, or one the test passes), the task id (also the idempotency
	/// key of a request without IDEMPOTENCY_KEY), the attempt number, and
	/// a cancellation flag the test can raise.
	///
	///     orchd::testing::TestTaskContext context;
	///     context.accounts().setBalance("alice", 1000);
	///     auto result = handler.execute(context, *request);
{
public:
	explicit TestTaskContext(const std::string& taskId = "test-1", int attempt = 1):
		_store(&_own),
		_taskId(taskId),
		_attempt(attempt)
	{
	}

	TestTaskContext(MemoryAccountStore& store, const std::string& taskId, int attempt = 1):
		_store(&store),
		_taskId(taskId),
		_attempt(attempt)
	{
	}

	AccountStore& store() override
	{
		return *_store;
	}

	Poco::Logger& logger() override
	{
		return Poco::Logger::get("orchd.task.test");
	}

	const std::string& taskId() const override
	{
		return _taskId;
	}

	int attempt() const override
	{
		return _attempt;
	}

	bool cancelled() const override
	{
		return _cancelled;
	}

	MemoryAccountStore& accounts()
		/// The store, with its test helpers.
	{
		return *_store;
	}

	void cancel()
		/// From now on cancelled() is true, as when a lease expires.
	{
		_cancelled = true;
	}

private:
	MemoryAccountStore _own;
	MemoryAccountStore* _store;
	std::string _taskId;
	int _attempt;
	std::atomic<bool> _cancelled{false};
};


} } // namespace orchd::testing


#endif // orchd_testing_TestTaskContext_INCLUDED

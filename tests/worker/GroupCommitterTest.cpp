//
// GroupCommitterTest.cpp
//
// A commit that fails with something other than the store's own exception
// (a std::exception from deeper down): whether anything was applied is
// unknown, so every task with a store operation runs again (its key would
// replay what was), and the process goes on. The batch here injects that
// fault; the store's own failures are tested on real stores
// (QuickRunnerTest, OverlappedCommitTest).
//


#include "worker/GroupCommitter.h"
#include <cppunit/extensions/HelperMacros.h>
#include <stdexcept>


using namespace orchd;


namespace {


class FaultyBatch: public AccountBatch
	/// Counts operations; its first commit throws std::runtime_error.
{
public:
	AccountResult open(const std::string&, const std::string&, Poco::Int64) override { return operation(); }
	AccountResult query(const std::string&) override { return AccountResult(); }
	AccountResult update(const std::string&, const std::string&, Poco::Int64) override { return operation(); }
	AccountResult transfer(const std::string&, const std::string&, const std::string&, Poco::Int64) override { return operation(); }
	AccountResult close(const std::string&, const std::string&) override { return operation(); }

	void commit() override
	{
		_pending = 0;
		if (commits++ == 0) throw std::runtime_error("injected");
	}

	std::size_t pending() const override { return _pending; }

	const std::string& failure(std::size_t) const override
	{
		static const std::string none;
		return none;  // the store did not say: the committer must not trust it
	}

	int commits = 0;

private:
	AccountResult operation()
	{
		++_pending;
		return AccountResult();
	}

	std::size_t _pending = 0;
};


class CountingLink: public QuickLink
{
public:
	std::string runTask(const Poco::JSON::Object&, const std::string& taskId, int, AccountStore* store) override
	{
		++runs;
		store->update("k-" + taskId, "alice", 1);
		return "again-" + taskId;
	}

	void storeHint(const Poco::JSON::Object&, const std::string&, StoreHint&) override
	{
	}

	void report(std::vector<std::string>& results) override
	{
		reported.insert(reported.end(), results.begin(), results.end());
		results.clear();
	}

	int runs = 0;
	std::vector<std::string> reported;
};


} // namespace


class GroupCommitterTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(GroupCommitterTest);
	CPPUNIT_TEST(testUnknownCommitFailureRunsStoredTasksAgain);
	CPPUNIT_TEST_SUITE_END();

public:
	void testUnknownCommitFailureRunsStoredTasksAgain()
	{
		FaultyBatch batch;
		CountingLink link;
		GroupCommitter committer(Poco::Logger::get("GroupCommitterTest"), [](std::vector<QuickJob>&) {});
		Poco::JSON::Object::Ptr request = new Poco::JSON::Object;
		batch.update("k-u1", "alice", 1);
		std::vector<QuickResult> group{
			QuickResult{QuickJob{&link, request, "UPDATE", "u1", 1}, "first-u1", 0, 1},
			QuickResult{QuickJob{&link, request, "ECHO", "e1", 1}, "first-e1", 1, 1}};
		committer.commit(&batch, group, 1);
		// The update ran again, alone, and was committed; the echo (no
		// operation) stands as it was.
		CPPUNIT_ASSERT_EQUAL(1, link.runs);
		CPPUNIT_ASSERT_EQUAL(2, batch.commits);
		CPPUNIT_ASSERT(link.reported == std::vector<std::string>({"again-u1", "first-e1"}));
	}
};


CPPUNIT_TEST_SUITE_REGISTRATION(GroupCommitterTest);

//
// StoreSuite.h
//
// One suite of account store semantics, run against every backend:
// SQLite, PostgreSQL and MariaDB (StoreBackendsTest.cpp). The same rules
// must hold on each: exact cents, idempotency in the same transaction,
// refusals recorded, atomic transfers that cannot deadlock, conflicts
// retried inside the store, group commit, pruning, schema versions and the
// store id.
//


#ifndef orchd_test_StoreSuite_INCLUDED
#define orchd_test_StoreSuite_INCLUDED


#include "store/AccountDatabase.h"
#include "store/SteppedClock.h"
#include <cppunit/extensions/HelperMacros.h>
#include <memory>
#include <string>


namespace orchd {
namespace test {


class StoreSuite: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(StoreSuite);
	CPPUNIT_TEST(testExactCents);
	CPPUNIT_TEST(testReplayAndKeyConflict);
	CPPUNIT_TEST(testRefusalsRecorded);
	CPPUNIT_TEST(testTransfer);
	CPPUNIT_TEST(testClose);
	CPPUNIT_TEST(testCloseInABatch);
	CPPUNIT_TEST(testOppositeTransfersConcurrently);
	CPPUNIT_TEST(testSameKeyRacingAppliedOnce);
	CPPUNIT_TEST(testBatchCommitsTogether);
	CPPUNIT_TEST(testBatchesConflicting);
	CPPUNIT_TEST(testBatchFetchedAhead);
	CPPUNIT_TEST(testBatchReadsAhead);
	CPPUNIT_TEST(testPruning);
	CPPUNIT_TEST(testClockStepPrunesNothing);
	CPPUNIT_TEST(testNodeClockBehindPrunesNothing);
	CPPUNIT_TEST(testStoreIdAndMigration);
	CPPUNIT_TEST(testNewerSchemaRefused);
	CPPUNIT_TEST_SUITE_END_ABSTRACT();

public:
	void setUp() override;
	void tearDown() override;

	void testExactCents();
	void testReplayAndKeyConflict();
	void testRefusalsRecorded();
	void testTransfer();
	void testClose();
	void testCloseInABatch();
	void testOppositeTransfersConcurrently();
	void testSameKeyRacingAppliedOnce();
	void testBatchCommitsTogether();
	void testBatchesConflicting();
	void testBatchFetchedAhead();
	void testBatchReadsAhead();
	void testPruning();
	void testClockStepPrunesNothing();
	void testNodeClockBehindPrunesNothing();
	void testStoreIdAndMigration();
	void testNewerSchemaRefused();

protected:
	virtual StoreOptions options() = 0;
		/// The backend's store options, on an empty database.

	virtual void clean() = 0;
		/// Empties the database (drops orchd's tables).

	virtual void exec(const std::string& sql) = 0;
		/// Runs a statement on the database, outside the store.

	std::unique_ptr<AccountDatabase> openStore();

	SteppedClock _clock;  // before _store: it outlives a store that reads it
	std::unique_ptr<AccountDatabase> _store;
};


} } // namespace orchd::test


#endif // orchd_test_StoreSuite_INCLUDED

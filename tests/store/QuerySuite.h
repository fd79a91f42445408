//
// QuerySuite.h
//
// AccountStore::prepare() and select() run against every backend: SQLite,
// PostgreSQL and MariaDB (QueryBackendsTest.cpp). Each must bind values by
// name and never splice them, type columns alike (exact integers beyond
// 2^53, NULL), cap the rows, let its database refuse writes, and run beside
// a batch's open transaction without joining it.
//


#ifndef orchd_test_QuerySuite_INCLUDED
#define orchd_test_QuerySuite_INCLUDED


#include "store/AccountDatabase.h"
#include <cppunit/extensions/HelperMacros.h>
#include <memory>
#include <string>


namespace orchd {
namespace test {


class QuerySuite: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(QuerySuite);
	CPPUNIT_TEST(testParametersBoundByName);
	CPPUNIT_TEST(testColumnNamesAndTypes);
	CPPUNIT_TEST(testExactIntegersBeyondDoubles);
	CPPUNIT_TEST(testRowCap);
	CPPUNIT_TEST(testWritesRefused);
	CPPUNIT_TEST(testWriteRefusedWhenRun);
	CPPUNIT_TEST(testParametersMustMatch);
	CPPUNIT_TEST(testOneStatementOnly);
	CPPUNIT_TEST(testBesideAnOpenBatch);
	CPPUNIT_TEST_SUITE_END_ABSTRACT();

public:
	void setUp() override;
	void tearDown() override;

	void testParametersBoundByName();
	void testColumnNamesAndTypes();
	void testExactIntegersBeyondDoubles();
	void testRowCap();
	void testWritesRefused();
	void testWriteRefusedWhenRun();
	void testParametersMustMatch();
	void testOneStatementOnly();
	void testBesideAnOpenBatch();

protected:
	virtual StoreOptions options() = 0;
		/// The backend's store options, on an empty database.

	virtual void clean() = 0;
		/// Empties the database (drops orchd's tables).

	virtual void exec(const std::string& sql) = 0;
		/// Runs a statement on the database, outside the store.

	std::string connector() const;

	std::unique_ptr<AccountDatabase> _store;
	std::string _connector;
};


} } // namespace orchd::test


#endif // orchd_test_QuerySuite_INCLUDED

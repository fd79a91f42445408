//
// TestBackends.h
//
// Where a per-backend suite (StoreSuite, QuerySuite) runs: SQLite on a
// temporary file, or one of the test servers that scripts/dbservers.sh
// starts. Each fills in the suite's options(), clean() and exec().
//


#ifndef orchd_test_TestBackends_INCLUDED
#define orchd_test_TestBackends_INCLUDED


#include "store/NetSchema.h"
#include "store/SqliteFile.h"
#include "store/TestDatabases.h"
#include "TestSupport.h"
#include <string>


namespace orchd {
namespace test {


template <class Suite>
class OnSqlite: public Suite
	/// The suite on a SQLite file in a temporary folder.
{
protected:
	StoreOptions options() override
	{
		StoreOptions options;
		options.connector = "sqlite";
		options.connection = _dir.file("accounts.db");
		return options;
	}

	void clean() override
	{
	}

	void exec(const std::string& sql) override
	{
		executeOn(_dir.file("accounts.db"), sql);
	}

private:
	TempDir _dir;
};


template <class Suite>
class OnServer: public Suite
	/// The suite on the test server of one connector.
{
protected:
	explicit OnServer(const std::string& connector): _connector(connector)
	{
	}

	StoreOptions options() override
	{
		return testStoreOptions(_connector);
	}

	void clean() override
	{
		NetSchema::drop(*testConnection(_connector));
	}

	void exec(const std::string& sql) override
	{
		testConnection(_connector)->query(sql);
	}

private:
	std::string _connector;
};


} } // namespace orchd::test


#endif // orchd_test_TestBackends_INCLUDED

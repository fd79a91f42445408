//
// NamedParametersTest.cpp
//
// The :name tokenizer of the networked stores, without a database: what it
// rewrites on PostgreSQL and on MariaDB, what it leaves alone (casts,
// strings, identifiers, comments) and what it refuses.
//


#include "store/NamedParameters.h"
#include "Poco/Exception.h"
#include <cppunit/extensions/HelperMacros.h>


using orchd::NamedParameters;
using orchd::NetSchema;


namespace {


std::string pg(const std::string& statement)
{
	return NamedParameters(statement, NetSchema::POSTGRESQL).text();
}


std::string maria(const std::string& statement)
{
	return NamedParameters(statement, NetSchema::MARIADB).text();
}


std::string refusal(const std::string& statement, NetSchema::Dialect dialect)
{
	try
	{
		NamedParameters parameters(statement, dialect);
		return "accepted: " + parameters.text();
	}
	catch (Poco::InvalidArgumentException& exc)
	{
		return exc.message();
	}
}


} // namespace


class NamedParametersTest: public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(NamedParametersTest);
	CPPUNIT_TEST(testRepeatedNamesKeepTheirNumber);
	CPPUNIT_TEST(testNamesNextToPunctuation);
	CPPUNIT_TEST(testCastsAndAssignments);
	CPPUNIT_TEST(testPostgresQuoting);
	CPPUNIT_TEST(testMariaQuoting);
	CPPUNIT_TEST(testComments);
	CPPUNIT_TEST(testOneStatementOnly);
	CPPUNIT_TEST(testPositionalRefused);
	CPPUNIT_TEST(testUnterminated);
	CPPUNIT_TEST(testFirstWord);
	CPPUNIT_TEST(testValuesInOrder);
	CPPUNIT_TEST_SUITE_END();

public:
	void testRepeatedNamesKeepTheirNumber()
	{
		NamedParameters p("SELECT a FROM t WHERE b BETWEEN :low AND :high OR b = :low", NetSchema::POSTGRESQL);
		CPPUNIT_ASSERT_EQUAL(std::string("SELECT a FROM t WHERE b BETWEEN $1 AND $2 OR b = $1"), p.text());
		CPPUNIT_ASSERT(p.names() == std::vector<std::string>({"low", "high"}));
		CPPUNIT_ASSERT(p.uses() == std::vector<std::size_t>({0, 1, 0}));
		NamedParameters m("SELECT a FROM t WHERE b BETWEEN :low AND :high OR b = :low", NetSchema::MARIADB);
		CPPUNIT_ASSERT_EQUAL(std::string("SELECT a FROM t WHERE b BETWEEN ? AND ? OR b = ?"), m.text());
		CPPUNIT_ASSERT(m.names() == std::vector<std::string>({"low", "high"}));
		CPPUNIT_ASSERT(m.uses() == std::vector<std::size_t>({0, 1, 0}));
	}

	void testNamesNextToPunctuation()
	{
		CPPUNIT_ASSERT_EQUAL(std::string("SELECT ($1,$2),$3+1 FROM t WHERE b<$1"), pg("SELECT (:a,:b),:c+1 FROM t WHERE b<:a"));
		CPPUNIT_ASSERT_EQUAL(std::string("VALUES (?),(?)"), maria("VALUES (:x_1),(:_y)"));
		// A name runs over letters, digits and _ only; a name glued to an
		// identifier does not make it x$1.
		CPPUNIT_ASSERT_EQUAL(std::string("SELECT $1.$2, x $1"), pg("SELECT :a.:b2, x:a"));
		CPPUNIT_ASSERT(NamedParameters("SELECT :a.:b2", NetSchema::POSTGRESQL).names() == std::vector<std::string>({"a", "b2"}));
		// A colon not followed by a letter or _ is not a parameter.
		CPPUNIT_ASSERT_EQUAL(std::string("SELECT a[1:2], ': 1'"), pg("SELECT a[1:2], ': 1'"));
	}

	void testCastsAndAssignments()
	{
		CPPUNIT_ASSERT_EQUAL(std::string("SELECT $1::bigint, x::text FROM t"), pg("SELECT :v::bigint, x::text FROM t"));
		CPPUNIT_ASSERT(NamedParameters("SELECT x::text", NetSchema::POSTGRESQL).names().empty());
		CPPUNIT_ASSERT_EQUAL(std::string("SELECT @n := ?"), maria("SELECT @n := :v"));
		// ? is PostgreSQL's jsonb operator, not a placeholder.
		CPPUNIT_ASSERT_EQUAL(std::string("SELECT doc ? 'k' FROM t"), pg("SELECT doc ? 'k' FROM t"));
	}

	void testPostgresQuoting()
	{
		CPPUNIT_ASSERT_EQUAL(std::string("SELECT 'it''s :no', \":nor\"\"\", $1"), pg("SELECT 'it''s :no', \":nor\"\"\", :yes"));
		// A backslash ends nothing in a standard string, but escapes in E'...'.
		CPPUNIT_ASSERT_EQUAL(std::string("SELECT '\\', $1"), pg("SELECT '\\', :a"));
		CPPUNIT_ASSERT_EQUAL(std::string("SELECT E'\\' :no', $1"), pg("SELECT E'\\' :no', :a"));
		CPPUNIT_ASSERT_EQUAL(std::string("SELECT $$ :no ' $$, $q$ $$ :no $q$, $1"), pg("SELECT $$ :no ' $$, $q$ $$ :no $q$, :a"));
		// $ inside an identifier is no quote.
		CPPUNIT_ASSERT_EQUAL(std::string("SELECT a$b$c, $1"), pg("SELECT a$b$c, :a"));
		// Backticks mean nothing to PostgreSQL.
		CPPUNIT_ASSERT_EQUAL(std::string("SELECT `$1`"), pg("SELECT `:a`"));
	}

	void testMariaQuoting()
	{
		CPPUNIT_ASSERT_EQUAL(std::string("SELECT 'it\\'s :no', \"a\\\" :no\", `col:no``x`, ?"), maria("SELECT 'it\\'s :no', \"a\\\" :no\", `col:no``x`, :yes"));
		CPPUNIT_ASSERT_EQUAL(std::string("SELECT 'a'':no', ?"), maria("SELECT 'a'':no', :b"));
		// Dollars quote nothing on MariaDB.
		CPPUNIT_ASSERT_EQUAL(std::string("SELECT $$ ?"), maria("SELECT $$ :a"));
	}

	void testComments()
	{
		CPPUNIT_ASSERT_EQUAL(std::string("SELECT 1 -- :no ; DROP\n, $1 /* :no ; */"), pg("SELECT 1 -- :no ; DROP\n, :a /* :no ; */"));
		// PostgreSQL's block comments nest; MariaDB's do not.
		CPPUNIT_ASSERT_EQUAL(std::string("SELECT /* /* :no */ :no */ $1"), pg("SELECT /* /* :no */ :no */ :a"));
		CPPUNIT_ASSERT_EQUAL(std::string("SELECT /* /* :no */ ?"), maria("SELECT /* /* :no */ :a"));
		CPPUNIT_ASSERT_EQUAL(std::string("SELECT 1 # :no\n, ?"), maria("SELECT 1 # :no\n, :a"));
		// MariaDB: -- is a comment only before a space; 1--1 is arithmetic.
		CPPUNIT_ASSERT_EQUAL(std::string("SELECT 1--?"), maria("SELECT 1--:a"));
		CPPUNIT_ASSERT_EQUAL(std::string("SELECT 1-- :no"), maria("SELECT 1-- :no"));
	}

	void testOneStatementOnly()
	{
		CPPUNIT_ASSERT_EQUAL(std::string("SELECT $1 "), pg("SELECT :a ; ; -- done\n /* really */ "));
		CPPUNIT_ASSERT_EQUAL(std::string("SELECT ';' "), maria("SELECT ';' ;"));
		std::string more = "more than one statement (one read-only statement only)";
		CPPUNIT_ASSERT_EQUAL(more, refusal("SELECT 1; DELETE FROM accounts", NetSchema::POSTGRESQL));
		CPPUNIT_ASSERT_EQUAL(more, refusal("SELECT 1;SELECT 2", NetSchema::MARIADB));
		CPPUNIT_ASSERT_EQUAL(more, refusal("SELECT 1; # c\n UPDATE t SET a = 1", NetSchema::MARIADB));
	}

	void testPositionalRefused()
	{
		CPPUNIT_ASSERT_EQUAL(std::string("parameter $1: use :name parameters"), refusal("SELECT a FROM t WHERE b < $1", NetSchema::POSTGRESQL));
		CPPUNIT_ASSERT_EQUAL(std::string("parameter $12: use :name parameters"), refusal("SELECT $12", NetSchema::POSTGRESQL));
		CPPUNIT_ASSERT_EQUAL(std::string("parameter ?: use :name parameters"), refusal("SELECT a FROM t WHERE b < ?", NetSchema::MARIADB));
		CPPUNIT_ASSERT_EQUAL(std::string("accepted: SELECT '?', `?`"), refusal("SELECT '?', `?`", NetSchema::MARIADB));
	}

	void testUnterminated()
	{
		CPPUNIT_ASSERT_EQUAL(std::string("an unterminated string (')"), refusal("SELECT 'abc", NetSchema::POSTGRESQL));
		CPPUNIT_ASSERT_EQUAL(std::string("an unterminated string (')"), refusal("SELECT 'ab\\'", NetSchema::MARIADB));
		CPPUNIT_ASSERT_EQUAL(std::string("an unterminated quoted identifier (\")"), refusal("SELECT \"abc", NetSchema::POSTGRESQL));
		CPPUNIT_ASSERT_EQUAL(std::string("an unterminated quoted identifier (`)"), refusal("SELECT `abc", NetSchema::MARIADB));
		CPPUNIT_ASSERT_EQUAL(std::string("an unterminated /* comment"), refusal("SELECT 1 /* /* */", NetSchema::POSTGRESQL));
		CPPUNIT_ASSERT_EQUAL(std::string("an unterminated dollar-quoted string ($x$)"), refusal("SELECT $x$ abc $y$", NetSchema::POSTGRESQL));
	}

	void testFirstWord()
	{
		NamedParameters with(" -- why\n /* a */ with x AS (SELECT 1) SELECT * FROM x", NetSchema::POSTGRESQL);
		CPPUNIT_ASSERT_EQUAL(std::string("WITH"), with.firstWord());
		CPPUNIT_ASSERT_NO_THROW(NamedParameters::requireQuery(with.firstWord()));
		CPPUNIT_ASSERT_NO_THROW(NamedParameters::requireQuery(NamedParameters("# c\nValues (1)", NetSchema::MARIADB).firstWord()));
		CPPUNIT_ASSERT_THROW(NamedParameters::requireQuery(NamedParameters("UPDATE t SET a = 1", NetSchema::MARIADB).firstWord()), Poco::InvalidArgumentException);
		CPPUNIT_ASSERT_THROW(NamedParameters::requireQuery(NamedParameters("SELECTED", NetSchema::POSTGRESQL).firstWord()), Poco::InvalidArgumentException);
		// Not the first word of code: nothing.
		CPPUNIT_ASSERT_EQUAL(std::string(), NamedParameters("(SELECT 1)", NetSchema::POSTGRESQL).firstWord());
		CPPUNIT_ASSERT_EQUAL(std::string(), NamedParameters("'x' SELECT", NetSchema::POSTGRESQL).firstWord());
	}

	void testValuesInOrder()
	{
		NamedParameters p("SELECT :b, :a, :b", NetSchema::POSTGRESQL);
		std::map<std::string, Poco::Dynamic::Var> values = {{"a", Poco::Int64(1)}, {"b", std::string("x")}};
		std::vector<Poco::Dynamic::Var> ordered = p.valuesInOrder(values);
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), ordered.size());
		CPPUNIT_ASSERT_EQUAL(std::string("x"), ordered[0].extract<std::string>());
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(1), ordered[1].extract<Poco::Int64>());
		values["c"] = 2.5;
		CPPUNIT_ASSERT_THROW(p.valuesInOrder(values), Poco::InvalidArgumentException);
		values.erase("c");
		values.erase("a");
		CPPUNIT_ASSERT_THROW(p.valuesInOrder(values), Poco::InvalidArgumentException);
		values["a"] = Poco::Dynamic::Var();
		CPPUNIT_ASSERT_THROW(p.valuesInOrder(values), Poco::InvalidArgumentException);
	}
};


CPPUNIT_TEST_SUITE_REGISTRATION(NamedParametersTest);

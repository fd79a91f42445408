//
// NamedParameters.h
//
// The :name parameters of one SQL statement, rewritten into a networked
// database's own placeholders.
//


#ifndef orchd_NamedParameters_INCLUDED
#define orchd_NamedParameters_INCLUDED


#include "store/NetSchema.h"
#include "Poco/Dynamic/Var.h"
#include <cstddef>
#include <map>
#include <string>
#include <vector>


namespace orchd {


class NamedParameters
	/// Reads a statement as the dialect's lexer would, only as far as
	/// telling code from what is not: single-quoted strings ('' escapes;
	/// PostgreSQL's E'...' and all of MariaDB's also take backslash
	/// escapes), quoted identifiers (PostgreSQL "...", MariaDB `...`;
	/// MariaDB's "..." is a string), PostgreSQL's dollar-quoted strings
	/// ($$...$$, $tag$...$tag$), -- and /* */ comments (nested on
	/// PostgreSQL; MariaDB's -- needs a space after it, and # is one too).
	///
	/// In code, a colon followed by a letter or _ starts a parameter name
	/// ([A-Za-z0-9_]*); :: (a PostgreSQL cast) and := are not parameters.
	/// Each parameter becomes $n on PostgreSQL (a repeated name keeps its
	/// number) or ? on MariaDB (one per use: see uses()). A top-level ;
	/// may only end the statement (then it is dropped from text()).
	///
	/// Pure: no database is asked. Copyable and immutable once built.
{
public:
	NamedParameters(const std::string& statement, NetSchema::Dialect dialect);
		/// Throws Poco::InvalidArgumentException saying why it cannot be
		/// read: more than one statement, an unterminated string, quoted
		/// identifier or comment, or a positional parameter ($1 on
		/// PostgreSQL, ? on MariaDB: only :name parameters are allowed).

	const std::string& text() const;
		/// The statement with the dialect's placeholders, without a
		/// trailing ; (comments and strings as they were).

	const std::vector<std::string>& names() const;
		/// The parameters, without the colon, each once, in order of first
		/// use.

	const std::vector<std::size_t>& uses() const;
		/// For each placeholder in text(), in order, its index in names().

	const std::string& firstWord() const;
		/// The statement's first word of code, in upper case ("SELECT").

	static void requireQuery(const std::string& firstWord);
		/// Throws Poco::InvalidArgumentException ("not a query") unless
		/// firstWord (upper case) is SELECT, WITH or VALUES: the one check
		/// of every store's prepare(), SQLite's included.

	std::vector<Poco::Dynamic::Var> valuesInOrder(const std::map<std::string, Poco::Dynamic::Var>& values) const;
		/// The values of names(), in their order. Throws
		/// Poco::InvalidArgumentException for a value given that the
		/// statement does not use, a parameter without a value, or a value
		/// other than an integer, a number or a string.

private:
	void addParameter(const std::string& name);

	NetSchema::Dialect _dialect;
	std::string _text;
	std::vector<std::string> _names;
	std::vector<std::size_t> _uses;
	std::string _firstWord;
};


} // namespace orchd


#endif // orchd_NamedParameters_INCLUDED

//
// QueryValue.h
//
// How the networked stores type a value of a query's result.
//


#ifndef orchd_QueryValue_INCLUDED
#define orchd_QueryValue_INCLUDED


#include "Poco/Dynamic/Var.h"
#include <string>


namespace orchd {


class QueryValue
	/// The conversions PgQuery and MariaQuery share, so that a statement
	/// answers the same types on both. Stateless.
{
public:
	static Poco::Dynamic::Var integer(const std::string& text);
		/// An integer column's value as a Poco::Int64; one beyond its range
		/// (a MariaDB BIGINT UNSIGNED) as its text, never rounded.

	static Poco::Dynamic::Var decimal(const std::string& text);
		/// An exact decimal's value (PostgreSQL numeric, MariaDB DECIMAL:
		/// what SUM() of a BIGINT gives): a Poco::Int64 if it is a whole
		/// number within range (no decimal point), else its text, exact
		/// ("12.50"), never a binary double.

	static Poco::Dynamic::Var real(const std::string& text);
		/// A floating-point column's value as a double.
};


} // namespace orchd


#endif // orchd_QueryValue_INCLUDED

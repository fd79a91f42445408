//
// Money.h
//
// Exact parsing and formatting of amounts in integer cents.
//


#ifndef orchd_Money_INCLUDED
#define orchd_Money_INCLUDED


#include "Poco/Dynamic/Var.h"
#include "Poco/Types.h"
#include <string>


namespace orchd {


class Money
	/// Converts between wire amounts and integer cents. Amounts are never
	/// held in a binary floating-point type: a JSON number that the parser
	/// gave as a double is turned back into its shortest decimal text and
	/// parsed as such, so 99.99 is 9999 cents and 1.005 is refused.
	///
	/// All functions are thread-safe.
{
public:
	static constexpr Poco::Int64 MAX_CENTS = 9000000000000000LL;
		/// The largest magnitude of an amount or balance (9e15 cents).

	static constexpr double EXACT_DOUBLE_LIMIT = 7.0e13;
		/// A JSON number with a fraction arrives as a double; at or beyond
		/// this magnitude (in units) doubles cannot tell cents apart, so
		/// such amounts must be sent as integers or decimal strings.

	static bool tryParse(const Poco::Dynamic::Var& value, Poco::Int64& cents, std::string& reason);
		/// Parses a JSON number or a decimal string with at most two
		/// decimals ("12", "-12.5", "0.05") into cents. Returns false and
		/// sets reason ("more than two decimals", "not a number", ...) for
		/// anything else: three decimals, NaN, infinities, booleans, empty
		/// strings, strings with an exponent ("1e2"), JSON numbers with a
		/// fraction at or beyond EXACT_DOUBLE_LIMIT, and magnitudes beyond
		/// MAX_CENTS. A JSON number written with an exponent is judged by
		/// its value: 1e2 is 100.00, 1.5e-3 is refused.

	static Poco::Int64 parse(const Poco::Dynamic::Var& value);
		/// Like tryParse(), but throws Poco::InvalidArgumentException with
		/// the message "Invalid amount" and the reason as nested exception.

	static std::string format(Poco::Int64 cents);
		/// Returns the amount as a decimal with two places: "99.99", "-0.05".

	static Poco::Dynamic::Var toJson(Poco::Int64 cents);
		/// Returns the amount as a JSON value that Poco's JSON writer prints
		/// as an exact number with two decimals: 99.99, 100.00, -0.05 (see
		/// Amount below). No binary floating point is involved.

	static bool parseDecimal(const std::string& text, Poco::Int64& cents, std::string& reason);
		/// The strict decimal-text parser behind tryParse().
};


struct Amount
	/// An amount held in a Poco::Dynamic::Var (see Money::toJson()). Poco's
	/// JSON Stringifier writes a value that is neither a string nor a
	/// number with its convert<std::string>(), unquoted, which is the exact
	/// decimal text.
{
	Poco::Int64 cents = 0;
};


} // namespace orchd


namespace Poco {
namespace Dynamic {


template <>
class VarHolderImpl<orchd::Amount>: public VarHolder
	/// Lets a Var hold an orchd::Amount: converts to its exact decimal text,
	/// to a double (for readers that want one) and to integer cents.
{
public:
	explicit VarHolderImpl(const orchd::Amount& value):
		_value(value)
	{
	}

	const std::type_info& type() const override
	{
		return typeid(orchd::Amount);
	}

	void convert(std::string& text) const override
	{
		text = orchd::Money::format(_value.cents);
	}

	void convert(double& value) const override
	{
		value = static_cast<double>(_value.cents) / 100.0;
	}

	VarHolder* clone(Placeholder<VarHolder>* holder = nullptr) const override
	{
		return cloneHolder(holder, _value);
	}

	const orchd::Amount& value() const
	{
		return _value;
	}

private:
	orchd::Amount _value;
};


} } // namespace Poco::Dynamic


#endif // orchd_Money_INCLUDED

//
// AccountRules.h
//
// What OPEN, UPDATE and TRANSFER do to the accounts, and the idempotency
// rule around each of them.
//


#ifndef orchd_AccountRules_INCLUDED
#define orchd_AccountRules_INCLUDED


#include "orchd/AccountStore.h"
#include "Poco/Types.h"
#include <functional>
#include <string>


namespace orchd {


class RuleStatements;


class AccountRules
	/// The account rules, apart from how and when their transaction is
	/// committed (the writer thread and the shared transaction both apply
	/// them, see WriterThread and SharedTransaction).
	///
	/// A mutating request becomes a Mutation: its fingerprint (what the
	/// idempotency key is checked against) and an operation on
	/// RuleStatements (any backend). apply() runs it under the idempotency rule of
	/// AccountStore: a recorded key with the same fingerprint replays the
	/// recorded outcome, with another fingerprint it is KEY_CONFLICT, and
	/// otherwise the operation runs and its outcome, refusals included, is
	/// recorded with the key.
	///
	/// Stateless; thread-safe as far as the RuleStatements passed in are.
{
public:
	using Operation = std::function<AccountResult(RuleStatements&)>;
		/// One operation on the accounts, in a transaction the caller opened.

	struct Mutation
		/// A mutating request as the store commits it.
	{
		std::string fingerprint;  /// the request, for the idempotency check
		Operation operation;      /// what it does; refers to the request's names
		const std::string* rows[2] = {nullptr, nullptr};
			/// The accounts the operation reads, in lock (name) order, so
			/// that a networked backend fetches (and locks) them together
			/// with the key check, in one round trip.
	};

	static Mutation open(const std::string& user, Poco::Int64 cents);
		/// OPEN of user with an initial balance: ALREADY_EXISTS if it does.
		/// Throws Poco::InvalidArgumentException unless 0 <= cents <=
		/// Money::MAX_CENTS. The operation refers to user, which must
		/// outlive it.

	static Mutation update(const std::string& user, Poco::Int64 deltaCents);
		/// UPDATE of user's balance by a signed amount: NOT_FOUND,
		/// INSUFFICIENT_FUNDS below zero, LIMIT_EXCEEDED beyond
		/// Money::MAX_CENTS. Throws Poco::InvalidArgumentException for an
		/// amount beyond ±Money::MAX_CENTS. The operation refers to user.

	static Mutation transfer(const std::string& from, const std::string& to, Poco::Int64 cents);
		/// TRANSFER of a positive amount: SAME_ACCOUNT, NOT_FOUND (naming
		/// the missing account), INSUFFICIENT_FUNDS, LIMIT_EXCEEDED. Throws
		/// Poco::InvalidArgumentException unless 0 < cents <=
		/// Money::MAX_CENTS. The operation refers to from and to.

	static Mutation close(const std::string& user);
		/// CLOSE of user: NOT_FOUND if there is no such account; balance is
		/// what it held. The operation refers to user.

	static AccountResult apply(RuleStatements& writer, const std::string& key, const Mutation& mutation);
		/// Runs the mutation under its idempotency key, in the transaction
		/// open on writer, and records the key with the outcome. Throws
		/// Poco::Data::DataException if a statement fails (the caller then
		/// undoes what the transaction holds of it).

	static AccountResult refuse(AccountResult::Outcome outcome, const std::string& missing = std::string());
		/// A refusal: that outcome, nothing changed.
};


} // namespace orchd


#endif // orchd_AccountRules_INCLUDED

//
// FetchedRows.h
//
// What a networked store's connection fetched ahead in its open
// transaction: idempotency records and (locked) balances.
//


#ifndef orchd_FetchedRows_INCLUDED
#define orchd_FetchedRows_INCLUDED


#include "store/RuleStatements.h"
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>


namespace orchd {


class FetchedRows
	/// The rows a PgStatements or MariaStatements fetched ahead of the
	/// statements that need them: a commit's worth of keys and accounts
	/// (NetStatements::prefetchRound()), and the one or two accounts of the
	/// operation being run (RuleStatements::prefetch()). The accounts are
	/// locked by the transaction (FOR UPDATE), so what is held stays true
	/// until it ends; this transaction's own writes keep it current.
	///
	/// Owned by one connection; used by one thread at a time.
{
public:
	void expect(const std::vector<std::string>& keys, const std::vector<std::string>& accounts);
		/// A round fetch is under way: every key and account is absent
		/// until its row arrives (found()).

	void foundKey(const std::string& key, KeyRecord record);
	void foundAccount(const std::string& user, Poco::Int64 balance);
		/// A row of the round fetch.

	void fetchedOne(int slot, const std::string& user, bool found, Poco::Int64 balance);
		/// The answer to the operation's own read ahead (slot 0 or 1).

	bool key(const std::string& key, KeyRecord& record, bool& found) const;
		/// Whether the key was fetched; if so, found says whether it has a
		/// record (copied into record).

	bool balance(const std::string& user, Poco::Int64& balance, bool& found);
		/// Whether the account was fetched (a round's, or the operation's
		/// own, which is used once); if so, found says whether it exists.

	bool held(const std::string& user, Poco::Int64& balance) const;
		/// Whether the round fetch holds the account and it exists (its
		/// row locked); if so, balance is what it has in this transaction,
		/// which is what a plain read in it would see. (An account fetched
		/// as missing is not locked: another node may open it since.)

	bool holds(const std::string& user) const;
		/// Whether the round fetch holds the account (its read is not
		/// needed again).

	void recorded(const std::string& key, const KeyRecord& record);
	void wrote(const std::string& user, Poco::Int64 balance);
		/// This transaction recorded a key or wrote a balance.
	void removed(const std::string& user);
		/// This transaction deleted the account.

	void forgetOne();
		/// The operation's own reads ahead are spent.

	void forget();
		/// The transaction ended (or part of it was undone).

private:
	struct One
	{
		bool valid = false;
		std::string user;
		bool found = false;
		Poco::Int64 balance = 0;
	};

	One _one[2];
	std::unordered_map<std::string, std::pair<bool, KeyRecord>> _keys;        // found, record
	std::unordered_map<std::string, std::pair<bool, Poco::Int64>> _balances;  // found, balance
};


} // namespace orchd


#endif // orchd_FetchedRows_INCLUDED

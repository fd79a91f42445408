//
// FetchedRows.h
//
// What a networked store's connection fetched ahead in its open
// transaction: idempotency records and (locked) balances.
//


#ifndef orchd_FetchedRows_INCLUDED
#define orchd_FetchedRows_INCLUDED


#include "store/RuleStatements.h"
#include "orchd/AccountStore.h"
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
	/// until it ends; this transaction's own writes keep it current. The
	/// round's reads (StoreHint::reads) are not locked: they answer plain
	/// reads (peek()) of that round only.
	///
	/// Owned by one connection; used by one thread at a time.
{
public:
	static constexpr int KEEP_KEYS = 10;      // a read's rows are the round's key records
	static constexpr int KEEP_ACCOUNTS = 11;  // a read's rows are the round's balances, locked
	static constexpr int KEEP_READS = 12;     // a read's rows are the round's balances read without a lock
		/// What a read sent by PgStatements or MariaStatements is for
		/// (its keep); 0 and 1 are the slots of fetchedOne(), -1 nothing.

	struct Round
		/// What a round fetch asks for, each sorted and without repeats.
	{
		std::vector<std::string> accounts;  // to read and lock
		std::vector<std::string> reads;     // to read without a lock
	};

	Round expect(const StoreHint& hint);
		/// A round fetch of hint is under way: every key, account and read
		/// is absent until its row arrives (found...()). The reads are
		/// those not locked, by this round or earlier in the transaction;
		/// the reads of an earlier round are dropped (a read must be read
		/// after the task that asks for it came in).

	void foundKey(const std::string& key, KeyRecord record);
	void foundAccount(const std::string& user, Poco::Int64 balance);
	void foundRead(const std::string& user, Poco::Int64 balance);
		/// A row of the round fetch (a read: not locked).

	void fetchedOne(int slot, const std::string& user, bool found, Poco::Int64 balance);
		/// The answer to the operation's own read ahead (slot 0 or 1).

	bool key(const std::string& key, KeyRecord& record, bool& found) const;
		/// Whether the key was fetched; if so, found says whether it has a
		/// record (copied into record).

	bool balance(const std::string& user, Poco::Int64& balance, bool& found);
		/// Whether the account was fetched (a round's, or the operation's
		/// own, which is used once); if so, found says whether it exists.

	bool peek(const std::string& user, Poco::Int64& balance, bool& found) const;
		/// Whether a plain read of the account in this transaction can be
		/// answered from memory; if so, found says whether it exists. It
		/// can for an account the round holds locked, which exists (what
		/// this transaction's writes left: what the read would see), and
		/// for a read of the round (fetched without a lock, after the task
		/// that asked for it came in). Not for an account fetched locked as
		/// missing: no row was locked, and another node may open it since.

	bool holds(const std::string& user) const;
		/// Whether the round fetch holds the account (its read is not
		/// needed again).

	void recorded(const std::string& key, const KeyRecord& record);
	void wrote(const std::string& user, Poco::Int64 balance);
		/// This transaction recorded a key or wrote a balance (a read of
		/// that account is not answered from memory any more).
	void removed(const std::string& user);
		/// This transaction deleted the account (likewise).

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
	std::unordered_map<std::string, std::pair<bool, Poco::Int64>> _reads;     // found, balance: not locked
};


} // namespace orchd


#endif // orchd_FetchedRows_INCLUDED

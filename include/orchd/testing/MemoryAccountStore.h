//
// MemoryAccountStore.h
//
// The plugin test kit: an AccountStore in memory, for a plugin's own unit
// tests (no daemon, no database).
//


#ifndef orchd_testing_MemoryAccountStore_INCLUDED
#define orchd_testing_MemoryAccountStore_INCLUDED


#include "orchd/AccountStore.h"
#include "orchd/Money.h"
#include "Poco/Exception.h"
#include <map>
#include <mutex>
#include <string>


namespace orchd {
namespace testing {


class MemoryAccountStore: public AccountStore
	/// An AccountStore with the semantics of orchd's own stores (SQLite,
	/// PostgreSQL, MariaDB), kept in memory: integer cents up to
	/// Money::MAX_CENTS; each key applied once, a replay answering the first
	/// outcome with replayed set, the key reused for another request
	/// answering KEY_CONFLICT; refusals recorded like successes; TRANSFER
	/// atomic; an invalid amount throwing Poco::InvalidArgumentException.
	/// tests/plugin/TestKitTest checks it against the SQLite store.
	///
	/// Thread-safe. Header-only: link orchd::api (or pkg-config orchd).
{
public:
	AccountResult open(const std::string& key, const std::string& user, Poco::Int64 cents) override
	{
		if (cents < 0 || cents > Money::MAX_CENTS) throw Poco::InvalidArgumentException("Invalid amount", "initial balance must be 0 to 9e15 cents");
		std::lock_guard<std::mutex> lock(_mutex);
		return once(key, "OPEN|" + field(user) + std::to_string(cents), [&]
		{
			if (_balances.count(user)) return refuse(AccountResult::ALREADY_EXISTS);
			_balances[user] = cents;
			AccountResult result;
			result.balance = cents;
			return result;
		});
	}

	AccountResult query(const std::string& user) override
	{
		std::lock_guard<std::mutex> lock(_mutex);
		auto it = _balances.find(user);
		if (it == _balances.end()) return refuse(AccountResult::NOT_FOUND, user);
		AccountResult result;
		result.balance = it->second;
		return result;
	}

	AccountResult update(const std::string& key, const std::string& user, Poco::Int64 deltaCents) override
	{
		if (deltaCents > Money::MAX_CENTS || deltaCents < -Money::MAX_CENTS) throw Poco::InvalidArgumentException("Invalid amount");
		std::lock_guard<std::mutex> lock(_mutex);
		return once(key, "UPDATE|" + field(user) + std::to_string(deltaCents), [&]
		{
			auto it = _balances.find(user);
			if (it == _balances.end()) return refuse(AccountResult::NOT_FOUND, user);
			if (it->second + deltaCents < 0) return refuse(AccountResult::INSUFFICIENT_FUNDS);
			if (it->second + deltaCents > Money::MAX_CENTS) return refuse(AccountResult::LIMIT_EXCEEDED);
			it->second += deltaCents;
			AccountResult result;
			result.balance = it->second;
			return result;
		});
	}

	AccountResult transfer(const std::string& key, const std::string& from, const std::string& to, Poco::Int64 cents) override
	{
		if (cents <= 0 || cents > Money::MAX_CENTS) throw Poco::InvalidArgumentException("Invalid amount", "a transfer moves a positive amount");
		std::lock_guard<std::mutex> lock(_mutex);
		return once(key, "TRANSFER|" + field(from) + field(to) + std::to_string(cents), [&]
		{
			if (from == to) return refuse(AccountResult::SAME_ACCOUNT);
			auto sender = _balances.find(from);
			auto receiver = _balances.find(to);
			if (sender == _balances.end()) return refuse(AccountResult::NOT_FOUND, from);
			if (receiver == _balances.end()) return refuse(AccountResult::NOT_FOUND, to);
			if (sender->second < cents) return refuse(AccountResult::INSUFFICIENT_FUNDS);
			if (receiver->second + cents > Money::MAX_CENTS) return refuse(AccountResult::LIMIT_EXCEEDED);
			sender->second -= cents;
			receiver->second += cents;
			AccountResult result;
			result.balance = sender->second;
			result.toBalance = receiver->second;
			return result;
		});
	}

	AccountResult close(const std::string& key, const std::string& user) override
	{
		std::lock_guard<std::mutex> lock(_mutex);
		return once(key, "CLOSE|" + field(user), [&]
		{
			auto it = _balances.find(user);
			if (it == _balances.end()) return refuse(AccountResult::NOT_FOUND, user);
			AccountResult result;
			result.balance = it->second;
			_balances.erase(it);
			return result;
		});
	}

	void setBalance(const std::string& user, Poco::Int64 cents)
		/// Creates the account or sets its balance, with no key: a test's
		/// starting state.
	{
		std::lock_guard<std::mutex> lock(_mutex);
		_balances[user] = cents;
	}

	bool has(const std::string& user) const
	{
		std::lock_guard<std::mutex> lock(_mutex);
		return _balances.count(user) != 0;
	}

	Poco::Int64 balance(const std::string& user) const
		/// The balance, or -1 if there is no such account.
	{
		std::lock_guard<std::mutex> lock(_mutex);
		auto it = _balances.find(user);
		return it == _balances.end() ? -1 : it->second;
	}

	std::size_t keyCount() const
		/// How many idempotency keys are recorded.
	{
		std::lock_guard<std::mutex> lock(_mutex);
		return _keys.size();
	}

private:
	struct Record
	{
		std::string fingerprint;
		AccountResult result;
	};

	template <class Apply>
	AccountResult once(const std::string& key, const std::string& fingerprint, Apply apply)
	{
		auto it = _keys.find(key);
		if (it != _keys.end())
		{
			if (it->second.fingerprint != fingerprint) return refuse(AccountResult::KEY_CONFLICT);
			AccountResult replay = it->second.result;
			replay.replayed = true;
			return replay;
		}
		AccountResult result = apply();
		_keys[key] = Record{fingerprint, result};
		return result;
	}

	static std::string field(const std::string& value)
	{
		return std::to_string(value.size()) + ":" + value + "|";
	}

	static AccountResult refuse(AccountResult::Outcome outcome, const std::string& missing = std::string())
	{
		AccountResult result;
		result.outcome = outcome;
		result.missing = missing;
		return result;
	}

	mutable std::mutex _mutex;
	std::map<std::string, Poco::Int64> _balances;
	std::map<std::string, Record> _keys;
};


} } // namespace orchd::testing


#endif // orchd_testing_MemoryAccountStore_INCLUDED

//
// FetchedRows.cpp
//


#include "store/FetchedRows.h"
#include <algorithm>


namespace orchd {


FetchedRows::Round FetchedRows::expect(const StoreHint& hint)
{
	auto sorted = [](std::vector<std::string>& names)
	{
		std::sort(names.begin(), names.end());
		names.erase(std::unique(names.begin(), names.end()), names.end());
	};
	Round round;
	round.accounts = hint.accounts;
	sorted(round.accounts);
	for (const auto& user: hint.reads)
	{
		if (!_balances.count(user) && !std::binary_search(round.accounts.begin(), round.accounts.end(), user)) round.reads.push_back(user);
	}
	sorted(round.reads);
	// Only this round's reads are answered: they were read after their
	// tasks came in (a read of an earlier round may be older than a task
	// that did not hint it).
	_reads.clear();
	for (const auto& key: hint.keys) _keys[key] = std::make_pair(false, KeyRecord());
	for (const auto& user: round.accounts) _balances[user] = std::make_pair(false, Poco::Int64(0));
	for (const auto& user: round.reads) _reads[user] = std::make_pair(false, Poco::Int64(0));
	return round;
}


void FetchedRows::foundKey(const std::string& key, KeyRecord record)
{
	_keys[key] = std::make_pair(true, std::move(record));
}


void FetchedRows::foundAccount(const std::string& user, Poco::Int64 balance)
{
	_balances[user] = std::make_pair(true, balance);
}


void FetchedRows::foundRead(const std::string& user, Poco::Int64 balance)
{
	_reads[user] = std::make_pair(true, balance);
}


void FetchedRows::fetchedOne(int slot, const std::string& user, bool found, Poco::Int64 balance)
{
	One& one = _one[slot];
	one.valid = true;
	one.user = user;
	one.found = found;
	one.balance = balance;
}


bool FetchedRows::key(const std::string& key, KeyRecord& record, bool& found) const
{
	auto it = _keys.find(key);
	if (it == _keys.end()) return false;
	found = it->second.first;
	if (found) record = it->second.second;
	return true;
}


bool FetchedRows::balance(const std::string& user, Poco::Int64& balance, bool& found)
{
	auto it = _balances.find(user);
	if (it != _balances.end())
	{
		found = it->second.first;
		balance = it->second.second;
		return true;
	}
	for (One& one: _one)
	{
		if (one.valid && one.user == user)
		{
			one.valid = false;
			found = one.found;
			balance = one.balance;
			return true;
		}
	}
	return false;
}


bool FetchedRows::peek(const std::string& user, Poco::Int64& balance, bool& found) const
{
	auto held = _balances.find(user);
	if (held != _balances.end())
	{
		if (!held->second.first) return false;
		found = true;
		balance = held->second.second;
		return true;
	}
	auto read = _reads.find(user);
	if (read == _reads.end()) return false;
	found = read->second.first;
	balance = read->second.second;
	return true;
}


bool FetchedRows::holds(const std::string& user) const
{
	return _balances.count(user) > 0;
}


void FetchedRows::recorded(const std::string& key, const KeyRecord& record)
{
	// Only while a round is held: otherwise the key check asks the
	// database, which sees the record (sent before the check).
	if (!_keys.empty()) _keys[key] = std::make_pair(true, record);
}


void FetchedRows::wrote(const std::string& user, Poco::Int64 balance)
{
	auto it = _balances.find(user);
	if (it != _balances.end()) it->second = std::make_pair(true, balance);
	_reads.erase(user);
}


void FetchedRows::removed(const std::string& user)
{
	auto it = _balances.find(user);
	if (it != _balances.end()) it->second = std::make_pair(false, Poco::Int64(0));
	_reads.erase(user);
}


void FetchedRows::forgetOne()
{
	_one[0].valid = _one[1].valid = false;
}


void FetchedRows::forget()
{
	forgetOne();
	_keys.clear();
	_balances.clear();
	_reads.clear();
}


} // namespace orchd

//
// DeferredWrites.h
//
// The writes a networked store's connection holds back until its next
// round trip, folded into one statement per table.
//


#ifndef orchd_DeferredWrites_INCLUDED
#define orchd_DeferredWrites_INCLUDED


#include <cstddef>
#include <string>
#include <unordered_map>
#include <vector>


namespace orchd {


enum class DeferredWrite
	/// What a statement waiting to be sent writes.
{
	NONE,     /// anything else (a read, BEGIN, a savepoint, a new account)
	BALANCE,  /// an account's new balance; values {balance, user}
	KEY       /// an idempotency record; values {key, fingerprint, outcome, balance, to_balance, missing, created_ms}
};


template <class Entry, class KindOf, class Merge>
std::size_t coalesceWrites(std::vector<Entry>& entries, std::size_t boundary, KindOf kindOf, Merge merge)
	/// Replaces each run of two or more consecutive writes that lie on one
	/// side of boundary (all before it, or all from it on) with at most two
	/// statements: merge(DeferredWrite::BALANCE, rows) with each user's last
	/// balance, then merge(DeferredWrite::KEY, rows). rows are the values
	/// of the entries merged, in order. Returns boundary's index in the new
	/// entries.
	///
	/// Within such a run no statement reads, so the order of its writes
	/// only matters for one account, whose last balance wins; a failure of
	/// a merged statement is still an earlier operation's, or the current
	/// one's, as it was before. A group commit of N tasks then sends two
	/// write statements instead of 2N.
{
	std::vector<Entry> out;
	out.reserve(entries.size());
	std::size_t newBoundary = boundary;
	std::size_t i = 0;
	while (i < entries.size())
	{
		if (i == boundary) newBoundary = out.size();
		std::size_t end = i;
		std::size_t limit = i < boundary ? std::min(boundary, entries.size()) : entries.size();
		while (end < limit && kindOf(entries[end]) != DeferredWrite::NONE) ++end;
		if (end - i < 2)
		{
			out.push_back(std::move(entries[i]));
			++i;
			continue;
		}
		std::vector<std::vector<std::string>> balances;
		std::unordered_map<std::string, std::size_t> row;  // user -> index in balances
		std::vector<std::vector<std::string>> keys;
		for (std::size_t k = i; k < end; ++k)
		{
			if (kindOf(entries[k]) == DeferredWrite::KEY)
			{
				keys.push_back(entries[k].values);
				continue;
			}
			auto found = row.find(entries[k].values[1]);
			if (found == row.end())
			{
				row.emplace(entries[k].values[1], balances.size());
				balances.push_back(entries[k].values);
			}
			else balances[found->second] = entries[k].values;
		}
		if (!balances.empty()) out.push_back(merge(DeferredWrite::BALANCE, balances));
		if (!keys.empty()) out.push_back(merge(DeferredWrite::KEY, keys));
		i = end;
	}
	if (boundary >= entries.size()) newBoundary = out.size() + (boundary - entries.size());
	entries.swap(out);
	return newBoundary;
}


} // namespace orchd


#endif // orchd_DeferredWrites_INCLUDED

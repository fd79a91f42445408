//
// LoanBook.cpp
//


#include "master/LoanBook.h"


namespace orchd {


void LoanBook::lend(const std::string& uuid, const std::string& peer)
{
	_peers[peer].lent.insert(uuid);
}


std::string LoanBook::borrowerOf(const std::string& uuid) const
{
	for (const auto& entry: _peers)
	{
		if (entry.second.lent.count(uuid)) return entry.first;
	}
	return std::string();
}


std::string LoanBook::comeHome(const std::string& uuid)
{
	for (auto& entry: _peers)
	{
		if (entry.second.lent.erase(uuid)) return entry.first;
	}
	return std::string();
}


std::vector<std::string> LoanBook::lentTo(const std::string& peer) const
{
	auto it = _peers.find(peer);
	return it == _peers.end() ? std::vector<std::string>() : list(it->second.lent);
}


std::size_t LoanBook::lentCount() const
{
	std::size_t count = 0;
	for (const auto& entry: _peers) count += entry.second.lent.size();
	return count;
}


std::size_t LoanBook::lentCount(const std::string& peer) const
{
	auto it = _peers.find(peer);
	return it == _peers.end() ? 0 : it->second.lent.size();
}


std::vector<std::string> LoanBook::writeOff(const std::string& peer)
{
	auto it = _peers.find(peer);
	if (it == _peers.end()) return std::vector<std::string>();
	std::vector<std::string> lent = list(it->second.lent);
	it->second.lent.clear();
	return lent;
}


void LoanBook::grant(const std::string& uuid, const std::string& peer, std::int64_t deadline)
{
	Ledger& ledger = _peers[peer];
	// Already here (it arrived before the answer): nothing to await.
	if (ledger.borrowed.insert(uuid).second) ledger.awaited[uuid] = deadline;
}


void LoanBook::borrow(const std::string& uuid, const std::string& peer)
{
	Ledger& ledger = _peers[peer];
	ledger.borrowed.insert(uuid);
	ledger.awaited.erase(uuid);
}


std::vector<std::pair<std::string, std::string>> LoanBook::expireGrants(std::int64_t now)
{
	std::vector<std::pair<std::string, std::string>> expired;
	for (auto& entry: _peers)
	{
		Ledger& ledger = entry.second;
		for (auto it = ledger.awaited.begin(); it != ledger.awaited.end();)
		{
			if (it->second > now)
			{
				++it;
				continue;
			}
			expired.emplace_back(entry.first, it->first);
			ledger.borrowed.erase(it->first);
			it = ledger.awaited.erase(it);
		}
	}
	return expired;
}


void LoanBook::host(const std::string& uuid, const std::string& peer)
{
	_peers[peer].guests.insert(uuid);
}


void LoanBook::left(const std::string& uuid, const std::string& peer)
{
	auto it = _peers.find(peer);
	if (it == _peers.end()) return;
	it->second.borrowed.erase(uuid);
	it->second.awaited.erase(uuid);
	it->second.guests.erase(uuid);
}


std::vector<std::string> LoanBook::borrowed(const std::string& peer) const
{
	auto it = _peers.find(peer);
	return it == _peers.end() ? std::vector<std::string>() : list(it->second.borrowed);
}


std::vector<std::string> LoanBook::guests(const std::string& peer) const
{
	auto it = _peers.find(peer);
	return it == _peers.end() ? std::vector<std::string>() : list(it->second.guests);
}


std::size_t LoanBook::borrowedCount() const
{
	std::size_t count = 0;
	for (const auto& entry: _peers) count += entry.second.borrowed.size();
	return count;
}


void LoanBook::demote(const std::string& peer)
{
	auto it = _peers.find(peer);
	if (it == _peers.end()) return;
	Ledger& ledger = it->second;
	for (const auto& uuid: ledger.borrowed)
	{
		if (!ledger.awaited.count(uuid)) ledger.guests.insert(uuid);
	}
	ledger.borrowed.clear();
	ledger.awaited.clear();
}


void LoanBook::clearGuests(const std::string& peer)
{
	auto it = _peers.find(peer);
	if (it != _peers.end()) it->second.guests.clear();
}


void LoanBook::keepBorrowed(const std::string& peer, const std::set<std::string>& present)
{
	auto it = _peers.find(peer);
	if (it == _peers.end()) return;
	std::set<std::string>& borrowed = it->second.borrowed;
	for (auto uuid = borrowed.begin(); uuid != borrowed.end();)
	{
		if (present.count(*uuid)) ++uuid;
		else
		{
			it->second.awaited.erase(*uuid);
			uuid = borrowed.erase(uuid);
		}
	}
}


std::vector<std::string> LoanBook::list(const std::set<std::string>& set)
{
	return std::vector<std::string>(set.begin(), set.end());
}


} // namespace orchd

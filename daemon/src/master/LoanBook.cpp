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


std::size_t LoanBook::writeOff(const std::string& peer)
{
	auto it = _peers.find(peer);
	if (it == _peers.end()) return 0;
	std::size_t count = it->second.lent.size();
	it->second.lent.clear();
	return count;
}


void LoanBook::borrow(const std::string& uuid, const std::string& peer)
{
	_peers[peer].borrowed.insert(uuid);
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
	it->second.guests.insert(it->second.borrowed.begin(), it->second.borrowed.end());
	it->second.borrowed.clear();
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
		else uuid = borrowed.erase(uuid);
	}
}


std::vector<std::string> LoanBook::list(const std::set<std::string>& set)
{
	return std::vector<std::string>(set.begin(), set.end());
}


} // namespace orchd

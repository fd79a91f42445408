//
// LoanBook.h
//
// The one record of worker loans between a master and its peers.
//


#ifndef orchd_LoanBook_INCLUDED
#define orchd_LoanBook_INCLUDED


#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>


namespace orchd {


class LoanBook
	/// Which of this master's workers are lent to which peer, and which
	/// peers' workers this master hosts, as a loan (granted by WORKER_RESPONSE
	/// or announced by the worker) or as a guest (here by failover while its
	/// owner is not ALIVE). This is the only record of loans: the Federation
	/// writes it as loans are granted, returned, released and written off;
	/// the Dispatcher reads it for its load figures and status document.
	///
	/// A lent worker stays in the book after its link here closes (it now
	/// works for the peer) until it comes home or the loan is written off.
	///
	/// Owned by the MasterServer; used on the event loop's thread only.
{
public:
	void lend(const std::string& uuid, const std::string& peer);
		/// Records one of our workers as lent to peer.

	std::string borrowerOf(const std::string& uuid) const;
		/// The peer our worker is lent to, or empty.

	std::string comeHome(const std::string& uuid);
		/// Our worker is back: ends its loan and returns the peer it was
		/// lent to (empty if it was not lent).

	std::vector<std::string> lentTo(const std::string& peer) const;
		/// Our workers lent to peer.

	std::size_t lentCount() const;
		/// Our workers lent to any peer.

	std::size_t lentCount(const std::string& peer) const;

	std::vector<std::string> writeOff(const std::string& peer);
		/// Ends every loan to peer (it is DEAD, or a release timed out) and
		/// returns the workers that were lent.

	void grant(const std::string& uuid, const std::string& peer, std::int64_t deadline);
		/// Peer granted us its worker (WORKER_RESPONSE): a loan that counts
		/// as borrowed, awaited until deadline (TimeSource time) unless the
		/// worker is here already.

	void borrow(const std::string& uuid, const std::string& peer);
		/// Hosts peer's worker as a loan: it is here (no longer awaited).

	std::vector<std::pair<std::string, std::string>> expireGrants(std::int64_t now);
		/// Ends the loans granted to us whose worker has not arrived by
		/// their deadline, and returns them as (peer, worker): a grant that
		/// never arrives must not count against lb.max_borrow for ever.

	void host(const std::string& uuid, const std::string& peer);
		/// Hosts peer's worker as a guest (failover).

	void left(const std::string& uuid, const std::string& peer);
		/// Peer's worker is no longer here, loan or guest.

	std::vector<std::string> borrowed(const std::string& peer) const;
	std::vector<std::string> guests(const std::string& peer) const;

	std::size_t borrowedCount() const;
		/// Peers' workers here or awaited as loans (guests are not counted:
		/// lb.max_borrow bounds what we asked for).

	void demote(const std::string& peer);
		/// Peer is DEAD: its loans here become guests; those still awaited
		/// end.

	void clearGuests(const std::string& peer);

	void keepBorrowed(const std::string& peer, const std::set<std::string>& present);
		/// Ends the loans from peer whose worker is not among present
		/// (granted, but never arrived).

private:
	struct Ledger
	{
		std::set<std::string> lent;      // our workers lent to the peer
		std::set<std::string> borrowed;  // its workers lent to us, here or awaited
		std::map<std::string, std::int64_t> awaited;  // of borrowed, those not here yet: until when
		std::set<std::string> guests;    // its workers here by failover
	};

	static std::vector<std::string> list(const std::set<std::string>& set);

	std::map<std::string, Ledger> _peers;
};


} // namespace orchd


#endif // orchd_LoanBook_INCLUDED

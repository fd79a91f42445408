//
// MasterRoute.h
//
// Which master a worker dials next: home, a failover master, or where it
// was told to move.
//


#ifndef orchd_MasterRoute_INCLUDED
#define orchd_MasterRoute_INCLUDED


#include "net/PeerAddress.h"
#include <cstddef>
#include <memory>
#include <vector>


namespace orchd {


class MasterRoute
	/// The worker's routing between masters, as pure decisions: no sockets,
	/// no threads, no clock. The caller dials the master that next() names
	/// and tells it, on the following call, whether that attempt reached it.
	///
	///   - Home first. While home cannot be reached, the worker keeps trying
	///     it; after HOME_ATTEMPTS attempts in a row that failed it walks
	///     the failover list round-robin (worker.failover, then the masters
	///     that REDIRECTs name), one master per failed home attempt.
	///   - Away from home (failed over, or lent by a REDIRECT), losing that
	///     master sends the worker home.
	///   - A move ordered by REDIRECT or RETURN wins over all of this: the
	///     next call to next() returns its target, once.
	///
	/// Not thread-safe: the worker's connection thread owns it (it reads
	/// the messages that order moves and dials the masters).
{
public:
	static constexpr int HOME_ATTEMPTS = 3;

	struct Hop
		/// What next() decided.
	{
		PeerAddress master;       /// the master to dial
		bool atOnce = false;      /// dial without waiting out the backoff (an ordered move, or home after losing a master that was reached)
		bool failover = false;    /// leaving an unreachable home for a failover master (worth a warning)
	};

	MasterRoute(const PeerAddress& home, const std::vector<PeerAddress>& failover, int homeAttempts = HOME_ATTEMPTS);
		/// homeAttempts is how many failed attempts in a row at home come
		/// before the first failover (at least 1).

	Hop next(const PeerAddress& current, bool reached);
		/// Returns the master to dial after an attempt at current, which
		/// reached it (and then lost it, or left it) or did not; consumes
		/// a pending move.

	void redirect(const PeerAddress& target, const std::vector<PeerAddress>& alternatives);
		/// REDIRECT: move to target once the tasks in flight are done.
		/// Adds the alternatives that are neither home nor already known
		/// to the end of the failover list.

	void returnHome();
		/// RETURN: move home once the tasks in flight are done.

	bool moving() const;
		/// Whether a move (REDIRECT or RETURN) waits for next().

	const PeerAddress& home() const;

	const std::vector<PeerAddress>& failover() const;
		/// worker.failover, then the alternatives REDIRECTs brought.

private:
	PeerAddress _home;
	std::vector<PeerAddress> _failover;
	std::unique_ptr<PeerAddress> _moveTo;  // set by REDIRECT or RETURN, taken by next()
	int _homeAttempts;
	int _homeFailures = 0;                 // failed attempts at home in a row
	std::size_t _nextFailover = 0;         // round-robin position in _failover
};


} // namespace orchd


#endif // orchd_MasterRoute_INCLUDED

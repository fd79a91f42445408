//
// LoanPolicy.h
//
// When a master borrows workers from its peers, how many, and when it
// gives them back: decisions on loads and times only.
//


#ifndef orchd_LoanPolicy_INCLUDED
#define orchd_LoanPolicy_INCLUDED


#include "master/Dispatcher.h"
#include "master/FederationOptions.h"
#include <cstdint>


namespace orchd {


class LoanPolicy
	/// The prototype's load balancing, as decisions on the master's Load
	/// and the time (µs) it is given: no sockets, no clock of its own.
	///
	///   - saturated: the queue above lb.max_queue for lb.window_ms, and
	///     fewer than lb.max_borrow workers borrowed -> ASK;
	///   - calm: the queue below lb.min_queue for lb.window_ms with any
	///     worker borrowed -> RELEASE;
	///   - lb.cooldown_ms separates one ASK or RELEASE from the next (a
	///     refusal lets the next peer be asked at once);
	///   - a master lends only while its own queue is below lb.min_queue
	///     (and the Dispatcher keeps lb.min_workers of its own).
	///
	/// Owned by the Federation; event loop thread only.
{
public:
	enum Decision
	{
		HOLD,
		ASK,
		RELEASE
	};

	LoanPolicy(const FederationOptions& options, std::int64_t now);

	void retune(const FederationOptions& options);
		/// New lb.* settings (a reload); the samples and times so far stay.

	Decision decide(std::int64_t now, const Load& load, int borrowed);
		/// Called about every 100 ms with the master's load and the number
		/// of workers it has borrowed; samples the completion rate.

	int workersNeeded(const Load& load, int borrowed) const;
		/// How many workers to ask for: enough to drain the queue in about
		/// two seconds at the rate one worker completes tasks here, at
		/// least 1, at most what lb.max_borrow leaves.

	void asked(std::int64_t now);
		/// A WORKER_REQUEST went out: the cooldown starts.

	void released(std::int64_t now);
		/// A COMMAND_RELEASE went out: the cooldown starts.

	void refused();
		/// A peer refused: the next may be asked without waiting out the
		/// cooldown.

	bool lends(const Load& load) const;
		/// Whether this master lends workers to a peer that asks.

	static bool preferred(const Load& a, const Load& b);
		/// Whether a peer with load a is a better lender than one with b:
		/// the shorter queue, then more idle credits.

	double perWorkerRate() const;
		/// Tasks per second one worker completes here (last sample).

private:
	bool cooled(std::int64_t now) const;

	FederationOptions _options;
	bool _saturated = false;
	std::int64_t _saturatedSince = 0;
	bool _calm = false;
	std::int64_t _calmSince = 0;
	bool _everLoaned = false;
	std::int64_t _lastLoan = 0;
	std::int64_t _rateSampledAt;
	std::uint64_t _rateCompleted = 0;
	double _perWorkerRate = 0;
};


} // namespace orchd


#endif // orchd_LoanPolicy_INCLUDED

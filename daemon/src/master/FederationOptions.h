//
// FederationOptions.h
//
// The federation's settings (master.peers, peer.*, lb.* keys).
//


#ifndef orchd_FederationOptions_INCLUDED
#define orchd_FederationOptions_INCLUDED


#include "net/PeerAddress.h"
#include "Poco/Timespan.h"
#include <cstddef>
#include <string>
#include <vector>


namespace orchd {


struct FederationOptions
{
	std::string selfId;
	PeerAddress self;                                    /// how peers and workers reach this master
	std::vector<PeerAddress> peers;                      /// master.peers
	Poco::Timespan heartbeat = Poco::Timespan(1, 0);     /// peer.heartbeat_ms
	Poco::Timespan deadAfter = Poco::Timespan(5, 0);     /// peer.dead_after_ms
	std::size_t maxQueue = 100;                          /// lb.max_queue: saturated above
	std::size_t minQueue = 10;                           /// lb.min_queue: calm below; lends only below
	Poco::Timespan releaseTimeout = Poco::Timespan(15, 0);  /// a release not completed by then is closed anyway
	Poco::Timespan arrivalTimeout = Poco::Timespan(15, 0);  /// a worker granted to us and not here by then is no loan
	Poco::Timespan window = Poco::Timespan(1, 0);        /// lb.window_ms
	int maxBorrow = 4;                                   /// lb.max_borrow
	int minWorkers = 1;                                  /// lb.min_workers: never lend the last ones
	Poco::Timespan cooldown = Poco::Timespan(2, 0);      /// lb.cooldown_ms
	int maxLendPerWindow = 4;                            /// lb.max_lend_per_window: lent to one peer per lb.window_ms (at least 1 s)
	std::string storeId;                                 /// the master's store id, sent in heartbeats; empty: loans are not checked
	std::string storeConnector;                          /// the master's store connector
	bool requireIdentity = false;                        /// tls.verify_peers: an accepted peer's verified certificate must name its SERVER_UUID
};


} // namespace orchd


#endif // orchd_FederationOptions_INCLUDED

//
// Federation.h
//
// A master's peers: links, heartbeats and peer states, and the loans
// between masters.
//


#ifndef orchd_Federation_INCLUDED
#define orchd_Federation_INCLUDED


#include "master/Dispatcher.h"
#include "master/FederationOptions.h"
#include "master/LoanBook.h"
#include "master/LoanPolicy.h"
#include "master/PeerDialer.h"
#include "net/ConnectionDirectory.h"
#include "net/MonotonicClock.h"
#include "Poco/JSON/Array.h"
#include "Poco/JSON/Object.h"
#include "Poco/Logger.h"
#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <vector>


namespace orchd {


class Federation: public ConnectionHandler, public WorkerListener
	/// Keeps one WebSocket link to each peer (/v1/peer; the master with the
	/// smaller id dials, through a PeerDialer), exchanges the prototype's
	/// heartbeats with load figures, and judges each peer ALIVE, SUSPECT (a
	/// heartbeat missed) or DEAD (none for deadAfter). Heartbeats travel on
	/// their own link and are answered by the event loop between task
	/// messages, so task traffic cannot hold them back.
	///
	/// Loans follow the prototype, as the LoanPolicy decides: a saturated
	/// master asks its least-loaded ALIVE peer with WORKER_REQUEST; the
	/// peer lends idle workers (Dispatcher::lend; to one peer at most
	/// lb.max_lend_per_window per lb.window_ms, whatever it asks for),
	/// orders them to REDIRECT,
	/// and answers WORKER_RESPONSE. A calm borrower sends COMMAND_RELEASE,
	/// gets RELEASE_ACK, sends each borrowed worker RETURN once idle, and
	/// the owner confirms with RELEASE_COMPLETED when they are home. Every
	/// loan is recorded in the LoanBook, written only here.
	///
	/// Store identity: with options.storeId set, a master lends to and asks
	/// only the peers whose heartbeats carry the same STORE_ID; a peer on
	/// another store, or that sends none, is answered NACK and never asked
	/// (its workers arriving here are refused by the Dispatcher anyway).
	/// Without a store id of its own a master checks nothing.
	///
	/// A worker granted to us that has not arrived within
	/// options.arrivalTimeout is no loan any more (it no longer counts
	/// against lb.max_borrow). A peer's worker that arrives while the peer
	/// is ALIVE or SUSPECT (a heartbeat late) is a loan.
	///
	/// Failover: the owner of workers lent to a peer declared DEAD writes
	/// the loans off (they come home when their link breaks; one that
	/// ignored REDIRECT and is still here gets tasks again); a worker
	/// whose owner is DEAD (or never heard from) is kept as a guest until
	/// the owner is ALIVE again, then sent home.
	///
	/// Malformed or unexpected messages from a peer are logged and ignored.
	/// Reaches its links through a ConnectionDirectory and reads time from
	/// a TimeSource, so a fixture drives it in-process; every method runs on
	/// the event loop's thread.
{
public:
	enum State
	{
		UNKNOWN,
		ALIVE,
		SUSPECT,
		DEAD
	};

	Federation(ConnectionDirectory& connections, const TimeSource& clock, Dispatcher& dispatcher, LoanBook& loans, const FederationOptions& options, Poco::Logger& logger);
	~Federation() override;

	std::vector<DialTarget> dialTargets() const;
		/// The peers this master dials, for its PeerDialer.

	void setSelfPort(Poco::UInt16 port);
		/// The bound port, when master.listen asked for 0.

	void tick();
		/// Heartbeats, peer states, and the loan policy. Run by a timer.

	State state(const std::string& peer) const;
		/// A peer's state (UNKNOWN for an unknown id).

	Poco::JSON::Array::Ptr peersStatus() const;
	Poco::JSON::Object::Ptr countersStatus() const;
	Poco::JSON::Object::Ptr settingsStatus() const;
		/// The peer.* and lb.* settings in effect.

	void retune(const FederationOptions& options);
		/// Applies new peer.* and lb.* timings and limits (a reload); the
		/// peers, the id and the store stay as they are.

	bool setPeers(const std::vector<PeerAddress>& peers);
		/// master.peers changed on a reload: a new peer is linked like the
		/// first ones; a peer whose address changed is dialled at the new
		/// one; a removed peer's link is closed and refused from then on,
		/// the loans to it are written off (as if it were DEAD) and its
		/// workers here are sent home. Returns whether anything changed;
		/// dialTargets() then has the new targets.

	void onOpen(const Link& link) override;
	void onMessage(const Link& link, const std::string& text) override;
	void onClose(const Link& link, const std::string& reason) override;

	void onWorkerJoined(const std::string& uuid, const std::string& owner) override;
	void onWorkerLeft(const std::string& uuid, const std::string& owner) override;

private:
	struct Peer
	{
		PeerAddress address;
		bool dials = false;                      // this master dials it
		std::uint64_t connection = 0;
		State state = UNKNOWN;
		std::int64_t lastHeard = 0;
		bool heard = false;
		Load load;
		bool releasing = false;                  // it asked to release our workers
		bool releaseSent = false;                // we asked it to take its workers back
		std::int64_t releaseAt = 0;              // when either of the two began
		bool asked = false;                      // a WORKER_REQUEST of ours is pending
		std::int64_t askedAt = 0;
		bool refused = false;
		std::int64_t refusedAt = 0;
		std::shared_ptr<std::atomic<bool>> linked = std::make_shared<std::atomic<bool>>(false);
		std::string storeId;                     // its heartbeats' STORE_ID; empty if none
		bool storeHeard = false;                 // a heartbeat told us (storeId is not a guess)
		bool lendWindowOpen = false;             // lb.max_lend_per_window: a window has started
		std::int64_t lendWindowStart = 0;        // when
		int lentInWindow = 0;                    // and what was lent to it since
	};

	struct Counters
	{
		std::uint64_t asked = 0, granted = 0, refused = 0, lentOut = 0, returned = 0, reclaimed = 0, ignored = 0, peersRefused = 0;
	};

	Peer* peerOf(const Link& link);
	int lendAllowance(Peer& peer);
	Peer* identify(const Link& link, const Poco::JSON::Object& message);
	void refusePeer(const Link& link, const std::string& id, const std::string& why);
	void send(Peer& peer, const std::string& text);
	void sendHeartbeat(Peer& peer, const std::string& task);
	void onPeerMessage(Peer& peer, const Poco::JSON::Object& message);
	void onHeartbeat(Peer& peer, const Poco::JSON::Object& message);
	void noteStore(Peer& peer, const std::string& storeId);
	bool sameStore(const Peer& peer) const;
		/// Whether loans with the peer are allowed: this master has no
		/// store id, or the peer's heartbeats carry the same one.
	std::string storeDifference(const Peer& peer) const;
	void onWorkerRequest(Peer& peer, const Poco::JSON::Object& message);
	void onWorkerResponse(Peer& peer, const Poco::JSON::Object& message);
	void onCommandRelease(Peer& peer);
	void onReleaseCompleted(Peer& peer);
	void updateStates();
	void askForWorkers();
	void release();
	void completeRelease(Peer& peer);
	void expireReleases();
	void ignore(const std::string& who, const std::string& why);
	void setState(Peer& peer, State state);
	void addPeer(const PeerAddress& address);
	void removePeer(Peer& peer);
	std::string redirectMessage(const Peer& target) const;
	std::string returnMessage(const std::string& owner) const;

	ConnectionDirectory& _connections;
	const TimeSource& _clock;
	Dispatcher& _dispatcher;
	LoanBook& _loans;
	FederationOptions _options;
	Poco::Logger& _logger;
	LoanPolicy _policy;
	std::map<std::string, Peer> _peers;
	std::map<std::uint64_t, std::string> _links;   // connection -> peer id
	Counters _counters;
	std::int64_t _started;
	std::int64_t _lastHeartbeat;
};


const char* stateName(int state);


} // namespace orchd


#endif // orchd_Federation_INCLUDED

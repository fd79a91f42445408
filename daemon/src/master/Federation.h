//
// Federation.h
//
// A master's peers: heartbeats, worker loans and their return, failover.
//


#ifndef orchd_Federation_INCLUDED
#define orchd_Federation_INCLUDED


#include "master/FederationOptions.h"
#include "master/Dispatcher.h"
#include "net/Connection.h"
#include "net/EventLoop.h"
#include "net/PeerAddress.h"
#include "Poco/JSON/Object.h"
#include "Poco/Logger.h"
#include "Poco/Net/SocketAddress.h"
#include "Poco/Clock.h"
#include <atomic>
#include <thread>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>


namespace orchd {


class Federation: public ConnectionHandler, public WorkerListener
	/// Keeps one WebSocket link to each peer (/v1/peer; the master with the
	/// smaller id dials), exchanges the prototype's heartbeats with load
	/// figures, and judges each peer ALIVE, SUSPECT (a heartbeat missed) or
	/// DEAD (none for deadAfter). Heartbeats travel on their own link and
	/// are answered by the event loop between task messages, so task
	/// traffic cannot hold them back.
	///
	/// Loans follow the prototype: a master whose queue stays above
	/// maxQueue for window asks its least-loaded ALIVE peer with
	/// WORKER_REQUEST; the peer lends idle workers (keeping minWorkers, and
	/// only while its own queue is below minQueue), orders them to REDIRECT,
	/// and answers WORKER_RESPONSE. When the borrower's queue stays below
	/// minQueue for window it sends COMMAND_RELEASE, gets RELEASE_ACK, sends
	/// each borrowed worker RETURN once idle, and the owner confirms with
	/// RELEASE_COMPLETED when they are home. A cooldown separates loans.
	///
	/// Failover: the owner of workers lent to a peer declared DEAD reclaims
	/// them (they come home when their link breaks); a worker whose owner
	/// is DEAD is kept until the owner is ALIVE again, then sent home.
	///
	/// Malformed or unexpected messages from a peer are logged and ignored.
	/// Everything runs on the event loop thread, except needsDial().
{
public:
	Federation(EventLoop& loop, Dispatcher& dispatcher, const FederationOptions& options, std::size_t maxMessageBytes, Poco::Logger& logger);
	~Federation() override;

	void start();
		/// Starts the thread that dials the peers this master dials.
	void stop();

	void setSelfPort(Poco::UInt16 port);
		/// The bound port, when master.listen asked for 0.

	void tick();
		/// Heartbeats, peer states, and the loan policy. Run by a timer.

	Poco::JSON::Array::Ptr peersStatus() const;
	Poco::JSON::Object::Ptr countersStatus() const;

	void onOpen(Connection& connection) override;
	void onMessage(Connection& connection, const std::string& text) override;
	void onClose(Connection& connection, const std::string& reason) override;

	void onWorkerJoined(const std::string& uuid, const std::string& owner) override;
	void onWorkerLeft(const std::string& uuid, const std::string& owner, const std::string& lentTo) override;

private:
	enum State
	{
		UNKNOWN,
		ALIVE,
		SUSPECT,
		DEAD
	};

	struct Peer
	{
		PeerAddress address;
		bool dials = false;                      // this master dials it
		std::uint64_t connection = 0;
		State state = UNKNOWN;
		Poco::Clock lastHeard;
		bool heard = false;
		Load load;
		std::set<std::string> lentTo;            // our workers lent to it
		std::set<std::string> borrowed;          // its workers lent to us
		std::set<std::string> guests;            // its workers here by failover
		bool releasing = false;                  // it asked to release our workers
		bool releaseSent = false;                // we asked it to take its workers back
		Poco::Clock releaseAt;               // when either of the two began
		bool asked = false;                      // a WORKER_REQUEST of ours is pending
		Poco::Clock askedAt;
		Poco::Clock refusedAt;
		bool refused = false;
		std::shared_ptr<std::atomic<bool>> linked = std::make_shared<std::atomic<bool>>(false);
	};

	struct Counters
	{
		std::uint64_t asked = 0, granted = 0, refused = 0, lentOut = 0, returned = 0, reclaimed = 0, ignored = 0;
	};

	void dialLoop();
	Peer* peerOf(const Connection& connection);
	void send(Peer& peer, const Poco::JSON::Object& message);
	void sendHeartbeat(Peer& peer, const std::string& task);
	void onPeerMessage(Peer& peer, const Poco::JSON::Object& message);
	void onWorkerRequest(Peer& peer, const Poco::JSON::Object& message);
	void onWorkerResponse(Peer& peer, const Poco::JSON::Object& message);
	void updateStates();
	void balance();
	void askForWorkers();
	void release();
	void completeRelease(Peer& peer);
	void expireReleases();
	int borrowedTotal() const;
	void ignore(const std::string& who, const std::string& why);
	void setState(Peer& peer, State state);
	Poco::JSON::Object::Ptr addressOf(const PeerAddress& address) const;
	std::string redirectMessage(const Peer& target) const;
	std::string returnMessage(const std::string& owner) const;

	EventLoop& _loop;
	Dispatcher& _dispatcher;
	FederationOptions _options;
	std::size_t _maxMessageBytes;
	Poco::Logger& _logger;
	std::map<std::string, Peer> _peers;
	std::map<std::uint64_t, std::string> _links;   // connection -> peer id
	Counters _counters;
	Poco::Clock _lastHeartbeat;
	Poco::Clock _saturatedSince;
	bool _saturated = false;
	Poco::Clock _calmSince;
	bool _calm = false;
	Poco::Clock _lastLoan;
	bool _everLoaned = false;
	Poco::Clock _started;
	Poco::Clock _rateSampledAt;
	std::uint64_t _rateCompleted = 0;
	double _perWorkerRate = 0;

	std::atomic<bool> _stopping{false};
	std::unique_ptr<std::thread> _dialer;
};


const char* stateName(int state);


} // namespace orchd


#endif // orchd_Federation_INCLUDED

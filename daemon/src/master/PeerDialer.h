//
// PeerDialer.h
//
// The thread that opens the peer links this master dials.
//


#ifndef orchd_PeerDialer_INCLUDED
#define orchd_PeerDialer_INCLUDED


#include "net/EventLoop.h"
#include "net/NodeSecurity.h"
#include "net/PeerAddress.h"
#include "Poco/Logger.h"
#include "Poco/Timespan.h"
#include <atomic>
#include <memory>
#include <string>
#include <map>
#include <mutex>
#include <thread>
#include <vector>


namespace orchd {


struct DialTarget
	/// A peer this master dials, and whether its link is up (set by the
	/// dialer when it hands a link over, cleared by the Federation when the
	/// link closes).
{
	PeerAddress address;
	std::shared_ptr<std::atomic<bool>> linked;
};


class PeerDialer
	/// One thread that, about every heartbeat interval, dials each target
	/// whose link is down (GET /v1/peer, WebSocket) and hands the socket to
	/// the event loop for the handler, tagged with the peer's id. With TLS
	/// the peer's certificate must name that id. It only
	/// makes sockets: the links are served by the event loop. The only
	/// federation code on another thread than the loop's.
{
public:
	PeerDialer(EventLoop& loop, ConnectionHandler& handler, std::vector<DialTarget> targets, std::size_t maxMessageBytes, Poco::Timespan interval, const DialSecurity& security, Poco::Logger& logger);
		/// security: TLS and the cluster token (its serverName is each
		/// target's id).
	~PeerDialer();

	void start();
		/// Starts the thread (none while there is no target).

	void setTargets(std::vector<DialTarget> targets);
		/// Replaces the targets (master.peers changed on a reload) and
		/// starts the thread if it had none. Thread-safe.

	void stop();
		/// Joins the thread. Idempotent.

private:
	void run();
	void dial(const DialTarget& target);

	EventLoop& _loop;
	ConnectionHandler& _handler;
	std::mutex _mutex;
	std::vector<DialTarget> _targets;            /// guarded by _mutex
	bool _started = false;                       /// guarded by _mutex
	std::map<std::string, std::string> _refusals; /// the dialer thread's: the last TLS failure logged per peer id
	std::size_t _maxMessageBytes;
	Poco::Timespan _interval;
	DialSecurity _security;
	Poco::Logger& _logger;
	std::atomic<bool> _stopping{false};
	std::unique_ptr<std::thread> _thread;
};


} // namespace orchd


#endif // orchd_PeerDialer_INCLUDED

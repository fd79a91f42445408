//
// EventLoop.h
//
// One thread, epoll, and every WebSocket connection of a master.
//


#ifndef orchd_EventLoop_INCLUDED
#define orchd_EventLoop_INCLUDED


#include "net/Connection.h"
#include "net/ConnectionDirectory.h"
#include "Poco/Logger.h"
#include "Poco/Mutex.h"
#include "Poco/Runnable.h"
#include "Poco/Thread.h"
#include "Poco/Timespan.h"
#include "Poco/Clock.h"
#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <unordered_map>
#include <vector>


namespace orchd {


class EventLoop: public Poco::Runnable, public ConnectionDirectory
	/// Serves many Connections from one thread with epoll, runs closures
	/// posted from other threads, and runs periodic timers. Everything a
	/// handler does happens on this thread, so the state it owns (the task
	/// queue, the workers) needs no lock.
	///
	/// HTTP threads hand over a WebSocket right after Poco's handshake with
	/// adopt() and return to their pool, so a thousand connections cost a
	/// thousand buffers, not a thousand threads.
	///
	/// As the ConnectionDirectory of the handlers it serves, it reaches
	/// connections by id.
	///
	/// post(), adopt() and stop() are thread-safe; the rest is for the loop
	/// thread.
{
public:
	explicit EventLoop(Poco::Logger& logger);
	~EventLoop() override;

	void every(Poco::Timespan interval, std::function<void()> function);
		/// Runs function on the loop thread about every interval. Call
		/// before start().

	void setFirstMessageTimeout(Poco::Timespan timeout);
		/// A connection that has sent no text message this long after it
		/// was adopted is closed (1008). Zero (the default) disables it.
		/// Call before start().

	void start();
	void stop();
		/// Closes every connection (handlers see onClose) and joins the
		/// thread. Idempotent.

	void post(std::function<void()> function);
		/// Runs function on the loop thread soon. Dropped after stop().

	void adopt(const Poco::Net::WebSocket& socket, Connection::Kind kind, ConnectionHandler& handler, std::size_t maxMessageBytes, bool clientSide = false, const std::string& tag = std::string(), Poco::AutoPtr<TlsSocketImpl> tls = {});
		/// Takes over a WebSocket whose handshake is done (clientSide if
		/// this end dialled; tls: the TLS socket under it, if any).

	bool send(std::uint64_t id, const std::string& text) override;
	void close(std::uint64_t id, std::uint16_t code, const std::string& reason) override;
	void drop(std::uint64_t id, const std::string& reason) override;
	bool alive(std::uint64_t id) const override;

	std::size_t connectionCount() const;

	std::size_t openCount() const;
		/// Connections adopted and not yet destroyed (including those
		/// whose adoption is still queued). Thread-safe.

	struct Traffic
		/// Bytes through the connections since start, by Link::Kind
		/// (WebSocket frames as they travel; TLS: before encryption).
	{
		std::uint64_t received[3] = {};
		std::uint64_t sent[3] = {};
	};

	Traffic& traffic();
		/// Loop thread only (Connection counts, GET /metrics reads).

	void markDirty(Connection& connection);
	void markDead(Connection& connection);
	void markClosing(Connection& connection);
	void markBuffered(Connection& connection);
		/// For Connection: output is waiting; the connection is finished;
		/// it sent its close frame and lingers; TLS has decrypted input
		/// that epoll cannot see (read again next round, without waiting).

	void run() override;

private:
	Connection* find(std::uint64_t id) const;
		/// Returns the live connection with this id (open, not closing), or null.

	struct Timer
	{
		Poco::Timespan interval;
		Poco::Clock next;
		std::function<void()> function;
	};

	void wake();
	void runPosted();
	void runTimers();
	void settle();
	void reapLingering();
	void readBuffered();
	void closeSilent();
	void updateInterest(Connection& connection);
	void destroy(Connection& connection);
	int pollTimeoutMs() const;

	Poco::Logger& _logger;
	int _epoll;
	int _wakeFd;
	Poco::Thread _thread;
	std::atomic<bool> _running{false};
	std::atomic<bool> _stopped{false};

	Poco::FastMutex _postMutex;
	std::vector<std::function<void()>> _posted;

	std::unordered_map<std::uint64_t, std::unique_ptr<Connection>> _connections;
	std::unordered_map<std::uint64_t, std::uint32_t> _interest;
	std::vector<std::uint64_t> _dirty;
	std::vector<std::uint64_t> _dead;
	std::vector<std::uint64_t> _buffered;   // TLS connections with decrypted input waiting
	std::vector<std::uint64_t> _lingering;  // closing connections: only these are checked for linger expiry
	std::vector<Timer> _timers;
	struct FirstMessage
	{
		std::uint64_t id;
		Poco::Clock deadline;
	};
	Poco::Timespan _firstMessageTimeout;
	std::deque<FirstMessage> _fresh;  // in deadline order: every deadline is as long
	std::atomic<std::size_t> _open{0};
	Traffic _traffic;
	std::uint64_t _nextId = 1;
};


} // namespace orchd


#endif // orchd_EventLoop_INCLUDED

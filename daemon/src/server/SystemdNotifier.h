//
// SystemdNotifier.h
//
// Tells systemd about the node's state (sd_notify(3)'s protocol, spoken
// directly: no libsystemd).
//


#ifndef orchd_SystemdNotifier_INCLUDED
#define orchd_SystemdNotifier_INCLUDED


#include "Poco/Logger.h"
#include "Poco/Timespan.h"
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>


namespace orchd {


class SystemdNotifier
	/// Sends state lines (READY=1, STOPPING=1, WATCHDOG=1) as datagrams to
	/// the unix socket named by $NOTIFY_SOCKET, which systemd sets for a
	/// Type=notify service: a path, or an abstract name written with a
	/// leading '@'. Without NOTIFY_SOCKET every call does nothing, so the
	/// node runs the same outside systemd.
	///
	/// When $WATCHDOG_USEC is set (WatchdogSec= in the unit) and
	/// $WATCHDOG_PID is unset or this process's, startWatchdog() sends
	/// WATCHDOG=1 every half of it from a thread of its own, until
	/// stopping() or the destructor.
	///
	/// A failed send is logged once at warning level and otherwise
	/// ignored: systemd's view of the node must never stop the node.
	/// Thread-safe: any thread may call any method.
{
public:
	explicit SystemdNotifier(Poco::Logger& logger);
		/// Reads NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID.
	~SystemdNotifier();
		/// Stops the watchdog thread.

	bool enabled() const;
		/// True if NOTIFY_SOCKET names a socket.
	Poco::Timespan watchdogInterval() const;
		/// How often WATCHDOG=1 goes out (half of WATCHDOG_USEC), or 0
		/// when systemd watches nothing.

	void ready();
		/// READY=1, the first time only: a master listens, or a worker's
		/// link to a master is up.
	void stopping();
		/// STOPPING=1, and the watchdog stops: the node drains.
	void startWatchdog();
		/// Starts the WATCHDOG=1 thread if systemd asked for one.

	static bool send(const std::string& socketName, const std::string& state);
		/// One datagram with state to socketName (a path, or '@' and an
		/// abstract name); false if it could not be sent (errno says why).

private:
	SystemdNotifier(const SystemdNotifier&) = delete;
	SystemdNotifier& operator=(const SystemdNotifier&) = delete;

	void notify(const std::string& state);
	void watchdog();
	void stopWatchdog();

	Poco::Logger& _logger;
	std::string _socket;
	Poco::Timespan _watchdogInterval;
	std::atomic<bool> _ready{false};
	std::atomic<bool> _warned{false};
	std::mutex _mutex;
	std::condition_variable _wake;   // stop the watchdog
	bool _watchdogStop = false;      // under _mutex
	std::thread _watchdog;           // started and joined under no lock, by the owner's thread
};


} // namespace orchd


#endif // orchd_SystemdNotifier_INCLUDED

//
// SystemdNotifier.cpp
//


#include "server/SystemdNotifier.h"
#include "Poco/NumberParser.h"
#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>


namespace orchd {


namespace {


std::string environment(const char* name)
{
	const char* value = std::getenv(name);
	return value ? value : "";
}


} // namespace


SystemdNotifier::SystemdNotifier(Poco::Logger& logger):
	_logger(logger),
	_socket(environment("NOTIFY_SOCKET"))
{
	Poco::UInt64 usec = 0;
	Poco::UInt64 pid = 0;
	std::string watchdogPid = environment("WATCHDOG_PID");
	// WATCHDOG_PID names the process systemd watches: a child that
	// inherited the variables must not ping on its parent's behalf.
	bool forUs = watchdogPid.empty() || (Poco::NumberParser::tryParseUnsigned64(watchdogPid, pid) && pid == static_cast<Poco::UInt64>(::getpid()));
	if (forUs && Poco::NumberParser::tryParseUnsigned64(environment("WATCHDOG_USEC"), usec) && usec > 0)
		_watchdogInterval = Poco::Timespan(static_cast<Poco::Timespan::TimeDiff>(usec / 2));
}


SystemdNotifier::~SystemdNotifier()
{
	stopWatchdog();
}


bool SystemdNotifier::enabled() const
{
	return !_socket.empty();
}


Poco::Timespan SystemdNotifier::watchdogInterval() const
{
	return enabled() ? _watchdogInterval : Poco::Timespan(0);
}


void SystemdNotifier::ready()
{
	if (!_ready.exchange(true)) notify("READY=1");
}


void SystemdNotifier::stopping()
{
	stopWatchdog();
	notify("STOPPING=1");
}


void SystemdNotifier::startWatchdog()
{
	if (watchdogInterval() == 0 || _watchdog.joinable()) return;
	_logger.information("systemd watchdog: WATCHDOG=1 every %Ld ms", watchdogInterval().totalMilliseconds());
	_watchdog = std::thread([this] { watchdog(); });
}


void SystemdNotifier::watchdog()
{
	std::unique_lock<std::mutex> lock(_mutex);
	std::chrono::microseconds interval(watchdogInterval().totalMicroseconds());
	while (!_watchdogStop)
	{
		lock.unlock();
		notify("WATCHDOG=1");
		lock.lock();
		_wake.wait_for(lock, interval, [this] { return _watchdogStop; });
	}
}


void SystemdNotifier::stopWatchdog()
{
	{
		std::lock_guard<std::mutex> lock(_mutex);
		_watchdogStop = true;
	}
	_wake.notify_all();
	if (_watchdog.joinable()) _watchdog.join();
}


void SystemdNotifier::notify(const std::string& state)
{
	if (!enabled()) return;
	if (!send(_socket, state) && !_warned.exchange(true))
		_logger.warning("cannot notify systemd at NOTIFY_SOCKET=%s (%s): %s", _socket, state, std::string(std::strerror(errno)));
}


bool SystemdNotifier::send(const std::string& socketName, const std::string& state)
{
	sockaddr_un address{};
	address.sun_family = AF_UNIX;
	if (socketName.empty() || socketName.size() >= sizeof(address.sun_path) || (socketName[0] != '/' && socketName[0] != '@'))
	{
		errno = EINVAL;
		return false;
	}
	std::memcpy(address.sun_path, socketName.data(), socketName.size());
	socklen_t length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + socketName.size());
	// An abstract name starts with a NUL byte and is not NUL-terminated;
	// a path's length includes its terminating NUL.
	if (socketName[0] == '@') address.sun_path[0] = '\0';
	else ++length;
	int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) return false;
	ssize_t sent = ::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL, reinterpret_cast<const sockaddr*>(&address), length);
	int error = errno;
	::close(fd);
	errno = error;
	return sent == static_cast<ssize_t>(state.size());
}


} // namespace orchd

//
// EventLoop.cpp
//


#include "net/EventLoop.h"
#include "Poco/Exception.h"
#include <cerrno>
#include <cstring>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>


namespace orchd {


EventLoop::EventLoop(Poco::Logger& logger):
	_logger(logger),
	_epoll(::epoll_create1(EPOLL_CLOEXEC)),
	_wakeFd(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC))
{
	if (_epoll < 0 || _wakeFd < 0) throw Poco::SystemException("cannot create the event loop", std::strerror(errno));
	epoll_event event{};
	event.events = EPOLLIN;
	event.data.u64 = 0;  // connection ids start at 1
	::epoll_ctl(_epoll, EPOLL_CTL_ADD, _wakeFd, &event);
	_thread.setName("orchd-loop");
}


EventLoop::~EventLoop()
{
	stop();
	::close(_wakeFd);
	::close(_epoll);
}


void EventLoop::every(Poco::Timespan interval, std::function<void()> function)
{
	Timer timer;
	timer.interval = interval;
	timer.next += interval.totalMicroseconds();
	timer.function = std::move(function);
	_timers.push_back(std::move(timer));
}


void EventLoop::setFirstMessageTimeout(Poco::Timespan timeout)
{
	_firstMessageTimeout = timeout;
}


void EventLoop::start()
{
	_running = true;
	_thread.start(*this);
}


void EventLoop::stop()
{
	if (_stopped.exchange(true)) return;
	if (_running)
	{
		post([this]
		{
			for (auto& entry: _connections) entry.second->fail("shutting down");
			_running = false;
		});
		_thread.join();
	}
}


void EventLoop::post(std::function<void()> function)
{
	{
		Poco::FastMutex::ScopedLock lock(_postMutex);
		_posted.push_back(std::move(function));
	}
	wake();
}


void EventLoop::wake()
{
	std::uint64_t one = 1;
	ssize_t ignored = ::write(_wakeFd, &one, sizeof(one));
	(void) ignored;  // the counter is already non-zero if this fails
}


void EventLoop::adopt(const Poco::Net::WebSocket& socket, Connection::Kind kind, ConnectionHandler& handler, std::size_t maxMessageBytes, bool clientSide, const std::string& tag, Poco::AutoPtr<TlsSocketImpl> tls)
{
	++_open;
	post([this, socket, kind, &handler, maxMessageBytes, clientSide, tag, tls]
	{
		std::uint64_t id = _nextId++;
		auto connection = std::make_unique<Connection>(*this, id, kind, socket, handler, maxMessageBytes, clientSide, tag, tls);
		Connection& ref = *connection;
		epoll_event event{};
		event.events = EPOLLIN;
		event.data.u64 = id;
		if (::epoll_ctl(_epoll, EPOLL_CTL_ADD, ref.fd(), &event) != 0)
		{
			_logger.error("cannot watch connection from %s: %s", ref.peerAddress(), std::string(std::strerror(errno)));
			--_open;
			return;
		}
		_interest[id] = EPOLLIN;
		if (_firstMessageTimeout > 0)
		{
			Poco::Clock deadline;
			deadline += _firstMessageTimeout.totalMicroseconds();
			_fresh.push_back(FirstMessage{id, deadline});
		}
		_connections.emplace(id, std::move(connection));
		handler.onOpen(ref.link());
		// Bytes may have arrived before the socket was watched.
		ref.onReadable();
	});
}


Connection* EventLoop::find(std::uint64_t id) const
{
	auto it = _connections.find(id);
	return it == _connections.end() || it->second->closing() ? nullptr : it->second.get();
}


bool EventLoop::send(std::uint64_t id, const std::string& text)
{
	Connection* connection = find(id);
	if (!connection) return false;
	connection->send(text);
	return true;
}


void EventLoop::close(std::uint64_t id, std::uint16_t code, const std::string& reason)
{
	Connection* connection = find(id);
	if (connection) connection->close(code, reason);
}


void EventLoop::drop(std::uint64_t id, const std::string& reason)
{
	Connection* connection = find(id);
	if (connection) connection->fail(reason);
}


bool EventLoop::alive(std::uint64_t id) const
{
	return find(id) != nullptr;
}


std::size_t EventLoop::connectionCount() const
{
	return _connections.size();
}


std::size_t EventLoop::openCount() const
{
	return _open;
}


EventLoop::Traffic& EventLoop::traffic()
{
	return _traffic;
}


void EventLoop::markDirty(Connection& connection)
{
	if (connection.flushQueued) return;
	connection.flushQueued = true;
	_dirty.push_back(connection.id());
}


void EventLoop::markDead(Connection& connection)
{
	_dead.push_back(connection.id());
}


int EventLoop::pollTimeoutMs() const
{
	if (!_buffered.empty()) return 0;
	Poco::Clock now;
	Poco::Clock::ClockDiff wait = 100000;
	for (const auto& timer: _timers) wait = std::min(wait, timer.next - now);
	return wait <= 0 ? 0 : static_cast<int>((wait + 999) / 1000);
}


void EventLoop::run()
{
	const int MAX_EVENTS = 256;
	epoll_event events[MAX_EVENTS];
	while (_running)
	{
		int n = ::epoll_wait(_epoll, events, MAX_EVENTS, pollTimeoutMs());
		if (n < 0 && errno != EINTR)
		{
			_logger.critical("epoll_wait failed: %s", std::string(std::strerror(errno)));
			break;
		}
		for (int i = 0; i < n; ++i)
		{
			std::uint64_t id = events[i].data.u64;
			if (id == 0)
			{
				std::uint64_t count;
				while (::read(_wakeFd, &count, sizeof(count)) > 0) {}
				continue;
			}
			auto it = _connections.find(id);
			if (it == _connections.end()) continue;
			Connection& connection = *it->second;
			try
			{
				if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) connection.onReadable();
				// Flushed in settle(), which also re-arms what epoll watches
				// (EPOLLOUT off once drained, EPOLLIN back below HIGH_WATER).
				if (events[i].events & EPOLLOUT) markDirty(connection);
			}
			catch (std::exception& exc)
			{
				// A handler bug must cost one connection, not the master.
				_logger.error("connection %s from %s failed: %s", std::to_string(id), connection.peerAddress(), std::string(exc.what()));
				connection.fail(std::string("internal error: ") + exc.what());
			}
		}
		readBuffered();
		runPosted();
		runTimers();
		reapLingering();
		closeSilent();
		// Replies to everything this round produced leave together: one
		// send() per connection per round, not one per message.
		settle();
	}
	// Drain: close what is left so that handlers see every onClose.
	runPosted();
	for (auto& entry: _connections) entry.second->fail("shutting down");
	settle();
}


void EventLoop::markClosing(Connection& connection)
{
	_lingering.push_back(connection.id());
}


void EventLoop::markBuffered(Connection& connection)
{
	_buffered.push_back(connection.id());
}


void EventLoop::readBuffered()
{
	if (_buffered.empty()) return;
	std::vector<std::uint64_t> buffered;
	buffered.swap(_buffered);
	for (std::uint64_t id: buffered)
	{
		auto it = _connections.find(id);
		if (it == _connections.end()) continue;
		Connection& connection = *it->second;
		try
		{
			// Marked again by onReadable() if input is still waiting.
			if (connection.hasBufferedInput()) connection.onReadable();
		}
		catch (std::exception& exc)
		{
			_logger.error("connection %s from %s failed: %s", std::to_string(id), connection.peerAddress(), std::string(exc.what()));
			connection.fail(std::string("internal error: ") + exc.what());
		}
	}
}


void EventLoop::reapLingering()
{
	// Only the connections that are closing: a round must not cost one
	// look per connection (a thousand idle workers).
	std::size_t kept = 0;
	for (std::uint64_t id: _lingering)
	{
		auto it = _connections.find(id);
		if (it == _connections.end()) continue;
		Connection& connection = *it->second;
		if (connection.lingerExpired()) connection.fail(connection.closeReason());
		else _lingering[kept++] = id;
	}
	_lingering.resize(kept);
}


void EventLoop::closeSilent()
{
	// A socket that never says anything holds a descriptor and buffers for
	// free: ALIVE, a client's first request and a peer's first heartbeat
	// all come at once from a real node.
	Poco::Clock now;
	while (!_fresh.empty() && _fresh.front().deadline <= now)
	{
		Connection* connection = find(_fresh.front().id);
		_fresh.pop_front();
		if (!connection || connection->heard()) continue;
		std::string why = "no message within " + std::to_string(_firstMessageTimeout.totalMilliseconds()) + " ms of connecting";
		_logger.warning("connection from %s closed: %s", connection->peerAddress(), why);
		connection->close(1008, why);
	}
}


void EventLoop::runPosted()
{
	std::vector<std::function<void()>> posted;
	{
		Poco::FastMutex::ScopedLock lock(_postMutex);
		posted.swap(_posted);
	}
	for (auto& function: posted)
	{
		try
		{
			function();
		}
		catch (std::exception& exc)
		{
			_logger.error("posted task failed: %s", std::string(exc.what()));
		}
	}
}


void EventLoop::runTimers()
{
	Poco::Clock now;
	for (auto& timer: _timers)
	{
		if (timer.next > now) continue;
		timer.next = now + timer.interval.totalMicroseconds();
		try
		{
			timer.function();
		}
		catch (std::exception& exc)
		{
			_logger.error("timer failed: %s", std::string(exc.what()));
		}
	}
}


void EventLoop::settle()
{
	// Writing can kill a connection, and a dying connection's handler can
	// send to others: go round until nothing changes.
	while (!_dirty.empty() || !_dead.empty())
	{
		std::vector<std::uint64_t> dirty;
		dirty.swap(_dirty);
		for (std::uint64_t id: dirty)
		{
			auto it = _connections.find(id);
			if (it == _connections.end()) continue;
			it->second->flushQueued = false;
			it->second->onWritable();
			updateInterest(*it->second);
		}
		std::vector<std::uint64_t> dead;
		dead.swap(_dead);
		for (std::uint64_t id: dead)
		{
			auto it = _connections.find(id);
			if (it != _connections.end()) destroy(*it->second);
		}
	}
}


void EventLoop::updateInterest(Connection& connection)
{
	std::uint32_t wanted = (connection.wantsRead() ? std::uint32_t(EPOLLIN) : 0u) | (connection.wantsWrite() ? std::uint32_t(EPOLLOUT) : 0u);
	std::uint32_t& current = _interest[connection.id()];
	// Records that TLS holds (read ahead, or left when reading paused at
	// the output's high water) are not in the socket, and epoll would not
	// report them: whenever the connection may be read, look.
	if ((wanted & EPOLLIN) && connection.hasBufferedInput()) markBuffered(connection);
	if (wanted == current) return;
	epoll_event event{};
	event.events = wanted;
	event.data.u64 = connection.id();
	::epoll_ctl(_epoll, EPOLL_CTL_MOD, connection.fd(), &event);
	current = wanted;
}


void EventLoop::destroy(Connection& connection)
{
	std::uint64_t id = connection.id();
	::epoll_ctl(_epoll, EPOLL_CTL_DEL, connection.fd(), nullptr);
	_interest.erase(id);
	// Take it out of the map first: find() must not return it to a handler
	// that reacts to its closing.
	std::unique_ptr<Connection> owned = std::move(_connections[id]);
	_connections.erase(id);
	--_open;
	try
	{
		owned->handler().onClose(owned->link(), owned->closeReason());
	}
	catch (std::exception& exc)
	{
		_logger.error("closing connection %s failed: %s", std::to_string(id), std::string(exc.what()));
	}
}


} // namespace orchd

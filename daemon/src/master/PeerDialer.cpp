//
// PeerDialer.cpp
//


#include "master/PeerDialer.h"
#include "net/WebSocketClient.h"
#include <chrono>


namespace orchd {


PeerDialer::PeerDialer(EventLoop& loop, ConnectionHandler& handler, std::vector<DialTarget> targets, std::size_t maxMessageBytes, Poco::Timespan interval, const DialSecurity& security, Poco::Logger& logger):
	_loop(loop),
	_handler(handler),
	_targets(std::move(targets)),
	_maxMessageBytes(maxMessageBytes),
	_interval(interval),
	_security(security),
	_logger(logger)
{
}


PeerDialer::~PeerDialer()
{
	stop();
}


void PeerDialer::start()
{
	std::lock_guard<std::mutex> lock(_mutex);
	_started = true;
	if (_targets.empty() || _thread || _stopping) return;
	_thread = std::make_unique<std::thread>([this] { run(); });
}


void PeerDialer::setTargets(std::vector<DialTarget> targets)
{
	std::lock_guard<std::mutex> lock(_mutex);
	_targets = std::move(targets);
	if (_started && !_targets.empty() && !_thread && !_stopping) _thread = std::make_unique<std::thread>([this] { run(); });
}


void PeerDialer::stop()
{
	_stopping = true;
	std::unique_ptr<std::thread> thread;
	{
		std::lock_guard<std::mutex> lock(_mutex);
		thread = std::move(_thread);
	}
	if (thread && thread->joinable()) thread->join();
}


void PeerDialer::run()
{
	while (!_stopping)
	{
		std::vector<DialTarget> targets;
		{
			std::lock_guard<std::mutex> lock(_mutex);
			targets = _targets;
		}
		for (const auto& target: targets)
		{
			if (!target.linked->load() && !_stopping) dial(target);
		}
		// Sleeps in tenths, so that stop() never waits a whole interval.
		for (int i = 0; i < 10 && !_stopping; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(_interval.totalMilliseconds() / 10 + 1));
	}
}


void PeerDialer::dial(const DialTarget& target)
{
	std::string& refusal = _refusals[target.address.id];
	try
	{
		DialSecurity security = _security;
		security.serverName = target.address.id;
		Poco::AutoPtr<TlsSocketImpl> tls;
		std::unique_ptr<Poco::Net::WebSocket> socket = WebSocketClient::open(Poco::Net::SocketAddress(target.address.host, target.address.port),
			"/v1/peer", Poco::Timespan(2, 0), security, tls);
		target.linked->store(true);
		refusal.clear();
		_loop.adopt(*socket, Connection::PEER, _handler, _maxMessageBytes, true, target.address.id, tls);
	}
	catch (TlsException& exc)
	{
		// Not a peer that is down: one that cannot prove who it is.
		// Said once, not every heartbeat interval.
		if (exc.displayText() != refusal)
			_logger.warning("peer %s at %s:%hu refused: %s", target.address.id, target.address.host, target.address.port, exc.displayText());
		refusal = exc.displayText();
	}
	catch (Poco::Exception& exc)
	{
		_logger.debug("cannot reach peer %s at %s:%hu: %s", target.address.id, target.address.host, target.address.port, exc.displayText());
	}
}


} // namespace orchd

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
	if (_targets.empty() || _thread) return;
	_thread = std::make_unique<std::thread>([this] { run(); });
}


void PeerDialer::stop()
{
	_stopping = true;
	if (_thread && _thread->joinable()) _thread->join();
	_thread.reset();
}


void PeerDialer::run()
{
	while (!_stopping)
	{
		for (auto& target: _targets)
		{
			if (target.linked->load()) continue;
			try
			{
				DialSecurity security = _security;
				security.serverName = target.address.id;
				Poco::AutoPtr<TlsSocketImpl> tls;
				std::unique_ptr<Poco::Net::WebSocket> socket = WebSocketClient::open(Poco::Net::SocketAddress(target.address.host, target.address.port),
					"/v1/peer", Poco::Timespan(2, 0), security, tls);
				target.linked->store(true);
				target.refusal.clear();
				_loop.adopt(*socket, Connection::PEER, _handler, _maxMessageBytes, true, target.address.id, tls);
			}
			catch (TlsException& exc)
			{
				// Not a peer that is down: one that cannot prove who it is.
				// Said once, not every heartbeat interval.
				if (exc.displayText() != target.refusal)
					_logger.warning("peer %s at %s:%hu refused: %s", target.address.id, target.address.host, target.address.port, exc.displayText());
				target.refusal = exc.displayText();
			}
			catch (Poco::Exception& exc)
			{
				_logger.debug("cannot reach peer %s at %s:%hu: %s", target.address.id, target.address.host, target.address.port, exc.displayText());
			}
		}
		// Sleeps in tenths, so that stop() never waits a whole interval.
		for (int i = 0; i < 10 && !_stopping; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(_interval.totalMilliseconds() / 10 + 1));
	}
}


} // namespace orchd

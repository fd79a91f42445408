//
// PeerDialer.cpp
//


#include "master/PeerDialer.h"
#include "Poco/Net/HTTPClientSession.h"
#include "Poco/Net/HTTPRequest.h"
#include "Poco/Net/HTTPResponse.h"
#include "Poco/Net/WebSocket.h"
#include <chrono>


namespace orchd {


PeerDialer::PeerDialer(EventLoop& loop, ConnectionHandler& handler, std::vector<DialTarget> targets, std::size_t maxMessageBytes, Poco::Timespan interval, Poco::Logger& logger):
	_loop(loop),
	_handler(handler),
	_targets(std::move(targets)),
	_maxMessageBytes(maxMessageBytes),
	_interval(interval),
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
				Poco::Net::HTTPClientSession session(target.address.host, target.address.port);
				session.setTimeout(Poco::Timespan(2, 0));
				Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, "/v1/peer", Poco::Net::HTTPMessage::HTTP_1_1);
				Poco::Net::HTTPResponse response;
				Poco::Net::WebSocket socket(session, request, response);
				target.linked->store(true);
				_loop.adopt(socket, Connection::PEER, _handler, _maxMessageBytes, true, target.address.id);
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

//
// WebSocketClient.cpp
//


#include "net/WebSocketClient.h"
#include "net/Connection.h"
#include "Poco/Net/HTTPRequest.h"
#include "Poco/Net/HTTPResponse.h"
#include "Poco/Net/NetException.h"
#include "Poco/Net/StreamSocket.h"
#include <cerrno>
#include <cstring>
#include <poll.h>
#include <sys/socket.h>


using namespace Poco::Net;


namespace orchd {


std::unique_ptr<WebSocket> WebSocketClient::open(const SocketAddress& address, const std::string& path, Poco::Timespan timeout, const DialSecurity& security, Poco::AutoPtr<TlsSocketImpl>& tls)
{
	HTTPRequest request(HTTPRequest::HTTP_GET, path, HTTPMessage::HTTP_1_1);
	std::string bearer = security.clusterToken ? security.clusterToken->presented() : security.bearerToken;
	if (!bearer.empty()) request.set("Authorization", "Bearer " + bearer);
	HTTPResponse response;
	if (!security.tls)
	{
		HTTPClientSession session(address);
		session.setTimeout(timeout);
		return std::make_unique<WebSocket>(session, request, response);
	}
	tls = TlsSocketImpl::connect(address, security.tls, security.serverName, timeout);
	tls->duplicate();  // the StreamSocket takes one reference of its own
	HTTPClientSession session{StreamSocket(tls.get())};
	session.setTimeout(timeout);
	request.setHost(address.host().toString(), address.port());
	return std::make_unique<WebSocket>(session, request, response);
}


WebSocketClient::WebSocketClient(const SocketAddress& address, const std::string& path, Poco::Timespan timeout, std::size_t maxMessageBytes, const DialSecurity& security):
	_codec(maxMessageBytes, false)
{
	_socket = open(address, path, timeout, security, _tls);
	_socket->setNoDelay(true);
	// TLS waits with poll() outside OpenSSL's lock, so that a reader
	// never holds a writer up: its descriptor does not block.
	_socket->setBlocking(!_tls);
	if (_tls) _tls->readAhead();
	_fd = _socket->impl()->sockfd();
	enableKeepAlive(_fd);
}


WebSocketClient::~WebSocketClient()
{
	shutdown();
}


void WebSocketClient::shutdown()
{
	::shutdown(_fd, SHUT_RDWR);
}


void WebSocketClient::send(const std::string& text)
{
	sendFrame(FrameCodec::TEXT, text);
}


void WebSocketClient::send(const std::vector<std::string>& texts)
{
	std::lock_guard<std::mutex> lock(_sendMutex);
	_out.clear();
	for (const auto& text: texts) FrameCodec::encode(_out, FrameCodec::TEXT, text.data(), text.size(), true);
	write();
}


void WebSocketClient::sendFrame(int opcode, const std::string& payload)
{
	std::lock_guard<std::mutex> lock(_sendMutex);
	_out.clear();
	FrameCodec::encode(_out, opcode, payload.data(), payload.size(), true);
	write();
}


void WebSocketClient::writeTls()
{
	std::size_t sent = 0;
	try
	{
		while (sent < _out.size())
		{
			int n = _tls->writeSome(_out.data() + sent, static_cast<int>(_out.size() - sent));
			if (n > 0)
			{
				sent += static_cast<std::size_t>(n);
				continue;
			}
			pollfd p{_fd, static_cast<short>(n == TlsSocketImpl::WANT_READ ? POLLIN : POLLOUT), 0};
			if (::poll(&p, 1, 10000) == 0) throw TlsException("send timed out");
		}
	}
	catch (Poco::Exception& exc)
	{
		::shutdown(_fd, SHUT_RDWR);
		throw Poco::IOException("send failed: " + exc.displayText());
	}
}


void WebSocketClient::write()
{
	if (_tls)
	{
		writeTls();
		return;
	}
	std::size_t sent = 0;
	while (sent < _out.size())
	{
		ssize_t n = ::send(_fd, _out.data() + sent, _out.size() - sent, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR) continue;
		if (n <= 0)
		{
			// Part of a frame may be out: nothing sent after it could be
			// framed right, so the link ends here and the owner reconnects.
			std::string reason = std::strerror(errno);
			::shutdown(_fd, SHUT_RDWR);
			throw Poco::IOException("send failed: " + reason);
		}
		sent += static_cast<std::size_t>(n);
	}
}


bool WebSocketClient::receive(std::string& text, Poco::Timespan timeout)
{
	for (;;)
	{
		FrameCodec::Result result = _codec.decode(_in, _offset);
		if (result == FrameCodec::ERROR) throw Poco::ProtocolException(_codec.error());
		if (result == FrameCodec::MESSAGE)
		{
			if (_offset == _in.size())
			{
				_in.clear();
				_offset = 0;
			}
			switch (_codec.opcode())
			{
			case FrameCodec::TEXT:
				text = _codec.payload();
				return true;
			case FrameCodec::PING:
				sendFrame(FrameCodec::PONG, _codec.payload());
				continue;
			case FrameCodec::CLOSE:
			{
				const std::string& body = _codec.payload();
				// The close code travels as the exception's code: a caller
				// tells a refusal (1008) from a plain close by it.
				int code = body.size() >= 2 ? (static_cast<unsigned char>(body[0]) << 8) | static_cast<unsigned char>(body[1]) : 0;
				throw ConnectionResetException("the peer closed the connection: " + (body.size() > 2 ? body.substr(2) : std::string("no reason given")), code);
			}
			default:
				continue;
			}
		}
		if (_offset > (1 << 16))
		{
			_in.erase(0, _offset);
			_offset = 0;
		}
		if (_tls)
		{
			if (!readTls(timeout)) return false;
			continue;
		}
		// Read first, wait only if nothing has arrived: under load the
		// data is usually there, and the poll() would be a wasted call.
		char buffer[65536];
		ssize_t n = ::recv(_fd, buffer, sizeof(buffer), MSG_DONTWAIT);
		if (n < 0 && errno == EINTR) continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		{
			if (timeout.totalMilliseconds() <= 0) return false;
			pollfd p{_fd, POLLIN, 0};
			int ready = ::poll(&p, 1, static_cast<int>(timeout.totalMilliseconds()));
			if (ready < 0 && errno == EINTR) continue;
			if (ready < 0) throw ConnectionResetException(std::string("poll failed: ") + std::strerror(errno));
			if (ready == 0) return false;
			continue;
		}
		if (n == 0) throw ConnectionResetException("the peer closed the connection");
		if (n < 0) throw ConnectionResetException(std::string("receive failed: ") + std::strerror(errno));
		_in.append(buffer, static_cast<std::size_t>(n));
	}
}


bool WebSocketClient::readTls(Poco::Timespan timeout)
{
	char buffer[65536];
	for (;;)
	{
		int n;
		try
		{
			n = _tls->readSome(buffer, sizeof(buffer));
		}
		catch (TlsException& exc)
		{
			throw ConnectionResetException("receive failed: " + exc.displayText());
		}
		if (n > 0)
		{
			_in.append(buffer, static_cast<std::size_t>(n));
			return true;
		}
		if (n == 0) throw ConnectionResetException("the peer closed the connection");
		if (timeout.totalMilliseconds() <= 0) return false;
		pollfd p{_fd, static_cast<short>(n == TlsSocketImpl::WANT_WRITE ? POLLOUT : POLLIN), 0};
		int ready = ::poll(&p, 1, static_cast<int>(timeout.totalMilliseconds()));
		if (ready < 0 && errno == EINTR) continue;
		if (ready < 0) throw ConnectionResetException(std::string("poll failed: ") + std::strerror(errno));
		if (ready == 0) return false;
	}
}


} // namespace orchd

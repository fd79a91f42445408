//
// Connection.cpp
//


#include "net/Connection.h"
#include "net/EventLoop.h"
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>


namespace orchd {


void enableKeepAlive(int fd)
{
	// A peer whose host vanished without a FIN is found within about 11 s
	// instead of the kernel's two hours.
	int on = 1, idle = 5, interval = 2, count = 3;
	::setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on));
	::setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
	::setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof(interval));
	::setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof(count));
}


Connection::Connection(EventLoop& loop, std::uint64_t id, Kind kind, const Poco::Net::WebSocket& socket, ConnectionHandler& handler, std::size_t maxMessageBytes, bool clientSide, const std::string& tag, Poco::AutoPtr<TlsSocketImpl> tls):
	_loop(loop),
	_socket(socket),
	_fd(socket.impl()->sockfd()),
	_handler(handler),
	_clientSide(clientSide),
	_codec(maxMessageBytes, !clientSide),
	_tls(std::move(tls))
{
	_link.id = id;
	_link.kind = kind;
	_link.tag = tag;
	if (_tls)
	{
		_link.verifiedNames = _tls->peerNames();
		_tls->readAhead();
	}
	try
	{
		_link.peerAddress = _socket.peerAddress().toString();
	}
	catch (Poco::Exception&)
	{
		_link.peerAddress = "?";
	}
	_socket.setBlocking(false);
	_socket.setNoDelay(true);
	enableKeepAlive(_fd);
}


Connection::~Connection()
{
	// Not _socket.shutdown(): Poco's WebSocket::shutdown() sends a close
	// frame of its own, with a send() that raises SIGPIPE on a closed peer.
	// The close frame, if any, has been sent already; the descriptor is
	// closed when _socket goes.
	::shutdown(_fd, SHUT_RDWR);
}


std::uint64_t Connection::id() const
{
	return _link.id;
}


Connection::Kind Connection::kind() const
{
	return _link.kind;
}


const std::string& Connection::peerAddress() const
{
	return _link.peerAddress;
}


const Link& Connection::link() const
{
	return _link;
}


int Connection::fd() const
{
	return _fd;
}


bool Connection::closing() const
{
	return _closing || _dead;
}


bool Connection::heard() const
{
	return _heard;
}


ConnectionHandler& Connection::handler()
{
	return _handler;
}


const std::string& Connection::closeReason() const
{
	return _closeReason;
}


void Connection::send(const std::string& text)
{
	if (closing()) return;
	if (_out.size() - _outOffset > MAX_OUTPUT)
	{
		fail("slow consumer: more than " + std::to_string(MAX_OUTPUT >> 20) + " MiB of replies unread");
		return;
	}
	FrameCodec::encode(_out, FrameCodec::TEXT, text.data(), text.size(), _clientSide);
	_loop.markDirty(*this);
}


void Connection::close(std::uint16_t code, const std::string& reason)
{
	if (closing()) return;
	FrameCodec::encodeClose(_out, code, reason, _clientSide);
	_closing = true;
	_closingSince.update();
	_closeReason = reason;
	_loop.markDirty(*this);
	_loop.markClosing(*this);
}


void Connection::fail(const std::string& reason)
{
	if (_dead) return;
	_dead = true;
	if (_closeReason.empty()) _closeReason = reason;
	_loop.markDead(*this);
}


bool Connection::wantsWrite() const
{
	return _outOffset < _out.size() || _readWantsWrite;
}


bool Connection::hasBufferedInput()
{
	return _tls && !_dead && wantsRead() && _tls->pending();
}


ssize_t Connection::receive(char* buffer, std::size_t size)
{
	if (!_tls)
	{
		ssize_t n = ::recv(_fd, buffer, size, 0);
		if (n > 0) _loop.traffic().received[kind()] += static_cast<std::uint64_t>(n);
		return n;
	}
	try
	{
		int n = _tls->readSome(buffer, static_cast<int>(std::min<std::size_t>(size, 1 << 30)));
		_loop.traffic().received[kind()] += static_cast<std::uint64_t>(std::max(n, 0));
		if (n >= 0) return n;
		_readWantsWrite = n == TlsSocketImpl::WANT_WRITE;
		if (_readWantsWrite) _loop.markDirty(*this);
		errno = EAGAIN;
	}
	catch (TlsException& exc)
	{
		_tlsError = exc.displayText();
		errno = EPROTO;
	}
	return -1;
}


ssize_t Connection::transmit(const char* data, std::size_t size)
{
	if (!_tls)
	{
		ssize_t n = ::send(_fd, data, size, MSG_NOSIGNAL);
		if (n > 0) _loop.traffic().sent[kind()] += static_cast<std::uint64_t>(n);
		return n;
	}
	try
	{
		int n = _tls->writeSome(data, static_cast<int>(std::min<std::size_t>(size, 1 << 30)));
		_loop.traffic().sent[kind()] += static_cast<std::uint64_t>(std::max(n, 0));
		if (n > 0) return n;
		_writeWantsRead = n == TlsSocketImpl::WANT_READ;
		errno = EAGAIN;
	}
	catch (TlsException& exc)
	{
		_tlsError = exc.displayText();
		errno = EPROTO;
	}
	return -1;
}


std::string Connection::ioError() const
{
	return errno == EPROTO && !_tlsError.empty() ? _tlsError : std::string(std::strerror(errno));
}


bool Connection::wantsRead() const
{
	if (_dead) return false;
	// A worker is always read: what it is sent is bounded by its credits,
	// and it may be blocked writing results until its results are read.
	return _closing || _writeWantsRead || _link.kind == WORKER || _out.size() - _outOffset < HIGH_WATER;
}


bool Connection::lingerExpired() const
{
	return _closing && !_dead && _closingSince.isElapsed(LINGER);
}


void Connection::onWritable()
{
	flush();
	if (_readWantsWrite && !_dead)
	{
		_readWantsWrite = false;
		onReadable();
	}
}


void Connection::flush()
{
	while (_outOffset < _out.size())
	{
		ssize_t n = transmit(_out.data() + _outOffset, _out.size() - _outOffset);
		if (n > 0)
		{
			_outOffset += static_cast<std::size_t>(n);
			continue;
		}
		if (n < 0 && errno == EINTR) continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		{
			// A peer we are closing that does not read gets no more time.
			if (_closing) fail(_closeReason);
			break;
		}
		fail("send failed: " + ioError());
		return;
	}
	if (_outOffset == _out.size())
	{
		_out.clear();
		_outOffset = 0;
		if (_closing && !_shutdownSent)
		{
			// The close frame is out: tell the peer, then linger for its EOF.
			if (_tls) _tls->notifyClose();
			::shutdown(_fd, SHUT_WR);
			_shutdownSent = true;
		}
	}
	else if (_outOffset > (1 << 16))
	{
		_out.erase(0, _outOffset);
		_outOffset = 0;
	}
}


void Connection::onReadable()
{
	if (_writeWantsRead)
	{
		_writeWantsRead = false;
		flush();
		if (_dead) return;
	}
	char buffer[65536];
	if (_closing)
	{
		// Lingering: discard until the peer closes too (bounded per call).
		for (int round = 0; round < 4; ++round)
		{
			ssize_t n = receive(buffer, sizeof(buffer));
			if (n > 0) continue;
			if (n < 0 && errno == EINTR) continue;
			if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
			fail(_closeReason);
			return;
		}
		return;
	}
	// Bounded per call, so that one busy peer cannot hog the loop. A TLS
	// read returns one record (16 KiB at most): more rounds, same budget.
	const int rounds = _tls ? 16 : 4;
	for (int round = 0; round < rounds && wantsRead(); ++round)
	{
		ssize_t n = receive(buffer, sizeof(buffer));
		if (n == 0)
		{
			fail("peer closed the connection");
			return;
		}
		if (n < 0)
		{
			if (errno == EINTR) continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) break;
			fail("receive failed: " + ioError());
			return;
		}
		_in.append(buffer, static_cast<std::size_t>(n));
		for (;;)
		{
			FrameCodec::Result result = _codec.decode(_in, _inOffset);
			if (result == FrameCodec::NEED_MORE) break;
			if (result == FrameCodec::ERROR)
			{
				close(_codec.closeCode(), _codec.error());
				return;
			}
			dispatch(_codec.payload());
			if (closing()) return;
		}
		if (_inOffset == _in.size())
		{
			_in.clear();
			_inOffset = 0;
		}
		else if (_inOffset > (1 << 16))
		{
			_in.erase(0, _inOffset);
			_inOffset = 0;
		}
		// A short read drained the socket (plain), or OpenSSL's read-ahead
		// buffer (TLS, which read what the socket held): the next read
		// would most likely find nothing. epoll is level-triggered, so a
		// wrong guess costs a wakeup, not a stall.
		if (_tls ? !_tls->pending() : n < static_cast<ssize_t>(sizeof(buffer))) break;
	}
	if (hasBufferedInput()) _loop.markBuffered(*this);
}


void Connection::dispatch(const std::string& payload)
{
	switch (_codec.opcode())
	{
	case FrameCodec::TEXT:
		_heard = true;
		_handler.onMessage(_link, payload);
		break;
	case FrameCodec::BINARY:
		close(1003, "binary frames are not supported: send JSON text");
		break;
	case FrameCodec::PING:
		// Counted like any reply: a worker is always read, so a pinger
		// that never reads would otherwise grow this buffer without end.
		if (_out.size() - _outOffset > MAX_OUTPUT)
		{
			fail("slow consumer: more than " + std::to_string(MAX_OUTPUT >> 20) + " MiB of replies (PONGs) unread");
			break;
		}
		FrameCodec::encode(_out, FrameCodec::PONG, payload.data(), payload.size(), _clientSide);
		_loop.markDirty(*this);
		break;
	case FrameCodec::CLOSE:
		close(1000, "peer closed the connection");
		break;
	default:
		break;
	}
}


} // namespace orchd

//
// TlsSocketImpl.cpp
//


#include "net/TlsSocketImpl.h"
#include "net/NodeIdentity.h"
#include "Poco/Exception.h"
#include "Poco/String.h"
#include <cerrno>
#include <cstring>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>


namespace orchd {


TlsSocketImpl::TlsSocketImpl(poco_socket_t fd, TlsContext::Ptr context):
	StreamSocketImpl(fd),
	_context(std::move(context)),
	_ssl(_context->newSession())
{
	attach();
	SSL_set_accept_state(_ssl);
}


TlsSocketImpl::TlsSocketImpl(TlsContext::Ptr context):
	_context(std::move(context)),
	_ssl(_context->newSession())
{
}


TlsSocketImpl::~TlsSocketImpl()
{
	SSL_free(_ssl);
}


void TlsSocketImpl::attach()
{
	if (SSL_set_fd(_ssl, static_cast<int>(sockfd())) != 1) throw TlsException("cannot attach TLS to the socket", TlsContext::lastError());
	try
	{
		_peerText = peerAddress().toString();
	}
	catch (Poco::Exception&)
	{
		_peerText = "?";
	}
}


Poco::AutoPtr<TlsSocketImpl> TlsSocketImpl::connect(const Poco::Net::SocketAddress& address, TlsContext::Ptr context, const std::string& serverName, Poco::Timespan timeout)
{
	Poco::AutoPtr<TlsSocketImpl> socket(new TlsSocketImpl(std::move(context)));
	socket->StreamSocketImpl::connect(address, timeout);
	socket->attach();
	SSL_set_connect_state(socket->_ssl);
	socket->handshake(timeout);
	if (!serverName.empty() && !NodeIdentity::names(socket->_peerNames, serverName))
	{
		throw TlsException("the certificate of " + address.toString() + " names " +
			(socket->_peerNames.empty() ? std::string("nothing") : Poco::cat(std::string(", "), socket->_peerNames.begin(), socket->_peerNames.end())) +
			", not " + serverName);
	}
	return socket;
}


void TlsSocketImpl::handshake(Poco::Timespan timeout)
{
	try
	{
		for (;;)
		{
			int rc;
			{
				std::lock_guard<std::mutex> lock(_mutex);
				rc = result(SSL_do_handshake(_ssl), "handshake");
			}
			if (rc > 0) break;
			if (rc == 0) throw TlsException("the peer closed the connection during the handshake");
			wait(rc, timeout);
		}
	}
	catch (Poco::Exception& exc)
	{
		std::string why = exc.displayText();
		if (_context->usage() == TlsContext::SERVER && _context->logger())
			_context->logger()->warning("TLS handshake with %s failed: %s", _peerText, why);
		throw TlsException("TLS handshake with " + _peerText + " failed", why);
	}
	std::lock_guard<std::mutex> lock(_mutex);
	_peerNames = TlsContext::peerNames(_ssl);
	_handshaken = true;
}


int TlsSocketImpl::result(int rc, const char* operation)
{
	if (rc > 0) return rc;
	int error = SSL_get_error(_ssl, rc);
	int code = errno;
	switch (error)
	{
	case SSL_ERROR_WANT_READ:
		return WANT_READ;
	case SSL_ERROR_WANT_WRITE:
		return WANT_WRITE;
	case SSL_ERROR_ZERO_RETURN:
		return 0;
	case SSL_ERROR_SYSCALL:
		ERR_clear_error();
		if (code == EINTR || code == EAGAIN) return std::strcmp(operation, "write") == 0 ? WANT_WRITE : WANT_READ;
		if (code == 0) return 0;
		throw TlsException(std::string(operation) + " failed", std::strerror(code));
	default:
		throw TlsException(std::string(operation) + " failed", TlsContext::lastError());
	}
}


void TlsSocketImpl::wait(int want, Poco::Timespan timeout)
{
	pollfd p{static_cast<int>(sockfd()), static_cast<short>(want == WANT_WRITE ? POLLOUT : POLLIN), 0};
	int ms = timeout.totalMicroseconds() > 0 ? static_cast<int>((timeout.totalMicroseconds() + 999) / 1000) : -1;
	int ready;
	do ready = ::poll(&p, 1, ms);
	while (ready < 0 && errno == EINTR);
	if (ready == 0) throw Poco::TimeoutException("TLS: no answer from " + _peerText);
	if (ready < 0) throw TlsException("poll failed", std::strerror(errno));
}


void TlsSocketImpl::ensureHandshake()
{
	if (!_handshaken)
	{
		Poco::Timespan timeout = getReceiveTimeout();
		handshake(timeout.totalMicroseconds() > 0 ? timeout : Poco::Timespan(10, 0));
	}
}


int TlsSocketImpl::readSome(void* buffer, int length)
{
	std::lock_guard<std::mutex> lock(_mutex);
	int rc = result(SSL_read(_ssl, buffer, length), "read");
	_starved = rc < 0;  // WANT_READ or WANT_WRITE: only the socket can move it on
	return rc;
}


int TlsSocketImpl::writeSome(const void* buffer, int length)
{
	std::lock_guard<std::mutex> lock(_mutex);
	int rc = result(SSL_write(_ssl, buffer, length), "write");
	if (rc == 0) throw TlsException("write failed: the peer closed the connection");
	return rc;
}


void TlsSocketImpl::readAhead()
{
	std::lock_guard<std::mutex> lock(_mutex);
	SSL_set_read_ahead(_ssl, 1);
}


bool TlsSocketImpl::pending()
{
	std::lock_guard<std::mutex> lock(_mutex);
	return SSL_pending(_ssl) > 0 || (SSL_has_pending(_ssl) == 1 && !_starved);
}


void TlsSocketImpl::notifyClose()
{
	std::lock_guard<std::mutex> lock(_mutex);
	if (!_handshaken || _closeNotified) return;
	_closeNotified = true;
	if (SSL_shutdown(_ssl) < 0) ERR_clear_error();
}


const std::vector<std::string>& TlsSocketImpl::peerNames() const
{
	return _peerNames;
}


const std::string& TlsSocketImpl::peerText() const
{
	return _peerText;
}


int TlsSocketImpl::sendBytes(const void* buffer, int length, int)
{
	ensureHandshake();
	const char* bytes = static_cast<const char*>(buffer);
	int sent = 0;
	while (sent < length)
	{
		int n = writeSome(bytes + sent, length - sent);
		if (n > 0) sent += n;
		else wait(n, getSendTimeout());
	}
	return sent;
}


int TlsSocketImpl::receiveBytes(void* buffer, int length, int)
{
	ensureHandshake();
	for (;;)
	{
		int n = readSome(buffer, length);
		if (n >= 0) return n;
		wait(n, getReceiveTimeout());
	}
}


int TlsSocketImpl::available()
{
	std::lock_guard<std::mutex> lock(_mutex);
	return SSL_pending(_ssl);
}


bool TlsSocketImpl::secure() const
{
	return true;
}


void TlsSocketImpl::close()
{
	if (sockfd() != POCO_INVALID_SOCKET) notifyClose();
	StreamSocketImpl::close();
}


} // namespace orchd

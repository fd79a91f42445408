//
// TlsSocketImpl.h
//
// A TCP socket that speaks TLS through OpenSSL, for Poco and for the loop.
//


#ifndef orchd_TlsSocketImpl_INCLUDED
#define orchd_TlsSocketImpl_INCLUDED


#include "net/TlsContext.h"
#include "Poco/AutoPtr.h"
#include "Poco/Net/SocketAddress.h"
#include "Poco/Net/StreamSocketImpl.h"
#include "Poco/Timespan.h"
#include <mutex>
#include <string>
#include <vector>


namespace orchd {


class TlsSocketImpl: public Poco::Net::StreamSocketImpl
	/// A stream socket whose bytes go through one OpenSSL session that
	/// orchd owns (Poco 1.11's SecureSocketImpl keeps its SSL* private and,
	/// on a non-blocking socket, still polls inside its retry loop, which
	/// would park the event loop).
	///
	/// Two faces on one session:
	///   - Poco's blocking interface (sendBytes, receiveBytes), so that the
	///     HTTP server, HTTPClientSession and the WebSocket handshake run
	///     on it unchanged; it completes the handshake on first use and
	///     waits with poll() up to the socket's timeouts;
	///   - readSome/writeSome, which never wait: the event loop's
	///     Connection and WebSocketClient use them on a non-blocking
	///     descriptor, with pending() for the bytes OpenSSL has already
	///     decrypted (epoll cannot see those).
	///
	/// Every OpenSSL call holds one mutex: a reader thread and a writer
	/// thread may share the session (WebSocketClient); the loop's own use
	/// is uncontended.
{
public:
	enum
	{
		WANT_READ = -1,   /// readSome/writeSome: retry once the socket is readable
		WANT_WRITE = -2   /// ... once it is writable
	};

	TlsSocketImpl(poco_socket_t fd, TlsContext::Ptr context);
		/// An accepted connection (server side); the handshake happens on
		/// first use, or with handshake().

	static Poco::AutoPtr<TlsSocketImpl> connect(const Poco::Net::SocketAddress& address, TlsContext::Ptr context, const std::string& serverName, Poco::Timespan timeout);
		/// Connects, completes the handshake, and checks that the server's
		/// verified certificate names serverName (its CN or a DNS SAN; an
		/// empty serverName checks only the chain). Throws TlsException (a
		/// handshake or name failure) or a Poco::Net exception (connect).

	void handshake(Poco::Timespan timeout);
		/// Completes the handshake, waiting up to timeout. Throws
		/// TlsException; a server context logs the failure with the peer's
		/// address first (plain HTTP on a TLS port, a wrong CA).

	int readSome(void* buffer, int length);
		/// Never waits: bytes read (> 0), 0 when the peer closed, or
		/// WANT_READ / WANT_WRITE. Throws TlsException on a TLS error.

	int writeSome(const void* buffer, int length);
		/// Never waits: bytes written (> 0), or WANT_READ / WANT_WRITE.
		/// Throws TlsException (a reset peer included).

	void readAhead();
		/// From now on OpenSSL reads as many bytes as the socket holds (up
		/// to its buffer) instead of one record at a time: one read()
		/// for a burst of records where there were two per record. For the
		/// loop's non-blocking use only: the bytes it holds are invisible
		/// to poll(), which Poco's blocking HTTP code relies on.

	bool pending();
		/// Whether a readSome() may return bytes without the socket being
		/// readable: decrypted bytes, or (after readAhead()) raw bytes
		/// that OpenSSL holds, unless the last readSome() could not go on
		/// (WANT_READ: only part of a record there; WANT_WRITE): then
		/// only the socket can move it on.

	void notifyClose();
		/// Sends close_notify if the socket takes it now; never waits.

	const std::vector<std::string>& peerNames() const;
		/// The names (CN, DNS SANs) of the peer's verified certificate,
		/// empty if it sent none; valid after the handshake.

	const std::string& peerText() const;
		/// The peer's "host:port", as logs name it.

	// Poco's blocking interface.
	int sendBytes(const void* buffer, int length, int flags = 0) override;
	int receiveBytes(void* buffer, int length, int flags = 0) override;
	int available() override;
	bool secure() const override;
	void close() override;

protected:
	explicit TlsSocketImpl(TlsContext::Ptr context);
	~TlsSocketImpl() override;

private:
	int result(int rc, const char* operation);
	void wait(int want, Poco::Timespan timeout);
	void ensureHandshake();
	void attach();

	TlsContext::Ptr _context;
	SSL* _ssl;
	std::mutex _mutex;
	bool _handshaken = false;
	bool _closeNotified = false;
	bool _starved = false;
	std::vector<std::string> _peerNames;
	std::string _peerText;
};


} // namespace orchd


#endif // orchd_TlsSocketImpl_INCLUDED

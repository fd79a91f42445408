//
// TlsServerSocket.h
//
// A listening socket whose accepted connections speak TLS.
//


#ifndef orchd_TlsServerSocket_INCLUDED
#define orchd_TlsServerSocket_INCLUDED


#include "net/TlsContext.h"
#include "Poco/Net/ServerSocket.h"
#include "Poco/Net/ServerSocketImpl.h"


namespace orchd {


class TlsServerSocketImpl: public Poco::Net::ServerSocketImpl
	/// Accepts like a plain server socket and wraps each connection in a
	/// TlsSocketImpl. Does no handshake itself: that happens on the HTTP
	/// thread that serves the connection, so that the acceptor never waits
	/// on a client.
{
public:
	explicit TlsServerSocketImpl(TlsContext::Ptr context);

	Poco::Net::SocketImpl* acceptConnection(Poco::Net::SocketAddress& clientAddr) override;

protected:
	~TlsServerSocketImpl() override = default;

private:
	TlsContext::Ptr _context;
};


class TlsServerSocket: public Poco::Net::ServerSocket
	/// A ServerSocket on a TlsServerSocketImpl: give it to Poco's
	/// HTTPServer and every request arrives over TLS.
{
public:
	explicit TlsServerSocket(TlsContext::Ptr context);
};


} // namespace orchd


#endif // orchd_TlsServerSocket_INCLUDED

//
// TlsServerSocket.cpp
//


#include "net/TlsServerSocket.h"
#include "net/TlsSocketImpl.h"
#include <cerrno>
#include <sys/socket.h>
#include <unistd.h>


namespace orchd {


TlsServerSocketImpl::TlsServerSocketImpl(TlsContext::Ptr context):
	_context(std::move(context))
{
}


Poco::Net::SocketImpl* TlsServerSocketImpl::acceptConnection(Poco::Net::SocketAddress& clientAddr)
{
	sockaddr_storage address{};
	socklen_t length = sizeof(address);
	int fd;
	do fd = ::accept4(sockfd(), reinterpret_cast<sockaddr*>(&address), &length, SOCK_CLOEXEC);
	while (fd < 0 && errno == EINTR);
	if (fd < 0) error();  // throws, naming errno
	try
	{
		clientAddr = Poco::Net::SocketAddress(reinterpret_cast<const sockaddr*>(&address), length);
		return new TlsSocketImpl(fd, _context);
	}
	catch (...)
	{
		::close(fd);
		throw;
	}
}


TlsServerSocket::TlsServerSocket(TlsContext::Ptr context):
	ServerSocket(new TlsServerSocketImpl(std::move(context)), true)
{
}


} // namespace orchd

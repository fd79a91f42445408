//
// WebSocketClient.h
//
// The client end of a WebSocket, framed by FrameCodec on the raw socket.
//


#ifndef orchd_WebSocketClient_INCLUDED
#define orchd_WebSocketClient_INCLUDED


#include "net/FrameCodec.h"
#include "net/NodeSecurity.h"
#include "net/TlsSocketImpl.h"
#include "Poco/AutoPtr.h"
#include "Poco/Net/HTTPClientSession.h"
#include "Poco/Net/SocketAddress.h"
#include "Poco/Net/WebSocket.h"
#include "Poco/Timespan.h"
#include <memory>
#include <mutex>
#include <string>
#include <vector>


namespace orchd {


class WebSocketClient
	/// Connects with Poco's handshake, then reads and writes the socket
	/// directly: one recv() brings in as many frames as have arrived (Poco
	/// 1.11's receiveFrame() makes several calls for each frame), and a
	/// send() writes one masked frame.
	///
	/// With DialSecurity's TLS context the same bytes go through a
	/// TlsSocketImpl (non-blocking, waiting with poll()).
	///
	/// send() is thread-safe; receive() is for one thread at a time.
{
public:
	WebSocketClient(const Poco::Net::SocketAddress& address, const std::string& path, Poco::Timespan timeout, std::size_t maxMessageBytes, const DialSecurity& security = DialSecurity());
		/// Throws Poco::Net::NetException (or a subclass) if it cannot
		/// connect or is refused (a 401 is a WebSocketException), TlsException
		/// if the TLS handshake or the server's name fails.

	static std::unique_ptr<Poco::Net::WebSocket> open(const Poco::Net::SocketAddress& address, const std::string& path, Poco::Timespan timeout, const DialSecurity& security, Poco::AutoPtr<TlsSocketImpl>& tls);
		/// Dials and completes the WebSocket upgrade as security says
		/// (TLS, the server's name, the bearer token); tls receives the TLS
		/// socket under the WebSocket, if any. For the links another part
		/// serves (PeerDialer hands them to the loop).

	~WebSocketClient();

	void send(const std::string& text);
		/// Sends one text message. Throws Poco::IOException if the link is broken.

	void send(const std::vector<std::string>& texts);
		/// Sends several text messages with one write where the socket
		/// takes them: a batch costs one system call, not one per message.

	bool receive(std::string& text, Poco::Timespan timeout);
		/// Waits up to timeout for the next text message: true with the
		/// message, false on timeout (a zero timeout only takes what has
		/// arrived already). Answers pings. Throws
		/// Poco::Net::ConnectionResetException when the peer closes (with its
		/// reason, and its close code as the exception's code(), 0 if none)
		/// and Poco::ProtocolException on a framing error.

	void shutdown();
		/// Ends the connection; a receive() in another thread returns.

private:
	void sendFrame(int opcode, const std::string& payload);
	void write();
	void writeTls();
	bool readTls(Poco::Timespan timeout);

	std::unique_ptr<Poco::Net::WebSocket> _socket;
	Poco::AutoPtr<TlsSocketImpl> _tls;
	int _fd;
	FrameCodec _codec;
	std::string _in;
	std::size_t _offset = 0;
	std::mutex _sendMutex;
	std::string _out;
};


} // namespace orchd


#endif // orchd_WebSocketClient_INCLUDED

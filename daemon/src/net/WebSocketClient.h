//
// WebSocketClient.h
//
// The client end of a WebSocket, framed by FrameCodec on the raw socket.
//


#ifndef orchd_WebSocketClient_INCLUDED
#define orchd_WebSocketClient_INCLUDED


#include "net/FrameCodec.h"
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
	/// send() is thread-safe; receive() is for one thread at a time.
{
public:
	WebSocketClient(const Poco::Net::SocketAddress& address, const std::string& path, Poco::Timespan timeout, std::size_t maxMessageBytes,
		const std::string& bearerToken = std::string());
		/// bearerToken: sent as Authorization: Bearer TOKEN on the upgrade
		/// when not empty.
		/// Throws Poco::Net::NetException (or a subclass) if it cannot connect.

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

	Poco::Net::HTTPClientSession _session;
	std::unique_ptr<Poco::Net::WebSocket> _socket;
	int _fd;
	FrameCodec _codec;
	std::string _in;
	std::size_t _offset = 0;
	std::mutex _sendMutex;
	std::string _out;
};


} // namespace orchd


#endif // orchd_WebSocketClient_INCLUDED

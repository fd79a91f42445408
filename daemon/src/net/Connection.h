//
// Connection.h
//
// A server-side WebSocket connection served by the EventLoop.
//


#ifndef orchd_Connection_INCLUDED
#define orchd_Connection_INCLUDED


#include "net/ConnectionDirectory.h"
#include "net/FrameCodec.h"
#include "net/TlsSocketImpl.h"
#include "Poco/AutoPtr.h"
#include "Poco/Net/WebSocket.h"
#include "Poco/Clock.h"
#include <cstdint>
#include <string>


namespace orchd {


class EventLoop;
class Connection;


void enableKeepAlive(int fd);
	/// TCP keepalive probes after 5 s idle, every 2 s, 3 tries.


class Connection
	/// One WebSocket, after Poco's handshake, read and written without
	/// blocking by the EventLoop: bytes are read as they come and framed by
	/// a FrameCodec, and sent from an output buffer as the socket accepts
	/// them. A peer that sends half a frame or stops reading therefore holds
	/// only its own buffers, never the loop.
	///
	/// Flow control: while more than highWater bytes wait to be sent, the
	/// connection is not read (a client that floods without reading is
	/// paused, not served at others' expense); beyond maxOutput bytes it
	/// is closed as a slow consumer. That includes the PONGs it is owed:
	/// a peer that pings and never reads is dropped like any other.
	///
	/// Transport: the descriptor itself (recv/send), or, given a
	/// TlsSocketImpl, its non-blocking readSome/writeSome. Bytes OpenSSL
	/// has decrypted but not handed over are invisible to epoll: the
	/// connection then tells the loop (markBuffered) to read again.
	///
	/// Owned by the EventLoop; used on its thread only. Others hold id().
{
public:
	using Kind = Link::Kind;
	static constexpr Kind WORKER = Link::WORKER;
	static constexpr Kind CLIENT = Link::CLIENT;
	static constexpr Kind PEER = Link::PEER;

	Connection(EventLoop& loop, std::uint64_t id, Kind kind, const Poco::Net::WebSocket& socket, ConnectionHandler& handler, std::size_t maxMessageBytes, bool clientSide, const std::string& tag = std::string(), Poco::AutoPtr<TlsSocketImpl> tls = {});
		/// clientSide: this end dialled (a master's link to a peer), so it
		/// masks what it sends and expects unmasked frames. tag: free for
		/// the handler (a master's dialled peer links carry the peer's id).
		/// tls: the socket under the WebSocket if it speaks TLS (handshake
		/// done); its verified names become the link's.
	~Connection();

	std::uint64_t id() const;
	Kind kind() const;
	const std::string& peerAddress() const;
	const Link& link() const;
		/// What the handler sees of this connection.
	int fd() const;

	void send(const std::string& text);
		/// Queues a text message; it leaves when the socket accepts it.

	void close(std::uint16_t code, const std::string& reason);
		/// Sends a close frame, then drops the connection once it is sent
		/// (or at once if the peer does not read).

	bool closing() const;

	bool heard() const;
		/// True once a text message came in (see EventLoop's first-message
		/// deadline).

	bool lingerExpired() const;
		/// True once a closing connection has waited LINGER for its peer.

	// For the EventLoop.
	void onReadable();
	void onWritable();
	bool wantsWrite() const;
	bool wantsRead() const;
	bool hasBufferedInput();
		/// TLS: decrypted bytes wait inside OpenSSL.
	void fail(const std::string& reason);
	ConnectionHandler& handler();
	const std::string& closeReason() const;

	bool flushQueued = false;
		/// For the EventLoop: already on its list of connections to flush.

	static constexpr std::size_t HIGH_WATER = 1 << 20;
	static constexpr std::size_t MAX_OUTPUT = 64 << 20;
	static constexpr Poco::Clock::ClockDiff LINGER = 2000000;
		/// After its close frame is sent, a connection reads and discards
		/// what the peer still sends (so that the peer sees the close frame,
		/// not a reset) until the peer closes, or this long (µs).

private:
	void flush();
	void dispatch(const std::string& payload);
	ssize_t receive(char* buffer, std::size_t size);
	ssize_t transmit(const char* data, std::size_t size);
		/// recv()/send() of the transport: -1 with errno EAGAIN when the
		/// socket must be ready first; other errors name themselves in
		/// ioError().
	std::string ioError() const;

	EventLoop& _loop;
	Link _link;
	Poco::Net::WebSocket _socket;
	int _fd;
	ConnectionHandler& _handler;
	bool _clientSide;
	FrameCodec _codec;
	std::string _in;
	std::size_t _inOffset = 0;
	std::string _out;
	std::size_t _outOffset = 0;
	bool _heard = false;
	bool _closing = false;
	bool _shutdownSent = false;
	Poco::Clock _closingSince;
	bool _dead = false;
	std::string _closeReason;
	Poco::AutoPtr<TlsSocketImpl> _tls;
	bool _readWantsWrite = false;  // TLS: a read waits for the socket to take a write
	bool _writeWantsRead = false;  // TLS: a write waits for bytes to read
	std::string _tlsError;
};


} // namespace orchd


#endif // orchd_Connection_INCLUDED

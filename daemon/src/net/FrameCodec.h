//
// FrameCodec.h
//
// RFC 6455 WebSocket framing on byte buffers, for non-blocking sockets.
//


#ifndef orchd_FrameCodec_INCLUDED
#define orchd_FrameCodec_INCLUDED


#include <cstddef>
#include <cstdint>
#include <string>


namespace orchd {


class FrameCodec
	/// Decodes the frames a peer sends from whatever bytes have arrived so
	/// far, and encodes frames to send. Poco 1.11's WebSocket::receiveFrame()
	/// blocks until a whole frame is in, so one peer that sends half a frame
	/// would stall a thread that serves many; this codec never blocks: a
	/// partial frame simply waits in the buffer for more bytes.
	///
	/// Fragmented messages are reassembled; control frames may arrive
	/// between fragments. Not thread-safe: one codec per connection, used
	/// by the thread that owns the connection.
{
public:
	enum Opcode
	{
		CONTINUATION = 0x0,
		TEXT = 0x1,
		BINARY = 0x2,
		CLOSE = 0x8,
		PING = 0x9,
		PONG = 0xA
	};

	enum Result
	{
		NEED_MORE,   /// no complete message yet
		MESSAGE,     /// a complete message: opcode() and payload()
		ERROR        /// a protocol violation: error() and closeCode()
	};

	FrameCodec(std::size_t maxMessageBytes, bool expectMasked);
		/// maxMessageBytes bounds a (reassembled) message; expectMasked is
		/// true on the server side, where RFC 6455 requires masked frames.

	Result decode(const std::string& buffer, std::size_t& offset);
		/// Decodes one message from buffer at offset if it is complete, and
		/// moves offset past it. Call again until NEED_MORE: several may be
		/// buffered. The caller drops the consumed bytes when it likes.

	int opcode() const;
	const std::string& payload() const;
	const std::string& error() const;
	std::uint16_t closeCode() const;
		/// For ERROR: 1002 protocol error, 1009 message too big. (The
		/// Connection itself answers a binary message with 1003.)

	static void encode(std::string& out, int opcode, const char* data, std::size_t length, bool mask);
		/// Appends one final frame to out. Clients must mask; servers must not.

	static void encodeClose(std::string& out, std::uint16_t code, const std::string& reason, bool mask);
		/// Appends a CLOSE frame with a status code and reason.

private:
	Result fail(std::uint16_t code, const std::string& error);

	std::size_t _maxMessageBytes;
	bool _expectMasked;
	int _messageOpcode = -1;   // the opcode of the message being reassembled
	std::string _fragments;
	int _opcode = 0;
	std::string _payload;
	std::string _error;
	std::uint16_t _closeCode = 0;
};


} // namespace orchd


#endif // orchd_FrameCodec_INCLUDED

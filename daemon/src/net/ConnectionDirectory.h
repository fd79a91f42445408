//
// ConnectionDirectory.h
//
// The seam between the master's logic and its sockets: connections by id.
//


#ifndef orchd_ConnectionDirectory_INCLUDED
#define orchd_ConnectionDirectory_INCLUDED


#include <cstdint>
#include <string>
#include <vector>


namespace orchd {


struct Link
	/// What a handler knows of one connection: an id to reach it through a
	/// ConnectionDirectory, never a reference to the socket, so that the
	/// dispatcher and the federation run the same in a fixture.
{
	enum Kind
	{
		WORKER,
		CLIENT,
		PEER
	};

	std::uint64_t id = 0;
	Kind kind = CLIENT;
	std::string peerAddress;  /// "host:port" of the other end
	std::string tag;          /// a dialled peer link: the peer's id; a client: its token name; else empty
	std::vector<std::string> verifiedNames;  /// the CN and DNS SANs of the peer's TLS certificate, verified against the CA; empty without one
};


class ConnectionHandler
	/// Receives the events of the connections adopted for it. Called on the
	/// event loop's thread only.
{
public:
	virtual ~ConnectionHandler() = default;

	virtual void onOpen(const Link& link) = 0;
	virtual void onMessage(const Link& link, const std::string& text) = 0;
		/// A complete text message.
	virtual void onClose(const Link& link, const std::string& reason) = 0;
		/// The connection is gone (peer closed, error, or close() was
		/// called); its id is never used again.
};


class ConnectionDirectory
	/// Reaches connections by id. The EventLoop implements it; fixtures use
	/// a fake that records what is sent. Called on the event loop's thread
	/// only. Every method is a no-op (or false) for an id that is gone or
	/// closing: a handler never has to check first.
{
public:
	virtual ~ConnectionDirectory() = default;

	virtual bool send(std::uint64_t id, const std::string& text) = 0;
		/// Queues a text message; false if the connection is gone or closing.

	virtual void close(std::uint64_t id, std::uint16_t code, const std::string& reason) = 0;
		/// Sends a close frame with code and reason, then drops the
		/// connection once it is sent.

	virtual void drop(std::uint64_t id, const std::string& reason) = 0;
		/// Drops the connection at once, without a close frame (a worker
		/// replaced by its own new connection).

	virtual bool alive(std::uint64_t id) const = 0;
		/// True while the connection is open and not closing.
};


} // namespace orchd


#endif // orchd_ConnectionDirectory_INCLUDED

//
// MasterClient.h
//
// A client of a master's /v1/client WebSocket and HTTP API.
//


#ifndef orchd_MasterClient_INCLUDED
#define orchd_MasterClient_INCLUDED


#include "net/WebSocketClient.h"
#include "Poco/JSON/Object.h"
#include "Poco/Net/SocketAddress.h"
#include "Poco/Timespan.h"
#include <memory>
#include <string>


namespace orchd {


class MasterClient
	/// One pipelined client connection: send() any number of tasks tagged
	/// with REQUEST_ID, receive() results in whatever order they come.
	/// call() is the one-task convenience. Used by orchctl, the benchmark
	/// and the tests. Not thread-safe: one thread sends and receives, or
	/// one sends while one other receives.
{
public:
	MasterClient(const Poco::Net::SocketAddress& master, Poco::Timespan timeout = Poco::Timespan(10, 0), const DialSecurity& security = DialSecurity());
		/// Connects to ws://master/v1/client (wss:// with security's TLS
		/// context). Throws Poco::Net::NetException (or a subclass) if it
		/// cannot, TlsException if the master's certificate fails.

	void send(const std::string& text);
	void send(const Poco::JSON::Object& request);
	void send(const std::vector<std::string>& texts);
		/// Several tasks with one write.

	std::string receive();
		/// Returns the next text message. Throws Poco::TimeoutException
		/// after the timeout, Poco::Net::ConnectionResetException if the
		/// master closed the connection.

	bool tryReceive(std::string& text);
		/// The next message if one has arrived already, without waiting.

	Poco::JSON::Object::Ptr call(Poco::JSON::Object::Ptr request);
		/// Sends one task with a fresh REQUEST_ID and returns its result.

	std::string call(Poco::JSON::Object::Ptr request, Poco::JSON::Object::Ptr& result);
		/// Like call(), and returns the result's text as the master sent it
		/// (exact SALDO decimals, REQUEST_ID included).

	static std::string httpGet(const Poco::Net::SocketAddress& master, const std::string& path, int& status,
		Poco::Timespan timeout = Poco::Timespan(10, 0), const DialSecurity& security = DialSecurity());
	static std::string httpPost(const Poco::Net::SocketAddress& master, const std::string& path, const std::string& body, int& status,
		Poco::Timespan timeout = Poco::Timespan(60, 0), const DialSecurity& security = DialSecurity());
		/// One HTTP exchange (HTTPS with security's TLS context).

	static std::string readToken(const std::string& tokenFile);
		/// The secret in a token file: its first line that is neither
		/// blank nor a # comment, trimmed; or, with tokenFile empty, the
		/// ORCHD_TOKEN environment variable (empty if unset). Throws
		/// Poco::IOException naming the file if it cannot be read or holds
		/// no token.

	static Poco::Net::SocketAddress parseAddress(const std::string& hostPort);
		/// Accepts HOST:PORT, or ID@HOST:PORT as written in worker.home.

private:
	WebSocketClient _link;
	Poco::Timespan _timeout;
	std::uint64_t _nextId = 1;
};


} // namespace orchd


#endif // orchd_MasterClient_INCLUDED

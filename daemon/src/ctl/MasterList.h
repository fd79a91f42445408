//
// MasterList.h
//
// orchctl's --master list (or $ORCHD_MASTER): the masters it tries, in
// order, and how to dial each.
//


#ifndef orchd_MasterList_INCLUDED
#define orchd_MasterList_INCLUDED


#include "ctl/MasterClient.h"
#include "net/TlsContext.h"
#include "Poco/Exception.h"
#include "Poco/Net/NetException.h"
#include "Poco/Net/SocketAddress.h"
#include "Poco/Net/WebSocket.h"
#include "Poco/Timespan.h"
#include <string>
#include <utility>
#include <vector>


namespace orchd {


class NotAllowed: public Poco::Exception
	/// The master refused the client's token or its role: exit 77.
{
public:
	explicit NotAllowed(const std::string& message): Poco::Exception(message) {}
};


class Unreachable: public Poco::Exception
	/// No master of the list could be reached: exit 69.
{
public:
	explicit Unreachable(const std::string& message): Poco::Exception(message) {}
};


class MasterList
	/// The --master (or $ORCHD_MASTER) list, tried in order: a master that
	/// cannot be reached is skipped with a note on stderr.
{
public:
	MasterList(const std::string& list, Poco::Timespan timeout, const std::string& caFile, const std::string& token);
		/// list: comma-separated HOST:PORT or ID@HOST:PORT. caFile: TLS,
		/// each master's certificate checked against that CA (and against
		/// ID where given). Throws UsageError naming a bad entry or file.

	DialSecurity security(const Poco::Net::SocketAddress& address) const;
		/// How to dial that master of the list.

	template <class Action>
	auto first(Action action) -> decltype(action(std::declval<const Poco::Net::SocketAddress&>()))
		/// action on the first master that can be reached (a NetException
		/// or a timeout moves on to the next one). Throws NotAllowed when a
		/// master refuses the token (401, 403), Unreachable when none
		/// answers.
	{
		std::string failures;
		for (const auto& address: _addresses)
		{
			try
			{
				return action(address);
			}
			catch (Poco::Net::WebSocketException& exc)
			{
				// 401 and 403 are answers, not an unreachable master.
				if (exc.code() == Poco::Net::WebSocket::WS_ERR_UNAUTHORIZED || exc.message().find("Forbidden") != std::string::npos)
					throw NotAllowed("master " + address.toString() + " refused the client token (--token-file or ORCHD_TOKEN): " + exc.displayText());
				note(address, exc, failures);
			}
			catch (Poco::Net::NetException& exc)
			{
				note(address, exc, failures);
			}
			catch (Poco::TimeoutException& exc)
			{
				note(address, exc, failures);
			}
		}
		throw Unreachable("no master reachable: " + failures);
	}

	Poco::Timespan timeout() const;

private:
	void note(const Poco::Net::SocketAddress& address, const Poco::Exception& exc, std::string& failures) const;

	std::vector<Poco::Net::SocketAddress> _addresses;
	std::vector<std::string> _ids;  // ID of ID@HOST:PORT, or empty
	TlsContext::Ptr _tls;
	Poco::Timespan _timeout;
	std::string _token;
};


} // namespace orchd


#endif // orchd_MasterList_INCLUDED

//
// PeerAddress.h
//
// A master as peers and workers name it: ID@HOST:PORT.
//


#ifndef orchd_PeerAddress_INCLUDED
#define orchd_PeerAddress_INCLUDED


#include "Poco/Types.h"
#include <string>


namespace orchd {


struct PeerAddress
{
	std::string id;
	std::string host;
	Poco::UInt16 port = 0;

	std::string toString() const
	{
		return id + "@" + host + ":" + std::to_string(port);
	}
};


} // namespace orchd


#endif // orchd_PeerAddress_INCLUDED

//
// MasterOptions.h
//
// A master's settings (master.* keys, and the dispatcher's and federation's).
//


#ifndef orchd_MasterOptions_INCLUDED
#define orchd_MasterOptions_INCLUDED


#include "master/DispatchOptions.h"
#include "master/FederationOptions.h"
#include "net/NodeSecurity.h"
#include "Poco/Net/SocketAddress.h"
#include "Poco/Timespan.h"
#include <cstddef>


namespace orchd {


struct MasterOptions
{
	Poco::Net::SocketAddress listen;
	DispatchOptions dispatch;
	FederationOptions federation;
	std::size_t maxMessageBytes = 1 << 20;
	int httpThreads = 32;
	Poco::Timespan httpTimeout = Poco::Timespan(30, 0);
	NodeSecurity security;  /// TLS on master.listen and on the peer links it dials; the cluster token
};


} // namespace orchd


#endif // orchd_MasterOptions_INCLUDED

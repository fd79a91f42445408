//
// NodeSecurity.h
//
// How a node's links are secured: TLS contexts and the cluster token.
//


#ifndef orchd_NodeSecurity_INCLUDED
#define orchd_NodeSecurity_INCLUDED


#include "net/ClusterToken.h"
#include "net/TlsContext.h"
#include <string>


namespace orchd {


struct NodeSecurity
	/// The tls.* and auth.cluster_token_file keys, loaded (see
	/// DaemonConfig). Shared read-only by the parts that listen and dial.
{
	TlsContext::Ptr server;    /// master.listen speaks TLS; null: plain
	TlsContext::Ptr client;    /// the links this node dials speak TLS; null: plain
	bool verifyPeers = false;  /// /v1/worker and /v1/peer need a verified certificate naming the node's id
	ClusterToken::Ptr clusterToken;  /// auth.cluster_token_file; null: none. Shared by every copy, so that a reload reaches all

	bool tls() const
	{
		return server != nullptr;
	}
};


struct DialSecurity
	/// What a node presents when it dials one master (WebSocketClient,
	/// PeerDialer).
{
	TlsContext::Ptr tls;      /// null: plain
	std::string serverName;   /// the name the server's certificate must carry (the master's id); empty: the chain only
	std::string bearerToken;  /// sent as "Authorization: Bearer ..." on the upgrade; empty: none
	ClusterToken::Ptr clusterToken;  /// when set, its presented() secret is sent instead, read at each dial
};


} // namespace orchd


#endif // orchd_NodeSecurity_INCLUDED

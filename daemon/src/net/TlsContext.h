//
// TlsContext.h
//
// The OpenSSL context of one end of orchd's links (certificate, key, CA).
//


#ifndef orchd_TlsContext_INCLUDED
#define orchd_TlsContext_INCLUDED


#include "Poco/Exception.h"
#include "Poco/Logger.h"
#include <memory>
#include <string>
#include <vector>


typedef struct ssl_ctx_st SSL_CTX;
typedef struct ssl_st SSL;


namespace orchd {


POCO_DECLARE_EXCEPTION(, TlsException, Poco::IOException)
	/// A TLS handshake or record failed; the message says why (OpenSSL's
	/// reason, and the peer's address where known).


struct TlsFiles
	/// The tls.* keys of a node.
{
	std::string certificateFile;  /// PEM: this node's certificate (and chain)
	std::string privateKeyFile;   /// PEM: its private key
	std::string caFile;           /// PEM: the CA(s) that sign the cluster's certificates
	bool verifyPeers = false;     /// a master requires a client certificate on /v1/worker and /v1/peer
};


class TlsContext
	/// One SSL_CTX, for a master's listening socket (SERVER) or for the
	/// links a node dials (CLIENT): TLS 1.2 or newer, this node's
	/// certificate and key, and the cluster CA.
	///
	/// A server context asks for a client certificate when verifyPeers is
	/// set, and fails the handshake of a client whose certificate the CA did
	/// not sign; a client without one still connects (orchctl, curl), and
	/// the master refuses it on the node endpoints. A client context
	/// verifies the server's chain against the CA and presents this node's
	/// certificate if it has one.
	///
	/// Immutable once made; shared by every socket that uses it, from any
	/// thread.
{
public:
	enum Usage
	{
		SERVER,
		CLIENT
	};

	using Ptr = std::shared_ptr<const TlsContext>;

	TlsContext(Usage usage, const TlsFiles& files, Poco::Logger* logger = nullptr);
		/// Loads the files. Throws TlsException naming the file and
		/// OpenSSL's reason if one cannot be read or the key does not match
		/// the certificate. A server context needs the certificate and key;
		/// a client one the CA. logger receives the failed handshakes of a
		/// server (with the peer's address).

	~TlsContext();

	TlsContext(const TlsContext&) = delete;
	TlsContext& operator = (const TlsContext&) = delete;

	SSL* newSession() const;
		/// A fresh SSL object on this context. The caller frees it.

	Usage usage() const;
	bool verifyPeers() const;
	Poco::Logger* logger() const;

	static std::string lastError();
		/// OpenSSL's error queue as text (and empties it).

	static std::vector<std::string> peerNames(SSL* ssl);
		/// The CN and DNS subject alternative names of the peer's
		/// certificate if it presented one and it verified against the CA;
		/// else nothing.

private:
	SSL_CTX* _context;
	Usage _usage;
	bool _verifyPeers;
	Poco::Logger* _logger;
};


} // namespace orchd


#endif // orchd_TlsContext_INCLUDED

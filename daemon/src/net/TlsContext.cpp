//
// TlsContext.cpp
//


#include "net/TlsContext.h"
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>


namespace orchd {


POCO_IMPLEMENT_EXCEPTION(TlsException, Poco::IOException, "TLS error")


namespace {


std::string x509Text(const ASN1_STRING* text)
{
	const unsigned char* data = ASN1_STRING_get0_data(text);
	return std::string(reinterpret_cast<const char*>(data), static_cast<std::size_t>(ASN1_STRING_length(text)));
}


SSL_CTX* newContext(TlsContext::Usage usage)
{
	// Before OpenSSL's first use: no cleanup at exit. It would free the
	// global state while the HTTP pool's threads still hold their own
	// (error queue, random generators), which then shows as leaked; left
	// alone, the process's exit reclaims both.
	static const bool initialised = OPENSSL_init_ssl(OPENSSL_INIT_NO_ATEXIT | OPENSSL_INIT_LOAD_SSL_STRINGS | OPENSSL_INIT_LOAD_CRYPTO_STRINGS, nullptr) == 1;
	if (!initialised) return nullptr;
	return SSL_CTX_new(usage == TlsContext::SERVER ? TLS_server_method() : TLS_client_method());
}


} // namespace


TlsContext::TlsContext(Usage usage, const TlsFiles& files, Poco::Logger* logger):
	_context(newContext(usage)),
	_usage(usage),
	_verifyPeers(usage == SERVER && files.verifyPeers),
	_logger(logger)
{
	if (!_context) throw TlsException("cannot create an OpenSSL context", lastError());
	try
	{
		SSL_CTX_set_min_proto_version(_context, TLS1_2_VERSION);
		// The event loop retries a write with whatever its buffer holds by
		// then: OpenSSL must accept a moved buffer and partial writes.
		SSL_CTX_set_mode(_context, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
		// A peer that drops the link without close_notify is a closed link,
		// not an error (OpenSSL 3 reports it as one by default).
		SSL_CTX_set_options(_context, SSL_OP_NO_RENEGOTIATION | SSL_OP_IGNORE_UNEXPECTED_EOF);
		if (!files.certificateFile.empty() && SSL_CTX_use_certificate_chain_file(_context, files.certificateFile.c_str()) != 1)
			throw TlsException("cannot load the certificate " + files.certificateFile, lastError());
		if (!files.privateKeyFile.empty() && SSL_CTX_use_PrivateKey_file(_context, files.privateKeyFile.c_str(), SSL_FILETYPE_PEM) != 1)
			throw TlsException("cannot load the private key " + files.privateKeyFile, lastError());
		if (!files.certificateFile.empty() && SSL_CTX_check_private_key(_context) != 1)
			throw TlsException("the private key " + files.privateKeyFile + " does not match the certificate " + files.certificateFile, lastError());
		if (usage == SERVER && files.certificateFile.empty())
			throw TlsException("a listening socket needs a certificate and its key");
		if (!files.caFile.empty() && SSL_CTX_load_verify_locations(_context, files.caFile.c_str(), nullptr) != 1)
			throw TlsException("cannot load the CA file " + files.caFile, lastError());
		if (usage == CLIENT)
		{
			if (files.caFile.empty()) throw TlsException("a client needs the CA file to verify the server");
			SSL_CTX_set_verify(_context, SSL_VERIFY_PEER, nullptr);
		}
		else if (_verifyPeers)
		{
			if (files.caFile.empty()) throw TlsException("verifying peers needs the CA file");
			STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(files.caFile.c_str());
			if (!names) throw TlsException("cannot read the CA names of " + files.caFile, lastError());
			SSL_CTX_set_client_CA_list(_context, names);
			// Asked for, not required at this level: clients (orchctl,
			// curl) have none; the node endpoints refuse a link without one.
			// One that is sent must verify, or the handshake fails.
			SSL_CTX_set_verify(_context, SSL_VERIFY_PEER, nullptr);
		}
		else SSL_CTX_set_verify(_context, SSL_VERIFY_NONE, nullptr);
	}
	catch (...)
	{
		SSL_CTX_free(_context);
		throw;
	}
}


TlsContext::~TlsContext()
{
	SSL_CTX_free(_context);
}


SSL* TlsContext::newSession() const
{
	SSL* ssl = SSL_new(_context);
	if (!ssl) throw TlsException("cannot create a TLS session", lastError());
	return ssl;
}


TlsContext::Usage TlsContext::usage() const
{
	return _usage;
}


bool TlsContext::verifyPeers() const
{
	return _verifyPeers;
}


Poco::Logger* TlsContext::logger() const
{
	return _logger;
}


std::string TlsContext::lastError()
{
	std::string text;
	while (unsigned long code = ERR_get_error())
	{
		char buffer[256];
		ERR_error_string_n(code, buffer, sizeof(buffer));
		if (!text.empty()) text += "; ";
		text += buffer;
	}
	return text.empty() ? std::string("no OpenSSL error recorded") : text;
}


std::vector<std::string> TlsContext::peerNames(SSL* ssl)
{
	std::vector<std::string> names;
	X509* certificate = SSL_get0_peer_certificate(ssl);
	if (!certificate || SSL_get_verify_result(ssl) != X509_V_OK) return names;
	X509_NAME* subject = X509_get_subject_name(certificate);
	for (int i = X509_NAME_get_index_by_NID(subject, NID_commonName, -1); i >= 0; i = X509_NAME_get_index_by_NID(subject, NID_commonName, i))
		names.push_back(x509Text(X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, i))));
	auto* alternatives = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(certificate, NID_subject_alt_name, nullptr, nullptr));
	if (alternatives)
	{
		for (int i = 0; i < sk_GENERAL_NAME_num(alternatives); ++i)
		{
			const GENERAL_NAME* name = sk_GENERAL_NAME_value(alternatives, i);
			if (name->type == GEN_DNS) names.push_back(x509Text(name->d.dNSName));
		}
		GENERAL_NAMES_free(alternatives);
	}
	return names;
}


} // namespace orchd

//
// MasterList.cpp
//


#include "ctl/MasterList.h"
#include "ctl/CommandLine.h"
#include "Poco/StringTokenizer.h"
#include <iostream>
#include <memory>


namespace orchd {


MasterList::MasterList(const std::string& list, Poco::Timespan timeout, const std::string& caFile, const std::string& token):
	_timeout(timeout),
	_token(token)
{
	Poco::StringTokenizer names(list, ",", Poco::StringTokenizer::TOK_TRIM | Poco::StringTokenizer::TOK_IGNORE_EMPTY);
	for (const auto& name: names)
	{
		try
		{
			_addresses.push_back(MasterClient::parseAddress(name));
		}
		catch (Poco::Exception& exc)
		{
			throw UsageError("master " + name + ": " + exc.message());
		}
		std::string::size_type at = name.find('@');
		_ids.push_back(at == std::string::npos ? std::string() : name.substr(0, at));
	}
	if (_addresses.empty()) throw UsageError("no master in '" + list + "'");
	if (caFile.empty()) return;
	// --ca-file: TLS, the master's certificate checked against that CA,
	// and against ID if the master is given as ID@HOST:PORT.
	TlsFiles files;
	files.caFile = caFile;
	try
	{
		_tls = std::make_shared<TlsContext>(TlsContext::CLIENT, files);
	}
	catch (TlsException& exc)
	{
		throw UsageError("--ca-file " + caFile + ": " + exc.displayText());
	}
}


DialSecurity MasterList::security(const Poco::Net::SocketAddress& address) const
{
	DialSecurity security;
	security.tls = _tls;
	security.bearerToken = _token;
	for (std::size_t i = 0; i < _addresses.size(); ++i)
	{
		if (_addresses[i] == address && _tls) security.serverName = _ids[i];
	}
	return security;
}


Poco::Timespan MasterList::timeout() const
{
	return _timeout;
}


void MasterList::note(const Poco::Net::SocketAddress& address, const Poco::Exception& exc, std::string& failures) const
{
	if (_addresses.size() > 1) std::cerr << "orchctl: master " << address.toString() << " unreachable: " << exc.displayText() << "\n";
	failures += (failures.empty() ? "" : "; ") + address.toString() + " (" + exc.displayText() + ")";
}


} // namespace orchd

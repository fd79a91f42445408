//
// MasterClient.cpp
//


#include "ctl/MasterClient.h"
#include "Poco/String.h"
#include <cstdlib>
#include <fstream>
#include "json/JsonObject.h"
#include "Poco/Net/HTTPRequest.h"
#include "Poco/Net/HTTPResponse.h"
#include "Poco/Net/NetException.h"
#include "Poco/Net/StreamSocket.h"
#include "Poco/StreamCopier.h"
#include <memory>
#include <sstream>


using namespace Poco::Net;


namespace orchd {


MasterClient::MasterClient(const SocketAddress& master, Poco::Timespan timeout, const DialSecurity& security):
	_link(master, "/v1/client", timeout, 64 << 20, security),
	_timeout(timeout)
{
}


void MasterClient::send(const std::string& text)
{
	_link.send(text);
}


void MasterClient::send(const Poco::JSON::Object& request)
{
	std::ostringstream out;
	request.stringify(out);
	send(out.str());
}


void MasterClient::send(const std::vector<std::string>& texts)
{
	_link.send(texts);
}


bool MasterClient::tryReceive(std::string& text)
{
	return _link.receive(text, Poco::Timespan(0));
}


std::string MasterClient::receive()
{
	std::string text;
	if (!_link.receive(text, _timeout))
		throw Poco::TimeoutException("no message from the master within " + std::to_string(_timeout.totalMilliseconds()) + " ms");
	return text;
}


Poco::JSON::Object::Ptr MasterClient::call(Poco::JSON::Object::Ptr request)
{
	Poco::JSON::Object::Ptr result;
	call(request, result);
	result->remove("REQUEST_ID");
	return result;
}


std::string MasterClient::call(Poco::JSON::Object::Ptr request, Poco::JSON::Object::Ptr& result)
{
	std::string id = "orchctl-" + std::to_string(_nextId++);
	request->set("REQUEST_ID", id);
	send(*request);
	for (;;)
	{
		std::string text = receive();
		result = parseObject(text);
		if (!result->has("REQUEST_ID") || result->get("REQUEST_ID").toString() == id) return text;
	}
}


namespace {


std::unique_ptr<HTTPClientSession> sessionTo(const SocketAddress& master, const DialSecurity& security, Poco::Timespan timeout)
{
	if (!security.tls) return std::make_unique<HTTPClientSession>(master);
	Poco::AutoPtr<TlsSocketImpl> tls = TlsSocketImpl::connect(master, security.tls, security.serverName, timeout);
	tls->duplicate();  // the StreamSocket takes one reference of its own
	return std::make_unique<HTTPClientSession>(StreamSocket(tls.get()));
}


std::string exchange(const SocketAddress& master, const std::string& method, const std::string& path, const std::string* body, int& status, Poco::Timespan timeout, const DialSecurity& security)
{
	std::unique_ptr<HTTPClientSession> connected = sessionTo(master, security, timeout);
	HTTPClientSession& session = *connected;
	session.setTimeout(timeout);
	HTTPRequest request(method, path, HTTPMessage::HTTP_1_1);
	request.setHost(master.host().toString(), master.port());
	if (!security.bearerToken.empty()) request.set("Authorization", "Bearer " + security.bearerToken);
	if (body)
	{
		request.setContentType("application/json");
		request.setContentLength(static_cast<std::streamsize>(body->size()));
		session.sendRequest(request) << *body;
	}
	else session.sendRequest(request);
	HTTPResponse response;
	std::istream& in = session.receiveResponse(response);
	std::string text;
	Poco::StreamCopier::copyToString(in, text);
	status = response.getStatus();
	return text;
}


} // namespace


std::string MasterClient::httpGet(const SocketAddress& master, const std::string& path, int& status, Poco::Timespan timeout, const DialSecurity& security)
{
	return exchange(master, HTTPRequest::HTTP_GET, path, nullptr, status, timeout, security);
}


std::string MasterClient::httpPost(const SocketAddress& master, const std::string& path, const std::string& body, int& status, Poco::Timespan timeout, const DialSecurity& security)
{
	return exchange(master, HTTPRequest::HTTP_POST, path, &body, status, timeout, security);
}


std::string MasterClient::readToken(const std::string& tokenFile)
{
	if (tokenFile.empty())
	{
		const char* variable = std::getenv("ORCHD_TOKEN");
		return variable ? Poco::trim(std::string(variable)) : std::string();
	}
	std::ifstream in(tokenFile);
	if (!in) throw Poco::IOException("--token-file " + tokenFile + ": cannot read it");
	std::string line;
	while (std::getline(in, line))
	{
		line = Poco::trim(line);
		if (!line.empty() && line[0] != '#') return line;
	}
	throw Poco::IOException("--token-file " + tokenFile + ": no token in it (one line: the secret)");
}


SocketAddress MasterClient::parseAddress(const std::string& hostPort)
{
	std::string::size_type at = hostPort.find('@');
	return SocketAddress(at == std::string::npos ? hostPort : hostPort.substr(at + 1));
}


} // namespace orchd

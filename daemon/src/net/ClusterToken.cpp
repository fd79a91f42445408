//
// ClusterToken.cpp
//


#include "net/ClusterToken.h"
#include "Poco/Exception.h"
#include "Poco/String.h"
#include <openssl/crypto.h>
#include <sstream>


namespace orchd {


ClusterToken::ClusterToken(std::vector<std::string> secrets):
	_secrets(std::move(secrets))
{
}


std::vector<std::string> ClusterToken::parse(const std::string& text, const std::string& source)
{
	std::vector<std::string> secrets;
	std::istringstream in(text);
	std::string line;
	for (int number = 1; std::getline(in, line); ++number)
	{
		std::string secret = Poco::trim(line);
		if (secret.empty() || secret[0] == '#') continue;
		std::string where = source + ":" + std::to_string(number) + ": ";
		if (secret.size() < 16 || secret.size() > 256)
			throw Poco::DataFormatException(where + "a cluster token is 16 to 256 characters; this one has " + std::to_string(secret.size()));
		for (char c: secret)
		{
			if (c <= 0x20 || c >= 0x7F) throw Poco::DataFormatException(where + "a cluster token is printable characters without spaces");
		}
		secrets.push_back(secret);
	}
	if (secrets.empty()) throw Poco::DataFormatException(source + ": no cluster token in the file");
	if (secrets.size() > 2)
		throw Poco::DataFormatException(source + ": " + std::to_string(secrets.size()) + " cluster tokens; at most two (the one presented, and one more accepted while the cluster changes)");
	return secrets;
}


std::string ClusterToken::presented() const
{
	std::lock_guard<std::mutex> lock(_mutex);
	return _secrets.empty() ? std::string() : _secrets.front();
}


bool ClusterToken::accepts(const std::string& presented) const
{
	std::lock_guard<std::mutex> lock(_mutex);
	bool match = false;
	for (const auto& secret: _secrets)
	{
		// Every secret is compared, so the time says nothing of which.
		bool same = secret.size() == presented.size() && CRYPTO_memcmp(secret.data(), presented.data(), secret.size()) == 0;
		match = match || same;
	}
	return match;
}


bool ClusterToken::replace(const ClusterToken& other)
{
	if (&other == this) return false;
	std::vector<std::string> secrets;
	{
		std::lock_guard<std::mutex> lock(other._mutex);
		secrets = other._secrets;
	}
	std::lock_guard<std::mutex> lock(_mutex);
	if (secrets == _secrets) return false;
	_secrets = std::move(secrets);
	return true;
}


std::size_t ClusterToken::size() const
{
	std::lock_guard<std::mutex> lock(_mutex);
	return _secrets.size();
}


} // namespace orchd

//
// ClientTokens.cpp
//


#include "master/ClientTokens.h"
#include "Poco/FileStream.h"
#include "Poco/StreamCopier.h"
#include "Poco/String.h"
#include <algorithm>
#include <cctype>
#include <set>
#include <sstream>


namespace orchd {


POCO_IMPLEMENT_EXCEPTION(TokenFileException, Poco::Exception, "Tokens file error")


namespace {


bool isValidName(const std::string& name)
{
	if (name.empty() || name.size() > 64) return false;
	return std::all_of(name.begin(), name.end(), [](char c)
	{
		return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
	});
}


bool isValidSecret(const std::string& secret)
{
	if (secret.size() < 16 || secret.size() > 256) return false;
	return std::all_of(secret.begin(), secret.end(), [](char c)
	{
		return c > 0x20 && c < 0x7F;
	});
}


int roleOf(const std::string& word)
{
	if (word == "submit") return ClientTokens::SUBMIT;
	if (word == "read") return ClientTokens::READ;
	if (word == "admin") return ClientTokens::ADMIN;
	return 0;
}


std::string readText(const std::string& path)
{
	try
	{
		Poco::FileInputStream in(path);
		std::string text;
		Poco::StreamCopier::copyToString(in, text);
		return text;
	}
	catch (Poco::Exception& exc)
	{
		throw TokenFileException(path + ": cannot read (" + exc.message() + ")");
	}
}


} // namespace


ClientTokens::ClientTokens(const std::string& path, Poco::Logger& logger):
	_path(path),
	_logger(logger)
{
	Poco::File file(path);
	try
	{
		_modified = file.getLastModified();
		_size = file.getSize();
	}
	catch (Poco::Exception& exc)
	{
		throw TokenFileException(path + ": cannot read (" + exc.message() + ")");
	}
	_tokens = std::make_shared<const std::vector<Token>>(parse(readText(path), path));
}


std::vector<ClientTokens::Token> ClientTokens::parse(const std::string& text, const std::string& source)
{
	std::vector<Token> tokens;
	std::set<std::string> names, secrets;
	std::istringstream in(text);
	std::string line;
	int number = 0;
	while (std::getline(in, line))
	{
		++number;
		std::string where = source + ":" + std::to_string(number) + ": ";
		std::istringstream words(line);
		std::string first;
		if (!(words >> first) || first[0] == '#') continue;
		Token token;
		token.name = first;
		std::string role, extra;
		if (!(words >> role >> token.secret) || (words >> extra))
			throw TokenFileException(where + "expected NAME ROLE SECRET");
		if (!isValidName(token.name))
			throw TokenFileException(where + "'" + token.name + "' is not a valid name (1 to 64 of letters, digits, '-', '_', '.')");
		token.role = roleOf(role);
		if (!token.role) throw TokenFileException(where + "unknown role '" + role + "' (expected submit, read or admin)");
		if (!isValidSecret(token.secret))
			throw TokenFileException(where + "the secret of " + token.name + " must be 16 to 256 printable characters");
		if (!names.insert(token.name).second) throw TokenFileException(where + "the name " + token.name + " is used twice");
		if (!secrets.insert(token.secret).second) throw TokenFileException(where + "the secret of " + token.name + " is another token's");
		tokens.push_back(std::move(token));
	}
	return tokens;
}


bool ClientTokens::sameSecret(const std::string& stored, const std::string& presented)
{
	// Every byte of presented is compared, whatever matched before; a
	// length mismatch only sets the result.
	unsigned char difference = stored.size() == presented.size() ? 0 : 1;
	const std::size_t storedSize = std::max<std::size_t>(stored.size(), 1);
	for (std::size_t i = 0; i < presented.size(); ++i)
	{
		unsigned char s = stored.empty() ? 0 : static_cast<unsigned char>(stored[i % storedSize]);
		difference |= static_cast<unsigned char>(s ^ static_cast<unsigned char>(presented[i]));
	}
	return difference == 0;
}


ClientTokens::Verdict ClientTokens::check(const std::string& authorization, int role)
{
	std::shared_ptr<const std::vector<Token>> tokens;
	{
		Poco::FastMutex::ScopedLock lock(_mutex);
		reloadIfChanged();
		tokens = _tokens;
	}
	Verdict verdict;
	const std::string SCHEME = "Bearer ";
	if (authorization.size() <= SCHEME.size() || Poco::icompare(authorization.substr(0, SCHEME.size()), SCHEME) != 0)
	{
		verdict.status = 401;
		verdict.error = "Authorization: Bearer TOKEN required";
		return verdict;
	}
	std::string presented = authorization.substr(SCHEME.size());
	const Token* match = nullptr;
	for (const auto& token: *tokens)
	{
		if (sameSecret(token.secret, presented)) match = &token;
	}
	if (!match)
	{
		verdict.status = 401;
		verdict.error = "Unknown token";
		return verdict;
	}
	verdict.name = match->name;
	if ((match->role & role) != role)
	{
		verdict.status = 403;
		verdict.error = "The token of " + match->name + " does not allow this (role " + (role == READ ? "read" : "submit") + " needed)";
	}
	return verdict;
}


std::size_t ClientTokens::size() const
{
	Poco::FastMutex::ScopedLock lock(_mutex);
	return _tokens->size();
}


void ClientTokens::reloadIfChanged()
{
	Poco::Timestamp now;
	if (now - _checked < RECHECK_MS * 1000) return;
	_checked = now;
	Poco::Timestamp modified;
	Poco::File::FileSize size = 0;
	try
	{
		Poco::File file(_path);
		modified = file.getLastModified();
		size = file.getSize();
	}
	catch (Poco::Exception& exc)
	{
		std::string error = exc.displayText();
		if (error != _lastError) _logger.warning("auth.tokens_file %s: cannot read it (%s); keeping the %z token(s) in force", _path, error, _tokens->size());
		_lastError = error;
		return;
	}
	if (modified == _modified && size == _size) return;
	_modified = modified;
	_size = size;
	try
	{
		auto tokens = std::make_shared<const std::vector<Token>>(parse(readText(_path), _path));
		_tokens = tokens;
		_lastError.clear();
		_logger.information("auth.tokens_file %s changed: %z token(s) in force", _path, _tokens->size());
	}
	catch (TokenFileException& exc)
	{
		_lastError = exc.message();
		_logger.warning("auth.tokens_file changed but is refused: %s; keeping the %z token(s) in force", exc.message(), _tokens->size());
	}
}


} // namespace orchd

//
// ClientTokens.h
//
// The clients a master lets in: auth.tokens_file, re-read when it changes.
//


#ifndef orchd_ClientTokens_INCLUDED
#define orchd_ClientTokens_INCLUDED


#include "Poco/Exception.h"
#include "Poco/File.h"
#include "Poco/Logger.h"
#include "Poco/Mutex.h"
#include "Poco/Timestamp.h"
#include <memory>
#include <string>
#include <vector>


namespace orchd {


POCO_DECLARE_EXCEPTION(, TokenFileException, Poco::Exception)
	/// The tokens file cannot be read or has a malformed line; the message
	/// names the file and the line.


class ClientTokens
	/// The bearer tokens of auth.tokens_file: one a line, NAME ROLE SECRET,
	/// with # comments and blank lines. Roles: submit (sends tasks), read
	/// (status), admin (both). NAME is 1 to 64 of letters, digits, '-',
	/// '_', '.'; SECRET 16 to 256 printable characters without spaces.
	/// Names and secrets are unique.
	///
	/// check() compares the presented secret with every token in constant
	/// time (no early exit, no length-dependent branch on the stored
	/// secrets), so response times do not reveal how much of a guess was
	/// right. The file is looked at again at most every RECHECK: a changed
	/// file that parses replaces the tokens; one that does not keeps the
	/// old ones and logs why, once per change.
	///
	/// Thread-safe: the HTTP threads call check() concurrently.
{
public:
	enum Role
	{
		SUBMIT = 1,
		READ = 2,
		ADMIN = SUBMIT | READ
	};

	struct Token
	{
		std::string name;
		int role = 0;
		std::string secret;
	};

	struct Verdict
	{
		int status = 200;    /// 200, 401 (no or unknown token) or 403 (lacks the role)
		std::string name;    /// the client's token name when the token is known
		std::string error;   /// why, for the response body
	};

	ClientTokens(const std::string& path, Poco::Logger& logger);
		/// Reads the file. Throws TokenFileException naming the file and
		/// the line if it cannot be read or a line is malformed.

	Verdict check(const std::string& authorization, int role);
		/// Checks an Authorization header ("Bearer SECRET") for a role.

	std::size_t size() const;
		/// How many tokens are in force.

	static std::vector<Token> parse(const std::string& text, const std::string& source);
		/// The tokens of a file's text; throws TokenFileException naming
		/// source and the line number of the first bad line.

	static bool sameSecret(const std::string& stored, const std::string& presented);
		/// Constant-time in the content of both; depends only on the
		/// length of presented.

	static constexpr long RECHECK_MS = 1000;

private:
	void reloadIfChanged();

	std::string _path;
	Poco::Logger& _logger;
	mutable Poco::FastMutex _mutex;
	std::shared_ptr<const std::vector<Token>> _tokens;
	Poco::Timestamp _checked;
	Poco::Timestamp _modified;
	Poco::File::FileSize _size = 0;
	std::string _lastError;
};


} // namespace orchd


#endif // orchd_ClientTokens_INCLUDED

//
// ClusterToken.h
//
// The cluster's shared secret (auth.cluster_token_file), replaceable on a
// reload.
//


#ifndef orchd_ClusterToken_INCLUDED
#define orchd_ClusterToken_INCLUDED


#include <memory>
#include <mutex>
#include <string>
#include <vector>


namespace orchd {


class ClusterToken
	/// The secrets of auth.cluster_token_file: one a line (blank lines and
	/// # comments skipped), one or two, each 16 to 256 printable characters
	/// without spaces. The first is the one this node presents when it
	/// dials; a master accepts any. Two lines let a cluster change its
	/// token without a stop: add the new one as a second line on every
	/// node and reload, move it first and reload, drop the old and reload.
	///
	/// Thread-safe: HTTP threads check and dialling threads read while a
	/// reload replaces the secrets.
{
public:
	using Ptr = std::shared_ptr<ClusterToken>;

	explicit ClusterToken(std::vector<std::string> secrets);

	static std::vector<std::string> parse(const std::string& text, const std::string& source);
		/// The secrets of a file's text. Throws Poco::DataFormatException
		/// naming source (and the line) if there is none, more than two,
		/// or one is malformed.

	std::string presented() const;
		/// The secret to send as "Authorization: Bearer ...".

	bool accepts(const std::string& presented) const;
		/// Whether presented is one of the secrets; constant time in their
		/// content.

	bool replace(const ClusterToken& other);
		/// Takes other's secrets; returns whether they differ from ours.

	std::size_t size() const;

private:
	mutable std::mutex _mutex;
	std::vector<std::string> _secrets;
};


} // namespace orchd


#endif // orchd_ClusterToken_INCLUDED

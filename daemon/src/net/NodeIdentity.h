//
// NodeIdentity.h
//
// Whether a certificate's names prove the id a node claims.
//


#ifndef orchd_NodeIdentity_INCLUDED
#define orchd_NodeIdentity_INCLUDED


#include <string>
#include <vector>


namespace orchd {
namespace NodeIdentity {


bool names(const std::vector<std::string>& certificateNames, const std::string& id);
	/// True if one of the names (a certificate's CN and DNS SANs) is id,
	/// exactly.

bool covers(const std::vector<std::string>& certificateNames, const std::string& claimed);
	/// True if names(certificateNames, claimed), or claimed is one of the
	/// link names of a certified node: NAME-N, N a number from 1 to 64
	/// without leading zero, NAME one of the names (a worker process with
	/// worker.links = N calls its links ID-1 ... ID-N).

std::string describe(const std::vector<std::string>& certificateNames);
	/// "a, b" or "no verified certificate", for a close reason or a log.

std::string refusal(const std::vector<std::string>& certificateNames, const std::string& field, const std::string& claimed, bool linkNames);
	/// Empty if the certificate covers (linkNames) or names the claimed
	/// id; else the close reason: "identity mismatch: FIELD X, certificate
	/// names Y" (cut to the 123 bytes a close frame carries).


} } // namespace orchd::NodeIdentity


#endif // orchd_NodeIdentity_INCLUDED

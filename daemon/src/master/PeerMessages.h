//
// PeerMessages.h
//
// The messages masters exchange on /v1/peer: built and checked here, with
// no sockets and no clocks, so fixtures and fuzzers call them directly.
//


#ifndef orchd_PeerMessages_INCLUDED
#define orchd_PeerMessages_INCLUDED


#include "master/Dispatcher.h"
#include "net/PeerAddress.h"
#include "Poco/JSON/Object.h"
#include <string>
#include <vector>


namespace orchd {


class PeerMessages
	/// Builds the prototype's peer messages (docs/PROTOCOL.md, "Masters")
	/// and checks the ones received. Every check throws
	/// Poco::InvalidArgumentException naming the field. Thread-safe.
{
public:
	static std::string heartbeat(const std::string& selfId, const std::string& task, const Load& load, const std::string& storeId);
		/// {"SERVER":"ALIVE","TASK":task (REQUEST or RECIEVE),...load}, and
		/// "STORE_ID" unless storeId is empty (a master without a store).

	static Load readHeartbeat(const Poco::JSON::Object& message, std::string& task, std::string& storeId);
		/// The load a heartbeat reports; task is set to REQUEST or RECIEVE,
		/// storeId to its STORE_ID, or empty if it has none (optional: a
		/// master without a store, or an older orchd, sends none).

	static std::string workerRequest(const std::string& selfId, int needed);
	static int workersNeeded(const Poco::JSON::Object& request);
		/// WORKER_REQUEST's WORKERS_NEEDED, 1 to 1000.

	static std::string workerResponse(const std::string& selfId, const std::vector<std::string>& lent);
		/// ACK with the lent workers, or NACK if none.

	static std::vector<std::string> workers(const Poco::JSON::Object& message);
		/// The WORKERS array of strings.

	static std::string releaseCommand(const std::string& selfId, const std::vector<std::string>& workers);
	static std::string releaseAck(const std::string& selfId);
	static std::string releaseCompleted(const std::string& selfId);

	static std::string redirect(const PeerAddress& target, const PeerAddress& home, const std::vector<PeerAddress>& failover);
		/// REDIRECT for a worker lent to target.

	static std::string returnHome(const PeerAddress* home);
		/// RETURN, with HOME_MASTER if the owner's address is known.

	static int intField(const Poco::JSON::Object& message, const std::string& name, int min, int max);
		/// A required integer in [min, max].

private:
	static Poco::JSON::Object::Ptr addressOf(const PeerAddress& address);
};


} // namespace orchd


#endif // orchd_PeerMessages_INCLUDED

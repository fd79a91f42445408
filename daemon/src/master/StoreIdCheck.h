//
// StoreIdCheck.h
//
// Whether a worker's store is the master's, and the workers refused for it.
//


#ifndef orchd_StoreIdCheck_INCLUDED
#define orchd_StoreIdCheck_INCLUDED


#include "Poco/JSON/Object.h"
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>


namespace orchd {


struct StoreRefusal
	/// One worker refused for its store.
{
	std::string worker;    /// its WORKER_UUID
	std::string address;   /// "host:port" it connected from
	std::string storeId;   /// the STORE_ID it sent; empty if none
	std::string reason;    /// the close reason it was sent
	std::int64_t at = 0;   /// when (µs, TimeSource time)
};


class StoreIdCheck
	/// The master's side of the store identity: a worker may join only if
	/// the STORE_ID of its ALIVE is the master's own store id, because a
	/// worker on another database would apply this master's tasks to its
	/// own ledger (and a re-dispatch to it could apply an UPDATE twice:
	/// idempotency keys are per store). A master without a store id (no
	/// store.connection in its file) checks nothing.
	///
	/// Keeps the count of refusals and the last MAX_REFUSALS of them for
	/// the status. Pure: no sockets, no clock (the caller says when).
	/// Owned by the Dispatcher; event loop thread only.
{
public:
	static constexpr std::size_t MAX_REFUSALS = 32;

	StoreIdCheck(const std::string& storeId, const std::string& connector);

	bool enabled() const;
		/// Whether this master has a store id to check against.

	std::string refusal(const std::string& workerStoreId) const;
		/// Empty if a worker that sent this STORE_ID (empty: it sent none)
		/// may join; else the close reason, naming both ids: "store
		/// mismatch: master's store is A, worker's is B" (120 bytes with
		/// orchd's ids, the most a close frame carries).

	void refused(StoreRefusal refusal);
		/// Records a refusal, forgetting the oldest beyond MAX_REFUSALS.

	std::uint64_t count() const;
		/// Refusals since start, including those forgotten.

	Poco::JSON::Object::Ptr status(std::int64_t now) const;
		/// {"id","connector","refusals":[...]} for GET /v1/status: id and
		/// connector are null without a store id; each refusal has
		/// "worker", "address", "store_id" (null if none), "reason" and
		/// "ms_ago", newest last.

private:
	std::string _storeId;
	std::string _connector;
	std::deque<StoreRefusal> _refusals;
	std::uint64_t _count = 0;
};


} // namespace orchd


#endif // orchd_StoreIdCheck_INCLUDED

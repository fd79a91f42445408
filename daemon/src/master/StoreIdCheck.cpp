//
// StoreIdCheck.cpp
//


#include "master/StoreIdCheck.h"
#include "Poco/JSON/Array.h"


namespace orchd {


StoreIdCheck::StoreIdCheck(const std::string& storeId, const std::string& connector):
	_storeId(storeId),
	_connector(connector)
{
}


bool StoreIdCheck::enabled() const
{
	return !_storeId.empty();
}


std::string StoreIdCheck::refusal(const std::string& workerStoreId) const
{
	if (!enabled() || workerStoreId == _storeId) return std::string();
	// A worker that sends none is refused too: it may be an older orchd on
	// any database, and nothing it says can show that it is on ours.
	// Worded to fit a close frame's reason (120 bytes) with two of the
	// 36-character ids orchd makes: the worker logs it whole.
	std::string theirs = workerStoreId.empty() ? std::string("unknown (no STORE_ID)") : workerStoreId;
	return "store mismatch: master's store is " + _storeId + ", worker's is " + theirs;
}


void StoreIdCheck::refused(StoreRefusal refusal)
{
	++_count;
	_refusals.push_back(std::move(refusal));
	while (_refusals.size() > MAX_REFUSALS) _refusals.pop_front();
}


std::uint64_t StoreIdCheck::count() const
{
	return _count;
}


Poco::JSON::Object::Ptr StoreIdCheck::status(std::int64_t now) const
{
	Poco::JSON::Object::Ptr store = new Poco::JSON::Object;
	store->set("id", enabled() ? Poco::Dynamic::Var(_storeId) : Poco::Dynamic::Var());
	store->set("connector", enabled() ? Poco::Dynamic::Var(_connector) : Poco::Dynamic::Var());
	Poco::JSON::Array::Ptr refusals = new Poco::JSON::Array;
	for (const auto& r: _refusals)
	{
		Poco::JSON::Object::Ptr item = new Poco::JSON::Object;
		item->set("worker", r.worker);
		item->set("address", r.address);
		item->set("store_id", r.storeId.empty() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(r.storeId));
		item->set("reason", r.reason);
		item->set("ms_ago", (now - r.at) / 1000);
		refusals->add(item);
	}
	store->set("refusals", refusals);
	return store;
}


} // namespace orchd

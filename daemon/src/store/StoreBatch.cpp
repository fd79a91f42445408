//
// StoreBatch.cpp
//


#include "store/StoreBatch.h"
#include "store/AccountRules.h"
#include "store/SharedTransaction.h"
#include "store/SqlAccountStore.h"
#include "Poco/Exception.h"


using Poco::Int64;


namespace orchd {


StoreBatch::StoreBatch(SqlAccountStore& store):
	StoreBatch(store.sharedTransaction(), store)
{
}


StoreBatch::StoreBatch(SharedTransaction& shared, AccountStore& reads):
	_shared(shared),
	_reads(reads)
{
}


StoreBatch::~StoreBatch()
{
	try
	{
		commit();
	}
	catch (Poco::Exception&)
	{
		// Nobody is left to tell.
	}
}


AccountResult StoreBatch::open(const std::string& key, const std::string& user, Int64 cents)
{
	return _shared.apply(key, AccountRules::open(user, cents), _generations);
}


AccountResult StoreBatch::query(const std::string& user)
{
	AccountResult result;
	if (_shared.query(user, result, _generations)) return result;
	return _reads.query(user);
}


AccountResult StoreBatch::update(const std::string& key, const std::string& user, Int64 deltaCents)
{
	return _shared.apply(key, AccountRules::update(user, deltaCents), _generations);
}


AccountResult StoreBatch::transfer(const std::string& key, const std::string& from, const std::string& to, Int64 cents)
{
	return _shared.apply(key, AccountRules::transfer(from, to, cents), _generations);
}


AccountResult StoreBatch::close(const std::string& key, const std::string& user)
{
	return _shared.apply(key, AccountRules::close(user), _generations);
}


void StoreBatch::commit()
{
	_failures.clear();
	if (_generations.empty()) return;
	_shared.commit(_generations, _failures);
}


std::size_t StoreBatch::pending() const
{
	return _generations.size();
}


const std::string& StoreBatch::failure(std::size_t index) const
{
	static const std::string none;
	return index < _failures.size() ? _failures[index] : none;
}


} // namespace orchd

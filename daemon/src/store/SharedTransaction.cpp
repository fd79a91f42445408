//
// SharedTransaction.cpp
//


#include "store/SharedTransaction.h"
#include "Poco/Data/DataException.h"
#include "Poco/Exception.h"


namespace orchd {


SharedTransaction::SharedTransaction(Poco::Data::Session& session):
	_writer(session)
{
}


SharedTransaction::~SharedTransaction() = default;


AccountResult SharedTransaction::apply(const std::string& key, const AccountRules::Mutation& mutation, std::vector<Poco::UInt64>& joined)
{
	std::lock_guard<std::mutex> lock(_mutex);
	begin();  // throws if the database stays locked: nothing joined
	joined.push_back(_generation);
	_writer.savepoint();
	try
	{
		AccountResult result = AccountRules::apply(_writer, key, mutation);
		_writer.release();
		return result;
	}
	catch (...)
	{
		if (!_writer.undo())
		{
			// The transaction itself is broken: none of it can stand.
			_writer.rollback();
			_open = false;
			fail("the transaction was rolled back after a failed operation");
		}
		throw;
	}
}


bool SharedTransaction::query(const std::string& user, AccountResult& result, std::vector<Poco::UInt64>& joined)
{
	std::lock_guard<std::mutex> lock(_mutex);
	if (!_open) return false;
	joined.push_back(_generation);
	try
	{
		if (!_writer.readBalance(user, result.balance)) result = AccountRules::refuse(AccountResult::NOT_FOUND, user);
	}
	catch (...)
	{
		if (!_writer.inTransaction())
		{
			_open = false;
			fail("the transaction was rolled back by SQLite");
		}
		throw;
	}
	return true;
}


void SharedTransaction::commit(std::vector<Poco::UInt64>& joined, std::vector<std::string>& failures)
{
	std::lock_guard<std::mutex> lock(_mutex);
	if (_open && _generation == joined.back()) commitOpen();
	std::string first;
	for (Poco::UInt64 generation: joined)
	{
		failures.push_back(outcome(generation));
		if (first.empty()) first = failures.back();
	}
	joined.clear();
	if (!first.empty()) throw Poco::Data::DataException("the store could not commit", first);
}


void SharedTransaction::commit()
{
	std::lock_guard<std::mutex> lock(_mutex);
	commitOpen();
}


std::string SharedTransaction::outcome(Poco::UInt64 generation) const
{
	auto failed = _failed.find(generation);
	if (failed != _failed.end()) return failed->second;
	// Failures this old are no longer remembered: it may have failed, and
	// an operation the caller would report as done must have been.
	if (generation <= _forgotten)
		return "its transaction's outcome is no longer known (more than " + std::to_string(MAX_FAILED) + " transactions failed since)";
	return std::string();
}


void SharedTransaction::begin()
{
	if (_open && _writer.inTransaction()) return;
	if (_open)
	{
		// SQLite rolled the transaction back by itself (an I/O error, a
		// full disk): what joined it is lost. Say so, and start afresh.
		_open = false;
		fail("the transaction was rolled back by SQLite");
	}
	_writer.begin();
	_open = true;
	++_generation;
}


void SharedTransaction::commitOpen()
{
	if (!_open) return;
	_open = false;
	try
	{
		_writer.commit();
	}
	catch (Poco::Exception& exc)
	{
		_writer.rollback();
		fail(exc.displayText());
	}
}


void SharedTransaction::fail(const std::string& why)
{
	_failed[_generation] = why;
	// A batch asks about its operations at its next commit(): only the
	// last few failures can still be asked about.
	while (_failed.size() > MAX_FAILED)
	{
		_forgotten = _failed.begin()->first;
		_failed.erase(_failed.begin());
	}
}


SharedTransaction::Exclusive::Exclusive(SharedTransaction& shared):
	_lock(shared._mutex),
	_shared(shared)
{
	_shared.commitOpen();
}


StoreWriter& SharedTransaction::Exclusive::writer()
{
	return _shared._writer;
}


} // namespace orchd

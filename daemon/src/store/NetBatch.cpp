//
// NetBatch.cpp
//


#include "store/NetBatch.h"


namespace orchd {


NetBatch::NetBatch(NetAccountStore& store):
	_store(store)
{
}


NetBatch::~NetBatch()
{
	try
	{
		commitOpen();
	}
	catch (Poco::Exception&)
	{
	}
	giveBack();
}


NetStatements& NetBatch::connection()
{
	if (!_lease) _lease = std::make_unique<NetAccountStore::Lease>(_store);
	return **_lease;
}


void NetBatch::giveBack()
{
	_lease.reset();
}


void NetBatch::lose(const std::string& why)
{
	for (std::size_t i = _openFrom; i < _pending; ++i)
	{
		if (_failures[i].empty()) _failures[i] = why;
	}
	_openFrom = _pending;
	if (_lease)
	{
		(*_lease)->rollback();
		if (!(*_lease)->healthy()) giveBack();
	}
}


void NetBatch::commitOpen()
{
	if (!_lease || !(*_lease)->inTransaction())
	{
		_openFrom = _pending;
		return;
	}
	try
	{
		(*_lease)->commit();
		_openFrom = _pending;
	}
	catch (Poco::Exception& exc)
	{
		lose("the store could not commit: " + exc.displayText());
	}
	// Between transactions the connection goes back to the pool.
	giveBack();
}


AccountResult NetBatch::apply(const std::string& key, const AccountRules::Mutation& mutation)
{
	for (int attempt = 1; ; ++attempt)
	{
		NetStatements& statements = connection();
		if (!statements.inTransaction()) statements.begin();
		statements.savepoint();
		try
		{
			AccountResult result = AccountRules::apply(statements, key, mutation);
			statements.release();
			_failures.emplace_back();
			++_pending;
			return result;
		}
		catch (StoreTransactionLostException& exc)
		{
			lose("the database rolled the transaction back: " + exc.displayText());
			if (attempt >= NetAccountStore::MAX_ATTEMPTS) throw;
		}
		catch (StoreRetryException& exc)
		{
			if (!statements.undo())
			{
				lose("the store could not undo a conflict: " + exc.displayText());
				if (attempt >= NetAccountStore::MAX_ATTEMPTS) throw;
				continue;
			}
			// Let the transaction we met finish: ours ends here.
			commitOpen();
			if (attempt >= NetAccountStore::MAX_ATTEMPTS) throw;
		}
		catch (Poco::Exception& exc)
		{
			if (!statements.undo()) lose("the store failed: " + exc.displayText());
			throw;
		}
		NetAccountStore::backoff(attempt);
	}
}


bool NetBatch::fetchesAhead() const
{
	return true;
}


void NetBatch::prefetch(const StoreHint& hint)
{
	if (hint.keys.empty() && hint.accounts.empty() && hint.reads.empty()) return;
	try
	{
		NetStatements& statements = connection();
		if (!statements.inTransaction()) statements.begin();
		statements.prefetchRound(hint);
	}
	catch (Poco::Exception& exc)
	{
		// Only speed depended on it: the operations fetch what they need
		// one by one. The transaction it began holds no operation yet.
		lose("the store could not fetch ahead: " + exc.displayText());
		if (_lease && !(*_lease)->healthy()) giveBack();
	}
}


AccountResult NetBatch::open(const std::string& key, const std::string& user, Poco::Int64 cents)
{
	return apply(key, AccountRules::open(user, cents));
}


AccountResult NetBatch::query(const std::string& user)
{
	// A plain read: it sees this batch's own uncommitted writes and others'
	// committed ones, takes no lock, and so can neither wait nor deadlock.
	NetStatements& statements = connection();
	AccountResult result;
	bool found = statements.peekBalance(user, result.balance);
	if (statements.inTransaction())
	{
		// It may have read this batch's writes: like them, its answer
		// stands only once their transaction is committed.
		_failures.emplace_back();
		++_pending;
	}
	else giveBack();
	return found ? result : AccountRules::refuse(AccountResult::NOT_FOUND, user);
}


AccountResult NetBatch::update(const std::string& key, const std::string& user, Poco::Int64 deltaCents)
{
	return apply(key, AccountRules::update(user, deltaCents));
}


AccountResult NetBatch::transfer(const std::string& key, const std::string& from, const std::string& to, Poco::Int64 cents)
{
	return apply(key, AccountRules::transfer(from, to, cents));
}


AccountResult NetBatch::close(const std::string& key, const std::string& user)
{
	return apply(key, AccountRules::close(user));
}


void NetBatch::commit()
{
	commitOpen();
	_reported.swap(_failures);
	_failures.clear();
	std::size_t count = _pending;
	_pending = 0;
	_openFrom = 0;
	for (const auto& why: _reported)
	{
		if (!why.empty()) throw Poco::Data::DataException(why + " (" + std::to_string(count) + " operation(s) in the batch)");
	}
}


void NetBatch::sendCommit()
{
	if (!_lease || !(*_lease)->inTransaction()) return;
	try
	{
		(*_lease)->sendCommit();
	}
	catch (Poco::Exception& exc)
	{
		// What was sent with it is gone: nothing of the transaction may be
		// committed by a later COMMIT. commit() reports its operations.
		lose("the store could not commit: " + exc.displayText());
	}
}


std::size_t NetBatch::pending() const
{
	return _pending;
}


const std::string& NetBatch::failure(std::size_t index) const
{
	static const std::string none;
	return index < _reported.size() ? _reported[index] : none;
}


} // namespace orchd

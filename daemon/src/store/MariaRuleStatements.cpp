//
// MariaRuleStatements.cpp
//
// MariaStatements as RuleStatements: the transaction's control and the
// account rules' statements over the connection (MariaStatements.cpp).
//


#include "store/MariaStatements.h"


namespace orchd {


void MariaStatements::begin()
{
	_boundary = _deferred.size();
	defer("START TRANSACTION");
	_open = true;
}


void MariaStatements::sendCommit()
{
	// Still open (inTransaction()) until commit() reads the answer.
	_fetched.forget();
	_commit = send("COMMIT");
	_commitSent = true;
}


void MariaStatements::commit()
{
	if (!_commitSent) sendCommit();
	_commitSent = false;
	_open = false;
	collect(_commit);
}


void MariaStatements::rollback()
{
	_open = false;
	if (_commitSent)
	{
		// The COMMIT is on its way: what it answers ends the transaction.
		_commitSent = false;
		try
		{
			collect(_commit);
		}
		catch (Poco::Exception&)
		{
		}
	}
	_deferred.clear();
	_boundary = 0;
	_fetched.forget();
	if (_broken) return;
	try
	{
		run("ROLLBACK");
	}
	catch (Poco::Exception&)
	{
		_broken = true;
	}
}


bool MariaStatements::inTransaction() const
{
	return _open;
}


void MariaStatements::savepoint()
{
	_boundary = _deferred.size();
	_fetched.forgetOne();
	_savepointSent = false;
	defer("SAVEPOINT orchd_op");
}


void MariaStatements::release()
{
	// An operation answered from what prefetchRound() fetched sent nothing:
	// its SAVEPOINT is still waiting, and neither it nor a RELEASE is
	// needed (its writes fail, if ever, at the commit, which loses the
	// transaction anyway). Half the statements of a prefetched batch.
	if (!_savepointSent && _boundary < _deferred.size())
	{
		_deferred.erase(_deferred.begin() + static_cast<std::ptrdiff_t>(_boundary));
		return;
	}
	defer("RELEASE SAVEPOINT orchd_op");
}


bool MariaStatements::undo()
{
	// What the operation being undone left to be sent goes with it;
	// what earlier operations left stays.
	if (_boundary < _deferred.size()) _deferred.erase(_deferred.begin() + static_cast<std::ptrdiff_t>(_boundary) + 1, _deferred.end());
	// What was fetched ahead may have been changed by the undone part.
	_fetched.forget();
	try
	{
		defer("ROLLBACK TO SAVEPOINT orchd_op");
		run("RELEASE SAVEPOINT orchd_op");
		return true;
	}
	catch (Poco::Exception&)
	{
		return false;
	}
}


bool MariaStatements::findKey(const std::string& key, KeyRecord& record)
{
	bool found = false;
	if (_fetched.key(key, record, found)) return found;
	Rows rows = run("SELECT fingerprint, outcome, balance, to_balance, missing FROM orchd_idempotency WHERE idem_key = " + quote(key));
	if (rows.empty()) return false;
	record.fingerprint = rows[0][0];
	record.result.outcome = static_cast<AccountResult::Outcome>(std::stoi(rows[0][1]));
	record.result.balance = std::stoll(rows[0][2]);
	record.result.toBalance = std::stoll(rows[0][3]);
	record.result.missing = rows[0][4];
	return true;
}


void MariaStatements::recordKey(const std::string& key, const std::string& fingerprint, const AccountResult& result)
{
	// Sent with the next statement (or the commit).
	_fetched.recorded(key, KeyRecord{fingerprint, result});
	deferWrite(DeferredWrite::KEY, {key, fingerprint, std::to_string(result.outcome), std::to_string(result.balance),
		std::to_string(result.toBalance), result.missing, std::to_string(_clock.wallMs())});
}


void MariaStatements::prefetchRound(const StoreHint& hint)
{
	FetchedRows::Round round = _fetched.expect(hint);
	auto list = [this](const std::vector<std::string>& values)
	{
		std::string text;
		for (const auto& value: values) text.append(text.empty() ? "" : ",").append(quote(value));
		return text;
	};
	std::vector<std::pair<std::string, int>> reads;
	if (!hint.keys.empty())
		reads.emplace_back("SELECT idem_key, fingerprint, outcome, balance, to_balance, missing FROM orchd_idempotency WHERE idem_key IN (" + list(hint.keys) + ")", FetchedRows::KEEP_KEYS);
	if (!round.reads.empty())
		reads.emplace_back("SELECT user_id, balance FROM accounts WHERE user_id IN (" + list(round.reads) + ")", FetchedRows::KEEP_READS);
	if (!round.accounts.empty())
		reads.emplace_back("SELECT user_id, balance FROM accounts WHERE user_id IN (" + list(round.accounts) + ") ORDER BY user_id FOR UPDATE", FetchedRows::KEEP_ACCOUNTS);
	if (reads.empty()) return;
	// The last read ends the query: no statement (and no result) more.
	for (std::size_t i = 0; i + 1 < reads.size(); ++i) defer(reads[i].first, reads[i].second);
	collect(send(reads.back().first, reads.back().second));
}


void MariaStatements::prefetch(const std::string* first, const std::string* second)
{
	_fetched.forgetOne();
	if (first && _fetched.holds(*first)) first = nullptr;
	if (second && _fetched.holds(*second)) second = nullptr;
	if (first) defer("SELECT balance FROM accounts WHERE user_id = " + quote(*first) + " FOR UPDATE", 0, *first);
	if (second) defer("SELECT balance FROM accounts WHERE user_id = " + quote(*second) + " FOR UPDATE", 1, *second);
}


bool MariaStatements::readBalance(const std::string& user, Poco::Int64& balance)
{
	bool found = false;
	if (_fetched.balance(user, balance, found)) return found;
	return selectBalance(user, " FOR UPDATE", balance);
}


bool MariaStatements::peekBalance(const std::string& user, Poco::Int64& balance)
{
	bool found = false;
	if (_fetched.peek(user, balance, found)) return found;
	return selectBalance(user, "", balance);
}


bool MariaStatements::selectBalance(const std::string& user, const char* lock, Poco::Int64& balance)
{
	Rows rows = run("SELECT balance FROM accounts WHERE user_id = " + quote(user) + lock);
	if (rows.empty()) return false;
	balance = std::stoll(rows[0][0]);
	return true;
}


void MariaStatements::writeBalance(const std::string& user, Poco::Int64 balance)
{
	_fetched.wrote(user, balance);
	deferWrite(DeferredWrite::BALANCE, {std::to_string(balance), user});
}


void MariaStatements::insertAccount(const std::string& user, Poco::Int64 balance)
{
	_fetched.wrote(user, balance);
	defer("INSERT INTO accounts (user_id, balance) VALUES (" + quote(user) + "," + std::to_string(balance) + ")");
}


void MariaStatements::deleteAccount(const std::string& user)
{
	_fetched.removed(user);
	defer("DELETE FROM accounts WHERE user_id = " + quote(user));
}


int MariaStatements::pruneKeys(Poco::Int64 olderThanMs)
{
	Poco::UInt64 affected = 0;
	run("DELETE FROM orchd_idempotency WHERE created_ms < " + std::to_string(olderThanMs), &affected);
	return static_cast<int>(affected);
}


} // namespace orchd

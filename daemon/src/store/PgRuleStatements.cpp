//
// PgRuleStatements.cpp
//
// PgStatements as RuleStatements: the prepared statements, the
// transaction's control and the account rules' statements over the
// pipeline (PgStatements.cpp).
//


#include "store/PgStatements.h"
#include "store/PgNames.h"
#include <libpq-fe.h>
#include <cstring>


namespace orchd {


using namespace pg;


void PgStatements::prepare()
{
	// On first use, not at connect: the tables may not exist yet then.
	// PQprepare waits for its answer, which pipeline mode does not allow.
	if (_prepared) return;
	PQexitPipelineMode(_connection);
	const char* statements[][2] = {
		{FIND, "SELECT fingerprint, outcome, balance, to_balance, missing FROM orchd_idempotency WHERE idem_key = $1"},
		// created_ms is never older than the server's clock: a node whose
		// clock is behind cannot write records that look due for pruning.
		{RECORD, "INSERT INTO orchd_idempotency (idem_key, fingerprint, outcome, balance, to_balance, missing, created_ms) VALUES ($1, $2, $3, $4, $5, $6, "
			"GREATEST($7::bigint, (extract(epoch from statement_timestamp()) * 1000)::bigint))"},
		{READ, "SELECT balance FROM accounts WHERE user_id = $1 FOR UPDATE"},
		{PEEK, "SELECT balance FROM accounts WHERE user_id = $1"},
		{WRITE, "UPDATE accounts SET balance = $1 WHERE user_id = $2"},
		{INSERT, "INSERT INTO accounts (user_id, balance) VALUES ($1, $2)"},
		{DELETE, "DELETE FROM accounts WHERE user_id = $1"},
		{PRUNE, "DELETE FROM orchd_idempotency WHERE created_ms < $1"},
		// What coalesceWrites() folds a group commit's writes into.
		{WRITE_MANY, "UPDATE accounts AS a SET balance = v.balance FROM unnest($1::bigint[], $2::text[]) AS v(balance, user_id) WHERE a.user_id = v.user_id"},
		{RECORD_MANY, "INSERT INTO orchd_idempotency (idem_key, fingerprint, outcome, balance, to_balance, missing, created_ms) "
			"SELECT k, f, o, b, t, m, GREATEST(c, (extract(epoch from statement_timestamp()) * 1000)::bigint) "
			"FROM unnest($1::text[], $2::text[], $3::int[], $4::bigint[], $5::bigint[], $6::text[], $7::bigint[]) AS v(k, f, o, b, t, m, c)"}};
	for (const auto& statement: statements)
	{
		Result result(PQprepare(_connection, statement[0], statement[1], 0, nullptr));
		if (PQresultStatus(result.get()) != PGRES_COMMAND_OK)
		{
			PQenterPipelineMode(_connection);
			throw Poco::Data::DataException("PostgreSQL: cannot prepare " + std::string(statement[1]) + ": " + PQerrorMessage(_connection));
		}
	}
	PQenterPipelineMode(_connection);
	_prepared = true;
}


void PgStatements::begin()
{
	_boundary = _deferred.size();
	defer(Call{"", "BEGIN", {}});
	_open = true;
}


void PgStatements::sendCommit()
{
	// Still open (inTransaction()) until commit() reads the answer.
	_fetched.forget();
	_commit = send(Call{"", "COMMIT", {}});
	_commitSent = true;
}


void PgStatements::commit()
{
	if (!_commitSent) sendCommit();
	_commitSent = false;
	_open = false;
	Result result(collect(_commit));
	// COMMIT of a transaction in error answers ROLLBACK, not an error.
	if (std::strcmp(PQcmdStatus(result.get()), "COMMIT") != 0)
		throw Poco::Data::DataException("PostgreSQL: the transaction was rolled back: " + std::string(PQcmdStatus(result.get())));
}


void PgStatements::rollback()
{
	_open = false;
	if (_commitSent)
	{
		// The COMMIT is on its way: what it answers ends the transaction.
		_commitSent = false;
		try
		{
			Result result(collect(_commit));
		}
		catch (Poco::Exception&)
		{
		}
	}
	_deferred.clear();
	_boundary = 0;
	_fetched.forget();
	if (_broken || PQtransactionStatus(_connection) == PQTRANS_IDLE) return;
	try
	{
		Result result(run(Call{"", "ROLLBACK", {}}));
	}
	catch (Poco::Exception&)
	{
		_broken = true;  // closing the connection rolls back
	}
}


bool PgStatements::inTransaction() const
{
	return _open;
}


void PgStatements::savepoint()
{
	_boundary = _deferred.size();
	_fetched.forgetOne();
	_savepointSent = false;
	defer(Call{"", "SAVEPOINT orchd_op", {}});
}


void PgStatements::release()
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
	defer(Call{"", "RELEASE SAVEPOINT orchd_op", {}});
}


bool PgStatements::undo()
{
	// What the operation being undone left to be sent goes with it;
	// what earlier operations left stays.
	if (_boundary < _deferred.size()) _deferred.erase(_deferred.begin() + static_cast<std::ptrdiff_t>(_boundary) + 1, _deferred.end());
	// What was fetched ahead may have been changed by the undone part.
	_fetched.forget();
	try
	{
		defer(Call{"", "ROLLBACK TO SAVEPOINT orchd_op", {}});
		Result result(run(Call{"", "RELEASE SAVEPOINT orchd_op", {}}));
		return true;
	}
	catch (Poco::Exception&)
	{
		return false;
	}
}


bool PgStatements::findKey(const std::string& key, KeyRecord& record)
{
	bool found = false;
	if (_fetched.key(key, record, found)) return found;
	Result result(run(Call{FIND, "", {key}}));
	if (PQntuples(result.get()) == 0) return false;
	record.fingerprint = text(result.get(), 0, 0);
	record.result.outcome = static_cast<AccountResult::Outcome>(std::stoi(text(result.get(), 0, 1)));
	record.result.balance = std::stoll(text(result.get(), 0, 2));
	record.result.toBalance = std::stoll(text(result.get(), 0, 3));
	record.result.missing = text(result.get(), 0, 4);
	return true;
}


void PgStatements::recordKey(const std::string& key, const std::string& fingerprint, const AccountResult& result)
{
	// Sent with the next statement (or the commit): a racing duplicate
	// key then fails the transaction, which is retried.
	prepare();
	_fetched.recorded(key, KeyRecord{fingerprint, result});
	defer(Call{RECORD, "", {key, fingerprint, std::to_string(result.outcome), std::to_string(result.balance),
		std::to_string(result.toBalance), result.missing, std::to_string(_clock.wallMs())}});
}


void PgStatements::prefetch(const std::string* first, const std::string* second)
{
	prepare();
	_fetched.forgetOne();
	if (first && !_fetched.holds(*first)) defer(Call{READ, "", {*first}, 0});
	if (second && !_fetched.holds(*second)) defer(Call{READ, "", {*second}, 1});
}


void PgStatements::prefetchRound(const StoreHint& hint)
{
	FetchedRows::Round round = _fetched.expect(hint);
	std::vector<Call> calls;
	if (!hint.keys.empty())
		calls.push_back(Call{"", "SELECT idem_key, fingerprint, outcome, balance, to_balance, missing FROM orchd_idempotency WHERE idem_key = ANY($1::text[])", {textArray(hint.keys)}, FetchedRows::KEEP_KEYS});
	if (!round.reads.empty())
		calls.push_back(Call{"", "SELECT user_id, balance FROM accounts WHERE user_id = ANY($1::text[])", {textArray(round.reads)}, FetchedRows::KEEP_READS});
	if (!round.accounts.empty())
		calls.push_back(Call{"", "SELECT user_id, balance FROM accounts WHERE user_id = ANY($1::text[]) ORDER BY user_id FOR UPDATE", {textArray(round.accounts)}, FetchedRows::KEEP_ACCOUNTS});
	if (calls.empty()) return;
	for (std::size_t i = 0; i + 1 < calls.size(); ++i) defer(std::move(calls[i]));
	Result result(run(std::move(calls.back())));
}


bool PgStatements::readBalance(const std::string& user, Poco::Int64& balance)
{
	bool found = false;
	if (_fetched.balance(user, balance, found)) return found;
	return selectBalance(READ, user, balance);
}


bool PgStatements::peekBalance(const std::string& user, Poco::Int64& balance)
{
	bool found = false;
	if (_fetched.peek(user, balance, found)) return found;
	return selectBalance(PEEK, user, balance);
}


bool PgStatements::selectBalance(const char* statement, const std::string& user, Poco::Int64& balance)
{
	Result result(run(Call{statement, "", {user}}));
	if (PQntuples(result.get()) == 0) return false;
	balance = std::stoll(text(result.get(), 0, 0));
	return true;
}


void PgStatements::writeBalance(const std::string& user, Poco::Int64 balance)
{
	prepare();
	_fetched.wrote(user, balance);
	defer(Call{WRITE, "", {std::to_string(balance), user}});
}


void PgStatements::insertAccount(const std::string& user, Poco::Int64 balance)
{
	prepare();
	_fetched.wrote(user, balance);
	defer(Call{INSERT, "", {user, std::to_string(balance)}});
}


void PgStatements::deleteAccount(const std::string& user)
{
	prepare();
	_fetched.removed(user);
	defer(Call{DELETE, "", {user}});
}


int PgStatements::pruneKeys(Poco::Int64 olderThanMs)
{
	Result result(run(Call{PRUNE, "", {std::to_string(olderThanMs)}}));
	return std::atoi(PQcmdTuples(result.get()));
}


} // namespace orchd

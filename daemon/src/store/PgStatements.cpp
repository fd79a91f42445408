//
// PgStatements.cpp
//


#include "store/PgStatements.h"
#include "store/DeferredWrites.h"
#include "store/PgQuery.h"
#include "Poco/Timestamp.h"
#include <libpq-fe.h>
#include <algorithm>
#include <cstring>


namespace orchd {


namespace {


const char* FIND = "orchd_find";
const char* RECORD = "orchd_record";
const char* READ = "orchd_read";
const char* WRITE = "orchd_write";
const char* INSERT = "orchd_insert";
const char* DELETE = "orchd_delete";
const char* PRUNE = "orchd_prune";
const char* PEEK = "orchd_peek";
const char* WRITE_MANY = "orchd_write_many";
const char* RECORD_MANY = "orchd_record_many";
const int KEEP_KEYS = 10;      // a call's rows are prefetched key records
const int KEEP_ACCOUNTS = 11;  // a call's rows are prefetched balances
const int KEEP_READS = 12;     // a call's rows are balances read ahead without a lock


std::string textArray(const std::vector<std::string>& values)
	/// A text[] literal: every element double-quoted, " and \ escaped.
{
	std::string array = "{";
	for (const auto& value: values)
	{
		if (array.size() > 1) array += ',';
		array += '"';
		for (char c: value)
		{
			if (c == '"' || c == '\\') array += '\\';
			array += c;
		}
		array += '"';
	}
	return array + "}";
}


class Result
	/// Clears a PGresult when it goes.
{
public:
	explicit Result(PGresult* result): _result(result)
	{
	}

	~Result()
	{
		if (_result) PQclear(_result);
	}

	PGresult* get() const
	{
		return _result;
	}

private:
	PGresult* _result;
};


std::string text(PGresult* result, int row, int column)
{
	return std::string(PQgetvalue(result, row, column), static_cast<std::size_t>(PQgetlength(result, row, column)));
}


} // namespace


PgStatements::PgStatements(const std::string& conninfo, bool synchronousFull, const StoreClock& clock):
	_clock(clock),
	_connection(PQconnectdb(conninfo.c_str()))
{
	if (PQstatus(_connection) != CONNECTION_OK)
	{
		std::string message = PQerrorMessage(_connection);
		PQfinish(_connection);
		while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
		throw Poco::Data::ConnectionFailedException("PostgreSQL: " + message);
	}
	PQsetClientEncoding(_connection, "UTF8");
	// A batch waiting on a row another batch holds is most likely one half
	// of a deadlock: give up after 50 ms (and retry) instead of waiting for
	// the server's deadlock check (1 s by default).
	// synchronous_commit off (store.synchronous = normal) answers a
	// commit before its WAL reaches the disk: it survives this process,
	// not a crash of the database's machine.
	std::string set = std::string("SET lock_timeout = '50ms'; SET client_min_messages = warning; SET synchronous_commit = ") + (synchronousFull ? "on" : "off");
	Result settings(PQexec(_connection, set.c_str()));
	if (PQenterPipelineMode(_connection) != 1)
	{
		PQfinish(_connection);
		throw Poco::Data::ConnectionFailedException("PostgreSQL: cannot enter pipeline mode (libpq 14 or later needed)");
	}
}


PgStatements::~PgStatements()
{
	PQfinish(_connection);
}


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


void PgStatements::defer(Call call)
{
	_deferred.push_back(std::move(call));
}


PGresult* PgStatements::run(Call call)
{
	Sent sent = send(std::move(call));
	return collect(sent);
}


PgStatements::Sent PgStatements::send(Call call)
{
	if (!call.name.empty()) prepare();
	_deferred.push_back(std::move(call));
	Sent sent;
	std::vector<Call>& calls = sent.calls;
	calls.swap(_deferred);
	sent.boundary = coalesceWrites(calls, std::min(_boundary, calls.size() - 1),
		[](const Call& c)
		{
			return c.name == WRITE ? DeferredWrite::BALANCE : c.name == RECORD ? DeferredWrite::KEY : DeferredWrite::NONE;
		},
		[](DeferredWrite kind, const std::vector<std::vector<std::string>>& rows)
		{
			Call merged{kind == DeferredWrite::BALANCE ? WRITE_MANY : RECORD_MANY, "", {}};
			for (std::size_t column = 0; column < rows[0].size(); ++column)
			{
				std::vector<std::string> values;
				values.reserve(rows.size());
				for (const auto& row: rows) values.push_back(row[column]);
				merged.values.push_back(textArray(values));
			}
			return merged;
		});
	_boundary = 0;
	for (const Call& c: calls)
	{
		std::vector<const char*> values;
		values.reserve(c.values.size());
		for (const auto& v: c.values) values.push_back(v.c_str());
		int sent = c.name.empty()
			? PQsendQueryParams(_connection, c.sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(), nullptr, nullptr, 0)
			: PQsendQueryPrepared(_connection, c.name.c_str(), static_cast<int>(values.size()), values.data(), nullptr, nullptr, 0);
		if (!sent)
		{
			_broken = true;
			throw Poco::Data::DataException("PostgreSQL: " + std::string(PQerrorMessage(_connection)));
		}
	}
	if (!PQpipelineSync(_connection))
	{
		_broken = true;
		throw Poco::Data::DataException("PostgreSQL: " + std::string(PQerrorMessage(_connection)));
	}
	_savepointSent = true;
	return sent;
}


PGresult* PgStatements::collect(const Sent& sent)
{
	// Every statement's result, then the sync's: read them all, keep the
	// first error and the last statement's result.
	const std::vector<Call>& calls = sent.calls;
	std::size_t boundary = sent.boundary;
	PGresult* last = nullptr;
	PGresult* error = nullptr;
	std::size_t errorIndex = 0;
	std::string errorWhat;
	for (std::size_t i = 0; i < calls.size(); ++i)
	{
		PGresult* result = PQgetResult(_connection);
		if (!result)
		{
			_broken = true;
			if (last) PQclear(last);
			if (error) PQclear(error);
			throw Poco::Data::DataException("PostgreSQL: connection lost: " + std::string(PQerrorMessage(_connection)));
		}
		ExecStatusType status = PQresultStatus(result);
		bool ok = status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
		if (ok && calls[i].keep == KEEP_KEYS)
		{
			for (int r = 0; r < PQntuples(result); ++r)
			{
				KeyRecord record;
				record.fingerprint = text(result, r, 1);
				record.result.outcome = static_cast<AccountResult::Outcome>(std::stoi(text(result, r, 2)));
				record.result.balance = std::stoll(text(result, r, 3));
				record.result.toBalance = std::stoll(text(result, r, 4));
				record.result.missing = text(result, r, 5);
				_fetched.foundKey(text(result, r, 0), std::move(record));
			}
		}
		else if (ok && calls[i].keep == KEEP_ACCOUNTS)
		{
			for (int r = 0; r < PQntuples(result); ++r) _fetched.foundAccount(text(result, r, 0), std::stoll(text(result, r, 1)));
		}
		else if (ok && calls[i].keep == KEEP_READS)
		{
			for (int r = 0; r < PQntuples(result); ++r) _fetched.foundRead(text(result, r, 0), std::stoll(text(result, r, 1)));
		}
		else if (ok && calls[i].keep >= 0)
		{
			bool found = PQntuples(result) > 0;
			_fetched.fetchedOne(calls[i].keep, calls[i].values[0], found, found ? std::stoll(text(result, 0, 0)) : 0);
		}
		if (!ok && !error && status != PGRES_PIPELINE_ABORTED)
		{
			error = result;
			errorIndex = i;
			errorWhat = calls[i].name.empty() ? calls[i].sql : calls[i].name;
		}
		else if (i + 1 == calls.size() && ok) last = result;
		else PQclear(result);
		while (PGresult* extra = PQgetResult(_connection)) PQclear(extra);  // the NULL that ends each statement
	}
	PGresult* sync = PQgetResult(_connection);
	if (!sync || PQresultStatus(sync) != PGRES_PIPELINE_SYNC) _broken = true;
	if (sync) PQclear(sync);
	if (error)
	{
		if (last) PQclear(last);
		if (errorIndex < boundary)
		{
			// A statement an earlier operation left to be sent failed: the
			// transaction is aborted, with that operation's answer given.
			std::string message = PQresultErrorMessage(error);
			PQclear(error);
			throw StoreTransactionLostException("PostgreSQL: an earlier operation's " + errorWhat + " failed: " + message);
		}
		fail(error, errorWhat);
	}
	if (!last)
	{
		_broken = true;
		throw Poco::Data::DataException("PostgreSQL: no result for " + errorWhat);
	}
	return last;
}


void PgStatements::fail(PGresult* result, const std::string& what)
{
	const char* state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
	std::string code = state ? state : "";
	std::string message = PQresultErrorMessage(result);
	PQclear(result);
	while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
	if (PQstatus(_connection) != CONNECTION_OK) _broken = true;
	if (code == "40P01" || code == "40001" || code == "55P03" || code == "23505")
		throw StoreRetryException("PostgreSQL " + code + ": " + message, what);
	throw Poco::Data::DataException("PostgreSQL " + code + ": " + message, what);
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
		calls.push_back(Call{"", "SELECT idem_key, fingerprint, outcome, balance, to_balance, missing FROM orchd_idempotency WHERE idem_key = ANY($1::text[])", {textArray(hint.keys)}, KEEP_KEYS});
	if (!round.reads.empty())
		calls.push_back(Call{"", "SELECT user_id, balance FROM accounts WHERE user_id = ANY($1::text[])", {textArray(round.reads)}, KEEP_READS});
	if (!round.accounts.empty())
		calls.push_back(Call{"", "SELECT user_id, balance FROM accounts WHERE user_id = ANY($1::text[]) ORDER BY user_id FOR UPDATE", {textArray(round.accounts)}, KEEP_ACCOUNTS});
	if (calls.empty()) return;
	for (std::size_t i = 0; i + 1 < calls.size(); ++i) defer(std::move(calls[i]));
	Result result(run(std::move(calls.back())));
}


bool PgStatements::readBalance(const std::string& user, Poco::Int64& balance)
{
	bool found = false;
	if (_fetched.balance(user, balance, found)) return found;
	Result result(run(Call{READ, "", {user}}));
	if (PQntuples(result.get()) == 0) return false;
	balance = std::stoll(text(result.get(), 0, 0));
	return true;
}


bool PgStatements::peekBalance(const std::string& user, Poco::Int64& balance)
{
	bool found = false;
	if (_fetched.peek(user, balance, found)) return found;
	Result result(run(Call{PEEK, "", {user}}));
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


bool PgStatements::healthy() const
{
	return !_broken && PQstatus(_connection) == CONNECTION_OK;
}


PgStatements::Rows PgStatements::query(const std::string& sql, const std::vector<std::string>& parameters)
{
	Result result(run(Call{"", sql, parameters}));
	std::vector<std::vector<std::string>> rows;
	for (int r = 0; r < PQntuples(result.get()); ++r)
	{
		std::vector<std::string> row;
		for (int c = 0; c < PQnfields(result.get()); ++c) row.push_back(text(result.get(), r, c));
		rows.push_back(std::move(row));
	}
	return rows;
}


void PgStatements::leavePipeline()
{
	// Only between transactions, with nothing deferred: then no result is
	// pending, which PQexitPipelineMode() requires.
	if (_open || !_deferred.empty()) throw Poco::IllegalStateException("PostgreSQL: a query cannot run inside a transaction of the account rules");
	if (PQexitPipelineMode(_connection) != 1) throw Poco::Data::DataException("PostgreSQL: cannot leave pipeline mode: " + std::string(PQerrorMessage(_connection)));
}


void PgStatements::enterPipeline()
{
	if (PQtransactionStatus(_connection) != PQTRANS_IDLE || PQenterPipelineMode(_connection) != 1) _broken = true;
}


std::vector<std::string> PgStatements::prepareQuery(const std::string& statement)
{
	leavePipeline();
	try
	{
		PgQuery query(_connection, statement);
		query.check();
		enterPipeline();
		return query.parameters();
	}
	catch (...)
	{
		enterPipeline();
		throw;
	}
}


QueryRows PgStatements::selectQuery(const std::string& statement, const std::map<std::string, Poco::Dynamic::Var>& values, std::size_t maxRows)
{
	// Prepared again on each call: the connection keeps nothing of it.
	leavePipeline();
	try
	{
		PgQuery query(_connection, statement);
		QueryRows rows = query.run(values, maxRows);
		enterPipeline();
		return rows;
	}
	catch (...)
	{
		enterPipeline();
		throw;
	}
}


} // namespace orchd

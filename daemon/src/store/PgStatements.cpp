//
// PgStatements.cpp
//


#include "store/PgStatements.h"
#include "store/DeferredWrites.h"
#include "store/PgNames.h"
#include "store/PgQuery.h"
#include <libpq-fe.h>
#include <algorithm>


namespace orchd {


using namespace pg;


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
		if (ok && calls[i].keep == FetchedRows::KEEP_KEYS)
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
		else if (ok && calls[i].keep == FetchedRows::KEEP_ACCOUNTS)
		{
			for (int r = 0; r < PQntuples(result); ++r) _fetched.foundAccount(text(result, r, 0), std::stoll(text(result, r, 1)));
		}
		else if (ok && calls[i].keep == FetchedRows::KEEP_READS)
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

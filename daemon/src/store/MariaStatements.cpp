//
// MariaStatements.cpp
//


#include "store/MariaStatements.h"
#include "store/MariaQuery.h"
#include "Poco/NumberParser.h"
#include "Poco/String.h"
#include "Poco/StringTokenizer.h"
#include <mysql.h>
#include <algorithm>


namespace orchd {


MariaAddress MariaAddress::parse(const std::string& connection)
{
	MariaAddress address;
	Poco::StringTokenizer parts(connection, ";", Poco::StringTokenizer::TOK_TRIM | Poco::StringTokenizer::TOK_IGNORE_EMPTY);
	for (const auto& part: parts)
	{
		std::string::size_type equals = part.find('=');
		if (equals == std::string::npos) throw Poco::InvalidArgumentException("store.connection: expected key=value, got '" + part + "'");
		std::string key = Poco::toLower(Poco::trim(part.substr(0, equals)));
		std::string value = Poco::trim(part.substr(equals + 1));
		if (key == "host") address.host = value;
		else if (key == "port")
		{
			unsigned port = 0;
			if (!Poco::NumberParser::tryParseUnsigned(value, port) || port == 0 || port > 65535)
				throw Poco::InvalidArgumentException("store.connection: port must be 1 to 65535, got '" + value + "'");
			address.port = static_cast<Poco::UInt16>(port);
		}
		else if (key == "socket") address.socket = value;
		else if (key == "db" || key == "database") address.database = value;
		else if (key == "user") address.user = value;
		else if (key == "password") address.password = value;
		else throw Poco::InvalidArgumentException("store.connection: unknown key '" + key + "' (host, port, socket, db, user, password)");
	}
	if (address.database.empty()) throw Poco::InvalidArgumentException("store.connection: db= is required for MariaDB");
	return address;
}


MariaStatements::MariaStatements(const MariaAddress& address, const StoreClock& clock):
	_clock(clock),
	_mysql(mysql_init(nullptr))
{
	unsigned int timeout = 5;
	mysql_options(_mysql, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
	mysql_options(_mysql, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	if (!mysql_real_connect(_mysql, address.socket.empty() ? address.host.c_str() : nullptr, address.user.c_str(), address.password.c_str(),
		address.database.c_str(), address.port, address.socket.empty() ? nullptr : address.socket.c_str(), CLIENT_MULTI_STATEMENTS))
	{
		std::string message = mysql_error(_mysql);
		mysql_close(_mysql);
		throw Poco::Data::ConnectionFailedException("MariaDB: " + message);
	}
	run("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED");
	// A row lock waited for longer than this fails the statement (1205),
	// which the store undoes and retries. The default, 50 s, would let a
	// wait that InnoDB cannot see as a deadlock stall a worker that long:
	// a group committing on one connection can wait for a row that the
	// next round, on another connection of the same process, inserted and
	// holds until that group is committed (PostgreSQL: lock_timeout).
	run("SET SESSION innodb_lock_wait_timeout = 1");
}


MariaStatements::~MariaStatements()
{
	mysql_close(_mysql);
}


std::string MariaStatements::quote(const std::string& value)
{
	std::string escaped(value.size() * 2 + 3, '\0');
	escaped[0] = '\'';
	unsigned long n = mysql_real_escape_string(_mysql, &escaped[1], value.data(), static_cast<unsigned long>(value.size()));
	escaped[n + 1] = '\'';
	escaped.resize(n + 2);
	return escaped;
}


void MariaStatements::defer(const std::string& sql, int keep, const std::string& user)
{
	_deferred.push_back(Deferred{sql, keep, user, DeferredWrite::NONE, {}});
}


void MariaStatements::deferWrite(DeferredWrite write, std::vector<std::string> values)
{
	std::vector<std::vector<std::string>> rows{std::move(values)};
	_deferred.push_back(merged(write, rows));
	_deferred.back().values = std::move(rows[0]);
}


MariaStatements::Deferred MariaStatements::merged(DeferredWrite write, const std::vector<std::vector<std::string>>& rows)
{
	// Numbers are orchd's own integers; text is quoted.
	Deferred statement;
	statement.write = write;
	if (write == DeferredWrite::BALANCE && rows.size() == 1)
	{
		statement.sql = "UPDATE accounts SET balance = " + rows[0][0] + " WHERE user_id = " + quote(rows[0][1]);
		return statement;
	}
	if (write == DeferredWrite::BALANCE)
	{
		std::string cases, names;
		for (const auto& row: rows)
		{
			std::string user = quote(row[1]);
			cases.append(" WHEN ").append(user).append(" THEN ").append(row[0]);
			names.append(names.empty() ? "" : ",").append(user);
		}
		statement.sql = "UPDATE accounts SET balance = CASE user_id" + cases + " END WHERE user_id IN (" + names + ")";
		return statement;
	}
	statement.sql = "INSERT INTO orchd_idempotency (idem_key, fingerprint, outcome, balance, to_balance, missing, created_ms) VALUES ";
	for (std::size_t r = 0; r < rows.size(); ++r)
	{
		const auto& row = rows[r];
		statement.sql.append(r ? ",(" : "(").append(quote(row[0])).append(",").append(quote(row[1])).append(",").append(row[2]).append(",")
			.append(row[3]).append(",").append(row[4]).append(",").append(quote(row[5])).append(",GREATEST(").append(row[6])
			.append(",CAST(UNIX_TIMESTAMP(NOW(3)) * 1000 AS SIGNED)))");
	}
	return statement;
}


MariaStatements::Rows MariaStatements::run(const std::string& sql, Poco::UInt64* affected)
{
	Sent sent = send(sql);
	return collect(sent, affected);
}


MariaStatements::Sent MariaStatements::send(const std::string& sql, int keep)
{
	Sent sent;
	std::vector<Deferred>& calls = sent.calls;
	calls.swap(_deferred);
	calls.push_back(Deferred{sql, keep, std::string(), DeferredWrite::NONE, {}});
	sent.boundary = coalesceWrites(calls, std::min(_boundary, calls.size() - 1),
		[](const Deferred& call) { return call.write; },
		[this](DeferredWrite write, const std::vector<std::vector<std::string>>& rows) { return merged(write, rows); });
	_boundary = 0;
	_savepointSent = true;
	std::string text;
	for (const auto& call: calls) text.append(call.sql).append(";");
	text.pop_back();
	if (mysql_send_query(_mysql, text.data(), static_cast<unsigned long>(text.size())) != 0) fail(sql, 0 < sent.boundary);
	return sent;
}


MariaStatements::Rows MariaStatements::collect(const Sent& sent, Poco::UInt64* affected)
{
	const std::vector<Deferred>& calls = sent.calls;
	std::size_t boundary = sent.boundary;
	std::size_t count = calls.size();
	if (mysql_read_query_result(_mysql) != 0) fail(calls.back().sql, 0 < boundary);
	Rows rows;
	for (std::size_t i = 0; i < count; ++i)
	{
		MYSQL_RES* result = mysql_store_result(_mysql);
		if (result)
		{
			Rows these;
			unsigned fields = mysql_num_fields(result);
			while (MYSQL_ROW row = mysql_fetch_row(result))
			{
				unsigned long* lengths = mysql_fetch_lengths(result);
				std::vector<std::string> values;
				for (unsigned f = 0; f < fields; ++f) values.emplace_back(row[f] ? std::string(row[f], lengths[f]) : std::string());
				these.push_back(std::move(values));
			}
			mysql_free_result(result);
			if (calls[i].keep == FetchedRows::KEEP_KEYS)
			{
				for (const auto& row: these)
				{
					KeyRecord record;
					record.fingerprint = row[1];
					record.result.outcome = static_cast<AccountResult::Outcome>(std::stoi(row[2]));
					record.result.balance = std::stoll(row[3]);
					record.result.toBalance = std::stoll(row[4]);
					record.result.missing = row[5];
					_fetched.foundKey(row[0], std::move(record));
				}
			}
			else if (calls[i].keep == FetchedRows::KEEP_ACCOUNTS)
			{
				for (const auto& row: these) _fetched.foundAccount(row[0], std::stoll(row[1]));
			}
			else if (calls[i].keep == FetchedRows::KEEP_READS)
			{
				for (const auto& row: these) _fetched.foundRead(row[0], std::stoll(row[1]));
			}
			else if (calls[i].keep >= 0)
			{
				_fetched.fetchedOne(calls[i].keep, calls[i].user, !these.empty(), these.empty() ? 0 : std::stoll(these[0][0]));
			}
			if (i + 1 == count) rows = std::move(these);
		}
		else if (mysql_field_count(_mysql) != 0) fail(calls[i].sql, i < boundary);
		else if (i + 1 == count && affected) *affected = mysql_affected_rows(_mysql);
		if (i + 1 < count)
		{
			int next = mysql_next_result(_mysql);
			if (next > 0) fail(calls[i + 1].sql, i + 1 < boundary);
			if (next < 0) break;
		}
	}
	// Drain anything left so the connection is usable again.
	while (mysql_more_results(_mysql) && mysql_next_result(_mysql) == 0)
	{
		if (MYSQL_RES* extra = mysql_store_result(_mysql)) mysql_free_result(extra);
	}
	return rows;
}


void MariaStatements::fail(const std::string& what, bool earlier)
{
	unsigned int code = mysql_errno(_mysql);
	std::string message = mysql_error(_mysql);
	// The rest of a multi-statement query is not run after an error.
	while (mysql_more_results(_mysql) && mysql_next_result(_mysql) == 0)
	{
		if (MYSQL_RES* extra = mysql_store_result(_mysql)) mysql_free_result(extra);
	}
	if (code == 2006 || code == 2013 || code == 2055 || code == 2002 || code == 2003) _broken = true;
	std::string text = "MariaDB " + std::to_string(code) + ": " + message;
	if (code == 1213)
	{
		_open = false;
		throw StoreTransactionLostException(text, what);
	}
	// A statement an earlier operation left to be sent failed: that
	// operation already answered, so its transaction cannot stand.
	if (earlier) throw StoreTransactionLostException("an earlier operation's statement failed: " + text, what);
	if (code == 1205 || code == 1062) throw StoreRetryException(text, what);
	throw Poco::Data::DataException(text, what);
}


bool MariaStatements::healthy() const
{
	return !_broken;
}


MariaStatements::Rows MariaStatements::query(const std::string& sql, const std::vector<std::string>& parameters)
{
	std::string text;
	std::size_t next = 0;
	for (char c: sql)
	{
		if (c == '?' && next < parameters.size()) text += quote(parameters[next++]);
		else text += c;
	}
	return run(text);
}


void MariaStatements::requireIdle() const
{
	if (_open || !_deferred.empty()) throw Poco::IllegalStateException("MariaDB: a query cannot run inside a transaction of the account rules");
}


void MariaStatements::checkConnection()
{
	if (!_broken && mysql_ping(_mysql) != 0) _broken = true;
}


std::vector<std::string> MariaStatements::prepareQuery(const std::string& statement)
{
	requireIdle();
	try
	{
		MariaQuery query(_mysql, statement);
		return query.parameters();
	}
	catch (Poco::Data::DataException&)
	{
		checkConnection();
		throw;
	}
}


QueryRows MariaStatements::selectQuery(const std::string& statement, const std::map<std::string, Poco::Dynamic::Var>& values, std::size_t maxRows)
{
	// Prepared again on each call: the connection keeps nothing of it.
	requireIdle();
	try
	{
		MariaQuery query(_mysql, statement);
		run("START TRANSACTION READ ONLY");
		_open = true;
		QueryRows rows = query.run(values, maxRows);
		rollback();
		return rows;
	}
	catch (Poco::Exception&)
	{
		if (_open) rollback();
		checkConnection();
		throw;
	}
}


} // namespace orchd

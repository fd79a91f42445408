//
// floorbench.cpp
//
// The floors that nothing built on this machine can beat, so that each
// orchd figure can be read as a fraction of the limit:
//
//   floorbench sqlite DB N            SQLite alone, one connection: N balance
//                                     updates, one transaction each and 100
//                                     per transaction; then the same with the
//                                     idempotency record orchd writes
//   floorbench ws N INFLIGHT CONNS    WebSocket round trips on loopback through
//                                     orchd's own event loop and framing: an
//                                     echo server, CONNS pipelined clients
//   floorbench idle HOST:PORT COUNT   holds COUNT idle worker connections
//                                     (no task types) to a master until killed
//   floorbench misbehave HOST:PORT    holds two bad clients until killed: one
//                                     stopped in the middle of a frame, one that
//                                     floods tasks and never reads
//
// Each measuring mode prints one JSON object per line.
//


#include "net/Connection.h"
#include "net/EventLoop.h"
#include "net/FrameCodec.h"
#include "net/WebSocketClient.h"
#include "Poco/Logger.h"
#include "Poco/Net/HTTPClientSession.h"
#include "Poco/Net/HTTPRequest.h"
#include "Poco/Net/HTTPRequestHandler.h"
#include "Poco/Net/HTTPResponse.h"
#include "Poco/Net/HTTPRequestHandlerFactory.h"
#include "Poco/Net/HTTPServer.h"
#include "Poco/Net/HTTPServerRequest.h"
#include "Poco/Net/HTTPServerResponse.h"
#include "Poco/Net/ServerSocket.h"
#include "Poco/Net/WebSocket.h"
#include <sqlite3.h>
#include <sys/socket.h>
#include <cerrno>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>


using namespace Poco::Net;
using Clock = std::chrono::steady_clock;


namespace {


double secondsSince(Clock::time_point start)
{
	return std::chrono::duration<double>(Clock::now() - start).count();
}


double percentile(std::vector<double>& sorted, double p)
{
	if (sorted.empty()) return 0;
	return sorted[std::min(sorted.size() - 1, static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1) + 0.5))];
}


void check(sqlite3* db, int rc, const char* what)
{
	if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
	{
		std::fprintf(stderr, "floorbench: %s: %s\n", what, sqlite3_errmsg(db));
		std::exit(1);
	}
}


sqlite3_stmt* prepare(sqlite3* db, const char* sql)
{
	sqlite3_stmt* statement = nullptr;
	check(db, sqlite3_prepare_v2(db, sql, -1, &statement, nullptr), sql);
	return statement;
}


void step(sqlite3* db, sqlite3_stmt* statement)
{
	check(db, sqlite3_step(statement), sqlite3_sql(statement));
	sqlite3_reset(statement);
}


int sqliteFloor(const std::string& path, int n)
{
	std::remove(path.c_str());
	std::remove((path + "-wal").c_str());
	std::remove((path + "-shm").c_str());
	sqlite3* db = nullptr;
	if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) return 1;
	check(db, sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA temp_store=MEMORY;"
		// orchd's schema (StoreSchema::create()), as new databases get it.
		"CREATE TABLE accounts (user_id VARCHAR(128) PRIMARY KEY, balance BIGINT NOT NULL CHECK (balance >= 0)) WITHOUT ROWID;"
		"CREATE TABLE orchd_idempotency (idem_key VARCHAR(128) PRIMARY KEY, fingerprint VARCHAR(512) NOT NULL, outcome INTEGER NOT NULL,"
		" balance BIGINT NOT NULL, to_balance BIGINT NOT NULL, missing VARCHAR(128) NOT NULL, created_ms BIGINT NOT NULL) WITHOUT ROWID;"
		"CREATE INDEX orchd_idempotency_created ON orchd_idempotency (created_ms);", nullptr, nullptr, nullptr), "schema");
	const int ACCOUNTS = 64;
	std::vector<std::string> users;
	for (int i = 0; i < ACCOUNTS; ++i) users.push_back("bench-12345678-" + std::to_string(i));
	{
		sqlite3_stmt* insert = prepare(db, "INSERT INTO accounts VALUES (?1, 100000)");
		for (const auto& user: users)
		{
			sqlite3_bind_text(insert, 1, user.c_str(), -1, SQLITE_STATIC);
			step(db, insert);
		}
		sqlite3_finalize(insert);
	}
	sqlite3_stmt* begin = prepare(db, "BEGIN IMMEDIATE");
	sqlite3_stmt* commit = prepare(db, "COMMIT");
	sqlite3_stmt* update = prepare(db, "UPDATE accounts SET balance = balance + ?1 WHERE user_id = ?2");
	sqlite3_stmt* findKey = prepare(db, "SELECT fingerprint, outcome, balance, to_balance, missing FROM orchd_idempotency WHERE idem_key = ?1");
	sqlite3_stmt* read = prepare(db, "SELECT balance FROM accounts WHERE user_id = ?1");
	sqlite3_stmt* write = prepare(db, "UPDATE accounts SET balance = ?1 WHERE user_id = ?2");
	sqlite3_stmt* record = prepare(db, "INSERT INTO orchd_idempotency VALUES (?1, ?2, 0, ?3, 0, '', ?4)");
	long long keySeq = 0;
	auto plainUpdate = [&](int i)
	{
		sqlite3_bind_int64(update, 1, (i % 11) - 5);
		sqlite3_bind_text(update, 2, users[static_cast<std::size_t>(i % ACCOUNTS)].c_str(), -1, SQLITE_STATIC);
		step(db, update);
	};
	auto idempotentUpdate = [&](int i)
	{
		// What orchd's writer does per UPDATE: look the key up, read, write,
		// record the key and outcome.
		std::string key = "bench-12345678-c1-" + std::to_string(++keySeq);
		const std::string& user = users[static_cast<std::size_t>(i % ACCOUNTS)];
		sqlite3_bind_text(findKey, 1, key.c_str(), -1, SQLITE_STATIC);
		check(db, sqlite3_step(findKey), "find key");
		sqlite3_reset(findKey);
		sqlite3_bind_text(read, 1, user.c_str(), -1, SQLITE_STATIC);
		check(db, sqlite3_step(read), "read");
		long long balance = sqlite3_column_int64(read, 0) + (i % 11) - 5;
		sqlite3_reset(read);
		sqlite3_bind_int64(write, 1, balance);
		sqlite3_bind_text(write, 2, user.c_str(), -1, SQLITE_STATIC);
		step(db, write);
		std::string fingerprint = "6:UPDATE" + std::to_string(user.size()) + ":" + user + "2:-5";
		sqlite3_bind_text(record, 1, key.c_str(), -1, SQLITE_STATIC);
		sqlite3_bind_text(record, 2, fingerprint.c_str(), -1, SQLITE_STATIC);
		sqlite3_bind_int64(record, 3, balance);
		sqlite3_bind_int64(record, 4, 1764300000000LL + i);
		step(db, record);
	};
	struct Mode
	{
		const char* name;
		bool idempotent;
		int perTransaction;
	};
	const Mode modes[] = {{"update", false, 1}, {"update", false, 100}, {"idempotent_update", true, 1}, {"idempotent_update", true, 100}};
	for (const Mode& mode: modes)
	{
		auto start = Clock::now();
		for (int i = 0; i < n; i += mode.perTransaction)
		{
			step(db, begin);
			for (int j = i; j < std::min(n, i + mode.perTransaction); ++j)
			{
				if (mode.idempotent) idempotentUpdate(j);
				else plainUpdate(j);
			}
			step(db, commit);
		}
		double seconds = secondsSince(start);
		std::printf("{\"floor\":\"sqlite\",\"job\":\"%s\",\"per_transaction\":%d,\"updates\":%d,\"seconds\":%.3f,\"updates_per_second\":%.0f}\n",
			mode.name, mode.perTransaction, n, seconds, n / seconds);
		std::fflush(stdout);
	}
	for (sqlite3_stmt* statement: {begin, commit, update, findKey, read, write, record}) sqlite3_finalize(statement);
	sqlite3_close(db);
	return 0;
}


class Echo: public orchd::ConnectionHandler
	/// Sends every message straight back: the master's network path with
	/// no routing.
{
public:
	explicit Echo(orchd::ConnectionDirectory& directory): _directory(directory)
	{
	}

	void onOpen(const orchd::Link&) override
	{
	}

	void onMessage(const orchd::Link& link, const std::string& text) override
	{
		_directory.send(link.id, text);
	}

	void onClose(const orchd::Link&, const std::string&) override
	{
	}

private:
	orchd::ConnectionDirectory& _directory;
};


class Upgrade: public HTTPRequestHandler
{
public:
	Upgrade(orchd::EventLoop& loop, Echo& echo): _loop(loop), _echo(echo)
	{
	}

	void handleRequest(HTTPServerRequest& request, HTTPServerResponse& response) override
	{
		WebSocket socket(request, response);
		_loop.adopt(socket, orchd::Connection::CLIENT, _echo, 1 << 20);
	}

private:
	orchd::EventLoop& _loop;
	Echo& _echo;
};


class Factory: public HTTPRequestHandlerFactory
{
public:
	Factory(orchd::EventLoop& loop, Echo& echo): _loop(loop), _echo(echo)
	{
	}

	HTTPRequestHandler* createRequestHandler(const HTTPServerRequest&) override
	{
		return new Upgrade(_loop, _echo);
	}

private:
	orchd::EventLoop& _loop;
	Echo& _echo;
};


int webSocketFloor(int n, int inflight, int connections)
{
	Poco::Logger& logger = Poco::Logger::get("floorbench");
	orchd::EventLoop loop(logger);
	loop.start();
	Echo echo(loop);
	ServerSocket socket;
	socket.bind(SocketAddress("127.0.0.1", 0), true, false);
	socket.listen(64);
	Poco::UInt16 port = socket.address().port();
	HTTPServer server(new Factory(loop, echo), socket, new HTTPServerParams);
	server.start();

	const std::string payload(64, 'x');
	std::vector<std::vector<double>> latencies(static_cast<std::size_t>(connections));
	std::vector<std::thread> clients;
	auto start = Clock::now();
	for (int c = 0; c < connections; ++c)
	{
		int quota = n / connections + (c < n % connections ? 1 : 0);
		int window = std::max(1, inflight / connections + (c < inflight % connections ? 1 : 0));
		clients.emplace_back([&, c, quota, window]
		{
			// Same pattern as orchctl bench: take what has arrived, answer
			// it with one write.
			orchd::WebSocketClient link(SocketAddress("127.0.0.1", port), "/", Poco::Timespan(30, 0), 1 << 20);
			std::vector<Clock::time_point> sent;
			std::vector<std::string> batch;
			int queued = 0, done = 0;
			for (; queued < std::min(window, quota); ++queued)
			{
				sent.push_back(Clock::now());
				batch.push_back(payload);
			}
			link.send(batch);
			std::size_t oldest = 0;
			std::string text;
			while (done < quota)
			{
				batch.clear();
				if (!link.receive(text, Poco::Timespan(30, 0))) break;
				do
				{
					latencies[static_cast<std::size_t>(c)].push_back(std::chrono::duration<double, std::milli>(Clock::now() - sent[oldest++]).count());
					++done;
					if (queued < quota)
					{
						sent.push_back(Clock::now());
						batch.push_back(payload);
						++queued;
					}
				}
				while (done < quota && link.receive(text, Poco::Timespan(0)));
				if (!batch.empty()) link.send(batch);
			}
		});
	}
	for (auto& client: clients) client.join();
	double seconds = secondsSince(start);
	std::vector<double> all;
	for (auto& l: latencies) all.insert(all.end(), l.begin(), l.end());
	std::sort(all.begin(), all.end());
	std::printf("{\"floor\":\"websocket\",\"round_trips\":%zu,\"concurrency\":%d,\"connections\":%d,\"seconds\":%.3f,"
		"\"round_trips_per_second\":%.0f,\"p50_ms\":%.3f,\"p99_ms\":%.3f}\n",
		all.size(), inflight, connections, seconds, static_cast<double>(all.size()) / seconds, percentile(all, 0.5), percentile(all, 0.99));
	std::fflush(stdout);
	server.stopAll(true);
	loop.stop();
	return all.size() == static_cast<std::size_t>(n) ? 0 : 1;
}


int holdIdleWorkers(const std::string& master, int count)
{
	std::vector<std::unique_ptr<orchd::WebSocketClient>> links;
	for (int i = 0; i < count; ++i)
	{
		links.push_back(std::make_unique<orchd::WebSocketClient>(SocketAddress(master), "/v1/worker", Poco::Timespan(10, 0), 1 << 16));
		links.back()->send("{\"WORKER\":\"ALIVE\",\"WORKER_UUID\":\"idle-" + std::to_string(i) + "\",\"TASKS\":[],\"CONCURRENCY\":1}");
	}
	std::printf("{\"idle_workers\":%d}\n", count);
	std::fflush(stdout);
	// Until killed; a closed master ends it too.
	std::string text;
	for (;;) links.front()->receive(text, Poco::Timespan(3600, 0));
}


Poco::Net::WebSocket* connectClient(const std::string& master, std::unique_ptr<HTTPClientSession>& session)
{
	session = std::make_unique<HTTPClientSession>(SocketAddress(master));
	HTTPRequest request(HTTPRequest::HTTP_GET, "/v1/client", HTTPMessage::HTTP_1_1);
	HTTPResponse response;
	return new WebSocket(*session, request, response);
}


int holdMisbehavingClients(const std::string& master)
{
	std::unique_ptr<HTTPClientSession> halfSession, floodSession;
	std::unique_ptr<WebSocket> half(connectClient(master, halfSession));
	std::unique_ptr<WebSocket> flood(connectClient(master, floodSession));
	// A frame header that announces 4,096 bytes, and nothing after it.
	const char head[] = {'\x81', '\xFE', '\x10', '\x00'};
	::send(half->impl()->sockfd(), head, sizeof(head), MSG_NOSIGNAL);
	// Tasks until the master stops reading (the socket buffers are full).
	std::string frames;
	std::string text = "{\"TASK\":\"ECHO\",\"PAYLOAD\":\"" + std::string(200, 'f') + "\"}";
	for (int i = 0; i < 20000; ++i) orchd::FrameCodec::encode(frames, orchd::FrameCodec::TEXT, text.data(), text.size(), true);
	int fd = flood->impl()->sockfd();
	std::size_t sent = 0;
	auto start = Clock::now();
	while (sent < frames.size() && secondsSince(start) < 3)
	{
		ssize_t n = ::send(fd, frames.data() + sent, std::min<std::size_t>(65536, frames.size() - sent), MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) sent += static_cast<std::size_t>(n);
		else if (n < 0 && errno == EAGAIN) std::this_thread::sleep_for(std::chrono::milliseconds(10));
		else break;
	}
	std::printf("{\"half_frame\":true,\"flooder_sent_kib\":%zu}\n", sent >> 10);
	std::fflush(stdout);
	for (;;) std::this_thread::sleep_for(std::chrono::hours(1));  // until killed
}


} // namespace


int main(int argc, char** argv)
{
	std::string mode = argc > 1 ? argv[1] : "";
	try
	{
		if (mode == "sqlite" && argc == 4) return sqliteFloor(argv[2], std::stoi(argv[3]));
		if (mode == "ws" && argc == 5) return webSocketFloor(std::stoi(argv[2]), std::stoi(argv[3]), std::stoi(argv[4]));
		if (mode == "idle" && argc == 4) return holdIdleWorkers(argv[2], std::stoi(argv[3]));
		if (mode == "misbehave" && argc == 3) return holdMisbehavingClients(argv[2]);
	}
	catch (Poco::Exception& exc)
	{
		std::fprintf(stderr, "floorbench: %s\n", exc.displayText().c_str());
		return 1;
	}
	std::fprintf(stderr, "usage: floorbench sqlite DB N | ws N INFLIGHT CONNECTIONS | idle HOST:PORT COUNT | misbehave HOST:PORT\n");
	return 2;
}

//
// gearbench.cpp
//
// The gearmand side of bench/run.sh: a libgearman worker and client with
// the same two jobs orchd's benchmark runs, so that both are measured on
// the same machine in the same run.
//
//   gearbench worker PORT WORKERS DB        WORKERS threads, each its own
//                                           connection, serving "echo" and
//                                           "update" (one transaction per job:
//                                           SQLite with WAL, synchronous=NORMAL;
//                                           or PostgreSQL, or MariaDB)
//                                           GEARBENCH_SYNCHRONOUS=full: SQLite's
//                                           synchronous=FULL, PostgreSQL's
//                                           synchronous_commit=on (normal: off),
//                                           as orchd's store.synchronous
//   gearbench setup DB ACCOUNTS             creates the accounts
//   gearbench floor DB UPDATES PER_TXN      the database alone: one connection,
//                                           UPDATES updates, PER_TXN per commit
//
// DB is an SQLite file, "postgresql:CONNINFO" (libpq's key=value form) or
// "mariadb:HOST:PORT:DB:USER:PASSWORD". On PostgreSQL and MariaDB the
// accounts are in a table of their own, gear_accounts.
//   gearbench client PORT FUNCTION TASKS IN_FLIGHT ACCOUNTS
//                                           IN_FLIGHT threads, each a
//                                           connection doing one job at a time;
//                                           prints one JSON line of figures
//


#include <libgearman-1.0/gearman.h>
#include <libpq-fe.h>
#include <mysql.h>
#include <sqlite3.h>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>


namespace {


struct WorkerContext
{
	sqlite3* db = nullptr;
	sqlite3_stmt* begin = nullptr;
	sqlite3_stmt* update = nullptr;
	sqlite3_stmt* commit = nullptr;
	PGconn* pg = nullptr;
	MYSQL* maria = nullptr;
};


bool startsWith(const std::string& text, const std::string& prefix)
{
	return text.compare(0, prefix.size(), prefix) == 0;
}


bool synchronousFull()
	/// GEARBENCH_SYNCHRONOUS: "full" or "normal" (the default), the same
	/// durability as orchd's store.synchronous.
{
	const char* value = std::getenv("GEARBENCH_SYNCHRONOUS");
	return value && std::strcmp(value, "full") == 0;
}


PGconn* openPg(const std::string& db)
{
	PGconn* pg = PQconnectdb(db.substr(11).c_str());
	if (PQstatus(pg) != CONNECTION_OK)
	{
		std::fprintf(stderr, "gearbench: %s\n", PQerrorMessage(pg));
		std::exit(2);
	}
	PQclear(PQexec(pg, synchronousFull() ? "SET synchronous_commit = on" : "SET synchronous_commit = off"));
	return pg;
}


MYSQL* openMaria(const std::string& db)
{
	// mariadb:HOST:PORT:DB:USER:PASSWORD
	std::vector<std::string> parts;
	std::string rest = db.substr(8);
	for (std::string::size_type colon; (colon = rest.find(':')) != std::string::npos && parts.size() < 4; rest = rest.substr(colon + 1))
		parts.push_back(rest.substr(0, colon));
	parts.push_back(rest);
	MYSQL* maria = mysql_init(nullptr);
	if (parts.size() != 5 || !mysql_real_connect(maria, parts[0].c_str(), parts[3].c_str(), parts[4].c_str(), parts[2].c_str(),
		static_cast<unsigned>(std::atoi(parts[1].c_str())), nullptr, 0))
	{
		std::fprintf(stderr, "gearbench: cannot connect to MariaDB: %s\n", mysql_error(maria));
		std::exit(2);
	}
	return maria;
}


bool networkUpdate(WorkerContext& c, const std::string& account, long long delta)
	/// One UPDATE in a transaction of its own (autocommit), as a gearman
	/// worker that knows nothing of batching would do it.
{
	if (c.pg)
	{
		std::string d = std::to_string(delta);
		const char* values[] = {d.c_str(), account.c_str()};
		PGresult* result = PQexecPrepared(c.pg, "update", 2, values, nullptr, nullptr, 0);
		bool ok = PQresultStatus(result) == PGRES_COMMAND_OK;
		PQclear(result);
		return ok;
	}
	std::string sql = "UPDATE gear_accounts SET balance = balance + " + std::to_string(delta) + " WHERE user_id = '" + account + "'";
	return mysql_real_query(c.maria, sql.data(), static_cast<unsigned long>(sql.size())) == 0;
}


void exec(WorkerContext& c, const std::string& sql)
{
	if (c.pg)
	{
		PGresult* result = PQexec(c.pg, sql.c_str());
		ExecStatusType status = PQresultStatus(result);
		if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) std::fprintf(stderr, "gearbench: %s: %s\n", sql.c_str(), PQerrorMessage(c.pg));
		PQclear(result);
	}
	else if (mysql_real_query(c.maria, sql.data(), static_cast<unsigned long>(sql.size())) != 0)
		std::fprintf(stderr, "gearbench: %s: %s\n", sql.c_str(), mysql_error(c.maria));
	else if (MYSQL_RES* result = mysql_store_result(c.maria)) mysql_free_result(result);
}


WorkerContext openNetwork(const std::string& db)
{
	WorkerContext c;
	if (startsWith(db, "postgresql:"))
	{
		c.pg = openPg(db);
		PQclear(PQprepare(c.pg, "update", "UPDATE gear_accounts SET balance = balance + $1 WHERE user_id = $2", 2, nullptr));
	}
	else c.maria = openMaria(db);
	return c;
}


void* echoJob(gearman_job_st* job, void*, size_t* size, gearman_return_t* ret)
{
	*size = gearman_job_workload_size(job);
	void* result = std::malloc(*size ? *size : 1);
	std::memcpy(result, gearman_job_workload(job), *size);
	*ret = GEARMAN_SUCCESS;
	return result;
}


void* updateJob(gearman_job_st* job, void* context, size_t* size, gearman_return_t* ret)
{
	// Workload: "ACCOUNT DELTA_CENTS"
	WorkerContext& c = *static_cast<WorkerContext*>(context);
	std::string workload(static_cast<const char*>(gearman_job_workload(job)), gearman_job_workload_size(job));
	std::string::size_type space = workload.find(' ');
	std::string account = workload.substr(0, space);
	long long delta = std::atoll(workload.c_str() + space + 1);
	if (c.pg || c.maria)
	{
		const char* answer = networkUpdate(c, account, delta) ? "OK" : "NOK";
		*size = std::strlen(answer);
		void* result = std::malloc(*size);
		std::memcpy(result, answer, *size);
		*ret = GEARMAN_SUCCESS;
		return result;
	}
	bool ok = sqlite3_step(c.begin) == SQLITE_DONE;
	sqlite3_reset(c.begin);
	sqlite3_bind_int64(c.update, 1, delta);
	sqlite3_bind_text(c.update, 2, account.c_str(), -1, SQLITE_TRANSIENT);
	ok = ok && sqlite3_step(c.update) == SQLITE_DONE;
	sqlite3_reset(c.update);
	ok = ok && sqlite3_step(c.commit) == SQLITE_DONE;
	sqlite3_reset(c.commit);
	if (!ok) sqlite3_exec(c.db, "ROLLBACK", nullptr, nullptr, nullptr);
	const char* answer = ok ? "OK" : "NOK";
	*size = std::strlen(answer);
	void* result = std::malloc(*size);
	std::memcpy(result, answer, *size);
	*ret = GEARMAN_SUCCESS;
	return result;
}


sqlite3* openDb(const char* path)
{
	sqlite3* db = nullptr;
	if (sqlite3_open(path, &db) != SQLITE_OK)
	{
		std::fprintf(stderr, "gearbench: cannot open %s\n", path);
		std::exit(2);
	}
	sqlite3_busy_timeout(db, 5000);
	sqlite3_exec(db, synchronousFull() ? "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;" : "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
		nullptr, nullptr, nullptr);
	return db;
}


int runWorkers(int port, int workers, const char* dbPath)
{
	std::vector<std::thread> threads;
	for (int i = 0; i < workers; ++i)
	{
		threads.emplace_back([=]
		{
			WorkerContext context;
			std::string db = dbPath;
			if (startsWith(db, "postgresql:") || startsWith(db, "mariadb:")) context = openNetwork(db);
			else
			{
				context.db = openDb(dbPath);
				sqlite3_prepare_v2(context.db, "BEGIN IMMEDIATE", -1, &context.begin, nullptr);
				sqlite3_prepare_v2(context.db, "UPDATE accounts SET balance = balance + ?1 WHERE user_id = ?2", -1, &context.update, nullptr);
				sqlite3_prepare_v2(context.db, "COMMIT", -1, &context.commit, nullptr);
			}
			gearman_worker_st* worker = gearman_worker_create(nullptr);
			gearman_worker_add_server(worker, "127.0.0.1", static_cast<in_port_t>(port));
			gearman_worker_add_function(worker, "echo", 0, echoJob, nullptr);
			gearman_worker_add_function(worker, "update", 0, updateJob, &context);
			for (;;)
			{
				gearman_return_t ret = gearman_worker_work(worker);
				if (ret != GEARMAN_SUCCESS && ret != GEARMAN_IO_WAIT) std::this_thread::sleep_for(std::chrono::milliseconds(10));
			}
		});
	}
	for (auto& thread: threads) thread.join();
	return 0;
}


int setup(const char* dbPath, int accounts)
{
	std::string name = dbPath;
	if (startsWith(name, "postgresql:") || startsWith(name, "mariadb:"))
	{
		WorkerContext c = openNetwork(name);
		exec(c, "DROP TABLE IF EXISTS gear_accounts");
		exec(c, c.pg ? "CREATE TABLE gear_accounts (user_id TEXT PRIMARY KEY, balance BIGINT NOT NULL)"
			: "CREATE TABLE gear_accounts (user_id VARBINARY(512) PRIMARY KEY, balance BIGINT NOT NULL) ENGINE=InnoDB");
		std::string insert = "INSERT INTO gear_accounts VALUES ";
		for (int i = 0; i < accounts; ++i) insert += (i ? ",('a" : "('a") + std::to_string(i) + "', 100000)";
		exec(c, insert);
		if (c.pg) PQfinish(c.pg);
		else mysql_close(c.maria);
		return 0;
	}
	sqlite3* db = openDb(dbPath);
	sqlite3_exec(db, "CREATE TABLE IF NOT EXISTS accounts (user_id TEXT PRIMARY KEY, balance INTEGER NOT NULL)", nullptr, nullptr, nullptr);
	for (int i = 0; i < accounts; ++i)
	{
		std::string sql = "INSERT OR REPLACE INTO accounts VALUES ('a" + std::to_string(i) + "', 100000)";
		sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
	}
	sqlite3_close(db);
	return 0;
}


int runClient(int port, const std::string& function, int tasks, int inFlight, int accounts)
{
	std::vector<std::vector<double>> latencies(static_cast<std::size_t>(inFlight));
	std::atomic<int> failures(0);
	auto start = std::chrono::steady_clock::now();
	std::vector<std::thread> threads;
	for (int t = 0; t < inFlight; ++t)
	{
		int quota = tasks / inFlight + (t < tasks % inFlight ? 1 : 0);
		threads.emplace_back([&, t, quota]
		{
			gearman_client_st* client = gearman_client_create(nullptr);
			gearman_client_add_server(client, "127.0.0.1", static_cast<in_port_t>(port));
			unsigned seed = static_cast<unsigned>(t + 1);
			for (int i = 0; i < quota; ++i)
			{
				std::string workload = function == "echo" ? std::string("bench")
					: "a" + std::to_string(rand_r(&seed) % accounts) + " " + std::to_string(static_cast<int>(rand_r(&seed) % 1001) - 500);
				auto sent = std::chrono::steady_clock::now();
				size_t size = 0;
				gearman_return_t ret;
				void* result = gearman_client_do(client, function.c_str(), nullptr, workload.data(), workload.size(), &size, &ret);
				latencies[static_cast<std::size_t>(t)].push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - sent).count());
				if (ret != GEARMAN_SUCCESS) ++failures;
				std::free(result);
			}
			gearman_client_free(client);
		});
	}
	for (auto& thread: threads) thread.join();
	double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
	std::vector<double> all;
	for (auto& l: latencies) all.insert(all.end(), l.begin(), l.end());
	std::sort(all.begin(), all.end());
	auto pct = [&](double p) { return all.empty() ? 0.0 : all[std::min(all.size() - 1, static_cast<std::size_t>(p * static_cast<double>(all.size() - 1) + 0.5))]; };
	std::printf("{\"tasks\":%d,\"failures\":%d,\"concurrency\":%d,\"seconds\":%.3f,\"tasks_per_second\":%.1f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f}\n",
		tasks, failures.load(), inFlight, seconds, tasks / seconds, pct(0.5), pct(0.99), all.empty() ? 0.0 : all.back());
	return failures.load() == 0 ? 0 : 1;
}


int floor(const std::string& db, int updates, int perTransaction)
	/// One connection, one statement at a time: what the database gives
	/// with nothing in front of it.
{
	WorkerContext c = openNetwork(db);
	auto start = std::chrono::steady_clock::now();
	unsigned seed = 1;
	for (int i = 0; i < updates; ++i)
	{
		if (perTransaction > 1 && i % perTransaction == 0) exec(c, c.pg ? "BEGIN" : "START TRANSACTION");
		networkUpdate(c, "a" + std::to_string(rand_r(&seed) % 64), static_cast<int>(rand_r(&seed) % 1001) - 500);
		if (perTransaction > 1 && (i % perTransaction == perTransaction - 1 || i == updates - 1)) exec(c, "COMMIT");
	}
	double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
	std::printf("{\"updates\":%d,\"per_transaction\":%d,\"updates_per_second\":%.1f}\n", updates, perTransaction, updates / seconds);
	return 0;
}


} // namespace


int main(int argc, char** argv)
{
	std::string mode = argc > 1 ? argv[1] : "";
	if (mode == "worker" && argc == 5) return runWorkers(std::atoi(argv[2]), std::atoi(argv[3]), argv[4]);
	if (mode == "setup" && argc == 4) return setup(argv[2], std::atoi(argv[3]));
	if (mode == "floor" && argc == 5) return floor(argv[2], std::atoi(argv[3]), std::atoi(argv[4]));
	if (mode == "client" && argc == 7) return runClient(std::atoi(argv[2]), argv[3], std::atoi(argv[4]), std::atoi(argv[5]), std::atoi(argv[6]));
	std::fprintf(stderr, "usage: gearbench worker PORT WORKERS DB | setup DB ACCOUNTS | floor DB UPDATES PER_TXN | client PORT echo|update TASKS IN_FLIGHT ACCOUNTS\n");
	return 2;
}

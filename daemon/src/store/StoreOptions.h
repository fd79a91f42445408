//
// StoreOptions.h
//
// How a node reaches its account store (store.* keys).
//


#ifndef orchd_StoreOptions_INCLUDED
#define orchd_StoreOptions_INCLUDED


#include <string>


namespace orchd {


class StoreClock;

struct StoreOptions
	/// How to reach the database. See etc/worker.properties (store.*).
{
	std::string connector = "sqlite";  /// sqlite, postgresql or mariadb (mysql is read as mariadb)
	std::string connection;            /// SQLite: the database file; PostgreSQL: libpq's "key=value ..."; MariaDB: "host=...;port=...;db=...;user=..."
	std::string passwordFile;          /// PostgreSQL and MariaDB: a file whose first line is the password
	int poolSize = 16;                 /// the most sessions open at once
	int busyTimeoutMs = 5000;          /// how long SQLite waits for another process's write lock
	int keyRetentionHours = 720;       /// idempotency records older than this are pruned; 0 keeps them forever
	bool synchronousFull = true;       /// store.synchronous = full: an OK survives an OS crash or power loss; normal: a process crash
	const StoreClock* clock = nullptr; /// what ages idempotency records (fixtures step it); null: the system's. Must outlive the store
};


} // namespace orchd


#endif // orchd_StoreOptions_INCLUDED

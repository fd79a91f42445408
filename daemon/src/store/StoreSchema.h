//
// StoreSchema.h
//
// The store's tables, created on first use, and their version.
//


#ifndef orchd_StoreSchema_INCLUDED
#define orchd_StoreSchema_INCLUDED


#include "Poco/Data/Session.h"
#include <string>


namespace orchd {


class SessionPool;


class StoreSchema
	/// Creates the tables (accounts, orchd_idempotency, orchd_schema) if
	/// they are missing, switches the database to WAL, and records the
	/// schema's version; a database written by a newer orchd is refused.
	/// The tables themselves are described in docs/ARCHITECTURE.md.
	///
	/// Stateless: safe from any thread, each with its own session.
{
public:
	static constexpr int VERSION = 1;
		/// This orchd's schema version, recorded in orchd_schema.

	static void create(SessionPool& pool, const std::string& connection, int busyTimeoutMs);
		/// create(session, connection) on a pooled session, tried again
		/// while another process holds the database locked (two processes
		/// opening a new database race), for up to busyTimeoutMs. Throws
		/// what the last attempt threw.

	static void create(Poco::Data::Session& session, const std::string& connection);
		/// One attempt, in one BEGIN IMMEDIATE transaction. Throws
		/// Poco::Data::DataException "database schema version N is newer
		/// than this orchd's (VERSION)" naming connection, or what SQLite
		/// threw (Poco::Data::SQLite::DBLockedException and others).
};


} // namespace orchd


#endif // orchd_StoreSchema_INCLUDED

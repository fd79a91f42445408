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
	/// Creates the tables (accounts, orchd_idempotency, orchd_schema,
	/// orchd_store) if they are missing, switches the database to WAL, and
	/// records the schema's version and the store id; a database written by
	/// a newer orchd is refused. Version 1 had no store id: it is migrated
	/// to 2 by recording one. The same versions as NetSchema's.
	/// The tables themselves are described in docs/ARCHITECTURE.md.
	///
	/// Stateless: safe from any thread, each with its own session.
{
public:
	static constexpr int VERSION = 2;
		/// This orchd's schema version, recorded in orchd_schema.

	static std::string create(SessionPool& pool, const std::string& connection, int busyTimeoutMs);
		/// create(session, connection) on a pooled session, tried again
		/// while another process holds the database locked (two processes
		/// opening a new database race), for up to busyTimeoutMs. Returns
		/// the store id; throws what the last attempt threw.

	static std::string create(Poco::Data::Session& session, const std::string& connection);
		/// One attempt, in one BEGIN IMMEDIATE transaction; returns the
		/// store id. Throws
		/// Poco::Data::DataException "database schema version N is newer
		/// than this orchd's (VERSION)" naming connection, or what SQLite
		/// threw (Poco::Data::SQLite::DBLockedException and others).
};


} // namespace orchd


#endif // orchd_StoreSchema_INCLUDED

//
// NetSchema.h
//
// The tables of a PostgreSQL or MariaDB account store: created, migrated,
// checked, and the store's id.
//


#ifndef orchd_NetSchema_INCLUDED
#define orchd_NetSchema_INCLUDED


#include "store/NetStatements.h"
#include <string>


namespace orchd {


class NetSchema
	/// Creates the account store's tables on a networked database, or
	/// checks and migrates the ones there, under a database-wide lock so
	/// that nodes starting together do not race (pg_advisory_xact_lock,
	/// GET_LOCK). Versions: 1 had no store id; 2 records one, made when the
	/// schema is created (or when a version 1 schema is migrated). A
	/// version newer than VERSION is refused. Stateless.
{
public:
	static constexpr int VERSION = 2;

	enum Dialect
	{
		POSTGRESQL,
		MARIADB
	};

	static std::string prepare(NetStatements& connection, Dialect dialect);
		/// Creates or migrates the schema and returns the store id. Throws
		/// Poco::Data::DataException naming both versions for a schema
		/// newer than this orchd's.

	static void checkDurability(NetStatements& connection, Dialect dialect, bool synchronousFull);
		/// With synchronousFull (store.synchronous = full), throws
		/// Poco::Data::DataException naming the server setting that would
		/// lose a commit in a crash of the database's machine: PostgreSQL's
		/// fsync off, MariaDB's innodb_flush_log_at_trx_commit other than 1.

	static void drop(NetStatements& connection);
		/// Drops every orchd table (tests only).
};


} // namespace orchd


#endif // orchd_NetSchema_INCLUDED

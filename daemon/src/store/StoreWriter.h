//
// StoreWriter.h
//
// The account store's writer: prepared statements on one session.
//


#ifndef orchd_StoreWriter_INCLUDED
#define orchd_StoreWriter_INCLUDED


#include "orchd/AccountStore.h"
#include "Poco/Data/Session.h"
#include "Poco/Data/Statement.h"
#include <string>
#include <vector>


namespace orchd {


struct KeyRecord
	/// What an idempotency key recorded: the request's fingerprint and the
	/// outcome it had.
{
	std::string fingerprint;
	AccountResult result;
};


class StoreWriter
	/// The statements a write transaction needs, prepared once on the
	/// writer's session and executed again and again with new values (SQL
	/// text is parsed once, not per task). Owned and used by the store's
	/// writer thread only.
{
public:
	explicit StoreWriter(Poco::Data::Session& session);

	void begin();
		/// BEGIN IMMEDIATE: the write lock is taken before anything is read.
	void commit();
	void rollback();
		/// Never throws: a broken session rolls back when it closes.

	bool findKey(const std::string& key, KeyRecord& record);
	void recordKey(const std::string& key, const std::string& fingerprint, const AccountResult& result);
	bool readBalance(const std::string& user, Poco::Int64& balance);
	void writeBalance(const std::string& user, Poco::Int64 balance);
	void insertAccount(const std::string& user, Poco::Int64 balance);

private:
	// The statements are bound to these members by reference.
	std::string _key;
	std::string _fingerprint;
	std::string _user;
	std::string _missing;
	int _outcome = 0;
	Poco::Int64 _balance = 0;
	Poco::Int64 _toBalance = 0;
	Poco::Int64 _created = 0;
	std::vector<std::string> _foundFingerprint;
	std::vector<int> _foundOutcome;
	std::vector<Poco::Int64> _foundBalance;
	std::vector<Poco::Int64> _foundToBalance;
	std::vector<std::string> _foundMissing;
	std::vector<Poco::Int64> _readBalance;

	Poco::Data::Statement _begin;
	Poco::Data::Statement _commit;
	Poco::Data::Statement _rollback;
	Poco::Data::Statement _find;
	Poco::Data::Statement _record;
	Poco::Data::Statement _read;
	Poco::Data::Statement _write;
	Poco::Data::Statement _insert;
};


} // namespace orchd


#endif // orchd_StoreWriter_INCLUDED

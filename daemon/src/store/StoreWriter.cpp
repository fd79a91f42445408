//
// StoreWriter.cpp
//


#include "store/StoreWriter.h"
#include "Poco/Exception.h"
#include "Poco/Timestamp.h"


using namespace Poco::Data::Keywords;


namespace orchd {


StoreWriter::StoreWriter(Poco::Data::Session& session):
	_begin(session),
	_commit(session),
	_rollback(session),
	_find(session),
	_record(session),
	_read(session),
	_write(session),
	_insert(session)
{
	_begin << "BEGIN IMMEDIATE";
	_commit << "COMMIT";
	_rollback << "ROLLBACK";
	_find << "SELECT fingerprint, outcome, balance, to_balance, missing FROM orchd_idempotency WHERE idem_key = $1",
		into(_foundFingerprint), into(_foundOutcome), into(_foundBalance), into(_foundToBalance), into(_foundMissing), use(_key);
	_record << "INSERT INTO orchd_idempotency (idem_key, fingerprint, outcome, balance, to_balance, missing, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)",
		use(_key), use(_fingerprint), use(_outcome), use(_balance), use(_toBalance), use(_missing), use(_created);
	_read << "SELECT balance FROM accounts WHERE user_id = $1", into(_readBalance), use(_user);
	_write << "UPDATE accounts SET balance = $1 WHERE user_id = $2", use(_balance), use(_user);
	_insert << "INSERT INTO accounts (user_id, balance) VALUES ($1, $2)", use(_user), use(_balance);
}


void StoreWriter::begin()
{
	_begin.execute();
}


void StoreWriter::commit()
{
	_commit.execute();
}


void StoreWriter::rollback()
{
	try
	{
		_rollback.execute();
	}
	catch (Poco::Exception&)
	{
		// The session is broken; SQLite rolls back when it closes.
	}
}


bool StoreWriter::findKey(const std::string& key, KeyRecord& record)
{
	_key = key;
	_foundFingerprint.clear();
	_foundOutcome.clear();
	_foundBalance.clear();
	_foundToBalance.clear();
	_foundMissing.clear();
	_find.execute();
	if (_foundFingerprint.empty()) return false;
	record.fingerprint = _foundFingerprint[0];
	record.result.outcome = static_cast<AccountResult::Outcome>(_foundOutcome[0]);
	record.result.balance = _foundBalance[0];
	record.result.toBalance = _foundToBalance[0];
	record.result.missing = _foundMissing[0];
	return true;
}


void StoreWriter::recordKey(const std::string& key, const std::string& fingerprint, const AccountResult& result)
{
	_key = key;
	_fingerprint = fingerprint;
	_outcome = result.outcome;
	_balance = result.balance;
	_toBalance = result.toBalance;
	_missing = result.missing;
	_created = Poco::Timestamp().epochMicroseconds() / 1000;
	_record.execute();
}


bool StoreWriter::readBalance(const std::string& user, Poco::Int64& balance)
{
	_user = user;
	_readBalance.clear();
	_read.execute();
	if (_readBalance.empty()) return false;
	balance = _readBalance[0];
	return true;
}


void StoreWriter::writeBalance(const std::string& user, Poco::Int64 balance)
{
	_user = user;
	_balance = balance;
	_write.execute();
}


void StoreWriter::insertAccount(const std::string& user, Poco::Int64 balance)
{
	_user = user;
	_balance = balance;
	_insert.execute();
}


} // namespace orchd

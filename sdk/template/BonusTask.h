//
// BonusTask.h
//
// BONUS: credits USER with a fixed bonus, once per key.
//


#ifndef bonus_BonusTask_INCLUDED
#define bonus_BonusTask_INCLUDED


#include "orchd/TaskHandler.h"


class BonusTask: public orchd::TaskHandler
	/// {"TASK":"BONUS","USER":"alice"} adds BONUS_CENTS to alice's balance.
	/// A retried task (same task id, or same IDEMPOTENCY_KEY) is applied
	/// once: the store replays the first answer.
{
public:
	static constexpr Poco::Int64 BONUS_CENTS = 100;

	std::string name() const override;
	std::string description() const override;
	void validate(const Poco::JSON::Object& request) const override;
	bool quick(const Poco::JSON::Object& request) const override;
	void storeHint(const Poco::JSON::Object& request, const std::string& taskId, orchd::StoreHint& hint) const override;
	Poco::JSON::Object::Ptr execute(orchd::TaskContext& context, const Poco::JSON::Object& request) override;
};


#endif // bonus_BonusTask_INCLUDED

//
// SaldoTasks.h
//
// The account tasks of the prototype: OPEN, QUERY, UPDATE, TRANSFER.
//


#ifndef saldo_SaldoTasks_INCLUDED
#define saldo_SaldoTasks_INCLUDED


#include "orchd/TaskHandler.h"


namespace saldo {


class SaldoTask: public orchd::TaskHandler
	/// What the four tasks share: turning a store outcome into a result in
	/// the prototype's vocabulary ("SALDO" as a decimal number, plus the
	/// exact "SALDO_CENTS").
{
public:
	bool quick(const Poco::JSON::Object& request) const override;
		/// True: a saldo task is a few statements on the store.

	void storeHint(const Poco::JSON::Object& request, const std::string& taskId, orchd::StoreHint& hint) const override;
		/// The idempotency key (IDEMPOTENCY_KEY, or the task id) and USER
		/// and TO as accounts; QUERY overrides it: USER as a read (no key,
		/// no lock).

protected:
	Poco::JSON::Object::Ptr respond(const std::string& user, const orchd::AccountResult& outcome) const;
};


class OpenTask: public SaldoTask
	/// {"TASK":"OPEN","USER":u,"AMOUNT":a} creates u with balance a >= 0.
{
public:
	std::string name() const override;
	std::string description() const override;
	void validate(const Poco::JSON::Object& request) const override;
	Poco::JSON::Object::Ptr execute(orchd::TaskContext& context, const Poco::JSON::Object& request) override;
};


class QueryTask: public SaldoTask
	/// {"TASK":"QUERY","USER":u} reads u's balance.
{
public:
	void storeHint(const Poco::JSON::Object& request, const std::string& taskId, orchd::StoreHint& hint) const override;
	std::string name() const override;
	std::string description() const override;
	void validate(const Poco::JSON::Object& request) const override;
	Poco::JSON::Object::Ptr execute(orchd::TaskContext& context, const Poco::JSON::Object& request) override;
};


class UpdateTask: public SaldoTask
	/// {"TASK":"UPDATE","USER":u,"AMOUNT":a} adds the signed a to u's balance.
{
public:
	std::string name() const override;
	std::string description() const override;
	void validate(const Poco::JSON::Object& request) const override;
	Poco::JSON::Object::Ptr execute(orchd::TaskContext& context, const Poco::JSON::Object& request) override;
};


class TransferTask: public SaldoTask
	/// {"TASK":"TRANSFER","USER":u,"TO":v,"AMOUNT":a} moves a > 0 from u to v.
{
public:
	std::string name() const override;
	std::string description() const override;
	void validate(const Poco::JSON::Object& request) const override;
	Poco::JSON::Object::Ptr execute(orchd::TaskContext& context, const Poco::JSON::Object& request) override;
};


class CloseTask: public SaldoTask
	/// {"TASK":"CLOSE","USER":u} removes u; SALDO is what it held.
{
public:
	std::string name() const override;
	std::string description() const override;
	void validate(const Poco::JSON::Object& request) const override;
	Poco::JSON::Object::Ptr execute(orchd::TaskContext& context, const Poco::JSON::Object& request) override;
};


} // namespace saldo


#endif // saldo_SaldoTasks_INCLUDED

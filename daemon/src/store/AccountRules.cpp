//
// AccountRules.cpp
//


#include "store/AccountRules.h"
#include "store/RuleStatements.h"
#include "orchd/Money.h"
#include "Poco/Exception.h"
#include <utility>


using Poco::Int64;


namespace orchd {


namespace {


std::string field(const std::string& value)
	/// One length-prefixed field of a request fingerprint: names may hold
	/// any character, so a plain separator could make two requests alike.
{
	return std::to_string(value.size()) + ":" + value + "|";
}


bool withinLimit(Int64 balance, Int64 delta)
{
	// Both operands are within ±MAX_CENTS, so the sum cannot overflow.
	Int64 sum = balance + delta;
	return sum <= Money::MAX_CENTS;
}


} // namespace


AccountRules::Mutation AccountRules::open(const std::string& user, Int64 cents)
{
	if (cents < 0 || cents > Money::MAX_CENTS) throw Poco::InvalidArgumentException("Invalid amount", "initial balance must be 0 to 9e15 cents");
	Mutation mutation = {"OPEN|" + field(user) + std::to_string(cents), [&user, cents](RuleStatements& writer)
	{
		Int64 balance = 0;
		if (writer.readBalance(user, balance)) return refuse(AccountResult::ALREADY_EXISTS);
		writer.insertAccount(user, cents);
		AccountResult result;
		result.balance = cents;
		return result;
	}};
	mutation.rows[0] = &user;
	return mutation;
}


AccountRules::Mutation AccountRules::update(const std::string& user, Int64 deltaCents)
{
	if (deltaCents > Money::MAX_CENTS || deltaCents < -Money::MAX_CENTS) throw Poco::InvalidArgumentException("Invalid amount");
	Mutation mutation = {"UPDATE|" + field(user) + std::to_string(deltaCents), [&user, deltaCents](RuleStatements& writer)
	{
		AccountResult result;
		if (!writer.readBalance(user, result.balance)) return refuse(AccountResult::NOT_FOUND, user);
		if (result.balance + deltaCents < 0) return refuse(AccountResult::INSUFFICIENT_FUNDS);
		if (!withinLimit(result.balance, deltaCents)) return refuse(AccountResult::LIMIT_EXCEEDED);
		result.balance += deltaCents;
		writer.writeBalance(user, result.balance);
		return result;
	}};
	mutation.rows[0] = &user;
	return mutation;
}


AccountRules::Mutation AccountRules::transfer(const std::string& from, const std::string& to, Int64 cents)
{
	if (cents <= 0 || cents > Money::MAX_CENTS) throw Poco::InvalidArgumentException("Invalid amount", "a transfer moves a positive amount");
	Mutation mutation = {"TRANSFER|" + field(from) + field(to) + std::to_string(cents), [&from, &to, cents](RuleStatements& writer)
	{
		if (from == to) return refuse(AccountResult::SAME_ACCOUNT);
		AccountResult result;
		// Both rows are read (and, on PostgreSQL and MariaDB, locked) in
		// name order, so that opposite transfers cannot deadlock; the
		// sender is checked first either way.
		bool fromFound, toFound;
		if (from < to)
		{
			fromFound = writer.readBalance(from, result.balance);
			toFound = writer.readBalance(to, result.toBalance);
		}
		else
		{
			toFound = writer.readBalance(to, result.toBalance);
			fromFound = writer.readBalance(from, result.balance);
		}
		if (!fromFound) return refuse(AccountResult::NOT_FOUND, from);
		if (!toFound) return refuse(AccountResult::NOT_FOUND, to);
		if (result.balance < cents) return refuse(AccountResult::INSUFFICIENT_FUNDS);
		if (!withinLimit(result.toBalance, cents)) return refuse(AccountResult::LIMIT_EXCEEDED);
		result.balance -= cents;
		result.toBalance += cents;
		writer.writeBalance(from, result.balance);
		writer.writeBalance(to, result.toBalance);
		return result;
	}};
	if (from != to)
	{
		mutation.rows[0] = from < to ? &from : &to;
		mutation.rows[1] = from < to ? &to : &from;
	}
	return mutation;
}


AccountRules::Mutation AccountRules::close(const std::string& user)
{
	Mutation mutation = {"CLOSE|" + field(user), [&user](RuleStatements& writer)
	{
		AccountResult result;
		if (!writer.readBalance(user, result.balance)) return refuse(AccountResult::NOT_FOUND, user);
		writer.deleteAccount(user);
		return result;
	}};
	mutation.rows[0] = &user;
	return mutation;
}


AccountResult AccountRules::apply(RuleStatements& writer, const std::string& key, const Mutation& mutation)
{
	writer.prefetch(mutation.rows[0], mutation.rows[1]);
	KeyRecord record;
	if (writer.findKey(key, record))
	{
		// Nothing is written for a replay or a conflict.
		if (record.fingerprint != mutation.fingerprint) return refuse(AccountResult::KEY_CONFLICT);
		record.result.replayed = true;
		return std::move(record.result);
	}
	AccountResult result = mutation.operation(writer);
	writer.recordKey(key, mutation.fingerprint, result);
	return result;
}


AccountResult AccountRules::refuse(AccountResult::Outcome outcome, const std::string& missing)
{
	AccountResult result;
	result.outcome = outcome;
	result.missing = missing;
	return result;
}


} // namespace orchd

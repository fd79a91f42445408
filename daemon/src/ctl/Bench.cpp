//
// Bench.cpp
//


#include "ctl/Bench.h"
#include "ctl/MasterClient.h"
#include "json/JsonScan.h"
#include "orchd/Money.h"
#include "Poco/Exception.h"
#include "Poco/NumberParser.h"
#include "Poco/Random.h"
#include "Poco/String.h"
#include "Poco/StringTokenizer.h"
#include "Poco/Timestamp.h"
#include <algorithm>
#include <atomic>
#include <fstream>
#include <iomanip>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>
#include <unordered_map>
#include <unistd.h>


namespace orchd {


namespace {


const Poco::Int64 OPENING_CENTS = 100000;  // 1000.00 per account


struct Outcome
{
	std::vector<double> latenciesMs;
	std::map<std::string, int> errors;
	Poco::Int64 appliedDelta = 0;   // sum of the successful UPDATE amounts
	std::set<std::size_t> touched;  // with --opened: the accounts the tasks named
	int ok = 0;
	int nok = 0;
	int retried = 0;
	std::string fatal;
};


struct Pending
{
	Poco::Timestamp sent;
	std::string type;
	Poco::Int64 delta = 0;
	std::string text;
	int retries = 0;
};


bool retryable(const std::string& error)
	/// The task's fate is unknown (every attempt lost) or it never ran
	/// (BUSY): send it again, with the same idempotency key.
{
	return error == "BUSY" || error.rfind("Task failed after", 0) == 0;
}


class Driver
	/// One connection: keeps `window` tasks in flight until `quota` are done.
{
public:
	Driver(const BenchOptions& options, const std::vector<std::string>& accounts, const std::vector<std::string>& deck,
		int quota, int window, unsigned seed, std::atomic<int>& done):
		_options(options), _accounts(accounts), _deck(deck), _quota(quota), _window(window), _done(done),
		_keyPrefix(accounts.front() + "-c" + std::to_string(seed) + "-")
	{
		_random.seed(seed);
	}

	void run(Outcome& outcome)
	{
		if (!_options.opened.empty()) _track = &outcome.touched;
		try
		{
			MasterClient client(_options.master, Poco::Timespan(60, 0), _options.security);
			int sent = 0, completed = 0;
			std::vector<std::string> batch;
			for (; sent < std::min(_window, _quota); ++sent) batch.push_back(next(sent));
			client.send(batch);
			std::string text;
			while (completed < _quota)
			{
				// Take every result that has arrived, then send the tasks
				// that replace them in one write.
				batch.clear();
				text = client.receive();
				do
				{
					std::string again = record(text, outcome);
					if (!again.empty())
					{
						batch.push_back(again);
						continue;
					}
					++completed;
					++_done;
					if (sent < _quota) batch.push_back(next(sent++));
				}
				while (completed < _quota && client.tryReceive(text));
				if (!batch.empty()) client.send(batch);
			}
		}
		catch (Poco::Exception& exc)
		{
			outcome.fatal = exc.displayText();
		}
	}

private:
	std::string next(int n)
		/// The request text, written directly: every name in it is plain
		/// ASCII (account names, the key prefix, task names).
	{
		const std::string& type = _deck[_random.next(static_cast<Poco::UInt32>(_deck.size()))];
		std::string id = std::to_string(n);
		Pending pending;
		pending.type = type;
		std::string& text = pending.text;
		text.reserve(160);
		text.append("{\"TASK\":\"").append(type).append("\",\"REQUEST_ID\":").append(id)
			.append(",\"IDEMPOTENCY_KEY\":\"").append(_keyPrefix).append(id).append("\"");
		std::size_t userIndex = _random.next(static_cast<Poco::UInt32>(_accounts.size()));
		const std::string& user = _accounts[userIndex];
		if (_track) _track->insert(userIndex);
		if (type == "QUERY" || type == "UPDATE" || type == "TRANSFER") text.append(",\"USER\":\"").append(user).append("\"");
		if (type == "UPDATE")
		{
			pending.delta = Poco::Int64(_random.next(1001)) - 500;  // -5.00 .. +5.00
			text.append(",\"AMOUNT\":\"").append(Money::format(pending.delta)).append("\"");
		}
		else if (type == "TRANSFER")
		{
			std::size_t toIndex = userIndex;
			while (toIndex == userIndex && _accounts.size() > 1) toIndex = _random.next(static_cast<Poco::UInt32>(_accounts.size()));
			const std::string& to = _accounts[toIndex];
			if (_track) _track->insert(toIndex);
			text.append(",\"TO\":\"").append(to).append("\",\"AMOUNT\":\"").append(Money::format(1 + _random.next(500))).append("\"");
		}
		else if (type == "ECHO") text.append(",\"PAYLOAD\":\"bench\"");
		text += '}';
		return _pending.emplace(n, std::move(pending)).first->second.text;
	}

	std::string record(const std::string& text, Outcome& outcome)
		/// Returns the text to send again, or "" if the task is finished.
	{
		if (!_scan.scan(text)) throw Poco::ProtocolException("a result that is not a JSON object: " + _scan.error());
		const JsonScan::Member* idField = _scan.find("REQUEST_ID");
		long long id = -1;
		if (!idField || !JsonScan::intValue(*idField, id)) throw Poco::ProtocolException("a result without a REQUEST_ID: " + text.substr(0, 200));
		auto it = _pending.find(id);
		if (it == _pending.end()) throw Poco::ProtocolException("a result with an unknown REQUEST_ID: " + std::to_string(id));
		const JsonScan::Member* errorField = _scan.find("ERROR");
		std::string error = errorField && errorField->kind == JsonScan::STRING ? JsonScan::stringValue(*errorField) : std::string();
		if (retryable(error) && it->second.retries < 5)
		{
			++it->second.retries;
			++outcome.retried;
			return it->second.text;
		}
		outcome.latenciesMs.push_back(static_cast<double>(it->second.sent.elapsed()) / 1000.0);
		const JsonScan::Member* status = _scan.find("STATUS");
		if (status && status->value == "\"OK\"")
		{
			++outcome.ok;
			if (it->second.type == "UPDATE") outcome.appliedDelta += it->second.delta;
		}
		else
		{
			++outcome.nok;
			++outcome.errors[errorField ? error : "(no ERROR)"];
		}
		_pending.erase(it);
		return std::string();
	}

	const BenchOptions& _options;
	std::set<std::size_t>* _track = nullptr;  // with --opened: where the accounts named are noted
	const std::vector<std::string>& _accounts;
	const std::vector<std::string>& _deck;
	int _quota;
	int _window;
	std::atomic<int>& _done;
	std::string _keyPrefix;
	Poco::Random _random;
	std::unordered_map<long long, Pending> _pending;  // by REQUEST_ID
	JsonScan _scan;
};


double percentile(std::vector<double>& sorted, double p)
{
	if (sorted.empty()) return 0;
	std::size_t index = static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1) + 0.5);
	return sorted[std::min(index, sorted.size() - 1)];
}


void drawProgress(std::ostream& out, int done, int total, double seconds)
{
	const int WIDTH = 40;
	int filled = total ? done * WIDTH / total : WIDTH;
	out << "\r[" << std::string(static_cast<std::size_t>(filled), '#') << std::string(static_cast<std::size_t>(WIDTH - filled), '.') << "] "
	    << std::setw(3) << (total ? done * 100 / total : 100) << "% " << done << "/" << total
	    << "  " << static_cast<long>(seconds > 0 ? done / seconds : 0) << " tasks/s   " << std::flush;
}


} // namespace


Bench::Bench(const BenchOptions& options):
	_options(options)
{
}


std::vector<std::pair<std::string, int>> Bench::parseMix(const std::string& text)
{
	std::vector<std::pair<std::string, int>> mix;
	Poco::StringTokenizer parts(text, ",", Poco::StringTokenizer::TOK_TRIM | Poco::StringTokenizer::TOK_IGNORE_EMPTY);
	for (const auto& part: parts)
	{
		std::string::size_type colon = part.find(':');
		int weight = 0;
		if (colon == 0 || colon == std::string::npos || !Poco::NumberParser::tryParse(part.substr(colon + 1), weight) || weight < 0)
			throw Poco::SyntaxException("--mix: expected TASK:WEIGHT[,TASK:WEIGHT...], got '" + part + "'");
		mix.emplace_back(Poco::toUpper(part.substr(0, colon)), weight);
	}
	if (mix.empty()) throw Poco::SyntaxException("--mix is empty");
	return mix;
}


int Bench::run(std::ostream& out)
{
	// Accounts with a fresh prefix, so that runs never meet each other's.
	std::string prefix = "bench-" + std::to_string(Poco::Timestamp().epochMicroseconds() % 100000000) + "-";
	std::vector<std::string> accounts;
	if (!_options.opened.empty())
	{
		for (int i = 0; i < _options.accounts; ++i) accounts.push_back(_options.opened + std::to_string(i));
	}
	else
	{
		MasterClient client(_options.master, Poco::Timespan(30, 0), _options.security);
		for (int i = 0; i < _options.accounts; ++i)
		{
			accounts.push_back(prefix + std::to_string(i));
			Poco::JSON::Object::Ptr open = new Poco::JSON::Object;
			open->set("TASK", "OPEN");
			open->set("USER", accounts.back());
			open->set("AMOUNT", Money::format(OPENING_CENTS));
			Poco::JSON::Object::Ptr result = client.call(open);
			if (result->optValue<std::string>("STATUS", "") != "OK")
				throw Poco::IllegalStateException("cannot open bench account " + accounts.back() + ": " + result->optValue<std::string>("ERROR", "?"));
		}
	}
	std::vector<std::string> deck;
	for (const auto& entry: _options.mix) deck.insert(deck.end(), static_cast<std::size_t>(entry.second), entry.first);
	if (deck.empty()) throw Poco::SyntaxException("--mix has no positive weight");

	// One connection per 64 tasks in flight: a connection pipelines its
	// window, and every extra connection is a thread of this process that
	// the scheduler must switch to (on two cores, 4 connections at 16 in
	// flight ran ECHO a quarter slower than 1).
	int connections = _options.connections > 0 ? _options.connections : (_options.concurrency + 63) / 64;
	connections = std::max(1, std::min(connections, _options.tasks));
	std::vector<Outcome> outcomes(static_cast<std::size_t>(connections));
	std::atomic<int> done(0);
	std::atomic<int> finished(0);
	Poco::Timestamp start;
	std::vector<std::thread> threads;
	for (int c = 0; c < connections; ++c)
	{
		int quota = _options.tasks / connections + (c < _options.tasks % connections ? 1 : 0);
		int window = std::max(1, _options.concurrency / connections + (c < _options.concurrency % connections ? 1 : 0));
		threads.emplace_back([&, c, quota, window]
		{
			Driver driver(_options, accounts, deck, quota, window, static_cast<unsigned>(c + 1), done);
			driver.run(outcomes[static_cast<std::size_t>(c)]);
			++finished;
		});
	}
	bool progress = _options.progress && !_options.json && ::isatty(STDOUT_FILENO);
	while (progress && finished < connections)
	{
		drawProgress(out, done, _options.tasks, static_cast<double>(start.elapsed()) / 1e6);
		std::this_thread::sleep_for(std::chrono::milliseconds(200));  // screen refresh, not synchronisation
	}
	for (auto& thread: threads) thread.join();
	double seconds = static_cast<double>(start.elapsed()) / 1e6;
	if (progress) { drawProgress(out, done, _options.tasks, seconds); out << "\n"; }

	Outcome total;
	std::vector<std::string> fatal;
	for (auto& outcome: outcomes)
	{
		total.latenciesMs.insert(total.latenciesMs.end(), outcome.latenciesMs.begin(), outcome.latenciesMs.end());
		for (const auto& e: outcome.errors) total.errors[e.first] += e.second;
		total.touched.insert(outcome.touched.begin(), outcome.touched.end());
		total.appliedDelta += outcome.appliedDelta;
		total.ok += outcome.ok;
		total.retried += outcome.retried;
		total.nok += outcome.nok;
		if (!outcome.fatal.empty()) fatal.push_back(outcome.fatal);
	}
	std::sort(total.latenciesMs.begin(), total.latenciesMs.end());
	int answered = total.ok + total.nok;
	double rate = seconds > 0 ? answered / seconds : 0;
	double p50 = percentile(total.latenciesMs, 0.50), p99 = percentile(total.latenciesMs, 0.99);
	double max = total.latenciesMs.empty() ? 0 : total.latenciesMs.back();

	// The money check: read every balance back (with --opened, every
	// balance the run touched: the others still hold their opening).
	std::vector<std::string> checked;
	if (_options.opened.empty()) checked = accounts;
	else for (std::size_t index: total.touched) checked.push_back(accounts[index]);
	Poco::Int64 sum = 0;
	{
		MasterClient client(_options.master, Poco::Timespan(30, 0), _options.security);
		for (const auto& account: checked)
		{
			Poco::JSON::Object::Ptr query = new Poco::JSON::Object;
			query->set("TASK", "QUERY");
			query->set("USER", account);
			Poco::JSON::Object::Ptr result = client.call(query);
			sum += result->optValue<Poco::Int64>("SALDO_CENTS", 0);
		}
	}
	Poco::Int64 expected = OPENING_CENTS * static_cast<Poco::Int64>(checked.size()) + total.appliedDelta;
	bool balanced = sum == expected;
	bool complete = answered == _options.tasks && fatal.empty();
	bool closing = _options.opened.empty() && !_options.keepAccounts;
	std::string notClosed = closing ? closeAccounts(accounts, prefix) : std::string();
	if (!notClosed.empty()) fatal.push_back(notClosed);
	std::size_t closed = closing && notClosed.empty() ? accounts.size() : 0;

	std::ostringstream json;
	json << std::fixed << std::setprecision(3) << "{\"tasks\":" << _options.tasks << ",\"answered\":" << answered << ",\"ok\":" << total.ok
	     << ",\"nok\":" << total.nok << ",\"concurrency\":" << _options.concurrency << ",\"connections\":" << connections
	     << ",\"seconds\":" << seconds << ",\"tasks_per_second\":" << rate << ",\"p50_ms\":" << p50 << ",\"p99_ms\":" << p99
	     << ",\"max_ms\":" << max << ",\"balance_ok\":" << (balanced ? "true" : "false")
	     << ",\"accounts\":\"" << (_options.opened.empty() ? prefix : _options.opened) << "0.." << accounts.size() - 1 << "\",\"accounts_closed\":" << closed << "}\n";
	if (!_options.jsonFile.empty()) std::ofstream(_options.jsonFile) << json.str();
	if (_options.json)
	{
		out << json.str();
		return balanced && complete ? 0 : 1;
	}
	out << std::fixed << std::setprecision(2);
	out << "tasks        " << answered << " of " << _options.tasks << " answered (" << total.ok << " OK, " << total.nok << " NOK)\n";
	out << "in flight    " << _options.concurrency << " over " << connections << " connection(s)\n";
	out << "time         " << seconds << " s\n";
	out << "throughput   " << std::setprecision(0) << rate << " tasks/s\n" << std::setprecision(2);
	out << "latency ms   p50 " << p50 << "   p99 " << p99 << "   max " << max << "\n";
	if (total.retried) out << "retried      " << total.retried << " (BUSY, or every attempt lost; same idempotency key)\n";
	for (const auto& e: total.errors) out << "error        " << e.second << " x " << e.first << "\n";
	for (const auto& f: fatal) out << "connection   failed: " << f << "\n";
	if (closing && notClosed.empty()) out << "accounts     " << closed << " closed (" << prefix << "0.." << accounts.size() - 1 << "; --keep-accounts keeps them)\n";
	else if (_options.opened.empty()) out << "accounts     " << prefix << "0.." << accounts.size() - 1 << " kept\n";
	out << "balance      " << (balanced ? "OK" : "MISMATCH") << ": sum of " << checked.size() << " accounts " << Money::format(sum)
	    << ", expected " << Money::format(expected) << " (opening " << Money::format(OPENING_CENTS * static_cast<Poco::Int64>(checked.size()))
	    << " + updates " << Money::format(total.appliedDelta) << ")\n";
	return balanced && complete ? 0 : 1;
}


std::string Bench::closeAccounts(const std::vector<std::string>& accounts, const std::string& prefix) const
{
	// Keyed, so that a retry after a lost answer closes nothing twice.
	MasterClient client(_options.master, Poco::Timespan(30, 0), _options.security);
	for (std::size_t i = 0; i < accounts.size(); ++i)
	{
		Poco::JSON::Object::Ptr close = new Poco::JSON::Object;
		close->set("TASK", "CLOSE");
		close->set("USER", accounts[i]);
		close->set("IDEMPOTENCY_KEY", prefix + "close-" + std::to_string(i));
		Poco::JSON::Object::Ptr result = client.call(close);
		if (result->optValue<std::string>("STATUS", "") != "OK")
			return "cannot close bench account " + accounts[i] + ": " + result->optValue<std::string>("ERROR", "?");
	}
	return std::string();
}


} // namespace orchd

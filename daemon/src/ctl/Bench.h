//
// Bench.h
//
// orchctl bench: drive a task mix through a master and check the money.
//


#ifndef orchd_Bench_INCLUDED
#define orchd_Bench_INCLUDED


#include "net/NodeSecurity.h"
#include "Poco/Net/SocketAddress.h"
#include <ostream>
#include <string>
#include <utility>
#include <vector>


namespace orchd {


struct BenchOptions
{
	Poco::Net::SocketAddress master;
	DialSecurity security;  /// TLS to the master (orchctl --ca-file)
	int tasks = 10000;                 /// tasks to run (after opening the accounts)
	int concurrency = 64;              /// tasks in flight at once
	int connections = 0;               /// client connections (0: one per 64 in flight, rounded up)
	int accounts = 16;                 /// accounts opened for QUERY/UPDATE/TRANSFER
	std::string opened;                /// if set: accounts OPENED0..OPENED(accounts-1) exist with 1000.00 each (filled
	                                   /// by SQL for a million accounts, say): none is opened, and the check reads
	                                   /// back only the accounts the run touched
	std::vector<std::pair<std::string, int>> mix;  /// task type and weight
	bool progress = false;             /// draw a progress bar (on a terminal)
	std::string jsonFile;              /// also write the figures here as JSON
	bool json = false;                 /// print the figures as one JSON object instead of the text report
	bool keepAccounts = false;         /// leave the accounts it opened (else CLOSE each after the check)
};


class Bench
	/// Opens the accounts, drives the mix with `concurrency` tasks in
	/// flight over pipelined WebSockets, and reports throughput, latency
	/// percentiles and errors. Then it reads every balance back and checks
	/// that their sum equals the opening balances plus the successful
	/// UPDATE amounts (TRANSFER moves money, it does not make any). Last
	/// it closes the accounts it opened, unless keepAccounts.
{
public:
	explicit Bench(const BenchOptions& options);

	int run(std::ostream& out);
		/// Returns 0 if every task got an answer and the balance check
		/// holds, 1 otherwise. Throws Poco::Exception if the master cannot
		/// be reached.

	static std::vector<std::pair<std::string, int>> parseMix(const std::string& text);
		/// "QUERY:50,UPDATE:50" -> weights. Throws Poco::SyntaxException.

private:
	std::string closeAccounts(const std::vector<std::string>& accounts, const std::string& prefix) const;
		/// CLOSE of each account; empty, or why one was not closed.

	BenchOptions _options;
};


} // namespace orchd


#endif // orchd_Bench_INCLUDED

//
// OrchdServer.h
//
// The orchd daemon: a Poco ServerApplication.
//


#ifndef orchd_OrchdServer_INCLUDED
#define orchd_OrchdServer_INCLUDED


#include "Poco/Util/ServerApplication.h"
#include <string>
#include <utility>
#include <vector>
#include <string>


namespace orchd {


class MasterServer;
struct DaemonSettings;
class PluginWatcher;


class OrchdServer: public Poco::Util::ServerApplication
	/// Wiring only: reads the options and the properties file, checks the
	/// configuration, starts the parts of the node in dependency order
	/// (plugins, store, then the role's services) and stops them in reverse
	/// on SIGTERM or SIGINT.
	///
	/// Exit codes: EXIT_OK after a clean stop, 2 for an unknown option or
	/// a missing option value, EXIT_CONFIG (78) for a
	/// missing or bad configuration (one line on stderr naming the file
	/// and the key), EXIT_UNAVAILABLE (69) when the store cannot be opened.
{
public:
	OrchdServer();

	int start(int argc, char** argv);
		/// ServerApplication::run(argc, argv), except that an option error
		/// (an unknown option, a missing value) exits with 2 and a hint,
		/// as orchctl does, instead of Poco's 78; with --daemon, Poco's
		/// path as it is (the parent has exited with 0 by then).

protected:
	void defineOptions(Poco::Util::OptionSet& options) override;
	void initialize(Poco::Util::Application& self) override;
	int main(const ArgVec& args) override;

private:
	void handleHelp(const std::string& name, const std::string& value);
	void handleVersion(const std::string& name, const std::string& value);
	void handleConfig(const std::string& name, const std::string& value);
	void handleDefine(const std::string& name, const std::string& value);
	void reload(const DaemonSettings& running, MasterServer* master, PluginWatcher& plugins);
		/// SIGHUP: loads the libraries new in plugins.dir (whatever the
		/// file says), re-reads the properties file (and --define), applies
		/// what may change live (log levels, queue.*, task.*, peer.*
		/// timings, lb.*, master.peers, the cluster token file's content)
		/// and logs each change; refuses the whole reload,
		/// with one log line, if anything else changed or the file is
		/// invalid, keeping the running configuration.

	bool _helpRequested = false;  // --help or --version: main() returns at once
	std::vector<std::pair<std::string, std::string>> _defines;  // --define, kept for a reload
	std::string _configFile;
	std::string _errorPrefix;  // "<3>" when stderr is the journal
};


} // namespace orchd


#endif // orchd_OrchdServer_INCLUDED

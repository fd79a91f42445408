//
// DaemonConfig.h
//
// The keys orchd reads from its properties file, checked at startup.
//


#ifndef orchd_DaemonConfig_INCLUDED
#define orchd_DaemonConfig_INCLUDED


#include "master/MasterOptions.h"
#include "net/NodeSecurity.h"
#include "store/StoreOptions.h"
#include "worker/WorkerOptions.h"
#include "Poco/Exception.h"
#include "Poco/Util/AbstractConfiguration.h"
#include <string>
#include <vector>


namespace orchd {


POCO_DECLARE_EXCEPTION(, ConfigException, Poco::Exception)
	/// A configuration key is missing, unknown or has an invalid value.
	/// The message names the key: "orchd.role: unknown role 'foo' ...".


struct DaemonSettings
	/// The validated configuration of one orchd process.
{
	std::string role;        /// "master" or "worker"
	std::string id;          /// this node's identity in the cluster
	std::string pluginsDir;  /// the folder scanned for plugin libraries
	bool pluginsWatch = true;                  /// plugins.watch: load libraries added while running
	Poco::Timespan pluginsScan = Poco::Timespan(1000000);  /// plugins.scan_ms: folder looked at this often; a new file loads once unchanged this long
	StoreOptions store;      /// the account store (workers, orchctl)
	MasterOptions master;    /// role master: listening address, queue, leases
	WorkerOptions worker;    /// role worker: home master, concurrency
	NodeSecurity security;   /// tls.*, auth.cluster_token_file (also in master and worker)
};


class DaemonConfig
	/// Reads and checks orchd's keys. Every key the code reads is listed in
	/// keys() with its default, and documented in etc/*.properties.
	///
	/// Keys under orchd's own prefixes (orchd., plugins., store., master.,
	/// worker., ...) that are not known are refused, with the nearest known
	/// key as a suggestion, so that a typo never silently means "default".
{
public:
	struct Key
	{
		std::string name;
		std::string defaultValue;  /// empty if required or computed
	};

	static const std::vector<Key>& keys();
		/// Returns every key orchd knows.

	static DaemonSettings load(const Poco::Util::AbstractConfiguration& config, bool roleKeys = true);
		/// Returns the settings, or throws ConfigException naming the first
		/// bad key. With roleKeys false the keys only a running worker needs
		/// (worker.home) are not required: orchctl reads a node's file for
		/// its plugins and store only.

	static std::string defaultPluginsDir();
		/// Returns the plugin folder of the installation
		/// (LIBDIR/orchd/plugins), the default of plugins.dir.

	static int getInt(const Poco::Util::AbstractConfiguration& config, const std::string& key, int defaultValue, int min, int max);
		/// Returns an integer key (defaultValue if absent), or throws
		/// ConfigException naming the key if it is not one or out of range.


private:
	static void checkUnknownKeys(const Poco::Util::AbstractConfiguration& config);
	static std::string requireString(const Poco::Util::AbstractConfiguration& config, const std::string& key);
	static Poco::Net::SocketAddress getAddress(const Poco::Util::AbstractConfiguration& config, const std::string& key, const std::string& defaultValue);
	static std::vector<PeerAddress> getPeerList(const Poco::Util::AbstractConfiguration& config, const std::string& key);
	static void loadLimits(const Poco::Util::AbstractConfiguration& config, MasterOptions& master);
	static void loadMaster(const Poco::Util::AbstractConfiguration& config, DaemonSettings& settings);
	static void loadWorker(const Poco::Util::AbstractConfiguration& config, DaemonSettings& settings);
	static void loadSecurity(const Poco::Util::AbstractConfiguration& config, DaemonSettings& settings);
};


} // namespace orchd


#endif // orchd_DaemonConfig_INCLUDED

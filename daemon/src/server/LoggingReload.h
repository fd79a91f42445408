//
// LoggingReload.h
//
// Where log lines go, changed by a reload (SIGHUP).
//


#ifndef orchd_LoggingReload_INCLUDED
#define orchd_LoggingReload_INCLUDED


#include "Poco/Util/AbstractConfiguration.h"
#include <map>
#include <string>


namespace orchd {


class LoggingReload
	/// The logging.* keys other than the loggers' levels (which a reload
	/// sets one by one): channels, formatters, and which channel each
	/// logger writes to. When a reloaded file changes any of them, the
	/// whole logging configuration is applied again from the file, the way
	/// start-up applied it (Poco's LoggingConfigurator), and under the
	/// journal the console channels are replaced again (JournalChannel).
	/// Stateless; run on the reload's thread.
{
public:
	static std::map<std::string, std::string> routing(const Poco::Util::AbstractConfiguration& config);
		/// Every logging.* key and value except logging.loggers.*.level.

	static void check(const Poco::Util::AbstractConfiguration& file);
		/// Throws ConfigException naming the key of a channel or formatter
		/// whose class Poco's LoggingFactory does not know, or a logger's
		/// channel that names no channel of the file.

	static void apply(Poco::Util::AbstractConfiguration& file);
		/// Configures logging from the file's logging.* keys. Throws
		/// Poco::Exception if Poco refuses a property.
};


} // namespace orchd


#endif // orchd_LoggingReload_INCLUDED

//
// PluginSettings.h
//
// The settings a plugin declares, read from the node's properties file.
//


#ifndef orchd_PluginSettings_INCLUDED
#define orchd_PluginSettings_INCLUDED


#include "Poco/Exception.h"
#include "Poco/NumberParser.h"
#include "Poco/Types.h"
#include <string>


namespace orchd {


class PluginSettings
	/// Handed by the host to Plugin::configure(), once, at load. A plugin
	/// declares each of its settings with a default and a help text, and
	/// gets the value of plugin.<plugin>.<key> from the node's properties
	/// file (or the default). After configure() the host refuses, as it does
	/// for its own keys, every plugin.<plugin>.* key that was not declared,
	/// naming the nearest declared one; the node then does not start.
	///
	/// A declaration may depend on the value of an earlier one (a list of
	/// names, then keys for each name). Owned by the host; valid only during
	/// configure(); not thread-safe.
{
public:
	virtual ~PluginSettings() = default;

	virtual const std::string& plugin() const = 0;
		/// The plugin's name: its library's file name without "lib" and the
		/// suffix (libsql.so: "sql").

	virtual std::string declare(const std::string& key, const std::string& defaultValue, const std::string& help) = 0;
		/// Declares plugin.<plugin>.<key> and returns its value, trimmed, or
		/// defaultValue if the file does not set it. key is 1 to 64 of
		/// letters, digits, '_' and '.', not starting or ending with '.';
		/// throws Poco::InvalidArgumentException for another, or for a key
		/// declared twice.

	std::string keyName(const std::string& key) const
		/// Returns the full name of a setting, for messages:
		/// "plugin.sql.max_rows".
	{
		return "plugin." + plugin() + "." + key;
	}

	Poco::Int64 declareInt(const std::string& key, Poco::Int64 defaultValue, Poco::Int64 min, Poco::Int64 max, const std::string& help)
		/// declare() for an integer from min to max. Throws
		/// Poco::InvalidArgumentException naming the key for another value.
	{
		std::string text = declare(key, std::to_string(defaultValue), help);
		Poco::Int64 value = 0;
		if (!Poco::NumberParser::tryParse64(text, value))
			throw Poco::InvalidArgumentException(keyName(key) + ": '" + text + "' is not an integer");
		if (value < min || value > max)
			throw Poco::InvalidArgumentException(keyName(key) + ": " + text + " is out of range (" + std::to_string(min) + " to " + std::to_string(max) + ")");
		return value;
	}
};


} // namespace orchd


#endif // orchd_PluginSettings_INCLUDED

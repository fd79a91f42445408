//
// DeclaredSettings.h
//
// One plugin's settings as it declares them, over the node's configuration.
//


#ifndef orchd_DeclaredSettings_INCLUDED
#define orchd_DeclaredSettings_INCLUDED


#include "orchd/PluginSettings.h"
#include "Poco/Util/AbstractConfiguration.h"
#include <string>
#include <vector>


namespace orchd {


class DeclaredSettings: public PluginSettings
	/// The host's PluginSettings for one plugin: declare() reads
	/// plugin.<plugin>.<key> from the configuration (or gives the default)
	/// and records the declaration; checkUndeclared() then refuses any key
	/// under plugin.<plugin> that was not declared, with the nearest
	/// declared key as a suggestion. Without a configuration every setting
	/// has its default. One thread; lives during the plugin's configure().
{
public:
	struct Declaration
	{
		std::string key;           /// the full key: plugin.<plugin>.<key>
		std::string defaultValue;
		std::string help;
		std::string value;         /// what declare() returned
	};

	DeclaredSettings(const std::string& plugin, const Poco::Util::AbstractConfiguration* config);

	const std::string& plugin() const override;
	std::string declare(const std::string& key, const std::string& defaultValue, const std::string& help) override;

	void checkUndeclared() const;
		/// Throws Poco::InvalidArgumentException "plugin.P.K: unknown key
		/// (did you mean plugin.P.KEY?)" for the first undeclared key.

	const std::vector<Declaration>& declarations() const;

	static std::string pluginName(const std::string& libraryPath);
		/// "sql" for ".../libsql.so".

	static std::vector<std::string> presentKeys(const Poco::Util::AbstractConfiguration& config, const std::string& prefix);
		/// Every key with a value under prefix (prefix itself included).

private:
	static bool isValidKey(const std::string& key);

	std::string _plugin;
	const Poco::Util::AbstractConfiguration* _config;
	std::vector<Declaration> _declarations;
};


} // namespace orchd


#endif // orchd_DeclaredSettings_INCLUDED

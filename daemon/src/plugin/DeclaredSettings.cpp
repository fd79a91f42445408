//
// DeclaredSettings.cpp
//


#include "plugin/DeclaredSettings.h"
#include "server/KeySuggestion.h"
#include "Poco/Path.h"
#include "Poco/String.h"
#include <algorithm>
#include <cctype>


namespace orchd {


DeclaredSettings::DeclaredSettings(const std::string& plugin, const Poco::Util::AbstractConfiguration* config):
	_plugin(plugin),
	_config(config)
{
}


const std::string& DeclaredSettings::plugin() const
{
	return _plugin;
}


std::string DeclaredSettings::declare(const std::string& key, const std::string& defaultValue, const std::string& help)
{
	if (!isValidKey(key))
		throw Poco::InvalidArgumentException("plugin " + _plugin + " declares an invalid setting name '" + key + "' (1 to 64 of letters, digits, '_' and '.')");
	std::string full = keyName(key);
	for (const auto& declared: _declarations)
	{
		if (declared.key == full) throw Poco::InvalidArgumentException("plugin " + _plugin + " declares " + full + " twice");
	}
	std::string value = _config && _config->has(full) ? Poco::trim(_config->getString(full)) : defaultValue;
	_declarations.push_back(Declaration{full, defaultValue, help, value});
	return value;
}


void DeclaredSettings::checkUndeclared() const
{
	if (!_config) return;
	std::vector<std::string> declared;
	for (const auto& declaration: _declarations) declared.push_back(declaration.key);
	for (const auto& key: presentKeys(*_config, "plugin." + _plugin))
	{
		if (std::find(declared.begin(), declared.end(), key) != declared.end()) continue;
		throw Poco::InvalidArgumentException(key + ": unknown key" + KeySuggestion::hint(key, declared) +
			(declared.empty() ? "; plugin " + _plugin + " has no settings" : std::string()));
	}
}


const std::vector<DeclaredSettings::Declaration>& DeclaredSettings::declarations() const
{
	return _declarations;
}


std::string DeclaredSettings::pluginName(const std::string& libraryPath)
{
	std::string name = Poco::Path(libraryPath).getBaseName();
	if (name.compare(0, 3, "lib") == 0 && name.size() > 3) name.erase(0, 3);
	return name;
}


std::vector<std::string> DeclaredSettings::presentKeys(const Poco::Util::AbstractConfiguration& config, const std::string& prefix)
{
	std::vector<std::string> out;
	if (config.has(prefix)) out.push_back(prefix);
	Poco::Util::AbstractConfiguration::Keys children;
	config.keys(prefix, children);
	for (const auto& child: children)
	{
		std::vector<std::string> below = presentKeys(config, prefix + "." + child);
		out.insert(out.end(), below.begin(), below.end());
	}
	return out;
}


bool DeclaredSettings::isValidKey(const std::string& key)
{
	if (key.empty() || key.size() > 64 || key.front() == '.' || key.back() == '.' || key.find("..") != std::string::npos) return false;
	return std::all_of(key.begin(), key.end(), [](char c)
	{
		return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.';
	});
}


} // namespace orchd

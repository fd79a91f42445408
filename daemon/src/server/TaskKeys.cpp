//
// TaskKeys.cpp
//


#include "server/TaskKeys.h"
#include "server/KeySuggestion.h"
#include "plugin/PluginHost.h"
#include "server/DaemonConfig.h"
#include "Poco/String.h"
#include "Poco/StringTokenizer.h"
#include <algorithm>


namespace orchd {


const char* const TaskKeys::FIELDS[3] = {"timeout_ms", "max_attempts", "enabled"};


namespace {


const std::string PREFIX = "task.";


bool splitTypeKey(const std::string& key, std::string& name, std::string& field)
	/// task.NAME.FIELD -> NAME, FIELD (any text without dots).
{
	if (key.compare(0, PREFIX.size(), PREFIX) != 0) return false;
	std::string::size_type dot = key.find('.', PREFIX.size());
	if (dot == std::string::npos || key.find('.', dot + 1) != std::string::npos) return false;
	name = key.substr(PREFIX.size(), dot - PREFIX.size());
	field = key.substr(dot + 1);
	return PluginHost::isValidTaskName(name);
}


bool getBool(const Poco::Util::AbstractConfiguration& config, const std::string& key)
{
	std::string text = Poco::toLower(Poco::trim(config.getString(key, "true")));
	if (text != "true" && text != "false")
		throw ConfigException(key + ": '" + config.getString(key) + "' is not true or false");
	return text == "true";
}


} // namespace


bool TaskKeys::isTypeKey(const std::string& key)
{
	std::string name, field;
	if (!splitTypeKey(key, name, field)) return false;
	return std::find(std::begin(FIELDS), std::end(FIELDS), field) != std::end(FIELDS);
}


void TaskKeys::addCandidates(const std::string& key, std::vector<std::string>& candidates)
{
	std::string name, field;
	if (!splitTypeKey(key, name, field)) return;
	for (const char* known: FIELDS) candidates.push_back(PREFIX + name + "." + known);
}


std::set<std::string> TaskKeys::typeNames(const Poco::Util::AbstractConfiguration& config)
{
	std::set<std::string> names;
	Poco::Util::AbstractConfiguration::Keys children;
	config.keys("task", children);
	for (const auto& child: children)
	{
		for (const char* field: FIELDS)
		{
			if (isTypeKey(PREFIX + child + "." + field) && config.has(PREFIX + child + "." + field)) names.insert(child);
		}
	}
	return names;
}


void TaskKeys::load(const Poco::Util::AbstractConfiguration& config, DispatchOptions& dispatch)
{
	dispatch.taskPolicies.clear();
	for (const auto& name: typeNames(config))
	{
		const std::string base = PREFIX + name + ".";
		TaskPolicy policy;
		int globalMs = static_cast<int>(dispatch.taskTimeout.totalMilliseconds());
		policy.timeout = Poco::Timespan(Poco::Timespan::TimeDiff(DaemonConfig::getInt(config, base + "timeout_ms", globalMs, 10, 86400000)) * 1000);
		policy.maxAttempts = DaemonConfig::getInt(config, base + "max_attempts", dispatch.maxAttempts, 1, 100);
		policy.enabled = getBool(config, base + "enabled");
		dispatch.taskPolicies[name] = policy;
	}
}


void TaskKeys::checkTypes(const Poco::Util::AbstractConfiguration& config, const std::vector<std::string>& loaded)
{
	for (const auto& name: typeNames(config))
	{
		if (std::find(loaded.begin(), loaded.end(), name) != loaded.end()) continue;
		std::string key;
		for (const char* field: FIELDS)
		{
			if (key.empty() && config.has(PREFIX + name + "." + field)) key = PREFIX + name + "." + field;
		}
		throw ConfigException(key + ": no loaded plugin provides task " + name + KeySuggestion::hint(name, loaded) +
			"; loaded: " + (loaded.empty() ? std::string("none") : Poco::cat(std::string(", "), loaded.begin(), loaded.end())));
	}
}


std::vector<std::string> TaskKeys::offered(const Poco::Util::AbstractConfiguration& config, const DispatchOptions& dispatch, const std::vector<std::string>& loaded)
{
	if (!config.has("worker.tasks"))
	{
		std::vector<std::string> all;
		std::copy_if(loaded.begin(), loaded.end(), std::back_inserter(all), [&dispatch](const std::string& type)
		{
			return dispatch.policyFor(type).enabled;
		});
		return all;
	}
	std::vector<std::string> chosen;
	Poco::StringTokenizer items(config.getString("worker.tasks"), ",", Poco::StringTokenizer::TOK_TRIM | Poco::StringTokenizer::TOK_IGNORE_EMPTY);
	for (const auto& item: items)
	{
		if (std::find(loaded.begin(), loaded.end(), item) == loaded.end())
			throw ConfigException("worker.tasks: no loaded plugin provides task " + item + KeySuggestion::hint(item, loaded) +
				"; loaded: " + (loaded.empty() ? std::string("none") : Poco::cat(std::string(", "), loaded.begin(), loaded.end())));
		if (!dispatch.policyFor(item).enabled)
			throw ConfigException("worker.tasks: lists " + item + ", which task." + item + ".enabled = false disables");
		if (std::find(chosen.begin(), chosen.end(), item) == chosen.end()) chosen.push_back(item);
	}
	if (chosen.empty()) throw ConfigException("worker.tasks: empty (list the task types this worker offers, or remove the key for all)");
	std::sort(chosen.begin(), chosen.end());
	return chosen;
}


} // namespace orchd

//
// LoggingReload.cpp
//


#include "server/LoggingReload.h"
#include "server/DaemonConfig.h"
#include "server/JournalChannel.h"
#include "Poco/LoggingFactory.h"
#include "Poco/Util/LoggingConfigurator.h"
#include <algorithm>
#include <vector>


namespace orchd {


namespace {


void flatten(const Poco::Util::AbstractConfiguration& config, const std::string& key, std::map<std::string, std::string>& out)
{
	Poco::Util::AbstractConfiguration::Keys children;
	config.keys(key, children);
	if (children.empty())
	{
		if (config.hasProperty(key)) out[key] = config.getRawString(key);
		return;
	}
	// A key may have both a value and children (channel = c1 beside
	// channel.class = ...): keep both.
	if (config.hasProperty(key)) out[key] = config.getRawString(key);
	for (const auto& child: children) flatten(config, key + "." + child, out);
}


bool isLevel(const std::string& key)
{
	const std::string suffix = ".level";
	return key.rfind("logging.loggers.", 0) == 0 && key.size() > suffix.size() && key.compare(key.size() - suffix.size(), suffix.size(), suffix) == 0;
}


} // namespace


std::map<std::string, std::string> LoggingReload::routing(const Poco::Util::AbstractConfiguration& config)
{
	std::map<std::string, std::string> all, routing;
	flatten(config, "logging", all);
	for (const auto& entry: all)
	{
		if (!isLevel(entry.first)) routing.insert(entry);
	}
	return routing;
}


void LoggingReload::check(const Poco::Util::AbstractConfiguration& file)
{
	Poco::LoggingFactory& factory = Poco::LoggingFactory::defaultFactory();
	Poco::Util::AbstractConfiguration::Keys names;
	file.keys("logging.channels", names);
	for (const auto& name: names)
	{
		std::string key = "logging.channels." + name + ".class";
		try
		{
			factory.createChannel(file.getString(key));
		}
		catch (Poco::Exception&)
		{
			throw ConfigException(key + ": no such log channel class '" + file.getString(key, "") + "'");
		}
	}
	file.keys("logging.formatters", names);
	for (const auto& name: names)
	{
		std::string key = "logging.formatters." + name + ".class";
		try
		{
			factory.createFormatter(file.getString(key));
		}
		catch (Poco::Exception&)
		{
			throw ConfigException(key + ": no such log formatter class '" + file.getString(key, "") + "'");
		}
	}
	Poco::Util::AbstractConfiguration::Keys channels, loggers;
	file.keys("logging.channels", channels);
	file.keys("logging.loggers", loggers);
	for (const auto& logger: loggers)
	{
		std::string key = "logging.loggers." + logger + ".channel";
		if (!file.hasProperty(key)) continue;
		std::string channel = file.getString(key);
		if (std::find(channels.begin(), channels.end(), channel) == channels.end())
			throw ConfigException(key + ": no channel '" + channel + "' in logging.channels");
	}
}


void LoggingReload::apply(Poco::Util::AbstractConfiguration& file)
{
	Poco::Util::LoggingConfigurator configurator;
	// configure() reads the logging.* keys of the configuration it is given.
	configurator.configure(Poco::Util::AbstractConfiguration::Ptr(&file, true));
	// The configurator sets each configured logger's own channel; the
	// loggers made since start (a logger copies its parent's channel when
	// it is made) are given their nearest configured ancestor's, root
	// first, so that the more specific names win.
	std::vector<std::pair<std::string, Poco::Channel::Ptr>> configured;
	Poco::Util::AbstractConfiguration::Keys loggers;
	file.keys("logging.loggers", loggers);
	for (const auto& entry: loggers)
	{
		std::string name = file.getString("logging.loggers." + entry + ".name", entry == "root" ? "" : entry);
		configured.emplace_back(name, Poco::Logger::get(name).getChannel());
	}
	std::sort(configured.begin(), configured.end(), [](const auto& a, const auto& b) { return a.first.size() < b.first.size(); });
	for (const auto& logger: configured) Poco::Logger::setChannel(logger.first, logger.second);
	if (JournalChannel::stderrIsJournal()) JournalChannel::adoptConsoles();
}


} // namespace orchd

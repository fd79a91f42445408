//
// NodeInfo.cpp
//


#include "metrics/NodeInfo.h"
#include "Poco/Timestamp.h"
#include "Poco/Version.h"
#include "Poco/Format.h"


namespace orchd {


void NodeInfo::write(MetricsText& text) const
{
	text.family("orchd_build_info", MetricsText::GAUGE, "Always 1: the version of this orchd, its role, its id and the Poco it runs on.");
	std::string poco = Poco::format("%u.%u.%u", static_cast<unsigned>(POCO_VERSION >> 24), static_cast<unsigned>((POCO_VERSION >> 16) & 0xFF),
		static_cast<unsigned>((POCO_VERSION >> 8) & 0xFF));
	text.add({{"version", ORCHD_VERSION}, {"role", role}, {"id", id}, {"poco", poco}}, std::uint64_t(1));
	text.family("orchd_start_time_seconds", MetricsText::GAUGE, "When this process started, in seconds since the Unix epoch.");
	text.add({}, startSeconds);
	text.family("orchd_plugin_load_refusals_total", MetricsText::COUNTER, "Plugin libraries refused at load (see the log for why).");
	text.add({}, static_cast<std::uint64_t>(pluginRefusals ? pluginRefusals() : 0));
}


double NodeInfo::now()
{
	return static_cast<double>(Poco::Timestamp().epochMicroseconds()) / 1e6;
}


} // namespace orchd

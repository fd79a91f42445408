//
// NodeInfo.h
//
// The metrics every node exposes, master or worker.
//


#ifndef orchd_NodeInfo_INCLUDED
#define orchd_NodeInfo_INCLUDED


#include "metrics/MetricsText.h"
#include <cstddef>
#include <functional>
#include <string>


namespace orchd {


struct NodeInfo
	/// What a node is (orchd_build_info), since when, and what its
	/// plugin host refused at load, at start or later (orchd_plugin_load_refusals_total).
{
	std::string role;            /// master or worker
	std::string id;              /// orchd.id
	std::function<std::size_t()> pluginRefusals;  /// refusals so far (hot loads included); none if empty
	double startSeconds = 0;     /// process start, Unix time

	void write(MetricsText& text) const;
		/// orchd_build_info, orchd_start_time_seconds and
		/// orchd_plugin_load_refusals_total.

	static double now();
		/// The wall clock as Unix seconds (for startSeconds).
};


} // namespace orchd


#endif // orchd_NodeInfo_INCLUDED

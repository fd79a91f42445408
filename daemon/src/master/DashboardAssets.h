//
// DashboardAssets.h
//
// The dashboard's files (daemon/ui/), built into the binary.
//


#ifndef orchd_DashboardAssets_INCLUDED
#define orchd_DashboardAssets_INCLUDED


#include <cstddef>


namespace orchd {


struct DashboardAsset
	/// One file of daemon/ui/, as cmake/EmbedDashboard.cmake wrote it into
	/// the generated DashboardAssets.cpp at build time.
{
	const char* name;           /// its file name, as /ui/NAME serves it
	const char* contentType;    /// from its extension
	const unsigned char* data;
	std::size_t size;
};


extern const DashboardAsset DASHBOARD_ASSETS[];
extern const std::size_t DASHBOARD_ASSET_COUNT;
	/// Every file of the dashboard; immutable, so any thread reads them.


} // namespace orchd


#endif // orchd_DashboardAssets_INCLUDED

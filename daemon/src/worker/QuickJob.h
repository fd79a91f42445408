//
// QuickJob.h
//
// A quick task as a link read it, and its result until it is reported.
//


#ifndef orchd_QuickJob_INCLUDED
#define orchd_QuickJob_INCLUDED


#include "worker/QuickLink.h"
#include "Poco/JSON/Object.h"
#include <cstddef>
#include <string>


namespace orchd {


struct QuickJob
	/// A quick task as its link read it.
{
	QuickLink* link;
	Poco::JSON::Object::Ptr request;
	std::string task;
	std::string taskId;
	int attempt;
	bool alone = false;   /// its group's commit failed: it runs again in a commit of its own
};


struct QuickResult
	/// A quick task run, its result not yet reported: its store operations
	/// (firstOperation to endOperation in its batch) wait for a commit.
{
	QuickJob job;
	std::string text;
	std::size_t firstOperation;
	std::size_t endOperation;

	bool stored() const
	{
		return endOperation != firstOperation;
	}
};


} // namespace orchd


#endif // orchd_QuickJob_INCLUDED

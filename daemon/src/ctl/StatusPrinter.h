//
// StatusPrinter.h
//
// orchctl status: a master's /v1/status as text.
//


#ifndef orchd_StatusPrinter_INCLUDED
#define orchd_StatusPrinter_INCLUDED


#include "Poco/JSON/Object.h"
#include <ostream>


namespace orchd {


class StatusPrinter
	/// Prints the role and queue, the store id and refusals, then tables
	/// of workers and peers (columns sized to their content), then the
	/// counters and loans. Fields a master does not send print as "-".
{
public:
	static void print(const Poco::JSON::Object& status, std::ostream& out);
};


} // namespace orchd


#endif // orchd_StatusPrinter_INCLUDED

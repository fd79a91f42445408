//
// PendingReply.h
//
// The answer an HTTP thread waits for while the event loop works.
//


#ifndef orchd_PendingReply_INCLUDED
#define orchd_PendingReply_INCLUDED


#include "Poco/Event.h"
#include "Poco/Mutex.h"
#include "Poco/Timespan.h"
#include <string>


namespace orchd {


class PendingReply
	/// Set once by the event loop thread, read by the HTTP thread that
	/// waits for it. Shared between the two with a std::shared_ptr, so a
	/// waiter that gave up leaves nothing dangling. Thread-safe.
{
public:
	void complete(int httpStatus, const std::string& body)
	{
		{
			Poco::FastMutex::ScopedLock lock(_mutex);
			if (_completed) return;
			_completed = true;
			_httpStatus = httpStatus;
			_body = body;
		}
		_done.set();
	}

	bool wait(Poco::Timespan timeout)
		/// Returns false if nothing came within the timeout.
	{
		return _done.tryWait(static_cast<long>(timeout.totalMilliseconds()));
	}

	int httpStatus() const
	{
		Poco::FastMutex::ScopedLock lock(_mutex);
		return _httpStatus;
	}

	std::string body() const
	{
		Poco::FastMutex::ScopedLock lock(_mutex);
		return _body;
	}

private:
	mutable Poco::FastMutex _mutex;
	Poco::Event _done;
	bool _completed = false;
	int _httpStatus = 0;
	std::string _body;
};


} // namespace orchd


#endif // orchd_PendingReply_INCLUDED

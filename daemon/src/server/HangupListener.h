//
// HangupListener.h
//
// Takes SIGHUP, so that it no longer ends the node.
//


#ifndef orchd_HangupListener_INCLUDED
#define orchd_HangupListener_INCLUDED


#include <atomic>
#include <functional>
#include <thread>


namespace orchd {


class HangupListener
	/// Waits for SIGHUP (the unit's ExecReload) on a thread of its own
	/// with sigwait() and calls a function for each one, on that thread.
	///
	/// SIGHUP must be blocked in every thread of the process before any
	/// is started (main() does it), or the default action would still end
	/// the process. Construct and destroy it on one thread.
{
public:
	explicit HangupListener(std::function<void()> onHangup);
		/// Starts the thread.
	~HangupListener();
		/// Stops the thread.

private:
	HangupListener(const HangupListener&) = delete;
	HangupListener& operator=(const HangupListener&) = delete;

	void run();

	std::function<void()> _onHangup;
	std::atomic<bool> _quit{false};
	std::thread _thread;
};


} // namespace orchd


#endif // orchd_HangupListener_INCLUDED

//
// HangupListener.cpp
//


#include "server/HangupListener.h"
#include <csignal>
#include <pthread.h>


namespace orchd {


HangupListener::HangupListener(std::function<void()> onHangup):
	_onHangup(std::move(onHangup)),
	_thread([this] { run(); })
{
}


HangupListener::~HangupListener()
{
	_quit = true;
	// A SIGHUP aimed at the thread itself wakes its sigwait().
	::pthread_kill(_thread.native_handle(), SIGHUP);
	_thread.join();
}


void HangupListener::run()
{
	sigset_t hangup;
	sigemptyset(&hangup);
	sigaddset(&hangup, SIGHUP);
	int signal = 0;
	while (::sigwait(&hangup, &signal) == 0 && !_quit) _onHangup();
}


} // namespace orchd

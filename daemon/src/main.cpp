//
// main.cpp
//
// The orchd daemon's entry point.
//


#include "server/OrchdServer.h"
#include <csignal>
#include <iostream>


int main(int argc, char** argv)
{
	// SIGTERM, SIGINT and SIGQUIT are taken by sigwait() in
	// ServerApplication::waitForTerminationRequest(), which blocks them
	// only when it is reached: a signal that came before (while the node
	// starts) would end it at once, without draining. Blocked here, before
	// any thread exists, they wait for it; every thread inherits the mask.
	sigset_t stopping;
	sigemptyset(&stopping);
	sigaddset(&stopping, SIGTERM);
	sigaddset(&stopping, SIGINT);
	sigaddset(&stopping, SIGQUIT);
	// SIGHUP (the unit's ExecReload) is taken by the HangupListener's
	// sigwait(), for the same reason.
	sigaddset(&stopping, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &stopping, nullptr);
	try
	{
		orchd::OrchdServer app;
		return app.start(argc, argv);
	}
	catch (Poco::Exception& exc)
	{
		std::cerr << exc.displayText() << std::endl;
		return Poco::Util::Application::EXIT_SOFTWARE;
	}
}

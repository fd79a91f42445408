//
// TestMain.cpp
//
// Runs one CppUnit fixture (or all) by name, so that ctest can list each
// fixture as a test of its own: orchd_tests MoneyTest
//


#include "TestSupport.h"
#include <cppunit/BriefTestProgressListener.h>
#include <cppunit/TestResult.h>
#include <cppunit/TestResultCollector.h>
#include <cppunit/extensions/TestFactoryRegistry.h>
#include <cppunit/ui/text/TestRunner.h>
#include <iostream>
#include <sys/resource.h>


int main(int argc, char** argv)
{
	// The integration tests hold a thousand sockets at once.
	rlimit limit{};
	if (::getrlimit(RLIMIT_NOFILE, &limit) == 0)
	{
		limit.rlim_cur = limit.rlim_max;
		::setrlimit(RLIMIT_NOFILE, &limit);
	}
	std::string name = argc > 1 ? argv[1] : "";
	std::string skip = orchd::test::skipReason(name);
	if (!skip.empty())
	{
		std::cout << "SKIPPED " << name << ": " << skip << std::endl;
		return 77;  // ctest's SKIP_RETURN_CODE
	}
	CppUnit::TextUi::TestRunner runner;
	runner.addTest(CppUnit::TestFactoryRegistry::getRegistry().makeTest());
	CppUnit::BriefTestProgressListener progress;
	runner.eventManager().addListener(&progress);
	bool ok = false;
	try
	{
		ok = runner.run(name, false, true, false);
	}
	catch (std::invalid_argument& exc)
	{
		std::cerr << "no fixture named '" << name << "': " << exc.what() << std::endl;
		return 2;
	}
	const CppUnit::TestResultCollector& result = runner.result();
	int failed = result.testFailuresTotal();
	std::cout << "cppunit: " << result.runTests() - failed << " passed, " << failed << " failed" << std::endl;
	return ok ? 0 : 1;
}

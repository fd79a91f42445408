//
// TestSupport.h
//
// What the fixtures share: temporary folders, polling with a deadline,
// running orchd's binaries, and the paths the build passes in.
//


#ifndef orchd_TestSupport_INCLUDED
#define orchd_TestSupport_INCLUDED


#include "Poco/Process.h"
#include "Poco/Timespan.h"
#include <functional>
#include <string>
#include <vector>


namespace orchd {
namespace test {


class TempDir
	/// A fresh folder under the system's temporary folder, removed with
	/// everything in it on destruction.
{
public:
	TempDir();
	~TempDir();

	const std::string& path() const;
	std::string file(const std::string& name) const;
		/// Returns path()/name.

private:
	std::string _path;
};


bool waitFor(const std::function<bool()>& condition, Poco::Timespan timeout = Poco::Timespan(10, 0));
	/// Polls condition every few milliseconds until it holds (true) or the
	/// deadline passes (false).


struct ProcessResult
{
	int exitCode = -1;
	std::string out;
	std::string err;
};


ProcessResult runProcess(const std::string& binary, const std::vector<std::string>& args, Poco::Timespan timeout = Poco::Timespan(30, 0));
	/// Runs a program to completion and returns its exit code and output.
	/// Kills it and fails the test if it outlives the timeout.


std::string readFile(const std::string& path);
void writeFile(const std::string& path, const std::string& text);


std::string pluginsDir();      /// the build's plugins/ folder (echo, saldo)
std::string testPluginsDir();  /// the test plugins, good and bad
std::string orchdBinary();
std::string orchctlBinary();
std::string sourceDir();


} } // namespace orchd::test


#endif // orchd_TestSupport_INCLUDED

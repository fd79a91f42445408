//
// JournalChannel.h
//
// Console logging that keeps each line's priority in the journal.
//


#ifndef orchd_JournalChannel_INCLUDED
#define orchd_JournalChannel_INCLUDED


#include "Poco/Channel.h"
#include "Poco/Message.h"
#include "Poco/Mutex.h"
#include <string>


namespace orchd {


class JournalChannel: public Poco::Channel
	/// Writes each message to stderr like Poco's ConsoleChannel, with its
	/// syslog priority in front of every line ("<3>" error, "<4>" warning,
	/// "<6>" information, ...): the prefix that journald reads on a
	/// service's stream (sd-daemon(3)), so that `journalctl -p warning`
	/// shows warnings and errors only.
	///
	/// Thread-safe.
{
public:
	void log(const Poco::Message& message) override;

	static std::string format(const Poco::Message& message);
		/// The text as written: every line prefixed, each ending in '\n'.
	static int syslogPriority(Poco::Message::Priority priority);
		/// Poco's FATAL..TRACE as syslog's 2 (crit) .. 7 (debug).

	static bool stderrIsJournal();
		/// True if $JOURNAL_STREAM names this process's stderr (its
		/// device and inode), as systemd sets it when stderr is the
		/// journal: a child writing elsewhere ignores what it inherited.

	static int adoptConsoles();
		/// Puts a JournalChannel in place of each ConsoleChannel or
		/// ColorConsoleChannel that the logging configuration gave a
		/// logger, directly or under its FormattingChannel, keeping the
		/// formatter. Returns how many it replaced. Call once, after the
		/// logging configuration and before other threads log.

private:
	Poco::FastMutex _mutex;
};


} // namespace orchd


#endif // orchd_JournalChannel_INCLUDED

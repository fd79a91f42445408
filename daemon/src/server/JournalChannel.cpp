//
// JournalChannel.cpp
//


#include "server/JournalChannel.h"
#include "Poco/AutoPtr.h"
#include "Poco/ConsoleChannel.h"
#include "Poco/FormattingChannel.h"
#include "Poco/Logger.h"
#include "Poco/String.h"
#include <cstdlib>
#include <iostream>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>


namespace orchd {


namespace {


bool isConsole(Poco::Channel* channel)
{
	return dynamic_cast<Poco::ConsoleChannel*>(channel) || dynamic_cast<Poco::ColorConsoleChannel*>(channel);
}


} // namespace


void JournalChannel::log(const Poco::Message& message)
{
	std::string text = format(message);
	Poco::FastMutex::ScopedLock lock(_mutex);
	std::clog << text << std::flush;
}


std::string JournalChannel::format(const Poco::Message& message)
{
	std::string prefix = "<" + std::to_string(syslogPriority(message.getPriority())) + ">";
	const std::string& text = message.getText();
	std::string out;
	out.reserve(text.size() + prefix.size() + 1);
	std::string::size_type start = 0;
	// A multi-line message (a stack of causes, a dump) keeps its priority
	// on every line: journald reads each line as its own entry.
	do
	{
		std::string::size_type end = text.find('\n', start);
		out += prefix;
		out.append(text, start, end == std::string::npos ? std::string::npos : end - start);
		out += '\n';
		start = end == std::string::npos ? text.size() : end + 1;
	}
	while (start < text.size());
	return out;
}


int JournalChannel::syslogPriority(Poco::Message::Priority priority)
{
	switch (priority)
	{
	case Poco::Message::PRIO_FATAL:
	case Poco::Message::PRIO_CRITICAL: return 2;
	case Poco::Message::PRIO_ERROR: return 3;
	case Poco::Message::PRIO_WARNING: return 4;
	case Poco::Message::PRIO_NOTICE: return 5;
	case Poco::Message::PRIO_INFORMATION: return 6;
	default: return 7;
	}
}


bool JournalChannel::stderrIsJournal()
{
	const char* stream = std::getenv("JOURNAL_STREAM");
	struct stat info{};
	if (!stream || ::fstat(STDERR_FILENO, &info) != 0) return false;
	return std::string(stream) == std::to_string(info.st_dev) + ":" + std::to_string(info.st_ino);
}


int JournalChannel::adoptConsoles()
{
	// Loggers share their channels: one replacement inside a shared
	// FormattingChannel serves every logger that uses it.
	Poco::AutoPtr<JournalChannel> journal = new JournalChannel;
	std::vector<std::string> names;
	Poco::Logger::names(names);
	int replaced = 0;
	for (const auto& name: names)
	{
		Poco::Logger& logger = Poco::Logger::get(name);
		Poco::Channel::Ptr channel = logger.getChannel();
		if (isConsole(channel.get()))
		{
			logger.setChannel(journal);
			++replaced;
		}
		else if (auto* formatting = dynamic_cast<Poco::FormattingChannel*>(channel.get()))
		{
			if (isConsole(formatting->getChannel().get()))
			{
				formatting->setChannel(journal);
				++replaced;
			}
		}
	}
	return replaced;
}


} // namespace orchd

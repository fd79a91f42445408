//
// LogCapture.h
//
// Records what a logger says while it lives, for fixtures that check a log
// line (a refusal must be said, a mismatch said once).
//


#ifndef orchd_test_LogCapture_INCLUDED
#define orchd_test_LogCapture_INCLUDED


#include "Poco/AutoPtr.h"
#include "Poco/Channel.h"
#include "Poco/Logger.h"
#include "Poco/Message.h"
#include <string>
#include <vector>


namespace orchd {
namespace test {


class LogCapture
	/// Replaces a logger's channel (and level: everything from information
	/// up) until destroyed, then puts the old ones back. Not thread-safe:
	/// for in-process fixtures on one thread.
{
public:
	explicit LogCapture(Poco::Logger& logger):
		_logger(logger),
		_level(logger.getLevel()),
		_before(logger.getChannel()),
		_channel(new Recorder)
	{
		_logger.setChannel(_channel);
		_logger.setLevel(Poco::Message::PRIO_INFORMATION);
	}

	~LogCapture()
	{
		_logger.setChannel(_before);
		_logger.setLevel(_level);
	}

	LogCapture(const LogCapture&) = delete;
	LogCapture& operator=(const LogCapture&) = delete;

	std::size_t count(const std::string& text, Poco::Message::Priority priority = Poco::Message::PRIO_TRACE) const
		/// Lines that contain text, at priority or more urgent.
	{
		std::size_t n = 0;
		for (const auto& message: _channel->messages)
		{
			if (message.getPriority() <= priority && message.getText().find(text) != std::string::npos) ++n;
		}
		return n;
	}

	std::string text() const
		/// Everything said, one line each (for assertion messages).
	{
		std::string all;
		for (const auto& message: _channel->messages) all += message.getText() + "\n";
		return all;
	}

private:
	class Recorder: public Poco::Channel
	{
	public:
		void log(const Poco::Message& message) override
		{
			messages.push_back(message);
		}

		std::vector<Poco::Message> messages;
	};

	Poco::Logger& _logger;
	int _level;
	Poco::AutoPtr<Poco::Channel> _before;
	Poco::AutoPtr<Recorder> _channel;
};


} } // namespace orchd::test


#endif // orchd_test_LogCapture_INCLUDED

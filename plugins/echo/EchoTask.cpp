//
// EchoTask.cpp
//
// The smallest orchd plugin, and the one to copy: a task handler class,
// the ABI version symbol and the manifest, in one file.
//
// {"TASK":"ECHO","PAYLOAD":<any JSON>,"DELAY_MS":20}
//   -> {"STATUS":"OK","TASK":"ECHO","PAYLOAD":<the same JSON>}
//


#include "orchd/PluginApi.h"
#include "orchd/Request.h"
#include "orchd/TaskHandler.h"
#include "Poco/Exception.h"
#include "Poco/Thread.h"
#include "Poco/Timestamp.h"


namespace {


class EchoTask: public orchd::TaskHandler
{
public:
	static constexpr int MAX_DELAY_MS = 10000;
		/// DELAY_MS is bounded so that no request can hold a worker forever.

	std::string name() const override
	{
		return "ECHO";
	}

	std::string description() const override
	{
		return "returns its PAYLOAD; optional DELAY_MS (0-10000) waits first";
	}

	void validate(const Poco::JSON::Object& request) const override
	{
		delayOf(request);
	}

	bool quick(const Poco::JSON::Object& request) const override
	{
		// Without a delay an echo is a copy: run it on the link thread.
		return delayOf(request) == 0;
	}

	Poco::JSON::Object::Ptr execute(orchd::TaskContext& context, const Poco::JSON::Object& request) override
	{
		wait(context, delayOf(request));
		if (context.cancelled()) return orchd::Result::nok(name(), "Cancelled");
		Poco::JSON::Object::Ptr result = orchd::Result::ok(name());
		if (request.has("PAYLOAD")) result->set("PAYLOAD", request.get("PAYLOAD"));
		return result;
	}

private:
	static int delayOf(const Poco::JSON::Object& request)
	{
		if (!request.has("DELAY_MS")) return 0;
		Poco::Dynamic::Var delay = request.get("DELAY_MS");
		if (!delay.isInteger() || delay.isBoolean())
			throw Poco::InvalidArgumentException("Field DELAY_MS must be an integer");
		Poco::Int64 ms = delay.convert<Poco::Int64>();
		if (ms < 0 || ms > MAX_DELAY_MS)
			throw Poco::InvalidArgumentException("Field DELAY_MS must be 0 to " + std::to_string(MAX_DELAY_MS));
		return static_cast<int>(ms);
	}

	static void wait(orchd::TaskContext& context, int delayMs)
	{
		// Simulated work, in short slices so that a cancelled task stops soon.
		Poco::Timestamp start;
		while (!context.cancelled() && start.elapsed() < Poco::Timestamp::TimeDiff(delayMs) * 1000)
		{
			Poco::Thread::sleep(std::min<int>(10, delayMs));
		}
	}
};


} // namespace




POCO_BEGIN_MANIFEST(orchd::TaskHandler)
	POCO_EXPORT_CLASS(EchoTask)
POCO_END_MANIFEST

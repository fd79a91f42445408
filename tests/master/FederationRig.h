//
// FederationRig.h
//
// One master's federation in-process for the fixtures of tests/master: a
// MasterRig with a Federation (m1, peers m0 and m2) and helpers to play
// the peer m2.
//


#ifndef orchd_test_FederationRig_INCLUDED
#define orchd_test_FederationRig_INCLUDED


#include "master/MasterRig.h"
#include <cppunit/extensions/HelperMacros.h>
#include <string>


namespace orchd {
namespace test {


const std::string STORE_A = "5f0c8a52-0d6e-4a53-9f3c-aaaaaaaaaaaa";
const std::string STORE_B = "0b3e61d4-7c2a-4f0e-8d1b-bbbbbbbbbbbb";


inline DispatchOptions dispatchOptions(const std::string& storeId)
{
	DispatchOptions options;
	options.masterId = "m1";
	options.storeId = storeId;
	return options;
}


inline FederationOptions federationOptions(const std::string& storeId)
{
	FederationOptions options;
	options.storeId = storeId;
	options.selfId = "m1";
	options.self = PeerAddress{"m1", "10.0.0.1", 7001};
	options.peers = {PeerAddress{"m0", "10.0.0.9", 7000}, PeerAddress{"m2", "10.0.0.2", 7002}};
	options.heartbeat = Poco::Timespan(1, 0);
	options.deadAfter = Poco::Timespan(5, 0);
	options.maxQueue = 5;
	options.minQueue = 2;
	options.window = Poco::Timespan(1, 0);
	options.cooldown = Poco::Timespan(2, 0);
	options.maxBorrow = 2;
	options.minWorkers = 1;
	return options;
}


inline std::string heartbeat(const std::string& from, const std::string& task = "REQUEST", int queue = 0, const std::string& storeId = std::string())
{
	return "{\"SERVER\":\"ALIVE\",\"TASK\":\"" + task + "\",\"SERVER_UUID\":\"" + from + "\",\"QUEUE\":" + std::to_string(queue)
		+ ",\"CAPACITY\":100,\"WORKERS\":2,\"IDLE_CREDITS\":2,\"LENT\":0,\"BORROWED\":0"
		+ (storeId.empty() ? std::string() : ",\"STORE_ID\":\"" + storeId + "\"") + "}";
}


class FederationRig: public MasterRig
{
public:
	explicit FederationRig(const std::string& storeId = std::string()): MasterRig(dispatchOptions(storeId), "FederationStateTest"),
		federation(directory, clock, dispatcher, loans, federationOptions(storeId), logger)
	{
	}

	Link linkToM2(const std::string& storeId = std::string())
		/// m1 dials m2 (the smaller id dials): the link opens with a
		/// heartbeat request, and m2 answers (with STORE_ID storeId, none
		/// if empty).
	{
		Link link = directory.open(federation, Link::PEER, "m2");
		Poco::JSON::Object::Ptr hello = directory.takeObject(link);
		CPPUNIT_ASSERT_EQUAL(std::string("REQUEST"), hello->getValue<std::string>("TASK"));
		directory.message(link, heartbeat("m2", "RECIEVE", 0, storeId));
		return link;
	}

	Poco::JSON::Object::Ptr peerStatus(const std::string& id) const
	{
		Poco::JSON::Array::Ptr peers = federation.peersStatus();
		for (std::size_t i = 0; i < peers->size(); ++i)
		{
			Poco::JSON::Object::Ptr peer = peers->getObject(static_cast<unsigned>(i));
			if (peer->getValue<std::string>("id") == id) return peer;
		}
		CPPUNIT_FAIL("no peer " + id + " in the status");
		return nullptr;
	}

	void flood(int tasks)
		/// A client queues tasks that no worker takes (QUERY: none offers it).
	{
		Link client = this->client();
		for (int i = 0; i < tasks; ++i) directory.message(client, "{\"TASK\":\"QUERY\",\"USER\":\"u\"}");
	}

	std::size_t requestsTo(const Link& link)
		/// WORKER_REQUESTs sent to link, taken with every other message.
	{
		std::size_t n = 0;
		while (Poco::JSON::Object::Ptr message = directory.takeObject(link))
		{
			if (message->optValue<std::string>("TASK", "") == "WORKER_REQUEST") ++n;
		}
		return n;
	}

	Poco::JSON::Object::Ptr takeTask(const Link& link, const std::string& task)
		/// The next message to link other than heartbeats.
	{
		while (Poco::JSON::Object::Ptr message = directory.takeObject(link))
		{
			if (message->has("SERVER")) continue;
			CPPUNIT_ASSERT_EQUAL(task, message->getValue<std::string>("TASK"));
			return message;
		}
		CPPUNIT_FAIL("no " + task + " was sent");
		return nullptr;
	}

	void tickFor(std::int64_t ms)
		/// Runs the federation's timer every 100 ms for ms.
	{
		for (std::int64_t t = 0; t < ms; t += 100)
		{
			clock.advanceMs(100);
			federation.tick();
		}
	}

	Federation federation;
};



} } // namespace orchd::test


#endif // orchd_test_FederationRig_INCLUDED

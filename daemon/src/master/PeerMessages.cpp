//
// PeerMessages.cpp
//


#include "master/PeerMessages.h"
#include "json/JsonObject.h"
#include "orchd/Request.h"
#include "Poco/Exception.h"
#include "Poco/JSON/Array.h"


namespace orchd {


std::string PeerMessages::heartbeat(const std::string& selfId, const std::string& task, const Load& load, const std::string& storeId)
{
	Poco::JSON::Object heartbeat;
	heartbeat.set("SERVER", "ALIVE");
	heartbeat.set("TASK", task);
	heartbeat.set("SERVER_UUID", selfId);
	heartbeat.set("QUEUE", load.queued);
	heartbeat.set("CAPACITY", load.capacity);
	heartbeat.set("WORKERS", load.ownWorkers);
	heartbeat.set("IDLE_CREDITS", load.idleCredits);
	heartbeat.set("LENT", load.lent);
	heartbeat.set("BORROWED", load.borrowed);
	if (!storeId.empty()) heartbeat.set("STORE_ID", storeId);
	return toText(heartbeat);
}


Load PeerMessages::readHeartbeat(const Poco::JSON::Object& message, std::string& task, std::string& storeId)
{
	if (message.optValue<std::string>("SERVER", "") != "ALIVE") throw Poco::InvalidArgumentException("SERVER must be ALIVE");
	task = message.optValue<std::string>("TASK", "");
	if (task != "REQUEST" && task != "RECIEVE") throw Poco::InvalidArgumentException("a heartbeat's TASK is REQUEST or RECIEVE");
	Load load;
	load.queued = static_cast<std::size_t>(intField(message, "QUEUE", 0, 1 << 30));
	load.capacity = static_cast<std::size_t>(intField(message, "CAPACITY", 0, 1 << 30));
	load.ownWorkers = intField(message, "WORKERS", 0, 1 << 20);
	load.idleCredits = intField(message, "IDLE_CREDITS", 0, 1 << 30);
	load.lent = intField(message, "LENT", 0, 1 << 20);
	load.borrowed = intField(message, "BORROWED", 0, 1 << 20);
	storeId = message.has("STORE_ID") ? Request::requireName(message, "STORE_ID") : std::string();
	return load;
}


std::string PeerMessages::workerRequest(const std::string& selfId, int needed)
{
	Poco::JSON::Object request;
	request.set("TASK", "WORKER_REQUEST");
	request.set("WORKERS_NEEDED", needed);
	request.set("SERVER_UUID", selfId);
	return toText(request);
}


int PeerMessages::workersNeeded(const Poco::JSON::Object& request)
{
	return intField(request, "WORKERS_NEEDED", 1, 1000);
}


std::string PeerMessages::workerResponse(const std::string& selfId, const std::vector<std::string>& lent)
{
	Poco::JSON::Object response;
	response.set("TASK", "WORKER_RESPONSE");
	response.set("SERVER_UUID", selfId);
	Poco::JSON::Array workers;
	for (const auto& uuid: lent) workers.add(uuid);
	response.set("STATUS", lent.empty() ? "NACK" : "ACK");
	if (!lent.empty()) response.set("MASTER", selfId);
	response.set("WORKERS", workers);
	return toText(response);
}


std::vector<std::string> PeerMessages::workers(const Poco::JSON::Object& message)
{
	std::vector<std::string> result;
	Poco::JSON::Array::Ptr array = message.getArray("WORKERS");
	if (!array) throw Poco::InvalidArgumentException("Field WORKERS must be an array");
	for (std::size_t i = 0; i < array->size(); ++i)
	{
		Poco::Dynamic::Var item = array->get(static_cast<unsigned>(i));
		if (!item.isString()) throw Poco::InvalidArgumentException("Field WORKERS must hold strings");
		result.push_back(item.extract<std::string>());
	}
	return result;
}


std::string PeerMessages::releaseCommand(const std::string& selfId, const std::vector<std::string>& workers)
{
	Poco::JSON::Object command;
	command.set("TASK", "COMMAND_RELEASE");
	command.set("SERVER_UUID", selfId);
	Poco::JSON::Array list;
	for (const auto& uuid: workers) list.add(uuid);
	command.set("WORKERS", list);
	return toText(command);
}


std::string PeerMessages::releaseAck(const std::string& selfId)
{
	Poco::JSON::Object ack;
	ack.set("TASK", "RELEASE_ACK");
	ack.set("SERVER_UUID", selfId);
	return toText(ack);
}


std::string PeerMessages::releaseCompleted(const std::string& selfId)
{
	Poco::JSON::Object done;
	done.set("TASK", "RELEASE_COMPLETED");
	done.set("SERVER_UUID", selfId);
	return toText(done);
}


std::string PeerMessages::redirect(const PeerAddress& target, const PeerAddress& home, const std::vector<PeerAddress>& failover)
{
	Poco::JSON::Object message;
	message.set("TASK", "REDIRECT");
	message.set("TARGET_MASTER", addressOf(target));
	message.set("HOME_MASTER", addressOf(home));
	Poco::JSON::Array list;
	for (const auto& address: failover) list.add(addressOf(address));
	message.set("FAILOVER_LIST", list);
	return toText(message);
}


std::string PeerMessages::returnHome(const PeerAddress* home)
{
	Poco::JSON::Object message;
	message.set("TASK", "RETURN");
	if (home) message.set("HOME_MASTER", addressOf(*home));
	return toText(message);
}


int PeerMessages::intField(const Poco::JSON::Object& message, const std::string& name, int min, int max)
{
	if (!message.has(name)) throw Poco::InvalidArgumentException("Missing field: " + name);
	Poco::Dynamic::Var value = message.get(name);
	if (!value.isInteger() || value.isBoolean()) throw Poco::InvalidArgumentException("Field " + name + " must be an integer");
	Poco::Int64 number = value.convert<Poco::Int64>();
	if (number < min || number > max) throw Poco::InvalidArgumentException("Field " + name + " out of range");
	return static_cast<int>(number);
}


Poco::JSON::Object::Ptr PeerMessages::addressOf(const PeerAddress& address)
{
	Poco::JSON::Object::Ptr object = new Poco::JSON::Object;
	object->set("ID", address.id);
	object->set("IP", address.host);
	object->set("PORT", address.port);
	return object;
}


} // namespace orchd

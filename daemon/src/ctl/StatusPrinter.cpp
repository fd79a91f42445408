//
// StatusPrinter.cpp
//


#include "ctl/StatusPrinter.h"
#include "ctl/TextTable.h"
#include "Poco/JSON/Array.h"
#include <string>
#include <vector>


namespace orchd {


namespace {


std::string textOf(const Poco::JSON::Object& object, const std::string& key, const std::string& absent = "-")
	/// A field as text, or absent if it is missing or null.
{
	return object.has(key) && !object.isNull(key) ? object.get(key).toString() : absent;
}


std::size_t sizeOf(const Poco::JSON::Object& object, const std::string& key)
{
	Poco::JSON::Array::Ptr array = object.getArray(key);
	return array ? array->size() : 0;
}


void printStore(const Poco::JSON::Object& status, std::ostream& out)
{
	Poco::JSON::Object::Ptr store = status.getObject("store");
	if (!store) return;
	if (store->isNull("id")) out << "store   not checked (no store.connection on this master)\n";
	else out << "store   " << textOf(*store, "id") << " (" << textOf(*store, "connector") << ")\n";
	Poco::JSON::Array::Ptr refusals = store->getArray("refusals");
	if (!refusals || refusals->size() == 0) return;
	out << "\nrefused for their store (latest last)\n";
	TextTable table({"WORKER", "ADDRESS", "STORE_ID", "AGO_MS"});
	for (std::size_t i = 0; i < refusals->size(); ++i)
	{
		Poco::JSON::Object::Ptr r = refusals->getObject(static_cast<unsigned>(i));
		table.addRow({textOf(*r, "worker"), textOf(*r, "address"), textOf(*r, "store_id", "(none sent)"), textOf(*r, "ms_ago")});
	}
	table.print(out);
}


void printWorkers(const Poco::JSON::Object& status, std::ostream& out)
{
	Poco::JSON::Array::Ptr workers = status.getArray("workers");
	TextTable table({"WORKER", "ADDRESS", "STATE", "OWNER", "CREDIT", "IN_FLIGHT", "COMPLETED", "STORE_ID"});
	for (std::size_t i = 0; workers && i < workers->size(); ++i)
	{
		Poco::JSON::Object::Ptr w = workers->getObject(static_cast<unsigned>(i));
		std::string owner = textOf(*w, "owner", "");
		if (w->optValue<bool>("borrowed", false)) owner += " (borrowed)";
		if (w->has("lent_to")) owner += " -> " + textOf(*w, "lent_to");
		table.addRow({textOf(*w, "id"), textOf(*w, "address"), textOf(*w, "state"), owner,
			textOf(*w, "credits") + "/" + textOf(*w, "concurrency"), textOf(*w, "in_flight"), textOf(*w, "completed"), textOf(*w, "store_id")});
	}
	out << "\n";
	table.print(out);
}


void printPeers(const Poco::JSON::Object& status, std::ostream& out)
{
	Poco::JSON::Array::Ptr peers = status.getArray("peers");
	if (!peers || peers->size() == 0) return;
	TextTable table({"PEER", "ADDRESS", "STATE", "HEARD_MS", "QUEUE", "WORKERS", "LENT_TO_IT", "HOSTED_FROM_IT", "STORE_ID"});
	for (std::size_t i = 0; i < peers->size(); ++i)
	{
		Poco::JSON::Object::Ptr p = peers->getObject(static_cast<unsigned>(i));
		Poco::JSON::Object::Ptr load = p->getObject("load");
		std::string store = textOf(*p, "store_id");
		if (p->has("store_matches") && !p->isNull("store_matches"))
			store += p->getValue<bool>("store_matches") ? " (same as ours)" : " (NOT ours: no loans)";
		table.addRow({textOf(*p, "id"), textOf(*p, "address"), textOf(*p, "state"), textOf(*p, "last_heartbeat_ms"),
			load ? textOf(*load, "queue") : "-", load ? textOf(*load, "workers") : "-",
			std::to_string(sizeOf(*p, "lent_to_it")), std::to_string(sizeOf(*p, "hosted_from_it")), store});
	}
	out << "\n";
	table.print(out);
}


} // namespace


void StatusPrinter::print(const Poco::JSON::Object& status, std::ostream& out)
{
	Poco::JSON::Object::Ptr queue = status.getObject("queue");
	out << textOf(status, "role") << " " << textOf(status, "id") << "   up " << status.optValue<Poco::Int64>("uptime_ms", 0) / 1000
	    << " s   clients " << textOf(status, "clients") << "\n";
	if (queue)
		out << "queue   " << textOf(*queue, "depth") << " waiting of " << textOf(*queue, "capacity") << ", " << textOf(*queue, "in_flight") << " in flight\n";
	printStore(status, out);
	printWorkers(status, out);
	printPeers(status, out);
	for (const char* section: {"counters", "loans"})
	{
		Poco::JSON::Object::Ptr counters = status.getObject(section);
		if (!counters) continue;
		out << "\n" << section;
		std::vector<std::string> names;
		counters->getNames(names);
		for (const auto& name: names) out << "  " << name << "=" << counters->get(name).toString();
		out << "\n";
	}
}


} // namespace orchd

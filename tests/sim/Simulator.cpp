//
// Simulator.cpp
//
// A deterministic simulation of a federation: the real Dispatcher,
// Federation and LoanBook of three masters, with simulated workers and
// clients that speak the wire protocol, over a simulated network (delays,
// connection breaks, partitions that hold then break connections, failed
// dials) and one virtual clock, all drawn from one seed. Invariants are
// checked as it runs and at the end:
//
//   1. no request is answered twice, and every answer is its own request's;
//   2. after the faults stop (20 s) and the load drains (to 45 s), every request sent on a
//      connection that stayed open has been answered (OK, or NOK saying why);
//   3. every worker a master holds names its real home as owner, and at the
//      end each worker is connected to exactly one master: its home (every
//      loan returned);
//   4. no master declares a peer DEAD unless the two were cut off from each
//      other within the last dead-after interval.
//
//   orchd_sim --seeds=1-2000 [--budget-s=60]   many seeds; exit 1 on the first failure
//   orchd_sim --seed=N --trace                 one seed, printing every event
//
// A failing seed prints its violation and the last events of its trace;
// the same seed replays the same run exactly.
//


#include "json/JsonObject.h"
#include "master/Dispatcher.h"
#include "master/Federation.h"
#include "master/LoanBook.h"
#include "net/ConnectionDirectory.h"
#include "net/MonotonicClock.h"
#include "plugin/PluginHost.h"
#include "plugin/TaskRunner.h"
#include "Poco/AutoPtr.h"
#include "Poco/Logger.h"
#include "Poco/Channel.h"
#include "Poco/Message.h"
#include <chrono>
#include <cstdio>
#include <deque>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <queue>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>


using namespace orchd;


namespace {


const std::int64_t MS = 1000;
const std::int64_t S = 1000000;


struct Violation: std::runtime_error
{
	using std::runtime_error::runtime_error;
};


class World: public TimeSource
	/// Virtual time, the event queue and the seed's random numbers.
{
public:
	World(std::uint64_t seed, bool trace): random(seed), _trace(trace)
	{
	}

	std::int64_t now() const override
	{
		return _now;
	}

	void at(std::int64_t when, std::function<void()> fn)
	{
		_events.push(Event{std::max(when, _now), _seq++, std::move(fn)});
	}

	void after(std::int64_t delay, std::function<void()> fn)
	{
		at(_now + delay, std::move(fn));
	}

	void runUntil(std::int64_t until)
	{
		while (!_events.empty() && _events.top().at <= until)
		{
			Event event = _events.top();
			_events.pop();
			_now = event.at;
			event.fn();
		}
		_now = until;
	}

	std::int64_t between(std::int64_t low, std::int64_t high)
	{
		return std::uniform_int_distribution<std::int64_t>(low, high)(random);
	}

	bool chance(double p)
	{
		return std::uniform_real_distribution<double>(0, 1)(random) < p;
	}

	void log(const std::string& line)
	{
		std::string stamped = std::to_string(_now / MS) + "ms " + line;
		if (_trace) std::cout << stamped << "\n";
		_recent.push_back(stamped);
		if (_recent.size() > 200) _recent.pop_front();
	}

	const std::deque<std::string>& recent() const
	{
		return _recent;
	}

	std::mt19937_64 random;

private:
	struct Event
	{
		std::int64_t at;
		std::uint64_t seq;
		std::function<void()> fn;
		bool operator < (const Event& other) const
		{
			return at != other.at ? at > other.at : seq > other.seq;
		}
	};

	std::int64_t _now = 0;
	std::uint64_t _seq = 0;
	std::priority_queue<Event> _events;
	bool _trace;
	std::deque<std::string> _recent;
};


World* currentWorld = nullptr;


class TraceChannel: public Poco::Channel
	/// The masters' log lines, in the running seed's trace.
{
public:
	void log(const Poco::Message& message) override
	{
		if (currentWorld) currentWorld->log("[" + message.getSource() + "] " + message.getText());
	}
};


class Network;


struct Actor
	/// A simulated worker or client: the far end of connections to masters.
{
	virtual ~Actor() = default;
	virtual void receive(std::uint64_t conn, const std::string& text) = 0;
	virtual void closed(std::uint64_t conn, const std::string& reason) = 0;
};


struct Connection
{
	std::uint64_t id = 0;
	std::string masterHost;           // the master's end
	std::string otherHost;            // the actor's host, or the other master's
	ConnectionHandler* handler = nullptr;  // the master end's handler
	Actor* actor = nullptr;           // the far end, if an actor
	std::uint64_t peerConn = 0;       // the far end, if another master: its connection id there
	Link link;
	bool open = true;
	bool masterNotified = false;      // handler->onClose() called
	std::int64_t lastToMaster = 0;    // deliveries stay in order on each direction
	std::int64_t lastToOther = 0;
};


class Network
	/// Connections between hosts, with delays, breaks and partitions.
{
public:
	explicit Network(World& world): _world(world)
	{
	}

	bool reachable(const std::string& a, const std::string& b) const
	{
		auto it = _cutUntil.find(key(a, b));
		return a == b || it == _cutUntil.end() || it->second <= _world.now();
	}

	void cut(const std::string& a, const std::string& b, std::int64_t duration)
		/// Overlapping cuts of one path last until the later one heals.
	{
		std::int64_t& until = _cutUntil[key(a, b)];
		until = std::max(until, _world.now() + duration);
		_world.log("partition " + a + " | " + b + " until " + std::to_string(until / MS) + " ms");
	}

	bool cutWithin(const std::string& a, const std::string& b, std::int64_t window) const
		/// Were a and b cut off from each other at any time in the last window?
	{
		auto it = _cutUntil.find(key(a, b));
		return it != _cutUntil.end() && it->second >= _world.now() - window;
	}

	Connection& open(const std::string& masterHost, const std::string& otherHost, ConnectionHandler& handler, Link::Kind kind, const std::string& tag)
	{
		auto conn = std::make_unique<Connection>();
		conn->id = ++_nextId;
		conn->masterHost = masterHost;
		conn->otherHost = otherHost;
		conn->handler = &handler;
		conn->link.id = conn->id;
		conn->link.kind = kind;
		conn->link.peerAddress = otherHost + ":" + std::to_string(conn->id);
		conn->link.tag = tag;
		Connection& ref = *conn;
		_conns[ref.id] = std::move(conn);
		return ref;
	}

	Connection* find(std::uint64_t id)
	{
		auto it = _conns.find(id);
		return it == _conns.end() ? nullptr : it->second.get();
	}

	void toMaster(std::uint64_t id, const std::string& text)
	{
		Connection* conn = find(id);
		if (!conn || !conn->open) return;
		deliver(id, true, text, _world.now());
	}

	void toOther(std::uint64_t id, const std::string& text)
	{
		Connection* conn = find(id);
		if (!conn || !conn->open) return;
		deliver(id, false, text, _world.now());
	}

	void closeGracefully(std::uint64_t id, const std::string& reason)
		/// Ends the connection once what was sent on it has arrived, as a
		/// close frame follows the data.
	{
		Connection* conn = find(id);
		if (!conn || !conn->open) return;
		std::int64_t when = std::max({_world.now(), conn->lastToMaster, conn->lastToOther}) + 1;
		_world.at(when, [this, id, reason] { breakConnection(id, reason); });
	}

	void breakConnection(std::uint64_t id, const std::string& reason)
		/// Both ends see the connection end (a reset, a close, a timeout).
	{
		Connection* conn = find(id);
		if (!conn || !conn->open) return;
		conn->open = false;
		_world.log("conn " + std::to_string(id) + " (" + conn->masterHost + "-" + conn->otherHost + ") ends: " + reason);
		_world.after(_world.between(0, 2 * MS), [this, id, reason]
		{
			Connection* c = find(id);
			if (!c || c->masterNotified) return;
			c->masterNotified = true;
			c->handler->onClose(c->link, reason);
			if (c->actor) c->actor->closed(id, reason);
			if (c->peerConn) breakConnection(c->peerConn, reason);
		});
	}

	std::vector<std::uint64_t> openIds() const
	{
		std::vector<std::uint64_t> ids;
		for (const auto& entry: _conns)
		{
			if (entry.second->open) ids.push_back(entry.first);
		}
		return ids;
	}

	static const std::int64_t TCP_TIMEOUT = 8 * S;  // a connection whose bytes wait this long breaks

private:
	static std::string key(const std::string& a, const std::string& b)
	{
		return a < b ? a + "|" + b : b + "|" + a;
	}

	void deliver(std::uint64_t id, bool toMasterSide, const std::string& text, std::int64_t sent)
	{
		Connection* conn = find(id);
		std::int64_t& last = toMasterSide ? conn->lastToMaster : conn->lastToOther;
		std::int64_t when = std::max(last, _world.now() + _world.between(50, 3 * MS));
		last = when;
		_world.at(when, [this, id, toMasterSide, text, sent] { arrive(id, toMasterSide, text, sent); });
	}

	void arrive(std::uint64_t id, bool toMasterSide, const std::string& text, std::int64_t sent)
	{
		Connection* conn = find(id);
		if (!conn || !conn->open) return;
		if (!reachable(conn->masterHost, conn->otherHost))
		{
			// TCP retransmits while the path is cut; a long cut breaks it.
			if (_world.now() - sent > TCP_TIMEOUT) breakConnection(id, "timed out (partition)");
			else _world.after(200 * MS, [this, id, toMasterSide, text, sent] { arrive(id, toMasterSide, text, sent); });
			return;
		}
		if (toMasterSide) conn->handler->onMessage(conn->link, text);
		else if (conn->actor) conn->actor->receive(id, text);
		else if (conn->peerConn)
		{
			Connection* far = find(conn->peerConn);
			if (far && far->open) far->handler->onMessage(far->link, text);
		}
	}

	World& _world;
	std::map<std::uint64_t, std::unique_ptr<Connection>> _conns;
	std::map<std::string, std::int64_t> _cutUntil;  // path -> when its cut heals
	std::uint64_t _nextId = 0;
};


class MasterDirectory: public ConnectionDirectory
	/// One master's view of the network, as the event loop gives it.
{
public:
	explicit MasterDirectory(Network& network): _network(network)
	{
	}

	bool send(std::uint64_t id, const std::string& text) override
	{
		Connection* conn = _network.find(id);
		if (!conn || !conn->open) return false;
		_network.toOther(id, text);
		return true;
	}

	void close(std::uint64_t id, std::uint16_t, const std::string& reason) override
	{
		_network.closeGracefully(id, "closed by the master: " + reason);
	}

	void drop(std::uint64_t id, const std::string& reason) override
	{
		_network.breakConnection(id, "dropped by the master: " + reason);
	}

	bool alive(std::uint64_t id) const override
	{
		Connection* conn = _network.find(id);
		return conn && conn->open;
	}

private:
	Network& _network;
};


struct Master
{
	Master(World& world, Network& network, const TaskRunner& runner, const std::string& id, const std::vector<std::string>& all, Poco::Logger& logger):
		id(id),
		directory(network),
		dispatcher(directory, world, runner, loans, dispatchOptions(id), logger),
		federation(directory, world, dispatcher, loans, federationOptions(id, all), logger)
	{
		targets = federation.dialTargets();
	}

	static DispatchOptions dispatchOptions(const std::string& id)
	{
		DispatchOptions options;
		options.masterId = id;
		options.queueCapacity = 400;
		options.taskTimeout = Poco::Timespan(2, 0);
		options.maxAttempts = 5;
		return options;
	}

	static FederationOptions federationOptions(const std::string& id, const std::vector<std::string>& all)
	{
		FederationOptions options;
		options.selfId = id;
		options.self = PeerAddress{id, id, 7400};
		for (const auto& other: all)
		{
			if (other != id) options.peers.push_back(PeerAddress{other, other, 7400});
		}
		options.maxQueue = 20;
		options.minQueue = 4;
		options.maxBorrow = 3;
		options.minWorkers = 1;
		return options;
	}

	std::string id;
	MasterDirectory directory;
	LoanBook loans;
	Dispatcher dispatcher;
	Federation federation;
	std::vector<DialTarget> targets;
};


class Simulation;


class SimWorker: public Actor
	/// A worker as the protocol describes it: ALIVE with its home as owner,
	/// answers each task after a while, obeys REDIRECT and RETURN once its
	/// tasks are answered, and goes home when its connection ends.
{
public:
	SimWorker(Simulation& sim, const std::string& uuid, const std::string& home, int concurrency):
		uuid(uuid), home(home), _sim(sim), _concurrency(concurrency)
	{
	}

	void start();
	void receive(std::uint64_t conn, const std::string& text) override;
	void closed(std::uint64_t conn, const std::string& reason) override;

	std::string uuid;
	std::string home;
	std::string at;          // the master it is connected (or connecting) to
	std::uint64_t conn = 0;

private:
	void connect(const std::string& master);
	void leaveIfDone();

	Simulation& _sim;
	int _concurrency;
	int _inflight = 0;
	std::string _moveTo;     // after REDIRECT or RETURN: where to go once idle
};


class SimClient: public Actor
	/// A client on its master's host: sends ECHO tasks tagged with
	/// REQUEST_ID, and checks what comes back.
{
public:
	SimClient(Simulation& sim, const std::string& master): master(master), _sim(sim)
	{
	}

	void connect();
	void send();
	void receive(std::uint64_t conn, const std::string& text) override;
	void closed(std::uint64_t conn, const std::string& reason) override;
	void checkAllAnswered() const;

	std::string master;
	std::uint64_t conn = 0;
	int answered = 0;
	int busy = 0;
	int failed = 0;

private:
	Simulation& _sim;
	int _next = 0;
	std::map<int, std::uint64_t> _outstanding;  // REQUEST_ID -> connection it was sent on
	std::set<int> _answered;
};


class Simulation
{
public:
	Simulation(std::uint64_t seed, bool trace, const TaskRunner& runner):
		world(seed, trace), network(world)
	{
		std::vector<std::string> ids = {"m1", "m2", "m3"};
		for (const auto& id: ids) masters[id] = std::make_unique<Master>(world, network, runner, id, ids, Poco::Logger::get("sim." + id));
		// m1 is small and busy; m2 and m3 have workers to lend.
		int workersOf[] = {1, 3, 2};
		for (std::size_t m = 0; m < ids.size(); ++m)
		{
			for (int w = 0; w < workersOf[m]; ++w)
				workers.push_back(std::make_unique<SimWorker>(*this, ids[m] + "-w" + std::to_string(w + 1), ids[m], static_cast<int>(world.between(1, 4))));
		}
		for (const auto& id: ids) clients.push_back(std::make_unique<SimClient>(*this, id));
	}

	Master& master(const std::string& id)
	{
		return *masters.at(id);
	}

	void run()
	{
		const std::int64_t loadEnd = 20 * S, faultEnd = 20 * S, end = 45 * S;
		for (auto& w: workers) world.after(world.between(0, 200 * MS), [&w] { w->start(); });
		for (auto& c: clients) world.after(0, [&c] { c->connect(); });
		every(50 * MS, end, [this] { for (auto& m: masters) m.second->dispatcher.checkLeases(); });
		every(100 * MS, end, [this] { for (auto& m: masters) m.second->federation.tick(); });
		every(1 * S, end, [this] { dial(); });
		every(250 * MS, end, [this] { check(); });
		// Load: m1's client floods (m1 borrows), the others trickle.
		every(8 * MS, loadEnd, [this] { clients[0]->send(); });
		every(100 * MS, loadEnd, [this] { clients[1]->send(); clients[2]->send(); });
		// Faults, until faultEnd.
		std::int64_t t = world.between(2 * S, 5 * S);
		while (t < faultEnd)
		{
			world.at(t, [this] { fault(); });
			t += world.between(1 * S, 6 * S);
		}
		world.runUntil(end);
		finalChecks();
	}

	void fail(const std::string& what)
	{
		throw Violation("at " + std::to_string(world.now() / MS) + " ms: " + what);
	}

	World world;
	Network network;
	std::map<std::string, std::unique_ptr<Master>> masters;
	std::vector<std::unique_ptr<SimWorker>> workers;
	std::vector<std::unique_ptr<SimClient>> clients;

private:
	void every(std::int64_t interval, std::int64_t until, std::function<void()> fn)
		/// A timer: its function is kept here, and each run schedules the
		/// next through a plain pointer (no reference cycle).
	{
		_timers.push_back(std::make_unique<std::function<void()>>());
		std::function<void()>* tick = _timers.back().get();
		*tick = [this, interval, until, fn, tick]
		{
			fn();
			if (world.now() + interval <= until) world.after(interval, *tick);
		};
		world.after(interval, *tick);
	}

	void dial()
		/// What PeerDialer does: dial each target whose link is down.
	{
		for (auto& entry: masters)
		{
			Master& from = *entry.second;
			for (auto& target: from.targets)
			{
				if (target.linked->load()) continue;
				const std::string& to = target.address.id;
				if (!network.reachable(from.id, to)) continue;  // the connect times out
				Master& other = master(to);
				Connection& out = network.open(from.id, to, from.federation, Link::PEER, to);
				Connection& in = network.open(to, from.id, other.federation, Link::PEER, std::string());
				out.peerConn = in.id;
				in.peerConn = out.id;
				target.linked->store(true);
				world.log(from.id + " dials " + to + " (conn " + std::to_string(out.id) + "/" + std::to_string(in.id) + ")");
				other.federation.onOpen(in.link);
				from.federation.onOpen(out.link);
			}
		}
	}

	void fault()
	{
		std::vector<std::string> ids = {"m1", "m2", "m3"};
		int kind = static_cast<int>(world.between(0, 3));
		if (kind == 0)
		{
			// Cut two masters apart.
			std::string a = ids[world.between(0, 2)], b = ids[world.between(0, 2)];
			if (a != b) network.cut(a, b, world.between(1 * S, 12 * S));
		}
		else if (kind == 1)
		{
			// Cut a worker off whatever master it is on.
			SimWorker& w = *workers[world.between(0, static_cast<std::int64_t>(workers.size()) - 1)];
			if (!w.at.empty()) network.cut(w.uuid, w.at, world.between(1 * S, 10 * S));
		}
		else
		{
			// Reset a random connection.
			std::vector<std::uint64_t> ids2 = network.openIds();
			if (!ids2.empty()) network.breakConnection(ids2[world.between(0, static_cast<std::int64_t>(ids2.size()) - 1)], "reset");
		}
	}

	void check()
	{
		// 3: owners are real homes.
		std::map<std::string, std::string> homeOf;
		for (const auto& w: workers) homeOf[w->uuid] = w->home;
		for (auto& entry: masters)
		{
			Poco::JSON::Array::Ptr list = entry.second->dispatcher.status()->getArray("workers");
			for (std::size_t i = 0; i < list->size(); ++i)
			{
				Poco::JSON::Object::Ptr w = list->getObject(static_cast<unsigned>(i));
				std::string uuid = w->getValue<std::string>("id");
				std::string owner = w->getValue<std::string>("owner");
				if (homeOf.count(uuid) && homeOf[uuid] != owner)
					fail(entry.first + " holds " + uuid + " as owned by " + owner + ", its home is " + homeOf[uuid]);
			}
			// 4: no DEAD without a cut.
			Poco::JSON::Array::Ptr peers = entry.second->federation.peersStatus();
			for (std::size_t i = 0; i < peers->size(); ++i)
			{
				Poco::JSON::Object::Ptr p = peers->getObject(static_cast<unsigned>(i));
				std::string peer = p->getValue<std::string>("id");
				if (p->getValue<std::string>("state") == "DEAD" && !network.cutWithin(entry.first, peer, 12 * S))  // a reset alone is redialled within a second, inside dead-after
					fail(entry.first + " declares " + peer + " DEAD with no cut between them in the last 12 s");
			}
		}
	}

	void finalChecks()
	{
		for (const auto& c: clients) c->checkAllAnswered();
		std::map<std::string, std::vector<std::string>> where;
		for (auto& entry: masters)
		{
			Poco::JSON::Array::Ptr list = entry.second->dispatcher.status()->getArray("workers");
			for (std::size_t i = 0; i < list->size(); ++i)
				where[list->getObject(static_cast<unsigned>(i))->getValue<std::string>("id")].push_back(entry.first);
		}
		for (const auto& w: workers)
		{
			const auto& at = where[w->uuid];
			if (at.size() != 1) fail(w->uuid + " is connected to " + std::to_string(at.size()) + " masters at the end");
			if (at[0] != w->home) fail(w->uuid + " is still on " + at[0] + " at the end (its home is " + w->home + "): a loan did not return");
		}
	}

	std::vector<std::unique_ptr<std::function<void()>>> _timers;
};


void SimWorker::start()
{
	connect(home);
}


void SimWorker::connect(const std::string& master)
{
	if (!_sim.network.reachable(uuid, master))
	{
		// The connect times out; try again (home first, as orchd does).
		_sim.world.after(1 * S, [this] { connect(home); });
		return;
	}
	at = master;
	_inflight = 0;
	_moveTo.clear();
	Master& m = _sim.master(master);
	Connection& c = _sim.network.open(master, uuid, m.dispatcher, Link::WORKER, std::string());
	c.actor = this;
	conn = c.id;
	_sim.world.log(uuid + " connects to " + master + " (conn " + std::to_string(conn) + ")");
	m.dispatcher.onOpen(c.link);
	_sim.network.toMaster(conn, "{\"WORKER\":\"ALIVE\",\"WORKER_UUID\":\"" + uuid + "\",\"TASKS\":[\"ECHO\"],\"CONCURRENCY\":" +
		std::to_string(_concurrency) + ",\"SERVER_UUID\":\"" + home + "\"}");
}


void SimWorker::receive(std::uint64_t from, const std::string& text)
{
	if (from != conn) return;
	Poco::JSON::Object::Ptr message = parseObject(text);
	std::string task = message->optValue<std::string>("TASK", "");
	if (task == "REDIRECT" || task == "RETURN")
	{
		_moveTo = task == "REDIRECT" ? message->getObject("TARGET_MASTER")->getValue<std::string>("ID") : home;
		_sim.world.log(uuid + " told " + task + " to " + _moveTo + " by " + at);
		leaveIfDone();
		return;
	}
	if (task == "CANCEL") return;  // it answers anyway; the master discards it
	std::string id = message->getValue<std::string>("TASK_ID");
	int attempt = message->getValue<int>("ATTEMPT");
	std::string payload = toText(message->get("PAYLOAD"));
	++_inflight;
	std::uint64_t on = conn;
	_sim.world.after(_sim.world.between(1 * MS, 40 * MS), [this, on, id, attempt, payload]
	{
		if (on != conn) return;  // that connection is gone: its task is re-queued
		--_inflight;
		_sim.network.toMaster(conn, "{\"STATUS\":\"OK\",\"TASK\":\"ECHO\",\"TASK_ID\":\"" + id + "\",\"ATTEMPT\":" + std::to_string(attempt) + ",\"PAYLOAD\":" + payload + "}");
		leaveIfDone();
	});
}


void SimWorker::leaveIfDone()
{
	if (_moveTo.empty() || _inflight > 0) return;
	std::string target = _moveTo;
	std::uint64_t old = conn;
	conn = 0;
	at.clear();
	// The results went out first (same connection, in order); then it leaves.
	_sim.network.closeGracefully(old, "the worker leaves for " + target);
	_sim.world.after(5 * MS, [this, target] { connect(target); });
}


void SimWorker::closed(std::uint64_t which, const std::string&)
{
	if (which != conn) return;
	conn = 0;
	at.clear();
	_sim.world.after(_sim.world.between(100 * MS, 1 * S), [this] { if (!conn) connect(home); });
}


void SimClient::connect()
{
	Master& m = _sim.master(master);
	Connection& c = _sim.network.open(master, master + "-client", m.dispatcher, Link::CLIENT, std::string());
	c.actor = this;
	conn = c.id;
	m.dispatcher.onOpen(c.link);
}


void SimClient::send()
{
	if (!conn) return;
	int id = ++_next;
	_outstanding[id] = conn;
	_sim.network.toMaster(conn, "{\"TASK\":\"ECHO\",\"REQUEST_ID\":" + std::to_string(id) + ",\"PAYLOAD\":" + std::to_string(id * 7) + "}");
}


void SimClient::receive(std::uint64_t, const std::string& text)
{
	Poco::JSON::Object::Ptr answer = parseObject(text);
	int id = answer->getValue<int>("REQUEST_ID");
	if (!_answered.insert(id).second) _sim.fail("request " + std::to_string(id) + " to " + master + " answered twice: " + text);
	if (!_outstanding.erase(id)) _sim.fail("an answer to request " + std::to_string(id) + " that " + master + "'s client never sent: " + text);
	std::string status = answer->getValue<std::string>("STATUS");
	if (status == "OK")
	{
		if (answer->getValue<int>("PAYLOAD") != id * 7) _sim.fail("request " + std::to_string(id) + " answered with another request's payload: " + text);
		++answered;
	}
	else if (answer->optValue<std::string>("ERROR", "") == "BUSY") ++busy;
	else ++failed;
}


void SimClient::closed(std::uint64_t which, const std::string&)
{
	if (which != conn) return;
	// Its requests' answers are lost with the connection (the protocol
	// says so); it reconnects.
	for (auto it = _outstanding.begin(); it != _outstanding.end();)
		it = it->second == which ? _outstanding.erase(it) : std::next(it);
	conn = 0;
	_sim.world.after(100 * MS, [this] { connect(); });
}


void SimClient::checkAllAnswered() const
{
	if (!_outstanding.empty())
		_sim.fail(std::to_string(_outstanding.size()) + " requests to " + master + " never answered (first: " + std::to_string(_outstanding.begin()->first) + ")");
}


struct Outcome
{
	bool ok = true;
	std::string violation;
	int answered = 0, busy = 0, failed = 0;
	std::deque<std::string> trace;
};


Outcome runSeed(std::uint64_t seed, bool trace, const TaskRunner& runner)
{
	Outcome outcome;
	Simulation sim(seed, trace, runner);
	currentWorld = &sim.world;
	try
	{
		sim.run();
	}
	catch (Violation& v)
	{
		outcome.ok = false;
		outcome.violation = v.what();
		outcome.trace = sim.world.recent();
	}
	currentWorld = nullptr;
	for (const auto& c: sim.clients)
	{
		outcome.answered += c->answered;
		outcome.busy += c->busy;
		outcome.failed += c->failed;
	}
	return outcome;
}


} // namespace


int main(int argc, char** argv)
{
	std::uint64_t first = 1, last = 200;
	double budget = 0;
	bool trace = false;
	std::string plugins = ORCHD_SIM_PLUGINS_DIR;
	for (int i = 1; i < argc; ++i)
	{
		std::string arg = argv[i];
		if (arg.rfind("--seeds=", 0) == 0)
		{
			std::string range = arg.substr(8);
			std::size_t dash = range.find('-');
			first = std::stoull(range.substr(0, dash));
			last = dash == std::string::npos ? first : std::stoull(range.substr(dash + 1));
		}
		else if (arg.rfind("--seed=", 0) == 0) first = last = std::stoull(arg.substr(7));
		else if (arg.rfind("--budget-s=", 0) == 0) budget = std::stod(arg.substr(11));
		else if (arg == "--trace") trace = true;
		else
		{
			std::cerr << "usage: orchd_sim [--seeds=A-B | --seed=N] [--budget-s=S] [--trace]\n";
			return 2;
		}
	}
	Poco::Logger& logger = Poco::Logger::get("sim");
	Poco::AutoPtr<TraceChannel> channel(new TraceChannel);
	logger.setChannel(channel);
	logger.setLevel(Poco::Message::PRIO_INFORMATION);
	PluginHost host(logger);
	host.loadFolder(plugins);
	TaskRunner runner(host, nullptr, logger);
	auto start = std::chrono::steady_clock::now();
	std::uint64_t ran = 0;
	long answered = 0, busy = 0, failed = 0;
	for (std::uint64_t seed = first; seed <= last; ++seed)
	{
		Outcome outcome = runSeed(seed, trace, runner);
		++ran;
		answered += outcome.answered;
		busy += outcome.busy;
		failed += outcome.failed;
		if (!outcome.ok)
		{
			std::cout << "seed " << seed << ": VIOLATION: " << outcome.violation << "\nlast events:\n";
			for (const auto& line: outcome.trace) std::cout << "  " << line << "\n";
			std::cout << "replay: orchd_sim --seed=" << seed << " --trace\n";
			return 1;
		}
		double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
		if (budget > 0 && elapsed > budget && seed < last)
		{
			std::cout << "time budget of " << budget << " s reached\n";
			break;
		}
	}
	double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
	std::printf("orchd_sim: %llu seeds (%llu-%llu), 45 s of virtual time each, no violation; %ld tasks answered OK, %ld BUSY, %ld failed explicitly; %.1f s\n",
		static_cast<unsigned long long>(ran), static_cast<unsigned long long>(first), static_cast<unsigned long long>(first + ran - 1), answered, busy, failed, elapsed);
	return 0;
}

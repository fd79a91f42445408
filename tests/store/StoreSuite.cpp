//
// StoreSuite.cpp
//


#include "store/StoreSuite.h"
#include "orchd/Money.h"
#include "Poco/Data/DataException.h"
#include <atomic>
#include <thread>
#include <vector>


namespace orchd {
namespace test {


void StoreSuite::setUp()
{
	clean();
	_store = openStore();
}


void StoreSuite::tearDown()
{
	_store.reset();
}


std::unique_ptr<AccountDatabase> StoreSuite::openStore()
{
	return AccountDatabase::connect(options());
}


void StoreSuite::testExactCents()
{
	Poco::Int64 max = Money::MAX_CENTS;
	CPPUNIT_ASSERT(_store->open("o1", "rich", max - 1).ok());
	CPPUNIT_ASSERT_EQUAL(max - 1, _store->query("rich").balance);
	AccountResult up = _store->update("u1", "rich", 1);
	CPPUNIT_ASSERT(up.ok());
	CPPUNIT_ASSERT_EQUAL(max, up.balance);
	CPPUNIT_ASSERT_EQUAL(AccountResult::LIMIT_EXCEEDED, _store->update("u2", "rich", 1).outcome);
	CPPUNIT_ASSERT_EQUAL(max - Poco::Int64(123456789012345), _store->update("u3", "rich", -Poco::Int64(123456789012345)).balance);
	CPPUNIT_ASSERT_EQUAL(max - Poco::Int64(123456789012345), _store->totalBalance());
	CPPUNIT_ASSERT_EQUAL(AccountResult::NOT_FOUND, _store->query("nobody").outcome);
	CPPUNIT_ASSERT_EQUAL(AccountResult::ALREADY_EXISTS, _store->open("o2", "rich", 5).outcome);
	// Names are compared as bytes: case and accents matter.
	CPPUNIT_ASSERT(_store->open("o3", "Rich", 7).ok());
	CPPUNIT_ASSERT(_store->open("o4", "r\xc3\xa9sum\xc3\xa9", 8).ok());
	CPPUNIT_ASSERT_EQUAL(Poco::Int64(8), _store->query("r\xc3\xa9sum\xc3\xa9").balance);
	CPPUNIT_ASSERT_EQUAL(Poco::Int64(7), _store->query("Rich").balance);
}


void StoreSuite::testReplayAndKeyConflict()
{
	CPPUNIT_ASSERT(_store->open("k-open", "alice", 1000).ok());
	AccountResult first = _store->update("k1", "alice", 250);
	CPPUNIT_ASSERT(first.ok() && !first.replayed);
	CPPUNIT_ASSERT_EQUAL(Poco::Int64(1250), first.balance);
	AccountResult again = _store->update("k1", "alice", 250);
	CPPUNIT_ASSERT(again.ok() && again.replayed);
	CPPUNIT_ASSERT_EQUAL(Poco::Int64(1250), again.balance);
	CPPUNIT_ASSERT_EQUAL(AccountResult::KEY_CONFLICT, _store->update("k1", "alice", 251).outcome);
	CPPUNIT_ASSERT_EQUAL(AccountResult::KEY_CONFLICT, _store->transfer("k1", "alice", "bob", 1).outcome);
	CPPUNIT_ASSERT_EQUAL(Poco::Int64(1250), _store->query("alice").balance);
	// A replayed OPEN does not say ALREADY_EXISTS.
	AccountResult reopen = _store->open("k-open", "alice", 1000);
	CPPUNIT_ASSERT(reopen.ok() && reopen.replayed);
}


void StoreSuite::testRefusalsRecorded()
{
	CPPUNIT_ASSERT(_store->open("o", "carol", 100).ok());
	CPPUNIT_ASSERT_EQUAL(AccountResult::INSUFFICIENT_FUNDS, _store->update("r1", "carol", -500).outcome);
	CPPUNIT_ASSERT(_store->update("r2", "carol", 1000).ok());
	// The retry sees the first answer, not a new attempt.
	AccountResult retry = _store->update("r1", "carol", -500);
	CPPUNIT_ASSERT_EQUAL(AccountResult::INSUFFICIENT_FUNDS, retry.outcome);
	CPPUNIT_ASSERT(retry.replayed);
	CPPUNIT_ASSERT_EQUAL(Poco::Int64(1100), _store->query("carol").balance);
	AccountResult missing = _store->update("r3", "dave", 5);
	CPPUNIT_ASSERT_EQUAL(AccountResult::NOT_FOUND, missing.outcome);
	CPPUNIT_ASSERT_EQUAL(std::string("dave"), missing.missing);
	CPPUNIT_ASSERT(_store->open("o-dave", "dave", 0).ok());
	AccountResult stillMissing = _store->update("r3", "dave", 5);
	CPPUNIT_ASSERT_EQUAL(AccountResult::NOT_FOUND, stillMissing.outcome);
	CPPUNIT_ASSERT_EQUAL(std::string("dave"), stillMissing.missing);
}


void StoreSuite::testTransfer()
{
	CPPUNIT_ASSERT(_store->open("o1", "a", 500).ok());
	CPPUNIT_ASSERT(_store->open("o2", "b", 0).ok());
	AccountResult missing = _store->transfer("t0", "a", "zed", 10);
	CPPUNIT_ASSERT_EQUAL(AccountResult::NOT_FOUND, missing.outcome);
	CPPUNIT_ASSERT_EQUAL(std::string("zed"), missing.missing);
	CPPUNIT_ASSERT_EQUAL(Poco::Int64(0), _store->query("b").balance);
	CPPUNIT_ASSERT_EQUAL(AccountResult::SAME_ACCOUNT, _store->transfer("t1", "a", "a", 10).outcome);
	CPPUNIT_ASSERT_EQUAL(AccountResult::INSUFFICIENT_FUNDS, _store->transfer("t2", "a", "b", 501).outcome);
	AccountResult moved = _store->transfer("t3", "a", "b", 200);
	CPPUNIT_ASSERT(moved.ok());
	CPPUNIT_ASSERT_EQUAL(Poco::Int64(300), moved.balance);
	CPPUNIT_ASSERT_EQUAL(Poco::Int64(200), moved.toBalance);
	// From the end with the smaller name, too (the locks go in name order).
	AccountResult back = _store->transfer("t4", "b", "a", 50);
	CPPUNIT_ASSERT_EQUAL(Poco::Int64(150), back.balance);
	CPPUNIT_ASSERT_EQUAL(Poco::Int64(350), back.toBalance);
	CPPUNIT_ASSERT_EQUAL(Poco::Int64(500), _store->totalBalance());
}


void StoreSuite::testClose()
{
	CPPUNIT_ASSERT(_store->open("o1", "gone", 1234).ok());
	CPPUNIT_ASSERT(_store->open("o2", "stays", 10).ok());
	AccountResult closed = _store->close("c1", "gone");
	CPPUNIT_ASSERT(closed.ok() && !closed.replayed);
	CPPUNIT_ASSERT_EQUAL(Poco::Int64(1234), closed.balance);
	CPPUNIT_ASSERT_EQUAL(AccountResult::NOT_FOUND, _store->query("gone").outcome);
	CPPUNIT_ASSERT_EQUAL(Poco::Int64(10), _store->totalBalance());
	// The retry answers the first outcome; another key finds nothing.
	AccountResult again = _store->close("c1", "gone");
	CPPUNIT_ASSERT(again.ok() && again.replayed);
	CPPUNIT_ASSERT_EQUAL(Poco::Int64(1234), again.balance);
	AccountResult missing = _store->close("c2", "gone");
	CPPUNIT_ASSERT_EQUAL(AccountResult::NOT_FOUND, missing.outcome);
	CPPUNIT_ASSERT_EQUAL(std::string("gone"), missing.missing);
	CPPUNIT_ASSERT_EQUAL(AccountResult::KEY_CONFLICT, _store->close("c1", "stays").outcome);
	CPPUNIT_ASSERT_EQUAL(AccountResult::NOT_FOUND, _store->update("u1", "gone", 5).outcome);
	// The name may be opened again, from zero.
	CPPUNIT_ASSERT(_store->open("o3", "gone", 0).ok());
	CPPUNIT_ASSERT_EQUAL(Poco::Int64(0), _store->query("gone").balance);
}


void StoreSuite::testCloseInABatch()
{
	// Writes before the close, the close, and operations after it on the
	// same account, in one commit: each sees the one before.
	CPPUNIT_ASSERT(_store->open("o", "short", 100).ok());
	std::unique_ptr<AccountDatabase> other = openStore();
	std::unique_ptr<AccountBatch> batch = _store->batch();
	CPPUNIT_ASSERT(batch->update("b1", "short", 5).ok());
	CPPUNIT_ASSERT(batch->update("b2", "short", 7).ok());
	AccountResult closed = batch->close("b3", "short");
	CPPUNIT_ASSERT(closed.ok());
	CPPUNIT_ASSERT_EQUAL(Poco::Int64(112), closed.balance);
	CPPUNIT_ASSERT_EQUAL(AccountResult::NOT_FOUND, batch->update("b4", "short", 1).outcome);
	CPPUNIT_ASSERT(batch->open("b5", "short", 3).ok());
	CPPUNIT_ASSERT_EQUAL(Poco::Int64(100), other->query("short").balance);  // nothing visible before the commit
	batch->commit();
	CPPUNIT_ASSERT(batch->failure(0).empty());
	CPPUNIT_ASSERT_EQUAL(Poco::Int64(3), other->query("short").balance);
	CPPUNIT_ASSERT(_store->close("b3", "short").replayed);
	batch.reset();
}


void StoreSuite::testOppositeTransfersConcurrently()
{
	CPPUNIT_ASSERT(_store->open("o1", "x", 100000).ok());
	CPPUNIT_ASSERT(_store->open("o2", "y", 100000).ok());
	const int ROUNDS = 150;
	std::atomic<int> errors{0};
	auto run = [&](const std::string& from, const std::string& to, const std::string& tag)
	{
		for (int i = 0; i < ROUNDS; ++i)
		{
			try
			{
				if (!_store->transfer(tag + std::to_string(i), from, to, 7).ok()) ++errors;
			}
			catch (Poco::Exception&)
			{
				++errors;
			}
		}
	};
	std::thread forth(run, "x", "y", "xy-"), back(run, "y", "x", "yx-");
	forth.join();
	back.join();
	CPPUNIT_ASSERT_EQUAL(0, errors.load());
	CPPUNIT_ASSERT_EQUAL(Poco::Int64(100000), _store->query("x").balance);
	CPPUNIT_ASSERT_EQUAL(Poco::Int64(200000), _store->totalBalance());
}


void StoreSuite::testSameKeyRacingAppliedOnce()
{
	CPPUNIT_ASSERT(_store->open("o", "counter", 0).ok());
	const int KEYS = 40, THREADS = 4;
	std::atomic<int> applied{0}, replayed{0}, errors{0};
	std::vector<std::thread> threads;
	for (int t = 0; t < THREADS; ++t)
	{
		threads.emplace_back([&]
		{
			for (int k = 0; k < KEYS; ++k)
			{
				try
				{
					AccountResult result = _store->update("same-" + std::to_string(k), "counter", 1);
					if (!result.ok()) ++errors;
					else if (result.replayed) ++replayed;
					else ++applied;
				}
				catch (Poco::Exception&)
				{
					++errors;
				}
			}
		});
	}
	for (auto& thread: threads) thread.join();
	CPPUNIT_ASSERT_EQUAL(0, errors.load());
	CPPUNIT_ASSERT_EQUAL(KEYS, applied.load());
	CPPUNIT_ASSERT_EQUAL(KEYS * (THREADS - 1), replayed.load());
	CPPUNIT_ASSERT_EQUAL(Poco::Int64(KEYS), _store->query("counter").balance);
}


void StoreSuite::testBatchCommitsTogether()
{
	CPPUNIT_ASSERT(_store->open("o", "batched", 0).ok());
	std::unique_ptr<AccountDatabase> other = openStore();
	std::unique_ptr<AccountBatch> batch = _store->batch();
	for (int i = 0; i < 20; ++i) CPPUNIT_ASSERT(batch->update("b" + std::to_string(i), "batched", 5).ok());
	CPPUNIT_ASSERT_EQUAL(AccountResult::INSUFFICIENT_FUNDS, batch->update("b-over", "batched", -1000).outcome);
	CPPUNIT_ASSERT_EQUAL(std::size_t(21), batch->pending());
	// Not visible before the commit, from another connection.
	CPPUNIT_ASSERT_EQUAL(Poco::Int64(0), other->query("batched").balance);
	batch->commit();
	CPPUNIT_ASSERT_EQUAL(std::size_t(0), batch->pending());
	CPPUNIT_ASSERT(batch->failure(0).empty());
	CPPUNIT_ASSERT_EQUAL(Poco::Int64(100), other->query("batched").balance);
	// Replays through the store see the batch's records.
	AccountResult replay = _store->update("b3", "batched", 5);
	CPPUNIT_ASSERT(replay.replayed);
	CPPUNIT_ASSERT_EQUAL(AccountResult::INSUFFICIENT_FUNDS, _store->update("b-over", "batched", -1000).outcome);
	batch.reset();
}


void StoreSuite::testBatchesConflicting()
{
	CPPUNIT_ASSERT(_store->open("o1", "p", 0).ok());
	CPPUNIT_ASSERT(_store->open("o2", "q", 0).ok());
	// Two batches touch the same accounts in opposite orders: on a
	// database with row locks they meet (a lock timeout, or a deadlock
	// that InnoDB answers by rolling a whole transaction back). The store
	// retries what it can; what a lost transaction held, commit() reports,
	// and the caller runs it again alone, as the QuickRunner does. In the
	// end every update is applied exactly once.
	const int ROUNDS = 40;
	std::atomic<int> errors{0}, rerun{0};
	auto run = [&](const std::string& first, const std::string& second, const std::string& tag)
	{
		std::unique_ptr<AccountBatch> batch = _store->batch();
		std::vector<std::pair<std::string, std::string>> ops;  // since the last commit
		auto commit = [&]
		{
			try
			{
				batch->commit();
			}
			catch (Poco::Data::DataException&)
			{
				for (std::size_t i = 0; i < ops.size(); ++i)
				{
					if (batch->failure(i).empty()) continue;
					++rerun;
					try
					{
						if (!batch->update(ops[i].first, ops[i].second, 1).ok()) ++errors;
						batch->commit();
					}
					catch (Poco::Exception&)
					{
						++errors;
					}
				}
			}
			ops.clear();
		};
		for (int i = 0; i < ROUNDS; ++i)
		{
			for (const auto& user: {first, second})
			{
				std::string key = tag + user + std::to_string(i);
				try
				{
					if (!batch->update(key, user, 1).ok()) ++errors;
					ops.emplace_back(key, user);
				}
				catch (Poco::Exception&)
				{
					++errors;
				}
			}
			if (i % 5 == 4) commit();
		}
		commit();
	};
	std::thread one(run, "p", "q", "pq-"), two(run, "q", "p", "qp-");
	one.join();
	two.join();
	CPPUNIT_ASSERT_EQUAL(0, errors.load());
	CPPUNIT_ASSERT_EQUAL(Poco::Int64(2 * ROUNDS), _store->query("p").balance);
	CPPUNIT_ASSERT_EQUAL(Poco::Int64(2 * ROUNDS), _store->query("q").balance);
}


void StoreSuite::testBatchFetchedAhead()
{
	// prefetch(): a networked store fetches a commit's keys and accounts in
	// one round trip and answers from them; the rules must not notice.
	CPPUNIT_ASSERT(_store->open("o1", "a", 1000).ok());
	CPPUNIT_ASSERT(_store->open("o2", "b", 1000).ok());
	CPPUNIT_ASSERT(_store->open("o3", "c", 1000).ok());
	CPPUNIT_ASSERT(_store->update("seen", "a", 5).ok());
	std::unique_ptr<AccountDatabase> other = openStore();
	std::unique_ptr<AccountBatch> batch = _store->batch();
	batch->prefetch(StoreHint{{"seen", "k1", "k2", "race"}, {"a", "b", "b"}, {}});
	AccountResult replay = batch->update("seen", "a", 5);
	CPPUNIT_ASSERT(replay.ok() && replay.replayed);
	CPPUNIT_ASSERT_EQUAL(Poco::Int64(1005), replay.balance);
	CPPUNIT_ASSERT_EQUAL(Poco::Int64(1015), batch->update("k1", "a", 10).balance);
	AccountResult moved = batch->transfer("k2", "a", "b", 15);
	CPPUNIT_ASSERT_EQUAL(Poco::Int64(1000), moved.balance);
	CPPUNIT_ASSERT_EQUAL(Poco::Int64(1015), moved.toBalance);
	// A key this batch recorded is replayed; an account not fetched is read.
	AccountResult again = batch->update("k1", "a", 10);
	CPPUNIT_ASSERT(again.replayed);
	CPPUNIT_ASSERT_EQUAL(Poco::Int64(1015), again.balance);
	CPPUNIT_ASSERT_EQUAL(AccountResult::INSUFFICIENT_FUNDS, batch->update("k3", "c", -2000).outcome);
	CPPUNIT_ASSERT_EQUAL(Poco::Int64(1000), batch->query("a").balance);
	batch->commit();
	CPPUNIT_ASSERT_EQUAL(Poco::Int64(1000), other->query("a").balance);
	CPPUNIT_ASSERT_EQUAL(Poco::Int64(1015), other->query("b").balance);
	CPPUNIT_ASSERT_EQUAL(AccountResult::INSUFFICIENT_FUNDS, other->update("k3", "c", -2000).outcome);

	// Another node records a key after this batch fetched it as new: the
	// batch's commit fails for that operation, and run again alone it sees
	// the other's record (KEY_CONFLICT: another request), applied once.
	batch->prefetch(StoreHint{{"race"}, {"b"}, {}});
	CPPUNIT_ASSERT(other->update("race", "c", 1).ok());
	AccountResult raced = batch->update("race", "b", 1);
	try
	{
		batch->commit();
	}
	catch (Poco::Data::DataException&)
	{
		CPPUNIT_ASSERT(!batch->failure(0).empty());
		raced = batch->update("race", "b", 1);
		batch->commit();
	}
	CPPUNIT_ASSERT_EQUAL(AccountResult::KEY_CONFLICT, raced.outcome);
	CPPUNIT_ASSERT_EQUAL(Poco::Int64(1015), other->query("b").balance);
	CPPUNIT_ASSERT_EQUAL(Poco::Int64(1001), other->query("c").balance);
	batch.reset();
}


void StoreSuite::testBatchReadsAhead()
{
	// StoreHint::reads: a QUERY's account is read with the round, without
	// a lock, and answered from that read; an account the batch holds
	// locked answers what the batch wrote. SQLite's batches fetch nothing.
	std::unique_ptr<AccountBatch> batch = _store->batch();
	if (!batch->fetchesAhead()) return;
	CPPUNIT_ASSERT(_store->open("o1", "a", 1000).ok());
	CPPUNIT_ASSERT(_store->open("o2", "r", 500).ok());
	std::unique_ptr<AccountDatabase> other = openStore();
	batch->prefetch(StoreHint{{"k1"}, {"a"}, {"r", "a", "ghost", "r"}});
	// Not locked: another node changes r at once (a lock would make it
	// wait for this batch and time out).
	CPPUNIT_ASSERT_EQUAL(Poco::Int64(600), other->update("or", "r", 100).balance);
	CPPUNIT_ASSERT_EQUAL(Poco::Int64(500), batch->query("r").balance);  // the round's read
	CPPUNIT_ASSERT_EQUAL(AccountResult::NOT_FOUND, batch->query("ghost").outcome);
	CPPUNIT_ASSERT_EQUAL(Poco::Int64(1010), batch->update("k1", "a", 10).balance);
	CPPUNIT_ASSERT_EQUAL(Poco::Int64(1010), batch->query("a").balance);  // held: what the batch wrote
	// A later round reads r again (after its own tasks came in).
	batch->prefetch(StoreHint{{}, {}, {"r"}});
	CPPUNIT_ASSERT_EQUAL(Poco::Int64(600), batch->query("r").balance);
	// A round that does not name r: a read of r is read now, not answered
	// from the last round's.
	batch->prefetch(StoreHint{{}, {}, {"ghost"}});
	CPPUNIT_ASSERT_EQUAL(Poco::Int64(605), other->update("or2", "r", 5).balance);
	CPPUNIT_ASSERT_EQUAL(Poco::Int64(605), batch->query("r").balance);
	// Written by the batch without a hint: read as the batch left it.
	CPPUNIT_ASSERT_EQUAL(Poco::Int64(606), batch->update("k2", "r", 1).balance);
	CPPUNIT_ASSERT_EQUAL(Poco::Int64(606), batch->query("r").balance);
	batch->commit();
	CPPUNIT_ASSERT_EQUAL(Poco::Int64(606), other->query("r").balance);
	CPPUNIT_ASSERT_EQUAL(Poco::Int64(1010), other->query("a").balance);
	batch.reset();
}


void StoreSuite::testPruning()
{
	CPPUNIT_ASSERT(_store->open("o", "old", 0).ok());
	CPPUNIT_ASSERT(_store->update("ancient", "old", 1).ok());
	CPPUNIT_ASSERT(_store->update("recent", "old", 1).ok());
	exec("UPDATE orchd_idempotency SET created_ms = 1000 WHERE idem_key = 'ancient'");
	CPPUNIT_ASSERT_EQUAL(1, _store->pruneKeys());
	// A pruned key is applied again; a kept one is still replayed.
	CPPUNIT_ASSERT(!_store->update("ancient", "old", 1).replayed);
	CPPUNIT_ASSERT(_store->update("recent", "old", 1).replayed);
	CPPUNIT_ASSERT_EQUAL(Poco::Int64(3), _store->query("old").balance);
}


void StoreSuite::testClockStepPrunesNothing()
{
	SteppedClock& clock = _clock;
	StoreOptions stepped = options();
	stepped.clock = &clock;
	_store.reset();
	_store = AccountDatabase::connect(stepped);
	CPPUNIT_ASSERT(_store->open("o", "late", 0).ok());
	CPPUNIT_ASSERT(_store->update("u", "late", 1).ok());
	// The wall clock steps a year forward: every record looks older than
	// the retention (30 days), but none is, in time that really passed.
	clock.step(Poco::Int64(365) * 24 * 3600 * 1000);
	CPPUNIT_ASSERT_EQUAL(0, _store->pruneKeys());
	CPPUNIT_ASSERT(_store->update("u", "late", 1).replayed);
	// Nor after a restart on the stepped clock.
	_store.reset();
	_store = AccountDatabase::connect(stepped);
	CPPUNIT_ASSERT_EQUAL(0, _store->pruneKeys());
	CPPUNIT_ASSERT(_store->update("u", "late", 1).replayed);
	// Once the retention has really passed, they go.
	clock.elapse(Poco::Int64(stepped.keyRetentionHours) * 3600 * 1000 + 60000);
	CPPUNIT_ASSERT_EQUAL(2, _store->pruneKeys());
	CPPUNIT_ASSERT(!_store->update("u", "late", 1).replayed);
	CPPUNIT_ASSERT_EQUAL(Poco::Int64(2), _store->query("late").balance);
	_store.reset();
}


void StoreSuite::testNodeClockBehindPrunesNothing()
{
	// Found by the chaos run (docs/CHAOS.md): a node whose clock is behind
	// by more than the retention wrote records that another node's prune
	// took at once. A networked store stamps a record with the later of
	// the node's clock and the server's. (SQLite: one host, one clock.)
	if (options().connector == "sqlite") return;
	SteppedClock& clock = _clock;
	StoreOptions stepped = options();
	stepped.clock = &clock;
	_store.reset();
	_store = AccountDatabase::connect(stepped);
	CPPUNIT_ASSERT(_store->open("o", "behind", 0).ok());
	// Another node, with the right clock, running since before.
	std::unique_ptr<AccountDatabase> other = openStore();
	clock.step(-(Poco::Int64(stepped.keyRetentionHours) * 3600 * 1000 + 24 * 3600 * 1000));
	CPPUNIT_ASSERT(_store->update("u", "behind", 1).ok());
	clock.step(Poco::Int64(stepped.keyRetentionHours) * 3600 * 1000 + 24 * 3600 * 1000);
	CPPUNIT_ASSERT_EQUAL(0, other->pruneKeys());
	CPPUNIT_ASSERT(_store->update("u", "behind", 1).replayed);
	CPPUNIT_ASSERT_EQUAL(Poco::Int64(1), _store->query("behind").balance);
	_store.reset();
}


void StoreSuite::testStoreIdAndMigration()
{
	std::string id = _store->storeId();
	CPPUNIT_ASSERT_EQUAL(std::size_t(36), id.size());
	CPPUNIT_ASSERT_EQUAL(id, openStore()->storeId());
	CPPUNIT_ASSERT(_store->open("o", "kept", 42).ok());
	_store.reset();
	// A version 1 schema (no store id) is migrated at start, data kept.
	exec("DELETE FROM orchd_store");
	exec("UPDATE orchd_schema SET version = 1");
	_store = openStore();
	CPPUNIT_ASSERT(_store->storeId() != id);
	CPPUNIT_ASSERT_EQUAL(std::size_t(36), _store->storeId().size());
	CPPUNIT_ASSERT_EQUAL(Poco::Int64(42), _store->query("kept").balance);
	CPPUNIT_ASSERT_EQUAL(_store->storeId(), openStore()->storeId());
}


void StoreSuite::testNewerSchemaRefused()
{
	_store.reset();
	exec("UPDATE orchd_schema SET version = 99");
	try
	{
		openStore();
		CPPUNIT_FAIL("a schema newer than this orchd's was accepted");
	}
	catch (Poco::Data::DataException& exc)
	{
		CPPUNIT_ASSERT_MESSAGE(exc.displayText(), exc.displayText().find("99") != std::string::npos);
		CPPUNIT_ASSERT_MESSAGE(exc.displayText(), exc.displayText().find("newer") != std::string::npos);
	}
}


} } // namespace orchd::test

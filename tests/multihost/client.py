#!/usr/bin/env python3
"""The client host of the multi-host test (tests/multihost/run.sh).

Standard library only. Subcommands:

  open    MASTERS ACCOUNTS CENTS OUT
          opens ACCOUNTS accounts u00.. with CENTS each (keys open-uNN),
          retried like every request below; writes the opening to OUT.
  load    MASTERS OPENING OUTDIR STOPFILE LOOPS MAX PAUSE RUN
          LOOPS concurrent loops of UPDATE and TRANSFER, each request with a
          unique IDEMPOTENCY_KEY, retried with the SAME key and the same body
          against any master until a definite answer. Every definite answer
          is appended to OUTDIR/acks-L.jsonl. A loop stops after MAX requests
          or when STOPFILE exists (its request in progress is still driven
          to a definite answer, for at most DRAIN seconds after the stop).
  wait    MASTERS SECONDS CONDITION [ARGS]
          polls every master's GET /v1/status until CONDITION holds, or
          fails (exit 1) at the deadline printing the last state.
  maybe   MASTERS SECONDS CONDITION [ARGS]
          the same, but only notes a condition that did not come.
  state   MASTERS
          one line per master: queue, workers, peers, counters.
  cluster MASTERS WORKERS
          prints the final ownership and loan checks (exit 1 if one fails).
  check   ACKDIR OPENING ACCOUNTS_DUMP KEYS_DUMP [SUMMARY]
          prints the exactly-once and balance checks (exit 1 if one fails);
          writes their figures as JSON to SUMMARY if given.

MASTERS is id@host:port,id@host:port,...
"""

import glob
import http.client
import json
import os
import random
import sys
import threading
import time

# Answers that settle a request: the store decided, and a retry with the
# same key can only replay them.
BUSINESS = {
    "Insufficient funds": 2,
    "User not found": 1,
    "User already exists": 3,
    "Balance limit exceeded": 4,
    "Cannot transfer to the same account": 5,
    "Idempotency key reused with a different request": 6,
}
DRAIN = 90.0


def masters_of(text):
    out = []
    for item in text.split(","):
        ident, addr = item.split("@")
        host, port = addr.rsplit(":", 1)
        out.append((ident, host, int(port)))
    return out


def log(msg):
    sys.stderr.write(time.strftime("%H:%M:%S ") + msg + "\n")
    sys.stderr.flush()


class Poster:
    """One keep-alive HTTP connection per master, reopened after an error."""

    def __init__(self, masters, timeout=15.0):
        self.masters = masters
        self.timeout = timeout
        self.conns = {}

    def post(self, index, body):
        ident, host, port = self.masters[index]
        conn = self.conns.get(index)
        if conn is None:
            conn = http.client.HTTPConnection(host, port, timeout=self.timeout)
            self.conns[index] = conn
        try:
            conn.request("POST", "/v1/tasks", body, {"Content-Type": "application/json"})
            resp = conn.getresponse()
            data = resp.read()
            if resp.getheader("Connection", "").lower() == "close":
                conn.close()
                self.conns.pop(index, None)
            return resp.status, data
        except Exception:
            conn.close()
            self.conns.pop(index, None)
            raise


def definite(code, data):
    """(True, result) for a settled answer; (False, why) for one to retry."""
    if code != 200:
        return False, "HTTP %d" % code
    try:
        result = json.loads(data)
    except ValueError:
        return False, "unreadable body"
    if result.get("STATUS") == "OK":
        return True, result
    if result.get("ERROR") in BUSINESS:
        return True, result
    # A worker's store error (database gone): nothing was committed, or
    # the commit's fate is unknown: retry with the same key.
    return False, "NOK %s" % str(result.get("ERROR")).split("\n")[0][:90]


def drive(poster, start, body, deadline_fn, stats):
    """Sends body until a definite answer; returns (result, tries, master)."""
    n = len(poster.masters)
    index = start
    tries = 0
    pause = 0.05
    while True:
        tries += 1
        try:
            code, data = poster.post(index, body)
            ok, res = definite(code, data)
            if ok:
                return res, tries, poster.masters[index][0]
            why = res
        except Exception as e:  # refused, reset, timed out
            why = type(e).__name__
        stats[why] = stats.get(why, 0) + 1
        if time.time() > deadline_fn():
            return None, tries, why
        index = (index + 1) % n
        if tries % n == 0:
            time.sleep(pause)
            pause = min(pause * 2, 1.0)


def cmd_open(args):
    masters = masters_of(args[0])
    count, cents, out = int(args[1]), int(args[2]), args[3]
    poster = Poster(masters)
    opening = {}
    stats = {}
    for i in range(count):
        user = "u%02d" % i
        body = json.dumps({"TASK": "OPEN", "USER": user, "AMOUNT": "%d.%02d" % (cents // 100, cents % 100),
                           "IDEMPOTENCY_KEY": "open-" + user})
        end = time.time() + 60
        res, tries, where = drive(poster, i % len(masters), body, lambda: end, stats)
        if res is None or res.get("STATUS") != "OK":
            log("cannot open %s: %s" % (user, res or where))
            return 1
        opening[user] = res["SALDO_CENTS"]
    with open(out, "w") as f:
        json.dump(opening, f)
    log("opened %d accounts of %d cents" % (count, cents))
    return 0


def cmd_load(args):
    masters = masters_of(args[0])
    users = sorted(json.load(open(args[1])))
    outdir, stopfile = args[2], args[3]
    loops, most, pause, run = int(args[4]), int(args[5]), float(args[6]), args[7]
    state = {"stop_at": None}
    lock = threading.Lock()
    totals = {"acked": 0, "unresolved": 0, "tries": 0}
    stats = {}

    def deadline():
        with lock:
            if state["stop_at"] is None and os.path.exists(stopfile):
                state["stop_at"] = time.time()
            return float("inf") if state["stop_at"] is None else state["stop_at"] + DRAIN

    def loop(number):
        rng = random.Random("%s-%d" % (run, number))
        poster = Poster(masters)
        mine = {}
        path = os.path.join(outdir, "acks-%02d.jsonl" % number)
        with open(path, "w", buffering=1) as out:
            for n in range(most):
                if os.path.exists(stopfile):
                    break
                key = "%s-L%02d-%05d" % (run, number, n)
                cents = rng.randint(1, 500)
                if rng.random() < 0.6:
                    user = rng.choice(users)
                    delta = cents if rng.random() < 0.5 else -cents
                    request = {"TASK": "UPDATE", "USER": user, "AMOUNT": "%s%d.%02d" % ("-" if delta < 0 else "", cents // 100, cents % 100),
                               "IDEMPOTENCY_KEY": key}
                    rec = {"key": key, "task": "UPDATE", "user": user, "cents": delta}
                else:
                    user, to = rng.sample(users, 2)
                    request = {"TASK": "TRANSFER", "USER": user, "TO": to, "AMOUNT": "%d.%02d" % (cents // 100, cents % 100),
                               "IDEMPOTENCY_KEY": key}
                    rec = {"key": key, "task": "TRANSFER", "user": user, "to": to, "cents": cents}
                # Prefer a master per loop (a third of the loops each, the
                # first master twice as many) so that queues differ and
                # masters lend each other workers.
                start = 0 if number % 4 in (0, 1) else number % 4 - 1
                res, tries, where = drive(poster, start % len(masters), json.dumps(request), deadline, mine)
                rec["tries"] = tries
                if res is None:
                    rec["unresolved"] = where
                    with lock:
                        totals["unresolved"] += 1
                else:
                    rec["master"] = where
                    rec["status"] = res.get("STATUS")
                    rec["error"] = res.get("ERROR")
                    rec["replayed"] = bool(res.get("REPLAYED", False))
                    rec["saldo"] = res.get("SALDO_CENTS")
                    rec["to_saldo"] = res.get("TO_SALDO_CENTS")
                    with lock:
                        totals["acked"] += 1
                out.write(json.dumps(rec) + "\n")
                with lock:
                    totals["tries"] += tries
                if pause > 0:
                    time.sleep(pause * (0.5 + rng.random()))
        with lock:
            for k, v in mine.items():
                stats[k] = stats.get(k, 0) + v

    threads = [threading.Thread(target=loop, args=(i,), daemon=True) for i in range(loops)]
    for t in threads:
        t.start()
    last = 0
    while any(t.is_alive() for t in threads):
        time.sleep(0.5)
        with lock:
            acked = totals["acked"]
        if acked - last >= 1000:
            log("client: %d acknowledged" % acked)
            last = acked - acked % 1000
    log("client: %d acknowledged, %d unresolved, %d sends; retried after: %s"
        % (totals["acked"], totals["unresolved"], totals["tries"],
           ", ".join("%s x%d" % (k[:60], v) for k, v in sorted(stats.items(), key=lambda kv: -kv[1])[:6]) or "nothing"))
    return 0


def status_of(master, timeout=2.0):
    ident, host, port = master
    try:
        conn = http.client.HTTPConnection(host, port, timeout=timeout)
        conn.request("GET", "/v1/status")
        resp = conn.getresponse()
        data = resp.read()
        conn.close()
        if resp.status != 200:
            return None
        return json.loads(data)
    except Exception:
        return None


def snapshot(masters):
    return {m[0]: status_of(m) for m in masters}


def describe(snap):
    lines = []
    for ident, st in sorted(snap.items()):
        if st is None:
            lines.append("  %s: no answer" % ident)
            continue
        ws = " ".join("%s(%s%s%s)" % (w["id"], w["state"], "" if w["owner"] == ident else " of " + w["owner"],
                                      " ->" + w["lent_to"] if w.get("lent_to") else "") for w in st["workers"])
        ps = " ".join("%s:%s%s%s" % (p["id"], p["state"], " lent_to_it=" + ",".join(p["lent_to_it"]) if p["lent_to_it"] else "",
                                      " hosted_from_it=" + ",".join(p["hosted_from_it"]) if p["hosted_from_it"] else "")
                      for p in st["peers"])
        c = st["counters"]
        lines.append("  %s: queue %d in_flight %d | workers %s | peers %s | completed %d failed %d timed_out %d redispatched %d lent %d granted %d"
                     % (ident, st["queue"]["depth"], st["queue"]["in_flight"], ws or "-", ps or "-",
                        c["completed"], c["failed"], c["timed_out"], c["redispatched"],
                        st["loans"]["workers_lent"], st["loans"]["loans_granted"]))
    return "\n".join(lines)


def peers_alive(snap, names):
    for a in names:
        st = snap.get(a)
        if st is None:
            return False
        for p in st["peers"]:
            if p["id"] in names and (p["state"] != "ALIVE" or not p["linked"]):
                return False
    return True


def where_is(snap, worker):
    return [ident for ident, st in snap.items() if st is not None and any(w["id"] == worker for w in st["workers"])]


def cluster_calm(snap, workers, report=None):
    """Every worker exactly once, at home, neither lent nor draining; no loan open."""
    ok = True
    homes = {w: w.split("-")[0].replace("w", "m") for w in workers}
    for w in workers:
        at = where_is(snap, w)
        entries = [x for i in at for x in snap[i]["workers"] if x["id"] == w]
        states = [x["state"] for x in entries]
        good = (len(at) == 1 and at[0] == homes[w] and all(s in ("idle", "busy") for s in states)
                and all(x["owner"] == homes[w] and not x.get("lent_to") for x in entries))
        ok = ok and good
        if report is not None:
            report.append("  %-6s at %-8s owner %-4s state %-8s %s" % (w, ",".join(at) or "nowhere", ",".join(x["owner"] for x in entries) or "-", ",".join(states) or "-",
                                                              "ok" if good else "FAIL (home %s)" % homes[w]))
    for ident, st in sorted(snap.items()):
        if st is None:
            ok = False
            if report is not None:
                report.append("  %s: no answer FAIL" % ident)
            continue
        extra = [x["id"] for x in st["workers"] if x["id"] not in workers]
        if extra:
            ok = False
            if report is not None:
                report.append("  %s: unexpected workers %s FAIL" % (ident, extra))
        for p in st["peers"]:
            open_loans = p["lent_to_it"] or p["hosted_from_it"]
            good = not open_loans and p["state"] == "ALIVE"
            ok = ok and good
            if report is not None:
                report.append("  %s sees %s %-6s lent_to_it=%s hosted_from_it=%s %s"
                              % (ident, p["id"], p["state"], p["lent_to_it"], p["hosted_from_it"], "ok" if good else "FAIL"))
    return ok


def counter(st, name):
    return st["counters"][name] if name in st["counters"] else st["loans"][name]


def condition(name, cargs, snap):
    if name == "peers-alive":          # every listed master sees the others ALIVE and linked
        return peers_alive(snap, cargs)
    if name == "workers":              # M N: master M lists at least N of its own workers
        st = snap.get(cargs[0])
        return st is not None and sum(1 for w in st["workers"] if w["owner"] == cargs[0]) >= int(cargs[1])
    if name == "failed-over":          # M W...: the workers are at live masters other than M
        return all(where_is(snap, w) and cargs[0] not in where_is(snap, w) for w in cargs[1:])
    if name == "home":                 # M W...: the workers are at M
        return all(where_is(snap, w) == [cargs[0]] for w in cargs[1:])
    if name == "cut-off":              # M OTHERS...: M sees the others DEAD, and they see M DEAD
        st = snap.get(cargs[0])
        if st is None:
            return False
        if any(p["state"] != "DEAD" for p in st["peers"] if p["id"] in cargs[1:]):
            return False
        for o in cargs[1:]:
            so = snap.get(o)
            if so is None or any(p["state"] != "DEAD" for p in so["peers"] if p["id"] == cargs[0]):
                return False
        return True
    if name == "counter-above":        # M COUNTER N (a counter, or a loans figure)
        st = snap.get(cargs[0])
        return st is not None and counter(st, cargs[1]) > int(cargs[2])
    if name == "calm":                 # W...: cluster_calm
        return cluster_calm(snap, cargs)
    raise SystemExit("unknown condition " + name)


def cmd_wait(args, soft=False):
    masters = masters_of(args[0])
    seconds, name, cargs = float(args[1]), args[2], args[3:]
    if name == "counter-above" and cargs[2].startswith("+"):
        # relative to now
        st = status_of([m for m in masters if m[0] == cargs[0]][0])
        cargs[2] = str((counter(st, cargs[1]) if st else 0) + int(cargs[2][1:]))
    end = time.time() + seconds
    start = time.time()
    while True:
        snap = snapshot(masters)
        if condition(name, cargs, snap):
            print("    %s %s: after %.1f s" % (name, " ".join(cargs), time.time() - start))
            return 0
        if time.time() > end:
            if soft:
                print("    %s %s: not within %.0f s (going on)" % (name, " ".join(cargs), seconds))
                return 0
            print("TIMEOUT: %s %s did not hold within %.0f s; last state:\n%s" % (name, " ".join(cargs), seconds, describe(snap)))
            return 1
        time.sleep(0.25)


def cmd_state(args):
    print(describe(snapshot(masters_of(args[0]))))
    return 0


def cmd_cluster(args):
    masters = masters_of(args[0])
    workers = args[1].split(",")
    snap = snapshot(masters)
    report = []
    ok = cluster_calm(snap, workers, report)
    print("\n".join(report))
    for ident, st in sorted(snap.items()):
        if st is not None:
            c, l = st["counters"], st["loans"]
            print("  %s counters: submitted %d completed %d failed %d redispatched %d timed_out %d stale %d busy %d | loans: lent %d returned %d reclaimed %d granted %d"
                  % (ident, c["submitted"], c["completed"], c["failed"], c["redispatched"], c["timed_out"], c["stale_results"],
                     c["rejected_busy"], l["workers_lent"], l["workers_returned"], l["workers_reclaimed"], l["loans_granted"]))
    return 0 if ok else 1


def cmd_check(args):
    ackdir, opening_file, accounts_file, keys_file = args[:4]
    summary_file = args[4] if len(args) > 4 else None
    opening = json.load(open(opening_file))
    acks = []
    for path in sorted(glob.glob(os.path.join(ackdir, "acks-*.jsonl"))):
        with open(path) as f:
            acks.extend(json.loads(line) for line in f if line.strip())
    db_accounts = {}
    for line in open(accounts_file):
        if line.strip():
            user, balance = line.rstrip("\n").split("|")
            db_accounts[user] = int(balance)
    db_keys = {}
    for line in open(keys_file):
        if line.strip():
            key, count, outcome, balance, to_balance = line.rstrip("\n").split("|")
            # A master stores a client's key in that client's namespace,
            # c:NAME:KEY (NAME empty: the cluster runs without tokens).
            if key.startswith("c::"):
                key = key[3:]
            db_keys[key] = (int(count), int(outcome), int(balance), int(to_balance))

    failures = []
    unresolved = [a for a in acks if "unresolved" in a]
    acked = [a for a in acks if "unresolved" not in a]
    ok_updates = sum(1 for a in acked if a["task"] == "UPDATE" and a["status"] == "OK")
    ok_transfers = sum(1 for a in acked if a["task"] == "TRANSFER" and a["status"] == "OK")
    refused = sum(1 for a in acked if a["status"] != "OK")
    replayed = sum(1 for a in acked if a["replayed"])
    retried = sum(1 for a in acked if a["tries"] > 1)
    print("  requests: %d acknowledged (%d UPDATE OK, %d TRANSFER OK, %d refused), %d answered REPLAYED, %d needed more than one send, %d unresolved"
          % (len(acked), ok_updates, ok_transfers, refused, replayed, retried, len(unresolved)))
    if unresolved:
        failures.append("%d request(s) got no definite answer within %d s of the stop, e.g. %s"
                        % (len(unresolved), DRAIN, unresolved[:3]))

    # 1. Each acknowledged key once in orchd_idempotency, with the outcome
    #    the client was told.
    missing, doubled, mismatched = [], [], []
    for a in acked:
        row = db_keys.get(a["key"])
        if row is None:
            missing.append(a["key"])
            continue
        count, outcome, balance, to_balance = row
        if count != 1:
            doubled.append(a["key"])
        want = 0 if a["status"] == "OK" else BUSINESS.get(a["error"], -1)
        if outcome != want or (a["status"] == "OK" and (balance != a["saldo"] or (a["task"] == "TRANSFER" and to_balance != a["to_saldo"]))):
            mismatched.append((a["key"], a["status"], a.get("error"), a.get("saldo"), row))
    print("  keys: %d acknowledged keys, %d found once in orchd_idempotency, %d missing, %d more than once, %d recorded with another outcome"
          % (len(acked), len(acked) - len(missing) - len(doubled), len(missing), len(doubled), len(mismatched)))
    if missing:
        failures.append("acknowledged but not in orchd_idempotency (lost): %s" % missing[:5])
    if doubled:
        failures.append("acknowledged keys recorded more than once: %s" % doubled[:5])
    if mismatched:
        failures.append("outcome or balance in orchd_idempotency differs from the answer: %s" % mismatched[:5])
    known = {a["key"] for a in acks} | {"open-" + u for u in opening}
    unknown = [k for k in db_keys if k not in known]
    if unknown:
        failures.append("%d key(s) in orchd_idempotency that no request sent: %s" % (len(unknown), unknown[:5]))
    applied_unacked = [a["key"] for a in unresolved if a["key"] in db_keys]
    if applied_unacked:
        print("  (%d unresolved request(s) were applied: %s)" % (len(applied_unacked), applied_unacked[:5]))

    # 2. Each balance = opening + its acknowledged successful changes.
    expected = dict(opening)
    for a in acked:
        if a["status"] != "OK":
            continue
        if a["task"] == "UPDATE":
            expected[a["user"]] += a["cents"]
        else:
            expected[a["user"]] -= a["cents"]
            expected[a["to"]] += a["cents"]
    wrong = []
    for user in sorted(set(expected) | set(db_accounts)):
        if expected.get(user) != db_accounts.get(user):
            wrong.append("%s expected %s found %s" % (user, expected.get(user), db_accounts.get(user)))
    print("  balances: %d accounts, %d equal to opening + acknowledged changes, %d differ"
          % (len(expected), len(expected) - len(wrong), len(wrong)))
    if wrong:
        failures.append("balances differ: %s" % "; ".join(wrong[:8]))
    total_expected = sum(expected.values())
    total_db = sum(db_accounts.values())
    print("  total: expected %d cents (opening %d + updates %+d), database %d cents: %s"
          % (total_expected, sum(opening.values()), total_expected - sum(opening.values()), total_db,
             "exact" if total_expected == total_db else "DIFFERS by %+d" % (total_db - total_expected)))
    if total_expected != total_db:
        failures.append("total differs by %+d cents" % (total_db - total_expected))
    for f in failures:
        print("FAIL: " + f)
    if summary_file:
        with open(summary_file, "w") as f:
            json.dump({"acknowledged": len(acked), "update_ok": ok_updates, "transfer_ok": ok_transfers, "refused": refused,
                       "unresolved": len(unresolved), "sends": sum(a["tries"] for a in acks), "replayed": replayed,
                       "retried": retried, "lost": len(missing), "doubled": len(doubled), "mismatched": len(mismatched),
                       "unknown_keys": len(unknown), "balances_differ": len(wrong), "accounts": len(expected),
                       "total_expected": total_expected, "total_database": total_db, "opening_total": sum(opening.values()),
                       "failures": failures}, f)
    return 1 if failures else 0


def main():
    commands = {"open": cmd_open, "load": cmd_load, "wait": cmd_wait, "maybe": lambda a: cmd_wait(a, soft=True), "state": cmd_state,
                "cluster": cmd_cluster, "check": cmd_check}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        sys.stderr.write(__doc__)
        return 2
    return commands[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())

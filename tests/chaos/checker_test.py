#!/usr/bin/env python3
"""The chaos and multi-host checker (client.py check) fed doctored records.

A clean set of answers, balances and idempotency records must pass; each
violation the chaos run looks for (an acknowledged key lost, a key recorded
twice, an update applied twice, a key no request sent, another outcome, a
request without a definite answer) must fail it and show in its figures.
Needs no root, no network and no database: ctest ChaosCheckerTest.
"""

import json
import os
import subprocess
import sys
import tempfile

CLIENT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "multihost", "client.py")

OPENING = {"u00": 1000, "u01": 1000, "u02": 1000}
ACKS = [
    {"key": "r-L00-00000", "task": "UPDATE", "user": "u00", "cents": 100, "tries": 1, "master": "m1",
     "status": "OK", "error": None, "replayed": False, "saldo": 1100, "to_saldo": None},
    {"key": "r-L00-00001", "task": "TRANSFER", "user": "u01", "to": "u02", "cents": 50, "tries": 3, "master": "m2",
     "status": "OK", "error": None, "replayed": True, "saldo": 950, "to_saldo": 1050},
    {"key": "r-L00-00002", "task": "UPDATE", "user": "u01", "cents": -5000, "tries": 1, "master": "m3",
     "status": "NOK", "error": "Insufficient funds", "replayed": False, "saldo": None, "to_saldo": None},
]
ACCOUNTS = {"u00": 1100, "u01": 950, "u02": 1050}
KEYS = {"c::open-u00": (1, 0, 1000, 0), "c::open-u01": (1, 0, 1000, 0), "c::open-u02": (1, 0, 1000, 0),
        "c::r-L00-00000": (1, 0, 1100, 0), "c::r-L00-00001": (1, 0, 950, 1050), "c::r-L00-00002": (1, 2, 0, 0)}


def run_check(folder, acks, accounts, keys):
    os.makedirs(os.path.join(folder, "acks"), exist_ok=True)
    with open(os.path.join(folder, "acks", "acks-00.jsonl"), "w") as f:
        f.write("".join(json.dumps(a) + "\n" for a in acks))
    with open(os.path.join(folder, "opening.json"), "w") as f:
        json.dump(OPENING, f)
    with open(os.path.join(folder, "accounts.txt"), "w") as f:
        f.write("".join("%s|%d\n" % kv for kv in sorted(accounts.items())))
    with open(os.path.join(folder, "keys.txt"), "w") as f:
        f.write("".join("%s|%d|%d|%d|%d\n" % ((k,) + v) for k, v in sorted(keys.items())))
    summary = os.path.join(folder, "summary.json")
    proc = subprocess.run([sys.executable, CLIENT, "check", os.path.join(folder, "acks"), os.path.join(folder, "opening.json"),
                           os.path.join(folder, "accounts.txt"), os.path.join(folder, "keys.txt"), summary],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return proc.returncode, json.load(open(summary)), proc.stdout


def doctored():
    """(name, acks, accounts, keys, field that must be non-zero or None)."""
    lost = dict(KEYS)
    del lost["c::r-L00-00000"]
    twice = dict(KEYS)
    twice["c::r-L00-00001"] = (2, 0, 950, 1050)
    applied_twice = dict(ACCOUNTS, u00=1200)
    stranger = dict(KEYS)
    stranger["c::r-L99-00000"] = (1, 0, 1, 0)
    other_outcome = dict(KEYS)
    other_outcome["c::r-L00-00002"] = (1, 0, 0, 0)
    unresolved = ACKS + [{"key": "r-L00-00003", "task": "UPDATE", "user": "u00", "cents": 5, "tries": 40, "unresolved": "HTTP 503"}]
    return [
        ("acknowledged key lost", ACKS, ACCOUNTS, lost, "lost"),
        ("key recorded twice", ACKS, ACCOUNTS, twice, "doubled"),
        ("update applied twice", ACKS, applied_twice, KEYS, "balances_differ"),
        ("key no request sent", ACKS, ACCOUNTS, stranger, "unknown_keys"),
        ("another outcome recorded", ACKS, ACCOUNTS, other_outcome, "mismatched"),
        ("request without a definite answer", unresolved, ACCOUNTS, KEYS, "unresolved"),
    ]


def main():
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        rc, summary, out = run_check(os.path.join(tmp, "clean"), ACKS, ACCOUNTS, KEYS)
        good = rc == 0 and summary["lost"] == 0 and summary["doubled"] == 0 and summary["total_expected"] == summary["total_database"]
        print("%-36s exit %d lost %d doubled %d sum %d/%d: %s" % ("clean records", rc, summary["lost"], summary["doubled"],
              summary["total_expected"], summary["total_database"], "ok" if good else "WRONG"))
        if not good:
            print(out)
            failures += 1
        for i, (name, acks, accounts, keys, field) in enumerate(doctored()):
            rc, summary, out = run_check(os.path.join(tmp, "case%d" % i), acks, accounts, keys)
            good = rc == 1 and summary[field] > 0 and summary["failures"]
            print("%-36s exit %d %s %d: %s" % (name, rc, field, summary[field], "caught" if good else "NOT CAUGHT"))
            if not good:
                print(out)
                failures += 1
    print("ChaosCheckerTest %s" % ("passed" if failures == 0 else "FAILED (%d case(s))" % failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

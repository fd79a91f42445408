#!/usr/bin/env python3
"""The fault schedule of the chaos run (tests/chaos/run.sh).

  schedule.py SEED SECONDS [--no-clock] [--ahead S] [--back S]

prints one fault or recovery a line, "TIME ACTION ARGS", TIME in seconds
from the start of the chaos, in order; the same SEED and SECONDS give the
same schedule. Actions:

  kill NODE / start NODE        kill -9 an orchd node (m1..m3, w1..w3) and
                                start it again after a pause
  cut A B / cut1 A B / heal A B partition a link both ways (cut) or one way
                                (cut1: A's frames to B vanish), then heal it
  clock NODE OFFSET             step NODE's wall clock to OFFSET seconds
                                from the real one (0: back to it); a
                                worker stepped ahead stays so for 65-80 s
                                when the run is long enough, so that its
                                store prunes keys at least once meanwhile
  fill / unfill                 fill the store's file system until ENOSPC,
                                then delete the filler
  dbcrash / dbstart             stop PostgreSQL at once (-m immediate, as a
                                crash), then start it again

Rules keep the cluster able to recover, as a real operator's would not
guarantee, but a test must: at most two orchd nodes down at once, at most
two links cut, one disk fill or database crash at a time; a node whose
clock is stepped is not killed (a restart under a clock stepped forward by
more than the key retention is the documented limit in OPERATIONS.md: it
cannot be told from a downtime) and a node that is down is not stepped.
The first five faults are the five kinds in a random order, so that even a
short run has each; every fault is recovered by SECONDS.
"""

import random
import sys

MASTERS = ["m1", "m2", "m3"]
WORKERS = ["w1", "w2", "w3"]
NODES = MASTERS + WORKERS
LINKS = ([(a, b) for i, a in enumerate(MASTERS) for b in MASTERS[i + 1:]]
         + [(w, m) for w in WORKERS for m in MASTERS]
         + [(w, "db") for w in WORKERS]
         + [("cl", m) for m in MASTERS])
KINDS = ["kill", "cut", "clock", "fill", "dbcrash"]
WEIGHTS = [30, 30, 20, 10, 10]
PRUNE_S = 65.0  # a worker's store prunes idempotency keys every 60 s


def plan(seed, seconds, clock=True, ahead=7200, back=600):
    rng = random.Random(seed)
    events = []           # (time, order, text)
    busy_until = {}       # resource -> time it is free again
    kinds = [k for k in KINDS if clock or k != "clock"]
    weights = [w for k, w in zip(KINDS, WEIGHTS) if clock or k != "clock"]
    first = rng.sample(kinds, len(kinds))
    t = rng.uniform(1.0, 3.0)
    last = seconds - 2.0
    order = 0

    def free(resource, now):
        return busy_until.get(resource, -1.0) <= now

    def down_at(now):
        return sum(1 for n in NODES if not free("down:" + n, now))

    def cuts_at(now):
        return sum(1 for a, b in LINKS if not free("link:%s-%s" % (a, b), now))

    while t < last:
        forced = bool(first)
        kind = first.pop(0) if forced else rng.choices(kinds, weights)[0]
        hold = min(rng.uniform(2.0, 8.0), seconds - t)
        end = t + hold
        text = None
        if kind == "kill" and down_at(t) < 2:
            choices = [n for n in NODES if free("down:" + n, t) and free("clock:" + n, t)]
            if choices:
                node = rng.choice(choices)
                busy_until["down:" + node] = end
                text, undo = "kill " + node, "start " + node
        elif kind == "cut" and cuts_at(t) < 2:
            choices = [l for l in LINKS if free("link:%s-%s" % l, t)]
            a, b = rng.choice(choices)
            if rng.random() < 0.5:
                a, b = b, a
            busy_until["link:%s-%s" % tuple(sorted((a, b)))] = end
            busy_until["link:%s-%s" % (a, b)] = end
            busy_until["link:%s-%s" % (b, a)] = end
            text, undo = ("cut1 " if rng.random() < 0.3 else "cut ") + a + " " + b, "heal %s %s" % (a, b)
        elif kind == "clock":
            choices = [n for n in NODES if free("down:" + n, t) and free("clock:" + n, t)]
            if choices:
                node = rng.choice(choices)
                offset = ahead if rng.random() < 0.6 else -back
                if offset > 0 and node in WORKERS and t + PRUNE_S <= last:
                    # Across one of its store's prunes (every 60 s).
                    end = t + min(rng.uniform(PRUNE_S, PRUNE_S + 15.0), last - t)
                busy_until["clock:" + node] = end
                busy_until["down:" + node] = end  # not killed while stepped
                text, undo = "clock %s %+d" % (node, offset), "clock %s 0" % node
        elif kind in ("fill", "dbcrash") and free("store", t):
            busy_until["store"] = end + 2.0  # and a moment to recover
            text, undo = (("fill", "unfill") if kind == "fill" else ("dbcrash", "dbstart"))
        if text is not None:
            events.append((t, order, text))
            events.append((end, order + 1, undo))
            order += 2
        elif forced:
            first.append(kind)  # its resource is busy: try it again later
        t += rng.uniform(1.5, 4.0)
    events.sort()
    return ["%.1f %s" % (when, text) for when, _, text in events]


def main():
    args = sys.argv[1:]
    if len(args) < 2:
        sys.stderr.write(__doc__)
        return 2
    seed, seconds = args[0], float(args[1])
    clock = "--no-clock" not in args
    ahead = int(args[args.index("--ahead") + 1]) if "--ahead" in args else 7200
    back = int(args[args.index("--back") + 1]) if "--back" in args else 600
    print("\n".join(plan(seed, seconds, clock, ahead, back)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

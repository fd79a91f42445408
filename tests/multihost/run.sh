#!/usr/bin/env bash
# The multi-host test: a federation on hosts made of Linux network
# namespaces, under load, through the failures a real deployment meets.
#
#   bash tests/multihost/run.sh [BUILD_DIR]        (default: build)
#
# What it builds (all of it inside namespaces named o<pid>-*, none of it in
# the root namespace; traffic never leaves the machine):
#   o<pid>-br   a bridge br0, one veth port per host below
#   o<pid>-db   10.77.0.2   PostgreSQL 15 (initdb in a folder of its own)
#   o<pid>-m1   10.77.0.11  master m1     (peers m2, m3)
#   o<pid>-m2   10.77.0.12  master m2     (peers m1, m3)
#   o<pid>-m3   10.77.0.13  master m3     (peers m1, m2)
#   o<pid>-w1   10.77.0.21  worker w1: worker.home m1, worker.failover m2 m3,
#                           worker.links 2 (workers w1-1, w1-2), on the
#                           PostgreSQL store; w2, w3 (.22, .23) likewise for
#                           m2 and m3
#   o<pid>-cl   10.77.0.30  the client host: tests/multihost/client.py
#
# What it does: opens 24 accounts, then runs a mixed UPDATE/TRANSFER load
# from the client host (12 concurrent loops; every request carries a unique
# IDEMPOTENCY_KEY and is re-sent with the same key and body to any master
# until it gets a definite answer; every answer is recorded), and meanwhile:
#   1. kill -9 master m3; waits until w3-1/w3-2 failed over to m1/m2, starts
#      m3 again and waits until they are home;
#   2. cuts m1 off from m2 and m3 (its frames to them, and theirs to it, go
#      to a MAC address nobody has), waits until each side sees the other
#      DEAD, lets the load run, heals and waits until all are ALIVE;
#   3. cuts worker host w2 off its master m2 in the middle of updates, first
#      one way (w2 gets and applies m2's tasks, its answers vanish), then
#      both, and waits until m2's leases time out (m2's own workers hold
#      their credits, so it borrows a worker from m1 or m3); then cuts m2,
#      borrowing, off from its peers (the lender writes the loan off, m2
#      keeps the worker as a guest), heals that, then heals w2, and waits
#      until w2-* work at m2 again;
#   4. stops PostgreSQL (pg_ctl stop -m fast) for a few seconds and starts
#      it again, and waits until the load makes progress again.
# Every wait polls GET /v1/status with a deadline. Then it stops the load,
# waits for the cluster to be calm, and checks and prints:
#   - every acknowledged request's key is in orchd_idempotency exactly once,
#     with the outcome (and balance) the client was told; no key there that
#     no request sent; no request left without a definite answer;
#   - every account's balance (read with psql on the database host) equals
#     its opening plus the acknowledged successful UPDATEs and TRANSFERs,
#     and the total is exact;
#   - every worker is listed by exactly one live master, its home, neither
#     lent nor draining; every peer ALIVE with lent_to_it and hosted_from_it
#     empty (loans all returned).
# The hosts, the database, the nodes, the load and the checks are in
# lib.sh beside this file, shared with the chaos run (tests/chaos/run.sh).
# Exit 0 when all hold, 1 with a FAIL line otherwise, 77 (skipped, with the
# reason) where namespaces or PostgreSQL cannot be had. Namespaces,
# processes and the run folder are removed at exit, also on failure and on
# Ctrl-C (ORCHD_MULTIHOST_KEEP=1 keeps the folder, with every node's log).
set -uo pipefail

BUILD=$(cd "${1:-build}" 2>/dev/null && pwd) || { echo "MultiHostTest: no build folder ${1:-build}"; exit 1; }
MH_NAME=MultiHostTest
. "$(dirname "$0")/lib.sh"
LOOPS=${ORCHD_MULTIHOST_LOOPS:-12}
PER_LOOP=${ORCHD_MULTIHOST_PER_LOOP:-700}
PAUSE=${ORCHD_MULTIHOST_PAUSE:-0.15}

mh_hosts
mh_database
mh_cluster

# --- load and failures -----------------------------------------------------------
mh_load $LOOPS $PER_LOOP $PAUSE
waitfor 30 counter-above m1 completed +200

step "inject 1: kill -9 master m3"
kill -9 "${PID[m3]}"
waitfor 40 failed-over m3 w3-1 w3-2
waitfor 30 counter-above m1 completed +100
step "restart m3"
start_node m3
waitfor 30 peers-alive m1 m2 m3
waitfor 60 home m3 w3-1 w3-2
waitfor 30 counter-above m3 completed +50

step "inject 2: cut m1 off from its peers m2 and m3"
cut m1 m2; cut m1 m3
waitfor 30 cut-off m1 m2 m3
waitfor 30 counter-above m1 completed +200
waitfor 30 counter-above m2 completed +200
step "heal m1"
heal m1 m2; heal m1 m3
waitfor 30 peers-alive m1 m2 m3

step "inject 3: cut worker host w2 off its master m2 in the middle of updates"
waitfor 30 counter-above m2 completed +100
# First one way: m2's tasks still reach w2, which applies them, but its
# answers vanish, so m2's leases expire on tasks that were applied.
cut_one w2 m2
waitfor 30 counter-above m2 timed_out +2
cut_one m2 w2
# m2's own workers hold their credits for the tasks that timed out, so its
# queue grows: it borrows a worker from m1 or m3.
inns cl python3 "$CLIENT" maybe "$MASTERS" 15 counter-above m2 loans_granted +0
step "inject 3b: cut m2, borrowing, off from its peers too"
cut m2 m1; cut m2 m3
waitfor 30 cut-off m2 m1 m3
waitfor 30 counter-above m1 completed +100
step "heal m2's peer links, then w2"
heal m2 m1; heal m2 m3
waitfor 60 peers-alive m1 m2 m3
heal w2 m2
waitfor 60 home m2 w2-1 w2-2
waitfor 60 counter-above m2 completed +100

step "inject 4: restart the database (stop -m fast, down 3 s, start)"
pg -m fast stop >/dev/null || fail "pg_ctl stop"
sleep 3
pg_start || fail "PostgreSQL did not start again"
waitfor 60 counter-above m1 completed +200
waitfor 60 counter-above m2 completed +200
waitfor 60 counter-above m3 completed +200

mh_stop_load
waitfor 60 calm w1-1 w1-2 w2-1 w2-2 w3-1 w3-2

# --- invariants -------------------------------------------------------------------
mh_check || fail "an invariant does not hold (above)"
step "MultiHostTest passed"

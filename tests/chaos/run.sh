#!/usr/bin/env bash
# The chaos run: the multi-host federation (tests/multihost/lib.sh: a
# database host, three masters, three worker hosts, a client host, each a
# network namespace) under a mixed UPDATE/TRANSFER load with idempotency
# keys, through a seeded random schedule of faults (schedule.py):
#   - kill -9 of a master or a worker node, started again after a pause;
#   - a link cut both ways or one way (master-master, worker-master,
#     worker-database, client-master), healed after a pause;
#   - a node's wall clock stepped 2 h ahead or 10 min back, and back again
#     (WallClockStep.cpp, preloaded into every orchd node; the workers keep
#     idempotency keys 1 h, so a store that aged keys by the wall clock
#     would prune them all at a forward step; in a run long enough, a worker
#     stays stepped ahead across one of its store's minutely prunes);
#   - the store's file system filled until ENOSPC (PostgreSQL's data folder
#     is a tmpfs of its own), held, and the filler deleted; PostgreSQL is
#     started again if the full disk made it exit, as after a crash;
#   - PostgreSQL stopped at once (-m immediate) and started again.
# A node that exits on its own (one started while the database is away
# exits with 69) is started again 2 s later, as systemd's
# Restart=on-failure, RestartSec=2 would. Then every fault is undone, the
# run checks that the load makes progress on every master, stops it (each
# request is re-sent with its key until definite), waits for the cluster
# to settle, and checks every balance and idempotency record (client.py
# check): acknowledged updates lost (0), applied twice (0), the balance sum
# exact. It prints a one-screen report.
#
#   bash tests/chaos/run.sh [BUILD_DIR]        (default: build)
#
#   ORCHD_CHAOS_SECONDS   how long faults are injected (default 45)
#   ORCHD_CHAOS_SEED      the schedule's seed (default: random, printed;
#                         the same seed gives the same schedule)
#   ORCHD_CHAOS_REPORT    also write the report to this file
#   ORCHD_CHAOS_STEP_AHEAD / _BACK   clock steps in seconds (7200 / 600)
#   ORCHD_MULTIHOST_KEEP=1           keep the run folder and its logs
#
# Exit 0 when every check holds, 1 on a violation, 77 (skipped, with the
# reason) without root, namespaces or PostgreSQL, or in a sanitizer build
# (the seven nodes under ASan are too slow for the suite's time).
set -uo pipefail

BUILD=$(cd "${1:-build}" 2>/dev/null && pwd) || { echo "ChaosTest: no build folder ${1:-build}"; exit 1; }
HERE=$(cd "$(dirname "$0")" && pwd)
if grep -q '^ORCHD_SANITIZE:BOOL=ON' "$BUILD/CMakeCache.txt" 2>/dev/null; then
  echo "ChaosTest skipped: a sanitizer build (ORCHD_SANITIZE=ON): seven nodes under ASan do not keep up with the schedule in the suite's time; the plain build runs it"
  exit 77
fi
SECONDS_OF_CHAOS=${ORCHD_CHAOS_SECONDS:-45}
SEED=${ORCHD_CHAOS_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
AHEAD=${ORCHD_CHAOS_STEP_AHEAD:-7200}
BACK=${ORCHD_CHAOS_STEP_BACK:-600}
CLOCKLIB=${ORCHD_CHAOS_CLOCK_LIB:-$BUILD/lib/liborchd_wallclock_step.so}

MH_NAME=ChaosTest
MH_PG_FS_MB=256
# A small WAL, so that the tmpfs holds it; the filler takes what is left.
# pg_stat_statements counts the stores' prunes for the report.
MH_PG_OPTS="-c max_wal_size=64MB -c min_wal_size=32MB -c shared_preload_libraries=pg_stat_statements"
MH_WORKER_EXTRA="store.idempotency_retention_hours = 1"
node_env() { [ -f "$CLOCKLIB" ] && echo "LD_PRELOAD=$CLOCKLIB ORCHD_WALLCLOCK_FILE=$DIR/clock-$1"; }
MH_NODE_ENV=node_env
. "$HERE/../multihost/lib.sh"

echo "ChaosTest: seed $SEED, $SECONDS_OF_CHAOS s of faults (repeat with ORCHD_CHAOS_SEED=$SEED ORCHD_CHAOS_SECONDS=$SECONDS_OF_CHAOS)"
clockflag=()
if [ ! -f "$CLOCKLIB" ]; then
  echo "ChaosTest: no $CLOCKLIB: clock steps left out of the schedule"
  clockflag=(--no-clock)
fi
python3 "$HERE/schedule.py" "$SEED" "$SECONDS_OF_CHAOS" --ahead "$AHEAD" --back "$BACK" "${clockflag[@]}" > "$DIR/schedule.txt" \
  || fail "no schedule"
for n in m1 m2 m3 w1 w2 w3; do echo 0 > "$DIR/clock-$n"; done

mh_hosts
mh_database
mh_cluster

# --- faults ------------------------------------------------------------------------
declare -A COUNT=()
declare -A DOWN=() CUT=() STEPPED=() EXITED=()
FILLED=0
DBDOWN=0
count() { COUNT[$1]=$(( ${COUNT[$1]:-0} + 1 )); }
role_of() { case $1 in m*) echo master ;; *) echo worker ;; esac; }

pg_running() { pg status >/dev/null 2>&1; }
pg_ensure() {  # pg_ensure [COUNTER]: starts PostgreSQL if it is not running
  pg_running && return 0
  step "    PostgreSQL is not running: start it again"
  [ -n "${1:-}" ] && count "$1"
  pg_start || fail "PostgreSQL did not start again"
}

supervise() {  # supervise [now]: starts again, as systemd would, a node that exited on its own
  local n now
  now=$(date +%s%3N)
  for n in m1 m2 m3 w1 w2 w3; do
    [ -n "${DOWN[$n]:-}" ] && continue
    kill -0 "${PID[$n]}" 2>/dev/null && continue
    # orchd@.service: Restart=on-failure, RestartSec=2. A node that starts
    # while the database is away exits with 69 (EXIT_UNAVAILABLE).
    if [ -z "${EXITED[$n]:-}" ]; then
      EXITED[$n]=$now
      count exited
      step "    $n exited on its own"
    fi
    # Not while its clock is stepped: a node started under a clock stepped
    # ahead by more than the key retention prunes from its oldest key (the
    # documented limit); the schedule's kills keep to the same rule.
    [ -z "${STEPPED[$n]:-}" ] || continue
    [ "${1:-}" = now ] || [ $((now - EXITED[$n])) -ge 2000 ] || continue
    unset "EXITED[$n]"
    step "    $n started again, 2 s after it exited (as systemd would); its last words: $(grep '^orchd:' "$DIR/$n.log" | tail -n 1 | cut -c1-90)..."
    start_node "$n"
  done
}

act() {  # act ACTION ARGS: one line of the schedule
  local what=$1; shift
  case $what in
    kill)
      kill -9 "${PID[$1]}" 2>/dev/null
      DOWN[$1]=1; unset "EXITED[$1]"; count "kill_$(role_of "$1")" ;;
    start)
      start_node "$1"; unset "DOWN[$1]" "EXITED[$1]" ;;
    cut|cut1)
      if [ "$what" = cut ]; then cut "$1" "$2"; count cut; else cut_one "$1" "$2"; count cut_one_way; fi
      CUT["$1 $2"]=1 ;;
    heal)
      heal "$1" "$2"; unset "CUT[$1 $2]" ;;
    clock)
      echo "$2" > "$DIR/clock-$1"
      if [ "$2" = 0 ]; then unset "STEPPED[$1]"
      elif [ "${2:0:1}" = - ]; then STEPPED[$1]=1; count clock_back
      else STEPPED[$1]=1; count clock_ahead; fi ;;
    fill)
      # Until ENOSPC: dd stops with "No space left on device".
      dd if=/dev/zero of="$DIR/pg/filler" bs=1M status=none 2>/dev/null
      FILLED=1; count fill
      step "    store file system: $(df -m --output=avail "$DIR/pg" | tail -n 1 | tr -d ' ') MiB free" ;;
    unfill)
      rm -f "$DIR/pg/filler"; FILLED=0
      # A full disk can make PostgreSQL exit (a PANIC on WAL): start it
      # again, as an operator or systemd would after a crash.
      pg_ensure store_exited ;;
    dbcrash)
      pg -m immediate stop >/dev/null 2>&1; DBDOWN=1; count dbcrash ;;
    dbstart)
      pg_start || fail "PostgreSQL did not start again"; DBDOWN=0 ;;
    *) fail "unknown action $what" ;;
  esac
}

mh_load 12 1000000 0.15
waitfor 30 counter-above m1 completed +200
step "chaos: $(wc -l < "$DIR/schedule.txt") scheduled faults and recoveries over $SECONDS_OF_CHAOS s (seed $SEED)"
CHAOS0=$(date +%s%3N)
while read -r at what args; do
  # The schedule's own pauses between faults: wait for the line's time
  # (the schedule has tenths of a second).
  at_ms=$(( ${at%.*} * 1000 + ${at#*.} * 100 ))
  while [ $(( $(date +%s%3N) - CHAOS0 )) -lt $at_ms ]; do
    kill -0 "$LOADPID" 2>/dev/null || fail "the client stopped during the chaos: $(tail -n 5 "$DIR/client.log")"
    supervise
    sleep 0.1
  done
  step "  t=$at $what $args"
  # shellcheck disable=SC2086
  act "$what" $args
done < "$DIR/schedule.txt"

step "chaos over: undo whatever is left, then the load must make progress on every master"
[ $FILLED = 1 ] && act unfill
[ $DBDOWN = 1 ] && act dbstart
pg_ensure store_exited
for n in "${!DOWN[@]}"; do act start "$n"; done
for l in "${!CUT[@]}"; do act heal $l; done
for n in "${!STEPPED[@]}"; do act clock "$n" 0; done
supervise now
waitfor 60 peers-alive m1 m2 m3
for m in m1 m2 m3; do waitfor 60 counter-above "$m" completed +100; done

mh_stop_load
waitfor 90 calm w1-1 w1-2 w2-1 w2-2 w3-1 w3-2

# --- the checks and the report ----------------------------------------------------------
result=0
mh_check "$DIR/summary.json" || result=1
panics=$(grep -c 'PANIC' "$DIR/pg/server.log" 2>/dev/null)
nospace=$(grep -c 'No space left on device' "$DIR/pg/server.log" 2>/dev/null)
prunes=$(psql_db -d orchd -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" \
  -c "SELECT COALESCE(SUM(calls), 0) FROM pg_stat_statements WHERE query LIKE 'DELETE FROM orchd_idempotency%'" 2>/dev/null | tail -n 1)
report=$(python3 - "$DIR/summary.json" "$SEED" "$SECONDS_OF_CHAOS" "$((SECONDS - T0))" "${panics:-0}" "${nospace:-0}" "${prunes:-?}" <<EOF
import json, sys
s = json.load(open(sys.argv[1]))
seed, chaos, wall, panics, nospace, prunes = sys.argv[2:]
c = {$(for k in "${!COUNT[@]}"; do printf '"%s": %s, ' "$k" "${COUNT[$k]}"; done)}
g = lambda k: c.get(k, 0)
print("== ChaosTest report: seed %s, %s s of faults, %s s in all" % (seed, chaos, wall))
print("faults:   kill -9 %d (masters %d, workers %d); partitions %d (both ways %d, one way %d);"
      % (g("kill_master") + g("kill_worker"), g("kill_master"), g("kill_worker"), g("cut") + g("cut_one_way"), g("cut"), g("cut_one_way")))
print("          clock steps %d (ahead %d, back %d); disk fills %d; database crashes %d;"
      % (g("clock_ahead") + g("clock_back"), g("clock_ahead"), g("clock_back"), g("fill"), g("dbcrash")))
print("          exits of nodes started while the database was away (exit 69), each started again 2 s later: %d" % g("exited"))
print("          PostgreSQL: %s 'No space left' lines, %s PANIC lines, started again %d time(s) after a full disk made it exit;"
      % (nospace, panics, g("store_exited")))
print("          the stores' key prunes since PostgreSQL last started: %s" % prunes)
print("requests: %d sent (%d sends with retries), %d acknowledged (%d UPDATE OK, %d TRANSFER OK, %d refused), %d without a definite answer"
      % (s["acknowledged"] + s["unresolved"], s["sends"], s["acknowledged"], s["update_ok"], s["transfer_ok"], s["refused"], s["unresolved"]))
print("          %d needed more than one send, %d answered REPLAYED" % (s["retried"], s["replayed"]))
print("lost:     %d acknowledged keys missing from orchd_idempotency" % s["lost"])
print("doubled:  %d keys recorded more than once; %d recorded with another outcome; %d keys no request sent"
      % (s["doubled"], s["mismatched"], s["unknown_keys"]))
print("balances: %d of %d accounts differ from opening + acknowledged changes" % (s["balances_differ"], s["accounts"]))
print("sum:      expected %d cents, database %d cents: %s"
      % (s["total_expected"], s["total_database"], "exact" if s["total_expected"] == s["total_database"] else "DIFFERS"))
print("verdict:  %s" % ("PASS" if not s["failures"] else "FAIL (%d violation(s))" % len(s["failures"])))
EOF
) || { echo "$report"; fail "no report (the checker wrote no summary)"; }
echo "$report"
[ -n "${ORCHD_CHAOS_REPORT:-}" ] && echo "$report" > "$ORCHD_CHAOS_REPORT"
[ $result -eq 0 ] || fail "an invariant does not hold (above); seed $SEED"
step "ChaosTest passed (seed $SEED)"

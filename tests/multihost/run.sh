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
# Exit 0 when all hold, 1 with a FAIL line otherwise, 77 (skipped, with the
# reason) where namespaces or PostgreSQL cannot be had. Namespaces,
# processes and the run folder are removed at exit, also on failure and on
# Ctrl-C (ORCHD_MULTIHOST_KEEP=1 keeps the folder, with every node's log).
set -uo pipefail

BUILD=$(cd "${1:-build}" 2>/dev/null && pwd) || { echo "MultiHostTest: no build folder ${1:-build}"; exit 1; }
HERE=$(cd "$(dirname "$0")" && pwd)
CLIENT=$HERE/client.py
ORCHD=$BUILD/bin/orchd
PLUGINS=$BUILD/plugins
PGBIN=/usr/lib/postgresql/15/bin
LOOPS=${ORCHD_MULTIHOST_LOOPS:-12}
PER_LOOP=${ORCHD_MULTIHOST_PER_LOOP:-700}
PAUSE=${ORCHD_MULTIHOST_PAUSE:-0.15}
ACCOUNTS=24
OPENING_CENTS=2000
P=o$$
T0=$SECONDS

skip() { echo "MultiHostTest skipped: $*"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "not root: network namespaces need root"
command -v ip >/dev/null || skip "no ip command (iproute2)"
command -v python3 >/dev/null || skip "no python3"
[ -x "$PGBIN/initdb" ] || skip "PostgreSQL 15 is not installed ($PGBIN)"
id postgres >/dev/null 2>&1 || skip "no postgres system user"
[ -x "$ORCHD" ] || { echo "MultiHostTest: no $ORCHD: build first"; exit 1; }

DIR=$(mktemp -d /tmp/orchd-multihost.XXXXXX)
chmod 755 "$DIR"
NAMESPACES=()
declare -A PID
LOADPID=

cleanup() {
  local rc=$? ns pids deadline
  set +e
  trap - EXIT INT TERM
  [ -n "$LOADPID" ] && kill "$LOADPID" 2>/dev/null
  if [ -f "$DIR/pg/data/postmaster.pid" ]; then
    ip netns exec "$P-db" runuser -u postgres -- "$PGBIN/pg_ctl" -D "$DIR/pg/data" -m immediate -w -t 20 stop >/dev/null 2>&1
  fi
  # Whatever still runs in our namespaces was started by this script.
  for ns in "${NAMESPACES[@]}"; do
    pids=$(ip netns pids "$ns" 2>/dev/null)
    [ -n "$pids" ] && kill -9 $pids 2>/dev/null
  done
  deadline=$((SECONDS + 15))
  for ns in "${NAMESPACES[@]}"; do
    while [ -n "$(ip netns pids "$ns" 2>/dev/null)" ] && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
    ip netns del "$ns" 2>/dev/null
  done
  wait 2>/dev/null
  if [ "${ORCHD_MULTIHOST_KEEP:-0}" = 1 ]; then
    echo "MultiHostTest: kept $DIR"
  else
    rm -rf "$DIR"
  fi
  exit $rc
}
trap cleanup EXIT
trap 'echo "MultiHostTest: interrupted"; exit 130' INT
trap 'echo "MultiHostTest: terminated"; exit 143' TERM

step() { printf '[%3ds] %s\n' $((SECONDS - T0)) "$*"; }

fail() {
  echo "FAIL: $*"
  echo "--- cluster state"
  inns cl python3 "$CLIENT" state "$MASTERS" 2>&1
  local f
  for f in "$DIR"/*.log "$DIR/pg/server.log"; do
    [ -f "$f" ] || continue
    echo "--- last warnings and errors of $(basename "$f")"
    grep -E 'WARN|Warning|ERROR|Error|FATAL|Critical|error' "$f" | tail -n 15
    echo "--- last lines of $(basename "$f")"
    tail -n 8 "$f"
  done
  exit 1
}

ip_of() {
  case $1 in
    db) echo 10.77.0.2 ;;
    m1) echo 10.77.0.11 ;; m2) echo 10.77.0.12 ;; m3) echo 10.77.0.13 ;;
    w1) echo 10.77.0.21 ;; w2) echo 10.77.0.22 ;; w3) echo 10.77.0.23 ;;
    cl) echo 10.77.0.30 ;;
  esac
}

inns() { local h=$1; shift; ip netns exec "$P-$h" "$@"; }

# --- hosts -------------------------------------------------------------------
out=$(ip netns add "$P-br" 2>&1) || skip "ip netns add failed: $out"
NAMESPACES+=("$P-br")
ip -n "$P-br" link set lo up
out=$(ip -n "$P-br" link add br0 type bridge 2>&1) || skip "cannot create a bridge in a namespace: $out"
ip -n "$P-br" link set br0 up
for h in db m1 m2 m3 w1 w2 w3 cl; do
  out=$(ip netns add "$P-$h" 2>&1) || skip "ip netns add failed: $out"
  NAMESPACES+=("$P-$h")
  out=$(ip -n "$P-br" link add "v-$h" type veth peer name eth0 netns "$P-$h" 2>&1) || skip "cannot create a veth pair: $out"
  ip -n "$P-br" link set "v-$h" master br0
  ip -n "$P-br" link set "v-$h" up
  ip -n "$P-$h" link set lo up
  ip -n "$P-$h" addr add "$(ip_of "$h")/24" dev eth0
  ip -n "$P-$h" link set eth0 up
done
step "hosts: namespaces ${NAMESPACES[*]} on bridge 10.77.0.0/24"

# cut_one A B: A's frames for B go to a MAC address that no host has, so
# they vanish silently, as on a cut cable, while every other link works.
# cut A B: both ways. heal A B: both ways again.
BLACKHOLE_MAC=02:00:00:00:00:01
cut_one() { ip -n "$P-$1" neigh replace "$(ip_of "$2")" lladdr $BLACKHOLE_MAC dev eth0 nud permanent; }
cut() { cut_one "$1" "$2"; cut_one "$2" "$1"; }
heal() {
  ip -n "$P-$1" neigh del "$(ip_of "$2")" dev eth0 2>/dev/null
  ip -n "$P-$2" neigh del "$(ip_of "$1")" dev eth0 2>/dev/null
  return 0
}

# --- the database host ----------------------------------------------------------
mkdir -p "$DIR/pg"; chown postgres:postgres "$DIR/pg"; chmod 700 "$DIR/pg"
head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$DIR/password"
chmod 600 "$DIR/password"
runuser -u postgres -- "$PGBIN/initdb" -D "$DIR/pg/data" -A trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 \
  > "$DIR/pg/initdb.log" 2>&1 || { cat "$DIR/pg/initdb.log"; fail "initdb failed"; }
echo "host all all 10.77.0.0/24 scram-sha-256" >> "$DIR/pg/data/pg_hba.conf"
pg() { inns db runuser -u postgres -- "$PGBIN/pg_ctl" -D "$DIR/pg/data" -l "$DIR/pg/server.log" -w -t 60 "$@"; }
pg_start() {
  pg -o "-c listen_addresses=$(ip_of db) -c port=5432 -c unix_socket_directories=$DIR/pg -c max_connections=200" start >/dev/null
}
psql_db() { inns db runuser -u postgres -- psql -h "$DIR/pg" -p 5432 -X -qAt -v ON_ERROR_STOP=1 "$@"; }
pg_start || fail "PostgreSQL did not start"
psql_db -d postgres -c "CREATE ROLE orchd LOGIN PASSWORD '$(cat "$DIR/password")'" -c "CREATE DATABASE orchd OWNER orchd" >/dev/null \
  || fail "cannot create the orchd database"
step "db: PostgreSQL on $(ip_of db):5432, database orchd, user orchd (password in a file)"

# --- masters and workers -------------------------------------------------------
MASTERS="m1@$(ip_of m1):7400,m2@$(ip_of m2):7400,m3@$(ip_of m3):7400"
WORKERS="w1-1,w1-2,w2-1,w2-2,w3-1,w3-2"
others() { local m; for m in m1 m2 m3; do [ "$m" = "$1" ] || echo "$m@$(ip_of "$m"):7400"; done | paste -sd, | sed 's/,/, /'; }

common() {
  cat <<EOF
orchd.id = $1
plugins.dir = $PLUGINS
store.connector = postgresql
store.connection = host=$(ip_of db) port=5432 dbname=orchd user=orchd connect_timeout=3
store.password_file = $DIR/password
logging.loggers.root.channel = console
logging.loggers.root.level = information
logging.channels.console.class = ConsoleChannel
logging.channels.console.formatter = plain
logging.formatters.plain.class = PatternFormatter
logging.formatters.plain.pattern = %Y-%m-%d %H:%M:%S.%i [%p] %s: %t
logging.formatters.plain.times = UTC
EOF
}
for m in m1 m2 m3; do
  { echo "orchd.role = master"; common "$m"; cat <<EOF
master.listen = $(ip_of "$m"):7400
master.peers = $(others "$m")
master.http_timeout_ms = 8000
task.timeout_ms = 4000
task.max_attempts = 3
peer.heartbeat_ms = 500
peer.dead_after_ms = 3000
lb.max_queue = 2
lb.min_queue = 1
lb.window_ms = 500
lb.cooldown_ms = 1000
lb.max_borrow = 2
EOF
  } > "$DIR/$m.properties"
done
for w in w1 w2 w3; do
  home=m${w#w}
  { echo "orchd.role = worker"; common "$w"; cat <<EOF
worker.home = $home@$(ip_of "$home"):7400
worker.failover = $(others "$home")
worker.links = 2
worker.concurrency = 4
worker.reconnect_max_ms = 1000
worker.drain_timeout_ms = 5000
store.pool_size = 12
EOF
  } > "$DIR/$w.properties"
done

start_node() {  # start_node NAME: the node NAME on the host NAME
  ip netns exec "$P-$1" "$ORCHD" --config="$DIR/$1.properties" >> "$DIR/$1.log" 2>&1 &
  PID[$1]=$!
  disown  # killed by id, here or at exit; no job notices
}

waitfor() {  # waitfor SECONDS CONDITION ARGS...: see client.py wait
  inns cl python3 "$CLIENT" wait "$MASTERS" "$@" || fail "waiting for: $*"
}

for m in m1 m2 m3; do start_node "$m"; done
waitfor 30 peers-alive m1 m2 m3
step "masters: m1 m2 m3 listening on :7400, each sees the other two ALIVE"
for w in w1 w2 w3; do start_node "$w"; done
for m in m1 m2 m3; do waitfor 30 workers "$m" 2; done
step "workers: w1 w2 w3 (2 links each) connected home"

inns cl python3 "$CLIENT" open "$MASTERS" $ACCOUNTS $OPENING_CENTS "$DIR/opening.json" 2>&1 || fail "opening the accounts"
step "client: $ACCOUNTS accounts opened with $OPENING_CENTS cents each"

# --- load and failures -----------------------------------------------------------
mkdir -p "$DIR/acks"
ip netns exec "$P-cl" python3 "$CLIENT" load "$MASTERS" "$DIR/opening.json" "$DIR/acks" "$DIR/stop" $LOOPS $PER_LOOP $PAUSE "$P" > "$DIR/client.log" 2>&1 &
LOADPID=$!
step "load: $LOOPS client loops of UPDATE and TRANSFER with idempotency keys"
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

step "stop the load; wait for every request's definite answer"
touch "$DIR/stop"
deadline=$((SECONDS + 120))
while kill -0 "$LOADPID" 2>/dev/null; do
  [ $SECONDS -lt $deadline ] || fail "the client did not finish within 120 s of the stop"
  sleep 0.2
done
wait "$LOADPID" || fail "the client failed: $(tail -n 5 "$DIR/client.log")"
LOADPID=
cat "$DIR/client.log"
waitfor 60 calm w1-1 w1-2 w2-1 w2-2 w3-1 w3-2

# --- invariants -------------------------------------------------------------------
result=0
echo "== check: every worker owned by exactly one master, loans all returned"
inns cl python3 "$CLIENT" cluster "$MASTERS" "$WORKERS" || result=1
echo "== check: every acknowledged update applied exactly once"
psql_db -d orchd -F '|' -c "SELECT user_id, balance FROM accounts ORDER BY user_id" > "$DIR/accounts.txt" || fail "reading accounts"
psql_db -d orchd -F '|' -c "SELECT idem_key, COUNT(*), MIN(outcome), MIN(balance), MIN(to_balance) FROM orchd_idempotency GROUP BY idem_key" \
  > "$DIR/keys.txt" || fail "reading orchd_idempotency"
python3 "$CLIENT" check "$DIR/acks" "$DIR/opening.json" "$DIR/accounts.txt" "$DIR/keys.txt" || result=1
if [ $result -ne 0 ]; then
  fail "an invariant does not hold (above)"
fi
step "MultiHostTest passed"

# The multi-host harness, sourced by tests/multihost/run.sh (a fixed
# scenario) and tests/chaos/run.sh (a seeded random one): hosts made of
# network namespaces on one bridge, PostgreSQL on its own host, three
# masters, three worker hosts, a client host with a mixed UPDATE/TRANSFER
# load, and the final checks. See run.sh for the layout.
#
# The sourcing script sets, before it sources this file:
#   MH_NAME      the test's name in messages (MultiHostTest, ChaosTest)
#   BUILD        the build folder (bin/orchd, plugins/)
# and may set:
#   MH_PG_FS_MB      put PostgreSQL's data folder on a tmpfs of this many
#                    MiB of its own (so that it can be filled)
#   MH_PG_OPTS       more "-c name=value" options for the server
#   MH_WORKER_EXTRA  more lines for every worker's configuration
#   MH_NODE_ENV      a function NAME that prints "VAR=value" words to start
#                    the node NAME with (through env)
# Sourcing checks what the harness needs (exit 77 with the reason where it
# cannot run), makes the run folder $DIR and sets the exit trap that stops
# and removes everything it started, also on failure and on Ctrl-C
# (ORCHD_MULTIHOST_KEEP=1 keeps the folder, with every node's log).

CLIENT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/client.py
ORCHD=$BUILD/bin/orchd
PLUGINS=$BUILD/plugins
PGBIN=/usr/lib/postgresql/15/bin
ACCOUNTS=24
OPENING_CENTS=2000
P=o$$
T0=$SECONDS

skip() { echo "$MH_NAME skipped: $*"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "not root: network namespaces need root"
command -v ip >/dev/null || skip "no ip command (iproute2)"
command -v python3 >/dev/null || skip "no python3"
[ -x "$PGBIN/initdb" ] || skip "PostgreSQL 15 is not installed ($PGBIN)"
id postgres >/dev/null 2>&1 || skip "no postgres system user"
[ -x "$ORCHD" ] || { echo "$MH_NAME: no $ORCHD: build first"; exit 1; }

DIR=$(mktemp -d /tmp/orchd-multihost.XXXXXX)
chmod 755 "$DIR"
NAMESPACES=()
declare -A PID
LOADPID=
PGFS=

mh_cleanup() {
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
  if [ -n "$PGFS" ]; then
    # Keep the server's log, which lives on the tmpfs, for a kept folder.
    cp "$PGFS/server.log" "$DIR/pg-server.log" 2>/dev/null
    umount "$PGFS" 2>/dev/null || umount -l "$PGFS"
  fi
  if [ "${ORCHD_MULTIHOST_KEEP:-0}" = 1 ]; then
    echo "$MH_NAME: kept $DIR"
  else
    rm -rf "$DIR"
  fi
  exit $rc
}
trap mh_cleanup EXIT
trap 'echo "$MH_NAME: interrupted"; exit 130' INT
trap 'echo "$MH_NAME: terminated"; exit 143' TERM

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

mh_hosts() {  # the namespaces, the bridge and an address on each host
  local out h
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
}

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
pg() { inns db runuser -u postgres -- "$PGBIN/pg_ctl" -D "$DIR/pg/data" -l "$DIR/pg/server.log" -w -t 60 "$@"; }
pg_start() {
  pg -o "-c listen_addresses=$(ip_of db) -c port=5432 -c unix_socket_directories=$DIR/pg -c max_connections=200 ${MH_PG_OPTS:-}" start >/dev/null
}
psql_db() { inns db runuser -u postgres -- psql -h "$DIR/pg" -p 5432 -X -qAt -v ON_ERROR_STOP=1 "$@"; }

mh_database() {  # initdb, start, the orchd role and database
  mkdir -p "$DIR/pg"
  if [ -n "${MH_PG_FS_MB:-}" ]; then
    mount -t tmpfs -o "size=${MH_PG_FS_MB}m,mode=700" tmpfs "$DIR/pg" || skip "cannot mount a tmpfs for the store"
    PGFS=$DIR/pg
  fi
  chown postgres:postgres "$DIR/pg"; chmod 700 "$DIR/pg"
  head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$DIR/password"
  chmod 600 "$DIR/password"
  runuser -u postgres -- "$PGBIN/initdb" -D "$DIR/pg/data" -A trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 \
    > "$DIR/pg/initdb.log" 2>&1 || { cat "$DIR/pg/initdb.log"; fail "initdb failed"; }
  echo "host all all 10.77.0.0/24 scram-sha-256" >> "$DIR/pg/data/pg_hba.conf"
  pg_start || fail "PostgreSQL did not start"
  psql_db -d postgres -c "CREATE ROLE orchd LOGIN PASSWORD '$(cat "$DIR/password")'" -c "CREATE DATABASE orchd OWNER orchd" >/dev/null \
    || fail "cannot create the orchd database"
  step "db: PostgreSQL on $(ip_of db):5432, database orchd, user orchd (password in a file)${PGFS:+, data on a ${MH_PG_FS_MB} MiB tmpfs}"
}

# --- masters and workers -------------------------------------------------------
MASTERS="m1@$(ip_of m1):7400,m2@$(ip_of m2):7400,m3@$(ip_of m3):7400"
WORKERS="w1-1,w1-2,w2-1,w2-2,w3-1,w3-2"
others() { local m; for m in m1 m2 m3; do [ "$m" = "$1" ] || echo "$m@$(ip_of "$m"):7400"; done | paste -sd, | sed 's/,/, /'; }

mh_common() {
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

mh_configs() {  # DIR/NODE.properties for m1..m3 and w1..w3
  local m w home
  for m in m1 m2 m3; do
    { echo "orchd.role = master"; mh_common "$m"; cat <<EOF
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
    { echo "orchd.role = worker"; mh_common "$w"; cat <<EOF
worker.home = $home@$(ip_of "$home"):7400
worker.failover = $(others "$home")
worker.links = 2
worker.concurrency = 4
worker.reconnect_max_ms = 1000
worker.drain_timeout_ms = 5000
store.pool_size = 12
EOF
      [ -n "${MH_WORKER_EXTRA:-}" ] && echo "$MH_WORKER_EXTRA"
    } > "$DIR/$w.properties"
  done
}

start_node() {  # start_node NAME: the node NAME on the host NAME
  local envs=()
  [ -n "${MH_NODE_ENV:-}" ] && read -r -a envs <<< "$("$MH_NODE_ENV" "$1")"
  ip netns exec "$P-$1" env "${envs[@]}" "$ORCHD" --config="$DIR/$1.properties" >> "$DIR/$1.log" 2>&1 &
  PID[$1]=$!
  disown  # killed by id, here or at exit; no job notices
}

waitfor() {  # waitfor SECONDS CONDITION ARGS...: see client.py wait
  inns cl python3 "$CLIENT" wait "$MASTERS" "$@" || fail "waiting for: $*"
}

mh_cluster() {  # starts the masters, then the workers, and opens the accounts
  local m w
  mh_configs
  for m in m1 m2 m3; do start_node "$m"; done
  waitfor 30 peers-alive m1 m2 m3
  step "masters: m1 m2 m3 listening on :7400, each sees the other two ALIVE"
  for w in w1 w2 w3; do start_node "$w"; done
  for m in m1 m2 m3; do waitfor 30 workers "$m" 2; done
  step "workers: w1 w2 w3 (2 links each) connected home"
  inns cl python3 "$CLIENT" open "$MASTERS" $ACCOUNTS $OPENING_CENTS "$DIR/opening.json" 2>&1 || fail "opening the accounts"
  step "client: $ACCOUNTS accounts opened with $OPENING_CENTS cents each"
}

# --- load and checks -----------------------------------------------------------------
mh_load() {  # mh_load LOOPS PER_LOOP PAUSE: the client's load, in the background
  mkdir -p "$DIR/acks"
  ip netns exec "$P-cl" python3 "$CLIENT" load "$MASTERS" "$DIR/opening.json" "$DIR/acks" "$DIR/stop" "$1" "$2" "$3" "$P" > "$DIR/client.log" 2>&1 &
  LOADPID=$!
  step "load: $1 client loops of UPDATE and TRANSFER with idempotency keys"
}

mh_stop_load() {  # stops the load and waits for every request's definite answer
  local deadline
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
}

mh_check() {  # mh_check [SUMMARY_JSON]: the invariants; returns 1 if one does not hold
  local result=0
  echo "== check: every worker owned by exactly one master, loans all returned"
  inns cl python3 "$CLIENT" cluster "$MASTERS" "$WORKERS" || result=1
  echo "== check: every acknowledged update applied exactly once"
  psql_db -d orchd -F '|' -c "SELECT user_id, balance FROM accounts ORDER BY user_id" > "$DIR/accounts.txt" || fail "reading accounts"
  psql_db -d orchd -F '|' -c "SELECT idem_key, COUNT(*), MIN(outcome), MIN(balance), MIN(to_balance) FROM orchd_idempotency GROUP BY idem_key" \
    > "$DIR/keys.txt" || fail "reading orchd_idempotency"
  python3 "$CLIENT" check "$DIR/acks" "$DIR/opening.json" "$DIR/accounts.txt" "$DIR/keys.txt" ${1:+"$1"} || result=1
  return $result
}

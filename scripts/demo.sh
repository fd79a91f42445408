#!/usr/bin/env bash
# The main job, live on this machine: installs what is missing, builds, starts
# two federated masters and three workers on an SQLite store in a temporary
# state folder, opens accounts and moves money through the cluster with
# orchctl, runs a short `orchctl bench` burst on one master (progress bar on
# a terminal) that makes the other lend it workers, prints the summary, the
# loans and returns, and both masters' status, and stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=/usr >/dev/null
cmake --build build -j "$(nproc)" >/dev/null

state=$(mktemp -d /tmp/orchd-demo.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$state"
}
trap cleanup EXIT

logging() {
  cat <<PROPS
logging.loggers.root.channel = file
logging.channels.file.class = FileChannel
logging.channels.file.path = $state/$1.log
logging.channels.file.formatter = plain
logging.formatters.plain.class = PatternFormatter
logging.formatters.plain.pattern = %H:%M:%S.%i [%p] %t
PROPS
}

wait_for_log() {  # FILE TEXT: poll with a deadline, no bare sleeps
  for _ in $(seq 1 200); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    sleep 0.05
  done
  echo "timed out waiting for '$2' in $1" >&2; cat "$1" >&2; exit 1
}

# Two masters that know each other: a burst on master-a makes master-b lend
# it workers, and they go home when the burst is over. Ports are asked of
# the OS, since each master's file names the other's address.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port_a=$(free_port); port_b=$(free_port)
master=127.0.0.1:$port_a
for m in a b; do
  if [ $m = a ]; then port=$port_a; peer="master-b@127.0.0.1:$port_b"; else port=$port_b; peer="master-a@127.0.0.1:$port_a"; fi
  { cat <<PROPS
orchd.role = master
orchd.id = master-$m
plugins.dir = $PWD/build/plugins
master.listen = 127.0.0.1:$port
master.peers = $peer
lb.max_queue = 20
lb.min_queue = 5
lb.window_ms = 500
PROPS
  logging "master-$m"; } > "$state/master-$m.properties"
  echo "== starting master-$m on 127.0.0.1:$port"
  build/bin/orchd --config="$state/master-$m.properties" & pids+=($!)
  wait_for_log "$state/master-$m.log" "master listening on"
done

start_worker() {  # NAME HOME_ID HOME_PORT CONCURRENCY
  { cat <<PROPS
orchd.role = worker
orchd.id = $1
plugins.dir = $PWD/build/plugins
store.connection = $state/accounts.db
worker.home = $2@127.0.0.1:$3
worker.concurrency = $4
PROPS
  logging "$1"; } > "$state/$1.properties"
  echo "== starting $1 (home $2, concurrency $4)"
  build/bin/orchd --config="$state/$1.properties" & pids+=($!)
  wait_for_log "$state/$1.log" "connected to master"
}
start_worker worker-a1 master-a "$port_a" 1
start_worker worker-b1 master-b "$port_b" 4
start_worker worker-b2 master-b "$port_b" 4
wait_for_log "$state/master-a.log" "master-b: UNKNOWN -> ALIVE"
sed 's/^/   master-a: /' "$state/master-a.log"

ctl() {
  echo "\$ orchctl --master $master $*"
  build/bin/orchctl --master "$master" "$@" || echo "   (exit $?)"
}
echo "== accounts, through the master and its workers"
ctl open alice 100.00
ctl open bob 25.50
ctl update alice --amount=-12.50
ctl transfer alice bob 30
ctl query bob
echo "== refusals name the problem"
ctl update bob -1000
ctl update bob 1.234
ctl query carol
echo "== a retried update with the same IDEMPOTENCY_KEY pays once"
ctl submit '{"TASK":"UPDATE","USER":"bob","AMOUNT":5,"IDEMPOTENCY_KEY":"demo-pay-1"}'
ctl submit '{"TASK":"UPDATE","USER":"bob","AMOUNT":5,"IDEMPOTENCY_KEY":"demo-pay-1"}'
echo "== the same over HTTP"
echo "\$ curl -X POST http://$master/v1/tasks -H 'Content-Type: application/json' -d '{\"TASK\":\"QUERY\",\"USER\":\"bob\"}'"
build/bin/orchctl --master "$master" submit '{"TASK":"QUERY","USER":"bob"}' >/dev/null
if command -v curl >/dev/null; then curl -s -X POST "http://$master/v1/tasks" -H 'Content-Type: application/json' -d '{"TASK":"QUERY","USER":"bob"}'; echo; fi
echo "== a burst on master-a (one worker of concurrency 1): 20000 mixed tasks, 64 in flight"
ctl bench --tasks=20000 --concurrency=64 --mix=QUERY:40,UPDATE:40,TRANSFER:20 --accounts=16
echo "== after the burst, master-b's workers go home"
wait_for_log "$state/master-a.log" "confirmed RELEASE_COMPLETED"
echo "== the loans, as the masters logged them"
grep -h -E "asking peer|lends us|lending|COMMAND_RELEASE|RELEASE_COMPLETED|is home|sent home" "$state/master-a.log" "$state/master-b.log" | sort | sed 's/^/   /'
echo "== master-a's view"
ctl status
echo "== master-b's view"
build/bin/orchctl --master "127.0.0.1:$port_b" status
echo "== stopping the cluster"
for pid in "${pids[@]}"; do kill -TERM "$pid"; done
for pid in "${pids[@]}"; do wait "$pid"; done
pids=()
tail -n 1 "$state/master-a.log" | sed 's/^/   master-a: /'

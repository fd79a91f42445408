#!/usr/bin/env bash
# The main job, live on this machine: installs what is missing, builds, starts
# a master and two workers on an SQLite store in a temporary state folder,
# opens accounts and moves money through the cluster with orchctl, runs a
# short `orchctl bench` (progress bar on a terminal), prints the summary and
# the master's status, and stops everything it started.
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

{ cat <<PROPS
orchd.role = master
orchd.id = master-a
plugins.dir = $PWD/build/plugins
master.listen = 127.0.0.1:0
PROPS
logging master-a; } > "$state/master-a.properties"
echo "== starting master-a (state in $state)"
build/bin/orchd --config="$state/master-a.properties" & pids+=($!)
wait_for_log "$state/master-a.log" "master listening on"
port=$(grep -o 'listening on 127.0.0.1:[0-9]*' "$state/master-a.log" | cut -d: -f2)
master=127.0.0.1:$port

for w in worker-1 worker-2; do
  { cat <<PROPS
orchd.role = worker
orchd.id = $w
plugins.dir = $PWD/build/plugins
store.connection = $state/accounts.db
worker.home = master-a@$master
worker.concurrency = 4
PROPS
  logging "$w"; } > "$state/$w.properties"
  echo "== starting $w"
  build/bin/orchd --config="$state/$w.properties" & pids+=($!)
  wait_for_log "$state/$w.log" "connected to master"
done
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
echo "\$ curl -X POST http://$master/v1/tasks -d '{\"TASK\":\"QUERY\",\"USER\":\"bob\"}'"
build/bin/orchctl --master "$master" submit '{"TASK":"QUERY","USER":"bob"}' >/dev/null
if command -v curl >/dev/null; then curl -s -X POST "http://$master/v1/tasks" -d '{"TASK":"QUERY","USER":"bob"}'; echo; fi
echo "== a short benchmark: 20000 mixed tasks, 64 in flight"
ctl bench --tasks=20000 --concurrency=64 --mix=QUERY:40,UPDATE:40,TRANSFER:20 --accounts=16
echo "== the master's view"
ctl status
echo "== stopping the cluster"
for pid in "${pids[@]}"; do kill -TERM "$pid"; done
for pid in "${pids[@]}"; do wait "$pid"; done
pids=()
tail -n 1 "$state/master-a.log" | sed 's/^/   master-a: /'

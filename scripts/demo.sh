#!/usr/bin/env bash
# The main job, end to end on this machine: installs what is missing, builds,
# starts an orchd worker on an SQLite store in a temporary state folder, and
# runs account tasks (OPEN, UPDATE, TRANSFER, QUERY) through the plugins and
# the store with orchctl. Stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=/usr >/dev/null
cmake --build build -j "$(nproc)" >/dev/null

state=$(mktemp -d /tmp/orchd-demo.XXXXXX)
pid=""
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid"; wait "$pid" || true; fi
  rm -rf "$state"
}
trap cleanup EXIT

cat > "$state/worker.properties" <<PROPS
orchd.role = worker
orchd.id = demo-worker
plugins.dir = $PWD/build/plugins
store.connection = $state/accounts.db
logging.loggers.root.channel = file
logging.channels.file.class = FileChannel
logging.channels.file.path = $state/orchd.log
logging.channels.file.formatter = plain
logging.formatters.plain.class = PatternFormatter
logging.formatters.plain.pattern = %H:%M:%S.%i [%p] %t
PROPS

echo "== starting orchd (worker) with state in $state"
build/bin/orchd --config="$state/worker.properties" &
pid=$!
for _ in $(seq 1 200); do
  grep -q "ready" "$state/orchd.log" 2>/dev/null && break
  kill -0 "$pid" 2>/dev/null || { echo "orchd exited"; cat "$state/orchd.log"; exit 1; }
  sleep 0.05
done
sed 's/^/   orchd: /' "$state/orchd.log"

ctl() {
  echo "\$ orchctl $*"
  build/bin/orchctl --config="$state/worker.properties" "$@" || echo "   (exit $?)"
}
echo "== task types the plugins provide"
ctl tasks
echo "== accounts"
ctl open alice 100.00
ctl open bob 25.50
ctl update alice --amount=-12.50
ctl transfer alice bob 30
ctl query alice
ctl query bob
echo "== refusals: each names the problem"
ctl update bob -1000
ctl update bob 1.234
ctl query carol
ctl submit '{"TASK":"FROBNICATE"}'
echo "== a retried update with the same IDEMPOTENCY_KEY pays once"
ctl submit '{"TASK":"UPDATE","USER":"bob","AMOUNT":5,"IDEMPOTENCY_KEY":"demo-pay-1"}'
ctl submit '{"TASK":"UPDATE","USER":"bob","AMOUNT":5,"IDEMPOTENCY_KEY":"demo-pay-1"}'
ctl query bob
echo "== balances in the database (integer cents)"
sqlite3 "$state/accounts.db" "SELECT user_id, balance FROM accounts ORDER BY user_id"
echo "== stopping orchd"
kill -TERM "$pid"; wait "$pid"; pid=""
tail -n 1 "$state/orchd.log" | sed 's/^/   orchd: /'

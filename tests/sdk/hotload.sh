#!/usr/bin/env bash
# A plugin written outside the repository, built against the installed SDK
# and dropped into running nodes: installs the build into a temporary root
# (DESTDIR), starts the installed orchd as a master and a worker WITHOUT the
# plugin (BONUS is an unknown task), builds the template (sdk/template)
# copied out of the tree against the installed SDK, installs libbonus.so into
# both nodes' plugin folders with install(1), and polls, with a deadline,
# until BONUS tasks are served through the installed orchctl, by the same
# two processes (same pids, never restarted).
#
#   tests/sdk/hotload.sh BUILD_DIR
set -euo pipefail
NAME="sdk hot-load test" BUILD="${1:?usage: hotload.sh BUILD_DIR}"
. "$(dirname "$0")/installed.sh"
shipped=$(dirname "$(find "$top" -name libsaldo.so | head -n1)")
template=$(find "$top" -type d -name plugin-template | head -n1)
[ -n "$template" ] || fail "the plugin template is not installed"

# 1. A master and a worker, each with its own plugin folder (the shipped
#    plugins only), started from the installed binaries.
for node in master worker; do
  mkdir -p "$root/$node-plugins"
  install -m 644 "$shipped/libecho.so" "$shipped/libsaldo.so" "$root/$node-plugins/"
done
cat > "$root/master.properties" <<PROPS
orchd.role = master
orchd.id = hot-master
plugins.dir = $root/master-plugins
plugins.scan_ms = 200
master.listen = 127.0.0.1:0
logging.loggers.root.channel = file
logging.channels.file.class = FileChannel
logging.channels.file.path = $root/master.log
PROPS
"$top/bin/orchd" --config="$root/master.properties" & pids+=($!)
master_pid=$!
port=$(master_port "$root/master.log")
cat > "$root/worker.properties" <<PROPS
orchd.role = worker
orchd.id = hot-worker
plugins.dir = $root/worker-plugins
plugins.scan_ms = 200
store.connection = $root/accounts.db
worker.home = hot-master@127.0.0.1:$port
logging.loggers.root.channel = file
logging.channels.file.class = FileChannel
logging.channels.file.path = $root/worker.log
PROPS
"$top/bin/orchd" --config="$root/worker.properties" & pids+=($!)
worker_pid=$!
for _ in $(seq 1 400); do grep -q "connected to master" "$root/worker.log" 2>/dev/null && break; sleep 0.025; done
grep -q "connected to master" "$root/worker.log" || fail "the worker did not connect"
ctl() { "$top/bin/orchctl" --master "127.0.0.1:$port" "$@"; }
ctl open alice 5 >/dev/null || fail "OPEN failed"
out=$(ctl submit '{"TASK":"BONUS","USER":"alice","IDEMPOTENCY_KEY":"hot-0"}' 2>&1) && fail "BONUS served before the plugin was there: $out"
echo "$out" | grep -q "Unknown task: BONUS" || fail "BONUS before the plugin: expected Unknown task: $out"

# 2. The template, copied out of the tree, built against the installed SDK.
cp -r "$template" "$root/bonus"
cmake -S "$root/bonus" -B "$root/bonus-build" -G Ninja -DCMAKE_PREFIX_PATH="$top" >"$root/configure.log" 2>&1 \
  || fail "the template does not configure against the installed SDK"
cmake --build "$root/bonus-build" >"$root/build.log" 2>&1 || fail "the template does not build against the installed SDK"

# 3. Dropped into both running nodes, as OPERATIONS.md says: master first,
#    the whole file renamed in by install(1).
install -m 644 "$root/bonus-build/libbonus.so" "$root/master-plugins/"
install -m 644 "$root/bonus-build/libbonus.so" "$root/worker-plugins/"
served=""
for _ in $(seq 1 200); do
  if out=$(ctl submit '{"TASK":"BONUS","USER":"alice","IDEMPOTENCY_KEY":"hot-1"}' 2>&1); then served=yes; break; fi
  sleep 0.1
done
[ -n "$served" ] || fail "BONUS was not served within 20 s of the drop: $out"
echo "$out" | grep -q '"SALDO":6' || fail "BONUS did not credit the bonus: $out"
out=$(ctl query alice) || fail "QUERY failed"
echo "$out" | grep -q '"SALDO":6' || fail "alice should have 6.00 after one bonus: $out"

# 4. By the same processes, never restarted.
kill -0 "$master_pid" 2>/dev/null || fail "the master is gone"
kill -0 "$worker_pid" 2>/dev/null || fail "the worker is gone"
[ "$(grep -c 'listening on' "$root/master.log")" = 1 ] || fail "the master started more than once"
[ "$(grep -c 'orchd hot-worker ready' "$root/worker.log")" = 1 ] || fail "the worker started more than once"
grep -q "loaded plugin $root/master-plugins/libbonus.so: BONUS" "$root/master.log" || fail "the master did not log the load"
grep -q "loaded plugin $root/worker-plugins/libbonus.so: BONUS" "$root/worker.log" || fail "the worker did not log the load"
grep -q 'told master of its task types: \["BONUS"' "$root/worker.log" || fail "the worker did not announce BONUS"
grep -q 'worker hot-worker now offers \["BONUS"' "$root/master.log" || fail "the master did not take the worker's new types"
echo "sdk hot-load test: OK (libbonus.so built against $top, dropped into running master $master_pid and worker $worker_pid, BONUS served)"

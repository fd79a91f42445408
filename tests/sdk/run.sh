#!/usr/bin/env bash
# The plugin SDK as a plugin author outside the repository uses it: installs
# the build into a temporary root (DESTDIR), copies the plugin template
# (sdk/template) out of the tree, builds it against the *installed* SDK
# (find_package(orchd)), runs its own unit test (the test kit), installs the
# library into the installed plugin folder, starts the installed orchd as a
# master and a worker with it, and runs BONUS tasks through them with the
# installed orchctl. Then builds the same plugin with pkg-config alone.
#
#   tests/sdk/run.sh BUILD_DIR
set -euo pipefail
NAME="sdk test" BUILD="${1:?usage: run.sh BUILD_DIR}"
source_dir=$(cd "$(dirname "$0")/../.." && pwd)
. "$(dirname "$0")/installed.sh"
sdk_config=$(find "$top" -name orchdConfig.cmake | head -n1)
[ -n "$sdk_config" ] || fail "no orchdConfig.cmake installed"
plugins=$(dirname "$(find "$top" -name libsaldo.so | head -n1)")
template=$(find "$top" -type d -name plugin-template | head -n1)
[ -n "$template" ] || fail "the plugin template is not installed"

# 1. The template, copied out, built against the installed SDK.
cp -r "$template" "$root/bonus"
cmake -S "$root/bonus" -B "$root/bonus-build" -G Ninja -DCMAKE_PREFIX_PATH="$top" >"$root/configure.log" 2>&1 \
  || fail "the template does not configure against the installed SDK"
cmake --build "$root/bonus-build" >"$root/build.log" 2>&1 || fail "the template does not build against the installed SDK"
ctest --test-dir "$root/bonus-build" --output-on-failure >"$root/template-test.log" 2>&1 || fail "the template's own test failed"
cmake --install "$root/bonus-build" >/dev/null || fail "the plugin does not install"
[ -f "$plugins/libbonus.so" ] || fail "libbonus.so was not installed into $plugins"
nm -D --defined-only "$plugins/libbonus.so" | grep -q orchdPluginPocoVersion || fail "libbonus.so lacks the ABI symbols"
if nm -D --defined-only -C "$plugins/libbonus.so" | grep -q "BonusTask::"; then fail "libbonus.so exports its classes (no hidden visibility)"; fi

# 2. Real master and worker processes (the installed binaries) run it.
cat > "$root/master.properties" <<PROPS
orchd.role = master
orchd.id = sdk-master
plugins.dir = $plugins
master.listen = 127.0.0.1:0
logging.loggers.root.channel = file
logging.channels.file.class = FileChannel
logging.channels.file.path = $root/master.log
PROPS
"$top/bin/orchd" --config="$root/master.properties" & pids+=($!)
port=$(master_port "$root/master.log")
cat > "$root/worker.properties" <<PROPS
orchd.role = worker
orchd.id = sdk-worker
plugins.dir = $plugins
store.connection = $root/accounts.db
worker.home = sdk-master@127.0.0.1:$port
logging.loggers.root.channel = file
logging.channels.file.class = FileChannel
logging.channels.file.path = $root/worker.log
PROPS
"$top/bin/orchd" --config="$root/worker.properties" & pids+=($!)
for _ in $(seq 1 400); do grep -q "connected to master" "$root/worker.log" 2>/dev/null && break; sleep 0.025; done
grep -q "loaded plugin .*libbonus.so: BONUS" "$root/worker.log" || fail "the worker did not load libbonus.so"
ctl() { "$top/bin/orchctl" --master "127.0.0.1:$port" "$@"; }
ctl open alice 5 >/dev/null || fail "OPEN failed"
out=$(ctl submit '{"TASK":"BONUS","USER":"alice","IDEMPOTENCY_KEY":"sdk-1"}') || fail "BONUS failed: $out"
echo "$out" | grep -q '"SALDO":6' || fail "BONUS did not credit the bonus: $out"
out=$(ctl submit '{"TASK":"BONUS","USER":"alice","IDEMPOTENCY_KEY":"sdk-1"}') || fail "BONUS retry failed: $out"
echo "$out" | grep -q '"REPLAYED":true' || fail "a retried BONUS was not a replay: $out"
out=$(ctl query alice) || fail "QUERY failed"
echo "$out" | grep -q '"SALDO":6' || fail "alice should have 6.00 after one bonus: $out"
out=$(ctl submit '{"TASK":"BONUS"}' 2>&1) && fail "a BONUS without USER was accepted: $out"
echo "$out" | grep -q "USER" || fail "a BONUS without USER was not refused naming USER: $out"

# 3. The same plugin with pkg-config alone (no CMake).
pcdir=$(dirname "$(find "$top" -name orchd.pc | head -n1)")
flags=$(PKG_CONFIG_PATH="$pcdir" PKG_CONFIG_SYSROOT_DIR="$root/install" pkg-config --cflags --libs orchd) || fail "pkg-config does not know orchd"
printf '#include "orchd/PluginApi.h"\nORCHD_DECLARE_PLUGIN_ABI()\n' > "$root/abi.cpp"
g++ -std=c++17 -fPIC -shared -fvisibility=hidden -fvisibility-inlines-hidden -o "$root/libbonus_pc.so" \
  "$root/bonus/BonusTask.cpp" "$root/bonus/BonusPlugin.cpp" "$root/abi.cpp" $flags 2>"$root/pkgconfig.log" \
  || fail "the plugin does not build with pkg-config's flags: $(cat "$root/pkgconfig.log")"
nm -D --defined-only "$root/libbonus_pc.so" | grep -q orchdPluginAbiVersion || fail "the pkg-config build lacks the ABI symbol"
echo "sdk test: OK (template built against $top, BONUS served by installed master and worker, pkg-config build OK)"

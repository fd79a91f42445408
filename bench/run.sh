#!/usr/bin/env bash
# orchd's benchmark suite: builds, then for each task type and each (workers,
# in flight) point starts a fresh cluster (one master, W workers of
# concurrency 4, SQLite store) and drives it with `orchctl bench`.
# Results: bench/results/orchd-<date>.json and .txt, and a table on stdout.
#
#   bench/run.sh            the full run (about a minute per point)
#   bench/run.sh --smoke    a few seconds, for CI: proves the suite still runs
# BUILD_DIR picks the build (default build/); ORCHD_BENCH_NO_BUILD=1 skips
# building (ctest's BenchSmoke uses both).
set -euo pipefail
cd "$(dirname "$0")/.."
smoke=0; [ "${1:-}" = "--smoke" ] && smoke=1
if [ "${ORCHD_BENCH_NO_BUILD:-0}" != 1 ]; then
  bash scripts/deps.sh
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=/usr >/dev/null
  cmake --build build -j "$(nproc)" >/dev/null
fi
. bench/cluster.sh

results=${ORCHD_BENCH_RESULTS:-bench/results}
mkdir -p "$results"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
out=$results/orchd-$stamp
tasks=${ORCHD_BENCH_TASKS:-50000}
points=("2 16" "2 64" "4 64")
mixes=("ECHO:100" "QUERY:100" "UPDATE:100" "TRANSFER:100" "QUERY:40,UPDATE:40,TRANSFER:20")
if [ $smoke = 1 ]; then tasks=500; points=("2 16"); mixes=("ECHO:100" "UPDATE:100"); fi

printf '%-32s %8s %9s %10s %9s %9s %9s  %s\n' mix workers in_flight tasks/s p50_ms p99_ms max_ms balance | tee "$out.txt"
echo "[" > "$out.json"
first=1
for point in "${points[@]}"; do
  read -r workers inflight <<<"$point"
  for mix in "${mixes[@]}"; do
    start_cluster "$workers" 4
    "${BUILD_DIR:-build}/bin/orchctl" --master "$MASTER" bench --tasks="$tasks" --concurrency="$inflight" --mix="$mix" --accounts=64 \
      --json="$cluster_state/point.json" > "$cluster_state/point.txt" || { cat "$cluster_state/point.txt"; exit 1; }
    stop_cluster
    row=$(python3 - "$cluster_state/point.json" "$mix" "$workers" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); r["mix"] = sys.argv[2]; r["workers"] = int(sys.argv[3])
print(json.dumps(r))
PY
)
    [ $first = 1 ] || echo "," >> "$out.json"; first=0
    echo "$row" >> "$out.json"
    python3 - "$row" <<'PY' | tee -a "$out.txt"
import json, sys
r = json.loads(sys.argv[1])
print("%-32s %8d %9d %10.0f %9.2f %9.2f %9.2f  %s" % (r["mix"], r["workers"], r["concurrency"], r["tasks_per_second"],
      r["p50_ms"], r["p99_ms"], r["max_ms"], "OK" if r["balance_ok"] else "MISMATCH"))
PY
  done
done
echo "]" >> "$out.json"
echo "results: $out.json $out.txt"

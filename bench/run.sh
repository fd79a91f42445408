#!/usr/bin/env bash
# orchd's benchmark suite: builds, then for each task type and each (workers,
# in flight) point starts a fresh cluster (one master, W workers of
# concurrency 4, SQLite store) and drives it with `orchctl bench`; then, in
# the same run, gearmand (--threads=1, its fastest setting here) with W
# workers of our libgearman driver (bench/gearman/gearbench) on the same two
# jobs (echo; one SQLite balance update per job), and prints orchd's figures
# beside gearmand's with the ratio and the performance issue's targets.
# Results: bench/results/<kind>-<date>.json and .txt, PNG charts (gnuplot),
# and the tables on stdout.
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
  if [ $smoke = 0 ]; then
    missing_bench=""
    for p in gearman-job-server libgearman-dev gnuplot-nox; do
      dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing_bench="$missing_bench $p"
    done
    if [ -n "$missing_bench" ]; then apt-get install -y -qq $missing_bench >/dev/null; fi
  fi
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

# gearmand on the same machine, same points, same two jobs.
build_dir=${BUILD_DIR:-build}
if [ $smoke = 1 ] || ! command -v gearmand >/dev/null || [ ! -x "$build_dir/bin/gearbench" ]; then
  echo "gearmand comparison skipped (smoke run, or gearmand/gearbench missing)"
  exit 0
fi
gout=$results/gearmand-$stamp
echo "[" > "$gout.json"
first=1
for point in "${points[@]}"; do
  read -r workers inflight <<<"$point"
  for job in echo update; do
    gdir=$(mktemp -d /tmp/orchd-gearman.XXXXXX)
    gport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    gearmand --threads=1 -p "$gport" -L 127.0.0.1 -l "$gdir/gearmand.log" -P "$gdir/gearmand.pid" & gpid=$!
    "$build_dir/bin/gearbench" setup "$gdir/g.db" 64
    for _ in $(seq 1 100); do (echo > "/dev/tcp/127.0.0.1/$gport") 2>/dev/null && break; sleep 0.05; done
    "$build_dir/bin/gearbench" worker "$gport" "$workers" "$gdir/g.db" & wpid=$!
    row=$("$build_dir/bin/gearbench" client "$gport" "$job" "$tasks" "$inflight" 64)
    kill "$wpid" "$gpid"; wait "$wpid" "$gpid" 2>/dev/null || true
    rm -rf "$gdir"
    row=$(python3 -c 'import json,sys; r=json.loads(sys.argv[1]); r["job"]=sys.argv[2]; r["workers"]=int(sys.argv[3]); print(json.dumps(r))' "$row" "$job" "$workers")
    [ $first = 1 ] || echo "," >> "$gout.json"; first=0
    echo "$row" >> "$gout.json"
  done
done
echo "]" >> "$gout.json"
python3 bench/compare.py "$out.json" "$gout.json" "$results/compare-$stamp" | tee "$results/compare-$stamp.txt"

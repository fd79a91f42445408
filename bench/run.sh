#!/usr/bin/env bash
# orchd's benchmark suite: builds, then for each task type and each (workers,
# in flight) point starts a fresh cluster (one master, W workers whose
# worker.concurrency is their share of the tasks in flight, at least 4;
# SQLite store) and drives it with `orchctl bench`; then ECHO at (2, 16) again
# with 1,000 idle worker connections (throughput and master RSS), and with a
# client stuck mid-frame plus one flooding without reading (p99); then the
# floors (bench/floor/floorbench: SQLite alone, WebSocket round trips through
# orchd's event loop); then, in
# the same run, gearmand (--threads=1, its fastest setting here) with W
# workers of our libgearman driver (bench/gearman/gearbench) on the same two
# jobs (echo; one SQLite balance update per job), and prints orchd's figures
# beside gearmand's with the ratio and the performance issue's targets.
# Results: bench/results/<kind>-<date>.json and .txt, PNG charts (gnuplot),
# and the tables on stdout.
#
#   bench/run.sh            the full run (about a minute per point)
#   bench/run.sh --smoke    a few seconds, for CI: proves the suite still runs
#   bench/run.sh --tls      also ECHO and UPDATE at every point with TLS and
#                           tls.verify_peers on every link (orchctl too) and
#                           client tokens (auth.tokens_file), beside
#                           the plain figures, TLS handshakes per second
#                           (openssl s_time against the master), and, with
#                           gearmand, orchd-with-TLS against gearmand
#                           (combines with --smoke)
# BUILD_DIR picks the build (default build/); ORCHD_BENCH_NO_BUILD=1 skips
# building (ctest's BenchSmoke uses both).
set -euo pipefail
cd "$(dirname "$0")/.."
smoke=0; tls=0
for arg in "$@"; do
  case $arg in
    --smoke) smoke=1;;
    --tls) tls=1;;
    *) echo "usage: bench/run.sh [--smoke] [--tls]" >&2; exit 2;;
  esac
done
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
tasks=${ORCHD_BENCH_TASKS:-100000}
points=("2 16" "2 64" "4 64")
mixes=("ECHO:100" "QUERY:100" "UPDATE:100" "TRANSFER:100" "QUERY:40,UPDATE:40,TRANSFER:20")
idle_workers=1000
floor_updates=20000; floor_trips=200000
if [ $smoke = 1 ]; then tasks=500; points=("2 16"); mixes=("ECHO:100" "UPDATE:100"); idle_workers=50; floor_updates=500; floor_trips=2000; fi
[ -n "${ORCHD_BENCH_POINTS:-}" ] && IFS=';' read -r -a points <<<"$ORCHD_BENCH_POINTS"   # e.g. "2 16;4 64"
[ -n "${ORCHD_BENCH_MIXES:-}" ] && IFS=';' read -r -a mixes <<<"$ORCHD_BENCH_MIXES"     # e.g. "ECHO:100;UPDATE:100"
build_dir=${BUILD_DIR:-build}
echo_tasks=$((tasks * 4))  # ECHO runs four times as many tasks (same for gearmand): a steadier p99
share() { local c=$(( $2 / $1 )); [ $c -lt 4 ] && c=4; echo $c; }  # WORKERS INFLIGHT -> worker.concurrency

printf '%-32s %8s %9s %10s %9s %9s %9s  %s\n' mix workers in_flight tasks/s p50_ms p99_ms max_ms balance | tee "$out.txt"
echo "[" > "$out.json"
first=1
for point in "${points[@]}"; do
  read -r workers inflight <<<"$point"
  for mix in "${mixes[@]}"; do
    start_cluster "$workers" "$(share "$workers" "$inflight")"
    n=$tasks; [ "$mix" = ECHO:100 ] && n=$echo_tasks
    "$build_dir/bin/orchctl" --master "$MASTER" bench --tasks="$n" --concurrency="$inflight" --mix="$mix" --accounts=64 \
      --report="$cluster_state/point.json" > "$cluster_state/point.txt" || { cat "$cluster_state/point.txt"; exit 1; }
    stop_cluster
    row=$(python3 - "$cluster_state/point.json" "$mix" "$workers" "$(share "$workers" "$inflight")" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); r["mix"] = sys.argv[2]; r["workers"] = int(sys.argv[3]); r["worker_concurrency"] = int(sys.argv[4])
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

# TLS: ECHO and UPDATE again at every point, every link over TLS with
# verified node certificates, then the master's TLS handshakes per second.
if [ $tls = 1 ]; then
  tout=$results/tls-$stamp
  printf '%-32s %8s %9s %10s %9s %9s %9s  %s\n' "mix (TLS)" workers in_flight tasks/s p50_ms p99_ms max_ms balance | tee "$tout.txt"
  echo "[" > "$tout.json"
  first=1
  for point in "${points[@]}"; do
    read -r workers inflight <<<"$point"
    for mix in ECHO:100 UPDATE:100; do
      ORCHD_BENCH_TLS=1 start_cluster "$workers" "$(share "$workers" "$inflight")"
      n=$tasks; [ "$mix" = ECHO:100 ] && n=$echo_tasks
      "$build_dir/bin/orchctl" "${MASTER_ARGS[@]}" bench --tasks="$n" --concurrency="$inflight" --mix="$mix" --accounts=64 \
        --report="$cluster_state/tls-point.json" > "$cluster_state/tls-point.txt" || { cat "$cluster_state/tls-point.txt"; exit 1; }
      stop_cluster
      row=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); r["mix"]=sys.argv[2]; r["workers"]=int(sys.argv[3]); r["tls"]=True; print(json.dumps(r))' \
        "$cluster_state/tls-point.json" "$mix" "$workers")
      [ $first = 1 ] || echo "," >> "$tout.json"; first=0
      echo "$row" >> "$tout.json"
      python3 - "$row" "$out.json" <<'PY' | tee -a "$tout.txt"
import json, sys
r = json.loads(sys.argv[1])
plain = [p for p in json.load(open(sys.argv[2])) if p["mix"] == r["mix"] and p["workers"] == r["workers"] and p["concurrency"] == r["concurrency"]]
ratio = " (%.2fx plain)" % (r["tasks_per_second"] / plain[0]["tasks_per_second"]) if plain else ""
print("%-32s %8d %9d %10.0f %9.2f %9.2f %9.2f  %s%s" % (r["mix"], r["workers"], r["concurrency"], r["tasks_per_second"],
      r["p50_ms"], r["p99_ms"], r["max_ms"], "OK" if r["balance_ok"] else "MISMATCH", ratio))
PY
    done
  done
  echo "]" >> "$tout.json"
  # Full handshakes (no session reuse) against a master with verify_peers,
  # presenting a node certificate, as a worker or peer would.
  ORCHD_BENCH_TLS=1 start_cluster 1 4
  seconds=10; [ $smoke = 1 ] && seconds=2
  openssl s_time -connect "$MASTER" -new -time "$seconds" -CAfile "$cluster_state/tls/ca.pem" \
    -cert "$cluster_state/tls/bench-w1.pem" -key "$cluster_state/tls/bench-w1.key" > "$cluster_state/s_time.txt" 2>&1 || true
  stop_cluster
  handshakes=$(grep -o '[0-9.]* connections/user sec' "$cluster_state/s_time.txt" | head -1 | cut -d' ' -f1)
  wall=$(grep -o '[0-9]* connections in [0-9.]* real seconds' "$cluster_state/s_time.txt" | head -1)
  echo "TLS handshakes (openssl s_time -new, ${seconds} s): ${wall:-none} (${handshakes:-?} connections/user sec of the client)" | tee -a "$tout.txt"
  echo "results: $tout.json $tout.txt"
fi

# Scale: ECHO at (2, 16) with idle worker connections that offer no task
# type, beside the same point without them: three fresh runs of each,
# alternating, compared by their medians (one run moves by about 10 %).
iout=$results/idle-$stamp.json
echo "[" > "$iout"
reps=3; [ $smoke = 1 ] && reps=1
for rep in $(seq 1 $reps); do
  for idle in 0 "$idle_workers"; do
    start_cluster 2 "$(share 2 16)"
    if [ "$idle" -gt 0 ]; then
      "$build_dir/bin/floorbench" idle "$MASTER" "$idle" > /dev/null & idle_pid=$!
      python3 - "$MASTER" "$((idle + 2))" <<'PY' || { kill $idle_pid; exit 1; }
import json, sys, time, urllib.request
deadline = time.time() + 60
while time.time() < deadline:
    if len(json.load(urllib.request.urlopen("http://%s/v1/status" % sys.argv[1]))["workers"]) >= int(sys.argv[2]): sys.exit(0)
    time.sleep(0.1)
sys.exit("timed out waiting for the idle workers")
PY
    fi
    rss=$(awk '/^VmRSS/ {print $2}' "/proc/${cluster_pids[0]}/status")
    "$build_dir/bin/orchctl" --master "$MASTER" bench --tasks="$tasks" --concurrency=16 --mix=ECHO:100 --accounts=64 \
      --report="$cluster_state/idle.json" > "$cluster_state/idle.txt" || { cat "$cluster_state/idle.txt"; exit 1; }
    [ "$idle" -gt 0 ] && { kill $idle_pid; wait $idle_pid 2>/dev/null || true; }
    stop_cluster
    [ "$rep$idle" = "10" ] || echo "," >> "$iout"
    python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); r["idle_workers"]=int(sys.argv[2]); r["master_rss_kib"]=int(sys.argv[3]); print(json.dumps(r))' \
      "$cluster_state/idle.json" "$idle" "$rss" >> "$iout"
  done
done
echo "]" >> "$iout"

# Robustness: ECHO at (2, 16) again while one client sits in the middle of a
# frame and another floods tasks without reading; p99 beside the same point
# without them.
mout=$results/misbehave-$stamp.json
echo "[" > "$mout"
for bad in 0 1; do
  start_cluster 2 "$(share 2 16)"
  if [ "$bad" = 1 ]; then
    "$build_dir/bin/floorbench" misbehave "$MASTER" > "$cluster_state/bad.json" & bad_pid=$!
    for _ in $(seq 1 200); do [ -s "$cluster_state/bad.json" ] && break; sleep 0.05; done
    [ -s "$cluster_state/bad.json" ] || { echo "the misbehaving clients did not start" >&2; kill $bad_pid; exit 1; }
  fi
  "$build_dir/bin/orchctl" --master "$MASTER" bench --tasks="$tasks" --concurrency=16 --mix=ECHO:100 --accounts=64 \
    --report="$cluster_state/bad-point.json" > "$cluster_state/bad-point.txt" || { cat "$cluster_state/bad-point.txt"; exit 1; }
  [ "$bad" = 1 ] && { kill $bad_pid; wait $bad_pid 2>/dev/null || true; }
  stop_cluster
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); r["misbehaving_clients"]=int(sys.argv[2]); print(json.dumps(r))' \
    "$cluster_state/bad-point.json" "$((bad * 2))" >> "$mout"
  [ "$bad" = 0 ] && echo "," >> "$mout"
done
echo "]" >> "$mout"

# The floors.
fout=$results/floor-$stamp.json
{ echo "["
  "$build_dir/bin/floorbench" sqlite "$cluster_state/floor.db" "$floor_updates" | sed 's/$/,/'
  "$build_dir/bin/floorbench" ws "$floor_trips" 16 4; echo ","
  "$build_dir/bin/floorbench" ws "$floor_trips" 64 4
  echo "]"; } > "$fout"
python3 bench/compare.py --scale "$out.json" "$iout" "$fout" "$mout" | tee -a "$out.txt"

# gearmand on the same machine, same points, same two jobs.
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
    n=$tasks; [ "$job" = echo ] && n=$echo_tasks
    row=$("$build_dir/bin/gearbench" client "$gport" "$job" "$n" "$inflight" 64)
    kill "$wpid" "$gpid"; wait "$wpid" "$gpid" 2>/dev/null || true
    rm -rf "$gdir"
    row=$(python3 -c 'import json,sys; r=json.loads(sys.argv[1]); r["job"]=sys.argv[2]; r["workers"]=int(sys.argv[3]); print(json.dumps(r))' "$row" "$job" "$workers")
    [ $first = 1 ] || echo "," >> "$gout.json"; first=0
    echo "$row" >> "$gout.json"
  done
done
echo "]" >> "$gout.json"
python3 bench/compare.py "$out.json" "$gout.json" "$results/compare-$stamp" | tee "$results/compare-$stamp.txt"
if [ $tls = 1 ]; then
  echo "With TLS (ECHO and UPDATE):" | tee -a "$results/compare-$stamp.txt"
  python3 bench/compare.py "$tout.json" "$gout.json" "$results/compare-tls-$stamp" | tee -a "$results/compare-$stamp.txt"
fi
python3 bench/compare.py --scale "$out.json" "$iout" "$fout" "$mout" >> "$results/compare-$stamp.txt"

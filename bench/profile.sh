#!/usr/bin/env bash
# Where an ECHO (or any mix's) task's time goes: starts one master and two
# workers (two links of one worker process, as bench/run.sh does), records
# the master and the worker process with `perf record` during
# an `orchctl bench`, then prints the CPU each process spent per task, and
# each process's time by library and its top functions (self time).
#
#   bench/profile.sh [MIX] [TASKS]      default ECHO:100 200000
#
# Needs perf (apt-get install linux-perf). Output: stdout and
# bench/results/profile-<date>.txt. Run by hand, not in CI.
set -euo pipefail
cd "$(dirname "$0")/.."
mix=${1:-ECHO:100}
tasks=${2:-200000}
command -v perf >/dev/null || { echo "perf is not installed (apt-get install linux-perf)" >&2; exit 1; }
. bench/cluster.sh
results=${ORCHD_BENCH_RESULTS:-bench/results}
mkdir -p "$results"
out=$results/profile-$(date -u +%Y%m%dT%H%M%SZ).txt

start_cluster 2 8
master=${cluster_pids[0]}; worker=${cluster_pids[1]}
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
declare -A before
for p in "${cluster_pids[@]}"; do before[$p]=$(ticks "$p"); done
perf record -F 999 -g -o "$cluster_state/master.perf" -p "$master" >/dev/null 2>&1 & pm=$!
perf record -F 999 -g -o "$cluster_state/worker.perf" -p "$worker" >/dev/null 2>&1 & pw=$!
sleep 0.5  # perf attaching; the figures below are per task, not timed
/usr/bin/time -f "%U %S" -o "$cluster_state/client.time" "${BUILD_DIR:-build}/bin/orchctl" "${MASTER_ARGS[@]}" bench \
  --tasks="$tasks" --concurrency=16 --mix="$mix" --accounts=64 > "$cluster_state/bench.txt"
kill -INT "$pm" "$pw"; wait "$pm" "$pw" 2>/dev/null || true
hz=$(getconf CLK_TCK)
{
  echo "profile of $mix: $tasks tasks, 2 workers (concurrency 8; links of one process unless ORCHD_BENCH_PROCESSES=1), 16 in flight; perf at 999 Hz on the master and the (first) worker process"
  grep -E "throughput|latency" "$cluster_state/bench.txt"
  echo
  echo "CPU per task (user + system), microseconds:"
  names=(master worker worker2)
  i=0
  for p in "${cluster_pids[@]}"; do
    printf '  %-8s %6.1f\n' "${names[$i]}" "$(python3 -c "print(($(ticks "$p") - ${before[$p]}) * 1e6 / $hz / $tasks)")"
    i=$((i + 1))
  done
  read -r u s < "$cluster_state/client.time"
  printf '  %-8s %6.1f\n' client "$(python3 -c "print(($u + $s) * 1e6 / $tasks)")"
  for who in master worker; do
    echo
    echo "$who: time by library"
    perf report -i "$cluster_state/$who.perf" --no-children --sort dso --stdio 2>/dev/null | grep -E '^ +[0-9.]+%' | head -8 || true
    echo "$who: top functions (self)"
    perf report -i "$cluster_state/$who.perf" --no-children --sort symbol --stdio -g none 2>/dev/null | grep -E '^ +[0-9.]+%' | head -20 | cut -c1-110 || true
  done
} | tee "$out"
echo "written: $out"

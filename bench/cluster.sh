#!/usr/bin/env bash
# Starts a master and W workers (concurrency C) on an SQLite store in a
# temporary folder, prints the master's address, and stops them all when
# the calling script exits. Source it:  . bench/cluster.sh; start_cluster W C
# The W workers are W links of one orchd process (worker.links = W), as
# gearbench runs W worker threads in one process; ORCHD_BENCH_PROCESSES=1
# starts one process per worker instead. ORCHD_BENCH_STORE holds extra
# worker properties lines (store.connector = postgresql, ...) for a store
# other than the SQLite file. ORCHD_BENCH_SYNCHRONOUS is the workers'
# store.synchronous (default normal, the setting of the figures before it
# existed); it is exported to gearbench as GEARBENCH_SYNCHRONOUS so that
# gearmand's worker commits with the same durability.
# ORCHD_BENCH_TLS=1 makes a CA and node
# certificates (once, with openssl) and starts the cluster with TLS and
# tls.verify_peers on every link, and client tokens on the master
# (auth.tokens_file; orchctl sends a submit token); MASTER_ARGS holds
# orchctl's arguments for either (--master, and --ca-file with the
# master's name and --token-file).
set -euo pipefail
export ORCHD_BENCH_SYNCHRONOUS=${ORCHD_BENCH_SYNCHRONOUS:-normal}
export GEARBENCH_SYNCHRONOUS=$ORCHD_BENCH_SYNCHRONOUS

cluster_state=$(mktemp -d "${TMPDIR:-/tmp}/orchd-bench.XXXXXX")
cluster_pids=()
stop_cluster() {
  for pid in "${cluster_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${cluster_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  cluster_pids=()
}
trap 'stop_cluster; rm -rf "$cluster_state"' EXIT

cluster_log() {
  cat <<PROPS
logging.loggers.root.channel = file
logging.channels.file.class = FileChannel
logging.channels.file.path = $cluster_state/$1.log
PROPS
}

tls_properties() {  # NODE_ID: the tls.* keys, making its certificate on first use
  [ "${ORCHD_BENCH_TLS:-0}" = 1 ] || return 0
  local dir=$cluster_state/tls
  mkdir -p "$dir"
  if [ ! -f "$dir/ca.pem" ]; then
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$dir/ca.key" \
      -out "$dir/ca.pem" -days 2 -subj "/CN=orchd bench CA" 2>/dev/null
  fi
  if [ ! -f "$dir/$1.pem" ]; then
    printf 'subjectAltName = DNS:%s\nbasicConstraints = CA:FALSE\n' "$1" > "$dir/$1.ext"
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$dir/$1.key" \
      -out "$dir/$1.csr" -subj "/CN=$1" 2>/dev/null
    openssl x509 -req -in "$dir/$1.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial \
      -out "$dir/$1.pem" -days 2 -extfile "$dir/$1.ext" 2>/dev/null
  fi
  printf 'tls.certificate_file = %s\ntls.private_key_file = %s\ntls.ca_file = %s\ntls.verify_peers = true\n' \
    "$dir/$1.pem" "$dir/$1.key" "$dir/ca.pem"
  if [ "$1" = bench-master ]; then
    # Client tokens: the bench client is a submitter like any application.
    [ -f "$dir/tokens" ] || { printf 'bench submit %s\n' "$(openssl rand -hex 24)" > "$dir/tokens"; cut -d' ' -f3 "$dir/tokens" > "$dir/bench.token"; chmod 600 "$dir/tokens" "$dir/bench.token"; }
    printf 'auth.tokens_file = %s\n' "$dir/tokens"
  fi
}

wait_for_log() {  # FILE TEXT [TIMES]
  local n
  for _ in $(seq 1 400); do
    n=$(grep -c "$2" "$1" 2>/dev/null || true)
    [ "${n:-0}" -ge "${3:-1}" ] && return 0; sleep 0.025
  done
  echo "timed out waiting for '$2' in $1" >&2; exit 1
}

start_cluster() {  # WORKERS CONCURRENCY -> sets MASTER
  local workers=$1 concurrency=$2 root
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  local build=${BUILD_DIR:-build}
  case $build in /*) ;; *) build=$root/$build;; esac
  rm -f "$cluster_state"/*.db* "$cluster_state"/*.log
  { printf 'orchd.role = master\norchd.id = bench-master\nplugins.dir = %s/plugins\nmaster.listen = 127.0.0.1:0\nqueue.capacity = 100000\n' "$build"
    tls_properties bench-master
    cluster_log master; } > "$cluster_state/master.properties"
  "$build/bin/orchd" --config="$cluster_state/master.properties" & cluster_pids+=($!)
  wait_for_log "$cluster_state/master.log" "master listening on"
  MASTER=127.0.0.1:$(grep -o 'listening on 127.0.0.1:[0-9]*' "$cluster_state/master.log" | cut -d: -f2)
  MASTER_ARGS=(--master "$MASTER")
  if [ "${ORCHD_BENCH_TLS:-0}" = 1 ]; then MASTER_ARGS=(--master "bench-master@$MASTER" --ca-file "$cluster_state/tls/ca.pem" --token-file "$cluster_state/tls/bench.token"); fi
  local processes=1 links=$workers
  if [ "${ORCHD_BENCH_PROCESSES:-0}" = 1 ]; then processes=$workers; links=1; fi
  for i in $(seq 1 "$processes"); do
    { printf 'orchd.role = worker\norchd.id = bench-w%s\nplugins.dir = %s/plugins\nstore.connection = %s/bench.db\nworker.home = bench-master@%s\nworker.concurrency = %s\nworker.links = %s\nstore.synchronous = %s\n' \
        "$i" "$build" "$cluster_state" "$MASTER" "$concurrency" "$links" "$ORCHD_BENCH_SYNCHRONOUS"
      tls_properties "bench-w$i"
      cluster_log "w$i"
      [ -z "${ORCHD_BENCH_STORE:-}" ] || printf '%s\n' "$ORCHD_BENCH_STORE"; } > "$cluster_state/w$i.properties"
    "$build/bin/orchd" --config="$cluster_state/w$i.properties" & cluster_pids+=($!)
    wait_for_log "$cluster_state/w$i.log" "connected to master" "$links"
  done
}

#!/usr/bin/env bash
# orchd on PostgreSQL and MariaDB, beside gearmand on the same database in
# the same run. For each backend (a throwaway server from
# scripts/dbservers.sh, on this machine):
#   - orchd: UPDATE and the mix QUERY:40,UPDATE:40,TRANSFER:20 at (2, 16)
#     and (4, 64) (a master and W links of one worker process, as in
#     bench/run.sh), with the bench's balance check;
#   - gearmand 1.1 (--threads=1) with W gearbench worker threads running the
#     same update job against the same database, one transaction per job;
#   - the database's own floor: one connection, one update per
#     transaction, then 100 per transaction;
#   - how cost grows: UPDATE at (4, 64) over 64, 100,000 and 1,000,000
#     accounts (filled by SQL; orchctl bench --opened).
# Results: bench/results/netstore-<date>.json and .txt.
#
#   bench/netstore.sh                  the full run (about ten minutes)
#   ORCHD_BENCH_TASKS=N                tasks per point (default 50000)
#   ORCHD_BENCH_BACKENDS="postgresql"  one backend only
#   ORCHD_BENCH_POINTS="4 64" ORCHD_BENCH_MIXES="UPDATE:100" ORCHD_BENCH_SCALES="64"
#                                      fewer points, mixes or account counts
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
results=${ORCHD_BENCH_RESULTS:-bench/results}
mkdir -p "$results"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
out=$results/netstore-$stamp
tasks=${ORCHD_BENCH_TASKS:-50000}
read -r -a backends <<<"${ORCHD_BENCH_BACKENDS:-postgresql mariadb}"
points=("2 16" "4 64")
mixes=("UPDATE:100" "QUERY:40,UPDATE:40,TRANSFER:20")
scales=(64 100000 1000000)
[ -n "${ORCHD_BENCH_POINTS:-}" ] && IFS=';' read -r -a points <<<"$ORCHD_BENCH_POINTS"   # e.g. "4 64"
[ -n "${ORCHD_BENCH_MIXES:-}" ] && IFS=';' read -r -a mixes <<<"$ORCHD_BENCH_MIXES"     # e.g. "UPDATE:100"
[ -n "${ORCHD_BENCH_SCALES:-}" ] && read -r -a scales <<<"$ORCHD_BENCH_SCALES"          # e.g. "64 1000000"
share() { local c=$(( $2 / $1 )); [ $c -lt 4 ] && c=4; echo $c; }

# The networked stores' figures are at store.synchronous = full (the
# servers' defaults: synchronous_commit on, innodb_flush_log_at_trx_commit 1)
# unless ORCHD_BENCH_SYNCHRONOUS says otherwise.
export ORCHD_BENCH_SYNCHRONOUS=${ORCHD_BENCH_SYNCHRONOUS:-full}
# The servers run with the write-heavy settings docs/OPERATIONS.md
# recommends (fewer checkpoints, compressed full-page images, a redo log
# that does not force a flush every few thousand commits); gearmand's
# worker uses the same servers.
export ORCHD_DB_PG_OPTIONS=${ORCHD_DB_PG_OPTIONS:--c wal_compression=lz4 -c max_wal_size=4GB -c checkpoint_timeout=15min -c shared_buffers=512MB}
export ORCHD_DB_MARIADB_OPTIONS=${ORCHD_DB_MARIADB_OPTIONS:---innodb-log-file-size=1G --innodb-buffer-pool-size=1G}
. bench/cluster.sh
dbdir=$(mktemp -d /tmp/orchd-benchdb.XXXXXX)
trap 'stop_cluster; rm -rf "$cluster_state"; bash scripts/dbservers.sh stop "$dbdir"; rm -rf "$dbdir"' EXIT
bash scripts/dbservers.sh start "$dbdir" "${backends[@]}"
. "$dbdir/env"
password=$(cat "$ORCHD_TEST_DB_PASSWORD_FILE")

sql() {  # BACKEND STATEMENT
  if [ "$1" = postgresql ]; then PGPASSWORD=$password psql "$ORCHD_TEST_POSTGRESQL" -qAt -v ON_ERROR_STOP=1 -c "$2"
  else
    local port; port=$(echo "$ORCHD_TEST_MARIADB" | sed 's/.*port=\([0-9]*\).*/\1/')
    mariadb --no-defaults -h127.0.0.1 -P "$port" -uorchd -p"$password" orchd_test -N -e "$2"
  fi
}
clean() { sql "$1" "DROP TABLE IF EXISTS orchd_idempotency, accounts, orchd_store, orchd_schema" >/dev/null; }
gear_db() {
  if [ "$1" = postgresql ]; then echo "postgresql:$ORCHD_TEST_POSTGRESQL password=$password"
  else echo "mariadb:127.0.0.1:$(echo "$ORCHD_TEST_MARIADB" | sed 's/.*port=\([0-9]*\).*/\1/'):orchd_test:orchd:$password"; fi
}
row() {  # FILE.json BACKEND KIND MIX WORKERS [ACCOUNTS] -> one JSON line
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); r.update(backend=sys.argv[2], kind=sys.argv[3], mix=sys.argv[4], workers=int(sys.argv[5])); r.update({"accounts": int(sys.argv[6])} if len(sys.argv) > 6 else {}); print(json.dumps(r))' "$@"
}

echo "[" > "$out.json"
first=1
emit() { [ $first = 1 ] || echo "," >> "$out.json"; first=0; echo "$1" >> "$out.json"; echo "$1"; }
for backend in "${backends[@]}"; do
  if [ "$backend" = postgresql ]; then connection=$ORCHD_TEST_POSTGRESQL; else connection=$ORCHD_TEST_MARIADB; fi
  export ORCHD_BENCH_STORE="store.connector = $backend
store.connection = $connection
store.password_file = $ORCHD_TEST_DB_PASSWORD_FILE"
  for point in "${points[@]}"; do
    read -r workers inflight <<<"$point"
    for mix in "${mixes[@]}"; do
      clean "$backend"
      start_cluster "$workers" "$(share "$workers" "$inflight")"
      "$build_dir/bin/orchctl" --master "$MASTER" bench --tasks="$tasks" --concurrency="$inflight" --mix="$mix" --accounts=64 \
        --report="$cluster_state/p.json" > "$cluster_state/p.txt" || { cat "$cluster_state/p.txt"; exit 1; }
      stop_cluster
      emit "$(row "$cluster_state/p.json" "$backend" orchd "$mix" "$workers")"
    done
    # gearmand, same point, the same update job on the same database.
    gdir=$(mktemp -d /tmp/orchd-gearman.XXXXXX)
    gport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    gearmand --threads=1 -p "$gport" -L 127.0.0.1 -l "$gdir/gearmand.log" -P "$gdir/gearmand.pid" & gpid=$!
    "$build_dir/bin/gearbench" setup "$(gear_db "$backend")" 64
    for _ in $(seq 1 100); do (echo > "/dev/tcp/127.0.0.1/$gport") 2>/dev/null && break; sleep 0.05; done
    "$build_dir/bin/gearbench" worker "$gport" "$workers" "$(gear_db "$backend")" & wpid=$!
    "$build_dir/bin/gearbench" client "$gport" update "$tasks" "$inflight" 64 > "$gdir/g.json"
    kill "$wpid" "$gpid"; wait "$wpid" "$gpid" 2>/dev/null || true
    emit "$(row "$gdir/g.json" "$backend" gearmand UPDATE:100 "$workers")"
    rm -rf "$gdir"
  done
  # The database alone.
  "$build_dir/bin/gearbench" setup "$(gear_db "$backend")" 64
  for per in 1 100; do
    "$build_dir/bin/gearbench" floor "$(gear_db "$backend")" $((per == 1 ? 5000 : 50000)) "$per" > "$cluster_state/f.json"
    emit "$(row "$cluster_state/f.json" "$backend" floor "UPDATE x$per" 0)"
  done
  # How cost grows with the number of accounts.
  for n in "${scales[@]}"; do
    clean "$backend"
    start_cluster 4 "$(share 4 64)"
    if [ "$backend" = postgresql ]; then
      sql "$backend" "INSERT INTO accounts SELECT 'scale' || g, 100000 FROM generate_series(0, $((n - 1))) g"
    else
      sql "$backend" "INSERT INTO accounts SELECT CONCAT('scale', seq), 100000 FROM seq_0_to_$((n - 1))"
    fi
    "$build_dir/bin/orchctl" --master "$MASTER" bench --tasks="$tasks" --concurrency=64 --mix=UPDATE:100 --accounts="$n" --opened=scale \
      --report="$cluster_state/s.json" > "$cluster_state/s.txt" || { cat "$cluster_state/s.txt"; exit 1; }
    stop_cluster
    emit "$(row "$cluster_state/s.json" "$backend" scale UPDATE:100 4 "$n")"
  done
done
echo "]" >> "$out.json"
python3 bench/netstore.py "$out.json" | tee "$out.txt"

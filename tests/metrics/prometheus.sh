#!/usr/bin/env bash
# A real Prometheus scrapes a real master and worker, and a value is read
# back through its query API.
#
#   bash tests/metrics/prometheus.sh [BUILD_DIR]        (default: build)
#
# Starts, each in a temporary folder of its own and on ports chosen at run
# time: a master with client tokens (auth.tokens_file), a worker with
# worker.metrics_listen, and Debian's prometheus (its own
# --storage.tsdb.path, --web.listen-address on a free loopback port, retried
# if another process takes it first) scraping the master every second with
# a read token (authorization: credentials_file) and the worker. Runs N ECHO
# tasks and two store tasks through orchctl, then polls
# /api/v1/query with a deadline until Prometheus reports
# orchd_tasks_completed_total{type="ECHO"} = N from the master and
# orchd_worker_tasks_total{type="ECHO",status="ok"} = N from the worker, and
# up = 1 for both targets. Everything it started is stopped at exit, also on
# failure (trap). Exit 0 when all hold, 1 with a FAIL line, 77 (skipped,
# with the reason) without prometheus or python3.
set -uo pipefail

BUILD=$(cd "${1:-build}" 2>/dev/null && pwd) || { echo "PrometheusScrapeTest: no build folder ${1:-build}"; exit 1; }
ORCHD=$BUILD/bin/orchd
ORCHCTL=$BUILD/bin/orchctl
PLUGINS=$BUILD/plugins
PROMETHEUS=${PROMETHEUS:-/usr/bin/prometheus}
N=7
DEADLINE=40
T0=$SECONDS

skip() { echo "PrometheusScrapeTest skipped: $*"; exit 77; }
fail() { echo "FAIL: $*"; for f in "$DIR"/*.log; do echo "--- $f"; tail -20 "$f"; done; exit 1; }
[ -x "$PROMETHEUS" ] || skip "no $PROMETHEUS (apt-get install prometheus)"
command -v python3 >/dev/null || skip "no python3 (the free ports and the query API's JSON)"
[ -x "$ORCHD" ] && [ -x "$ORCHCTL" ] || { echo "PrometheusScrapeTest: no $ORCHD or $ORCHCTL: build first"; exit 1; }

DIR=$(mktemp -d /tmp/orchd-prometheus.XXXXXX)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null; done
  rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }

wait_log() {  # FILE TEXT: polls until FILE contains TEXT, or fails after 10 s
  local end=$((SECONDS + 10))
  until grep -q "$2" "$1" 2>/dev/null; do
    [ $SECONDS -lt $end ] || fail "no '$2' in $1 within 10 s"
    sleep 0.1
  done
}

port_in_log() { grep -o "$2 [0-9.]*:[0-9]*" "$1" | head -1 | sed 's/.*://'; }

node() {  # NAME PROPERTIES: starts orchd with that file, logging to NAME.log
  printf '%s\nlogging.loggers.root.channel = file\nlogging.channels.file.class = FileChannel\nlogging.channels.file.path = %s\n' \
    "$2" "$DIR/$1.log" > "$DIR/$1.properties"
  "$ORCHD" --config="$DIR/$1.properties" > "$DIR/$1.out" 2>&1 &
  PIDS+=($!)
}

SUBMIT=ci-submit-$RANDOM$RANDOM-000000
READ=prometheus-read-$RANDOM$RANDOM-0000
printf 'ci submit %s\nprometheus read %s\n' "$SUBMIT" "$READ" > "$DIR/tokens"
echo "$SUBMIT" > "$DIR/submit.token"
echo "$READ" > "$DIR/read.token"
chmod 600 "$DIR"/*.token "$DIR/tokens"

node m1 "orchd.role = master
orchd.id = m1
plugins.dir = $PLUGINS
master.listen = 127.0.0.1:0
auth.tokens_file = $DIR/tokens"
wait_log "$DIR/m1.log" "master listening on"
MPORT=$(port_in_log "$DIR/m1.log" "master listening on")

node w1 "orchd.role = worker
orchd.id = w1
plugins.dir = $PLUGINS
store.connection = $DIR/store.db
worker.home = m1@127.0.0.1:$MPORT
worker.metrics_listen = 127.0.0.1:0"
wait_log "$DIR/w1.log" "metrics listening on"
wait_log "$DIR/w1.log" "connected to master m1"
WPORT=$(port_in_log "$DIR/w1.log" "metrics listening on")

ctl() { "$ORCHCTL" --master "127.0.0.1:$MPORT" --token-file "$DIR/submit.token" --timeout 10 "$@" > /dev/null || fail "orchctl $*"; }
for i in $(seq $N); do ctl submit "{\"TASK\":\"ECHO\",\"PAYLOAD\":$i}"; done
ctl open alice 10
ctl update alice 2.50

cat > "$DIR/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: orchd-master
    authorization:
      type: Bearer
      credentials_file: $DIR/read.token
    static_configs:
      - targets: ['127.0.0.1:$MPORT']
  - job_name: orchd-worker
    static_configs:
      - targets: ['127.0.0.1:$WPORT']
EOF

# The port is free when chosen, but another process may take it before
# Prometheus binds it: then Prometheus exits, and it is tried on another.
PPORT=
for attempt in 1 2 3; do
  port=$(free_port)
  "$PROMETHEUS" --config.file="$DIR/prometheus.yml" --storage.tsdb.path="$DIR/tsdb" \
    --web.listen-address="127.0.0.1:$port" --log.level=warn > "$DIR/prometheus-$attempt.log" 2>&1 &
  pid=$!
  PIDS+=($pid)
  end=$((SECONDS + 15))
  while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $end ]; do
    if python3 -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$port/-/ready', timeout=1)" 2>/dev/null; then
      PPORT=$port
      break 2
    fi
    sleep 0.2
  done
  kill "$pid" 2>/dev/null
  grep -q "address already in use" "$DIR/prometheus-$attempt.log" || fail "prometheus did not get ready"
done
[ -n "$PPORT" ] || fail "prometheus found no free port in 3 attempts"

query() {  # PROMQL: the value of the first series of an instant query, or empty
  python3 - "$PPORT" "$1" <<'PY'
import json, sys, urllib.parse, urllib.request
port, promql = sys.argv[1], sys.argv[2]
url = "http://127.0.0.1:%s/api/v1/query?query=%s" % (port, urllib.parse.quote(promql))
try:
    body = json.load(urllib.request.urlopen(url, timeout=2))
except Exception:
    sys.exit(0)
result = body.get("data", {}).get("result", [])
if body.get("status") == "success" and result:
    print(result[0]["value"][1])
PY
}

expect() {  # PROMQL VALUE: polls until Prometheus answers VALUE, or fails at the deadline
  local end=$((SECONDS + DEADLINE)) got=
  while [ $SECONDS -lt $end ]; do
    got=$(query "$1")
    [ "$got" = "$2" ] && { echo "prometheus: $1 = $got"; return; }
    sleep 0.3
  done
  fail "prometheus: $1 is '$got', not $2, after ${DEADLINE} s"
}

expect 'up{job="orchd-master"}' 1
expect 'up{job="orchd-worker"}' 1
expect 'orchd_tasks_completed_total{job="orchd-master",type="ECHO"}' $N
expect 'orchd_worker_tasks_total{job="orchd-worker",type="ECHO",status="ok"}' $N
expect 'orchd_tasks_completed_total{job="orchd-master",type="UPDATE"}' 1
expect 'count(orchd_build_info{role="master",id="m1"})' 1
echo "PrometheusScrapeTest passed in $((SECONDS - T0)) s (prometheus on 127.0.0.1:$PPORT, master :$MPORT, worker metrics :$WPORT)"

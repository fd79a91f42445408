#!/usr/bin/env bash
# The live dashboard (GET /ui/) in a real browser: two federated masters
# (master-a with auth.tokens_file, one worker of concurrency 1; master-b
# with three idle workers), a steady burst of tasks on master-a until it
# borrows, then headless Chromium loads master-a's /ui/#token=READ_TOKEN
# until its DOM shows every worker master-a has and the loan arrow
# master-b -> master-a, saves a screenshot (BUILD_DIR/dashboard.png) and
# checks that the page still shows the loan after it. Also: the files'
# headers (Content-Security-Policy, types, /ui redirect, 404, 405), that
# they reference nothing off the master, that the page without a token
# asks for one, and that Chromium reported no script error and no
# Content-Security-Policy violation. No Chromium: exit 77.
#
#   tests/ui/check_dashboard.sh BUILD_DIR [SCREENSHOT.png]
set -euo pipefail
build=$(cd "${1:?usage: check_dashboard.sh BUILD_DIR [SCREENSHOT.png]}" && pwd)
shot=${2:-$build/dashboard.png}
here=$(cd "$(dirname "$0")" && pwd)
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then echo "dashboard test skipped: no chromium (scripts/deps.sh installs it)"; exit 77; fi
command -v python3 >/dev/null || { echo "dashboard test skipped: no python3"; exit 77; }
root=$(mktemp -d /tmp/orchd-ui.XXXXXX)
pids=()
cleanup() {
  touch "$root/stop"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$root"
}
trap cleanup EXIT
fail() {
  echo "dashboard test: $*" >&2
  for f in "$root"/*.log; do [ -e "$f" ] && { echo "--- $f" >&2; tail -n 15 "$f" >&2; }; done
  exit 1
}
step() { echo "  ${SECONDS}s: $*"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
# Waits up to $1 seconds for the command after it to succeed.
within() { local end=$((SECONDS + $1)); shift; until "$@"; do [ $SECONDS -lt $end ] || return 1; sleep 0.2; done; }

pa=$(free_port); pb=$(free_port)
read_token=read-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
submit_token=submit-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
printf 'dashboard read %s\nburst submit %s\n' "$read_token" "$submit_token" > "$root/tokens"
echo "$read_token" > "$root/read.token"
echo "$submit_token" > "$root/submit.token"
master() { # ID PORT PEER PEER_PORT EXTRA
  cat > "$root/$1.properties" <<PROPS
orchd.role = master
orchd.id = $1
plugins.dir = $build/plugins
master.listen = 127.0.0.1:$2
master.peers = $3@127.0.0.1:$4
peer.heartbeat_ms = 250
peer.dead_after_ms = 3000
lb.max_queue = 10
lb.min_queue = 2
lb.window_ms = 300
lb.cooldown_ms = 500
lb.max_borrow = 4
lb.min_workers = 1
logging.loggers.root.channel = file
logging.channels.file.class = FileChannel
logging.channels.file.path = $root/$1.log
$5
PROPS
  "$build/bin/orchd" --config="$root/$1.properties" & pids+=($!)
}
worker() { # ID HOME PORT CONCURRENCY
  cat > "$root/$1.properties" <<PROPS
orchd.role = worker
orchd.id = $1
plugins.dir = $build/plugins
store.connection = $root/accounts.db
worker.home = $2@127.0.0.1:$3
worker.concurrency = $4
logging.loggers.root.channel = file
logging.channels.file.class = FileChannel
logging.channels.file.path = $root/$1.log
PROPS
  "$build/bin/orchd" --config="$root/$1.properties" & pids+=($!)
}
# status PORT EXPRESSION: evaluates a Python expression on master's /v1/status (s).
status() {
  python3 - "$1" "$root/read.token" "$2" <<'PY'
import http.client, json, sys
port, token, expr = int(sys.argv[1]), open(sys.argv[2]).read().strip(), sys.argv[3]
try:
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    c.request("GET", "/v1/status", headers={"Authorization": "Bearer " + token})
    s = json.loads(c.getresponse().read())
except (OSError, ValueError):
    sys.exit(1)
result = eval(expr, {"s": s})
if result is True: sys.exit(0)
if result is False or result is None: sys.exit(1)
print(result)
PY
}

master master-a "$pa" master-b "$pb" "auth.tokens_file = $root/tokens"
master master-b "$pb" master-a "$pa" ""
within 10 grep -qs "listening on" "$root/master-a.log" || fail "master-a did not start"
within 10 grep -qs "listening on" "$root/master-b.log" || fail "master-b did not start"
worker a-w1 master-a "$pa" 1
for w in b-w1 b-w2 b-w3; do worker "$w" master-b "$pb" 2; done
within 15 status "$pa" '[p["state"] for p in s["peers"]] == ["ALIVE"] and len(s["workers"]) == 1' || fail "master-a: no ALIVE peer or no worker"
within 15 status "$pb" '[p["state"] for p in s["peers"]] == ["ALIVE"] and len(s["workers"]) == 3' || fail "master-b: no ALIVE peer or not 3 workers"

step "two masters and four workers up"
# 1. The files, as any client gets them.
python3 - "$pa" <<'PY' || fail "the /ui/ files are not served as they should be"
import http.client, re, sys
port = int(sys.argv[1])
def get(path, method="GET"):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    c.request(method, path)
    r = c.getresponse()
    return r, r.read().decode()
r, page = get("/ui/")
assert r.status == 200 and r.getheader("Content-Type") == "text/html; charset=utf-8", (r.status, r.getheader("Content-Type"))
csp = r.getheader("Content-Security-Policy") or ""
for directive in ("default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"):
    assert directive in csp, "CSP lacks " + directive + ": " + csp
assert "unsafe-inline" not in csp and r.getheader("X-Content-Type-Options") == "nosniff"
refs = re.findall(r'(?:src|href)="([^"]*)"', page)
assert refs and all(not re.match(r"^([a-z]+:|//)", ref) for ref in refs), refs
assert "<script>" not in page and " style=" not in page, "inline script or style in index.html"
for ref in refs:
    r, body = get("/ui/" + ref)
    assert r.status == 200 and body, ref
    assert not re.search(r"(?:src|href|url)\s*[=(]\s*['\"]?(?:https?:)?//", body), ref + " refers off the master"
r, _ = get("/ui/dashboard.js")
assert r.getheader("Content-Type") == "text/javascript; charset=utf-8"
r, _ = get("/ui")
assert r.status == 301 and r.getheader("Location") == "/ui/"
assert get("/ui/nope.js")[0].status == 404 and get("/ui/", "POST")[0].status == 405
assert get("/v1/status")[0].status == 401   # the data needs the token; the page did not
PY

run_browser() { # LOG URL ARGS...: one headless Chromium, its own profile, bounded
  # The budget is the page's virtual time: enough for a few polls.
  local log=$1 url=$2 budget=3000; shift 2
  case "$*" in *--screenshot*) budget=5000 ;; esac
  timeout 60 "$browser" --headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run --disable-extensions \
    --user-data-dir="$root/chrome" --enable-logging=stderr --v=0 --virtual-time-budget="$budget" "$@" "$url" 2>>"$root/$log"
}

# 2. Without a token the page asks for one.
run_browser chromium.log "http://127.0.0.1:$pa/ui/" --dump-dom > "$root/notoken.html" || fail "chromium failed (no token)"
grep -q 'id="token-form" class="token-form">' "$root/notoken.html" || fail "the page without a token did not ask for one: $(grep -o '<form[^>]*>' "$root/notoken.html")"
grep -q 'data-worker=' "$root/notoken.html" && fail "the page showed workers without a token"

step "the page without a token asks for one"
# 3. A burst on master-a until it borrows from master-b.
python3 "$here/burst.py" "$pa" "$root/submit.token" "$root/stop" 40 150 > "$root/burst.log" 2>&1 & pids+=($!)
within 25 status "$pa" 'any(w["owner"] == "master-b" for w in s["workers"])' || fail "master-a borrowed no worker during the burst"

step "master-a borrowed"
# 4. The page shows master-a's workers and the loan; screenshot; still so after.
url="http://127.0.0.1:$pa/ui/#token=$read_token"
shows_cluster() { # DOM: every worker master-a lists now, and the loan arrow
  local workers
  workers=$(status "$pa" '" ".join(w["id"] for w in s["workers"])') || return 1
  for w in $workers; do grep -q "data-worker=\"$w\"" "$1" || return 1; done
  grep -q 'data-loan-from="master-b" data-loan-to="master-a"' "$1"
}
seen() { run_browser chromium.log "$url" --dump-dom > "$root/dom.html" && shows_cluster "$root/dom.html"; }
within 40 seen || fail "the dashboard did not show master-a's workers and the loan: $(grep -o 'data-\(worker\|loan-from\)="[^"]*"' "$root/dom.html" | tr '\n' ' ')"
step "the page shows the workers and the loan"
rm -f "$shot"
run_browser chromium.log "$url" --screenshot="$shot" --window-size=1400,900 --hide-scrollbars >/dev/null || fail "chromium could not take the screenshot"
[ -s "$shot" ] || fail "no screenshot at $shot"
seen || fail "the loan ended while the screenshot was taken (the screenshot may not show it)"
if grep -E "Content Security Policy|Uncaught|SyntaxError|TypeError" "$root/chromium.log" >&2; then fail "the page had script errors or CSP violations (above)"; fi
loans=$(grep -o 'data-loan-from="master-b" data-loan-to="master-a" data-workers="[0-9]*"' "$root/dom.html" | grep -o '[0-9]*"$' | tr -d '"')
touch "$root/stop"
echo "dashboard test: OK in ${SECONDS}s ($(grep -o 'data-worker=' "$root/dom.html" | wc -l) workers and a loan of $loans from master-b shown; screenshot $shot)"

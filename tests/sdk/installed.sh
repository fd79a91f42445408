# Sourced by the SDK tests (run.sh, hotload.sh): what both do before they
# start. Expects NAME (the test's name in messages) and BUILD (the build
# folder); sets build, root (a temporary folder, removed at exit with every
# process in pids), top (the build installed there with DESTDIR) and fail().
# Exits 77 in a sanitizer build: its liborchd_api.a needs the sanitizers'
# runtime in every plugin that links it, so the SDK is checked on the plain
# build.
build=$(cd "${BUILD:?}" && pwd)
root=$(mktemp -d /tmp/orchd-sdk.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$root"
}
trap cleanup EXIT
fail() { echo "$NAME: $*" >&2; for f in "$root"/*.log; do [ -e "$f" ] && { echo "--- $f" >&2; tail -n 20 "$f" >&2; }; done; exit 1; }

if grep -q '^ORCHD_SANITIZE:BOOL=ON' "$build/CMakeCache.txt"; then
  echo "$NAME skipped: sanitizer build (the plain build's SDK is what installs)"; exit 77
fi
prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$build/CMakeCache.txt")
DESTDIR="$root/install" cmake --install "$build" >/dev/null
top="$root/install$prefix"

master_port() {
  # The port a master logged in $1 ("listening on 127.0.0.1:PORT"), polled
  # for up to 10 s; fails the test without it.
  local port="" _
  for _ in $(seq 1 400); do
    port=$(grep -o 'listening on 127.0.0.1:[0-9]*' "$1" 2>/dev/null | cut -d: -f2 || true)
    [ -n "$port" ] && break; sleep 0.025
  done
  [ -n "$port" ] || fail "the master did not start"
  echo "$port"
}

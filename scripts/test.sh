#!/usr/bin/env bash
# The whole test suite: installs missing build dependencies (apt-get),
# configures, builds and runs every test through ctest. Exits non-zero on
# any failure.
#
#   scripts/test.sh              RelWithDebInfo build in build/
#   scripts/test.sh --sanitize   Debug build with AddressSanitizer and
#                                UndefinedBehaviorSanitizer in build-asan/
#
# The store suite and the cluster tests run on SQLite and on throwaway
# PostgreSQL and MariaDB servers that this script installs (apt-get) and
# starts (scripts/dbservers.sh: own data folders, ports chosen at run time)
# and stops when it ends, even on failure. ORCHD_TEST_DATABASES=0 skips
# them (their tests then report themselves skipped).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh

build=build
type=RelWithDebInfo
sanitize=OFF
if [ "${1:-}" = "--sanitize" ] || [ "${ORCHD_SANITIZE:-0}" = 1 ]; then
  build=build-asan
  type=Debug
  sanitize=ON
fi
build=${BUILD_DIR:-$build}

if [ "${ORCHD_TEST_DATABASES:-1}" = 1 ]; then
  missing_db=()
  [ -x /usr/lib/postgresql/15/bin/initdb ] || missing_db+=(postgresql)
  command -v mariadbd >/dev/null || missing_db+=(mariadb-server)
  if [ ${#missing_db[@]} -gt 0 ]; then
    echo "orchd: installing ${missing_db[*]} for the store tests"
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq || true
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing_db[@]}" >/dev/null \
      || echo "orchd: could not install ${missing_db[*]}: their tests will report themselves skipped"
  fi
  dbdir=$(mktemp -d /tmp/orchd-db.XXXXXX)
  trap 'bash scripts/dbservers.sh stop "$dbdir"; rm -rf "$dbdir"' EXIT
  bash scripts/dbservers.sh start "$dbdir" || echo "orchd: a database server did not start: its tests will report themselves skipped"
  . "$dbdir/env"
fi

cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE="$type" -DORCHD_SANITIZE="$sanitize" -DCMAKE_INSTALL_PREFIX=/usr
cmake --build "$build" -j "$(nproc)"
ctest --test-dir "$build" --output-on-failure --timeout 300

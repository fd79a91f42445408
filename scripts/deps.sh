#!/usr/bin/env bash
# Installs what building and testing orchd needs, on Debian 12, if missing.
# Run by test.sh and demo.sh; safe to run again. libpq-dev and
# libmariadb-dev are the clients of the PostgreSQL and MariaDB stores;
# libgoogle-perftools-dev brings tcmalloc_minimal, which orchd and orchctl
# link when it is there; clang and libclang-rt-14-dev (libFuzzer and the
# sanitizers' runtimes, only recommended by clang) build the fuzz targets
# that the FuzzSmoke test runs; libssl-dev is TLS, and the openssl command
# makes the security fixture's certificates. The database servers the tests
# start are installed by test.sh (dbservers.sh), not needed to build.
# dpkg-dev, file and lintian build and check the Debian package
# (scripts/package.sh). prometheus brings promtool, which checks the
# /metrics text in MetricsTest, and the server that PrometheusScrapeTest
# runs against a master and a worker. chromium (headless) loads the
# master's dashboard in DashboardTest and takes its screenshot
# (fonts-dejavu-core: its text; chromium only recommends a font); python3
# drives that test's burst of tasks (tests/ui/).
set -euo pipefail
ORCHD_PACKAGES=(g++ cmake ninja-build pkg-config libpoco-dev libcppunit-dev libpq-dev libmariadb-dev sqlite3 libgoogle-perftools-dev clang libclang-rt-14-dev dpkg-dev file lintian libssl-dev openssl prometheus chromium fonts-dejavu-core python3)
missing=()
for p in "${ORCHD_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "orchd: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

#!/usr/bin/env bash
# The whole test suite: installs missing build dependencies (apt-get),
# configures, builds and runs every test through ctest. Exits non-zero on
# any failure.
#
#   scripts/test.sh              RelWithDebInfo build in build/
#   scripts/test.sh --sanitize   Debug build with AddressSanitizer and
#                                UndefinedBehaviorSanitizer in build-asan/
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

cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE="$type" -DORCHD_SANITIZE="$sanitize" -DCMAKE_INSTALL_PREFIX=/usr
cmake --build "$build" -j "$(nproc)"
ctest --test-dir "$build" --output-on-failure --timeout 300

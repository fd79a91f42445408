#!/usr/bin/env bash
# Builds the Debian package orchd_VERSION_ARCH.deb and prints its path on
# its last line.
#
#   scripts/package.sh [BUILD_DIR] [-- CPACK_ARGS...]
#
# BUILD_DIR (default build-package) is configured for the /usr prefix if it
# is not configured yet, built, then packed by cpack with the DEB
# generator. An existing BUILD_DIR must have been configured with
# CMAKE_INSTALL_PREFIX=/usr (the unit and the conffiles name /usr and /etc
# paths). Extra arguments after -- go to cpack, e.g.
# -D CPACK_PACKAGE_VERSION=0.1.0+local1 for a bumped version.
set -euo pipefail
cd "$(dirname "$0")/.."
build=build-package
if [ $# -gt 0 ] && [ "$1" != -- ]; then build=$1; shift; fi
[ "${1:-}" = -- ] && shift

for tool in cmake cpack dpkg-deb dpkg-shlibdeps; do
  command -v "$tool" >/dev/null || { echo "package.sh: $tool not found (apt-get install cmake dpkg-dev)" >&2; exit 1; }
done
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=/usr -DORCHD_BUILD_TESTS=OFF >&2
fi
prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$build/CMakeCache.txt")
[ "$prefix" = /usr ] || { echo "package.sh: $build is configured for prefix $prefix, the package needs /usr" >&2; exit 1; }
if grep -q '^ORCHD_SANITIZE:BOOL=ON' "$build/CMakeCache.txt"; then
  echo "package.sh: $build is a sanitizer build: not packaged" >&2; exit 1
fi
cmake --build "$build" -j "$(nproc)" >&2
log=$(cd "$build" && cpack -G DEB "$@")
echo "$log" >&2
deb=$(echo "$log" | sed -n 's/^CPack: - package: \(.*\.deb\) generated\.$/\1/p' | tail -n1)
[ -f "$deb" ] || { echo "package.sh: cpack named no .deb" >&2; exit 1; }
echo "$deb"

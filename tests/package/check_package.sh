#!/usr/bin/env bash
# The Debian package, as an operator meets it: scripts/package.sh builds it,
# lintian finds no error in it, apt-get installs it on this machine, a
# master and a worker run from the installed files as the orchd user,
# the installed orchctl runs tasks through them; an edited conffile
# survives an upgrade to a bumped version and a remove; purge leaves no
# file, conffile, state folder, user or group behind.
#
# It changes the machine, so: root only; never on a machine where orchd is
# installed or any path or account it would create exists (exit 77, not
# touched); one run at a time (a lock); whatever it installed is purged on
# every exit path (trap).
set -euo pipefail
build=$(cd "${1:?usage: check_package.sh BUILD_DIR}" && pwd)
src=$(cd "$(dirname "$0")/../.." && pwd)
skip() { echo "package test skipped: $*"; exit 77; }
fail() { echo "package test: FAIL: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || skip "not root (it installs a package into /usr)"
for tool in dpkg dpkg-deb dpkg-shlibdeps apt-get setpriv lintian; do
  command -v "$tool" >/dev/null || skip "$tool not found (scripts/deps.sh installs it)"
done
grep -q '^ORCHD_SANITIZE:BOOL=ON' "$build/CMakeCache.txt" && skip "sanitizer build (the plain build is packaged)"
prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$build/CMakeCache.txt")
[ "$prefix" = /usr ] || skip "build configured for prefix $prefix, the package needs /usr"

lock=/run/lock/orchd-package-test.lock
[ -d /run/lock ] || lock=/tmp/orchd-package-test.lock
exec 9>"$lock"
flock -w 600 9 || fail "another package test holds the lock for 10 minutes"

if dpkg-query -W -f='${Status}' orchd 2>/dev/null | grep -q 'installed'; then
  skip "the orchd package is installed on this machine: not touching it"
fi
for path in /usr/bin/orchd /usr/bin/orchctl /etc/orchd /var/lib/orchd /usr/include/orchd \
            /usr/share/doc/orchd /usr/lib/systemd/system/orchd@.service /lib/systemd/system/orchd@.service; do
  [ -e "$path" ] && skip "$path exists and is not this test's: not touching it"
done
getent passwd orchd >/dev/null && skip "a user orchd exists: not touching it"
getent group orchd >/dev/null && skip "a group orchd exists: not touching it"

work=$(mktemp -d)
chmod 755 "$work"  # apt's _apt user reads the .deb files from here
installed=0
pids=()
cleanup() {
  local code=$?
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true; done
  if [ "$installed" = 1 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get purge -y -q orchd >/dev/null 2>&1 || dpkg --purge orchd >/dev/null 2>&1 || true
    # None of these existed before the test: what a failed purge left is ours.
    getent passwd orchd >/dev/null && userdel orchd
    getent group orchd >/dev/null && groupdel orchd
    rm -rf /var/lib/orchd /etc/orchd
  fi
  [ $code -ne 0 ] && for f in "$work"/*.log; do [ -f "$f" ] && { echo "--- $f"; tail -n 30 "$f"; }; done
  rm -rf "$work"
  exit $code
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# Polls a command until it succeeds or the deadline (seconds) passes.
wait_until() {
  local deadline=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.1
  done
}

# --- build and lint ---
version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build/CMakeCache.txt")
deb=$(bash "$src/scripts/package.sh" "$build" 2>"$work/package.log" | tail -n1)
bumped=$(bash "$src/scripts/package.sh" "$build" -- -D "CPACK_PACKAGE_VERSION=$version+pkgtest1" 2>>"$work/package.log" | tail -n1)
case "$(basename "$deb")" in "orchd_${version}_$(dpkg --print-architecture).deb") ;; *) fail "package named $(basename "$deb")";; esac
cp "$deb" "$bumped" "$work/" && chmod 644 "$work"/*.deb
deb=$work/$(basename "$deb"); bumped=$work/$(basename "$bumped")
lintian --fail-on error "$deb" > "$work/lintian.log" 2>&1 || { cat "$work/lintian.log"; fail "lintian reports errors"; }
grep -E '^[EW]: ' "$work/lintian.log" || true  # warnings are shown, errors fail

# --- install ---
installed=1
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$deb" > "$work/apt.log" 2>&1 \
  || { cat "$work/apt.log"; fail "apt-get install $deb failed"; }
[ "$(dpkg-query -W -f='${Version}' orchd)" = "$version" ] || fail "installed version is not $version"
[ "$(/usr/bin/orchd --version)" = "orchd $version" ] || fail "orchd --version: $(/usr/bin/orchd --version)"
[ "$(/usr/bin/orchctl --version)" = "orchctl $version" ] || fail "orchctl --version: $(/usr/bin/orchctl --version)"
plugins=$(dpkg -L orchd | grep '/orchd/plugins/libsaldo.so$') || fail "no saldo plugin in the package"
for f in /usr/bin/orchd /usr/bin/orchctl "$(dirname "$plugins")/libecho.so" "$(dirname "$plugins")/libsql.so" /usr/include/orchd/TaskHandler.h \
         /etc/orchd/master.properties /etc/orchd/worker.properties /usr/share/doc/orchd/copyright \
         /usr/share/doc/orchd/OPERATIONS.md /usr/share/man/man8/orchd.8.gz /usr/share/man/man1/orchctl.1.gz \
         /usr/share/man/man5/orchd.properties.5.gz /usr/share/bash-completion/completions/orchctl; do
  [ -e "$f" ] || fail "missing $f"
done
dpkg -L orchd | grep -q '/systemd/system/orchd@.service$' || fail "no orchd@.service in the package"
conffiles=$(dpkg-query -W -f='${Conffiles}' orchd)
for f in master worker; do
  echo "$conffiles" | grep -q "/etc/orchd/$f.properties" || fail "/etc/orchd/$f.properties is not a conffile"
done
getent passwd orchd >/dev/null || fail "postinst made no orchd user"
getent group orchd >/dev/null || fail "postinst made no orchd group"
[ "$(id -u orchd)" -lt 1000 ] || fail "orchd is not a system user (uid $(id -u orchd))"
[ "$(id -gn orchd)" = orchd ] || fail "orchd's group is $(id -gn orchd)"
[ "$(stat -c %U:%G /var/lib/orchd)" = orchd:orchd ] || fail "/var/lib/orchd is $(stat -c %U:%G /var/lib/orchd)"

# --- a master and a worker from the installed files, as orchd ---
# setpriv execs orchd itself (runuser would stay its parent), so $! is
# orchd's pid.
as_orchd=(setpriv --reuid=orchd --regid=orchd --init-groups --)
"${as_orchd[@]}" /usr/bin/orchd --config=/etc/orchd/master.properties --define master.listen=127.0.0.1:0 \
  > "$work/master.log" 2>&1 &
pids+=($!); master=$!
wait_until 20 grep -q 'master listening on' "$work/master.log" || fail "the master did not start"
port=$(sed -n 's/.*master listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/master.log" | head -n1)
"${as_orchd[@]}" /usr/bin/orchd --config=/etc/orchd/worker.properties --define "worker.home=master-a@127.0.0.1:$port" \
  --define worker.failover= > "$work/worker.log" 2>&1 &
pids+=($!); worker=$!
[ "$(ps -o user= -p "$master")" = orchd ] && [ "$(ps -o user= -p "$worker")" = orchd ] || fail "the nodes do not run as orchd"
ctl() { /usr/bin/orchctl --master "127.0.0.1:$port" "$@"; }
wait_until 20 sh -c "/usr/bin/orchctl --master 127.0.0.1:$port status | grep -q '^worker-1 '" || fail "the worker did not join the master"
ctl open alice 100.50 > "$work/ctl.log" || fail "orchctl open failed"
ctl update alice 9.50 >> "$work/ctl.log" || fail "orchctl update failed"
ctl query alice | tee -a "$work/ctl.log" | grep -q '"SALDO":110' || fail "query alice: $(tail -n1 "$work/ctl.log")"
[ "$(stat -c %U /var/lib/orchd/orchd.db)" = orchd ] || fail "the store is not the orchd user's"
kill -TERM "$worker" "$master"
wait_until 45 sh -c "! kill -0 $worker 2>/dev/null && ! kill -0 $master 2>/dev/null" || fail "the nodes did not stop on SIGTERM"
wait "$worker" || fail "the worker exited with $?"
wait "$master" || fail "the master exited with $?"
pids=()

# --- an edited conffile survives an upgrade and a remove ---
echo "# edited by the package test" >> /etc/orchd/worker.properties
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$bumped" > "$work/apt.log" 2>&1 \
  || { cat "$work/apt.log"; fail "upgrade to $bumped failed"; }
[ "$(dpkg-query -W -f='${Version}' orchd)" = "$version+pkgtest1" ] || fail "the upgrade did not install $version+pkgtest1"
grep -q '^# edited by the package test' /etc/orchd/worker.properties || fail "the upgrade overwrote the edited worker.properties"
DEBIAN_FRONTEND=noninteractive apt-get remove -y -q orchd > "$work/apt.log" 2>&1 || { cat "$work/apt.log"; fail "remove failed"; }
[ -e /usr/bin/orchd ] && fail "remove left /usr/bin/orchd"
grep -q '^# edited by the package test' /etc/orchd/worker.properties || fail "remove deleted the edited conffile"

# --- purge ---
DEBIAN_FRONTEND=noninteractive apt-get purge -y -q orchd > "$work/apt.log" 2>&1 || { cat "$work/apt.log"; fail "purge failed"; }
installed=0
dpkg-query -W -f='${Status}' orchd 2>/dev/null | grep -q 'installed' && fail "still installed after purge"
for path in /etc/orchd /var/lib/orchd /usr/bin/orchd /usr/bin/orchctl /usr/include/orchd /usr/share/doc/orchd "$(dirname "$plugins")"; do
  [ -e "$path" ] && fail "purge left $path"
done
getent passwd orchd >/dev/null && fail "purge left the orchd user"
getent group orchd >/dev/null && fail "purge left the orchd group"
echo "package test: OK ($(basename "$deb"), upgraded to $version+pkgtest1, purged)"

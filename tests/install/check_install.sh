#!/usr/bin/env bash
# Installs the build into a temporary root (DESTDIR) and checks the tree:
# binaries, plugins under LIBDIR/orchd/plugins, the public headers, the
# example configuration under SYSCONFDIR/orchd (/etc/orchd for a /usr
# prefix, never usr/etc) and the systemd template unit; then runs the
# installed orchctl with the installed plugins, so the tree is known to
# work, not only to exist.
set -euo pipefail
build=${1:?usage: check_install.sh BUILD_DIR}
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$build/CMakeCache.txt")
DESTDIR="$root" cmake --install "$build" >/dev/null

fail() { echo "install check: $*" >&2; exit 1; }
top="$root$prefix"
plugins=$(cd "$top" && ls -d lib/*/orchd/plugins lib/orchd/plugins 2>/dev/null | head -n1 || true)
[ -n "$plugins" ] || fail "no orchd/plugins folder under $prefix/lib"
for f in bin/orchd bin/orchctl "$plugins/libecho.so" "$plugins/libsaldo.so" "$plugins/libsql.so" \
         include/orchd/TaskHandler.h include/orchd/PluginApi.h include/orchd/Plugin.h include/orchd/PluginSettings.h \
         lib/systemd/system/orchd@.service; do
  [ -e "$top/$f" ] || fail "missing $prefix/$f"
done
ls "$top/$plugins"/libt_* >/dev/null 2>&1 && fail "test plugins were installed"

conf=$(find "$root" -name worker.properties | head -n1)
[ -n "$conf" ] || fail "worker.properties not installed"
[ -e "$(dirname "$conf")/master.properties" ] || fail "master.properties not installed beside worker.properties"
case "$conf" in */usr/etc/*) fail "configuration installed to usr/etc: ${conf#$root}";; esac
if [ "$prefix" = /usr ]; then
  [ "${conf#$root}" = /etc/orchd/worker.properties ] || fail "configuration at ${conf#$root}, expected /etc/orchd"
fi

unit="$top/lib/systemd/system/orchd@.service"
grep -q "^ExecStart=$prefix/bin/orchd --config=.*/orchd/%i.properties" "$unit" \
  || fail "orchd@.service does not run one instance per properties file"
grep -q "^Restart=on-failure" "$unit" || fail "orchd@.service does not restart on failure"

# The installed binaries run with the installed plugins.
cat > "$root/ctl.properties" <<PROPS
orchd.role = worker
orchd.id = install-check
plugins.dir = $top/$plugins
store.connection = $root/accounts.db
PROPS
out=$("$top/bin/orchctl" --config="$root/ctl.properties" tasks)
echo "$out" | grep -q '^QUERY' || fail "installed orchctl does not see the installed plugins: $out"
echo "install check: OK (prefix $prefix, configuration ${conf#$root})"

#!/usr/bin/env bash
# The built orchd@.service: systemd-analyze security --offline=true scores
# an instance of it at most 2.0 (it scored 9.6 UNSAFE as root without
# hardening), and it keeps the settings orchd relies on. Skipped (77)
# where systemd-analyze is missing or too old for --offline (systemd 250).
set -euo pipefail
build=${1:?usage: check_unit.sh BUILD_DIR}
max=${ORCHD_UNIT_MAX_EXPOSURE:-2.0}
unit="$build/packaging/orchd@.service"
fail() { echo "unit check: FAIL: $*" >&2; exit 1; }
command -v systemd-analyze >/dev/null || { echo "unit check skipped: systemd-analyze not found (apt-get install systemd)"; exit 77; }
systemd-analyze security --help 2>/dev/null | grep -q -- '--offline' \
  || { echo "unit check skipped: systemd-analyze has no --offline ($(systemd-analyze --version | head -n1))"; exit 77; }
[ -f "$unit" ] || fail "$unit not built"

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cp "$unit" "$dir/orchd@check.service"
report=$(cd "$dir" && systemd-analyze security --offline=true --no-pager "orchd@check.service" 2>&1) || true
score=$(echo "$report" | sed -n 's/.*Overall exposure level for orchd@check.service: \([0-9.]*\).*/\1/p')
[ -n "$score" ] || { echo "$report"; fail "no exposure level in systemd-analyze's report"; }
echo "$report" | grep '✗' || true
awk -v s="$score" -v m="$max" 'BEGIN { exit !(s <= m) }' || fail "exposure $score is above $max"

for setting in '^Type=notify$' '^NotifyAccess=main$' '^User=orchd$' '^ExecReload=/bin/kill -HUP \$MAINPID$' \
               '^WatchdogSec=' '^StateDirectory=orchd$' '^UMask=0077$' '^CapabilityBoundingSet=$' \
               '^ProtectSystem=strict$' '^SystemCallFilter=@system-service$' '^RestartPreventExitStatus=78$'; do
  grep -q "$setting" "$unit" || fail "orchd@.service has no line matching $setting"
done
echo "unit check: OK (exposure $score, at most $max)"

#!/usr/bin/env bash
# The bash completion of orchctl offers what orchctl accepts: every option
# and command that `orchctl help` and `orchctl help COMMAND` list, in the
# right places, and files after --config.
set -euo pipefail
orchctl=${1:?usage: check_completion.sh ORCHCTL COMPLETION_FILE}
script=${2:?usage: check_completion.sh ORCHCTL COMPLETION_FILE}
fail() { echo "completion check: FAIL: $*" >&2; exit 1; }
# shellcheck source=/dev/null
source "$script"

complete_line() {  # the words of a command line, the last one being completed
  COMP_WORDS=("$@")
  COMP_CWORD=$(($# - 1))
  COMPREPLY=()
  _orchctl
  echo "${COMPREPLY[*]:-}"
}

commands=$("$orchctl" help | sed -n '/^commands:/,/^$/p' | awk 'NF && $1 != "commands:" {print $1}')
[ -n "$commands" ] || fail "orchctl help lists no commands"
offered=" $(complete_line orchctl '') "
for c in $commands; do [[ $offered == *" $c "* ]] || fail "command $c not offered (got:$offered)"; done
offered=" $(complete_line orchctl help '') "
for c in $commands; do [[ $offered == *" $c "* ]] || fail "help: command $c not offered"; done

for c in $commands; do
  [ "$c" = help ] && continue
  options=$("$orchctl" help "$c"; "$orchctl" help) 
  offered=" $(complete_line orchctl --timeout 5 "$c" --) "
  for o in $(echo "$options" | grep -o -- '--[a-z][a-z-]*' | sort -u); do
    [[ $offered == *" $o "* ]] || fail "$c: option $o not offered (got:$offered)"
  done
done
[ "$(complete_line orchctl query al)" = "" ] || fail "a user name was completed as something"
[[ " $(complete_line orchctl status --js) " == *" --json "* ]] || fail "--js does not complete to --json"
[[ " $(complete_line orchctl query --tas) " != *" --tasks "* ]] || fail "query was offered bench's --tasks"

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
touch "$dir/node.properties"
[[ " $(complete_line orchctl --config "$dir/no") " == *" $dir/node.properties "* ]] || fail "no file after --config"
echo "completion check: OK"

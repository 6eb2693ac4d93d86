#!/usr/bin/env bash
# fuzz/options/options.sh reads OSS-Fuzz options files as fuzz/campaign uses them: the
# [libfuzzer] section as flags, the [asan] section as one ASAN_OPTIONS value, nothing from other
# sections, comments or blank lines; and every committed options file parses to something.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../../fuzz/options/options.sh
source "$root/fuzz/options/options.sh"
fails=0
check() { # check NAME GOT WANT
  if [ "$2" != "$3" ]; then
    printf 'FAIL %s\n  got:  %q\n  want: %q\n' "$1" "$2" "$3"
    fails=$((fails + 1))
  fi
}
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
cat >"$tmp" <<'OPTS'
# a comment = not an option
[libfuzzer]
entropic = 0
  max_len=512   

[asan]
malloc_context_size = 0
# quarantine_size_mb = 1
quarantine_size_mb = 64
[ubsan]
print_stacktrace = 1
[libfuzzer]
dict = x.dict
OPTS
check "libfuzzer flags" "$(options_flags "$tmp" | paste -sd' ' -)" "-entropic=0 -max_len=512 -dict=x.dict"
check "asan options" "$(options_asan "$tmp")" "malloc_context_size=0:quarantine_size_mb=64"
check "other section" "$(options_section "$tmp" ubsan)" "print_stacktrace=1"
printf '[libfuzzer]\nentropic = 0\n' >"$tmp"
check "no asan section" "$(options_asan "$tmp")" ""
check "scenario target's asan" "$(options_asan "$root/fuzz/options/scenario.options")" \
  "malloc_context_size=0:quarantine_size_mb=64"
for f in "$root"/fuzz/options/*.options; do
  n=$( (options_flags "$f"; options_section "$f" asan) | wc -l)
  [ "$n" -gt 0 ] || { echo "FAIL $f: no option read"; fails=$((fails + 1)); }
done
[ $fails -eq 0 ] && echo "options_test: all checks pass"
exit $((fails > 0))

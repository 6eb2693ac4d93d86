#!/usr/bin/env bash
# A failing scenario input is written as TOML that `ubmodel sim` replays: the same run (its
# fingerprint) and the same failure (exit status 1). The failure is made on purpose with the
# target's test hook (UB_FUZZ_SCENARIO_TEST_END_TIME cuts the run before its flows can finish).
#   fuzz/scenario_replay_test.sh FUZZ_SCENARIO UBMODEL SEED_INPUT
set -euo pipefail
target=$1 ubmodel=$2 input=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() {
  echo "scenario_replay_test: $*" >&2
  exit 1
}

# Passes as it is.
"$target" "$input" >/dev/null 2>&1 || fail "$input fails without the hook"
# Fails with the hook, and writes the reduced scenario.
if UB_FUZZ_SCENARIO_TEST_END_TIME=1us UB_FUZZ_SCENARIO_OUT="$tmp/f.toml" \
  "$target" "$input" >"$tmp/log" 2>&1; then
  fail "the target passed with UB_FUZZ_SCENARIO_TEST_END_TIME=1us"
fi
grep -q "did not complete" "$tmp/log" || fail "no liveness failure reported: $(cat "$tmp/log")"
grep -q "written to $tmp/f.toml" "$tmp/log" || fail "the file written is not named: $(cat "$tmp/log")"
[ -s "$tmp/f.toml" ] || fail "no TOML written"
grep -q '^end_time = "1us"' "$tmp/f.toml" || fail "the TOML lacks the run's end_time"
want=$(sed -n 's/^# Run: .*fingerprint \([0-9a-f]\{16\}\)$/\1/p' "$tmp/f.toml")
[ -n "$want" ] || fail "the TOML names no fingerprint"
# `ubmodel sim` replays it: exit 1 (flows unfinished), the same fingerprint.
set +e
"$ubmodel" sim "$tmp/f.toml" --no-out --quiet >"$tmp/sim" 2>&1
rc=$?
set -e
[ $rc -eq 1 ] || fail "ubmodel sim exited $rc, not 1: $(cat "$tmp/sim")"
grep -q "^fingerprint: $want\$" "$tmp/sim" || fail "fingerprint differs (want $want): $(cat "$tmp/sim")"
grep -q "end_time" "$tmp/sim" || fail "ubmodel sim does not report the end_time stop"
echo "scenario_replay_test: ok ($want)"

#!/usr/bin/env bash
# Runs every shipped example (scenarios/examples/*.toml) through `ubmodel sim` and checks how each
# one ends, so that an example the docs promise cannot quietly stop working (two once did:
# ub-mesh-pod deadlocked on one VL, incast stalled under C-AQM; scenarios/README.md).
#
#   scripts/run_examples.sh [--ubmodel PATH] [--small] [--out DIR]
#
# Expected ends: custom-ring-deadlock stops with `deadlock` (its point) and completes when run
# with the two-VL scheme its header gives; every other example completes. Every run must have
# 0 oracle violations, and a completed run every flow done with no failed operation.
#
# --small: every traffic entry moves 4 KiB a flow instead of its own size, except in
# custom-ring-deadlock, whose deadlock needs its 4 MB flows (with 1 MiB flows it completes).
# A smoke test for slow builds (ctest's examples.small runs it in every preset, ASan included): each example still parses, builds its fabric, runs its phases to
# the end and passes the oracle, but faults timed after the shorter run do not happen.
# Without it, the examples run as shipped (about half a minute in the release build).
#
# Prints one line per run (name, stop, flows done, sim time, events, wall, fingerprint); exit
# status 0 when every run ended as expected, 1 otherwise, 2 on a usage error.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

ubmodel="$root/build/release/ubmodel"
small=0
out=""
usage() {
  echo "usage: scripts/run_examples.sh [--ubmodel PATH] [--small] [--out DIR]"
}
while (($#)); do
  case "$1" in
  --ubmodel)
    [[ $# -ge 2 ]] || { echo "run_examples: --ubmodel needs a path" >&2; usage >&2; exit 2; }
    ubmodel=$2
    shift 2
    ;;
  --small)
    small=1
    shift
    ;;
  --out)
    [[ $# -ge 2 ]] || { echo "run_examples: --out needs a folder" >&2; usage >&2; exit 2; }
    out=$2
    shift 2
    ;;
  -h | --help)
    usage
    exit 0
    ;;
  *)
    echo "run_examples: unknown argument '$1'" >&2
    usage >&2
    exit 2
    ;;
  esac
done
if [[ ! -x "$ubmodel" ]]; then
  echo "run_examples: no ubmodel at '$ubmodel' (build the release preset, or give --ubmodel)" >&2
  exit 2
fi
command -v jq >/dev/null || { echo "run_examples: needs jq (scripts/setup.sh installs it)" >&2; exit 2; }
keep="in $out"
if [[ -z "$out" ]]; then
  out=$(mktemp -d)
  trap 'rm -rf "$out"' EXIT
  keep="kept with --out DIR"
fi
mkdir -p "$out"

failures=0
# run NAME FILE EXPECT [--set k=v]...: one run and its checks.
run() {
  local name=$1 file=$2 expect=$3
  shift 3
  local dir="$out/$name" log="$out/$name.log"
  local rc=0
  "$ubmodel" sim "$file" --quiet --out "$dir" "$@" >"$log" 2>&1 || rc=$?
  local stats="$dir/stats.json"
  if [[ ! -f "$stats" ]]; then
    echo "FAIL $name: no stats.json (exit status $rc); its output:" >&2
    sed 's/^/  /' "$log" >&2
    failures=$((failures + 1))
    return
  fi
  local stop violations flows finished failed
  stop=$(jq -r .stop "$stats")
  violations=$(jq -r .oracle_violations "$stats")
  flows=$(jq '.flows | length' "$stats")
  finished=$(jq '[.flows[] | select(.end_us != null)] | length' "$stats")
  failed=$(jq '[.flows[].failed_ops] | add // 0' "$stats")
  local why=()
  [[ "$stop" == "$expect" ]] || why+=("stopped with '$stop', expected '$expect'")
  [[ "$violations" == 0 ]] || why+=("$violations oracle violations")
  if [[ "$expect" == completed ]]; then
    [[ "$finished" == "$flows" ]] || why+=("$finished of $flows flows done")
    [[ "$failed" == 0 ]] || why+=("$failed failed operations")
    [[ "$rc" == 0 ]] || why+=("exit status $rc")
  fi
  printf '%-34s %-10s flows %5s/%-5s sim %10.3f us  events %9s  wall %7.2f s  %s\n' \
    "$name" "$stop" "$finished" "$flows" "$(jq .sim_time_us "$stats")" "$(jq .events "$stats")" \
    "$(jq .wall_s "$stats")" "$(jq -r .fingerprint "$stats")"
  if ((${#why[@]})); then
    local joined
    joined=$(printf '; %s' "${why[@]}")
    echo "FAIL $name: ${joined:2}" >&2
    failures=$((failures + 1))
  fi
}

count=0
for file in "$root"/scenarios/examples/*.toml; do
  name=$(basename "$file" .toml)
  count=$((count + 1))
  sets=()
  if ((small)) && [[ "$name" != custom-ring-deadlock ]]; then
    n=$(grep -c '^\[\[traffic\]\]' "$file" || true)
    for ((i = 0; i < n; i++)); do
      sets+=(--set "traffic[$i].bytes=4KiB")
    done
  fi
  if [[ "$name" == custom-ring-deadlock ]]; then
    run "$name" "$file" deadlock
    run "$name+two-vls" "$file" completed --set link.vls=2 --set switch.vl_cycle_break=1
  else
    run "$name" "$file" completed "${sets[@]}"
  fi
done
if ((count == 0)); then
  echo "run_examples: no examples in $root/scenarios/examples" >&2
  exit 1
fi
if ((failures)); then
  echo "run_examples: $failures run(s) did not end as expected (outputs and logs $keep)" >&2
  exit 1
fi
echo "run_examples: every example ended as expected"

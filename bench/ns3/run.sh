#!/usr/bin/env bash
# Builds the ns-3 baseline of the fat-tree all-to-all benchmark (release, -DUB_BENCH_NS3=ON, in
# build/ns3-bench) and runs it, printing its result line:
#   ns3 fattree4-a2a: wall_s=... packet_hops=... hops_per_s=... events=... sim_time_us=...
# Usage: bench/ns3/run.sh [repeats] [program options, e.g. --k=4 --queue=100p]
# With repeats > 1 it prints every run, then the min and median of wall_s and hops_per_s.
# Needs ns-3 (Debian: apt-get install -y libns3-dev). JOBS (default 2) sets the build's -j.
set -euo pipefail
cd "$(dirname "$0")/../.."
repeats=${1:-1}
shift || true
build=build/ns3-bench
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! { cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DUB_BENCH_NS3=ON \
  -DUB_BUILD_TESTS=OFF -DUB_BUILD_BENCH=OFF &&
  cmake --build "$build" --target ns3_fattree4_a2a -j "${JOBS:-2}"; } >"$log" 2>&1; then
  cat "$log" >&2
  exit 1
fi
bin="$build/bench/ns3_fattree4_a2a"
[ -x "$bin" ] || { echo "ns3_fattree4_a2a was not built (is libns3-dev installed?)" >&2; exit 1; }
results=()
for ((i = 0; i < repeats; i++)); do
  if ! out=$("$bin" "$@"); then
    echo "warning: the run dropped or lost datagrams (see its detail line)" >&2
  fi
  grep -v '^ns3 fattree4-a2a: ' <<<"$out" >&2 || true # the detail line
  line=$(grep '^ns3 fattree4-a2a: ' <<<"$out")
  echo "$line"
  results+=("$line")
done
if ((repeats > 1)); then
  field() { printf '%s\n' "${results[@]}" | sed -n "s/.* $1=\([^ ]*\).*/\1/p" | sort -g; }
  pick() { # min and median of a sorted column
    local -a v
    mapfile -t v
    echo "min=${v[0]} median=${v[$(((${#v[@]} - 1) / 2))]}"
  }
  echo "ns3 fattree4-a2a summary over $repeats runs: wall_s $(field wall_s | pick)," \
    "hops_per_s $(field hops_per_s | sort -gr | pick | sed 's/min=/max=/')"
fi

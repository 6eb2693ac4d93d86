#!/usr/bin/env bash
# The fabric simulator's benchmark (issue 6): configures the release preset (with
# -DUB_BENCH_NS3=ON when ns-3 is installed), builds bench/fabric_bench and the ns-3 baseline
# bench/ns3, runs them and prints the table (bench/fabric_bench.cpp; results in sim/README.md,
# "Fabric benchmark").
# Usage: scripts/fabric_bench.sh [fabric_bench options]
#   scripts/fabric_bench.sh                       3 repetitions of every case, ns-3 baseline too
#   scripts/fabric_bench.sh --quick               1 repetition of shortened runs
#   scripts/fabric_bench.sh --only fattree4-a2a --json out.json
# JOBS (default 2) sets the build's -j. The machine's load average is printed before the build
# and before every run: on a shared machine read the minimum wall time as the undisturbed one.
set -euo pipefail
cd "$(dirname "$0")/.."
ns3=OFF
if pkg-config --exists ns3-core ns3-network ns3-internet ns3-point-to-point ns3-applications \
  ns3-traffic-control 2>/dev/null; then
  ns3=ON
else
  echo "fabric_bench.sh: ns-3 not installed (apt-get install libns3-dev): no baseline" >&2
fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT
targets=(fabric_bench)
[ "$ns3" = ON ] && targets+=(ns3_fattree4_a2a)
if ! { cmake --preset release -DUB_BENCH_NS3="$ns3" &&
  cmake --build --preset release --target "${targets[@]}" -j "${JOBS:-2}"; } >"$log" 2>&1; then
  cat "$log" >&2
  exit 1
fi
args=()
[ "$ns3" = ON ] && args+=(--ns3 build/release/bench/ns3_fattree4_a2a)
echo "fabric_bench.sh: $(uptime)" >&2
exec build/release/bench/fabric_bench "${args[@]}" "$@"

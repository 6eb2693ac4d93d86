#!/usr/bin/env bash
# Reproduces experiment S18 of docs/experiments.md: every ns-3 UB case folder of scenarios/ns3ub/
# through `ubmodel sim`, with each task's completion time set against the number that simulator
# reports for it (../shared/spec/ns3ub-formats.md section 4), plus variants of the cases where
# ns-3's per-flow hash decides which flows collide (its spine choices pinned, adaptive routing)
# and of the fault case (fault.csv enabled). Prints the Markdown tables; results are in model
# time and deterministic (the wall times are this machine's).
#
# "ubmodel" is a task's completion time counted from when ns-3 issues it (its traffic.csv delay,
# 10 ns in every shipped case), the way ns-3's task traces count FCT; for a task that queues
# behind another (MEM tasks on shared LDST threads, A-217) it includes the wait.
#
# Usage: scripts/ns3_compare.sh [PATH/TO/ubmodel] [CASES_DIR] [OUT_DIR]
#   defaults: build/release/ubmodel, scenarios/ns3ub, a temporary folder (removed at the end)
set -euo pipefail
ub=${1:-build/release/ubmodel}
cases=${2:-scenarios/ns3ub}
out=${3:-}
[ -x "$ub" ] || { echo "no ubmodel at $ub (cmake --workflow --preset release)" >&2; exit 2; }
[ -d "$cases" ] || { echo "no case folder $cases" >&2; exit 2; }
command -v jq >/dev/null || { echo "jq is needed" >&2; exit 2; }
if [ -z "$out" ]; then
  out=$(mktemp -d)
  trap 'rm -rf "$out"' EXIT
fi
mkdir -p "$out/variants"

# ns-3's numbers (ns3ub-formats.md section 4): "case task fct_us" per line; tasks start at 10 ns.
read -r -d '' REF <<'EOF' || true
2nodes_dwrr 0 1351.300
2nodes_dwrr 1 1351.640
2nodes_dwrr 2 1351.723
2nodes_dwrr 3 1351.807
2nodes_single-tp 0 32.82
2nodes_single-tp 1 33.16
2nodes_single-tp 2 33.50
2nodes_single-tp 3 33.75
2nodes_single-tp-read 0 81.99
2nodes_multiple-tp 0 28.68
2nodes_packet-spray 0 35.12
2dfm4x4-multipath_a2a 0 344.14
2dfm4x4-multipath_a2a 1 688.41
clos_32hosts-4leafs-8spines_pod2pod 0 8.7805
clos_32hosts-4leafs-8spines_pod2pod 1 16.8449
clos_32hosts-4leafs-8spines_pod2pod 2 16.9002
clos_32hosts-4leafs-8spines_pod2pod 3 16.8509
clos_32hosts-4leafs-8spines_pod2pod 4 8.9305
clos_32hosts-4leafs-8spines_pod2pod 5 8.7805
clos_32hosts-4leafs-8spines_pod2pod 6 8.7635
clos_32hosts-4leafs-8spines_pod2pod 7 16.9052
clos_32hosts-4leafs-8spines_pod2pod+ns3-spines 0 8.7805
clos_32hosts-4leafs-8spines_pod2pod+ns3-spines 1 16.8449
clos_32hosts-4leafs-8spines_pod2pod+ns3-spines 2 16.9002
clos_32hosts-4leafs-8spines_pod2pod+ns3-spines 3 16.8509
clos_32hosts-4leafs-8spines_pod2pod+ns3-spines 4 8.9305
clos_32hosts-4leafs-8spines_pod2pod+ns3-spines 5 8.7805
clos_32hosts-4leafs-8spines_pod2pod+ns3-spines 6 8.7635
clos_32hosts-4leafs-8spines_pod2pod+ns3-spines 7 16.9052
clos_32hosts-4leafs-8spines_pod2pod+adaptive 0 8.7805
clos_32hosts-4leafs-8spines_pod2pod+adaptive 1 8.7805
clos_32hosts-4leafs-8spines_pod2pod+adaptive 2 8.7805
clos_32hosts-4leafs-8spines_pod2pod+adaptive 3 8.7805
clos_32hosts-4leafs-8spines_pod2pod+adaptive 4 8.7805
clos_32hosts-4leafs-8spines_pod2pod+adaptive 5 8.7805
clos_32hosts-4leafs-8spines_pod2pod+adaptive 6 8.7805
clos_32hosts-4leafs-8spines_pod2pod+adaptive 7 8.7805
clos_fault_injection 0 10.008
clos_fault_injection+faults 0 94.507
EOF
issue_us=0.01

# What explains each case's difference, in short (docs/experiments.md S18 has the reasoning).
read -r -d '' NOTE <<'EOF' || true
2dfm4x4-multipath_a2a|ns-3 waits its 10 ns AllocationTime after each 540 B store on a host port (20.8 ns a store against ubmodel's 13.5)
2nodes_dwrr|ns-3 waits its 1 ns AllocationTime before each host packet (+16 us); ubmodel's packets are 26 B longer (+8 us); one TP and VL for all four
2nodes_multiple-tp|ns-3 stripes the task over 3 TPs on 3 paths; the fabric has one TP per endpoint pair, so one 400 Gbit/s path
2nodes_packet-spray|27.4 us is the serialisation on the 1,200 Gbit/s host link; ns-3 adds its allocator gaps and credit frames
2nodes_single-tp-read|both at the spine link's line rate
2nodes_single-tp|ns-3 round-robins 64 KiB segments of the tasks sharing its TP; ubmodel's initiator sends each queue's segments in turn
clos_32hosts-4leafs-8spines_pod2pod|the hashes differ: ubmodel puts flows 1, 2, 3 on one spine and 0, 5 on another; ns-3 puts 1, 2 and 3, 7 together
clos_fault_injection|ns-3 waits its 10 ns AllocationTime before each of the 100 host packets (+1.0 us)
clos_32hosts-4leafs-8spines_pod2pod+ns3-spines|ns-3's spine per flow pinned at leaf 32: the same collisions
clos_32hosts-4leafs-8spines_pod2pod+adaptive|per-packet least-queued spine: the flows spread over the spines in both simulators
clos_32hosts-4leafs-8spines_pod2pod+spray|ns-3 gives 9.403-10.461 us (no per-task list)
clos_fault_injection+faults|1 Gbit/s into host 0: ns-3 sends 70 B ACKs and 40 B credit frames there (11.6 kB), ubmodel 40 B ACKs (4.4 kB)
EOF

# Variants, each a copy of a shipped folder with one file changed.
pod=clos_32hosts-4leafs-8spines_pod2pod
# ns-3's spine per flow (its path records): flow i goes host i -> host 16+i through spine s[i];
# leaf 32 reaches spine s on port 8 + (s - 36). Every other route is unchanged.
v="$out/variants/$pod+ns3-spines"
cp -r "$cases/$pod" "$v"
awk -F, 'BEGIN { OFS = ","; split("40 41 41 42 36 38 43 42", s, " ") }
         $1 == 32 && $2 >= 16 && $2 <= 23 { $4 = 8 + s[$2 - 15] - 36; $5 = 3 } { print }' \
  "$cases/$pod/routing_table.csv" >"$v/routing_table.csv"
v="$out/variants/$pod+adaptive"
cp -r "$cases/$pod" "$v"
printf '\ndefault ns3::UbRoutingProcess::RoutingAlgorithm "ADAPTIVE"\n' >>"$v/network_attribute.txt"
v="$out/variants/$pod+spray"
cp -r "$cases/$pod" "$v"
printf '\ndefault ns3::UbTransportChannel::UsePacketSpray "true"\n' >>"$v/network_attribute.txt"
v="$out/variants/clos_fault_injection+faults"
cp -r "$cases/clos_fault_injection" "$v"
sed -i 's/^global UB_FAULT_ENABLE "false"/global UB_FAULT_ENABLE "true"/' "$v/network_attribute.txt"

runs=()
for d in "$cases"/*/; do
  runs+=("${d%/}")
done
runs+=("$out/variants/$pod+ns3-spines" "$out/variants/$pod+adaptive" "$out/variants/$pod+spray"
       "$out/variants/clos_fault_injection+faults")

echo "| case | stop | oracle violations | sim time (us) | wall (s) | packet-hops | events |"
echo "|---|---|---|---|---|---|---|"
for d in "${runs[@]}"; do
  name=$(basename "$d")
  "$ub" sim "$d" --quiet --out "$out/$name" >"$out/$name.summary" 2>"$out/$name.err" || true
  s="$out/$name/stats.json"
  if [ ! -f "$s" ]; then
    echo "| $name | error: $(tr '\n' ' ' <"$out/$name.err") | | | | | |"
    continue
  fi
  jq -r --arg n "$name" '"| \($n) | \(.stop) | \(.oracle_violations) | \(.sim_time_us) | \(.wall_s) | \(.packet_hops) | \(.events) |"' "$s"
done

for d in "${runs[@]}"; do
  name=$(basename "$d")
  s="$out/$name/stats.json"
  [ -f "$s" ] || continue
  echo
  echo "#### $name"
  echo
  note=$(awk -F'|' -v c="$name" '$1 == c { print $2 }' <<<"$NOTE")
  echo "| task | ns-3 (us) | ubmodel (us) | difference | why |"
  echo "|---|---|---|---|---|"
  jq -r '.flows[] | "\(.id) \(.end_us // "-")"' "$s" | sort -n | while read -r task end; do
    ref=$(awk -v c="$name" -v t="$task" '$1 == c && $2 == t { print $3 }' <<<"$REF")
    if [ "$end" = "-" ]; then
      echo "| $task | ${ref:--} | not completed | | $note |"
      note=""
      continue
    fi
    ours=$(awk -v e="$end" -v i="$issue_us" 'BEGIN { printf "%.3f", e - i }')
    if [ -n "$ref" ]; then
      diff=$(awk -v o="$ours" -v r="$ref" 'BEGIN { printf "%+.1f%%", (o - r) / r * 100 }')
    else
      ref="-"
      diff=""
    fi
    echo "| $task | $ref | $ours | $diff | $note |"
    note=""
  done
done

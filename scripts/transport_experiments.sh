#!/usr/bin/env bash
# Reproduces the transport experiment S16 (congestion control under incast) with
# `ubmodel transport` and prints the Markdown table of docs/experiments.md. (S15 is in
# scripts/link_experiments.sh.) Results are in model time and deterministic.
# Usage: scripts/transport_experiments.sh [PATH/TO/ubmodel]   (default build/release/ubmodel)
set -euo pipefail
ub=${1:-build/release/ubmodel}
[ -x "$ub" ] || { echo "no ubmodel at $ub (cmake --workflow --preset release)" >&2; exit 2; }

echo "### S16: congestion control under a 4:1 incast"
echo
echo "\`ubmodel transport --senders 4 --messages 100 --size 65536 --mtu 4096 --window 2048 --retx selective --bottleneck-gbps 400 --buffer-kb 1000 --cc C\`"
echo "(4 senders at 400 Gbit/s into one 400 Gbit/s egress port with a 1 MB buffer, tail drop; 1 us per hop, RTT about 4.5 us)"
echo
echo "| cc | goodput Gbit/s | queue peak KB | queue avg KB | drops | marks | Jain | p99 latency us | retransmissions |"
echo "|---|---|---|---|---|---|---|---|---|"
for cc in none ldcp caqm dcqcn; do
  j=$("$ub" transport --json --senders 4 --messages 100 --size 65536 --mtu 4096 --window 2048 \
      --retx selective --bottleneck-gbps 400 --buffer-kb 1000 --cc "$cc" || true)
  printf "| %s | %.1f | %.1f | %.1f | %s | %s | %.3f | %.1f | %s |\n" "$cc" \
    "$(jq .goodput_gbps <<<"$j")" "$(jq '.queue_peak_bytes / 1000' <<<"$j")" \
    "$(jq '.queue_avg_bytes / 1000' <<<"$j")" "$(jq .switch_drops <<<"$j")" \
    "$(jq .switch_marks <<<"$j")" "$(jq .jain_fairness <<<"$j")" "$(jq .p99_latency_us <<<"$j")" \
    "$(jq .retransmissions <<<"$j")"
done

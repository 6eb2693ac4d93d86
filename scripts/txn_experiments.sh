#!/usr/bin/env bash
# Reproduces the transaction experiment S17 (ROI against ROT against ROL for ordered writes,
# ub-doc-facts §16) and S17b (a mixed workload over each transport) with `ubmodel txn` and prints
# the Markdown tables of docs/experiments.md. Results are in model time and deterministic.
# Usage: scripts/txn_experiments.sh [PATH/TO/ubmodel]   (default build/release/ubmodel)
set -euo pipefail
ub=${1:-build/release/ubmodel}
[ -x "$ub" ] || { echo "no ubmodel at $ub (cmake --workflow --preset release)" >&2; exit 2; }

echo "### S17: a chain of 1,000 SO 64-byte writes, ROI against ROT against ROL"
echo
echo "\`ubmodel txn --initiators 1 --targets 1 --ops 1000 --depth 1000 --mix write:100 --order so --mode M [--sc static] --loss L\`"
echo "(RTP, one channel, selective + fast retransmission; 400 Gbit/s, 3 hops of 100 ns each way, 50 ns"
echo "target execution, MTU 4096; every outcome checked by the oracle)"
echo
echo "| mode | loss | completed | oracle violations | stalls per ordered op | packets per op | elapsed us | p50 us | p99 us |"
echo "|---|---|---|---|---|---|---|---|---|"
for m in "roi|roi|" "rot, static SC|rot|--sc static" "rot, dynamic SC|rot|--sc dynamic" "rol|rol|"; do
  IFS='|' read -r name mode extra <<<"$m"
  for loss in 0 0.0001 0.001; do
    # shellcheck disable=SC2086
    j=$("$ub" txn --json --initiators 1 --targets 1 --ops 1000 --depth 1000 --mix write:100 \
        --order so --mode "$mode" $extra --loss "$loss" || true)
    printf "| %s | %s | %s | %s | %.3f | %.2f | %.1f | %.2f | %.2f |\n" "$name" "$loss" \
      "$(jq .completed <<<"$j")" "$(jq .oracle_violations <<<"$j")" \
      "$(jq .round_trips_per_ordered_op <<<"$j")" "$(jq .packets_per_op <<<"$j")" \
      "$(jq .elapsed_us <<<"$j")" "$(jq .p50_latency_us <<<"$j")" "$(jq .p99_latency_us <<<"$j")"
  done
done
echo
echo "### S17b: a mixed workload over each transport, with wrong tokens"
echo
echo "\`ubmodel txn --initiators 4 --targets 4 --queues 2 --ops 20000 --mix read:30,write:40,atomic:30 --atomic-size 64 --order ro --transport T --mode M --loss 0.001 --bad-token-rate 0.01\`"
echo
echo "| transport | mode | completed | refused by the target (remote access abort) | oracle violations | p50 us | p99 us | packets per op | ops per us |"
echo "|---|---|---|---|---|---|---|---|---|"
for tm in "rtp roi" "rtp rot" "rtp rol" "ctp roi" "ctp rol" "bypass roi" "bypass rol"; do
  set -- $tm
  j=$("$ub" txn --json --initiators 4 --targets 4 --queues 2 --ops 20000 \
      --mix read:30,write:40,atomic:30 --atomic-size 64 --order ro --transport "$1" --mode "$2" \
      --loss 0.001 --bad-token-rate 0.01 || true)
  printf "| %s | %s | %s | %s | %s | %.2f | %.2f | %.2f | %.1f |\n" "$1" "$2" \
    "$(jq .completed <<<"$j")" "$(jq '.failed_by_status["remote access abort"] // 0' <<<"$j")" \
    "$(jq .oracle_violations <<<"$j")" "$(jq .p50_latency_us <<<"$j")" \
    "$(jq .p99_latency_us <<<"$j")" "$(jq .packets_per_op <<<"$j")" "$(jq .ops_per_us <<<"$j")"
done

#!/usr/bin/env bash
# Reproduces the transport experiments S15 (retransmission modes under per-flow and per-packet
# load balancing, ub-doc-facts §16), S15b (static against dynamic RTO, MarkPSN, ACK coalescing)
# and S16 (congestion control under incast) with `ubmodel transport` and prints the Markdown
# tables of docs/experiments.md. Results are in model time and deterministic.
# Usage: scripts/transport_experiments.sh [PATH/TO/ubmodel]   (default build/release/ubmodel)
set -euo pipefail
ub=${1:-build/release/ubmodel}
[ -x "$ub" ] || { echo "no ubmodel at $ub (cmake --workflow --preset release)" >&2; exit 2; }

echo "### S15: RTP retransmission modes under per-flow and per-packet load balancing"
echo
echo "\`ubmodel transport --messages 2000 --size 4096 --mtu 1024 --window 512 --paths 4 --lb L --retx R --trigger T --loss 0.001\`"
echo "(4 paths 2, 2.5, 3, 3.5 us one way; per-packet spraying sends PSN p on path p mod 4; 400 Gbit/s links;"
echo "initial PSNs drawn from the seed, §6.4.1)"
echo
echo "| load balancing | retransmission | goodput Gbit/s | retransmissions | spurious | timeouts | p99 latency us |"
echo "|---|---|---|---|---|---|---|"
for lb in flow packet; do
  for rt in "gbn fast" "gbn rto" "selective fast" "selective rto"; do
    set -- $rt
    j=$("$ub" transport --json --messages 2000 --size 4096 --mtu 1024 --window 512 --paths 4 \
        --lb "$lb" --retx "$1" --trigger "$2" --loss 0.001 || true)
    printf "| %s | %s + %s | %.1f | %s | %s | %s | %.1f |\n" "$lb" "$1" "$2" \
      "$(jq .goodput_gbps <<<"$j")" "$(jq .retransmissions <<<"$j")" \
      "$(jq .spurious_retransmissions <<<"$j")" "$(jq .timeouts <<<"$j")" "$(jq .p99_latency_us <<<"$j")"
  done
done
echo
echo "### S15b: RTO flavour, MarkPSN and ACK coalescing under 1% loss, per flow"
echo
echo "\`ubmodel transport --messages 2000 --size 4096 --mtu 1024 --window 512 --loss 0.01 --retx R --trigger fast [X]\`"
echo "(one path, 2 us one way; dynamic RTO: Base 20 us, N = 3 (Table 6-8); static: 512 us)"
echo
echo "| retransmission | variant | goodput Gbit/s | retransmissions | timeouts | TPACKs | p99 latency us |"
echo "|---|---|---|---|---|---|---|"
for v in "gbn|dynamic RTO|" "gbn|static RTO 512 us|--rto-us 512" \
         "selective|dynamic RTO|" "selective|static RTO 512 us|--rto-us 512" \
         "selective|MarkPSN, dynamic RTO|--mark-psn" "selective|MarkPSN, static RTO 512 us|--mark-psn --rto-us 512" \
         "selective|ACK per 4 packets|--ack-coalesce 4"; do
  IFS='|' read -r r name extra <<<"$v"
  # shellcheck disable=SC2086
  j=$("$ub" transport --json --messages 2000 --size 4096 --mtu 1024 --window 512 --loss 0.01 \
      --retx "$r" --trigger fast $extra || true)
  printf "| %s + fast | %s | %.1f | %s | %s | %s | %.1f |\n" "$r" "$name" \
    "$(jq .goodput_gbps <<<"$j")" "$(jq .retransmissions <<<"$j")" "$(jq .timeouts <<<"$j")" \
    "$(jq .acks <<<"$j")" "$(jq .p99_latency_us <<<"$j")"
done
echo
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

#!/usr/bin/env bash
# Reproduces the link-layer experiments S13 and S14 with `ubmodel link` and prints the Markdown
# tables of docs/experiments.md (the transport ones are in scripts/transport_experiments.sh). Results are in model time and deterministic:
# the same build gives the same tables on any machine.
# Usage: scripts/link_experiments.sh [PATH/TO/ubmodel]   (default build/release/ubmodel)
set -euo pipefail
ub=${1:-build/release/ubmodel}
[ -x "$ub" ] || { echo "no ubmodel at $ub (cmake --workflow --preset release)" >&2; exit 2; }

run() { "$ub" link --json "$@" || true; }   # exit 1 = did not complete: still a result

echo "### S13a: goodput (Gbit/s) versus pre-FEC BER"
echo
echo "\`ubmodel link --packets 10000 --size 256 --ber B --fec F --crc-mode M --time-limit-us 2000\`"
echo "(x8 at 106.25 Gbit/s = 850 Gbit/s line rate; 1 VL; 10 ns propagation)"
echo
combos=("crc off" "crc t2" "crc t4" "noncrc t2" "noncrc t4")
printf "| BER |"; for c in "${combos[@]}"; do set -- $c; printf " %s, FEC %s |" "$1" "$2"; done; echo
printf "|---|"; for c in "${combos[@]}"; do printf -- "---|"; done; echo
for ber in 0 1e-8 1e-7 1e-6 1e-5 1e-4 3e-4 1e-3; do
  printf "| %s |" "$ber"
  for c in "${combos[@]}"; do
    set -- $c
    j=$(run --packets 10000 --size 256 --ber "$ber" --fec "$2" --crc-mode "$1" --time-limit-us 2000)
    printf " %s |" "$(jq -r '"\(.goodput_gbps * 10 | round / 10) (\(.retries - 2) retries\(if .completed then "" else ", " + (.delivered|tostring) + " delivered" end))"' <<<"$j")"
  done
  echo
done
echo
echo "### S13b: latency (ns, queued to delivered) for FEC T2 and T4"
echo
echo "\`ubmodel link --packets 10000 --size 256 --ber B --fec F\`"
echo
echo "| BER | T2 mean | T2 p99 | T4 mean | T4 p99 |"
echo "|---|---|---|---|---|"
for ber in 0 1e-5 1e-4; do
  t2=$(run --packets 10000 --size 256 --ber "$ber" --fec t2)
  t4=$(run --packets 10000 --size 256 --ber "$ber" --fec t4)
  printf "| %s | %s | %s | %s | %s |\n" "$ber" \
    "$(jq '.latency_mean_ns | round' <<<"$t2")" "$(jq '.latency_p99_ns | round' <<<"$t2")" \
    "$(jq '.latency_mean_ns | round' <<<"$t4")" "$(jq '.latency_p99_ns | round' <<<"$t4")"
done
echo
echo "### S14: exclusive versus shared credits under skewed VL load"
echo
echo "\`ubmodel link --packets 8000 --size 1000 --vls 16 --vl0-share S --rx-cells 32 --latency 500 --window 64 --credit-mode C [--shared-reserve R]\`"
echo "(16 VLs, cell = 8 flits, 32 cells of receive buffer per VL = 512 cells in all, 1000-byte packets of 7 cells, 500 ns each way)"
echo
echo "| VL0 share | exclusive | shared, reserve 16 | shared, reserve 4 | shared, reserve 0 | peak cells in flight (excl / shared 4) | credit stalls (excl / shared 4) |"
echo "|---|---|---|---|---|---|---|"
common=(--packets 8000 --size 1000 --vls 16 --rx-cells 32 --latency 500 --window 64)
for share in 0.0625 0.5 0.8 0.95; do
  ex=$(run "${common[@]}" --vl0-share "$share" --credit-mode exclusive)
  s16=$(run "${common[@]}" --vl0-share "$share" --credit-mode shared --shared-reserve 16)
  s4=$(run "${common[@]}" --vl0-share "$share" --credit-mode shared --shared-reserve 4)
  s0=$(run "${common[@]}" --vl0-share "$share" --credit-mode shared --shared-reserve 0)
  printf "| %s | %.1f | %.1f | %.1f | %.1f | %s / %s | %s / %s |\n" "$share" \
    "$(jq .goodput_gbps <<<"$ex")" "$(jq .goodput_gbps <<<"$s16")" "$(jq .goodput_gbps <<<"$s4")" \
    "$(jq .goodput_gbps <<<"$s0")" \
    "$(jq .credits_in_flight_peak <<<"$ex")" "$(jq .credits_in_flight_peak <<<"$s4")" \
    "$(jq .credit_stalls <<<"$ex")" "$(jq .credit_stalls <<<"$s4")"
done
echo
echo "(goodput in Gbit/s; line rate 850 Gbit/s)"
echo

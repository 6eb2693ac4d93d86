#!/usr/bin/env bash
# End-to-end tests of the ubmodel command line: every sample decodes, decode --json | encode
# gives back the same bytes in every block mode, single headers round-trip, and bad input of
# each kind exits with status 2 and one line on stderr naming what is wrong.
# Usage: cli_test.sh PATH/TO/ubmodel
set -uo pipefail
ub=${1:?usage: cli_test.sh PATH/TO/ubmodel}
fails=0
checks=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok() { checks=$((checks + 1)); }
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); checks=$((checks + 1)); }

# expect_error DESCRIPTION PATTERN -- COMMAND... : status 2, one stderr line matching PATTERN.
expect_error() {
  local desc=$1 pattern=$2
  shift 3
  "$@" >"$tmp/out" 2>"$tmp/err"
  local st=$?
  local lines
  lines=$(wc -l <"$tmp/err")
  if [ "$st" -ne 2 ]; then
    bad "$desc: exit status $st, want 2 (stderr: $(cat "$tmp/err"))"
  elif [ "$lines" -ne 1 ]; then
    bad "$desc: $lines stderr lines, want 1: $(cat "$tmp/err")"
  elif ! grep -qiE -e "$pattern" "$tmp/err"; then
    bad "$desc: stderr does not match /$pattern/: $(cat "$tmp/err")"
  elif [ -s "$tmp/out" ]; then
    bad "$desc: wrote to stdout on error"
  else
    ok
  fi
}

# The main job: the demo decodes every built-in unit.
if "$ub" demo >"$tmp/demo" 2>"$tmp/err"; then
  n=$(grep -c '^== ' "$tmp/demo")
  [ "$n" -ge 59 ] && ok || bad "demo shows $n units, want >= 59"
else
  bad "demo failed: $(cat "$tmp/err")"
fi

# Round trips through JSON in all three block modes.
for mode in crc30 crc62 noncrc; do
  "$ub" samples --mode "$mode" >"$tmp/samples" || bad "samples --mode $mode failed"
  count=0
  while IFS=$'\t' read -r name hex; do
    count=$((count + 1))
    json=$("$ub" decode --json --mode "$mode" "$hex") || { bad "$mode $name: decode failed"; continue; }
    back=$(printf '%s' "$json" | "$ub" encode) || { bad "$mode $name: encode failed"; continue; }
    [ "$back" = "$hex" ] && ok || bad "$mode $name: decode --json | encode changed the bytes"
    "$ub" decode --mode "$mode" "$hex" >/dev/null || bad "$mode $name: tree decode failed"
  done <"$tmp/samples"
  [ "$count" -ge 59 ] && ok || bad "samples --mode $mode printed $count units"
done

# Input from a file and from stdin.
hex=$("$ub" samples --only cfg7-rtp-write)
printf '%s\n' "$hex" >"$tmp/unit.hex"
"$ub" decode @"$tmp/unit.hex" >/dev/null && ok || bad "decode @FILE"
printf '%s' "$hex" | "$ub" decode - >/dev/null && ok || bad "decode -"
printf '%s' "$hex" | xxd -r -p >"$tmp/unit.bin" 2>/dev/null && \
  { "$ub" decode --raw @"$tmp/unit.bin" >/dev/null && ok || bad "decode --raw @FILE"; }

# Single headers: every header of every sample through decode --header / encode --header.
"$ub" samples >"$tmp/samples"
while IFS=$'\t' read -r name hex; do
  "$ub" decode --json "$hex" >"$tmp/unit.json" || continue
  nh=$(jq '.headers | length' "$tmp/unit.json")
  for ((i = 0; i < nh; i++)); do
    obj=$(jq -c ".headers[$i]" "$tmp/unit.json")
    hname=$(jq -r ".headers[$i].name" "$tmp/unit.json")
    case "$hname" in LPH) continue ;; esac # PLENGTH alone is checked below
    hhex=$(printf '%s' "$obj" | "$ub" encode --header "$hname") || { bad "$name $hname: encode --header"; continue; }
    again=$("$ub" decode --json --header "$hname" "$hhex") || { bad "$name $hname: decode --header"; continue; }
    [ "$again" = "$obj" ] && ok || bad "$name $hname: single-header round trip differs: $again vs $obj"
  done
done < <(head -n 30 "$tmp/samples")
lph=$(printf '%s' '{"name":"LPH","fields":{"CFG":7,"VL":3,"PLENGTH":83}}' | "$ub" encode --header LPH)
[ "$lph" = "00670053" ] && ok || bad "encode --header LPH gave $lph, want 00670053"
"$ub" headers | grep -q '^BTAH_COMPACT ' && ok || bad "headers lists BTAH_COMPACT"

unit_hex=$("$ub" samples --only cfg7-rtp-write)
# Bad input: exit 2, one line on stderr.
expect_error "odd hex" "odd number" -- "$ub" decode abc
expect_error "non-hex" "not a hex digit" -- "$ub" decode 00zz
expect_error "empty" "no bytes" -- "$ub" decode ""
expect_error "truncated unit" "truncated" -- "$ub" decode 0006
expect_error "truncated packet" "truncated" -- "$ub" decode "${unit_hex:0:60}"
flipped="${unit_hex:0:50}$(printf '%x' $(( (0x${unit_hex:50:1} + 1) % 16 )))${unit_hex:51}"
expect_error "CRC mismatch" "CRC mismatch" -- "$ub" decode "$flipped"
expect_error "wrong mode" "CRC|PLENGTH|reserved" -- "$ub" decode --mode crc62 "$unit_hex"
expect_error "unknown header" "unknown header" -- "$ub" decode --header FOO 00
expect_error "header trailing bytes" "trailing" -- "$ub" decode --header TVETAH 0000000000
expect_error "header truncated" "truncated" -- "$ub" decode --header RTPH 0102
expect_error "missing file" "cannot open" -- "$ub" decode @/nonexistent/file
expect_error "out-of-range field" "out of range" -- sh -c "echo '{\"fields\":{\"VL\":16,\"CFG\":6}}' | '$ub' encode --header LPH"
expect_error "reserved value" "reserved value" -- sh -c "echo '{\"fields\":{\"CFG\":1}}' | '$ub' encode --header LPH"
expect_error "unknown field" "no field" -- sh -c "echo '{\"fields\":{\"Nope\":1}}' | '$ub' encode --header RTPH"
expect_error "negative value" "negative" -- sh -c "echo '{\"fields\":{\"PSN\":-1}}' | '$ub' encode --header RTPH"
expect_error "float value" "expected an unsigned integer" -- sh -c "echo '{\"fields\":{\"PSN\":1.5}}' | '$ub' encode --header RTPH"
expect_error "bad JSON" "JSON parse error" -- sh -c "echo '{' | '$ub' encode"
expect_error "no headers" "headers" -- sh -c "echo '{}' | '$ub' encode"
expect_error "name mismatch" "names" -- sh -c "echo '{\"name\":\"BTAH\",\"fields\":{}}' | '$ub' encode --header ATAH"
json=$("$ub" decode --json "$unit_hex")
expect_error "derived field" "derived field" -- sh -c "printf '%s' '$(printf '%s' "$json" | jq -c '.headers[0].fields.PLENGTH = 5')' | '$ub' encode"
expect_error "header order" "expects another header|format needs" -- sh -c "printf '%s' '$(printf '%s' "$json" | jq -c '.headers |= [.[0], .[2], .[1]] + .[3:]')' | '$ub' encode"
expect_error "bad mode option" "mode" -- "$ub" decode --mode foo 00
expect_error "unknown command" "" -- "$ub" frobnicate
expect_error "unknown sample" "no sample" -- "$ub" samples --only nope

# The link experiment: JSON fields, exactly-once delivery, determinism, bad options.
if "$ub" link --packets 2000 --size 300 --vls 2 --json >"$tmp/link1" 2>"$tmp/err"; then
  for f in sent delivered duplicates out_of_order retries retrains credit_stalls goodput_gbps \
           link_state fingerprint; do
    jq -e "has(\"$f\")" "$tmp/link1" >/dev/null && ok || bad "link --json lacks $f"
  done
  [ "$(jq '.sent' "$tmp/link1")" = 2000 ] && [ "$(jq '.delivered' "$tmp/link1")" = 2000 ] &&
    ok || bad "link: sent/delivered $(jq -c '[.sent, .delivered]' "$tmp/link1"), want 2000/2000"
  [ "$(jq -r '.link_state' "$tmp/link1")" = DLL_Normal ] && ok || bad "link: state not DLL_Normal"
  awk "BEGIN{exit !($(jq '.goodput_gbps' "$tmp/link1") > 100)}" && ok ||
    bad "link: goodput $(jq '.goodput_gbps' "$tmp/link1") Gbit/s on a clean x8 link"
else
  bad "link failed: $(cat "$tmp/err")"
fi
# Bit errors without FEC in CRC mode: retries, yet every packet exactly once and in order.
"$ub" link --packets 2000 --ber 3e-6 --fec off --seed 7 --json >"$tmp/link2" || bad "link with BER failed"
[ "$(jq '.retries > 0 and .delivered == 2000 and .duplicates == 0 and .out_of_order == 0 and .corrupted == 0' "$tmp/link2")" = true ] &&
  ok || bad "link BER run: $(jq -c '{retries, delivered, duplicates, out_of_order, corrupted}' "$tmp/link2")"
"$ub" link --packets 2000 --ber 3e-6 --fec off --seed 7 --json >"$tmp/link3"
cmp -s "$tmp/link2" "$tmp/link3" && ok || bad "link: same seed, different output"
"$ub" link --packets 2000 --ber 3e-6 --fec off --seed 8 --json >"$tmp/link4"
[ "$(jq -r .fingerprint "$tmp/link2")" != "$(jq -r .fingerprint "$tmp/link4")" ] && ok ||
  bad "link: different seeds gave the same fingerprint"
"$ub" link --packets 500 >"$tmp/link5" && grep -q "^run fingerprint: [0-9a-f]\{16\}$" "$tmp/link5" &&
  ok || bad "link text output lacks the run fingerprint"
expect_error "link noncrc without FEC" "crc-mode.*FEC" -- "$ub" link --crc-mode noncrc --fec off
expect_error "link bad lanes" "link: --lanes" -- "$ub" link --lanes 3
expect_error "link bad fec" "fec" -- "$ub" link --fec t3
expect_error "link bad ber" "link: --ber" -- "$ub" link --ber 1.5
expect_error "link too many VLs" "vls" -- "$ub" link --vls 17
expect_error "link zero packets" "packets" -- "$ub" link --packets 0
expect_error "link tiny packets" "size" -- "$ub" link --size 4
expect_error "link small retry buffer" "retry-buffer: must" -- "$ub" link --retry-buffer 40
expect_error "link bad share" "vl0-share" -- "$ub" link --vls 4 --vl0-share 2
expect_error "link not a number" "packets" -- "$ub" link --packets lots
expect_error "link bad lanes-at" "lanes-at: expected" -- "$ub" link --lanes-at 10x2
expect_error "link lanes-at too wide" "lanes-at: width" -- "$ub" link --lanes 4 --lanes-at 5:8
"$ub" link --packets 5000 --lanes-at 3:2 --lanes-at 8:8 --json >"$tmp/link6" || bad "link --lanes-at failed"
[ "$(jq '.width_changes == 2 and .delivered == 5000 and .duplicates == 0' "$tmp/link6")" = true ] && ok ||
  bad "link --lanes-at: $(jq -c '{width_changes, delivered, duplicates}' "$tmp/link6")"
"$ub" transport --messages 200 --paths 4 --lb packet --loss 0.002 --json >"$tmp/tr1" || bad "transport failed"
for f in messages delivered duplicates_delivered failed retransmissions spurious_retransmissions \
         timeouts goodput_gbps p99_latency_us fingerprint; do
  jq -e "has(\"$f\")" "$tmp/tr1" >/dev/null && ok || bad "transport --json lacks $f"
done
[ "$(jq '.delivered == 200 and .duplicates_delivered == 0 and .failed == 0' "$tmp/tr1")" = true ] && ok ||
  bad "transport: $(jq -c '{delivered, duplicates_delivered, failed}' "$tmp/tr1")"
expect_error "transport bad rto" "rto-us" -- "$ub" transport --rto-us 100
expect_error "transport bad loss" "loss" -- "$ub" transport --loss 2
expect_error "transport bad lb" "lb" -- "$ub" transport --lb spray
for f in queue_peak_bytes queue_avg_bytes switch_drops jain_fairness; do
  jq -e "has(\"$f\")" "$tmp/tr1" >/dev/null && ok || bad "transport --json lacks $f"
done
# Bottleneck (incast) mode: 4 senders into one port with LDCP marking, and without CC.
bn=(transport --senders 4 --messages 20 --size 65536 --mtu 4096 --window 2048 --retx selective --json)
"$ub" "${bn[@]}" --cc ldcp >"$tmp/bn1" || bad "transport --senders 4 --cc ldcp failed"
"$ub" "${bn[@]}" --cc ldcp >"$tmp/bn2" || bad "transport --senders 4 --cc ldcp failed (2)"
"$ub" "${bn[@]}" --cc none >"$tmp/bn0" || bad "transport --senders 4 --cc none failed"
[ "$(jq '.delivered == 80 and .duplicates_delivered == 0 and .switch_drops == 0 and .switch_marks > 0 and .jain_fairness > 0.9 and .queue_peak_bytes > 0' "$tmp/bn1")" = true ] && ok ||
  bad "transport bottleneck ldcp: $(jq -c '{delivered, switch_drops, switch_marks, jain_fairness, queue_peak_bytes}' "$tmp/bn1")"
[ "$(jq -r .fingerprint "$tmp/bn1")" = "$(jq -r .fingerprint "$tmp/bn2")" ] && ok ||
  bad "transport bottleneck: same seed, different fingerprints"
[ "$(jq -s '.[0].queue_peak_bytes > .[1].queue_peak_bytes and .[0].switch_drops > 0' "$tmp/bn0" "$tmp/bn1")" = true ] && ok ||
  bad "transport bottleneck: none does not queue more than ldcp"
expect_error "transport zero senders" "senders" -- "$ub" transport --senders 0
expect_error "transport bad bottleneck" "bottleneck-gbps" -- "$ub" transport --senders 2 --bottleneck-gbps 0
expect_error "transport tiny buffer" "buffer-kb" -- "$ub" transport --senders 2 --buffer-kb 1
expect_error "transport buffer without bottleneck" "buffer-kb" -- "$ub" transport --buffer-kb 500
expect_error "transport bottleneck paths" "paths" -- "$ub" transport --senders 2 --paths 4
# MarkPSN: a retransmission lost again is resent without the RTO, so fewer timeouts at 5% loss.
mk=(transport --messages 2000 --size 1024 --retx selective --trigger fast --loss 0.05 --json)
"$ub" "${mk[@]}" >"$tmp/mk0" || bad "transport selective fast failed"
"$ub" "${mk[@]}" --mark-psn >"$tmp/mk1" || bad "transport --mark-psn failed"
jq -e '.completed and .delivered == 2000' "$tmp/mk1" >/dev/null && ok ||
  bad "transport --mark-psn: $(jq -c '{delivered, completed}' "$tmp/mk1")"
[ "$(jq .timeouts "$tmp/mk1")" -lt "$(jq .timeouts "$tmp/mk0")" ] && ok ||
  bad "transport --mark-psn: timeouts $(jq .timeouts "$tmp/mk1") not below $(jq .timeouts "$tmp/mk0")"
# ACK coalescing: fewer TPACKs for the same delivery.
"$ub" transport --messages 300 --size 8192 --json >"$tmp/ac1" || bad "transport failed"
"$ub" transport --messages 300 --size 8192 --ack-coalesce 4 --json >"$tmp/ac4" ||
  bad "transport --ack-coalesce failed"
jq -e '.completed' "$tmp/ac4" >/dev/null && ok || bad "transport --ack-coalesce 4 did not complete"
[ "$(jq .acks "$tmp/ac4")" -lt "$(jq .acks "$tmp/ac1")" ] && ok ||
  bad "transport --ack-coalesce 4: acks $(jq .acks "$tmp/ac4") not below $(jq .acks "$tmp/ac1")"
expect_error "transport mark-psn with gbn" "mark-psn" -- "$ub" transport --mark-psn
expect_error "transport zero ack-coalesce" "ack_coalesce" -- "$ub" transport --ack-coalesce 0
expect_error "transport bad ack-delay" "ack-delay-us" -- "$ub" transport --ack-delay-us -1
expect_error "transport bad rto base" "rto-base-us" -- "$ub" transport --rto-base-us 2
expect_error "link trace path" "trace" -- "$ub" link --packets 10 --trace /nonexistent/dir/t.jsonl

# ubmodel txn: the transaction experiment, checked by the oracle.
"$ub" txn --ops 600 --loss 0.01 --bad-token-rate 0.05 --json >"$tmp/tx1" || bad "txn failed"
for f in ops completed failed_by_status oracle_violations round_trips_per_ordered_op \
         p50_latency_us p99_latency_us fingerprint; do
  jq -e "has(\"$f\")" "$tmp/tx1" >/dev/null && ok || bad "txn --json lacks $f"
done
jq -e '.oracle_violations == 0 and .finished and .ops == 600' "$tmp/tx1" >/dev/null && ok ||
  bad "txn: $(jq -c '{ops, completed, oracle_violations, finished}' "$tmp/tx1")"
jq -e '.completed + .expected_denied == .ops and
       (.failed_by_status["remote access abort"] // 0) == .expected_denied' "$tmp/tx1" >/dev/null &&
  ok || bad "txn bad tokens: $(jq -c '{completed, expected_denied, failed_by_status}' "$tmp/tx1")"
"$ub" txn --ops 600 --loss 0.01 --bad-token-rate 0.05 --json >"$tmp/tx2" || bad "txn failed (2)"
[ "$(jq -r .fingerprint "$tmp/tx1")" = "$(jq -r .fingerprint "$tmp/tx2")" ] && ok ||
  bad "txn: same seed, different fingerprints"
s17=(txn --initiators 1 --targets 1 --ops 100 --depth 100 --mix write:100 --order so --json)
"$ub" "${s17[@]}" --mode roi >"$tmp/s17roi" || bad "txn roi chain failed"
"$ub" "${s17[@]}" --mode rol >"$tmp/s17rol" || bad "txn rol chain failed"
jq -e '.round_trips_per_ordered_op > 0.9' "$tmp/s17roi" >/dev/null && ok ||
  bad "txn roi: $(jq -c '{round_trips_per_ordered_op}' "$tmp/s17roi")"
jq -e '.round_trips_per_ordered_op == 0 and .packets_per_op == 2' "$tmp/s17rol" >/dev/null && ok ||
  bad "txn rol: $(jq -c '{round_trips_per_ordered_op, packets_per_op}' "$tmp/s17rol")"
"$ub" txn --ops 50 --transport bypass --mix read:50,write:50 >"$tmp/txt" || bad "txn text failed"
grep -q "run fingerprint:" "$tmp/txt" && ok || bad "txn text output lacks the fingerprint"
expect_error "txn bad mix kind" "mix" -- "$ub" txn --mix read:30,frob:10
expect_error "txn bad mix weight" "mix" -- "$ub" txn --mix read:x
expect_error "txn uno with writes" "UNO" -- "$ub" txn --mode uno
expect_error "txn rot over bypass" "ROT" -- "$ub" txn --transport bypass --mode rot --mix read:50,write:50
expect_error "txn sends over bypass" "compact" -- "$ub" txn --transport bypass
expect_error "txn bad mode" "mode" -- "$ub" txn --mode fast
expect_error "txn zero initiators" "initiators" -- "$ub" txn --initiators 0
expect_error "txn bad atomic size" "atomic-size" -- "$ub" txn --atomic-size 3
expect_error "txn bad loss" "loss" -- "$ub" txn --loss 1
expect_error "txn bad coalesce" "taack-coalesce" -- "$ub" txn --taack-coalesce 40
expect_error "txn bad channels" "channels" -- "$ub" txn --channels 0

# ubmodel sim: the fabric simulator on a small scenario, its outputs, determinism and errors.
cat >"$tmp/tiny.toml" <<'TOML'
name = "tiny"
[topology]
kind = "fat_tree"
[topology.fat_tree]
k = 4
[[traffic]]
name = "w"
pattern = "uniform"
op = "write"
bytes = "16KiB"
[[traffic]]
name = "r"
pattern = "permutation"
op = "read"
bytes = "8KiB"
after = ["w"]
TOML
if "$ub" sim "$tmp/tiny.toml" --out "$tmp/simo" --quiet >"$tmp/sim1" 2>"$tmp/err"; then ok; else bad "sim tiny failed: $(cat "$tmp/err")"; fi
tail -n1 "$tmp/sim1" | grep -qE '^fingerprint: [0-9a-f]{16}$' && ok || bad "sim: last line is not the fingerprint"
for f in stats.json flows.csv links.csv series.csv summary.txt; do
  [ -s "$tmp/simo/$f" ] && ok || bad "sim: $f missing"
done
for f in sim_time_us wall_s events packet_hops fingerprint oracle_violations ops links flows; do
  jq -e "has(\"$f\")" "$tmp/simo/stats.json" >/dev/null && ok || bad "sim stats.json lacks $f"
done
jq -e '.oracle_violations == 0 and .stop == "completed" and (.flows | length) == 32 and
       all(.flows[]; .fct_us > 0 and .end_us >= .start_us and has("id") and has("src") and
       has("dst") and has("bytes"))' "$tmp/simo/stats.json" >/dev/null && ok ||
  bad "sim stats: $(jq -c '{stop, oracle_violations, n: (.flows | length)}' "$tmp/simo/stats.json")"
# The reads start only when every write has completed (after = ["w"]).
jq -e '([.flows[] | select(.op == "write") | .end_us] | max) <=
       ([.flows[] | select(.op == "read") | .start_us] | min)' "$tmp/simo/stats.json" >/dev/null &&
  ok || bad "sim: reads started before the writes completed"
fp1=$(tail -n1 "$tmp/sim1")
"$ub" sim "$tmp/tiny.toml" --no-out --quiet >"$tmp/sim2" || bad "sim tiny (2) failed"
[ "$fp1" = "$(tail -n1 "$tmp/sim2")" ] && ok || bad "sim: same scenario and seed, other fingerprint"
"$ub" sim "$tmp/tiny.toml" --no-out --quiet --seed 2 >"$tmp/sim3" || bad "sim tiny seed 2 failed"
[ "$fp1" != "$(tail -n1 "$tmp/sim3")" ] && ok || bad "sim: another seed, same fingerprint"
"$ub" sim "$tmp/tiny.toml" --no-out --quiet --set switch.selector=adaptive >"$tmp/sim4" ||
  bad "sim --set failed"
[ "$fp1" != "$(tail -n1 "$tmp/sim4")" ] && ok || bad "sim: --set switch.selector changed nothing"
"$ub" sim scenarios_missing_dir_zz 2>"$tmp/err" >/dev/null; [ $? -eq 2 ] && ok || bad "sim: missing file not status 2"
printf 'name = "x"\n[switch]\nselector = "fastest"\n' >"$tmp/bad.toml"
expect_error "sim bad enum" "bad.toml:3: switch.selector" -- "$ub" sim "$tmp/bad.toml" --no-out
printf 'name = "x"\n[link]\nvl_buffer_bytes = 64\n' >"$tmp/bad2.toml"
expect_error "sim buffer too small" "link.vl_buffer_bytes" -- "$ub" sim "$tmp/bad2.toml" --no-out
expect_error "sim bad override" "--set" -- "$ub" sim "$tmp/tiny.toml" --no-out --set switch.frob=1
expect_error "sim bad seed" "seed" -- "$ub" sim "$tmp/tiny.toml" --no-out --seed x
# An ns-3 UB case folder runs as it is.
"$ub" sim "$(dirname "$0")/../../scenarios/ns3ub/clos_fault_injection" --out "$tmp/ns3o" --quiet \
  >"$tmp/ns3" 2>"$tmp/err" && ok || bad "sim ns-3 case failed: $(cat "$tmp/err")"
jq -e '.stop == "completed" and .oracle_violations == 0 and (.flows | length) > 0' \
  "$tmp/ns3o/stats.json" >/dev/null && ok || bad "sim ns-3 case: $(jq -c '{stop}' "$tmp/ns3o/stats.json")"
# It takes the overrides that do not contradict its files, and names the others.
"$ub" sim "$(dirname "$0")/../../scenarios/ns3ub/clos_fault_injection" --no-out --quiet \
  --set endpoint.model=packet --set switch.selector=adaptive >"$tmp/ns3p" 2>"$tmp/err" &&
  [ "$(tail -n1 "$tmp/ns3p")" != "$(tail -n1 "$tmp/ns3")" ] && ok ||
  bad "sim ns-3 case with packet endpoints: $(cat "$tmp/err")"
expect_error "sim ns-3 override refused" "--set: topology.kind" -- "$ub" sim \
  "$(dirname "$0")/../../scenarios/ns3ub/clos_fault_injection" --no-out --set topology.kind=ring

echo "cli: $checks checks, $fails failed"
[ "$fails" -eq 0 ]

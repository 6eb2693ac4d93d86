#!/usr/bin/env bash
# Regenerates fuzz/corpus/ns3_case/ from the ns-3 UB case folders in scenarios/ns3ub/: one seed
# per folder, its files each introduced by a `==> NAME <==` line (the fuzz target's input format,
# which is what `tail -n +1 FILES...` prints).
# Usage: fuzz/make_ns3_corpus.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cases=$here/../scenarios/ns3ub
out=$here/corpus/ns3_case
rm -rf "$out"
mkdir -p "$out"
for dir in "$cases"/*/; do
  name=$(basename "$dir")
  files=()
  for f in network_attribute.txt node.csv topology.csv routing_table.csv transport_channel.csv \
           traffic.csv fault.csv; do
    [[ -f "$dir/$f" ]] && files+=("$f")
  done
  (cd "$dir" && tail -n +1 "${files[@]}") > "$out/$name"
done
echo "ns3_case: $(ls "$out" | wc -l) seeds"

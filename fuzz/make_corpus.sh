#!/usr/bin/env bash
# Regenerates fuzz/corpus/{packet_decode,packet_roundtrip,header_decode,ta_decode} and the
# dictionaries fuzz/dict/{packet_decode,header_decode,ta_decode}.dict from the built-in
# samples, fuzz/corpus/txn_program from its recipes (make_corpus.cpp), and fuzz/corpus/scenario
# from make_scenario_corpus.py.
# Usage: fuzz/make_corpus.sh [BUILD_DIR]   (default build/dev)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build/dev}
cmake --build "$build" --target fuzz_make_corpus >/dev/null
for t in packet_decode packet_roundtrip header_decode ta_decode txn_program; do
  rm -rf "$here/corpus/$t"
done
"$build/fuzz/fuzz_make_corpus" "$here/corpus"
for t in packet_decode packet_roundtrip header_decode ta_decode txn_program; do
  echo "$t: $(ls "$here/corpus/$t" | wc -l) seeds"
done
"$here/make_ns3_corpus.sh"
rm -rf "$here/corpus/scenario"
python3 "$here/make_scenario_corpus.py" "$here/corpus/scenario"

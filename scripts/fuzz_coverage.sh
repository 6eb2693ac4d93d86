#!/usr/bin/env bash
# Coverage of the fuzz corpora and the scenario examples (fuzz/README.md, "Coverage").
#
#   scripts/fuzz_coverage.sh [--build-dir DIR] [--out DIR] [--jobs N] [--no-build]
#                            [--no-scenarios] [--scenario-timeout S] [TARGET...]
#
# Builds the `coverage` preset (clang source-based coverage, -fprofile-instr-generate
# -fcoverage-mapping; fuzz targets linked with replay_main.cpp, so no libFuzzer; UB_TRANSITION
# hooks counting), replays every fuzz target (or the ones named) over fuzz/corpus/<t>/ and
# fuzz/regressions/<t>/, runs `ubmodel sim` on every scenarios/examples/*.toml, merges the
# profiles with llvm-profdata and reports with llvm-cov: line and branch coverage per layer and
# protocol-transition coverage per machine and layer, for the corpora together, each target
# alone and the scenarios. Tables on stdout; OUT/coverage.md and OUT/coverage.json.
# Exit status: 0, 1 if a run took an undeclared transition or a replay failed, 2 on bad usage
# or missing tools.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

build_dir=build/coverage
out=""
jobs=2
do_build=1
do_scenarios=1
scenario_timeout=600
targets=()
while (($#)); do
  case $1 in
  --build-dir) build_dir=$2; shift 2 ;;
  --out) out=$2; shift 2 ;;
  --jobs) jobs=$2; shift 2 ;;
  --no-build) do_build=0; shift ;;
  --no-scenarios) do_scenarios=0; shift ;;
  --scenario-timeout) scenario_timeout=$2; shift 2 ;;
  -h | --help) sed -n '2,16p' "$0"; exit 0 ;;
  -*) echo "fuzz_coverage: unknown option $1" >&2; exit 2 ;;
  *) targets+=("$1"); shift ;;
  esac
done
out=${out:-$build_dir/report}

# The targets: UB_FUZZ_TARGETS of fuzz/CMakeLists.txt (the one list, as fuzz/campaign reads it).
all_targets=$(sed -n '/^set(UB_FUZZ_TARGETS/,/)/p' fuzz/CMakeLists.txt |
  sed -e 's/set(UB_FUZZ_TARGETS//' -e 's/)//' | tr -s ' \n' '\n' | grep -v '^$')
if ((${#targets[@]} == 0)); then
  mapfile -t targets <<<"$all_targets"
fi
for t in "${targets[@]}"; do
  grep -qx "$t" <<<"$all_targets" || { echo "fuzz_coverage: no fuzz target '$t'" >&2; exit 2; }
done

# llvm-profdata / llvm-cov of clang's own version (clang-14 on Debian 12: llvm-*-14).
cxx=${CXX:-clang++}
major=$("$cxx" --version | sed -n 's/.*clang version \([0-9]*\).*/\1/p' | head -1)
if [[ -z $major ]]; then
  echo "fuzz_coverage: $cxx is not clang" >&2
  exit 2
fi
find_tool() {
  local name=$1 sub=$2 c
  for c in "$name-$major" "$name"; do
    # `llvm-profdata --version` is refused; `llvm-profdata merge --version` answers.
    if command -v "$c" >/dev/null &&
      [[ $("$c" $sub --version 2>&1 || true) == *"LLVM version $major."* ]]; then
      echo "$c"
      return
    fi
  done
  echo "fuzz_coverage: no $name for LLVM $major (install llvm-$major)" >&2
  exit 2
}
profdata=$(find_tool llvm-profdata merge)
llvmcov=$(find_tool llvm-cov "")

start=$(date +%s)
if ((do_build)); then
  launcher=()
  command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  if [[ ! -f $build_dir/CMakeCache.txt ]]; then
    cmake --preset coverage -B "$build_dir" -DCMAKE_CXX_COMPILER="$cxx" "${launcher[@]}" >/dev/null
  fi
  build_targets=(ub_transition_tables)
  for t in "${targets[@]}"; do build_targets+=("fuzz_$t"); done
  ((do_scenarios)) && build_targets+=(ubmodel)
  cmake --build "$build_dir" -j "$jobs" --target "${build_targets[@]}"
fi
built=$(date +%s)

rm -rf "$out"
mkdir -p "$out/raw" "$out/transitions" "$out/export"
"$build_dir/fuzz/ub_transition_tables" >"$out/transitions/tables.tsv"

status=0
sets=()
objects=()
for t in "${targets[@]}"; do
  bin=$build_dir/fuzz/fuzz_$t
  t0=$(date +%s%N)
  if ! LLVM_PROFILE_FILE="$out/raw/$t-%p.profraw" UB_TRANSITION_FILE="$out/transitions/$t.tsv" \
    "$bin" "fuzz/corpus/$t" "fuzz/regressions/$t" >"$out/raw/$t.log" 2>&1; then
    echo "fuzz_coverage: $t: the replay failed (see $out/raw/$t.log)" >&2
    status=1
  fi
  t1=$(date +%s%N)
  "$profdata" merge -sparse "$out/raw/$t"-*.profraw -o "$out/raw/$t.profdata"
  "$llvmcov" export -summary-only -instr-profile="$out/raw/$t.profdata" "$bin" \
    >"$out/export/$t.json"
  echo "$t: $(tail -1 "$out/raw/$t.log"), $(((t1 - t0) / 1000000)) ms" >&2
  sets+=("target:$t=$out/export/$t.json:$out/transitions/$t.tsv")
  objects+=(-object "$bin")
done
for t in "${targets[@]}"; do
  # A target that takes no transition (a codec target) writes no dump.
  if [[ -f $out/transitions/$t.tsv ]]; then cat "$out/transitions/$t.tsv"; fi
done >"$out/transitions/corpus.tsv"
"$profdata" merge -sparse "$out/raw/"*.profdata -o "$out/corpus.profdata"
"$llvmcov" export -summary-only -instr-profile="$out/corpus.profdata" "${objects[@]:1}" \
  >"$out/export/corpus.json"
main_sets=("corpus=$out/export/corpus.json:$out/transitions/corpus.tsv")

notes=("fuzz targets replayed over fuzz/corpus/<t>/ and fuzz/regressions/<t>/: ${targets[*]}")
if ((do_scenarios)); then
  mkdir -p "$out/raw/scenarios" "$out/sim"
  for s in scenarios/examples/*.toml; do
    name=$(basename "$s" .toml)
    t0=$(date +%s)
    rc=0
    LLVM_PROFILE_FILE="$out/raw/scenarios/$name-%p.profraw" \
      UB_TRANSITION_FILE="$out/transitions/scenarios.tsv" \
      timeout "$scenario_timeout" "$build_dir/ubmodel" sim "$s" --no-out --quiet \
      >"$out/sim/$name.log" 2>&1 || rc=$?
    if ((rc == 124)); then
      # Killed: no profile and no transition counts are written for it.
      echo "fuzz_coverage: scenario $name took over $scenario_timeout s: not measured" >&2
      notes+=("scenario $name: over $scenario_timeout s, not measured")
    elif ((rc != 0)); then
      # A scenario whose outcome the oracle rejects exits 1: it is measured all the same.
      echo "fuzz_coverage: scenario $name exited $rc (see $out/sim/$name.log)" >&2
    fi
    echo "scenario $name: $(($(date +%s) - t0)) s" >&2
  done
  "$profdata" merge -sparse "$out/raw/scenarios/"*.profraw -o "$out/scenarios.profdata"
  "$llvmcov" export -summary-only -instr-profile="$out/scenarios.profdata" \
    "$build_dir/ubmodel" >"$out/export/scenarios.json"
  main_sets+=("scenarios=$out/export/scenarios.json:$out/transitions/scenarios.tsv")
  notes+=("scenarios: ubmodel sim over scenarios/examples/*.toml ($(ls scenarios/examples/*.toml | wc -l) files)")
fi
notes+=("clang $major ($profdata, $llvmcov); build $((built - start)) s, runs and report $(($(date +%s) - built)) s")

python3 fuzz/coverage/report.py --out "$out" --tables "$out/transitions/tables.tsv" --root "$root" \
  "${notes[@]/#/--note=}" "${main_sets[@]}" "${sets[@]}" || status=1
echo >&2
echo "fuzz_coverage: report in $out/coverage.md and $out/coverage.json" >&2
exit $status

#!/usr/bin/env bash
# Determinism and layering lint (STYLE rules 1 and 10): protocol/ has no ambient clock, OS
# randomness, global mutable state or I/O, and no Boost.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
check() {
  local what=$1 pattern=$2
  if hits=$(git grep -nE "$pattern" -- 'protocol/*.hpp' 'protocol/*.cpp'); then
    echo "lint: $what in protocol/:" >&2
    echo "$hits" >&2
    status=1
  fi
}
check "an ambient clock" 'std::chrono::[a-z_]+_clock::now|[^_a-z]time\(|gettimeofday|clock_gettime'
check "OS or libc randomness" 'std::random_device|[^_a-z]s?rand\(|std::mt19937|uniform_(int|real)_distribution'
check "I/O" '#include <(iostream|fstream|cstdio|stdio\.h)>|std::cout|std::cerr|printf\('
check "Boost" '#include <boost/'
check "threads" '#include <(thread|mutex|atomic)>'
check "mutable static state" '^\s*static [a-zA-Z_:<>]+ [a-z_]+\s*(=|;|\{)'
exit $status

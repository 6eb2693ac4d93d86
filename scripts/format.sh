#!/usr/bin/env bash
# clang-format over every C++ file of the project. `scripts/format.sh --check` changes nothing
# and fails if a file is not formatted (CI runs it first).
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files --cached --others --exclude-standard '*.cpp' '*.hpp')
if [ "${1:-}" = "--check" ]; then
  clang-format --dry-run --Werror "${files[@]}"
else
  clang-format -i "${files[@]}"
fi

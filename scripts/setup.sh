#!/usr/bin/env bash
# Installs what ubmodel needs to build, test, fuzz and benchmark, from Debian 12 packages only.
# Idempotent: installs only what is missing and prints nothing when everything is present.
set -euo pipefail

packages=(
  g++ cmake ninja-build git
  libfmt-dev catch2 libboost-dev libexpected-dev libcli11-dev nlohmann-json3-dev
  libtomlplusplus-dev libbenchmark-dev libmimalloc-dev
  clang libclang-rt-14-dev clang-format llvm jq
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi

echo "setup: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

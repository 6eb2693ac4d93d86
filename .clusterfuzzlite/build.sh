#!/bin/bash -eu
# Builds every ubmodel fuzz target the way OSS-Fuzz and ClusterFuzzLite expect: compiled with
# $CXX $CXXFLAGS (which carry the sanitizer and coverage flags), linked with
# $LIB_FUZZING_ENGINE, each binary in $OUT with its seed corpus ($OUT/<name>_seed_corpus.zip:
# fuzz/corpus/<target>/ and fuzz/regressions/<target>/), its dictionary ($OUT/<name>.dict) and
# its libFuzzer options ($OUT/<name>.options, from fuzz/options/).
#
# Inside the builder image `compile` runs it; it runs natively as well, for example:
#   CC=clang CXX=clang++ LIB_FUZZING_ENGINE=-fsanitize=fuzzer OUT=/tmp/out \
#   CXXFLAGS="-O1 -gline-tables-only -fsanitize=address,undefined -fsanitize=fuzzer-no-link" \
#   .clusterfuzzlite/build.sh
# and .ci/run does so (then runs fuzz/campaign on the binaries). UB_OSSFUZZ_BUILD_DIR names
# the CMake build folder (default $WORK/ubmodel, or build/oss-fuzz natively). It may be a build
# folder configured with the same compiler and CXXFLAGS: the objects already there are reused and
# only the targets are linked (.ci/run points it at the dev preset's build, whose CMAKE_CXX_FLAGS
# are the ones it passes here).

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
for v in CXX CXXFLAGS LIB_FUZZING_ENGINE OUT; do
  if [ -z "${!v:-}" ]; then
    echo ".clusterfuzzlite/build.sh: $v is not set (see the comment at the top)" >&2
    exit 2
  fi
done
if [ -n "${WORK:-}" ]; then
  build=${UB_OSSFUZZ_BUILD_DIR:-$WORK/ubmodel}
else
  build=${UB_OSSFUZZ_BUILD_DIR:-$root/build/oss-fuzz}
fi
mkdir -p "$OUT"

# The targets fuzz/CMakeLists.txt declares (UB_FUZZ_TARGETS).
mapfile -t targets < <(sed -n '/^set(UB_FUZZ_TARGETS/,/)/p' "$root/fuzz/CMakeLists.txt" |
  sed 's/set(UB_FUZZ_TARGETS//; s/)//' | tr ' ' '\n' | sed '/^$/d')
if [ ${#targets[@]} -eq 0 ]; then
  echo ".clusterfuzzlite/build.sh: no targets in fuzz/CMakeLists.txt" >&2
  exit 2
fi

# In the builder image (Dockerfile) fmt, tl::expected and CLI11 come as sources in $SRC: they
# are built here with the same compiler, standard library and flags as ubmodel (OSS-Fuzz builds
# with libc++), static, into $WORK/deps. Natively the Debian packages serve.
prefix=()
if [ -n "${SRC:-}" ] && [ -d "$SRC/fmt" ]; then
  deps=${WORK:-/tmp}/deps
  for d in fmt expected CLI11; do
    cmake -S "$SRC/$d" -B "${WORK:-/tmp}/deps-build/$d" -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_CXX_COMPILER="$CXX" -DCMAKE_CXX_FLAGS="$CXXFLAGS" -DCMAKE_INSTALL_PREFIX="$deps" \
      -DBUILD_SHARED_LIBS=OFF -DFMT_TEST=OFF -DFMT_DOC=OFF -DEXPECTED_BUILD_TESTS=OFF \
      -DCLI11_BUILD_TESTS=OFF -DCLI11_BUILD_EXAMPLES=OFF -DCLI11_BUILD_DOCS=OFF >/dev/null
    cmake --build "${WORK:-/tmp}/deps-build/$d" >/dev/null
    cmake --install "${WORK:-/tmp}/deps-build/$d" >/dev/null
  done
  prefix=(-DCMAKE_PREFIX_PATH="$deps")
  CXXFLAGS="$CXXFLAGS -isystem $deps/include"
fi

# toml++ (the scenario target's scenario files): its headers from $SRC in the builder image,
# used header-only; natively Debian's libtomlplusplus-dev (found by CMake).
toml=()
if [ -n "${SRC:-}" ] && [ -d "$SRC/tomlplusplus/include" ]; then
  toml=(-DUB_TOMLPP_INCLUDE_DIR="$SRC/tomlplusplus/include")
fi

# No build type: $CXXFLAGS alone decide optimisation and debug information.
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE= "${prefix[@]}" "${toml[@]}" \
  -DCMAKE_CXX_COMPILER="$CXX" -DCMAKE_CXX_FLAGS="$CXXFLAGS" \
  -DUB_FUZZ=ON -DUB_FUZZ_ENGINE="$LIB_FUZZING_ENGINE" -DUB_BUILD_TESTS=OFF -DUB_BUILD_BENCH=OFF \
  >/dev/null
cmake --build "$build" --target "${targets[@]/#/fuzz_}"

# A flat zip of the files of each folder, named <folder>-<file> so that a seed and a regression
# of the same name do not collide.
zip_dirs() { # zip_dirs OUT.zip DIR...
  python3 - "$@" <<'EOF'
import os, sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    for d in sys.argv[2:]:
        for n in sorted(os.listdir(d)):
            p = os.path.join(d, n)
            if os.path.isfile(p):
                z.write(p, os.path.basename(d) + "-" + n)
EOF
}

for t in "${targets[@]}"; do
  cp "$build/fuzz/fuzz_$t" "$OUT/fuzz_$t"
  dirs=("$root/fuzz/corpus/$t")
  [ -d "$root/fuzz/regressions/$t" ] && dirs+=("$root/fuzz/regressions/$t")
  zip_dirs "$OUT/fuzz_${t}_seed_corpus.zip" "${dirs[@]}"
  if [ -f "$root/fuzz/dict/$t.dict" ]; then
    cp "$root/fuzz/dict/$t.dict" "$OUT/fuzz_$t.dict"
  fi
  if [ -f "$root/fuzz/options/$t.options" ]; then
    cp "$root/fuzz/options/$t.options" "$OUT/fuzz_$t.options"
  fi
done
echo "built ${#targets[@]} fuzz targets into $OUT: ${targets[*]}"

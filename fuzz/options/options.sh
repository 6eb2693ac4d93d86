# Reading an OSS-Fuzz options file (fuzz/options/<target>.options: sections such as [libfuzzer]
# and [asan] of `key = value` lines, `#` comments). Sourced by fuzz/campaign; checked by
# tests/fuzz/options_test.sh.

# The `key = value` lines of one section of an OSS-Fuzz options file
# (fuzz/options/<target>.options), one `key=value` per line: options_section FILE SECTION.
options_section() {
  awk -v want="[$2]" '/^[[:space:]]*(#|$)/ { next }
       /^\[/ { line = $0; sub(/[[:space:]]+$/, "", line); in_s = (line == want); next }
       in_s && /=/ {
         k = $0; sub(/[[:space:]]*=.*/, "", k); sub(/^[[:space:]]+/, "", k)
         v = $0; sub(/^[^=]*=[[:space:]]*/, "", v); sub(/[[:space:]]+$/, "", v)
         print k "=" v
       }' "$1"
}
# The [libfuzzer] section as flags, one per line: `key = value` becomes -key=value.
options_flags() { options_section "$1" libfuzzer | sed 's/^/-/'; }
# The [asan] section as one ASAN_OPTIONS value (`a=1:b=2`), empty when there is none.
options_asan() { options_section "$1" asan | paste -sd: -; }

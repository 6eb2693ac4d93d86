#include "protocol/nl/icrc.hpp"

#include <algorithm>
#include <array>
#include <cstring>

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#define UB_CRC_CLMUL 1
#include <emmintrin.h>
#include <wmmintrin.h>
#else
#define UB_CRC_CLMUL 0
#endif

namespace ub::nl {

namespace {

constexpr std::array<std::uint32_t, 256> make_table() {
  std::array<std::uint32_t, 256> t{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) {
      c = (c & 1U) != 0 ? 0xEDB88320U ^ (c >> 1) : c >> 1;
    }
    t[i] = c;
  }
  return t;
}
constexpr std::array<std::uint32_t, 256> kTable = make_table();

// Slicing-by-8 (eight tables, each the previous one advanced by a zero byte): the same CRC,
// eight bytes per step. The fabric simulator checks an ICRC on every delivered packet.
constexpr std::array<std::array<std::uint32_t, 256>, 8> make_slices() {
  std::array<std::array<std::uint32_t, 256>, 8> t{};
  t[0] = make_table();
  for (std::size_t k = 1; k < 8; ++k) {
    for (std::size_t i = 0; i < 256; ++i) {
      t[k][i] = (t[k - 1][i] >> 8) ^ t[0][t[k - 1][i] & 0xFF];
    }
  }
  return t;
}
constexpr auto kSlices = make_slices();

// 64 zero bytes move the (inverted) CRC register by a fixed linear map; applied byte-wise from
// four tables. Payloads are often long runs of zeros (padding, zero-filled buffers): such a run
// then costs four lookups per 64 bytes.
constexpr std::uint32_t kZeroRun = 64;
constexpr std::uint32_t advance_zeros(std::uint32_t c) {
  for (std::uint32_t i = 0; i < kZeroRun; ++i) {
    c = kTable[c & 0xFF] ^ (c >> 8);
  }
  return c;
}
constexpr std::array<std::array<std::uint32_t, 256>, 4> make_zero_tables() {
  std::array<std::uint32_t, 32> basis{};
  for (std::uint32_t j = 0; j < 32; ++j) {
    basis[j] = advance_zeros(std::uint32_t{1} << j);
  }
  std::array<std::array<std::uint32_t, 256>, 4> z{};
  for (std::uint32_t k = 0; k < 4; ++k) {
    for (std::uint32_t b = 0; b < 256; ++b) {
      std::uint32_t v = 0;
      for (std::uint32_t i = 0; i < 8; ++i) {
        if (((b >> i) & 1U) != 0) {
          v ^= basis[8 * k + i];
        }
      }
      z[k][b] = v;
    }
  }
  return z;
}
constexpr auto kZeros = make_zero_tables();

bool all_zero_64(const Byte* p) noexcept {
  std::uint64_t acc = 0;
  for (unsigned i = 0; i < kZeroRun; i += 8) {
    std::uint64_t w = 0;
    std::memcpy(&w, p + i, 8);
    acc |= w;
  }
  return acc == 0;
}

// Sets `n` bytes (or nibble masks) at `at` to ones in the masked copy, if they are in range.
void mask(std::span<Byte> b, std::size_t at, Byte m = 0xFF) noexcept {
  if (at < b.size()) {
    b[at] = static_cast<Byte>(b[at] | m);
  }
}

// The raw (uninverted) CRC register `c` advanced over n bytes at p: slicing-by-8, with the
// zero-run shortcut.
std::uint32_t crc_raw(std::uint32_t c, const Byte* p, std::size_t n) noexcept {
  while (n >= 8) {
    if (n >= kZeroRun && p[0] == 0 && all_zero_64(p)) {
      c = kZeros[0][c & 0xFF] ^ kZeros[1][(c >> 8) & 0xFF] ^ kZeros[2][(c >> 16) & 0xFF] ^
          kZeros[3][c >> 24];
      p += kZeroRun;
      n -= kZeroRun;
      continue;
    }
    const std::uint32_t lo = c ^ (std::uint32_t{p[0]} | (std::uint32_t{p[1]} << 8) |
                                  (std::uint32_t{p[2]} << 16) | (std::uint32_t{p[3]} << 24));
    c = kSlices[7][lo & 0xFF] ^ kSlices[6][(lo >> 8) & 0xFF] ^ kSlices[5][(lo >> 16) & 0xFF] ^
        kSlices[4][lo >> 24] ^ kSlices[3][p[4]] ^ kSlices[2][p[5]] ^ kSlices[1][p[6]] ^
        kSlices[0][p[7]];
    p += 8;
    n -= 8;
  }
  for (; n > 0; --n, ++p) {
    c = kTable[(c ^ *p) & 0xFF] ^ (c >> 8);
  }
  return c;
}

#if UB_CRC_CLMUL
// Folding with carry-less multiplication (the method of Intel's white paper "Fast CRC
// Computation for Generic Polynomials Using PCLMULQDQ"): a 128-bit block A followed by L more
// bits has the CRC of (A mod P shifted by L), and A shifted by L is A.lo * x^(L+32) + A.hi *
// x^(L-32) in the reflected domain, each a 64 x 33-bit carry-less product. Four blocks fold 512
// bits at a time; the last block is then finished by the table code above, which gives the same
// CRC as the whole input. The constants are computed, not copied: (x^n mod P) bit-reflected and
// moved up one bit (the reflected product lands one bit low).
constexpr std::uint32_t xpow_mod(unsigned n) {
  std::uint32_t r = 1;
  for (unsigned i = 0; i < n; ++i) {
    const bool top = (r & 0x80000000U) != 0;
    r <<= 1;
    if (top) {
      r ^= 0x04C11DB7U;
    }
  }
  return r;
}
constexpr std::uint32_t reflect32(std::uint32_t v) {
  std::uint32_t r = 0;
  for (unsigned i = 0; i < 32; ++i) {
    r |= ((v >> i) & 1U) << (31 - i);
  }
  return r;
}
constexpr long long fold_k(unsigned n) {
  return static_cast<long long>(std::uint64_t{reflect32(xpow_mod(n))} << 1);
}
// The white paper's k1..k4 for this polynomial, as a check on the derivation.
static_assert(fold_k(4 * 128 + 32) == 0x154442bd4 && fold_k(4 * 128 - 32) == 0x1c6e41596);
static_assert(fold_k(128 + 32) == 0x1751997d0 && fold_k(128 - 32) == 0x0ccaa009e);

__attribute__((target("pclmul,sse2"))) inline __m128i fold(__m128i x, __m128i k,
                                                           __m128i next) noexcept {
  return _mm_xor_si128(
      _mm_xor_si128(_mm_clmulepi64_si128(x, k, 0x00), _mm_clmulepi64_si128(x, k, 0x11)), next);
}

__attribute__((target("pclmul,sse2"))) inline __m128i load16(const Byte* p) noexcept {
  return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
}

// The register advanced over the 64 bytes at `first` and then the n bytes at p (two places, so
// that the ICRC's masked copy of a packet's first bytes needs no copy of the rest).
__attribute__((target("pclmul,sse2"))) std::uint32_t
crc_clmul(std::uint32_t c, const Byte* first, const Byte* p, std::size_t n) noexcept {
  __m128i x0 = _mm_xor_si128(load16(first), _mm_cvtsi32_si128(static_cast<int>(c)));
  __m128i x1 = load16(first + 16);
  __m128i x2 = load16(first + 32);
  __m128i x3 = load16(first + 48);
  const __m128i k4 = _mm_set_epi64x(fold_k(4 * 128 - 32), fold_k(4 * 128 + 32));
  while (n >= 64) {
    x0 = fold(x0, k4, load16(p));
    x1 = fold(x1, k4, load16(p + 16));
    x2 = fold(x2, k4, load16(p + 32));
    x3 = fold(x3, k4, load16(p + 48));
    p += 64;
    n -= 64;
  }
  const __m128i k1 = _mm_set_epi64x(fold_k(128 - 32), fold_k(128 + 32));
  x1 = fold(x0, k1, x1);
  x2 = fold(x1, k1, x2);
  x3 = fold(x2, k1, x3);
  while (n >= 16) {
    x3 = fold(x3, k1, load16(p));
    p += 16;
    n -= 16;
  }
  std::array<Byte, 16> last{};
  _mm_storeu_si128(reinterpret_cast<__m128i*>(last.data()), x3);
  return crc_raw(crc_raw(0, last.data(), last.size()), p, n);
}

bool has_clmul() noexcept {
  static const bool yes = __builtin_cpu_supports("pclmul") != 0;
  return yes;
}
#endif

} // namespace

std::uint32_t crc32_ieee(std::span<const Byte> bytes, std::uint32_t crc) noexcept {
#if UB_CRC_CLMUL
  // Worth its setup from a few blocks on; the ICRC of a typical packet is a few hundred bytes.
  if (bytes.size() >= 128 && has_clmul()) {
    return ~crc_clmul(~crc, bytes.data(), bytes.data() + 64, bytes.size() - 64);
  }
#endif
  return ~crc_raw(~crc, bytes.data(), bytes.size());
}

std::uint32_t compute_icrc(std::uint8_t cfg, std::span<const Byte> net, unsigned ip_version,
                           bool has_udp) noexcept {
  return compute_icrc(cfg, net, {}, ip_version, has_udp);
}

std::uint32_t compute_icrc(std::uint8_t cfg, std::span<const Byte> net_head,
                           std::span<const Byte> net_rest, unsigned ip_version,
                           bool has_udp) noexcept {
  // The masked fields all sit in the first 58 bytes of the covered range; copy that much, mask
  // it, and run the rest unmasked.
  std::array<Byte, 64> head{};
  std::size_t start = 0;
  if (cfg == 3 || cfg == 4) {
    start = 6; // after the UB prefix
  } else if (cfg != 6 && cfg != 7) {
    return 0;
  }
  if (net_head.size() + net_rest.size() < start) {
    return 0;
  }
  // The covered range is a ++ b.
  std::span<const Byte> a = net_head;
  std::span<const Byte> b = net_rest;
  if (start <= a.size()) {
    a = a.subspan(start);
  } else {
    b = b.subspan(start - a.size());
    a = {};
  }
  const std::size_t covered = a.size() + b.size();
  const std::size_t n = std::min(covered, head.size());
  const std::size_t from_a = std::min(a.size(), n);
  if (from_a != 0) {
    std::memcpy(head.data(), a.data(), from_a);
  }
  if (n > from_a) {
    std::memcpy(head.data() + from_a, b.data(), n - from_a);
  }
  auto h = std::span<Byte>(head.data(), n);
  if (cfg == 6) {
    mask(h, 4);
    mask(h, 5); // CCI
    mask(h, 6); // LBF
  } else if (cfg == 7) {
    mask(h, 6);
    mask(h, 7); // CCI
    mask(h, 8); // LBF
  } else if (ip_version == 6) {
    mask(h, 0, 0x0F); // traffic class [7:4]
    mask(h, 1, 0xFF); // traffic class [3:0] and flow label [19:16]
    mask(h, 2);
    mask(h, 3); // flow label
    mask(h, 7); // hop limit
    if (has_udp) {
      mask(h, 40 + 6);
      mask(h, 40 + 7); // UDP checksum
    }
  } else {
    mask(h, 1); // ToS
    mask(h, 8); // TTL
    mask(h, 10);
    mask(h, 11); // header checksum
    if (has_udp) {
      mask(h, 20 + 6);
      mask(h, 20 + 7);
    }
  }
  // What follows the masked copy: the rest of a (only when a is longer than the copy), then
  // the rest of b.
  const auto a_rest = a.subspan(from_a);
  const auto b_rest = b.subspan(n - from_a);
#if UB_CRC_CLMUL
  if (a_rest.empty() && covered >= 128 && has_clmul()) {
    return ~crc_clmul(~0U, head.data(), b_rest.data(), b_rest.size());
  }
#endif
  return crc32_ieee(b_rest, crc32_ieee(a_rest, crc32_ieee(h)));
}

} // namespace ub::nl

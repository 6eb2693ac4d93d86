#pragma once
// Physical-layer forward error correction: RS(128,120) over GF(2^8). UB-Base-2.0 §3.2.2.1
// (encoder, Tables 3-2 and 3-3) and §3.2.3.5 (decoder).
//
// Code (all stated in §3.2.2.1):
//   field      GF(2^8), primitive polynomial x^8+x^4+x^3+x^2+1 (0x11D), alpha = x (0x02).
//              A byte b is the field element sum(b_k * alpha^k): bit 7 is the alpha^7 coefficient.
//   generator  g(x) = prod_{j=0}^{7} (x - alpha^j) = x^8 + 255x^7 + 11x^6 + 81x^5 + 54x^4
//              + 239x^3 + 173x^2 + 200x + 24, i.e. roots alpha^0..alpha^7 and Table 3-2's g0 is
//              the constant term (checked by a static_assert in rs_fec.cpp and by the tests).
//   codeword   c(x) = m(x) + p(x), m(x) = m119 x^127 + ... + m0 x^8, p(x) = m(x) mod g(x).
//
// Symbol order (stated in §3.2.2.1-§3.2.2.3 and §3.2.3.5): symbols go out m119, m118, ..., m0,
// p7, ..., p0, so the first symbol on the wire is the x^127 coefficient and the parity is the
// tail. The first byte the data link hands the PCS becomes m119 (Pre-FEC rule
// mA<K-1-i> = tx_data byte i). Every span in this API is therefore in wire order:
//   message[i]   = i-th byte from the data link = m_{119-i}       (coefficient of x^{127-i})
//   parity[i]    = p_{7-i}                                         (coefficient of x^{7-i})
//   codeword[k]  = k-th symbol on the wire = message ++ parity     (coefficient of x^{127-k})
// Interleaved mode (§3.2.2.2) feeds even data-link bytes to codec A and odd bytes to codec B;
// each codec then runs exactly this code. That distribution is left to the caller.
//
// No exceptions, no allocation, no global state besides constexpr tables: deterministic.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace ub::phy {

inline constexpr std::size_t kRsN = 128, kRsK = 120, kRsParity = 8;

// The FEC modes of Table 3-3 plus bypass (§3.2.1). T2 and T4 share the same encoder and the same
// 8 parity symbols (§3.2.2.1); they differ only in how far the decoder corrects.
enum class FecMode : std::uint8_t { Off, T2, T4 };

// Number of symbol errors `mode` must correct (§3.2.2.1 Table 3-3): Off 0, T2 2, T4 4.
[[nodiscard]] constexpr unsigned correctable(FecMode mode) noexcept {
  switch (mode) {
  case FecMode::Off:
    return 0;
  case FecMode::T2:
    return 2;
  case FecMode::T4:
    return 4;
  }
  return 0;
}

// GF(2^8) arithmetic with the field polynomial of §3.2.2.1. Log/antilog tables are built at
// compile time.
namespace gf {

inline constexpr unsigned kPoly = 0x11D; // x^8 + x^4 + x^3 + x^2 + 1
inline constexpr unsigned kOrder = 255;  // multiplicative order of alpha

struct Tables {
  std::array<std::uint8_t, 2 * kOrder> exp{}; // exp[e] = alpha^e for 0 <= e < 510
  std::array<std::uint8_t, 256> log{};        // log[alpha^e] = e; log[0] is meaningless (0)
};

[[nodiscard]] consteval Tables make_tables() {
  Tables t{};
  unsigned x = 1;
  for (unsigned e = 0; e < kOrder; ++e) {
    t.exp[e] = static_cast<std::uint8_t>(x);
    t.exp[e + kOrder] = static_cast<std::uint8_t>(x);
    t.log[x] = static_cast<std::uint8_t>(e);
    x <<= 1;
    if ((x & 0x100U) != 0) {
      x ^= kPoly;
    }
  }
  return t;
}

inline constexpr Tables kTables = make_tables();

// Addition (and subtraction) in characteristic 2.
[[nodiscard]] constexpr std::uint8_t add(std::uint8_t a, std::uint8_t b) noexcept {
  return static_cast<std::uint8_t>(a ^ b);
}

// alpha^e for any e (reduced mod 255).
[[nodiscard]] constexpr std::uint8_t exp(unsigned e) noexcept {
  return kTables.exp[e % kOrder];
}

// Discrete log of a != 0, in 0..254. log(0) is undefined and returns 0.
[[nodiscard]] constexpr unsigned log(std::uint8_t a) noexcept {
  return kTables.log[a];
}

// Product a*b.
[[nodiscard]] constexpr std::uint8_t mul(std::uint8_t a, std::uint8_t b) noexcept {
  if (a == 0 || b == 0) {
    return 0;
  }
  return kTables.exp[std::size_t{kTables.log[a]} + kTables.log[b]];
}

// Inverse of a != 0. inv(0) is undefined and returns 0.
[[nodiscard]] constexpr std::uint8_t inv(std::uint8_t a) noexcept {
  if (a == 0) {
    return 0;
  }
  return kTables.exp[kOrder - kTables.log[a]];
}

// Quotient a/b for b != 0. Division by 0 is undefined and returns 0.
[[nodiscard]] constexpr std::uint8_t div(std::uint8_t a, std::uint8_t b) noexcept {
  if (a == 0 || b == 0) {
    return 0;
  }
  return kTables.exp[std::size_t{kTables.log[a]} + kOrder - kTables.log[b]];
}

} // namespace gf

// Table 3-2: generator coefficients g0..g8 (g0 = constant term, g8 = 1 leading).
inline constexpr std::array<std::uint8_t, kRsParity + 1> kRsGenerator{24, 200, 173, 239, 54,
                                                                      81, 11,  255, 1};

// Systematic encoder, §3.2.2.1: parity = p7..p0 of (m(x) mod g(x)), wire order (see top).
// The codeword on the wire is message followed by parity. Same parity for T2 and T4.
void rs_encode(std::span<const std::uint8_t, kRsK> message,
               std::span<std::uint8_t, kRsParity> parity) noexcept;

struct RsDecodeResult {
  enum class Status : std::uint8_t {
    Clean,        // all 8 syndromes zero; codeword untouched
    Corrected,    // 1..correctable(mode) symbols fixed in place; the result is a valid codeword
    Uncorrectable // errors detected but not correctable in this mode; codeword untouched
  } status;
  unsigned symbols_corrected; // symbols changed; 0 unless Corrected
};

// In-place decoder, §3.2.3.5. `codeword` is in wire order (message ++ parity).
//  1. Syndromes S_j = r(alpha^j), j = 0..7. All zero -> Clean (early exit).
//  2. Berlekamp-Massey over the first 2t syndromes (t = correctable(mode): 8 for T4, 4 for T2;
//     the spec's T2 decoder keeps S4..S7 for checking the result), Chien search over the 128
//     positions of the shortened code, Forney for the error values.
//  3. The correction is applied only if it is consistent: locator degree L <= t, exactly L
//     distinct roots all inside the 128 positions, every error value non-zero, and all 8
//     syndromes zero after the correction. Otherwise Uncorrectable and `codeword` is unchanged
//     (the spec's "errors exceed correction capability" indication).
// T4 corrects every pattern of <= 4 symbol errors. T2 corrects every pattern of <= 2 and, because
// all 8 syndromes are checked, reports every pattern of 3..6 errors as Uncorrectable (d_min = 9).
// FecMode::Off has no codeword on the wire (bypass, §3.2.1); if called anyway it only detects
// (t = 0): Clean or Uncorrectable.
[[nodiscard]] RsDecodeResult rs_decode(std::span<std::uint8_t, kRsN> codeword,
                                       FecMode mode) noexcept;

} // namespace ub::phy

#include <array>
#include <cstddef>
#include <cstdint>

#include <catch2/catch.hpp>

#include "protocol/phy/rs_fec.hpp"

using namespace ub::phy;

namespace {

using Message = std::array<std::uint8_t, kRsK>;
using Parity = std::array<std::uint8_t, kRsParity>;
using Codeword = std::array<std::uint8_t, kRsN>;
using Status = RsDecodeResult::Status;

// --- Independent reference arithmetic (no tables): shift-and-add modulo 0x11D. ---

std::uint8_t ref_mul(std::uint8_t a, std::uint8_t b) {
  unsigned x = a;
  unsigned y = b;
  unsigned r = 0;
  while (y != 0) {
    if ((y & 1U) != 0) {
      r ^= x;
    }
    y >>= 1;
    x <<= 1;
    if ((x & 0x100U) != 0) {
      x ^= 0x11DU;
    }
  }
  return static_cast<std::uint8_t>(r);
}

std::uint8_t ref_alpha_pow(unsigned e) {
  std::uint8_t r = 1;
  for (unsigned i = 0; i < e; ++i) {
    r = ref_mul(r, 2);
  }
  return r;
}

// prod_{j=first}^{first+7} (x - alpha^j), coefficients g0..g8.
std::array<std::uint8_t, 9> ref_generator(unsigned first) {
  std::array<std::uint8_t, 9> g{};
  g[0] = 1;
  for (unsigned j = 0; j < 8; ++j) {
    const std::uint8_t root = ref_alpha_pow(first + j);
    for (std::size_t i = j + 1; i > 0; --i) {
      g[i] = static_cast<std::uint8_t>(g[i - 1] ^ ref_mul(root, g[i]));
    }
    g[0] = ref_mul(root, g[0]);
  }
  return g;
}

// The spec's Table 3-2 as printed, kept separate from the library's copy.
constexpr std::array<std::uint8_t, 9> kTable32{24, 200, 173, 239, 54, 81, 11, 255, 1};

// Schoolbook long division of `poly` (highest degree first) by g(x) = kTable32; returns the
// remainder, highest degree first (p7..p0).
template <std::size_t Len>
Parity ref_remainder(std::array<std::uint8_t, Len> poly) {
  for (std::size_t i = 0; i + 8 < Len; ++i) {
    const std::uint8_t q = poly[i]; // g is monic
    if (q == 0) {
      continue;
    }
    for (std::size_t k = 0; k <= 8; ++k) {
      poly[i + k] = static_cast<std::uint8_t>(poly[i + k] ^ ref_mul(q, kTable32[8 - k]));
    }
  }
  Parity p{};
  for (std::size_t i = 0; i < 8; ++i) {
    p[i] = poly[Len - 8 + i];
  }
  return p;
}

// m(x) * x^8 mod g(x), message in wire order (m119 first).
Parity ref_parity(const Message& m) {
  std::array<std::uint8_t, kRsN> poly{};
  for (std::size_t i = 0; i < kRsK; ++i) {
    poly[i] = m[i];
  }
  return ref_remainder(poly);
}

// c(alpha^j) with the wire-order convention codeword[k] = coefficient of x^(127-k).
std::uint8_t ref_eval(const Codeword& c, unsigned j) {
  const std::uint8_t x = ref_alpha_pow(j);
  std::uint8_t acc = 0;
  for (const std::uint8_t sym : c) {
    acc = static_cast<std::uint8_t>(ref_mul(acc, x) ^ sym);
  }
  return acc;
}

bool ref_is_codeword(const Codeword& c) {
  for (unsigned j = 0; j < 8; ++j) {
    if (ref_eval(c, j) != 0) {
      return false;
    }
  }
  return true;
}

unsigned distance(const Codeword& a, const Codeword& b) {
  unsigned d = 0;
  for (std::size_t i = 0; i < kRsN; ++i) {
    d += a[i] != b[i] ? 1U : 0U;
  }
  return d;
}

// --- Deterministic randomness: xorshift64 (Marsaglia), no std distributions. ---

struct XorShift64 {
  std::uint64_t state;
  std::uint64_t next() {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  }
  unsigned below(unsigned n) { return static_cast<unsigned>(next() % n); }
  std::uint8_t byte() { return static_cast<std::uint8_t>(next() >> 56); }
  std::uint8_t nonzero_byte() { return static_cast<std::uint8_t>(1U + below(255)); }
};

Codeword encode_random(XorShift64& rng) {
  Message m{};
  for (auto& b : m) {
    b = rng.byte();
  }
  Parity p{};
  rs_encode(m, p);
  Codeword c{};
  for (std::size_t i = 0; i < kRsK; ++i) {
    c[i] = m[i];
  }
  for (std::size_t i = 0; i < kRsParity; ++i) {
    c[kRsK + i] = p[i];
  }
  return c;
}

// Adds `count` errors with non-zero values at distinct positions in [lo, hi).
void inject(Codeword& c, XorShift64& rng, unsigned count, unsigned lo = 0,
            unsigned hi = static_cast<unsigned>(kRsN)) {
  std::array<bool, kRsN> hit{};
  for (unsigned n = 0; n < count;) {
    const unsigned p = lo + rng.below(hi - lo);
    if (hit[p]) {
      continue;
    }
    hit[p] = true;
    c[p] = static_cast<std::uint8_t>(c[p] ^ rng.nonzero_byte());
    ++n;
  }
}

} // namespace

TEST_CASE("RS generator: Table 3-2 is prod (x - alpha^j) for j = 0..7, g0 = constant term",
          "[phy][fec][spec:§3.2.2.1]") {
  CHECK(ref_generator(0) == kTable32);
  // The other common convention (roots alpha^1..alpha^8, as in many textbook RS codes) does not
  // reproduce the table, and neither does reading the table highest-degree-first.
  CHECK(ref_generator(1) != kTable32);
  std::array<std::uint8_t, 9> reversed{};
  for (std::size_t i = 0; i < 9; ++i) {
    reversed[i] = kTable32[8 - i];
  }
  CHECK(ref_generator(0) != reversed);
  CHECK(kRsGenerator == kTable32);
  // Every alpha^j, j = 0..7, is a root of g; alpha^8 is not.
  for (unsigned j = 0; j <= 8; ++j) {
    std::uint8_t acc = 0;
    for (std::size_t i = 9; i > 0; --i) {
      acc = static_cast<std::uint8_t>(ref_mul(acc, ref_alpha_pow(j)) ^ kTable32[i - 1]);
    }
    CHECK((acc == 0) == (j < 8));
  }
}

TEST_CASE("GF(2^8) tables: alpha is primitive and mul/div/inv agree", "[phy][fec][spec:§3.2.2.1]") {
  // Order of alpha is 255: alpha^e != 1 for 0 < e < 255 and every non-zero element appears once.
  std::array<int, 256> seen{};
  for (unsigned e = 0; e < 255; ++e) {
    const std::uint8_t v = gf::exp(e);
    CHECK(v == ref_alpha_pow(e));
    ++seen[v];
    if (e > 0) {
      CHECK(v != 1);
    }
    CHECK(gf::log(v) == e);
  }
  CHECK(seen[0] == 0);
  for (std::size_t v = 1; v < 256; ++v) {
    CHECK(seen[v] == 1);
  }
  CHECK(gf::exp(255) == 1);
  CHECK(ref_mul(ref_alpha_pow(254), 2) == 1);

  bool all_ok = true;
  for (unsigned a = 0; a < 256; ++a) {
    const auto ua = static_cast<std::uint8_t>(a);
    for (unsigned b = 0; b < 256; ++b) {
      const auto ub = static_cast<std::uint8_t>(b);
      const std::uint8_t p = gf::mul(ua, ub);
      all_ok = all_ok && p == ref_mul(ua, ub);
      if (b != 0) {
        all_ok = all_ok && gf::div(p, ub) == ua;
      }
    }
    if (a != 0) {
      all_ok = all_ok && gf::mul(ua, gf::inv(ua)) == 1;
      all_ok = all_ok && gf::div(1, ua) == gf::inv(ua);
    }
  }
  CHECK(all_ok);
  CHECK(gf::add(0x53, 0xCA) == (0x53 ^ 0xCA));
}

TEST_CASE("RS correctable() per FEC mode", "[phy][fec][spec:§3.2.2.1]") {
  CHECK(correctable(FecMode::Off) == 0);
  CHECK(correctable(FecMode::T2) == 2);
  CHECK(correctable(FecMode::T4) == 4);
  static_assert(kRsN == kRsK + kRsParity);
  static_assert(kRsK == 6 * 20, "a message is exactly 6 flits of 20 bytes");
}

TEST_CASE("RS known-answer vectors from an independent long division",
          "[phy][fec][spec:§3.2.2.1]") {
  Message m{};
  for (std::size_t i = 0; i < kRsK; ++i) {
    m[i] = static_cast<std::uint8_t>(i); // wire order: byte 0 (= m119) goes first
  }
  constexpr Parity kExpected{0x28, 0xE1, 0xC5, 0x14, 0x82, 0xEF, 0xE6, 0x93};
  CHECK(ref_parity(m) == kExpected);
  Parity p{};
  rs_encode(m, p);
  CHECK(p == kExpected);

  // m0 = 1 alone: m(x) = x^8, so p(x) = x^8 mod g(x) = g(x) - x^8, sent as g7..g0.
  Message unit{};
  unit[kRsK - 1] = 1;
  rs_encode(unit, p);
  CHECK(p == Parity{255, 11, 81, 54, 239, 173, 200, 24});
  CHECK(ref_parity(unit) == p);

  Message ones{};
  ones.fill(0xFF);
  rs_encode(ones, p);
  CHECK(p == ref_parity(ones));
}

TEST_CASE("RS encode then decode with no errors is Clean, codewords vanish at alpha^0..alpha^7",
          "[phy][fec][spec:§3.2.2.1]") {
  XorShift64 rng{0x5EED0001ULL};
  bool some_nonzero_at_alpha8 = false;
  for (int trial = 0; trial < 200; ++trial) {
    Codeword c = encode_random(rng);
    // The codeword is a multiple of g(x): zero at every root and zero remainder.
    CHECK(ref_is_codeword(c));
    CHECK(ref_remainder(c) == Parity{});
    some_nonzero_at_alpha8 = some_nonzero_at_alpha8 || ref_eval(c, 8) != 0;
    const Codeword orig = c;
    for (const FecMode mode : {FecMode::T4, FecMode::T2, FecMode::Off}) {
      const RsDecodeResult r = rs_decode(c, mode);
      CHECK(r.status == Status::Clean);
      CHECK(r.symbols_corrected == 0);
      CHECK(c == orig);
    }
  }
  CHECK(some_nonzero_at_alpha8);
}

TEST_CASE("RS T4 corrects 1..4 random symbol errors exactly", "[phy][fec][spec:§3.2.2.1]") {
  XorShift64 rng{0x5EED0002ULL};
  for (unsigned n = 1; n <= 4; ++n) {
    int wrong = 0;
    for (int trial = 0; trial < 2000; ++trial) {
      const Codeword orig = encode_random(rng);
      Codeword c = orig;
      inject(c, rng, n);
      const RsDecodeResult r = rs_decode(c, FecMode::T4);
      if (r.status != Status::Corrected || r.symbols_corrected != n || c != orig) {
        ++wrong;
      }
    }
    INFO("errors per codeword: " << n);
    CHECK(wrong == 0);
  }
}

TEST_CASE("RS T2 corrects 1..2 errors and detects 3..6 without touching the codeword",
          "[phy][fec][spec:§3.2.2.1]") {
  XorShift64 rng{0x5EED0003ULL};
  for (unsigned n = 1; n <= 6; ++n) {
    int wrong = 0;
    for (int trial = 0; trial < 2000; ++trial) {
      const Codeword orig = encode_random(rng);
      Codeword c = orig;
      inject(c, rng, n);
      const Codeword received = c;
      const RsDecodeResult r = rs_decode(c, FecMode::T2);
      if (n <= 2) {
        wrong += (r.status != Status::Corrected || r.symbols_corrected != n || c != orig) ? 1 : 0;
      } else {
        // d_min = 9: a correction of <= 2 symbols can never reach a codeword from <= 6 errors.
        wrong += (r.status != Status::Uncorrectable || r.symbols_corrected != 0 || c != received)
                     ? 1
                     : 0;
      }
    }
    INFO("errors per codeword: " << n);
    CHECK(wrong == 0);
  }
}

TEST_CASE("RS T4 with 5..8 errors: never a silent invalid correction, miscorrection rare",
          "[phy][fec][spec:§3.2.2.1]") {
  XorShift64 rng{0x5EED0004ULL};
  constexpr int kTrials = 20000;
  int miscorrected = 0;
  int bad = 0;
  for (int trial = 0; trial < kTrials; ++trial) {
    const Codeword orig = encode_random(rng);
    Codeword c = orig;
    inject(c, rng, 5 + static_cast<unsigned>(trial % 4));
    const Codeword received = c;
    const RsDecodeResult r = rs_decode(c, FecMode::T4);
    switch (r.status) {
    case Status::Clean:
      ++bad; // impossible: 5..8 errors cannot form a codeword (d_min = 9)
      break;
    case Status::Uncorrectable:
      bad += (c != received || r.symbols_corrected != 0) ? 1 : 0;
      break;
    case Status::Corrected:
      // A miscorrection: allowed only as a valid codeword within distance 4 of what was received.
      ++miscorrected;
      bad += (c == orig || !ref_is_codeword(c) || distance(c, received) != r.symbols_corrected ||
              r.symbols_corrected > 4)
                 ? 1
                 : 0;
      break;
    }
  }
  INFO("miscorrections: " << miscorrected << " of " << kTrials);
  CHECK(bad == 0);
  CHECK(miscorrected * 100 < kTrials); // < 1 %
  CHECK(miscorrected == 48);           // pinned: the seed makes this run deterministic
}

TEST_CASE("RS corrects errors in the parity symbols and at both ends of the codeword",
          "[phy][fec][spec:§3.2.2.1]") {
  XorShift64 rng{0x5EED0005ULL};
  for (unsigned n = 1; n <= 4; ++n) {
    for (int trial = 0; trial < 200; ++trial) {
      const Codeword orig = encode_random(rng);
      Codeword c = orig;
      inject(c, rng, n, static_cast<unsigned>(kRsK), static_cast<unsigned>(kRsN));
      const RsDecodeResult r = rs_decode(c, FecMode::T4);
      CHECK(r.status == Status::Corrected);
      CHECK(c == orig);
    }
  }
  for (int trial = 0; trial < 200; ++trial) {
    const Codeword orig = encode_random(rng);
    Codeword c = orig;
    c[0] ^= rng.nonzero_byte();                         // m119, x^127, first on the wire
    c[kRsN - 1] ^= rng.nonzero_byte();                  // p0, x^0, last on the wire
    const RsDecodeResult r = rs_decode(c, FecMode::T2); // two errors: T2 suffices
    CHECK(r.status == Status::Corrected);
    CHECK(r.symbols_corrected == 2);
    CHECK(c == orig);
  }
}

TEST_CASE("RS rejects a locator whose root lies outside the 128-symbol shortened code",
          "[phy][fec][spec:§3.2.2.1]") {
  // In the full-length (255) code, Y*x^200 + (Y*x^200 mod g) is a codeword, so adding the
  // remainder to the parity of a valid word gives the syndromes of one error at the virtual
  // position x^200. The decoder finds a degree-1 locator whose only root is out of range.
  XorShift64 rng{0x5EED0006ULL};
  for (int trial = 0; trial < 50; ++trial) {
    std::array<std::uint8_t, 201> virt{}; // x^200 .. x^0, highest first
    virt[0] = rng.nonzero_byte();
    const Parity rem = ref_remainder(virt);
    const Codeword orig = encode_random(rng);
    Codeword c = orig;
    for (std::size_t i = 0; i < kRsParity; ++i) {
      c[kRsK + i] ^= rem[i];
    }
    const Codeword received = c;
    for (const FecMode mode : {FecMode::T4, FecMode::T2}) {
      const RsDecodeResult r = rs_decode(c, mode);
      CHECK(r.status == Status::Uncorrectable);
      CHECK(c == received);
    }
  }
}

TEST_CASE("RS FecMode::Off only detects", "[phy][fec][spec:§3.2.2.1]") {
  XorShift64 rng{0x5EED0007ULL};
  const Codeword orig = encode_random(rng);
  Codeword c = orig;
  c[17] ^= 0x40;
  const RsDecodeResult r = rs_decode(c, FecMode::Off);
  CHECK(r.status == Status::Uncorrectable);
  CHECK(r.symbols_corrected == 0);
  CHECK(c[17] == (orig[17] ^ 0x40));
}

TEST_CASE("RS decode of a clean codeword exits after the syndromes", "[phy][fec][spec:§3.2.2.1]") {
  // Benchmark-free: a clean word must take the early-exit path, observable only as Clean with
  // zero corrections and an untouched buffer (the all-zero word is a codeword).
  Codeword c{};
  const RsDecodeResult r = rs_decode(c, FecMode::T4);
  CHECK(r.status == Status::Clean);
  CHECK(r.symbols_corrected == 0);
  CHECK(c == Codeword{});
}

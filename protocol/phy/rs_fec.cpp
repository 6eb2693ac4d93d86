#include "protocol/phy/rs_fec.hpp"

namespace ub::phy {

namespace {

// g(x) = prod_{j=0}^{7} (x - alpha^j), coefficients g0..g8 (UB-Base-2.0 §3.2.2.1).
consteval std::array<std::uint8_t, kRsParity + 1> make_generator() {
  std::array<std::uint8_t, kRsParity + 1> g{};
  g[0] = 1;
  for (unsigned j = 0; j < kRsParity; ++j) {
    const std::uint8_t root = gf::exp(j);
    // Multiply by (x + root): new g_i = g_{i-1} + root * g_i.
    for (std::size_t i = j + 1; i > 0; --i) {
      g[i] = gf::add(g[i - 1], gf::mul(root, g[i]));
    }
    g[0] = gf::mul(root, g[0]);
  }
  return g;
}

// Table 3-2 is exactly the generator with roots alpha^0..alpha^7 and g0 as the constant term.
static_assert(make_generator() == kRsGenerator, "Table 3-2 does not match roots alpha^0..alpha^7");

constexpr unsigned kMaxT = 4;                       // largest correctable(mode)
constexpr std::size_t kPolyLen = 2 * kRsParity + 1; // room for any Berlekamp-Massey intermediate

using Syndromes = std::array<std::uint8_t, kRsParity>;
using Poly = std::array<std::uint8_t, kPolyLen>; // Poly[i] = coefficient of x^i

// S_j = r(alpha^j), j = 0..7; r[k] is the coefficient of x^(127-k) (Horner in wire order).
Syndromes syndromes(std::span<const std::uint8_t, kRsN> r) noexcept {
  Syndromes s{};
  for (unsigned j = 0; j < kRsParity; ++j) {
    std::uint8_t acc = 0;
    for (const std::uint8_t sym : r) {
      acc = gf::add(acc == 0 ? std::uint8_t{0} : gf::exp(gf::log(acc) + j), sym);
    }
    s[j] = acc;
  }
  return s;
}

// Evaluates p at x = alpha^e (e taken mod 255), for p of degree <= deg.
std::uint8_t eval_at_alpha_power(const Poly& p, std::size_t deg, unsigned e) noexcept {
  std::uint8_t acc = 0;
  for (std::size_t i = 0; i <= deg; ++i) {
    if (p[i] != 0) {
      acc = gf::add(acc, gf::exp(gf::log(p[i]) + static_cast<unsigned>((i * e) % gf::kOrder)));
    }
  }
  return acc;
}

// Berlekamp-Massey over s[0..n-1]. Returns the connection polynomial Lambda (Lambda[0] = 1) and
// its register length L.
struct Locator {
  Poly lambda;
  std::size_t length;
};

Locator berlekamp_massey(const Syndromes& s, std::size_t n) noexcept {
  Poly c{};
  Poly b{};
  c[0] = 1;
  b[0] = 1;
  std::size_t len = 0;
  std::size_t shift = 1;
  std::uint8_t last_d = 1;
  for (std::size_t k = 0; k < n; ++k) {
    std::uint8_t d = s[k];
    for (std::size_t i = 1; i <= len && i <= k; ++i) {
      d = gf::add(d, gf::mul(c[i], s[k - i]));
    }
    if (d == 0) {
      ++shift;
      continue;
    }
    const std::uint8_t coef = gf::div(d, last_d);
    const Poly prev = c;
    for (std::size_t i = 0; i + shift < kPolyLen; ++i) {
      c[i + shift] = gf::add(c[i + shift], gf::mul(coef, b[i]));
    }
    if (2 * len <= k) {
      len = k + 1 - len;
      b = prev;
      last_d = d;
      shift = 1;
    } else {
      ++shift;
    }
  }
  return {c, len};
}

} // namespace

void rs_encode(std::span<const std::uint8_t, kRsK> message,
               std::span<std::uint8_t, kRsParity> parity) noexcept {
  // LFSR division by g(x) (Fig. 3-4). reg[i] holds the remainder coefficient of x^(7-i), so the
  // register is already in wire order p7..p0.
  std::array<std::uint8_t, kRsParity> reg{};
  for (const std::uint8_t sym : message) {
    const std::uint8_t fb = gf::add(sym, reg[0]);
    for (std::size_t i = 0; i + 1 < kRsParity; ++i) {
      reg[i] = gf::add(reg[i + 1], gf::mul(fb, kRsGenerator[kRsParity - 1 - i]));
    }
    reg[kRsParity - 1] = gf::mul(fb, kRsGenerator[0]);
  }
  for (std::size_t i = 0; i < kRsParity; ++i) {
    parity[i] = reg[i];
  }
}

RsDecodeResult rs_decode(std::span<std::uint8_t, kRsN> codeword, FecMode mode) noexcept {
  constexpr RsDecodeResult kUncorrectable{RsDecodeResult::Status::Uncorrectable, 0};

  const Syndromes s = syndromes(codeword);
  bool clean = true;
  for (const std::uint8_t v : s) {
    clean = clean && v == 0;
  }
  if (clean) {
    return {RsDecodeResult::Status::Clean, 0};
  }

  const unsigned t = correctable(mode);
  if (t == 0) {
    return kUncorrectable;
  }

  // T4 decodes from S0..S7; T2 from S0..S3 and keeps S4..S7 for the final check (§3.2.3.5).
  const Locator loc = berlekamp_massey(s, 2 * std::size_t{t});
  const std::size_t nu = loc.length;
  if (nu == 0 || nu > t) {
    return kUncorrectable;
  }
  for (std::size_t i = nu + 1; i < kPolyLen; ++i) {
    if (loc.lambda[i] != 0) {
      return kUncorrectable; // degree above the register length: no consistent locator
    }
  }
  if (loc.lambda[nu] == 0) {
    return kUncorrectable; // degree below L: fewer roots than errors claimed
  }

  // Chien search: position d (coefficient of x^d, codeword index 127-d) is in error iff
  // Lambda(alpha^-d) = 0. Only d < 128 exists in the shortened code.
  std::array<unsigned, kMaxT> pos{};
  std::size_t found = 0;
  for (unsigned d = 0; d < kRsN; ++d) {
    if (eval_at_alpha_power(loc.lambda, nu, gf::kOrder - d) == 0) {
      if (found == nu) {
        return kUncorrectable; // cannot happen for a degree-nu polynomial; kept as a guard
      }
      pos[found++] = d;
    }
  }
  if (found != nu) {
    return kUncorrectable; // some roots lie outside the 128 positions or are repeated
  }

  // Forney for first root alpha^0: Y = X * Omega(X^-1) / Lambda'(X^-1),
  // Omega(x) = S(x) Lambda(x) mod x^(2t).
  const std::size_t two_t = 2 * std::size_t{t};
  Poly omega{};
  for (std::size_t i = 0; i < two_t; ++i) {
    std::uint8_t acc = 0;
    for (std::size_t k = 0; k <= i && k <= nu; ++k) {
      acc = gf::add(acc, gf::mul(loc.lambda[k], s[i - k]));
    }
    omega[i] = acc;
  }
  Poly dlambda{}; // formal derivative: odd terms shifted down
  for (std::size_t i = 1; i <= nu; i += 2) {
    dlambda[i - 1] = loc.lambda[i];
  }

  std::array<std::uint8_t, kMaxT> val{};
  for (std::size_t l = 0; l < nu; ++l) {
    const unsigned x_inv = (gf::kOrder - pos[l]) % gf::kOrder;
    const std::uint8_t num = eval_at_alpha_power(omega, two_t - 1, x_inv);
    const std::uint8_t den = eval_at_alpha_power(dlambda, nu, x_inv);
    if (den == 0 || num == 0) {
      return kUncorrectable;
    }
    val[l] = gf::mul(gf::exp(pos[l]), gf::div(num, den));
  }

  // All 8 syndromes of the corrected word must vanish: S_j + sum_l Y_l X_l^j = 0. For T2 this is
  // the spec's check with S4..S7; for T4 it is a guard.
  for (unsigned j = 0; j < kRsParity; ++j) {
    std::uint8_t acc = s[j];
    for (std::size_t l = 0; l < nu; ++l) {
      acc = gf::add(acc, gf::mul(val[l], gf::exp(pos[l] * j)));
    }
    if (acc != 0) {
      return kUncorrectable;
    }
  }

  for (std::size_t l = 0; l < nu; ++l) {
    std::uint8_t& sym = codeword[kRsN - 1 - pos[l]];
    sym = gf::add(sym, val[l]);
  }
  return {RsDecodeResult::Status::Corrected, static_cast<unsigned>(nu)};
}

} // namespace ub::phy

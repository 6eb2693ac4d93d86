#pragma once
// Deterministic randomness (STYLE rules 10, 11): xoshiro256** seeded through splitmix64, and
// distributions written here, so results are the same on every platform and library. Every
// component takes its own stream, derived from the run seed and a stream id.

#include <cstdint>

namespace ub {

class Rng {
public:
  explicit constexpr Rng(std::uint64_t seed, std::uint64_t stream = 0) noexcept {
    std::uint64_t x = seed ^ (0x9E3779B97F4A7C15ULL * (stream + 1));
    for (auto& s : s_) {
      s = splitmix(x);
    }
  }

  constexpr std::uint64_t next() noexcept {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, n), without modulo bias (rejection of the short top range). n > 0.
  constexpr std::uint64_t below(std::uint64_t n) noexcept {
    const std::uint64_t threshold = (0 - n) % n; // 2^64 mod n
    while (true) {
      const std::uint64_t r = next();
      if (r >= threshold) {
        return r % n;
      }
    }
  }

  // Uniform in [0, 1) with 53 random bits.
  constexpr double uniform() noexcept { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

  // True with probability p.
  constexpr bool bernoulli(double p) noexcept { return uniform() < p; }

  // Failures before the first success of a Bernoulli(p) process: the gap to the next bit error
  // at bit error rate p. Inversion with portable_log(), since <cmath> results may differ
  // between libraries and golden traces must not.
  [[nodiscard]] std::uint64_t geometric(double p) noexcept;

private:
  static constexpr std::uint64_t rotl(std::uint64_t x, int k) noexcept {
    return (x << k) | (x >> (64 - k));
  }
  static constexpr std::uint64_t splitmix(std::uint64_t& x) noexcept {
    std::uint64_t z = (x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  std::uint64_t s_[4]{};
};

// Natural logarithm of x in (0, 1], written out (argument reduction by powers of two and an
// atanh series) so that it gives bit-identical results on every platform.
[[nodiscard]] double portable_log(double x) noexcept;
// ln(1 - q) for 0 <= q < 1, accurate also where 1 - q rounds to 1 (q below ~1e-16).
[[nodiscard]] double portable_log_one_minus(double q) noexcept;

} // namespace ub

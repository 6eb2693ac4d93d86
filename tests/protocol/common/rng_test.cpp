// The model's random numbers (protocol/common/rng): deterministic per seed and stream, portable.
#include <cmath>
#include <cstdint>

#include <catch2/catch.hpp>

#include "protocol/common/rng.hpp"

using namespace ub;

TEST_CASE("Rng: same seed and stream give the same sequence, another seed or stream another",
          "[rng]") {
  Rng a(42), b(42), c(43), d(42, 1);
  bool differs_c = false, differs_d = false;
  for (int i = 0; i < 100; ++i) {
    const auto x = a.next();
    CHECK(x == b.next());
    differs_c = differs_c || x != c.next();
    differs_d = differs_d || x != d.next();
  }
  CHECK(differs_c);
  CHECK(differs_d);
}

TEST_CASE("Rng: below() stays in range and uniform() below 1", "[rng]") {
  Rng r(7);
  std::array<int, 10> hist{};
  for (int i = 0; i < 100000; ++i) {
    const auto v = r.below(10);
    REQUIRE(v < 10);
    ++hist[v];
    const double u = r.uniform();
    REQUIRE(u >= 0.0);
    REQUIRE(u < 1.0);
  }
  for (const int h : hist) {
    CHECK(std::abs(h - 10000) < 600); // about 6 sigma
  }
}

TEST_CASE("Rng: geometric() has mean (1 - p) / p, also for tiny p", "[rng]") {
  Rng r(11);
  for (const double p : {0.5, 0.01, 1e-3}) {
    double sum = 0;
    constexpr int kN = 200000;
    for (int i = 0; i < kN; ++i) {
      sum += static_cast<double>(r.geometric(p));
    }
    const double mean = (1 - p) / p;
    const double sigma = std::sqrt(1 - p) / p / std::sqrt(double{kN});
    CHECK(std::abs(sum / kN - mean) < 6 * sigma);
  }
  // Below p ~ 1e-16, 1 - p rounds to 1: the draw must stay finite and huge, not divide by zero.
  for (const double p : {1e-15, 1e-17, 1e-300}) {
    const auto g = r.geometric(p);
    CHECK(g > 1'000'000'000ULL);
  }
  CHECK(r.geometric(0.0) == ~std::uint64_t{0});
  CHECK(r.geometric(1.0) == 0);
}

TEST_CASE("portable_log_one_minus matches ln(1 - q)", "[rng]") {
  for (const double q : {0.5, 0.1, 1e-3, 1e-4, 2e-5, 1e-9}) {
    CHECK(portable_log_one_minus(q) == Approx(std::log1p(-q)).epsilon(1e-12));
  }
  CHECK(portable_log_one_minus(1e-20) == Approx(-1e-20).epsilon(1e-12));
  CHECK(portable_log(std::exp(1.0)) == Approx(1.0).epsilon(1e-14));
}

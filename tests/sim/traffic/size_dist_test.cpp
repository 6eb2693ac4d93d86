// Message-size distributions (sim/traffic/size_dist): each kind's range and mean over many draws
// with a fixed seed, the cdf's interpolation, and every refusal by field.

#include <cmath>
#include <string>

#include <catch2/catch.hpp>

#include "sim/traffic/size_dist.hpp"

using namespace ub;
using namespace ub::sim;

namespace {

SizeSampler sampler(const PatternSpec& p) {
  auto s = SizeSampler::make(p, "traffic[0]");
  INFO((s ? std::string{} : to_string(s.error())));
  REQUIRE(s);
  return std::move(*s);
}

constexpr int kDraws = 200'000;

} // namespace

TEST_CASE("size distributions: fixed is always bytes and draws nothing", "[traffic]") {
  PatternSpec p;
  p.bytes = 12345;
  const SizeSampler s = sampler(p);
  Rng rng{1};
  const Rng before = rng;
  for (int i = 0; i < 10; ++i) {
    CHECK(s.draw(rng) == 12345);
  }
  Rng copy = before;
  CHECK(copy.next() == rng.next()); // the stream did not move
  CHECK(s.mean() == 12345.0);
}

TEST_CASE("size distributions: uniform covers min to max with the mean in the middle",
          "[traffic]") {
  PatternSpec p;
  p.size = SizeDist::Uniform;
  p.min_bytes = 100;
  p.max_bytes = 199;
  const SizeSampler s = sampler(p);
  Rng rng{42};
  double sum = 0;
  std::uint64_t lo = ~std::uint64_t{0};
  std::uint64_t hi = 0;
  for (int i = 0; i < kDraws; ++i) {
    const std::uint64_t b = s.draw(rng);
    lo = std::min(lo, b);
    hi = std::max(hi, b);
    sum += static_cast<double>(b);
  }
  CHECK(lo == 100);
  CHECK(hi == 199);
  CHECK(sum / kDraws == Approx(149.5).epsilon(0.005));
  CHECK(s.mean() == 149.5);
  p.max_bytes = 100; // a single value
  Rng r2{1};
  CHECK(sampler(p).draw(r2) == 100);
}

TEST_CASE("size distributions: exponential has its mean and is never 0", "[traffic]") {
  for (const std::uint64_t mean : {1U, 3U, 1000U, 1'000'000U}) {
    PatternSpec p;
    p.size = SizeDist::Exponential;
    p.bytes = mean;
    const SizeSampler s = sampler(p);
    Rng rng{7};
    double sum = 0;
    double sum_sq = 0;
    std::uint64_t lo = ~std::uint64_t{0};
    for (int i = 0; i < kDraws; ++i) {
      const double b = static_cast<double>(s.draw(rng));
      lo = std::min(lo, static_cast<std::uint64_t>(b));
      sum += b;
      sum_sq += b * b;
    }
    INFO("mean " << mean);
    CHECK(lo >= 1);
    const double m = sum / kDraws;
    if (mean >= 1000) {
      CHECK(m == Approx(static_cast<double>(mean)).epsilon(0.01)); // sd of the mean 0.22%
      CHECK(std::sqrt(sum_sq / kDraws - m * m) == Approx(m).epsilon(0.02));
    } else {
      // Rounding to whole bytes with a floor of 1 lifts a small mean by P(x < 0.5) at most.
      CHECK(m >= static_cast<double>(mean) * 0.99);
      CHECK(m <= static_cast<double>(mean) + 1.0);
    }
  }
}

TEST_CASE("size distributions: a cdf interpolates linearly between its points", "[traffic]") {
  PatternSpec p;
  p.size = SizeDist::Cdf;
  // Half the mass at 100 bytes, then uniform to 200, then a quarter between 200 and 1000.
  p.cdf = {{100, 0.5}, {200, 0.75}, {1000, 1.0}};
  const SizeSampler s = sampler(p);
  CHECK(s.mean() == Approx(0.5 * 100 + 0.25 * 150 + 0.25 * 600));
  Rng rng{3};
  int at_100 = 0;
  int to_200 = 0;
  int to_1000 = 0;
  int below_600 = 0;
  double sum = 0;
  for (int i = 0; i < kDraws; ++i) {
    const std::uint64_t b = s.draw(rng);
    REQUIRE(b >= 100);
    REQUIRE(b <= 1000);
    sum += static_cast<double>(b);
    if (b == 100) {
      ++at_100;
    } else if (b <= 200) {
      ++to_200;
    } else {
      ++to_1000;
      below_600 += b < 600 ? 1 : 0;
    }
  }
  const auto share = [](int k) { return static_cast<double>(k) / kDraws; };
  CHECK(share(at_100) == Approx(0.5 + 0.25 / 200).epsilon(0.01)); // and the rounded-down tail
  CHECK(share(to_200) == Approx(0.25).epsilon(0.02));
  CHECK(share(to_1000) == Approx(0.25).epsilon(0.02));
  CHECK(share(below_600) == Approx(0.125).epsilon(0.03)); // linear: half of the last quarter
  CHECK(sum / kDraws == Approx(s.mean()).epsilon(0.01));
  // A single point of p = 1 is a fixed size; a step (two points of one size) is a mass there.
  p.cdf = {{5000, 1.0}};
  Rng r1{1};
  CHECK(sampler(p).draw(r1) == 5000);
  p.cdf = {{10, 0.0}, {10, 0.3}, {20, 0.3}, {30, 1.0 - 1e-12}};
  const SizeSampler step = sampler(p);
  int tens = 0;
  for (int i = 0; i < 10'000; ++i) {
    const std::uint64_t b = step.draw(rng);
    CHECK(b != 15); // no mass between 10 and 20
    tens += b == 10 ? 1 : 0;
  }
  CHECK(static_cast<double>(tens) / 10'000 == Approx(0.3).epsilon(0.1));
}

TEST_CASE("size distributions: bad sizes are refused with the field named", "[traffic]") {
  struct Case {
    const char* what;
    SizeDist kind;
    std::uint64_t bytes, min, max;
    std::vector<CdfPoint> cdf;
    std::string key;
  };
  const double nan = std::nan("");
  const std::vector<Case> cases{
      {"fixed 0", SizeDist::Fixed, 0, 0, 0, {}, "traffic[0].bytes"},
      {"exponential mean 0", SizeDist::Exponential, 0, 0, 0, {}, "traffic[0].bytes"},
      {"exponential mean too large",
       SizeDist::Exponential,
       std::uint64_t{1} << 63U,
       0,
       0,
       {},
       "traffic[0].bytes"},
      {"uniform min 0", SizeDist::Uniform, 1, 0, 10, {}, "traffic[0].min_bytes"},
      {"uniform max below min", SizeDist::Uniform, 1, 10, 9, {}, "traffic[0].max_bytes"},
      {"cdf empty", SizeDist::Cdf, 1, 0, 0, {}, "traffic[0].cdf"},
      {"cdf bytes 0", SizeDist::Cdf, 1, 0, 0, {{0, 0.5}, {10, 1}}, "traffic[0].cdf[0].bytes"},
      {"cdf p above 1", SizeDist::Cdf, 1, 0, 0, {{1, 0.5}, {10, 1.5}}, "traffic[0].cdf[1].p"},
      {"cdf p negative", SizeDist::Cdf, 1, 0, 0, {{1, -0.1}, {10, 1}}, "traffic[0].cdf[0].p"},
      {"cdf p not a number", SizeDist::Cdf, 1, 0, 0, {{1, nan}, {10, 1}}, "traffic[0].cdf[0].p"},
      {"cdf p decreasing",
       SizeDist::Cdf,
       1,
       0,
       0,
       {{1, 0.6}, {5, 0.5}, {10, 1}},
       "traffic[0].cdf[1].p"},
      {"cdf bytes decreasing",
       SizeDist::Cdf,
       1,
       0,
       0,
       {{10, 0.5}, {5, 1}},
       "traffic[0].cdf[1].bytes"},
      {"cdf not ending at 1",
       SizeDist::Cdf,
       1,
       0,
       0,
       {{10, 0.5}, {20, 0.99}},
       "traffic[0].cdf[1].p"},
      {"unknown kind", static_cast<SizeDist>(7), 1, 0, 0, {}, "traffic[0].size"},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    PatternSpec p;
    p.size = c.kind;
    p.bytes = c.bytes;
    p.min_bytes = c.min;
    p.max_bytes = c.max;
    p.cdf = c.cdf;
    const auto r = SizeSampler::make(p, "traffic[0]");
    REQUIRE_FALSE(r);
    CHECK(r.error().key == c.key);
    CHECK_FALSE(r.error().reason.empty());
  }
}

#include "protocol/common/rng.hpp"

namespace ub {

double portable_log(double x) noexcept {
  // x = m * 2^e with m in [1, 2): ln x = e ln 2 + ln m; ln m = 2 atanh((m - 1) / (m + 1)).
  constexpr double kLn2 = 0.693147180559945309417232121458;
  if (x <= 0.0) {
    return -1e308;
  }
  int e = 0;
  while (x >= 2.0) {
    x *= 0.5;
    ++e;
  }
  while (x < 1.0) {
    x *= 2.0;
    --e;
  }
  const double y = (x - 1.0) / (x + 1.0);
  const double y2 = y * y;
  double term = y;
  double sum = 0.0;
  for (int k = 1; k < 60; k += 2) {
    sum += term / k;
    term *= y2;
  }
  return static_cast<double>(e) * kLn2 + 2.0 * sum;
}

double portable_log_one_minus(double q) noexcept {
  if (q < 1e-4) {
    // -q - q^2/2 - q^3/3 - q^4/4; the first term left out is below 2.5e-17 of the result.
    return -q * (1.0 + q * (0.5 + q * (1.0 / 3.0 + q * 0.25)));
  }
  return portable_log(1.0 - q);
}

std::uint64_t Rng::geometric(double p) noexcept {
  if (p <= 0.0) {
    return ~std::uint64_t{0};
  }
  if (p >= 1.0) {
    return 0;
  }
  // Inversion: floor(ln U / ln(1 - p)), U in (0, 1].
  const double u = 1.0 - uniform();
  // ln(1 - p) by series for small p: 1.0 - p rounds to 1 below p ~ 1e-16 (a division by zero).
  const double g = portable_log(u) / portable_log_one_minus(p);
  if (!(g < 1.8e19)) {
    return ~std::uint64_t{0};
  }
  return static_cast<std::uint64_t>(g);
}

} // namespace ub

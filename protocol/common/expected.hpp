#pragma once
// ub::Expected: the result type of every decoder and encoder (STYLE rule 14).
// std::expected is C++23; until we move to it, tl::expected (Debian libexpected-dev) stands in.

#include <tl/expected.hpp>

namespace ub {

template <class T, class E>
using Expected = tl::expected<T, E>;

using tl::unexpected;

template <class E>
[[nodiscard]] constexpr auto make_unexpected(E&& e) {
  return tl::make_unexpected(std::forward<E>(e));
}

} // namespace ub

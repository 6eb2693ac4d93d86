#include <limits>

#include "protocol/tp/congestion.hpp"

namespace ub::tp {

void NoCc::stamp(nl::Cci& cci, const CcSent& /*p*/, Time /*now*/) {
  // An all-zero CCI: CAQM form with Enable 0, which CAQM switches pass untouched and FECN
  // marking never reads (it only marks FECN-form CCIs).
  cci = nl::Cci{};
}

std::uint64_t NoCc::window_bytes() const noexcept {
  return std::numeric_limits<std::uint64_t>::max();
}

} // namespace ub::tp

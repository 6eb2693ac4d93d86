#include "protocol/tp/cc/caqm.hpp"
#include "protocol/tp/cc/dcqcn.hpp"
#include "protocol/tp/cc/ldcp.hpp"
#include "protocol/tp/congestion.hpp"

namespace ub::tp {

std::string_view to_string(CcAlgo a) noexcept {
  switch (a) {
  case CcAlgo::None:
    return "NONE";
  case CcAlgo::Ldcp:
    return "LDCP";
  case CcAlgo::Caqm:
    return "CAQM";
  case CcAlgo::Dcqcn:
    return "DCQCN";
  }
  return "?";
}

std::unique_ptr<CongestionControl> make_congestion_control(CcAlgo a, const CcParams& p) {
  switch (a) {
  case CcAlgo::None:
    return std::make_unique<NoCc>();
  case CcAlgo::Ldcp:
    return std::make_unique<Ldcp>(p);
  case CcAlgo::Caqm:
    return std::make_unique<Caqm>(p);
  case CcAlgo::Dcqcn:
    return std::make_unique<Dcqcn>(p);
  }
  return std::make_unique<NoCc>();
}

std::unique_ptr<CcFeedback> make_cc_feedback(CcAlgo a, const CcParams& p) {
  switch (a) {
  case CcAlgo::None:
    return std::make_unique<NoCcFeedback>();
  case CcAlgo::Ldcp:
    return std::make_unique<LdcpFeedback>();
  case CcAlgo::Caqm:
    return std::make_unique<CaqmFeedback>();
  case CcAlgo::Dcqcn:
    return std::make_unique<DcqcnFeedback>(p);
  }
  return std::make_unique<NoCcFeedback>();
}

} // namespace ub::tp

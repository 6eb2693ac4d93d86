#include "protocol/ta/ta_status.hpp"

namespace ub::ta {

TaOutcome classify_atah(std::uint8_t rspst, std::uint8_t rspinfo) noexcept {
  using fn::CqeStatus;
  switch (rspst & 0x7U) {
  case 0b000:
    return Done{true, static_cast<std::uint8_t>(rspinfo & 0x1FU)};
  case 0b101:
    return Done{false, static_cast<std::uint8_t>(rspinfo & 0x1FU)};
  case 0b001: // RNR
  case 0b010: // page fault
    return Retry{tp::rnr_timeout(rspinfo)};
  case 0b011:
    return Fail{rspinfo == 0b00001 ? CqeStatus::RemoteUnsupportedRequest
                                   : CqeStatus::RemoteAccessAbort};
  default:
    return Fail{CqeStatus::RemoteAccessAbort}; // 100, 110, 111 reserved
  }
}

TaOutcome classify_compact(std::uint8_t status) noexcept {
  if ((status & 0x3U) == 0b00) {
    return Done{};
  }
  return Fail{fn::CqeStatus::RemoteAccessAbort}; // 01 authorisation failed; 10, 11 reserved
}

TaOutcome classify_tp_status(const tp::TaVerdict& v) noexcept {
  using fn::CqeStatus;
  switch (v.kind) {
  case tp::TaStatusKind::Ok:
    return Done{};
  case tp::TaStatusKind::AbnormalRetryable:
    return Retry{kAbnormalRetryDelay};
  case tp::TaStatusKind::ReceiverNotReady:
  case tp::TaStatusKind::PageFault:
    return Retry{tp::rnr_timeout(v.rnr_timer)};
  case tp::TaStatusKind::AbnormalUnrecoverable:
  case tp::TaStatusKind::RemoteAbort:
    return Fail{CqeStatus::RemoteAccessAbort};
  case tp::TaStatusKind::UnsupportedRequest:
    return Fail{CqeStatus::RemoteUnsupportedRequest};
  }
  return Fail{CqeStatus::RemoteAccessAbort};
}

TaAnswer answer_for(UmmuFault f, std::uint8_t pf_rnr_timer) noexcept {
  switch (f) {
  case UmmuFault::PageFault:
    return {0b010, static_cast<std::uint8_t>(pf_rnr_timer > 19 ? 19 : pf_rnr_timer)};
  case UmmuFault::EntityConfig:
  case UmmuFault::TokenContext:
  case UmmuFault::Exclusive:
  case UmmuFault::Translation:
  case UmmuFault::Permission:
  case UmmuFault::Token:
    return {0b011, 0b00010};
  }
  return {0b011, 0b00010};
}

} // namespace ub::ta

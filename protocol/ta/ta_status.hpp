#pragma once
// What a transaction's answer means to the Initiator, and what a Target answers for a failed check.
// UB-Base-2.0 Table 7-3 (ATAH RSPST/RSPINFO and the compact Status), §7.3.1.1 (which failures
// are retried: RNR and page fault after RNR_Timeout = 2 us x 2^RNR_Timer, never an unrecoverable
// one), Table 6-2 (TA status in a TP ACK), Table 10-12 (the completion errors).
//
// classify_*() turn an answer into Done, Retry{after} or Fail{CqeStatus}; the Initiator counts
// retries against its own limit (the spec names the "retry exceeded" error but sets no value).

#include <cstdint>
#include <variant>

#include "protocol/common/units.hpp"
#include "protocol/fn/cqe_status.hpp"
#include "protocol/ta/ummu.hpp"
#include "protocol/tp/tp_channel.hpp"

namespace ub::ta {

struct Done {
  bool persisted = true;      // RSPST 101: accepted by the media controller, not yet on media
  std::uint8_t coalesced = 0; // a TAACK's RSPINFO: how many further TASSNs it answers
};
struct Retry {
  Time after{0};
};
struct Fail {
  fn::CqeStatus status = fn::CqeStatus::RemoteAccessAbort;
};
using TaOutcome = std::variant<Done, Retry, Fail>;

// MODEL: how long to wait before retrying after "abnormal, recoverable" (TP ACK 101/00000),
// which carries no timer: RNR_Timer 0's 2 us.
inline constexpr Time kAbnormalRetryDelay = Time{2'000'000};

// A full ATAH's RSPST/RSPINFO (Table 7-3). Reserved RSPST values fail as Remote Access Abort
// (MODEL).
[[nodiscard]] TaOutcome classify_atah(std::uint8_t rspst, std::uint8_t rspinfo) noexcept;
// A compact ATAH's Status (CFG 9): 00 done, 01 authorisation failed; 10/11 reserved (fail).
[[nodiscard]] TaOutcome classify_compact(std::uint8_t status) noexcept;
// A TA status carried in the TP ACK (tp::TaStatus, Table 6-2).
[[nodiscard]] TaOutcome classify_tp_status(const tp::TaVerdict& v) noexcept;

// What a Target answers when its UMMU check fails (MODEL, design note X8): a page fault is
// recoverable (RSPST 010 with `pf_rnr_timer`), everything else is an authorisation failure:
// Remote Abort (011/00010). RSPST/RSPINFO as in Table 7-3.
struct TaAnswer {
  std::uint8_t rspst = 0;
  std::uint8_t rspinfo = 0;
};
[[nodiscard]] TaAnswer answer_for(UmmuFault f, std::uint8_t pf_rnr_timer = 0) noexcept;

} // namespace ub::ta

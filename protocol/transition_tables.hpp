#pragma once
// Every state-machine table of protocol/ (transition coverage, protocol/common/transitions.hpp):
// the coverage report lists them all, taken or not.

#include <array>

#include "protocol/common/transitions.hpp"
#include "protocol/dl/dl_machines.hpp"
#include "protocol/fn/fn_machines.hpp"
#include "protocol/ta/ta_machines.hpp"
#include "protocol/tp/tp_machines.hpp"

namespace ub::transitions {

inline constexpr std::array<const Machine*, 8> kAllMachines{
    &dl::kDllMachine,         &dl::kRetryReqMachine, &dl::kRetryAckMachine, &tp::kRtpSenderMachine,
    &tp::kRtpReceiverMachine, &ta::kSliceMachine,    &ta::kScMachine,       &fn::kJettyMachine};

} // namespace ub::transitions

#pragma once
// The transaction layer's state machines as transition tables (protocol/common/transitions.hpp),
// for transition coverage; initiator.cpp marks every place it takes a transition with
// UB_TRANSITION. State names are those of TaInitiator's SliceState and ScState.
//   Slice (§7.3.1.1): one slice of an op, from Waiting through Sent to Done or Failed, with
//   RetryWait after an RNR or page-fault answer (the TA, not the TP, retries).
//   Sequence Context of a ROT stream (§7.3.3.3): the stream's first request asks for an SC
//   (Allocating); SV = 1 grants it, SV = 0 refuses it and the stream follows ROI rules.
// The target (target.cpp) answers each request on its own and keeps no per-request state
// machine; its SC table is the counterpart of the one below.

#include <string_view>

#include "protocol/common/transitions.hpp"

namespace ub::ta {

namespace machine_detail {
using transitions::Transition;
using SV = std::string_view;

inline constexpr SV kSliceStates[] = {"Waiting", "Sent", "RetryWait", "Done", "Failed"};
inline constexpr SV kSliceEvents[] = {"send", "done", "retry", "fail"};
inline constexpr Transition kSliceTransitions[] = {
    {"Waiting", "send", "Sent", "UB-Base-2.0 §7.3.1.1"},
    {"RetryWait", "send", "Sent", "UB-Base-2.0 §7.3.1.1"},
    {"Sent", "done", "Done", "UB-Base-2.0 §7.3.1.1"},
    {"Sent", "retry", "RetryWait", "UB-Base-2.0 §7.3.1.1"},
    {"Sent", "fail", "Failed", "UB-Base-2.0 §7.3.1.1"},
    {"Waiting", "fail", "Failed", "UB-Base-2.0 §8.2.2.3"},
    {"RetryWait", "fail", "Failed", "UB-Base-2.0 §8.2.2.3"},
};

inline constexpr SV kScStates[] = {"None", "Allocating", "Granted", "Refused"};
inline constexpr SV kScEvents[] = {"static_sc", "alloc", "grant", "refuse", "alloc_failed"};
inline constexpr Transition kScTransitions[] = {
    {"None", "static_sc", "Granted", "MODEL: a statically configured SC (QueueConfig.static_sc)"},
    {"None", "alloc", "Allocating", "UB-Base-2.0 §7.3.3.3"},
    {"Allocating", "grant", "Granted", "UB-Base-2.0 §7.3.3.3"},
    {"Allocating", "refuse", "Refused", "UB-Base-2.0 §7.3.3.3"},
    {"Allocating", "alloc_failed", "Refused",
     "MODEL: the Alloc request failed unanswered: the stream goes on without an SC"},
};
} // namespace machine_detail

inline constexpr transitions::Machine kSliceMachine{
    "ta", "ta.initiator_slice", machine_detail::kSliceStates, machine_detail::kSliceEvents,
    machine_detail::kSliceTransitions};
inline constexpr transitions::Machine kScMachine{
    "ta", "ta.rot_sequence_context", machine_detail::kScStates, machine_detail::kScEvents,
    machine_detail::kScTransitions};

static_assert(transitions::check(kSliceMachine).empty());
static_assert(transitions::check(kScMachine).empty());

} // namespace ub::ta

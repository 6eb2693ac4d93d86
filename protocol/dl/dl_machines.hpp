#pragma once
// The data link layer's state machines as transition tables (protocol/common/transitions.hpp),
// for transition coverage. State names are to_string() of DllState, RetryReqState and
// RetryAckState; data_link.cpp marks every place it takes a transition with UB_TRANSITION.
// The credit pools, the retry buffer and the negotiation (credit.hpp, retry_buffer.hpp,
// negotiation.hpp) hold no state machine of their own: their steps are the events below
// (init_exchanged, credits_initialised, retry_req, replay_done).

#include <string_view>

#include "protocol/common/transitions.hpp"

namespace ub::dl {

namespace machine_detail {
using transitions::Transition;
using SV = std::string_view;

// §4.2 DLL state machine, with the errors of §4.8 and the UBFM reset.
inline constexpr SV kDllStates[] = {"DLL_Disabled", "DLL_Param_Init", "DLL_Credit_Init",
                                    "DLL_Normal"};
inline constexpr SV kDllEvents[] = {
    "link_up",    "link_down",          "init_exchanged", "handshake_done", "credits_initialised",
    "ubfm_reset", "uncorrectable_error"};
inline constexpr Transition kDllTransitions[] = {
    {"DLL_Disabled", "link_up", "DLL_Param_Init", "UB-Base-2.0 §4.2"},
    {"DLL_Disabled", "link_down", "DLL_Disabled", "UB-Base-2.0 §4.8.4"},
    {"DLL_Param_Init", "link_down", "DLL_Disabled", "UB-Base-2.0 §4.2"},
    {"DLL_Credit_Init", "link_down", "DLL_Disabled", "UB-Base-2.0 §4.2"},
    {"DLL_Normal", "link_down", "DLL_Disabled", "UB-Base-2.0 §4.2"},
    {"DLL_Param_Init", "handshake_done", "DLL_Param_Init", "UB-Base-2.0 §4.3.4.1"},
    {"DLL_Param_Init", "init_exchanged", "DLL_Credit_Init", "UB-Base-2.0 §4.4"},
    {"DLL_Credit_Init", "credits_initialised", "DLL_Normal", "UB-Base-2.0 §4.6.1"},
    {"DLL_Param_Init", "uncorrectable_error", "DLL_Param_Init", "UB-Base-2.0 §4.8.2"},
    {"DLL_Credit_Init", "uncorrectable_error", "DLL_Credit_Init", "UB-Base-2.0 §4.8.1"},
    {"DLL_Normal", "uncorrectable_error", "DLL_Normal", "UB-Base-2.0 §4.8.1"},
    {"DLL_Disabled", "ubfm_reset", "DLL_Disabled", "UB-Base-2.0 §4.8.1"},
    {"DLL_Param_Init", "ubfm_reset", "DLL_Disabled", "UB-Base-2.0 §4.8.1"},
    {"DLL_Credit_Init", "ubfm_reset", "DLL_Disabled", "UB-Base-2.0 §4.8.1"},
    {"DLL_Normal", "ubfm_reset", "DLL_Disabled", "UB-Base-2.0 §4.8.1"},
};

// §4.7.3.3 RETRY_REQ_SM (the receiver side of link retry).
inline constexpr SV kReqStates[] = {"NORMAL", "REQ", "WAIT", "RETRAIN", "ERROR"};
inline constexpr SV kReqEvents[] = {
    "link_init",       "block_error",      "req_set_sent",   "retry_ack",
    "stale_retry_ack", "ack_timeout",      "retry_rollover", "phy_retrain",
    "retrain_done",    "reinit_exhausted", "reset"};
inline constexpr Transition kReqTransitions[] = {
    {"NORMAL", "link_init", "REQ", "UB-Base-2.0 §4.3.4.1"},
    {"NORMAL", "block_error", "REQ", "UB-Base-2.0 §4.7.3.3"},
    {"REQ", "block_error", "REQ", "UB-Base-2.0 §4.7.3.3"},
    {"WAIT", "block_error", "WAIT", "UB-Base-2.0 §4.7.3.3"},
    {"REQ", "req_set_sent", "WAIT", "UB-Base-2.0 §4.7.3.3"},
    {"NORMAL", "req_set_sent", "NORMAL",
     "MODEL: the Retry_Ack arrived while the set was still going out (data_link.cpp)"},
    {"WAIT", "retry_ack", "NORMAL", "UB-Base-2.0 §4.7.3.3"},
    {"REQ", "retry_ack", "NORMAL",
     "MODEL: an answer while our set is still going out counts (data_link.cpp)"},
    {"NORMAL", "stale_retry_ack", "REQ",
     "MODEL: an answer to a request no longer needed: ask again (data_link.cpp)"},
    {"REQ", "stale_retry_ack", "REQ", "MODEL: an answer to an older request is ignored"},
    {"WAIT", "stale_retry_ack", "WAIT", "MODEL: an answer to an older request is ignored"},
    {"WAIT", "ack_timeout", "REQ", "UB-Base-2.0 §4.7.3.3"},
    {"REQ", "retry_rollover", "RETRAIN", "UB-Base-2.0 §4.7.3.3"},
    {"NORMAL", "phy_retrain", "RETRAIN", "UB-Base-2.0 §4.7.3.3"},
    {"REQ", "phy_retrain", "RETRAIN", "UB-Base-2.0 §4.7.3.3"},
    {"WAIT", "phy_retrain", "RETRAIN", "UB-Base-2.0 §4.7.3.3"},
    {"RETRAIN", "retrain_done", "REQ", "UB-Base-2.0 §4.7.3.3"},
    {"RETRAIN", "reinit_exhausted", "ERROR", "UB-Base-2.0 §4.8.2"},
    {"NORMAL", "reset", "NORMAL", "UB-Base-2.0 §4.8.4"},
    {"REQ", "reset", "NORMAL", "UB-Base-2.0 §4.8.4"},
    {"WAIT", "reset", "NORMAL", "UB-Base-2.0 §4.8.4"},
    {"RETRAIN", "reset", "NORMAL", "UB-Base-2.0 §4.8.4"},
    {"ERROR", "reset", "NORMAL", "UB-Base-2.0 §4.8.1"},
};

// §4.7.3.4 RETRY_ACK_SM (the sender side of link retry).
inline constexpr SV kAckStates[] = {"NORMAL", "ACK"};
inline constexpr SV kAckEvents[] = {"retry_req", "bad_retry_req", "replay_done", "reset"};
inline constexpr Transition kAckTransitions[] = {
    {"NORMAL", "retry_req", "ACK", "UB-Base-2.0 §4.7.3.4"},
    {"ACK", "retry_req", "ACK", "UB-Base-2.0 §4.7.3.4"},
    {"NORMAL", "bad_retry_req", "NORMAL", "UB-Base-2.0 §4.8.1"},
    {"ACK", "bad_retry_req", "ACK", "UB-Base-2.0 §4.8.1"},
    {"ACK", "replay_done", "NORMAL", "UB-Base-2.0 §4.7.3.4"},
    {"NORMAL", "reset", "NORMAL", "UB-Base-2.0 §4.8.4"},
    {"ACK", "reset", "NORMAL", "UB-Base-2.0 §4.8.4"},
};
} // namespace machine_detail

inline constexpr transitions::Machine kDllMachine{"dl", "dl.dll", machine_detail::kDllStates,
                                                  machine_detail::kDllEvents,
                                                  machine_detail::kDllTransitions};
inline constexpr transitions::Machine kRetryReqMachine{
    "dl", "dl.retry_req_sm", machine_detail::kReqStates, machine_detail::kReqEvents,
    machine_detail::kReqTransitions};
inline constexpr transitions::Machine kRetryAckMachine{
    "dl", "dl.retry_ack_sm", machine_detail::kAckStates, machine_detail::kAckEvents,
    machine_detail::kAckTransitions};

static_assert(transitions::check(kDllMachine).empty());
static_assert(transitions::check(kRetryReqMachine).empty());
static_assert(transitions::check(kRetryAckMachine).empty());

} // namespace ub::dl

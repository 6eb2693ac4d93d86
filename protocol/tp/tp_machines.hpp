#pragma once
// The transport layer's state machines as transition tables (protocol/common/transitions.hpp),
// for transition coverage; tp_channel.cpp marks every place it takes a transition with
// UB_TRANSITION. An RTP TP Channel (§6.3.1, §6.4) has no state variable of its own: its states
// here are read off its queues.
//   Sender:   Idle (nothing outstanding, no TA status owed), AwaitingStatus (every packet
//             acknowledged, a TA status still owed, §6.8.2), Sending (packets outstanding, no
//             retransmission queued), Recovering (a retransmission queued: after a TPNAK, a TPSACK
//             hole or an RTO), Failed (retries exhausted, §6.4.2.1).
//   Receiver: InOrder (nothing buffered out of order), Reordering (packets buffered beyond a
//             hole, §6.4.2.2.2, §6.4.2.3).
// CTP, UTP and the bypass transport (ctp_endpoint, utp_endpoint, bypass) keep no per-peer
// state machine: each packet is handled on its own (§6.3.2, §6.3.3).

#include <string_view>

#include "protocol/common/transitions.hpp"

namespace ub::tp {

namespace machine_detail {
using transitions::Transition;
using SV = std::string_view;

inline constexpr SV kTxStates[] = {"Idle", "AwaitingStatus", "Sending", "Recovering", "Failed"};
inline constexpr SV kTxEvents[] = {
    "send_new", "retransmit", "probe", "ack", "nak", "sack", "ta_status", "rto", "retry_exhausted"};
inline constexpr Transition kTxTransitions[] = {
    {"Idle", "send_new", "Sending", "UB-Base-2.0 §6.4.1"},
    {"AwaitingStatus", "send_new", "Sending", "UB-Base-2.0 §6.4.1"},
    {"Sending", "send_new", "Sending", "UB-Base-2.0 §6.4.1"},
    {"Recovering", "send_new", "Recovering", "UB-Base-2.0 §6.4.2.3.1"},
    {"Recovering", "retransmit", "Sending", "UB-Base-2.0 §6.4.2"},
    {"AwaitingStatus", "probe", "AwaitingStatus",
     "MODEL: resend a message's last packet for a lost status ACK (A-157)"},
    {"Sending", "probe", "Sending", "MODEL: resend a message's last packet for a lost status ACK"},
    {"Recovering", "probe", "Recovering",
     "MODEL: resend a message's last packet for a lost status ACK"},
    // ACKs that arrive late (duplicates, or after everything was acknowledged) are harmless.
    {"Idle", "ack", "Idle", "UB-Base-2.0 §6.4.2.2.1"},
    {"AwaitingStatus", "ack", "AwaitingStatus", "UB-Base-2.0 §6.4.2.2.1"},
    {"Sending", "ack", "Idle", "UB-Base-2.0 §6.4.2.2.1"},
    {"Recovering", "ack", "Sending", "UB-Base-2.0 §6.4.2.2.1"},
    {"Idle", "nak", "Idle", "UB-Base-2.0 §6.4.2.2.1"},
    {"AwaitingStatus", "nak", "AwaitingStatus", "UB-Base-2.0 §6.4.2.2.1"},
    {"Sending", "nak", "Recovering", "UB-Base-2.0 §6.4.2.2.1"},
    {"Recovering", "nak", "Recovering", "UB-Base-2.0 §6.4.2.2.1"},
    {"Idle", "sack", "Idle", "UB-Base-2.0 §6.4.2.3"},
    {"AwaitingStatus", "sack", "AwaitingStatus", "UB-Base-2.0 §6.4.2.3"},
    {"Sending", "sack", "Recovering", "UB-Base-2.0 §6.4.2.3"},
    {"Recovering", "sack", "Recovering", "UB-Base-2.0 §6.4.2.3"},
    {"Idle", "ta_status", "Idle", "UB-Base-2.0 §6.8.2"},
    {"AwaitingStatus", "ta_status", "Idle", "UB-Base-2.0 §6.8.2"},
    {"Sending", "ta_status", "Sending", "UB-Base-2.0 §6.8.2"},
    {"Recovering", "ta_status", "Recovering", "UB-Base-2.0 §6.8.2"},
    {"AwaitingStatus", "rto", "AwaitingStatus", "UB-Base-2.0 §6.4.2.1"},
    {"Sending", "rto", "Recovering", "UB-Base-2.0 §6.4.2.1"},
    {"Recovering", "rto", "Recovering", "UB-Base-2.0 §6.4.2.1"},
    {"AwaitingStatus", "retry_exhausted", "Failed", "UB-Base-2.0 §6.4.2.1"},
    {"Sending", "retry_exhausted", "Failed", "UB-Base-2.0 §6.4.2.1"},
    {"Recovering", "retry_exhausted", "Failed", "UB-Base-2.0 §6.4.2.1"},
    {"Failed", "ack", "Failed", "MODEL: a failed channel ignores what it receives"},
    {"Failed", "nak", "Failed", "MODEL: a failed channel ignores what it receives"},
    {"Failed", "sack", "Failed", "MODEL: a failed channel ignores what it receives"},
    {"Failed", "ta_status", "Failed", "MODEL: a failed channel ignores what it receives"},
};

inline constexpr SV kRxStates[] = {"InOrder", "Reordering"};
inline constexpr SV kRxEvents[] = {"in_order", "duplicate", "out_of_order", "beyond_window"};
inline constexpr Transition kRxTransitions[] = {
    {"InOrder", "in_order", "InOrder", "UB-Base-2.0 §6.4.2"},
    {"InOrder", "duplicate", "InOrder", "UB-Base-2.0 §6.4.2.2.1"},
    {"InOrder", "out_of_order", "Reordering", "UB-Base-2.0 §6.4.2.2.2"},
    {"InOrder", "beyond_window", "InOrder", "UB-Base-2.0 §6.4.1"},
    {"Reordering", "in_order", "InOrder", "UB-Base-2.0 §6.4.2.2.2"},
    {"Reordering", "duplicate", "Reordering", "UB-Base-2.0 §6.4.2.3"},
    {"Reordering", "out_of_order", "Reordering", "UB-Base-2.0 §6.4.2.3"},
    {"Reordering", "beyond_window", "Reordering", "UB-Base-2.0 §6.4.1"},
};
} // namespace machine_detail

inline constexpr transitions::Machine kRtpSenderMachine{
    "tp", "tp.rtp_sender", machine_detail::kTxStates, machine_detail::kTxEvents,
    machine_detail::kTxTransitions};
inline constexpr transitions::Machine kRtpReceiverMachine{
    "tp", "tp.rtp_receiver", machine_detail::kRxStates, machine_detail::kRxEvents,
    machine_detail::kRxTransitions};

static_assert(transitions::check(kRtpSenderMachine).empty());
static_assert(transitions::check(kRtpReceiverMachine).empty());

} // namespace ub::tp

#pragma once
// The function layer's Jetty state machine (§8.2.2.3) as a transition table
// (protocol/common/transitions.hpp), for transition coverage; urma_device.cpp marks every place
// it takes a transition with UB_TRANSITION. State names are to_string(JettyState).

#include <string_view>

#include "protocol/common/transitions.hpp"

namespace ub::fn {

namespace machine_detail {
using transitions::Transition;
using SV = std::string_view;

inline constexpr SV kJettyStates[] = {"reset", "ready", "suspend", "error"};
inline constexpr SV kJettyEvents[] = {"modify_reset", "modify_ready", "modify_suspend",
                                      "modify_error", "request_failed"};
inline constexpr Transition kJettyTransitions[] = {
    {"reset", "modify_ready", "ready", "UB-Base-2.0 §8.2.2.3"},
    {"reset", "modify_reset", "reset", "MODEL: a modify to the current state is a no-op"},
    {"ready", "modify_ready", "ready", "MODEL: a modify to the current state is a no-op"},
    {"ready", "modify_suspend", "suspend", "UB-Base-2.0 §8.2.2.3"},
    {"ready", "modify_error", "error", "UB-Base-2.0 §8.2.2.3"},
    {"ready", "modify_reset", "reset", "UB-Base-2.0 §8.2.2.3"},
    {"ready", "request_failed", "suspend", "UB-Base-2.0 §8.2.2.3"},
    {"suspend", "modify_suspend", "suspend", "MODEL: a modify to the current state is a no-op"},
    {"suspend", "modify_ready", "ready", "UB-Base-2.0 §8.2.2.3"},
    {"suspend", "modify_error", "error", "UB-Base-2.0 §8.2.2.3"},
    {"suspend", "modify_reset", "reset", "UB-Base-2.0 §8.2.2.3"},
    {"error", "modify_error", "error", "MODEL: a modify to the current state is a no-op"},
    {"error", "modify_reset", "reset", "UB-Base-2.0 §8.2.2.3"},
};
} // namespace machine_detail

inline constexpr transitions::Machine kJettyMachine{"fn", "fn.jetty", machine_detail::kJettyStates,
                                                    machine_detail::kJettyEvents,
                                                    machine_detail::kJettyTransitions};

static_assert(transitions::check(kJettyMachine).empty());

} // namespace ub::fn

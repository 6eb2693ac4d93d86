// UB_TRANSITION with counting on, as the `coverage` preset builds it: this one file defines
// UB_TRANSITION_COVERAGE, and ub_tests links the registry (fuzz/coverage/transition_registry.cpp).
#define UB_TRANSITION_COVERAGE 1

#include <catch2/catch.hpp>

#include "protocol/common/transitions.hpp"
#include "protocol/dl/dl_machines.hpp"
#include "protocol/tp/tp_machines.hpp"

using namespace ub;

TEST_CASE("UB_TRANSITION counts in the process-wide registry when coverage is on",
          "[transitions]") {
  const auto& r = transitions::recorded();
  const auto before = r.count(dl::kDllMachine, "DLL_Disabled", "link_up");
  const auto undeclared_before = r.undeclared("dl.dll", "DLL_Normal", "link_up");
  int evaluated = 0;
  const auto state = [&] {
    ++evaluated;
    return std::string_view("DLL_Disabled");
  };
  UB_TRANSITION(dl::kDllMachine, state(), "link_up");
  UB_TRANSITION(dl::kDllMachine, state(), "link_up");
  UB_TRANSITION(dl::kDllMachine, "DLL_Normal", "link_up"); // not in §4.2: a finding
  UB_TRANSITION(tp::kRtpReceiverMachine, "InOrder", "duplicate");
  CHECK(evaluated == 2);
  CHECK(r.count(dl::kDllMachine, "DLL_Disabled", "link_up") == before + 2);
  CHECK(r.undeclared("dl.dll", "DLL_Normal", "link_up") == undeclared_before + 1);
  CHECK(r.count(tp::kRtpReceiverMachine, "InOrder", "duplicate") >= 1);
  CHECK(r.covered(dl::kDllMachine) >= 1);
}

// Transition tables and their counter (protocol/common/transitions.hpp), and every machine's
// table in protocol/transition_tables.hpp.

#include <set>
#include <string>
#include <string_view>

#include <catch2/catch.hpp>

#include "protocol/common/transitions.hpp"
#include "protocol/dl/data_link.hpp"
#include "protocol/fn/urma_device.hpp"
#include "protocol/transition_tables.hpp"

using namespace ub;
using namespace ub::transitions;

namespace {

constexpr std::string_view kStates[] = {"A", "B"};
constexpr std::string_view kEvents[] = {"go", "stop"};
constexpr Transition kGood[] = {{"A", "go", "B", "UB-Base-2.0 §1.1"},
                                {"B", "stop", "A", "MODEL: back"}};
constexpr Machine kToy{"dl", "dl.toy", kStates, kEvents, kGood};

} // namespace

TEST_CASE("every declared transition table is well formed", "[transitions]") {
  std::set<std::string_view> names;
  for (const Machine* m : kAllMachines) {
    INFO(m->name);
    CHECK(check(*m) == "");
    CHECK(names.insert(m->name).second); // machine names are unique
  }
  CHECK(names.size() == kAllMachines.size());
  // The DLL and Jetty tables name their states as the code's to_string() does, so the hooks
  // that pass to_string(state_) match them.
  const auto has = [](const Machine& m, std::string_view s) {
    for (const auto x : m.states) {
      if (x == s) {
        return true;
      }
    }
    return false;
  };
  for (const auto s : {dl::DllState::Disabled, dl::DllState::ParamInit, dl::DllState::CreditInit,
                       dl::DllState::Normal}) {
    CHECK(has(dl::kDllMachine, dl::to_string(s)));
  }
  for (const auto s : {dl::RetryReqState::Normal, dl::RetryReqState::Req, dl::RetryReqState::Wait,
                       dl::RetryReqState::Retrain, dl::RetryReqState::Error}) {
    CHECK(has(dl::kRetryReqMachine, dl::to_string(s)));
  }
  for (const auto s : {dl::RetryAckState::Normal, dl::RetryAckState::Ack}) {
    CHECK(has(dl::kRetryAckMachine, dl::to_string(s)));
  }
  for (const auto s : {fn::JettyState::Reset, fn::JettyState::Ready, fn::JettyState::Suspend,
                       fn::JettyState::Error}) {
    CHECK(has(fn::kJettyMachine, fn::to_string(s)));
  }
}

TEST_CASE("check() names what is wrong with a table", "[transitions]") {
  CHECK(check(kToy) == "");
  constexpr Transition dup[] = {{"A", "go", "B", "UB-Base-2.0 §1"},
                                {"A", "go", "A", "UB-Base-2.0 §1"},
                                {"B", "stop", "A", "UB-Base-2.0 §1"}};
  CHECK(check(Machine{"dl", "dl.toy", kStates, kEvents, dup}) ==
        "a (state, event) pair is declared twice");
  constexpr Transition bad_event[] = {{"A", "jump", "B", "UB-Base-2.0 §1"}};
  CHECK(check(Machine{"dl", "dl.toy", kStates, kEvents, bad_event}) ==
        "a transition names an undeclared event");
  constexpr Transition bad_to[] = {{"A", "go", "C", "UB-Base-2.0 §1"}};
  CHECK(check(Machine{"dl", "dl.toy", kStates, kEvents, bad_to}) ==
        "a transition names an undeclared state");
  constexpr Transition no_clause[] = {{"A", "go", "B", "§1"}, {"B", "stop", "A", "MODEL: x"}};
  CHECK(check(Machine{"dl", "dl.toy", kStates, kEvents, no_clause}) ==
        "a transition cites no clause");
  constexpr Transition only_go[] = {{"A", "go", "B", "UB-Base-2.0 §1"}};
  CHECK(check(Machine{"dl", "dl.toy", kStates, kEvents, only_go}) ==
        "an event is in no transition");
  CHECK(check(Machine{"xx", "xx.toy", kStates, kEvents, kGood}) == "unknown layer");
  CHECK(check(Machine{"dl", "tp.toy", kStates, kEvents, kGood}) ==
        "machine name is not <layer>.<lower_case_name>");
  CHECK(check(Machine{"dl", "dl.Toy", kStates, kEvents, kGood}) ==
        "machine name is not <layer>.<lower_case_name>");
  constexpr std::string_view twice[] = {"A", "A"};
  CHECK(check(Machine{"dl", "dl.toy", twice, kEvents, kGood}) == "a state is named twice");
  constexpr std::string_view spaced[] = {"A", "B C"};
  CHECK(check(Machine{"dl", "dl.toy", spaced, kEvents, kGood}) ==
        "a state name is not an identifier");
  constexpr std::string_view upper_events[] = {"go", "Stop"};
  CHECK(check(Machine{"dl", "dl.toy", kStates, upper_events, kGood}) ==
        "an event name is not a lower-case identifier");
}

TEST_CASE("TransitionCounter counts declared pairs and keeps undeclared ones apart",
          "[transitions]") {
  TransitionCounter c;
  CHECK(c.covered(kToy) == 0);
  c.hit(kToy, "A", "go");
  c.hit(kToy, "A", "go");
  c.hit(kToy, "A", "stop"); // not declared
  CHECK(c.count(kToy, "A", "go") == 2);
  CHECK(c.count(kToy, "B", "stop") == 0);
  CHECK(c.count(kToy, "A", "stop") == 0);
  CHECK(c.covered(kToy) == 1);
  CHECK(c.undeclared("dl.toy", "A", "stop") == 1);
  CHECK(c.undeclared("dl.toy", "A", "go") == 0);
  CHECK(c.undeclared_pairs() == 1);
  c.hit(kToy, "B", "stop");
  CHECK(c.covered(kToy) == 2);
  const Machine* machines[] = {&kToy};
  CHECK(c.to_text(machines) == "declared\tdl\tdl.toy\tA\tgo\tB\t2\tUB-Base-2.0 §1.1\n"
                               "declared\tdl\tdl.toy\tB\tstop\tA\t1\tMODEL: back\n"
                               "undeclared\tdl.toy\tA\tstop\t1\n");
}

#if !defined(UB_TRANSITION_COVERAGE)
TEST_CASE("UB_TRANSITION compiles to nothing in a normal build", "[transitions]") {
  int evaluated = 0;
  const auto state = [&] {
    ++evaluated;
    return std::string_view("DLL_Disabled");
  };
  UB_TRANSITION(dl::kDllMachine, state(), "link_up");
  static_cast<void>(state); // named, never called
  CHECK(evaluated == 0);    // the arguments are not even evaluated
}
#endif

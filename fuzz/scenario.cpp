// The fabric simulator driven by the fuzzer (issue 7, "a scenario target"): the input is a small
// fabric (2-8 controllers, up to 2 switches: a star, two switches with one or two links between
// them, dual-homed controllers, a 1D full mesh, controllers in a chain), its link, switch and
// endpoint settings (transport RTP / CTP / UTP, RT mode and selector, VLs and their buffers,
// retransmission, congestion control), a few flows (Write, Read, Send, Load, Store, FetchAdd,
// with sizes, windows, starts, rates and `after` dependencies) and a fault schedule (link down
// and up, BER with link retry on or off, lane loss, switch down and up). fuzz/scenario_input.hpp
// turns the bytes into a Scenario (fuzz/README.md has the layout) and judges the run:
//
//   - the scenario written as TOML (scenario_to_toml) reads back to the same Scenario;
//   - FabricSim builds it, and the run goes quiet by itself within the event budget;
//   - the oracle accepts every outcome;
//   - every flow completes unless the schedule leaves its endpoints disconnected at the end,
//     and with no fault that can lose a packet, every operation succeeds.
//
// A failing input is reduced (faults, then flows, dropped while it still fails) and written as
// a scenario file, to $UB_FUZZ_SCENARIO_OUT or ./scenario-failure.toml, before the target
// aborts; `ubmodel sim FILE` replays it (same run, same fingerprint).
//
// UB_FUZZ_SCENARIO_TRACE=1 prints each run's stop reason, events and fingerprint.
//
// Test hook: UB_FUZZ_SCENARIO_TEST_END_TIME=<time> (e.g. "1us") cuts every run's end_time, so
// that flows cannot complete: a failing case made on purpose, which fuzz/scenario_replay_test.sh
// uses to check that the file written replays the failure through `ubmodel sim`.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "fuzz_check.hpp"
#include "scenario_input.hpp"
#include "sim/scenario/scenario_to_toml.hpp"
#include "sim/scenario/scenario_toml.hpp"
#include "sim/scenario/units_parse.hpp"

using namespace ub;

namespace {

std::optional<Time> test_end_time() {
  const char* v = std::getenv("UB_FUZZ_SCENARIO_TEST_END_TIME");
  if (v == nullptr || *v == '\0') {
    return std::nullopt;
  }
  const auto t = sim::parse_time(v);
  if (!t || *t <= Time{0}) {
    std::fprintf(stderr, "UB_FUZZ_SCENARIO_TEST_END_TIME: not a positive time: %s\n", v);
    std::abort();
  }
  return *t;
}

std::string toml_of(const sim::Scenario& sc) {
  auto text = sim::scenario_to_toml(sc);
  if (!text) {
    std::fprintf(stderr, "scenario: cannot be written as TOML: %s\n",
                 sim::to_string(text.error()).c_str());
    std::abort();
  }
  return *text;
}

// The TOML reads back to the same scenario (what `ubmodel sim FILE` would run).
void check_round_trip(const sim::Scenario& sc, const std::string& text) {
  auto back = sim::parse_scenario(text, "scenario.toml");
  if (!back) {
    std::fprintf(stderr, "scenario: the TOML written does not read back: %s\n%s",
                 sim::to_string(back.error()).c_str(), text.c_str());
    std::abort();
  }
  back->file.clear();
  for (sim::FaultEvent& f : back->faults) {
    f.line = 0;
  }
  for (sim::CustomLink& l : back->topology.links) {
    l.line = 0;
  }
  if (!(*back == sc)) {
    std::fprintf(stderr, "scenario: the TOML written reads back to another scenario:\n%s",
                 text.c_str());
    std::abort();
  }
}

[[noreturn]] void report_failure(const sim::Scenario& failing, const fuzz::Verdict& first) {
  std::fprintf(stderr, "scenario: %s\n", first.failure.c_str());
  const sim::Scenario small = fuzz::reduce(failing);
  const fuzz::Verdict v = fuzz::judge(small);
  const sim::Scenario& out = v.failed() ? small : failing;
  const fuzz::Verdict& why = v.failed() ? v : first;
  const char* env = std::getenv("UB_FUZZ_SCENARIO_OUT");
  const std::string path = env != nullptr && *env != '\0' ? env : "scenario-failure.toml";
  std::ofstream f(path, std::ios::binary);
  f << "# A failing scenario found by fuzz/scenario (replay: ubmodel sim " << path << ").\n"
    << "# Failure: " << why.failure << "\n"
    << "# Run: stop " << sim::to_string(why.stop) << ", " << why.events << " events, fingerprint "
    << fmt::format("{:016x}", why.fingerprint) << "\n"
    << toml_of(out);
  f.close();
  std::fprintf(stderr, "scenario: %s (%zu faults, %zu flows) written to %s\n",
               f ? "the failing scenario" : "could not write the failing scenario",
               out.faults.size(), out.traffic.patterns.size(), path.c_str());
  std::abort();
}

} // namespace

// libFuzzer's entropic scheduling keeps, per input, the frequencies of its rare features; a run
// of the whole fabric hits tens of thousands of features, and that bookkeeping took two thirds of
// the time (7 execs/s against 20 without it, measured on the seed corpus). Off by default here,
// as the first flag, so that one given on the command line still wins.
extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  static std::vector<char*> args;
  static char no_entropic[] = "-entropic=0";
  args.assign(*argv, *argv + *argc);
  args.insert(args.begin() + (args.empty() ? 0 : 1), no_entropic);
  args.push_back(nullptr);
  *argc = static_cast<int>(args.size() - 1);
  *argv = args.data();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::optional<Time> end_time = test_end_time();
  sim::Scenario sc = fuzz::scenario_from_bytes(data, size);
  if (end_time) {
    sc.run.end_time = *end_time;
  }
  check_round_trip(sc, toml_of(sc));
  const fuzz::Verdict v = fuzz::judge(sc);
  static const bool trace = std::getenv("UB_FUZZ_SCENARIO_TRACE") != nullptr;
  if (trace) {
    std::fprintf(
        stderr,
        "scenario: %zu flows, %zu faults: stop %s%s, %llu events, fingerprint %016llx%s%s\n",
        sc.traffic.patterns.size(), sc.faults.size(), std::string(sim::to_string(v.stop)).c_str(),
        v.cut_by_budget ? " (the budget, flows still progressing)" : "",
        static_cast<unsigned long long>(v.events), static_cast<unsigned long long>(v.fingerprint),
        v.failure.empty() ? "" : ": ", v.failure.c_str());
  }
  if (!v.built) {
    // The input format makes only scenarios the simulator takes: a refusal is a bug here or in
    // the simulator's checks.
    std::fprintf(stderr, "scenario: refused: %s\n%s", v.error.c_str(), toml_of(sc).c_str());
    std::abort();
  }
  if (v.failed()) {
    report_failure(sc, v);
  }
  return 0;
}

// The scenario fuzz target's input and verdict (fuzz/scenario_input.hpp): every seed decodes to
// a scenario the simulator takes and passes; its TOML (scenario_to_toml), written to a file and
// run the way `ubmodel sim FILE` runs it, gives the same fingerprint; the liveness rule and the
// reduction of a failing scenario.
#include <filesystem>
#include <fstream>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "fuzz/scenario_input.hpp"
#include "sim/fabric/sim_setup.hpp"
#include "sim/scenario/scenario_to_toml.hpp"
#include "source_dir.hpp"

using namespace ub;
using namespace ub::sim;

namespace {

std::vector<std::uint8_t> read_bytes(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), {}};
}

std::vector<std::filesystem::path> seeds() {
  std::vector<std::filesystem::path> out;
  for (const auto& e : std::filesystem::directory_iterator(ub::test::source_dir() / "fuzz" /
                                                           "corpus" / "scenario")) {
    out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// What `ubmodel sim FILE` runs for the text: the fingerprint and whether it completed.
std::pair<std::uint64_t, SimStop> run_file(const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("ub-scenario-input-test-" + std::to_string(::getpid()) + ".toml");
  {
    std::ofstream f(path, std::ios::binary);
    f << text;
  }
  auto in = prepare(path, {});
  std::filesystem::remove(path);
  INFO((in ? std::string{} : to_string(in.error())));
  REQUIRE(in);
  auto fabric = FabricSim::make(in->scenario, in->topology, in->flows);
  REQUIRE(fabric);
  const SimResult r = (*fabric)->run();
  return {r.fingerprint, r.stop};
}

} // namespace

TEST_CASE("scenario fuzz input: every seed passes and its TOML replays to the same run",
          "[fuzz_scenario]") {
  const auto files = seeds();
  REQUIRE(files.size() >= 10);
  for (const auto& p : files) {
    INFO(p.filename().string());
    const auto bytes = read_bytes(p);
    const Scenario sc = fuzz::scenario_from_bytes(bytes.data(), bytes.size());
    const fuzz::Verdict v = fuzz::judge(sc);
    INFO(v.error);
    REQUIRE(v.built);
    CHECK(v.failure.empty());
    const auto text = scenario_to_toml(sc);
    REQUIRE(text);
    const auto [fp, stop] = run_file(*text);
    CHECK(fp == v.fingerprint);
    CHECK(stop == v.stop);
  }
}

TEST_CASE("scenario fuzz input: the header picks the fabric, the transport and its rules",
          "[fuzz_scenario]") {
  // h0: shape 2 (two switches, two links between them), 5 controllers, CTP.
  const std::uint8_t two[] = {2 | 3 << 3 | 1 << 6, 0, 0, 0, 6, 0, 0, 0x21, 3, 0};
  const Scenario a = fuzz::scenario_from_bytes(two, sizeof two);
  CHECK(a.topology.kind == TopologyKind::File);
  CHECK(a.topology.nodes.size() == 7);
  CHECK(a.topology.links.size() == 7); // 2 between the switches, 5 to the controllers
  CHECK(a.endpoint.transport == TransportKind::Ctp);
  CHECK(a.seed == 7);
  REQUIRE(a.traffic.patterns.size() == 1);
  CHECK(a.traffic.patterns[0].pairs[0] == std::pair<std::uint32_t, std::uint32_t>{1, 4});
  CHECK(a.faults.empty());
  // Mesh of 8 over UTP: every flow sends, within the MTU (256 B: h2 bits 4-5 = 2).
  const std::uint8_t mesh[] = {3 | 7 << 3 | 2 << 6,
                               0,
                               2 << 4 | 2 << 6,
                               0,
                               0,
                               1,
                               /* write, 4096 B ops */ 0,
                               0x08,
                               3,
                               0,
                               /* fetch_add */ 5,
                               0x10,
                               0,
                               0};
  const Scenario b = fuzz::scenario_from_bytes(mesh, sizeof mesh);
  CHECK(b.topology.kind == TopologyKind::FullMesh1d);
  CHECK(b.topology.full_mesh_1d.n == 8);
  REQUIRE(b.traffic.patterns.size() == 2);
  for (const PatternSpec& p : b.traffic.patterns) {
    CHECK(p.op == OpKind::Send);
    CHECK(p.op_bytes <= 256);
  }
  CHECK(fuzz::judge(b).failure.empty());
  // A flap is two events; a switch fault on a fabric without switches acts on a link.
  const std::uint8_t faults[] = {3,
                                 0,
                                 0,
                                 0,
                                 0,
                                 0,
                                 0,
                                 0x08,
                                 3,
                                 0,
                                 /* link flap */ 6 | 1 << 3,
                                 0x21,
                                 0,
                                 /* switch down -> link down */ 4,
                                 0,
                                 0};
  const Scenario c = fuzz::scenario_from_bytes(faults, sizeof faults);
  REQUIRE(c.faults.size() == 3);
  CHECK(c.faults[0].kind == FaultKind::LinkDown);
  CHECK(c.faults[1].kind == FaultKind::LinkUp);
  CHECK(c.faults[0].at == Time{500'000});
  CHECK(c.faults[1].at - c.faults[0].at == Time{1'000'000}); // up 1 us later
  CHECK(c.faults[2].kind == FaultKind::LinkDown);
  CHECK(c.faults[2].link_id == 0U);
}

TEST_CASE("scenario fuzz input: links up at the end, healed and lossy schedules",
          "[fuzz_scenario]") {
  // Two switches, one link between them (link 0), controllers 0, 1 on s0 and 2, 3 on s1.
  const std::uint8_t in[] = {1 | 2 << 3, 0, 0, 0, 0, 0, 0, 0x10, 3, 0};
  Scenario sc = fuzz::scenario_from_bytes(in, sizeof in);
  auto prepared = prepare(sc);
  REQUIRE(prepared);
  const Topology& t = prepared->topology;
  CHECK(fuzz::healed_at_end(sc, t));
  FaultEvent down;
  down.kind = FaultKind::LinkDown;
  down.link_id = 0;
  down.at = Time{5};
  FaultEvent up = down;
  up.kind = FaultKind::LinkUp;
  up.at = Time{1}; // listed after, but earlier: the link ends down
  sc.faults = {down, up};
  auto ends = fuzz::links_up_at_end(sc, t);
  CHECK_FALSE(ends[0]);
  CHECK(ends[1]);
  CHECK_FALSE(fuzz::healed_at_end(sc, t));
  CHECK(fuzz::lossy(sc));
  FaultEvent sw;
  sw.kind = FaultKind::SwitchUp;
  sw.node = "s1";
  sw.at = Time{9};
  sc.faults.push_back(sw); // every link of s1 comes up, link 0 with them
  ends = fuzz::links_up_at_end(sc, t);
  CHECK(ends[0]);
  CHECK(fuzz::healed_at_end(sc, t));
  sc.faults = {};
  CHECK_FALSE(fuzz::lossy(sc));
  FaultEvent ber;
  ber.kind = FaultKind::Ber;
  ber.link_id = 0;
  ber.value = 1e-6;
  sc.faults = {ber};
  CHECK_FALSE(fuzz::lossy(sc)); // link retry resends
  CHECK(fuzz::healed_at_end(sc, t));
  sc.link.retry = false;
  CHECK(fuzz::lossy(sc));
  CHECK_FALSE(fuzz::healed_at_end(sc, t));
  FaultEvent clear = ber;
  clear.value = 0;
  clear.at = Time{1};
  sc.faults.push_back(clear);
  CHECK(fuzz::healed_at_end(sc, t));
}

TEST_CASE("scenario fuzz input: a failing scenario is reduced to what still fails",
          "[fuzz_scenario]") {
  const auto bytes =
      read_bytes(ub::test::source_dir() / "fuzz" / "corpus" / "scenario" / "default-mesh");
  Scenario sc = fuzz::scenario_from_bytes(bytes.data(), bytes.size());
  REQUIRE(sc.traffic.patterns.size() == 5);
  REQUIRE(sc.faults.size() == 2);
  CHECK(fuzz::judge(sc).failure.empty());
  sc.run.end_time = Time{100'000}; // 100 ns: no flow can finish
  const fuzz::Verdict v = fuzz::judge(sc);
  CHECK(v.failed());
  CHECK(v.failure.find("did not complete") != std::string::npos);
  const Scenario small = fuzz::reduce(sc);
  CHECK(small.faults.empty());
  REQUIRE(small.traffic.patterns.size() == 1);
  CHECK(fuzz::judge(small).failed());
  for (const PatternSpec& p : small.traffic.patterns) {
    CHECK(p.after.empty()); // names of dropped flows are gone
  }
}

TEST_CASE("scenario fuzz input: a run its budget cuts while flows still progress is not a failure",
          "[fuzz_scenario]") {
  // Found by a ten-minute campaign (chain-longer-than-budget, fuzz/regressions/README.md): six
  // flows in sequence of 512 loads or reads of 8 bytes, one at a time, 6.62 us each: 20.3 ms,
  // past the harness's 20 ms. The run was judged a flow that did not complete.
  const std::uint8_t in[] = {0x09, 0x36, 0x2b, 0x2b, 0x2b, 0xff, 0x01, 0x2b, 0x2b,
                             0x2b, 0x2b, 0x2b, 0x2b, 0xff, 0x2b, 0x2b, 0x2b, 0xff};
  Scenario sc = fuzz::scenario_from_bytes(in, sizeof in);
  // The input format now caps a flow at kMaxOpsPerFlow operations, so these bytes give the
  // three long flows 64 each and the run ends well inside the budget; the run found had 512
  // (4 KiB of 8-byte operations) in each, put back here.
  std::size_t capped = 0;
  for (PatternSpec& p : sc.traffic.patterns) {
    if (p.op_bytes == 8 && p.bytes == fuzz::kMaxOpsPerFlow * 8) {
      p.bytes = 4096;
      ++capped;
    }
  }
  REQUIRE(capped == 3);
  const fuzz::Verdict as_decoded = fuzz::judge(fuzz::scenario_from_bytes(in, sizeof in));
  CHECK_FALSE(as_decoded.failed());
  CHECK(as_decoded.stop == SimStop::Completed);
  const fuzz::Verdict v = fuzz::judge(sc);
  INFO(v.failure);
  CHECK_FALSE(v.failed());
  CHECK(v.cut_by_budget);
  CHECK(v.stop == SimStop::EndTime);
  // With a budget of its own the same run is judged as it is: the last flow did not complete.
  sc.run.end_time = fuzz::kEndTime - Time{1};
  const fuzz::Verdict own = fuzz::judge(sc);
  CHECK(own.failed());
  CHECK_FALSE(own.cut_by_budget);
  CHECK(own.failure.find("did not complete") != std::string::npos);
}

TEST_CASE("scenario fuzz input: a flow that stopped moving before the budget is still a failure",
          "[fuzz_scenario]") {
  Scenario sc;
  sc.run.end_time = fuzz::kEndTime;
  sc.run.max_events = fuzz::kMaxEvents;
  SimResult r;
  r.stop = SimStop::EndTime;
  r.sim_time = fuzz::kEndTime;
  FlowResult moving;
  moving.started = true;
  moving.ops = 10;
  moving.ops_done = 9;
  moving.last_op = fuzz::kEndTime - Time{1'000'000}; // 1 us before the end
  FlowResult waiting;                                // not started: waits for `moving`
  waiting.ops = 10;
  r.flows = {moving, waiting};
  CHECK(fuzz::cut_while_progressing(sc, r));
  r.stop = SimStop::MaxEvents;
  CHECK(fuzz::cut_while_progressing(sc, r));
  FlowResult stuck = moving;
  stuck.last_op = Time{1'000'000'000}; // its last op at 1 ms of the 20
  r.flows.push_back(stuck);
  CHECK_FALSE(fuzz::cut_while_progressing(sc, r));
  r.flows = {waiting}; // nothing moves at all
  CHECK_FALSE(fuzz::cut_while_progressing(sc, r));
  r.flows = {moving};
  r.stop = SimStop::Deadlock;
  CHECK_FALSE(fuzz::cut_while_progressing(sc, r));
  r.stop = SimStop::EndTime;
  sc.run.end_time = Time{1'000'000}; // a budget of the scenario's own
  CHECK_FALSE(fuzz::cut_while_progressing(sc, r));
}

// The scenarios shipped in scenarios/ and the built-in default: each file loads, builds its
// fabric, and names only endpoints that fabric has; the built-in text is scenarios/default.toml;
// the benchmark files say what issue 6 asks of them, and the fabric simulator runs them.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <tuple>

#include "scenario_test_util.hpp"
#include "sim/fabric/fabric_sim.hpp"
#include "sim/fabric/sim_setup.hpp"
#include "sim/scenario/build_topology.hpp"
#include "sim/scenario/default_scenario.hpp"
#include "source_dir.hpp"

using namespace ub;
using namespace ub::literals;
using namespace ub::sim;

namespace {

std::filesystem::path scenarios_dir() {
  return ub::test::source_dir() / "scenarios";
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

Scenario load_ok(const std::filesystem::path& p) {
  auto s = load_scenario(p);
  INFO((s ? std::string{} : to_string(s.error())));
  REQUIRE(s);
  return std::move(*s);
}

} // namespace

TEST_CASE("scenarios: the built-in scenario is scenarios/default.toml", "[scenario]") {
  CHECK(read_file(scenarios_dir() / "default.toml") == default_scenario_toml());
  auto s = parse_scenario(default_scenario_toml(), "(built-in)");
  INFO((s ? std::string{} : to_string(s.error())));
  REQUIRE(s);
  CHECK(s->name == "default");
  CHECK(s->topology.kind == TopologyKind::FullMesh2d);
  CHECK(s->topology.full_mesh_2d.x == 8);
  CHECK(s->topology.full_mesh_2d.y == 8);
  REQUIRE(s->traffic.patterns.size() == 3);
  CHECK(s->traffic.patterns[0].kind == PatternKind::RingAllReduce);
  CHECK(s->traffic.patterns[1].kind == PatternKind::LoadStore);
  CHECK(s->traffic.patterns[1].window == 16);
  CHECK(s->traffic.patterns[1].endpoints.size() == 8);
  CHECK(s->traffic.patterns[2].kind == PatternKind::Uniform);
  CHECK(s->traffic.patterns[2].op == OpKind::Write);
  REQUIRE(s->faults.size() == 2);
  CHECK(s->faults[0].kind == FaultKind::LinkDown);
  CHECK(s->faults[1].kind == FaultKind::LinkUp);
  CHECK(s->faults[0].at < s->faults[1].at);
  auto t = build_topology(*s);
  REQUIRE(t);
  CHECK(t->count(NodeKind::Endpoint) == 64);
}

TEST_CASE("scenarios: every shipped scenario loads and builds its fabric", "[scenario]") {
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::recursive_directory_iterator(scenarios_dir())) {
    if (e.is_regular_file() && e.path().extension() == ".toml") {
      files.push_back(e.path());
    }
  }
  std::sort(files.begin(), files.end());
  CHECK(files.size() >= 7);
  for (const auto& f : files) {
    INFO(f.string());
    const Scenario s = load_ok(f);
    CHECK(s.name == f.stem().string()); // the output folder is named after the file
    auto t = build_topology(s);
    INFO((t ? std::string{} : to_string(t.error())));
    REQUIRE(t);
    // Every endpoint a pattern names exists (make_traffic checks this again, without lines).
    const std::size_t n = t->count(NodeKind::Endpoint);
    for (const auto& p : s.traffic.patterns) {
      INFO(p.name);
      for (const auto e : p.endpoints) {
        CHECK(e < n);
      }
      for (const auto& [a, b] : p.pairs) {
        CHECK(a < n);
        CHECK(b < n);
      }
      CHECK(p.target < n);
      if (p.kind == PatternKind::MoeDispatch || p.kind == PatternKind::MoeCombine) {
        CHECK(p.experts < n);
      }
    }
  }
}

TEST_CASE("scenarios: the benchmark files are the issue's cases", "[scenario]") {
  const auto dir = scenarios_dir() / "bench";
  for (const auto& [file, k, pattern] :
       std::to_array<std::tuple<const char*, std::uint32_t, PatternKind>>(
           {{"fattree4-a2a.toml", 4, PatternKind::AllToAll},
            {"fattree8-perm.toml", 8, PatternKind::Permutation}})) {
    INFO(file);
    const Scenario s = load_ok(dir / file);
    CHECK(s.topology.kind == TopologyKind::FatTree);
    CHECK(s.topology.fat_tree.k == k);
    CHECK(s.topology.fat_tree.link.rate.bps == 100'000'000'000ULL);
    CHECK(s.topology.fat_tree.link.latency == 1_us);
    // "1,000 B packets": one 1,000 B Write per packet under a power-of-two MTU (RTP's rule).
    CHECK(s.endpoint.mtu == 1024);
    REQUIRE(s.traffic.patterns.size() == 1);
    const auto& p = s.traffic.patterns[0];
    CHECK(p.kind == pattern);
    CHECK(p.op == OpKind::Write);
    CHECK(p.bytes == 1'000'000);
    CHECK(p.op_bytes == 1000);
    CHECK(p.endpoints.empty());
    auto t = build_topology(s);
    REQUIRE(t);
    CHECK(t->count(NodeKind::Endpoint) == std::size_t{k} * k * k / 4);
  }
}

TEST_CASE("scenarios: the 1,024- and 8,192-endpoint benchmark fabrics", "[scenario]") {
  const auto dir = scenarios_dir() / "bench";
  for (const auto& [file, pods, npus] :
       std::to_array<std::tuple<const char*, std::uint32_t, std::uint32_t>>(
           {{"ub-mesh-1024.toml", 1, 1024}, {"superpod-8192.toml", 8, 8192}})) {
    INFO(file);
    const Scenario s = load_ok(dir / file);
    CHECK(s.topology.kind == TopologyKind::UbMesh);
    CHECK(s.topology.ub_mesh.pods == pods);
    // The credit loops of the full mesh need the two-VL scheme.
    CHECK(s.link.vls == 2);
    CHECK(s.switches.vl_cycle_break == 1);
    REQUIRE(s.traffic.patterns.size() == 1);
    const auto& p = s.traffic.patterns[0];
    CHECK(p.kind == PatternKind::Permutation);
    CHECK(p.op == OpKind::Write);
    REQUIRE(p.endpoints.size() == npus); // the NPUs, not the spares
    CHECK(p.endpoints.front() == 0);
    CHECK(p.endpoints.back() == npus - 1);
    auto t = build_topology(s);
    REQUIRE(t);
    CHECK(t->count(NodeKind::Endpoint) == npus + npus / 64); // one spare per rack of 64
  }
}

// A shortened run of each benchmark case that fits a unit test (the fabrics of the benchmark,
// one or two operations per flow): the simulator accepts the file (RTP refused the MTU of 1000
// the fat-tree files once had) and every flow completes with the oracle clean.
TEST_CASE("scenarios: the benchmark scenarios run in the fabric simulator", "[scenario]") {
  const auto dir = scenarios_dir() / "bench";
  for (const auto& [file, bytes] :
       std::to_array<std::pair<const char*, const char*>>({{"fattree4-a2a.toml", "2000"},
                                                           {"fattree8-perm.toml", "2000"},
                                                           {"ub-mesh-1024.toml", "4KiB"}})) {
    INFO(file);
    const std::vector<std::string> shorter{std::string("traffic[0].bytes=") + bytes};
    auto in = prepare(dir / file, shorter);
    INFO((in ? std::string{} : to_string(in.error())));
    REQUIRE(in);
    auto sim = FabricSim::make(in->scenario, in->topology, in->flows);
    INFO((sim ? std::string{} : to_string(sim.error())));
    REQUIRE(sim);
    const SimResult r = (*sim)->run();
    CHECK(r.stop == SimStop::Completed);
    CHECK(r.oracle_violations == 0);
    CHECK(r.endpoints == in->topology.count(NodeKind::Endpoint));
    std::uint64_t done = 0;
    for (const FlowResult& f : r.flows) {
      done += f.done ? 1 : 0;
    }
    CHECK(done == in->flows.size());
    CHECK(r.net.packet_hops > r.net.injected); // every path has more than one hop
  }
}

TEST_CASE("scenarios: the deadlock example is a 4-switch ring with one VL", "[scenario]") {
  const Scenario s = load_ok(scenarios_dir() / "examples" / "custom-ring-deadlock.toml");
  CHECK(s.link.vls == 1);
  CHECK(s.switches.vl_cycle_break == 0);
  auto t = build_topology(s);
  REQUIRE(t);
  CHECK(t->count(NodeKind::Switch) == 4);
  CHECK(t->count(NodeKind::Endpoint) == 4);
  for (NodeId sw = 0; sw < 4; ++sw) {
    CHECK(t->node(sw).port_count == 3); // two ring neighbours and its endpoint
  }
  // The two-VL scheme, as the file's comment gives it on the command line.
  auto fixed = load_scenario(scenarios_dir() / "examples" / "custom-ring-deadlock.toml",
                             std::vector<std::string>{"link.vls=2", "switch.vl_cycle_break=1"});
  REQUIRE(fixed);
  CHECK(fixed->link.vls == 2);
  CHECK(fixed->switches.vl_cycle_break == 1);
}

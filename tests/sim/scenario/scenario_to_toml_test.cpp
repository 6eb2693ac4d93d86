// scenario_to_toml: a Scenario written as TOML reads back (parse_scenario) to the same Scenario,
// for every shipped scenario and for hand-made ones that set every key the schema has; what a
// file cannot say is refused by name.
#include <filesystem>

#include "scenario_test_util.hpp"
#include "sim/scenario/scenario_to_toml.hpp"
#include "source_dir.hpp"

using namespace ub;
using namespace ub::sim;

namespace {

// What the round trip does not keep: where the text came from.
Scenario without_sources(Scenario s) {
  s.file.clear();
  for (FaultEvent& f : s.faults) {
    f.line = 0;
  }
  for (CustomLink& l : s.topology.links) {
    l.line = 0;
  }
  return s;
}

std::string to_toml_ok(const Scenario& s) {
  auto t = scenario_to_toml(s);
  INFO((t ? std::string{} : to_string(t.error())));
  REQUIRE(t);
  return *t;
}

// Writes, reads back, and requires the same scenario.
void require_round_trip(const Scenario& s) {
  const std::string text = to_toml_ok(s);
  INFO(text);
  const Scenario back = sim::test::parse_ok(text);
  CHECK(without_sources(back) == without_sources(s));
  // And the text is a fixed point.
  CHECK(to_toml_ok(back) == text);
}

LinkSpec link(std::uint16_t lanes, std::uint64_t gbps, std::int64_t ns) {
  return LinkSpec{lanes, BitRate{gbps * 1'000'000'000ULL}, Time{ns * 1000}};
}

// Every key of the schema away from its default (the kind in use is custom, the other kinds'
// parameters are set too: they are written and read back as well).
Scenario everything() {
  Scenario s;
  s.name = "every-key_1.0";
  s.seed = 0x7FFF'FFFF'FFFF'FFFFULL;
  s.run.end_time = Time{1'500'000};
  s.run.max_events = 12345;
  s.run.series_interval = Time{7'000};
  s.run.oracle = false;
  s.topology.kind = TopologyKind::File;
  s.topology.link = link(2, 25, 40);
  s.topology.fat_tree.k = 6;
  s.topology.fat_tree.link = link(1, 50, 1);
  s.topology.full_mesh_1d = {5, 2, link(2, 25, 40)};
  s.topology.full_mesh_2d.x = 3;
  s.topology.full_mesh_2d.link.latency = Time{1};
  s.topology.ub_mesh.board_npus = 4;
  s.topology.ub_mesh.spare_npu = false;
  s.topology.ub_mesh.lrs_hrs_link = link(8, 800, 250);
  s.topology.ub_mesh.rack_link.lanes = 3;
  s.topology.clos.nodes = 2;
  s.topology.clos.l1_l2_links = 3;
  s.topology.ring.n = 5;
  s.topology.torus = {3, 4, link(4, 400, 10)};
  s.topology.nodes = {{"sw \"0\"", true, true}, {"a\\b", false, true}, {"c\td", false, false}};
  s.topology.links = {{"sw \"0\"", "a\\b", std::nullopt, 0},
                      {"c\td", "sw \"0\"", link(1, 100, 3), 0}};
  s.link.ber = 1.25e-7;
  s.link.fec = false;
  s.link.retry = false;
  s.link.retry_delay = Time{333'000};
  s.link.vls = 4;
  s.link.vl_buffer_bytes = 12'345;
  s.link.cell_bytes = 64;
  s.switches.forwarding_latency = Time{0};
  s.switches.rt = 0b01;
  s.switches.selector = Selector::Pinned;
  s.switches.arbitration = Arbitration::Dwrr;
  s.switches.dwrr_weights[0] = 5;
  s.switches.dwrr_weights[2] = 7;
  s.switches.ecn_threshold_bytes = 1000;
  s.switches.caqm = true;
  s.switches.vl_cycle_break = 1;
  s.endpoint.model = EndpointModel::Packet;
  s.endpoint.transport = TransportKind::Utp;
  s.endpoint.retx = RetxChoice::SelectiveRto;
  s.endpoint.mtu = 1024;
  s.endpoint.processing = Time{1};
  s.endpoint.max_outstanding = 3;
  s.endpoint.congestion_control = true;

  PatternSpec u;
  u.name = "u \"quoted\"";
  u.kind = PatternKind::Uniform;
  u.op = OpKind::Read;
  u.endpoints = {2, 0, 1};
  u.size = SizeDist::Uniform;
  u.min_bytes = 10;
  u.max_bytes = 1'000'000;
  u.op_bytes = 333;
  u.count = 3;
  u.start = Time{5'000'000};
  u.interarrival = Time{1'500'000};
  u.rate_bps = 1'500'000'000;
  u.window = 2;
  u.priority = 15;
  u.repeat = 4;
  PatternSpec c;
  c.name = "traffic1"; // the default name of the second pattern: not written
  c.kind = PatternKind::Incast;
  c.op = OpKind::FetchAdd; // op_bytes default 8
  c.size = SizeDist::Cdf;
  c.cdf = {{100, 0.25}, {1000, 0.5}, {1 << 20, 1.0}};
  c.fan_in = 2;
  c.target = 1;
  c.after = {"u \"quoted\""};
  PatternSpec m;
  m.name = "moe";
  m.kind = PatternKind::MoeDispatch;
  m.op = OpKind::Send;
  m.size = SizeDist::Exponential;
  m.bytes = 777;
  m.experts = 2;
  m.top_k = 1;
  m.after = {"traffic1", "u \"quoted\""};
  PatternSpec ls;
  ls.name = "ls";
  ls.kind = PatternKind::LoadStore;
  ls.op = OpKind::Store;
  ls.op_bytes = 4096; // the PatternSpec default, not the reader's default for a store
  PatternSpec e;
  e.name = "ex";
  e.kind = PatternKind::Explicit;
  e.op = OpKind::Load; // op_bytes default 64
  e.pairs = {{0, 2}, {2, 1}};
  e.bytes = 1;
  s.traffic.patterns = {u, c, m, ls, e};

  FaultEvent f1;
  f1.at = Time{10'000'000};
  f1.kind = FaultKind::LinkDown;
  f1.a = "a\\b";
  f1.b = "sw \"0\"";
  FaultEvent f2;
  f2.at = Time{20'000'000};
  f2.kind = FaultKind::LinkUp;
  f2.link_id = 1;
  FaultEvent f3;
  f3.kind = FaultKind::Ber;
  f3.link_id = 0;
  f3.value = 3.0e-9;
  FaultEvent f4;
  f4.kind = FaultKind::Lanes;
  f4.link_id = 0;
  f4.value = 2;
  FaultEvent f5;
  f5.at = Time{1};
  f5.kind = FaultKind::SwitchDown;
  f5.node = "sw \"0\"";
  FaultEvent f6 = f5;
  f6.kind = FaultKind::SwitchUp;
  s.faults = {f1, f2, f3, f4, f5, f6};
  return s;
}

} // namespace

TEST_CASE("scenario_to_toml: the default scenario writes almost nothing and reads back",
          "[scenario][to_toml]") {
  const std::string text = to_toml_ok(Scenario{});
  CHECK(text == "[topology]\n");
  require_round_trip(Scenario{});
}

TEST_CASE("scenario_to_toml: every key of the schema round-trips", "[scenario][to_toml]") {
  require_round_trip(everything());
  // Each section on its own, over defaults elsewhere.
  const Scenario all = everything();
  Scenario only_traffic;
  only_traffic.traffic = all.traffic;
  require_round_trip(only_traffic);
  Scenario only_switch;
  only_switch.switches = all.switches;
  only_switch.link.vls = 2;
  require_round_trip(only_switch);
  Scenario only_topology;
  only_topology.topology = all.topology;
  require_round_trip(only_topology);
}

TEST_CASE("scenario_to_toml: link_given is written into the parameters of the kind in use",
          "[scenario][to_toml]") {
  Scenario s;
  s.topology.kind = TopologyKind::Ring;
  s.topology.link = link(1, 10, 7);
  s.topology.link_given = true;
  const Scenario back = sim::test::parse_ok(to_toml_ok(s));
  CHECK_FALSE(back.topology.link_given);
  CHECK(back.topology.ring.link == s.topology.link);
  // The other kinds' links take [topology.link] too; those do not build this fabric.
  CHECK(back.topology.link == s.topology.link);
}

TEST_CASE("scenario_to_toml: every shipped scenario round-trips", "[scenario][to_toml]") {
  const auto dir = ub::test::source_dir() / "scenarios";
  std::size_t n = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (e.path().extension() != ".toml") {
      continue;
    }
    INFO(e.path().string());
    auto s = load_scenario(e.path());
    INFO((s ? std::string{} : to_string(s.error())));
    REQUIRE(s);
    require_round_trip(*s);
    ++n;
  }
  CHECK(n >= 9); // default, four bench and four example scenarios
}

TEST_CASE("scenario_to_toml: what a scenario file cannot say is refused by name",
          "[scenario][to_toml]") {
  const auto key_of = [](const Scenario& s) {
    auto t = scenario_to_toml(s);
    REQUIRE_FALSE(t);
    return t.error().key;
  };
  Scenario s;
  s.link.credits = false;
  CHECK(key_of(s) == "link.credits");
  s = {};
  s.routes.push_back(RouteEntry{});
  CHECK(key_of(s) == "routes");
  s = {};
  s.node_overrides.push_back(NodeOverride{});
  CHECK(key_of(s) == "node_overrides");
  s = {};
  s.port_overrides.push_back(PortOverride{});
  CHECK(key_of(s) == "port_overrides");
  s = {};
  s.run.stall_timeout = Time{5};
  CHECK(key_of(s) == "run.stall_timeout");
  s = {};
  s.seed = ~std::uint64_t{0};
  CHECK(key_of(s) == "seed");
  s = {};
  s.switches.rt = 4;
  CHECK(key_of(s) == "switch.rt");
  s = {};
  FaultEvent f;
  f.kind = FaultKind::Lanes;
  f.link_id = 0;
  f.value = 1.5;
  s.faults.push_back(f);
  CHECK(key_of(s) == "fault[0].value");
}

TEST_CASE("scenario_to_toml: strings are quoted and escaped as TOML basic strings",
          "[scenario][to_toml]") {
  CHECK(toml_quote("plain") == "\"plain\"");
  CHECK(toml_quote("a\"b\\c") == "\"a\\\"b\\\\c\"");
  CHECK(toml_quote(std::string("x\ny\x01z\x7F", 6)) == "\"x\\ny\\u0001z\\u007F\"");
  CHECK(toml_quote("\xC3\xA9") == "\"\xC3\xA9\""); // UTF-8 passes through
}

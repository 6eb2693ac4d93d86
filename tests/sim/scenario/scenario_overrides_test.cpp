// `--set key=value` overrides (sim/scenario/scenario_overrides) through parse_scenario: values
// set, tables created, arrays appended and elements replaced, bare strings, later overrides
// winning; malformed overrides and bad values reported with file "--set" and the key; and
// load_scenario on a real file.
#include <filesystem>
#include <fstream>

#include "scenario_test_util.hpp"

using namespace ub;
using namespace ub::literals;
using namespace ub::sim;
using ub::sim::test::parse_error;
using ub::sim::test::parse_ok;

namespace {

constexpr std::string_view kBase = R"(
seed = 3
[run]
end_time = "1ms"
[switch]
dwrr_weights = [1, 1, 1, 1]
[[traffic]]
name = "a"
bytes = "64KiB"
)";

} // namespace

TEST_CASE("scenario overrides: set, create, append and replace", "[scenario]") {
  const Scenario s = parse_ok(kBase, {
                                         "seed=7",
                                         "switch.forwarding_latency=200ns",
                                         "traffic[0].bytes=1MB",
                                         "topology.kind=fat_tree",
                                         "topology.fat_tree.k=8",
                                         "traffic[1].pattern=incast",
                                         " traffic[1].fan_in = 3 ",
                                         "switch.dwrr_weights[3]=5",
                                         "switch.dwrr_weights[4]=9",
                                         "topology.link.rate=100 Gbit/s",
                                         "traffic[0].endpoints=[0, 2]",
                                         "run.oracle=false",
                                         "link.ber=1e-12",
                                         "name=\"run-2\"",
                                         "seed=9",
                                     });
  CHECK(s.seed == 9); // the later override wins
  CHECK(s.name == "run-2");
  CHECK(s.run.end_time == 1_ms); // untouched
  CHECK_FALSE(s.run.oracle);
  CHECK(s.link.ber == 1e-12);
  CHECK(s.switches.forwarding_latency == 200_ns);
  CHECK(s.switches.dwrr_weights[2] == 1);
  CHECK(s.switches.dwrr_weights[3] == 5);
  CHECK(s.switches.dwrr_weights[4] == 9);
  CHECK(s.topology.kind == TopologyKind::FatTree);
  CHECK(s.topology.fat_tree.k == 8);
  CHECK(s.topology.fat_tree.link.rate.bps == 100'000'000'000ULL);
  REQUIRE(s.traffic.patterns.size() == 2);
  CHECK(s.traffic.patterns[0].bytes == 1'000'000);
  CHECK(s.traffic.patterns[0].endpoints == std::vector<std::uint32_t>{0, 2});
  CHECK(s.traffic.patterns[1].name == "traffic1");
  CHECK(s.traffic.patterns[1].kind == PatternKind::Incast);
  CHECK(s.traffic.patterns[1].fan_in == 3);
}

TEST_CASE("scenario overrides: absent arrays, inline tables and quoted strings", "[scenario]") {
  const Scenario s = parse_ok("", {
                                      "traffic[0].pattern=permutation",
                                      "fault[0].at=5us",
                                      "fault[0].kind=link_down",
                                      "fault[0].link=3",
                                      "topology.link={lanes = 8, rate = \"200Gbps\"}",
                                      "endpoint.transport=\"utp\"",
                                  });
  REQUIRE(s.traffic.patterns.size() == 1);
  CHECK(s.traffic.patterns[0].kind == PatternKind::Permutation);
  REQUIRE(s.faults.size() == 1);
  CHECK(s.faults[0].at == 5_us);
  CHECK(s.faults[0].link_id == 3U);
  CHECK(s.faults[0].line == 0); // it came from --set
  CHECK(s.topology.full_mesh_2d.link.lanes == 8);
  CHECK(s.topology.full_mesh_2d.link.rate.bps == 200'000'000'000ULL);
  CHECK(s.endpoint.transport == TransportKind::Utp);
}

TEST_CASE("scenario overrides: malformed ones name --set and the key", "[scenario]") {
  struct Row {
    std::string_view set;
    std::string_view error;
  };
  for (const auto& row : std::to_array<Row>({
           {"seed", "--set: seed: expected key=value"},
           {"=5", "--set: =5: malformed key: a name (letters, digits, _ or -) is expected before "
                  "every '.', '[' and at the start"},
           {"run..end_time=1s", "--set: run..end_time: malformed key: a name (letters, digits, _ "
                                "or -) is expected before every '.', '[' and at the start"},
           {"traffic[x].bytes=1",
            "--set: traffic[x].bytes: malformed key: expected [index] with a number"},
           {"traffic[0]x=1", "--set: traffic[0]x: malformed key: unexpected 'x'"},
           {"traffic[2].bytes=1MB", "--set: traffic[2].bytes: index 2 is past the end of traffic "
                                    "(length 1; index 1 appends)"},
           {"seed.x=1", "--set: seed.x: seed is an integer, not a table"},
           {"run[0]=1", "--set: run[0]: run is a table, not an array"},
           {"switch.dwrr_weights[1][0]=1",
            "--set: switch.dwrr_weights[1][0]: switch.dwrr_weights[1] is an integer, not an "
            "array"},
       })) {
    INFO(row.set);
    CHECK(parse_error(kBase, {std::string{row.set}}) == row.error);
  }
}

TEST_CASE("scenario overrides: bad values are reported as --set", "[scenario]") {
  struct Row {
    std::string_view set;
    std::string_view error;
  };
  for (const auto& row : std::to_array<Row>({
           {"seed=abc", "--set: seed: expected an integer, got a string"},
           {"run.bogus=1", "--set: run.bogus: unknown key (known here: end_time, max_events, "
                           "series_interval, oracle)"},
           {"nosuch.k=1", "--set: nosuch: unknown key (known here: name, seed, run, topology, "
                          "link, switch, endpoint, traffic, fault)"},
           {"switch.forwarding_latency=5 parsecs",
            "--set: switch.forwarding_latency: unknown time unit \"parsecs\" in \"5 parsecs\" (ps, "
            "ns, us, ms, s)"},
           {"traffic[0].after=[\"zzz\"]",
            "--set: traffic[0].after[0]: no earlier pattern is named \"zzz\""},
           {"topology.custom.node[0].switch=true",
            "--set: topology.custom.node[0].name: required key missing"},
           {"run=5", "--set: run: expected a table, got an integer"},
           {"fault[0].kind=link_down", "--set: fault[0].at: required key missing"},
       })) {
    INFO(row.set);
    CHECK(parse_error(kBase, {std::string{row.set}}) == row.error);
  }
  // Text that is no TOML value and no string either.
  CHECK(parse_error(kBase, {"name=\xff"}).starts_with("--set: name: bad value: "));
  // The file's own errors keep its name and line when overrides are given.
  CHECK(parse_error("[run]\nend_time = 5", {"seed=2"}) ==
        "t.toml:2: run.end_time: a time needs a unit: write a string such as \"5ns\"");
}

TEST_CASE("scenario: load_scenario reads a file and names it in errors", "[scenario]") {
  const auto dir = std::filesystem::temp_directory_path() / "ub_scenario_test";
  std::filesystem::create_directories(dir);
  const auto good = dir / "good.toml";
  const auto bad = dir / "bad.toml";
  {
    std::ofstream(good) << "name = \"from-file\"\n[run]\nend_time = \"2ms\"\n";
    std::ofstream(bad) << "\n[link]\nvls = 0\n";
  }
  const std::vector<std::string> set{"seed=5"};
  auto s = load_scenario(good, set);
  REQUIRE(s);
  CHECK(s->name == "from-file");
  CHECK(s->file == good.string());
  CHECK(s->run.end_time == 2_ms);
  CHECK(s->seed == 5);
  auto e = load_scenario(bad);
  REQUIRE_FALSE(e);
  CHECK(to_string(e.error()) == bad.string() + ":3: link.vls: out of range 0 (1..16)");
  auto missing = load_scenario(dir / "missing.toml");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().file == (dir / "missing.toml").string());
  CHECK(missing.error().key == "scenario");
  CHECK(missing.error().reason.starts_with("cannot read: "));
  auto folder = load_scenario(dir);
  REQUIRE_FALSE(folder);
  CHECK(folder.error().reason.starts_with("cannot read: "));
  std::filesystem::remove_all(dir);
}

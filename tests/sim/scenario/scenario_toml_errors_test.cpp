// Every class of bad scenario file, each refused with its exact "file:line: key: reason":
// unknown keys and tables (with a suggestion), wrong types, out-of-range values, bad enumeration
// values, bad units, missing required keys, broken references, keys a pattern or fault kind does
// not use, and TOML syntax errors.
#include "scenario_test_util.hpp"

using namespace ub::sim;
using ub::sim::test::parse_error;

namespace {

struct Row {
  std::string_view text;
  std::string_view error;
};

void check_rows(std::span<const Row> rows) {
  for (const auto& row : rows) {
    INFO(row.text);
    CHECK(parse_error(row.text) == row.error);
  }
}

} // namespace

TEST_CASE("scenario errors: unknown keys and tables, with a suggestion", "[scenario]") {
  check_rows(std::to_array<Row>({
      {"sed = 1", "t.toml:1: sed: unknown key (did you mean \"seed\"?)"},
      {"[runn]\n", "t.toml:1: runn: unknown key (did you mean \"run\"?)"},
      {"zeta = 1\nalpha = 2", "t.toml:1: zeta: unknown key (known here: name, seed, run, "
                              "topology, link, switch, endpoint, traffic, fault)"},
      {"[faults]\n", "t.toml:1: faults: unknown key (did you mean \"fault\"?)"},
      {"[run]\nfoo = 1",
       "t.toml:2: run.foo: unknown key (known here: end_time, max_events, series_interval, "
       "oracle)"},
      {"[switch]\nforwarding_latncy = \"1ns\"",
       "t.toml:2: switch.forwarding_latncy: unknown key (did you mean \"forwarding_latency\"?)"},
      {"[topology.fat_tree]\nkk = 4",
       "t.toml:2: topology.fat_tree.kk: unknown key (did you mean \"k\"?)"},
      {"[topology.torus]\nz = 4",
       "t.toml:2: topology.torus.z: unknown key (known here: x, y, link)"},
      {"[[traffic]]\nbyte = 4", "t.toml:2: traffic[0].byte: unknown key (did you mean \"bytes\"?)"},
      {"[[fault]]\nwhen = 4",
       "t.toml:2: fault[0].when: unknown key (known here: at, kind, a, b, link, node, value)"},
      {"[[topology.node]]\nname = \"x\"",
       "t.toml:1: topology.node: custom topologies go in [[topology.custom.node]] and "
       "[[topology.custom.link]]"},
      {"[[topology.link]]\na = \"x\"",
       "t.toml:1: topology.link: custom links go in [[topology.custom.link]]; [topology.link] is "
       "a table, the lanes, rate and latency of every link"},
  }));
}

TEST_CASE("scenario errors: wrong types", "[scenario]") {
  check_rows(std::to_array<Row>({
      {"seed = \"x\"", "t.toml:1: seed: expected an integer, got a string"},
      {"name = 3", "t.toml:1: name: expected a string, got an integer"},
      {"run = 5", "t.toml:1: run: expected a table, got an integer"},
      {"[run]\noracle = 1", "t.toml:2: run.oracle: expected true or false, got an integer"},
      {"[link]\nber = \"x\"", "t.toml:2: link.ber: expected a number, got a string"},
      {"[endpoint]\nmtu = 1.5",
       "t.toml:2: endpoint.mtu: expected a size (bytes as an integer, or a string such as "
       "\"64KiB\"), got a float"},
      {"[run]\nend_time = 5",
       "t.toml:2: run.end_time: a time needs a unit: write a string such as \"5ns\""},
      {"[run]\nend_time = true",
       "t.toml:2: run.end_time: expected a time (a string such as \"20ns\"), got a boolean"},
      {"[topology.link]\nrate = 100",
       "t.toml:2: topology.link.rate: a rate needs a unit: write a string such as \"100Gbps\""},
      {"[switch]\nrt = 1.0",
       "t.toml:2: switch.rt: expected a name or the RT field 0..3, got a float"},
      {"[switch]\ndwrr_weights = 3", "t.toml:2: switch.dwrr_weights: expected an array, got an "
                                     "integer"},
      {"[traffic]\nbytes = 1",
       "t.toml:1: traffic: expected an array of tables ([[traffic]]), got a table"},
      {"traffic = [1]", "t.toml:1: traffic[0]: expected a table, got an integer"},
      {"[[traffic]]\nendpoints = 3",
       "t.toml:2: traffic[0].endpoints: expected \"all\", a range \"first..last\" or an array of "
       "endpoint indexes, got an integer"},
      {"[[traffic]]\ncdf = 3\nsize = \"cdf\"",
       "t.toml:2: traffic[0].cdf: expected an array, got an integer"},
  }));
}

TEST_CASE("scenario errors: out of range values and bad units", "[scenario]") {
  check_rows(std::to_array<Row>({
      {"seed = -1", "t.toml:1: seed: out of range -1 (0..9223372036854775807)"},
      {"[link]\nvls = 17", "t.toml:2: link.vls: out of range 17 (1..16)"},
      {"[link]\nber = 1.0", "t.toml:2: link.ber: out of range 1 (0 <= value < 1)"},
      {"[link]\nvl_buffer_bytes = 16",
       "t.toml:2: link.vl_buffer_bytes: a VL buffer of 16 B holds no credit cell of 32 B"},
      {"[endpoint]\nmtu = 0", "t.toml:2: endpoint.mtu: out of range 0 (1..65536)"},
      {"[endpoint]\nmtu = \"1MB\"",
       "t.toml:2: endpoint.mtu: out of range \"1MB\" = 1000000 B (1..65536)"},
      {"[run]\nend_time = \"5 parsecs\"",
       "t.toml:2: run.end_time: unknown time unit \"parsecs\" in \"5 parsecs\" (ps, ns, us, ms, "
       "s)"},
      {"[run]\nend_time = \"9999999s\"",
       "t.toml:2: run.end_time: out of range \"9999999s\" (at most 9223372s, about 106 days)"},
      {"[run]\nend_time = \"0s\"", "t.toml:2: run.end_time: must be positive"},
      {"[switch]\nforwarding_latency = \"-1ns\"",
       "t.toml:2: switch.forwarding_latency: negative value \"-1ns\""},
      {"[topology.link]\nrate = \"0Gbps\"", "t.toml:2: topology.link.rate: must be positive"},
      {"[topology.link]\nrate = \"20Tbps\"",
       "t.toml:2: topology.link.rate: \"20Tbps\" is above 18Tbps, the model's limit"},
      {"[topology.link]\nlatency = \"1.5ps\"",
       "t.toml:2: topology.link.latency: \"1.5ps\" is finer than 1 ps"},
      {"[switch]\nrt = 4", "t.toml:2: switch.rt: out of range 4 (0..3)"},
      {"[switch]\ndwrr_weights = []",
       "t.toml:2: switch.dwrr_weights: 0 weights (1 to 16, one per VL from VL 0)"},
      {"[switch]\ndwrr_weights = [1, 0]",
       "t.toml:2: switch.dwrr_weights[1]: out of range 0 (1..4294967295)"},
      {"[link]\nvls = 1\n[switch]\nvl_cycle_break = 1",
       "t.toml:4: switch.vl_cycle_break: the two-VL scheme needs link.vls >= 2 (it is 1)"},
      {"name = \"../x\"", "t.toml:1: name: must be 1 to 100 letters, digits, '.', '_' or '-', "
                          "not starting with '.' (it names the output folder)"},
      {"[topology.fat_tree]\nk = 5", "t.toml:2: topology.fat_tree.k: must be even (5)"},
      {"[topology.fat_tree]\nk = 64", "t.toml:2: topology.fat_tree.k: out of range 64 (2..62)"},
      {"[topology.ring]\nn = 2", "t.toml:2: topology.ring.n: out of range 2 (3..65534)"},
      {"[topology.ub_mesh]\nboard_link = { lanes = 0 }",
       "t.toml:2: topology.ub_mesh.board_link.lanes: out of range 0 (1..65535)"},
      {"[[traffic]]\npriority = 16", "t.toml:2: traffic[0].priority: out of range 16 (0..15)"},
      {"[[traffic]]\nbytes = 0",
       "t.toml:2: traffic[0].bytes: out of range 0 (1..18446744073709551615)"},
      {"[[traffic]]\nbytes = \"1Mb\"",
       "t.toml:2: traffic[0].bytes: sizes are in bytes (B): \"Mb\" in \"1Mb\" would be bits"},
      {"[[traffic]]\nendpoints = [70000]",
       "t.toml:2: traffic[0].endpoints[0]: out of range 70000 (0..65533)"},
  }));
}

TEST_CASE("scenario errors: bad enumeration values list the allowed ones", "[scenario]") {
  check_rows(std::to_array<Row>({
      {"[topology]\nkind = \"mesh\"",
       "t.toml:2: topology.kind: unknown value \"mesh\" (one of \"fat_tree\", \"full_mesh_1d\", "
       "\"full_mesh_2d\", \"ub_mesh\", \"clos\", \"ring\", \"torus\" or \"custom\")"},
      {"[switch]\nrt = \"shortest\"",
       "t.toml:2: switch.rt: unknown value \"shortest\" (one of \"per_flow_all\", "
       "\"per_packet_all\", \"per_flow_shortest\" or \"per_packet_shortest\")"},
      {"[switch]\nselector = \"ecmp\"",
       "t.toml:2: switch.selector: unknown value \"ecmp\" (one of \"hash\", \"adaptive\" or "
       "\"pinned\")"},
      {"[switch]\narbitration = \"sp\"",
       "t.toml:2: switch.arbitration: unknown value \"sp\" (one of \"strict_priority\" or "
       "\"dwrr\")"},
      {"[endpoint]\ntransport = \"tcp\"",
       "t.toml:2: endpoint.transport: unknown value \"tcp\" (one of \"rtp\", \"ctp\", \"utp\" or "
       "\"bypass\")"},
      {"[[traffic]]\npattern = \"a2a\"",
       "t.toml:2: traffic[0].pattern: unknown value \"a2a\" (one of \"uniform\", \"permutation\", "
       "\"incast\", \"all_to_all\", \"ring_allreduce\", \"tree_allreduce\", \"moe_dispatch\", "
       "\"moe_combine\", \"load_store\" or \"explicit\")"},
      {"[[traffic]]\nop = \"put\"",
       "t.toml:2: traffic[0].op: unknown value \"put\" (one of \"write\", \"read\", \"send\", "
       "\"load\", \"store\" or \"fetch_add\")"},
      {"[[traffic]]\nsize = \"zipf\"",
       "t.toml:2: traffic[0].size: unknown value \"zipf\" (one of \"fixed\", \"uniform\", "
       "\"exponential\" or \"cdf\")"},
      {"[[fault]]\nat = 0\nkind = \"flap\"",
       "t.toml:3: fault[0].kind: unknown value \"flap\" (one of \"link_down\", \"link_up\", "
       "\"ber\", \"lanes\", \"switch_down\" or \"switch_up\")"},
  }));
}

TEST_CASE("scenario errors: the custom topology", "[scenario]") {
  check_rows(std::to_array<Row>({
      {"[topology]\nkind = \"custom\"",
       "t.toml:2: topology.kind: a custom topology needs its nodes: [[topology.custom.node]] "
       "name = ..."},
      {"[[topology.custom.node]]\nswitch = true",
       "t.toml:1: topology.custom.node[0].name: required key missing"},
      {"[[topology.custom.node]]\nname = \"\"",
       "t.toml:2: topology.custom.node[0].name: empty node name"},
      {"[[topology.custom.node]]\nname = \"a\"\n[[topology.custom.node]]\nname = \"a\"",
       "t.toml:4: topology.custom.node[1].name: node \"a\" declared twice (first at line 1)"},
      {"[[topology.custom.node]]\nname = \"s\"\nswitch = true\nforwards = false",
       "t.toml:4: topology.custom.node[0].forwards: a switch always forwards"},
      {"[[topology.custom.node]]\nname = \"a\"\n[[topology.custom.link]]\na = \"a\"\nb = \"c\"",
       "t.toml:5: topology.custom.link[0].b: no node named \"c\" in [[topology.custom.node]]"},
      {"[[topology.custom.node]]\nname = \"a\"\n[[topology.custom.link]]\na = \"a\"\nb = \"a\"",
       "t.toml:5: topology.custom.link[0].b: a link joins \"a\" to itself"},
      {"[[topology.custom.node]]\nname = \"a\"\n[[topology.custom.link]]\na = \"a\"",
       "t.toml:3: topology.custom.link[0].b: required key missing"},
      {"[[topology.custom.node]]\nname = \"a\"\n[[topology.custom.link]]\na = \"a\"\nb = "
       "\"b\"\nlanes = 0",
       "t.toml:6: topology.custom.link[0].lanes: out of range 0 (1..65535)"},
      {"[topology.custom]\nnode = 3",
       "t.toml:2: topology.custom.node: expected an array of tables ([[topology.custom.node]]), "
       "got an integer"},
  }));
}

TEST_CASE("scenario errors: traffic references and keys a pattern does not use", "[scenario]") {
  check_rows(std::to_array<Row>({
      {"[[traffic]]\nname = \"x\"\n[[traffic]]\nname = \"x\"",
       "t.toml:4: traffic[1].name: pattern name \"x\" is used by traffic[0] too"},
      {"[[traffic]]\nname = \"traffic1\"\n[[traffic]]",
       "t.toml:3: traffic[1].name: pattern name \"traffic1\" is used by traffic[0] too"},
      {"[[traffic]]\nname = \"\"", "t.toml:2: traffic[0].name: empty pattern name"},
      {"[[traffic]]\nname = \"dispatch\"\n[[traffic]]\nafter = [\"dispach\"]",
       "t.toml:4: traffic[1].after[0]: no earlier pattern is named \"dispach\" (did you mean "
       "\"dispatch\"?)"},
      {"[[traffic]]\nafter = [\"b\"]\n[[traffic]]\nname = \"b\"",
       "t.toml:2: traffic[0].after[0]: no earlier pattern is named \"b\""},
      {"[[traffic]]\nname = \"a\"\nafter = [\"a\"]",
       "t.toml:3: traffic[0].after[0]: pattern \"a\" cannot wait for itself"},
      {"[[traffic]]\nname = \"a\"\n[[traffic]]\nafter = [\"a\", \"a\"]",
       "t.toml:4: traffic[1].after[1]: \"a\" listed twice"},
      {"[[traffic]]\npattern = \"all_to_all\"\nfan_in = 4",
       "t.toml:3: traffic[0].fan_in: not used by pattern \"all_to_all\" (only by \"incast\")"},
      {"[[traffic]]\npattern = \"incast\"\ntop_k = 4",
       "t.toml:3: traffic[0].top_k: not used by pattern \"incast\" (only by \"moe_dispatch\" or "
       "\"moe_combine\")"},
      {"[[traffic]]\npattern = \"explicit\"\nendpoints = [0, 1]\npairs = [[0, 1]]",
       "t.toml:3: traffic[0].endpoints: not used by pattern \"explicit\": its pairs name the "
       "endpoints"},
      {"[[traffic]]\nmin_bytes = 5",
       "t.toml:2: traffic[0].min_bytes: not used with size = \"fixed\""},
      {"[[traffic]]\nsize = \"cdf\"\nbytes = 5\ncdf = [[1, 1.0]]",
       "t.toml:3: traffic[0].bytes: not used with size = \"cdf\""},
      {"[[traffic]]\nsize = \"uniform\"\nmin_bytes = 5",
       "t.toml:1: traffic[0].max_bytes: required key missing"},
      {"[[traffic]]\nsize = \"uniform\"\nmin_bytes = 10\nmax_bytes = 5",
       "t.toml:4: traffic[0].max_bytes: below min_bytes (5 < 10)"},
      {"[[traffic]]\nsize = \"cdf\"", "t.toml:1: traffic[0].cdf: required key missing"},
      {"[[traffic]]\nsize = \"cdf\"\ncdf = []",
       "t.toml:3: traffic[0].cdf: empty: at least one [bytes, p] point"},
      {"[[traffic]]\nsize = \"cdf\"\ncdf = [[10, 0.5]]",
       "t.toml:3: traffic[0].cdf: the last point's p must be 1 (it is 0.5)"},
      {"[[traffic]]\nsize = \"cdf\"\ncdf = [[10, 0.5], [5, 1.0]]",
       "t.toml:3: traffic[0].cdf[1]: points must not decrease in bytes or in p"},
      {"[[traffic]]\nsize = \"cdf\"\ncdf = [[10, 1.5]]",
       "t.toml:3: traffic[0].cdf[0][1]: out of range 1.5 (0 <= value <= 1)"},
      {"[[traffic]]\nsize = \"cdf\"\ncdf = [10]",
       "t.toml:3: traffic[0].cdf[0]: expected a [bytes, p] pair"},
      {"[[traffic]]\npattern = \"moe_dispatch\"\nexperts = 2\ntop_k = 4",
       "t.toml:4: traffic[0].top_k: top_k 4 is more than the 2 experts"},
      {"[[traffic]]\npattern = \"load_store\"\nop = \"write\"",
       "t.toml:3: traffic[0].op: a load_store pattern does \"load\" or \"store\", not \"write\""},
      {"[[traffic]]\nendpoints = [1, 2, 1]",
       "t.toml:2: traffic[0].endpoints[2]: endpoint 1 listed twice"},
      {"[[traffic]]\nendpoints = []",
       "t.toml:2: traffic[0].endpoints: empty (leave it out, or write \"all\")"},
      {"[[traffic]]\nendpoints = \"5..2\"",
       "t.toml:2: traffic[0].endpoints: empty range \"5..2\" (first > last)"},
      {"[[traffic]]\nendpoints = \"some\"",
       "t.toml:2: traffic[0].endpoints: expected \"all\", a range \"first..last\" or an array of "
       "endpoint indexes (at most 65533), got \"some\""},
      {"[[traffic]]\npattern = \"explicit\"", "t.toml:1: traffic[0].pairs: required key missing"},
      {"[[traffic]]\npattern = \"explicit\"\npairs = [[1, 1]]",
       "t.toml:3: traffic[0].pairs[0]: endpoint 1 sends to itself"},
      {"[[traffic]]\npattern = \"explicit\"\npairs = [[1, 2, 3]]",
       "t.toml:3: traffic[0].pairs[0]: expected a [src, dst] pair of endpoint indexes"},
  }));
}

TEST_CASE("scenario errors: faults", "[scenario]") {
  check_rows(std::to_array<Row>({
      {"[[fault]]\nkind = \"link_down\"\nlink = 0", "t.toml:1: fault[0].at: required key missing"},
      {"[[fault]]\nat = 0\nlink = 0", "t.toml:1: fault[0].kind: required key missing"},
      {"[[fault]]\nat = 0\nkind = \"link_down\"\na = \"x\"\nb = \"y\"\nlink = 1",
       "t.toml:6: fault[0].link: name the link either by its ends (a and b, node names) or by "
       "its id (link), not both"},
      {"[[fault]]\nat = 0\nkind = \"link_down\"",
       "t.toml:3: fault[0].kind: name the link either by its ends (a and b, node names) or by "
       "its id (link), not both"},
      {"[[fault]]\nat = 0\nkind = \"link_down\"\na = \"x\"",
       "t.toml:1: fault[0].b: required key missing"},
      {"[[fault]]\nat = 0\nkind = \"link_up\"\na = \"x\"\nb = \"x\"",
       "t.toml:5: fault[0].b: a link joins two nodes; both ends are \"x\""},
      {"[[fault]]\nat = 0\nkind = \"link_down\"\nlink = 0\nvalue = 1",
       "t.toml:5: fault[0].value: not used by kind \"link_down\""},
      {"[[fault]]\nat = 0\nkind = \"link_down\"\nlink = 0\nnode = \"s\"",
       "t.toml:5: fault[0].node: not used by kind \"link_down\""},
      {"[[fault]]\nat = 0\nkind = \"ber\"\nlink = 0",
       "t.toml:1: fault[0].value: required key missing"},
      {"[[fault]]\nat = 0\nkind = \"ber\"\nlink = 0\nvalue = 2",
       "t.toml:5: fault[0].value: out of range 2 (0 <= value < 1)"},
      {"[[fault]]\nat = 0\nkind = \"lanes\"\nlink = 0\nvalue = 0",
       "t.toml:5: fault[0].value: out of range 0 (1..65535)"},
      {"[[fault]]\nat = 0\nkind = \"lanes\"\nlink = 0\nvalue = 2.5",
       "t.toml:5: fault[0].value: expected an integer, got a float"},
      {"[[fault]]\nat = 0\nkind = \"switch_down\"\na = \"x\"",
       "t.toml:4: fault[0].a: not used by kind \"switch_down\""},
      {"[[fault]]\nat = 0\nkind = \"switch_up\"", "t.toml:1: fault[0].node: required key missing"},
      {"[[fault]]\nat = \"-1us\"\nkind = \"switch_up\"\nnode = \"s\"",
       "t.toml:2: fault[0].at: negative value \"-1us\""},
  }));
}

TEST_CASE("scenario errors: TOML syntax errors carry the line and column", "[scenario]") {
  for (const auto& [text, line] : std::to_array<std::pair<std::string_view, std::string_view>>(
           {{"seed = ", "t.toml:1: toml: "},
            {"seed = 1\nseed = 2", "t.toml:2: toml: "},
            {"name = \"x\"\n\nseed = 99999999999999999999", "t.toml:3: toml: "},
            {"[run\n", "t.toml:1: toml: "},
            {"a = \"\xff\"", "t.toml:1: toml: "}})) {
    INFO(text);
    const std::string e = parse_error(text);
    CHECK(e.starts_with(line));
    CHECK(e.find("(column ") != std::string::npos);
  }
}

// Import of ns-3 UB simulator case folders (sim/import/ns3_case): each file's parser on a small
// case written here, the section 3 defaults, unit strings, a folder round trip, every class of
// bad input refused with its file, line and field, and the shipped case folders.
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <catch2/catch.hpp>

#include "ns3_test_util.hpp"
#include "sim/import/ns3_case.hpp"

using namespace ub;
using namespace ub::literals;
using namespace ub::sim;
using ub::test::assemble_ok;
using ub::test::shipped_cases_dir;

namespace {

// A small, valid case: two hosts behind one switch, three phases, two faults.
Ns3CaseFiles small_case() {
  return Ns3CaseFiles{
      {"network_attribute.txt", "# a comment\n"
                                "default ns3::UbSwitch::VlScheduler \"DWRR\"\n"
                                "default ns3::UbDwrrAllocator::VlQuantums \"7:6000,8:3000\"\n"
                                "\n"
                                "global UB_FAULT_ENABLE \"true\"\n"},
      {"node.csv", "nodeId,nodeType,portNum,forwardDelay,systemId\n"
                   "0..1,DEVICE,1,1ns\n"
                   "2,SWITCH,2,,3\n"},
      {"topology.csv", "nodeId1,portId1,nodeId2,portId2,bandwidth,delay\n"
                       "0,0,2,0,400Gbps,20ns\n"
                       "# the slow one\n"
                       "1,0,2,1,200Gbps,1.5us\n"},
      {"routing_table.csv", "nodeId,dstNodeId,dstPortId,outPorts,metrics\n"
                            "0,1,0,0,2\n"
                            "1,0,0,0,2\n"
                            "2,0,0,0,1\n"
                            "2,1,0,1 0,1 3\n"},
      {"transport_channel.csv", "nodeId1, portId1, tpn1, nodeId2, portId2, tpn2, priority, metric\n"
                                "      0,       0,    0,       1,       0,    0,        7,      2\n"
                                "      0,       0,    1,       1,       0,    1,        8\n"},
      {"traffic.csv", "taskId,sourceNode,destNode,dataSize(Byte),opType,priority,delay,phaseId,"
                      "dependOnPhases\r\n"
                      "0,0,1,4096,URMA_WRITE,7,10ns,0,\r\n"
                      "1,1,0,8192,URMA_READ,8,+0ns,1,0\r\n"
                      "2,0,1,512,MEM_STORE,7,1us,2,0 1\r\n"
                      "3,1,0,64,MEM_LOAD,7,0,2,1\r\n"},
      {"fault.csv", "taskId,faultType,dropRate(%),delay(ns),lowerDataRate(node port datrate(Mbps)),"
                    "shutdownDropPackets(start end),OccasionalDropRate(%)\n"
                    "0,1,0,250,0,0,0\n"
                    "1,2,0,0,2 1 1000,0,0.5\n"},
  };
}

// A fresh, empty folder under the system temp directory.
std::filesystem::path temp_folder(std::string_view name) {
  const auto dir = std::filesystem::temp_directory_path() / std::string(name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

void write_files(const std::filesystem::path& dir, const Ns3CaseFiles& files) {
  for (const auto& [name, text] : files) {
    std::ofstream(dir / name, std::ios::binary) << text;
  }
}

} // namespace

TEST_CASE("ns3 import: node.csv expands ranges and keeps optional columns", "[sim][ns3]") {
  auto nodes = parse_node_csv("node.csv", small_case().at("node.csv"));
  REQUIRE(nodes);
  REQUIRE(nodes->size() == 3);
  CHECK((*nodes)[0].id == 0);
  CHECK((*nodes)[1].id == 1);
  CHECK((*nodes)[1].kind == Ns3NodeKind::Device);
  CHECK((*nodes)[1].ports == 1);
  CHECK((*nodes)[1].forward_delay == 1_ns);
  CHECK((*nodes)[1].line == 2);
  CHECK_FALSE((*nodes)[1].system_id);
  CHECK((*nodes)[2].kind == Ns3NodeKind::Switch);
  CHECK((*nodes)[2].ports == 2);
  CHECK_FALSE((*nodes)[2].forward_delay);
  CHECK((*nodes)[2].system_id == 3u);
  CHECK((*nodes)[2].line == 3);
  // sorted by id whatever the file order
  auto shuffled = parse_node_csv("node.csv", "h\n5,SWITCH,4\n0..2,DEVICE,1\n");
  REQUIRE(shuffled);
  REQUIRE(shuffled->size() == 4);
  CHECK(shuffled->front().id == 0);
  CHECK(shuffled->back().id == 5);
  CHECK(shuffled->back().line == 2);
}

TEST_CASE("ns3 import: topology.csv parses bandwidth and delay unit strings", "[sim][ns3]") {
  auto links = parse_topology_csv("topology.csv", small_case().at("topology.csv"));
  REQUIRE(links);
  REQUIRE(links->size() == 2);
  const Ns3Link& a = (*links)[0];
  CHECK(a.node1 == 0);
  CHECK(a.port1 == 0);
  CHECK(a.node2 == 2);
  CHECK(a.port2 == 0);
  CHECK(a.bandwidth == BitRate{400'000'000'000});
  CHECK(a.delay == 20_ns);
  const Ns3Link& b = (*links)[1];
  CHECK(b.line == 4); // the comment line counts
  CHECK(b.bandwidth == BitRate{200'000'000'000});
  CHECK(b.delay == 1500_ns);
}

TEST_CASE("ns3 import: routing_table.csv keeps out-port lists with their metrics", "[sim][ns3]") {
  auto routes = parse_routing_table_csv("routing_table.csv", small_case().at("routing_table.csv"));
  REQUIRE(routes);
  REQUIRE(routes->size() == 4);
  const Ns3Route& r = (*routes)[3];
  CHECK(r.node == 2);
  CHECK(r.dst_node == 1);
  CHECK(r.dst_port == 0);
  CHECK(r.out_ports == std::vector<std::uint32_t>{1, 0});
  CHECK(r.metrics == std::vector<std::uint32_t>{1, 3});
  CHECK(r.line == 5);
}

TEST_CASE("ns3 import: transport_channel.csv with padded cells and an optional metric",
          "[sim][ns3]") {
  auto ch = parse_transport_channel_csv("transport_channel.csv",
                                        small_case().at("transport_channel.csv"));
  REQUIRE(ch);
  REQUIRE(ch->size() == 2);
  CHECK((*ch)[0].node1 == 0);
  CHECK((*ch)[0].node2 == 1);
  CHECK((*ch)[0].tpn2 == 0);
  CHECK((*ch)[0].priority == 7);
  CHECK((*ch)[0].metric == 2u);
  CHECK((*ch)[1].tpn1 == 1);
  CHECK((*ch)[1].priority == 8);
  CHECK_FALSE((*ch)[1].metric);
}

TEST_CASE("ns3 import: traffic.csv keeps ids, op types, delays, phases and dependencies",
          "[sim][ns3]") {
  auto tasks = parse_traffic_csv("traffic.csv", small_case().at("traffic.csv"));
  REQUIRE(tasks);
  REQUIRE(tasks->size() == 4);
  const auto& t = *tasks;
  CHECK(t[0].id == 0);
  CHECK(t[0].op == Ns3OpType::UrmaWrite);
  CHECK(t[0].bytes == 4096);
  CHECK(t[0].delay == 10_ns);
  CHECK(t[0].depends_on.empty());
  CHECK(t[1].op == Ns3OpType::UrmaRead);
  CHECK(t[1].src == 1);
  CHECK(t[1].dst == 0);
  CHECK(t[1].priority == 8);
  CHECK(t[1].delay == 0_ns);
  CHECK(t[1].phase == 1);
  CHECK(t[1].depends_on == std::vector<std::uint32_t>{0});
  CHECK(t[2].op == Ns3OpType::MemStore);
  CHECK(t[2].delay == 1_us);
  CHECK(t[2].depends_on == std::vector<std::uint32_t>{0, 1});
  CHECK(t[3].op == Ns3OpType::MemLoad);
  CHECK(t[3].delay == Time{0}); // a bare 0 is seconds in ns-3 syntax
  CHECK(t[3].line == 5);
  CHECK(to_string(t[3].op) == "MEM_LOAD");
  // the trailing empty dependOnPhases column may also be left out
  auto short_row = parse_traffic_csv("traffic.csv", "h\n7,0,1,1,URMA_WRITE_NOTIFY,7,10ns,0\n");
  REQUIRE(short_row);
  CHECK(short_row->at(0).op == Ns3OpType::UrmaWriteNotify);
}

TEST_CASE("ns3 import: fault.csv reads per-task faults and port rate changes", "[sim][ns3]") {
  auto faults = parse_fault_csv("fault.csv", small_case().at("fault.csv"));
  REQUIRE(faults);
  REQUIRE(faults->size() == 2);
  const auto& f = *faults;
  CHECK(f[0].task_id == 0);
  CHECK(f[0].type == Ns3FaultType::Delay);
  CHECK(f[0].delay == 250_ns);
  CHECK_FALSE(f[0].port_rate);
  CHECK_FALSE(f[0].shutdown_packets);
  CHECK(f[1].type == Ns3FaultType::Congestion);
  REQUIRE(f[1].port_rate);
  CHECK(f[1].port_rate->node == 2);
  CHECK(f[1].port_rate->port == 1);
  CHECK(f[1].port_rate->rate == BitRate{1'000'000'000});
  CHECK(f[1].occasional_drop_percent == Approx(0.5));
  auto shut = parse_fault_csv("fault.csv", "h\n0,3,0,0,0,10 20,0\n");
  REQUIRE(shut);
  REQUIRE(shut->at(0).shutdown_packets);
  CHECK(shut->at(0).shutdown_packets->first == 10);
  CHECK(shut->at(0).shutdown_packets->second == 20);
}

TEST_CASE("ns3 import: network_attribute.txt applies the section 3 defaults where absent",
          "[sim][ns3]") {
  auto a = parse_network_attributes("network_attribute.txt", "");
  REQUIRE(a);
  const Ns3Settings& s = a->settings;
  CHECK(s.data_rate == BitRate{400'000'000'000});
  CHECK(s.link_delay == Time{0});
  CHECK(s.interframe_gap == Time{0});
  CHECK(s.allocation_time == 10_ns);
  CHECK(s.reserve_per_queue_bytes == 1'048'576);
  CHECK(s.shared_pool_bytes == 0);
  CHECK(s.resume_offset_bytes == 4096);
  CHECK(s.flow_control == Ns3FlowControl::Cbfc);
  CHECK(s.vl_scheduler == Ns3VlScheduler::Sp);
  CHECK(s.dwrr_default_quantum == 1500);
  CHECK(s.dwrr_vl_quantums.empty());
  CHECK(s.cbfc_flit_bytes == 20);
  CHECK(s.cbfc_flits_per_cell == 8);
  CHECK(s.cbfc_init_credit_cells == 6553);
  CHECK(s.cbfc_shared_init_credit_cells == 4096);
  CHECK(s.cbfc_ret_grain_data == 4);
  CHECK(s.pfc_up_bytes == 819'200);
  CHECK(s.pfc_low_bytes == 655'360);
  CHECK_FALSE(s.enable_retrans);
  CHECK(s.initial_rto == 25'600_ns);
  CHECK(s.max_retrans_attempts == 7);
  CHECK(s.max_inflight_packets == 1000);
  CHECK(s.tp_ooo_threshold == 2048);
  CHECK_FALSE(s.use_packet_spray);
  CHECK(s.use_shortest_paths);
  CHECK(s.jetty_inflight_max == 10'000);
  CHECK_FALSE(s.enable_multipath);
  CHECK(s.routing == Ns3RoutingAlgorithm::Hash);
  CHECK_FALSE(s.cc_enabled);
  CHECK(s.cc_algo == "CAQM");
  CHECK(s.caqm_alpha == Approx(0.5));
  CHECK(s.caqm_theta == Approx(10));
  CHECK(s.caqm_qt_bytes == 40'960);
  CHECK(s.caqm_mark_probability == Approx(0.1));
  CHECK(s.caqm_cwnd_bytes == 40'960);
  CHECK(s.caqm_update_period == 500_ns);
  CHECK(s.ldst_threads == 48);
  CHECK(s.ldst_store_request_bytes == 512);
  CHECK(s.ldst_load_request_bytes == 64);
  CHECK(s.ldst_store_outstanding == 64);
  CHECK_FALSE(s.fault_enable);
  CHECK(s.priorities == 16);
  CHECK(s.vls == 16);
  CHECK(s.trace);
  CHECK_FALSE(s.record_packet_trace);
  CHECK(s.mtu_bytes == 4096);
  CHECK(s.ta_segment_bytes == 65'536);
  // every known key is listed, with line 0 for a default
  const Ns3Attribute* rate = a->find("ns3::UbPort::UbDataRate");
  REQUIRE(rate);
  CHECK(rate->line == 0);
  CHECK(rate->value == "400Gbps");
  CHECK(rate->known);
  CHECK(a->warnings.empty());
}

TEST_CASE("ns3 import: file values override defaults, unknown keys are kept as warnings",
          "[sim][ns3]") {
  auto a = parse_network_attributes("network_attribute.txt",
                                    "default ns3::UbPort::UbDataRate \"200Gbps\"\n"
                                    "default ns3::UbRoutingProcess::RoutingAlgorithm ADAPTIVE\n"
                                    "default ns3::UbFoo::Bar \"42\"\n"
                                    "\tglobal   UB_CC_ENABLED \"true\"  \n"
                                    "default ns3::UbPort::UbDataRate \"100Gbps\"\n"
                                    "default ns3::UbDwrrAllocator::VlQuantums \"7:6000,10:1500\"\n"
                                    "global UB_PYTHON_SCRIPT_PATH \"a path/with spaces.py\"\n");
  REQUIRE(a);
  const Ns3Settings& s = a->settings;
  CHECK(s.data_rate == BitRate{100'000'000'000}); // the last value applies
  CHECK(s.routing == Ns3RoutingAlgorithm::Adaptive);
  CHECK(s.cc_enabled);
  CHECK(s.python_script_path == "a path/with spaces.py");
  REQUIRE(s.dwrr_vl_quantums.size() == 2);
  CHECK(s.dwrr_vl_quantums[1] == std::pair<std::uint32_t, std::uint64_t>{10, 1500});
  const Ns3Attribute* rate = a->find("ns3::UbPort::UbDataRate");
  REQUIRE(rate);
  CHECK(rate->line == 5);
  CHECK(rate->value == "100Gbps");
  const Ns3Attribute* foo = a->find("ns3::UbFoo::Bar");
  REQUIRE(foo);
  CHECK_FALSE(foo->known);
  CHECK(foo->value == "42");
  REQUIRE(a->warnings.size() == 2);
  CHECK(a->warnings[0].line == 3);
  CHECK(a->warnings[0].field == "ns3::UbFoo::Bar");
  CHECK(a->warnings[1].line == 5);
  CHECK(to_string(a->warnings[1]) ==
        "network_attribute.txt:5: ns3::UbPort::UbDataRate: set again (first on line 1); the last "
        "value applies");
}

TEST_CASE("ns3 import: time and rate strings in ns-3 syntax", "[sim][ns3]") {
  struct TimeRow {
    std::string_view text;
    std::optional<Time> want; // nullopt: refused
  };
  for (const auto& r : std::to_array<TimeRow>({
           {.text = "20ns", .want = 20_ns},
           {.text = "+10ns", .want = 10_ns},
           {.text = "1us", .want = 1_us},
           {.text = "1.5us", .want = 1500_ns},
           {.text = ".25ns", .want = 250_ps},
           {.text = "3ps", .want = 3_ps},
           {.text = "2000fs", .want = 2_ps},
           {.text = "2ms", .want = 2_ms},
           {.text = "1s", .want = 1'000'000_us},
           {.text = "1", .want = 1'000'000_us},
           {.text = "0.5min", .want = Time{30'000'000'000'000}},
           {.text = "-0ns", .want = Time{0}},
           {.text = " 7ns ", .want = 7_ns},
           {.text = "-5ns", .want = std::nullopt},
           {.text = "5 ns", .want = std::nullopt},
           {.text = "5xs", .want = std::nullopt},
           {.text = "0.1ps", .want = std::nullopt},
           {.text = "1500fs", .want = std::nullopt},
           {.text = "ns", .want = std::nullopt},
           {.text = "", .want = std::nullopt},
           {.text = "99999999999999999999ns", .want = std::nullopt},
           {.text = "200d", .want = std::nullopt},
       })) {
    INFO(r.text);
    auto t = parse_ns3_time(r.text);
    CHECK(t.has_value() == r.want.has_value());
    if (t && r.want) {
      CHECK(*t == *r.want);
    }
  }
  struct RateRow {
    std::string_view text;
    std::uint64_t want; // 0: refused
  };
  for (const auto& r : std::to_array<RateRow>({
           {.text = "400Gbps", .want = 400'000'000'000},
           {.text = "1.2Tbps", .want = 1'200'000'000'000},
           {.text = "1000Mbps", .want = 1'000'000'000},
           {.text = "10kbps", .want = 10'000},
           {.text = "1Kibps", .want = 1024},
           {.text = "100MB/s", .want = 800'000'000},
           {.text = "5bps", .want = 5},
           {.text = "400Gb/s", .want = 400'000'000'000},
           {.text = "400", .want = 0},
           {.text = "400Gbs", .want = 0},
           {.text = "400GHz", .want = 0},
           {.text = "0Gbps", .want = 0},
           {.text = "-1Gbps", .want = 0},
           {.text = "0.5bps", .want = 0},
       })) {
    INFO(r.text);
    auto v = parse_ns3_rate(r.text);
    CHECK(v.has_value() == (r.want != 0));
    if (v && r.want != 0) {
      CHECK(v->bps == r.want);
    }
  }
  CHECK(parse_ns3_rate("400Gbs").error().find("unknown rate unit") != std::string::npos);
  CHECK(parse_ns3_time("5xs").error().find("unknown time unit") != std::string::npos);
}

TEST_CASE("ns3 import: the assembled small case and its summary", "[sim][ns3]") {
  const Ns3Case c = assemble_ok(small_case());
  CHECK(c.node(2) != nullptr);
  CHECK(c.node(3) == nullptr);
  CHECK(c.settings().vl_scheduler == Ns3VlScheduler::Dwrr);
  CHECK(c.has_channel_file);
  CHECK(c.has_fault_file);
  CHECK(c.warnings.empty());
  const Ns3CaseSummary s = describe(c);
  CHECK(s.hosts == 2);
  CHECK(s.switches == 1);
  CHECK(s.links == 2);
  CHECK(s.routes == 4);
  CHECK(s.route_ports == 5);
  CHECK(s.channels == 2);
  CHECK(s.tasks == 4);
  CHECK(s.phases == 3);
  CHECK(s.total_bytes == 4096 + 8192 + 512 + 64);
  CHECK(s.faults == 2);
  CHECK(s.faults_enabled);
  CHECK(to_string(s) == "2 hosts, 1 switches, 2 links, 4 routes, 2 channels, 4 tasks in 3 "
                        "phases, 12864 bytes, 2 faults (enabled)");
  // the optional files may be missing
  auto files = small_case();
  files.erase("fault.csv");
  files.erase("transport_channel.csv");
  const Ns3Case bare = assemble_ok(files);
  CHECK_FALSE(bare.has_channel_file);
  CHECK_FALSE(bare.has_fault_file);
  CHECK(describe(bare).channels == 0);
  CHECK(describe(bare).faults == 0);
  CHECK_FALSE(describe(bare).faults_enabled);
}

TEST_CASE("ns3 import: a temp folder round trip through load_ns3_case", "[sim][ns3]") {
  const auto dir = temp_folder("ub_ns3_case_test_roundtrip");
  write_files(dir, small_case());
  auto loaded = load_ns3_case(dir);
  INFO((loaded ? std::string{} : to_string(loaded.error())));
  REQUIRE(loaded);
  const Ns3Case mem = assemble_ok(small_case());
  const Ns3CaseSummary a = describe(*loaded);
  const Ns3CaseSummary b = describe(mem);
  CHECK(a.hosts == b.hosts);
  CHECK(a.switches == b.switches);
  CHECK(a.links == b.links);
  CHECK(a.routes == b.routes);
  CHECK(a.channels == b.channels);
  CHECK(a.tasks == b.tasks);
  CHECK(a.total_bytes == b.total_bytes);
  CHECK(a.faults == b.faults);
  CHECK(loaded->links[1].delay == mem.links[1].delay);
  CHECK(loaded->tasks[2].depends_on == mem.tasks[2].depends_on);

  // a bad file names its path and line
  std::ofstream(dir / "topology.csv") << "h\n0,0,2,0,400Gbps,20ns\n1,0,9,1,400Gbps,20ns\n";
  auto bad = load_ns3_case(dir);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().file == (dir / "topology.csv").string());
  CHECK(bad.error().line == 3);
  CHECK(bad.error().field == "nodeId2");
  CHECK(to_string(bad.error()) == (dir / "topology.csv").string() + ":3: nodeId2: unknown node 9");

  // a missing required file
  std::filesystem::remove(dir / "traffic.csv");
  auto missing = load_ns3_case(dir);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().file == (dir / "traffic.csv").string());
  CHECK(missing.error().line == 0);
  CHECK(missing.error().reason == "missing file");

  // an unreadable folder
  auto none = load_ns3_case(dir / "no-such-folder");
  REQUIRE_FALSE(none);
  CHECK(none.error().reason == "no such folder");
  auto not_dir = load_ns3_case(dir / "node.csv");
  REQUIRE_FALSE(not_dir);
  CHECK(not_dir.error().reason == "not a directory");
  std::filesystem::remove_all(dir);
}

TEST_CASE("ns3 import: every class of bad input is refused with its file, line and field",
          "[sim][ns3]") {
  struct Bad {
    std::string_view name;
    std::string_view file; // the file replaced (or removed, when text is "-")
    std::string_view text;
    std::size_t line;
    std::string_view field;
    std::string_view reason; // a substring of the reason
  };
  const std::string_view node_h = "nodeId,nodeType,portNum,forwardDelay\n";
  const std::string_view topo_h = "h\n0,0,2,0,400Gbps,20ns\n";
  const std::string_view traffic_h = "h\n0,0,1,4096,URMA_WRITE,7,10ns,0,\n";
  const auto cat = [](std::string_view a, std::string_view b) {
    return std::string(a) + std::string(b);
  };
  const std::string node_dup = cat(node_h, "0..1,DEVICE,1\n2,SWITCH,2\n1,DEVICE,1\n");
  const std::string node_type = cat(node_h, "0..1,DEVICE,1\n2,ROUTER,2\n");
  const std::string node_ports = cat(node_h, "0..1,DEVICE,1\n2,SWITCH,0\n");
  const std::string node_range = cat(node_h, "1..0,DEVICE,1\n");
  const std::string node_delay = cat(node_h, "0..1,DEVICE,1,1nx\n2,SWITCH,2\n");
  const std::string link_unknown = cat(topo_h, "1,0,9,1,400Gbps,20ns\n");
  const std::string link_port = cat(topo_h, "1,0,2,2,400Gbps,20ns\n");
  const std::string link_twice = cat(topo_h, "1,0,2,0,400Gbps,20ns\n");
  const std::string link_rate = cat(topo_h, "1,0,2,1,400Gbs,20ns\n");
  const std::string link_delay = cat(topo_h, "1,0,2,1,400Gbps,-20ns\n");
  const std::string link_missing = cat(topo_h, "1,0,2,1,400Gbps\n");
  const std::string link_extra = cat(topo_h, "1,0,2,1,400Gbps,20ns,7\n");
  const std::string link_num = cat(topo_h, "1,x,2,1,400Gbps,20ns\n");
  const std::string task_neg = cat(traffic_h, "1,0,1,-4096,URMA_WRITE,7,10ns,0,\n");
  const std::string task_zero = cat(traffic_h, "1,0,1,0,URMA_WRITE,7,10ns,0,\n");
  const std::string task_dup = cat(traffic_h, "0,1,0,4096,URMA_WRITE,7,10ns,0,\n");
  const std::string task_node = cat(traffic_h, "1,0,5,4096,URMA_WRITE,7,10ns,0,\n");
  const std::string task_switch = cat(traffic_h, "1,0,2,4096,URMA_WRITE,7,10ns,0,\n");
  const std::string task_self = cat(traffic_h, "1,1,1,4096,URMA_WRITE,7,10ns,0,\n");
  const std::string task_op = cat(traffic_h, "1,0,1,4096,URMA_ATOMIC,7,10ns,0,\n");
  const std::string task_prio = cat(traffic_h, "1,0,1,4096,URMA_WRITE,16,10ns,0,\n");
  const std::string task_phase = cat(traffic_h, "1,0,1,4096,URMA_WRITE,7,10ns,1,4\n");
  const std::string task_selfdep = cat(traffic_h, "1,0,1,4096,URMA_WRITE,7,10ns,1,1\n");
  const std::string task_cycle =
      cat(traffic_h, "1,0,1,64,URMA_WRITE,7,10ns,1,2\n2,0,1,64,URMA_WRITE,7,10ns,2,1\n");
  const std::string task_delay = cat(traffic_h, "1,0,1,64,URMA_WRITE,7,10qs,0,\n");
  const std::string task_big = cat(traffic_h, "1,0,1,18446744073709551615,URMA_WRITE,7,1ns,0,\n");
  const auto rows = std::to_array<Bad>({
      {.name = "bad number",
       .file = "topology.csv",
       .text = link_num,
       .line = 3,
       .field = "portId1",
       .reason = "not a number \"x\""},
      {.name = "missing column",
       .file = "topology.csv",
       .text = link_missing,
       .line = 3,
       .field = "delay",
       .reason = "missing column"},
      {.name = "extra column",
       .file = "topology.csv",
       .text = link_extra,
       .line = 3,
       .field = "",
       .reason = "7 columns, at most 6"},
      {.name = "unknown rate unit",
       .file = "topology.csv",
       .text = link_rate,
       .line = 3,
       .field = "bandwidth",
       .reason = "unknown rate unit \"Gbs\""},
      {.name = "negative delay",
       .file = "topology.csv",
       .text = link_delay,
       .line = 3,
       .field = "delay",
       .reason = "negative time"},
      {.name = "link to an unknown node",
       .file = "topology.csv",
       .text = link_unknown,
       .line = 3,
       .field = "nodeId2",
       .reason = "unknown node 9"},
      {.name = "link to a port the node lacks",
       .file = "topology.csv",
       .text = link_port,
       .line = 3,
       .field = "portId2",
       .reason = "node 2 has 2 ports, no port 2"},
      {.name = "a port linked twice",
       .file = "topology.csv",
       .text = link_twice,
       .line = 3,
       .field = "portId2",
       .reason = "already linked on line 2"},
      {.name = "duplicate node",
       .file = "node.csv",
       .text = node_dup,
       .line = 4,
       .field = "nodeId",
       .reason = "duplicate node 1 (also on line 2)"},
      {.name = "unknown node type",
       .file = "node.csv",
       .text = node_type,
       .line = 3,
       .field = "nodeType",
       .reason = "unknown node type"},
      {.name = "no ports",
       .file = "node.csv",
       .text = node_ports,
       .line = 3,
       .field = "portNum",
       .reason = "0 ports"},
      {.name = "empty range",
       .file = "node.csv",
       .text = node_range,
       .line = 2,
       .field = "nodeId",
       .reason = "empty range"},
      {.name = "unknown time unit",
       .file = "node.csv",
       .text = node_delay,
       .line = 2,
       .field = "forwardDelay",
       .reason = "unknown time unit \"nx\""},
      {.name = "no nodes",
       .file = "node.csv",
       .text = node_h,
       .line = 0,
       .field = "",
       .reason = "no nodes"},
      {.name = "route from an unknown node",
       .file = "routing_table.csv",
       .text = "h\n7,1,0,0,1\n",
       .line = 2,
       .field = "nodeId",
       .reason = "unknown node 7"},
      {.name = "route to an unknown node",
       .file = "routing_table.csv",
       .text = "h\n0,8,0,0,1\n",
       .line = 2,
       .field = "dstNodeId",
       .reason = "unknown node 8"},
      {.name = "route to a port the node lacks",
       .file = "routing_table.csv",
       .text = "h\n0,1,1,0,1\n",
       .line = 2,
       .field = "dstPortId",
       .reason = "no port 1"},
      {.name = "route out of a port the node lacks",
       .file = "routing_table.csv",
       .text = "h\n2,1,0,1 2,1 1\n",
       .line = 2,
       .field = "outPorts",
       .reason = "no port 2"},
      {.name = "metrics and ports differ",
       .file = "routing_table.csv",
       .text = "h\n2,1,0,0 1,1\n",
       .line = 2,
       .field = "metrics",
       .reason = "1 metrics for 2 out-ports"},
      {.name = "duplicate route",
       .file = "routing_table.csv",
       .text = "h\n2,1,0,0,1\n\n2,1,0,1,1\n",
       .line = 4,
       .field = "dstPortId",
       .reason = "duplicate route"},
      {.name = "channel to an unknown node",
       .file = "transport_channel.csv",
       .text = "h\n0,0,0,3,0,0,7\n",
       .line = 2,
       .field = "nodeId2",
       .reason = "unknown node 3"},
      {.name = "channel at a switch",
       .file = "transport_channel.csv",
       .text = "h\n0,0,0,2,0,0,7\n",
       .line = 2,
       .field = "nodeId2",
       .reason = "must be a DEVICE"},
      {.name = "duplicate TPN",
       .file = "transport_channel.csv",
       .text = "h\n0,0,0,1,0,0,7\n0,0,0,1,0,1,8\n",
       .line = 3,
       .field = "tpn1",
       .reason = "TPN 0 used twice on node 0 port 0"},
      {.name = "channel priority too high",
       .file = "transport_channel.csv",
       .text = "h\n0,0,0,1,0,0,16\n",
       .line = 2,
       .field = "priority",
       .reason = "not below UB_PRIORITY_NUM 16"},
      {.name = "negative size",
       .file = "traffic.csv",
       .text = task_neg,
       .line = 3,
       .field = "dataSize(Byte)",
       .reason = "negative value"},
      {.name = "zero size",
       .file = "traffic.csv",
       .text = task_zero,
       .line = 3,
       .field = "dataSize(Byte)",
       .reason = "size must be positive"},
      {.name = "duplicate task",
       .file = "traffic.csv",
       .text = task_dup,
       .line = 3,
       .field = "taskId",
       .reason = "duplicate task 0 (also on line 2)"},
      {.name = "task to an unknown node",
       .file = "traffic.csv",
       .text = task_node,
       .line = 3,
       .field = "destNode",
       .reason = "unknown node 5"},
      {.name = "task to a switch",
       .file = "traffic.csv",
       .text = task_switch,
       .line = 3,
       .field = "destNode",
       .reason = "must be a DEVICE"},
      {.name = "task to itself",
       .file = "traffic.csv",
       .text = task_self,
       .line = 3,
       .field = "destNode",
       .reason = "source and destination are node 1"},
      {.name = "unknown op type",
       .file = "traffic.csv",
       .text = task_op,
       .line = 3,
       .field = "opType",
       .reason = "unknown op type"},
      {.name = "task priority too high",
       .file = "traffic.csv",
       .text = task_prio,
       .line = 3,
       .field = "priority",
       .reason = "priority 16 not below"},
      {.name = "dependency on a phase without tasks",
       .file = "traffic.csv",
       .text = task_phase,
       .line = 3,
       .field = "dependOnPhases",
       .reason = "phase 4 has no task"},
      {.name = "phase depending on itself",
       .file = "traffic.csv",
       .text = task_selfdep,
       .line = 3,
       .field = "dependOnPhases",
       .reason = "depends on itself"},
      {.name = "phase cycle",
       .file = "traffic.csv",
       .text = task_cycle,
       .line = 3,
       .field = "dependOnPhases",
       .reason = "a cycle"},
      {.name = "bad start delay",
       .file = "traffic.csv",
       .text = task_delay,
       .line = 3,
       .field = "delay",
       .reason = "unknown time unit"},
      {.name = "total size overflow",
       .file = "traffic.csv",
       .text = task_big,
       .line = 3,
       .field = "dataSize(Byte)",
       .reason = "overflows"},
      {.name = "fault of an unknown task",
       .file = "fault.csv",
       .text = "h\n9,0,5,0,0,0,0\n",
       .line = 2,
       .field = "taskId",
       .reason = "unknown task 9"},
      {.name = "fault at an unknown node",
       .file = "fault.csv",
       .text = "h\n0,4,0,0,12 0 100,0,0\n",
       .line = 2,
       .field = "lowerDataRate",
       .reason = "unknown node 12"},
      {.name = "fault rate missing",
       .file = "fault.csv",
       .text = "h\n0,2,0,0,0,0,0\n",
       .line = 2,
       .field = "lowerDataRate",
       .reason = "needs \"node port Mbps\""},
      {.name = "fault type unknown",
       .file = "fault.csv",
       .text = "h\n0,6,0,0,0,0,0\n",
       .line = 2,
       .field = "faultType",
       .reason = "unknown fault type 6"},
      {.name = "fault percent above 100",
       .file = "fault.csv",
       .text = "h\n0,0,101,0,0,0,0\n",
       .line = 2,
       .field = "dropRate(%)",
       .reason = "above 100%"},
      {.name = "attribute with a bad value",
       .file = "network_attribute.txt",
       .text = "# x\ndefault ns3::UbPort::UbDataRate \"400Gbs\"\n",
       .line = 2,
       .field = "ns3::UbPort::UbDataRate",
       .reason = "unknown rate unit"},
      {.name = "attribute with an unknown choice",
       .file = "network_attribute.txt",
       .text = "default ns3::UbSwitch::FlowControl \"XON\"\n",
       .line = 1,
       .field = "ns3::UbSwitch::FlowControl",
       .reason = "unknown flow control"},
      {.name = "attribute with a bad boolean",
       .file = "network_attribute.txt",
       .text = "global UB_FAULT_ENABLE \"yes\"\n",
       .line = 1,
       .field = "UB_FAULT_ENABLE",
       .reason = "not a boolean"},
      {.name = "too many priorities",
       .file = "network_attribute.txt",
       .text = "global UB_PRIORITY_NUM \"17\"\n",
       .line = 1,
       .field = "UB_PRIORITY_NUM",
       .reason = "outside 1..16"},
      {.name = "attribute with an unknown directive",
       .file = "network_attribute.txt",
       .text = "set ns3::UbPort::UbDataRate \"400Gbps\"\n",
       .line = 1,
       .field = "",
       .reason = "expected `default` or `global`"},
      {.name = "attribute without a value",
       .file = "network_attribute.txt",
       .text = "\ndefault ns3::UbPort::UbDataRate\n",
       .line = 2,
       .field = "ns3::UbPort::UbDataRate",
       .reason = "missing value"},
      {.name = "attribute quote unterminated",
       .file = "network_attribute.txt",
       .text = "default ns3::UbPort::UbDataRate \"400Gbps\n",
       .line = 1,
       .field = "ns3::UbPort::UbDataRate",
       .reason = "unterminated"},
      {.name = "missing node file",
       .file = "node.csv",
       .text = "-",
       .line = 0,
       .field = "",
       .reason = "missing file"},
  });
  for (const Bad& b : rows) {
    INFO(b.name);
    auto files = small_case();
    if (b.text == "-") {
      files.erase(std::string(b.file));
    } else {
      files[std::string(b.file)] = std::string(b.text);
    }
    auto c = assemble_ns3_case(files);
    REQUIRE_FALSE(c);
    INFO(to_string(c.error()));
    CHECK(c.error().file == b.file);
    CHECK(c.error().line == b.line);
    CHECK(c.error().field == b.field);
    CHECK(c.error().reason.find(b.reason) != std::string::npos);
  }
}

TEST_CASE("ns3 import: settings ns-3 ignores or never runs are warnings", "[sim][ns3]") {
  auto files = small_case();
  files["network_attribute.txt"] = "default ns3::UbSomething::Else \"1\"\n";
  files["traffic.csv"] = "h\n0,0,1,4096,URMA_WRITE_NOTIFY,7,10ns,0,\n";
  files["fault.csv"] = "h\n0,3,0,0,0,1 5,0\n0,2,0,0,0 0 100,0,0\n";
  const Ns3Case c = assemble_ok(files);
  REQUIRE(c.warnings.size() == 5);
  CHECK(c.warnings[0].field == "ns3::UbSomething::Else");
  CHECK(c.warnings[1].file == "traffic.csv");
  CHECK(c.warnings[1].reason.find("URMA_WRITE_NOTIFY never starts in ns-3") != std::string::npos);
  CHECK(c.warnings[2].file == "fault.csv");
  CHECK(c.warnings[2].line == 2);
  CHECK(c.warnings[2].reason.find("type 3 is inert") != std::string::npos);
  CHECK(c.warnings[3].line == 3);
  CHECK(c.warnings[3].reason.find("only at switches") != std::string::npos);
  CHECK(c.warnings[4].line == 0);
  CHECK(c.warnings[4].reason.find("UB_FAULT_ENABLE is false") != std::string::npos);
  CHECK_FALSE(describe(c).faults_enabled);
  CHECK(describe(c).warnings == 5);
}

namespace {

// The counts ns3ub-formats.md (sections 1, 3 and 4) gives for each shipped case.
struct ShippedCase {
  std::string_view name;
  std::size_t hosts, switches, links, routes, channels, tasks;
  std::uint64_t total_bytes;
  std::size_t faults;
};

constexpr auto kShipped = std::to_array<ShippedCase>({
    // 4 writes of 16,384,000 B at priorities 7-10 through switch 2
    {"2nodes_dwrr", 2, 1, 2, 4, 4, 4, 4 * 16'384'000ULL, 0},
    // 32 hosts, 4 leaves, 8 spines; hosts 31 routes each, leaves and spines 32; one TP pair at
    // priorities 7 and 8 per unordered host pair; 8 writes of 400,000 B
    {"clos_32hosts-4leafs-8spines_pod2pod", 32, 12, 64, 32 * 31 + 12 * 32, 32 * 31, 8,
     8 * 400'000ULL, 0},
    // 3 x 400 KiB writes plus a 400 KiB read over 3 spines
    // (routes: each host one, the two leaf switches two, the three spines two each)
    {"2nodes_single-tp", 2, 5, 8, 12, 2, 4, 4 * 409'600ULL, 0},
    {"2nodes_single-tp-read", 2, 5, 8, 12, 2, 1, 4'000'000ULL, 0},
    // 3 host ports, 3 switches, 3 paths; 3 TPs at each of priorities 7 and 8
    {"2nodes_multiple-tp", 2, 3, 6, 12, 6, 1, 4'000'000ULL, 0},
    {"2nodes_packet-spray", 2, 5, 8, 12, 2, 1, 4'000'000ULL, 0},
    // 16 devices of 6 ports, 48 links; two MEM_STORE tasks of about 16.4 MB from node 0
    {"2dfm4x4-multipath_a2a", 16, 0, 48, 384, 192, 2, 16'384'009ULL + 16'384'000ULL, 0},
    // hosts 0-7, switches 8-17; one 400 KiB write; one type 2 fault, disabled
    {"clos_fault_injection", 8, 10, 32, 64, 56, 1, 409'600ULL, 1},
});

} // namespace

TEST_CASE("ns3 import: the shipped case folders load with the counts of ns3ub-formats.md",
          "[sim][ns3]") {
  const auto dir = shipped_cases_dir();
  std::error_code ec;
  if (dir.empty() || !std::filesystem::is_directory(dir, ec)) {
    WARN("neither UB_NS3_CASES nor UB_SOURCE_DIR/scenarios/ns3ub is a folder: skipped");
    return;
  }
  std::vector<std::filesystem::path> folders;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.is_directory()) {
      folders.push_back(e.path());
    }
  }
  std::sort(folders.begin(), folders.end());
  CHECK(folders.size() >= kShipped.size());
  std::size_t checked = 0;
  for (const auto& folder : folders) {
    INFO(folder.string());
    auto c = load_ns3_case(folder);
    INFO((c ? std::string{} : to_string(c.error())));
    REQUIRE(c);
    const Ns3CaseSummary s = describe(*c);
    const auto* want = std::find_if(kShipped.begin(), kShipped.end(), [&](const ShippedCase& k) {
      return k.name == folder.filename().string();
    });
    if (want == kShipped.end()) {
      continue;
    }
    ++checked;
    CHECK(s.hosts == want->hosts);
    CHECK(s.switches == want->switches);
    CHECK(s.links == want->links);
    CHECK(s.routes == want->routes);
    CHECK(s.channels == want->channels);
    CHECK(s.tasks == want->tasks);
    CHECK(s.total_bytes == want->total_bytes);
    CHECK(s.faults == want->faults);
    CHECK_FALSE(s.faults_enabled); // every shipped case has UB_FAULT_ENABLE false
    // each shipped case's own settings (§3 "shipped cases" column)
    const Ns3Settings& st = c->settings();
    CHECK(st.flow_control == Ns3FlowControl::Cbfc);
    CHECK(st.cbfc_init_credit_cells == 6553);
    CHECK(st.ldst_threads == 10);
    CHECK(st.vl_scheduler ==
          (want->name == "2nodes_dwrr" ? Ns3VlScheduler::Dwrr : Ns3VlScheduler::Sp));
    CHECK(st.enable_multipath == (want->name == "2nodes_multiple-tp"));
    CHECK(st.use_packet_spray == (want->name == "2nodes_packet-spray"));
  }
  CHECK(checked == kShipped.size());
}

TEST_CASE("ns3 import: details of shipped cases as ns3ub-formats.md describes them", "[sim][ns3]") {
  const auto dir = shipped_cases_dir();
  std::error_code ec;
  if (dir.empty() || !std::filesystem::is_directory(dir, ec)) {
    WARN("neither UB_NS3_CASES nor UB_SOURCE_DIR/scenarios/ns3ub is a folder: skipped");
    return;
  }
  {
    auto c = load_ns3_case(dir / "2nodes_dwrr");
    REQUIRE(c);
    CHECK(c->settings().dwrr_default_quantum == 6000);
    CHECK(c->settings().dwrr_vl_quantums == std::vector<std::pair<std::uint32_t, std::uint64_t>>{
                                                {7, 6000}, {8, 6000}, {9, 6000}, {10, 6000}});
    for (std::uint32_t i = 0; i < 4; ++i) {
      CHECK(c->tasks[i].priority == 7 + i);
      CHECK(c->tasks[i].delay == 10_ns);
      CHECK(c->channels[i].tpn1 == i);
    }
    for (const Ns3Node& n : c->nodes) {
      CHECK(n.forward_delay == 1_ns);
    }
  }
  {
    auto c = load_ns3_case(dir / "clos_32hosts-4leafs-8spines_pod2pod");
    REQUIRE(c);
    for (const Ns3Link& l : c->links) {
      CHECK(l.bandwidth == BitRate{400'000'000'000});
      CHECK(l.delay == 20_ns);
    }
    // host h on leaf 32 + h/8, port h mod 8; leaf port 8 + j to spine 36 + j, port leaf - 32
    for (const Ns3Link& l : c->links) {
      if (l.node1 < 32) {
        CHECK(l.node2 == 32 + l.node1 / 8);
        CHECK(l.port2 == l.node1 % 8);
      } else {
        CHECK(l.node2 == 36 + (l.port1 - 8));
        CHECK(l.port2 == l.node1 - 32);
      }
    }
    // a leaf reaches remote hosts over ports 8..15 at metric 3
    const auto remote = std::find_if(c->routes.begin(), c->routes.end(), [](const Ns3Route& r) {
      return r.node == 32 && r.dst_node == 20;
    });
    REQUIRE(remote != c->routes.end());
    CHECK(remote->out_ports == std::vector<std::uint32_t>{8, 9, 10, 11, 12, 13, 14, 15});
    CHECK(remote->metrics == std::vector<std::uint32_t>(8, 3));
    for (const Ns3Task& t : c->tasks) {
      CHECK(t.dst == t.src + 16);
      CHECK(t.op == Ns3OpType::UrmaWrite);
    }
  }
  {
    auto c = load_ns3_case(dir / "clos_fault_injection");
    REQUIRE(c);
    REQUIRE(c->faults.size() == 1);
    const Ns3Fault& f = c->faults[0];
    CHECK(f.type == Ns3FaultType::Congestion);
    REQUIRE(f.port_rate);
    CHECK(f.port_rate->node == 8);
    CHECK(f.port_rate->port == 0);
    CHECK(f.port_rate->rate == BitRate{1'000'000'000});
    CHECK_FALSE(c->settings().fault_enable);
    CHECK(c->channels[0].metric == std::nullopt);
  }
  {
    auto c = load_ns3_case(dir / "2dfm4x4-multipath_a2a");
    REQUIRE(c);
    for (const Ns3Task& t : c->tasks) {
      CHECK(t.op == Ns3OpType::MemStore);
      CHECK(t.src == 0);
      CHECK(t.phase == 1);
    }
    CHECK(c->tasks[0].dst == 10);
    CHECK(c->tasks[1].dst == 13);
  }
}

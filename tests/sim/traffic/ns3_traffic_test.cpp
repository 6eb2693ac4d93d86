// ns-3 UB tasks to flows (sim/traffic/ns3_traffic): the eight shipped case folders, phases as
// ordered barriers, the op mapping and its sizes, and every refusal with file, line and column.

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>

#include <catch2/catch.hpp>

#include "sim/import/ns3_case.hpp"
#include "sim/import/ns3_test_util.hpp"
#include "sim/traffic/flow_checks.hpp"
#include "sim/traffic/ns3_traffic.hpp"

using namespace ub;
using namespace ub::literals;
using namespace ub::sim;
using ub::test::assemble_ok;
using ub::test::shipped_cases_dir;

namespace {

// Identity: node n is endpoint n; nodes from `switches` on are not endpoints.
Ns3EndpointOf first_nodes(std::uint32_t switches) {
  return [switches](std::uint32_t node) -> std::optional<std::uint32_t> {
    if (node >= switches) {
      return std::nullopt;
    }
    return node;
  };
}

Ns3Task task(std::uint32_t id, std::uint32_t src, std::uint32_t dst, std::uint32_t phase,
             std::vector<std::uint32_t> deps = {}) {
  Ns3Task t;
  t.id = id;
  t.src = src;
  t.dst = dst;
  t.bytes = 1000 + id;
  t.phase = phase;
  t.depends_on = std::move(deps);
  t.delay = Time{static_cast<std::int64_t>(id) * 1000};
  t.priority = 7;
  t.line = id + 2;
  return t;
}

std::vector<Flow> flows_ok(const std::vector<Ns3Task>& tasks, std::uint32_t endpoints = 8) {
  auto flows = flows_from_ns3(tasks, first_nodes(endpoints));
  INFO((flows ? std::string{} : to_string(flows.error())));
  REQUIRE(flows);
  sim::test::check_flow_invariants(*flows, endpoints);
  return std::move(*flows);
}

} // namespace

TEST_CASE("ns3 traffic: the shipped case folders become one flow per task", "[traffic]") {
  const auto dir = shipped_cases_dir();
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    WARN("no scenarios/ns3ub folder (set UB_SOURCE_DIR or UB_NS3_CASES): skipped");
    return;
  }
  struct Want {
    const char* name;
    std::size_t tasks;
    std::uint32_t endpoints;
  };
  const std::vector<Want> cases{
      {"2dfm4x4-multipath_a2a", 2, 16},
      {"2nodes_dwrr", 4, 2},
      {"2nodes_multiple-tp", 1, 2},
      {"2nodes_packet-spray", 1, 2},
      {"2nodes_single-tp", 4, 2},
      {"2nodes_single-tp-read", 1, 2},
      {"clos_32hosts-4leafs-8spines_pod2pod", 8, 32},
      {"clos_fault_injection", 1, 8},
  };
  for (const Want& w : cases) {
    INFO(w.name);
    auto c = load_ns3_case(dir / w.name);
    INFO((c ? std::string{} : to_string(c.error())));
    REQUIRE(c);
    const auto endpoint_of = ns3_device_endpoints(*c);
    auto r = flows_from_ns3(c->tasks, endpoint_of, ns3_flow_options(c->settings()));
    INFO((r ? std::string{} : to_string(r.error())));
    REQUIRE(r);
    const std::vector<Flow>& flows = *r;
    sim::test::check_flow_invariants(flows, w.endpoints);
    REQUIRE(flows.size() == w.tasks);
    for (std::size_t k = 0; k < flows.size(); ++k) {
      const Flow& f = flows[k];
      const Ns3Task& t = c->tasks[k]; // one phase each: file order kept
      CHECK(f.task == t.id);
      CHECK(f.src == *endpoint_of(t.src));
      CHECK(f.dst == *endpoint_of(t.dst));
      CHECK(f.bytes == t.bytes);
      CHECK(f.priority == t.priority);
      if (w.name == std::string_view("2dfm4x4-multipath_a2a") && k == 1) {
        // the second MEM_STORE from node 0 queues behind the first on LDST threads {0, 1}
        CHECK(f.start == Time{0});
        CHECK(f.after == std::vector<std::uint32_t>{0});
      } else {
        CHECK(f.start == 10_ns); // every shipped task: 10 ns, no dependencies
        CHECK(f.after.empty());
      }
      CHECK(f.after_phases.empty());
      CHECK(f.phase == 0);
      CHECK(f.group == 0);
    }
    const std::string name = w.name;
    if (name == "2nodes_single-tp") {
      for (std::size_t k = 0; k < 3; ++k) {
        CHECK(flows[k].op == OpKind::Write);
        CHECK(flows[k].op_bytes == 65536); // UB_WQE_TA_SEGMENT_BYTE
        CHECK(flows[k].src == 0);
        CHECK(flows[k].window == 0);
      }
      CHECK(flows[3].op == OpKind::Read);
      CHECK(flows[3].src == 1);
      CHECK(flows[3].dst == 0);
    } else if (name == "2dfm4x4-multipath_a2a") {
      CHECK(flows[0].op == OpKind::Store);
      CHECK(flows[0].op_bytes == 512);
      CHECK(flows[0].window == 128); // two LDST threads of 64 stores
      CHECK(flows[0].bytes == 16'384'009);
      CHECK(flows[1].dst == 13);
    } else if (name == "clos_32hosts-4leafs-8spines_pod2pod") {
      for (std::uint32_t i = 0; i < 8; ++i) {
        CHECK(flows[i].src == i);
        CHECK(flows[i].dst == 16 + i);
        CHECK(flows[i].bytes == 400'000);
      }
    } else if (name == "2nodes_dwrr") {
      for (std::uint32_t i = 0; i < 4; ++i) {
        CHECK(flows[i].priority == 7 + i);
      }
    }
  }
}

TEST_CASE("ns3 traffic: a case's device nodes are its endpoints in id order", "[traffic]") {
  // Devices 0, 1, 5 and switches 2..4: devices 0, 1, 5 are endpoints 0, 1, 2.
  Ns3CaseFiles files{
      {"network_attribute.txt", ""},
      {"node.csv", "nodeId,nodeType,portNum\n5,DEVICE,1\n0..1,DEVICE,1\n2..4,SWITCH,3\n"},
      {"topology.csv", "nodeId1,portId1,nodeId2,portId2,bandwidth,delay\n"
                       "0,0,2,0,400Gbps,20ns\n1,0,2,1,400Gbps,20ns\n5,0,2,2,400Gbps,20ns\n"},
      {"routing_table.csv", "nodeId,dstNodeId,dstPortId,outPorts,metrics\n"},
      {"traffic.csv", "taskId,sourceNode,destNode,dataSize(Byte),opType,priority,delay,phaseId,"
                      "dependOnPhases\n"
                      "0,5,0,4096,MEM_LOAD,7,10ns,0,\n"},
  };
  auto c = assemble_ns3_case(files);
  INFO((c ? std::string{} : to_string(c.error())));
  REQUIRE(c);
  const auto endpoint_of = ns3_device_endpoints(*c);
  CHECK(endpoint_of(0) == 0U);
  CHECK(endpoint_of(1) == 1U);
  CHECK(endpoint_of(5) == 2U);
  CHECK_FALSE(endpoint_of(2).has_value());
  CHECK_FALSE(endpoint_of(6).has_value());
  auto flows = flows_from_ns3(c->tasks, endpoint_of, ns3_flow_options(c->settings()));
  REQUIRE(flows);
  REQUIRE(flows->size() == 1);
  CHECK((*flows)[0].src == 2);
  CHECK((*flows)[0].dst == 0);
  CHECK((*flows)[0].op == OpKind::Load);
  CHECK((*flows)[0].op_bytes == 512);
  CHECK((*flows)[0].window == 128);
}

TEST_CASE("ns3 traffic: phases become barriers in a dependency order", "[traffic]") {
  // The file lists phase 20 (which waits for 10 and 30) before them; phase 30 waits for 10.
  const std::vector<Ns3Task> tasks{
      task(0, 0, 1, 20, {10, 30}), task(1, 1, 2, 10),       task(2, 2, 3, 30, {10}),
      task(3, 3, 4, 10),           task(4, 4, 5, 20, {30}), task(5, 5, 6, 40),
  };
  const auto flows = flows_ok(tasks);
  REQUIRE(flows.size() == 6);
  // Phase order, taking among the phases free to go the one seen first in the file: 10 (free,
  // seen before 40), 30 (freed by 10, seen before 40), 20 (freed by 30, seen first of all), 40.
  std::vector<std::uint32_t> ids;
  for (const Flow& f : flows) {
    ids.push_back(f.task);
  }
  CHECK(ids == std::vector<std::uint32_t>{1, 3, 2, 0, 4, 5});
  CHECK(flows[0].phase == 0); // ns-3 phase 10
  CHECK(flows[1].phase == 0);
  CHECK(flows[2].phase == 1); // 30
  CHECK(flows[2].after_phases == std::vector<std::uint32_t>{0});
  CHECK(flows[3].phase == 2); // 20: task 0 waits for 10 and 30
  CHECK(flows[3].after_phases == std::vector<std::uint32_t>{0, 1});
  CHECK(flows[4].after_phases == std::vector<std::uint32_t>{1}); // task 4 only for 30
  CHECK(flows[5].phase == 3);                                    // 40
  CHECK(flows[5].after_phases.empty());
  for (const Flow& f : flows) {
    CHECK(f.start == Time{static_cast<std::int64_t>(f.task) * 1000}); // delay, after the phases
    CHECK(f.bytes == 1000 + f.task);
    CHECK(f.after.empty());
  }
  // A file already in order keeps its order.
  const std::vector<Ns3Task> ordered{task(0, 0, 1, 1), task(1, 1, 0, 2, {1}), task(2, 0, 1, 2),
                                     task(3, 1, 0, 3, {1, 2})};
  const auto same = flows_ok(ordered);
  for (std::uint32_t k = 0; k < 4; ++k) {
    CHECK(same[k].task == k);
  }
  CHECK(same[3].after_phases == std::vector<std::uint32_t>{0, 1});
}

TEST_CASE("ns3 traffic: MEM tasks of one node queue on its LDST threads", "[traffic]") {
  // Node 0: stores at delays 3, 1 and 2 us (issued 1, 2, 3), a load, a store to another node
  // and a write; node 1: one store. Phase 2 (after phase 1): one more store from node 0.
  const auto mem = [](std::uint32_t id, std::uint32_t src, std::uint32_t dst, Ns3OpType op,
                      std::int64_t delay_us, std::uint32_t phase = 1,
                      std::vector<std::uint32_t> deps = {}) {
    Ns3Task t = task(id, src, dst, phase, std::move(deps));
    t.op = op;
    t.delay = Time{delay_us * 1'000'000};
    return t;
  };
  std::vector<Ns3Task> tasks{
      mem(0, 0, 1, Ns3OpType::MemStore, 3), mem(1, 0, 2, Ns3OpType::MemStore, 1),
      mem(2, 0, 1, Ns3OpType::MemLoad, 1),  mem(3, 1, 0, Ns3OpType::MemStore, 1),
      mem(4, 0, 3, Ns3OpType::MemStore, 2), mem(5, 0, 1, Ns3OpType::UrmaWrite, 0),
  };
  tasks.push_back(mem(6, 0, 1, Ns3OpType::MemStore, 5, 2, {1}));
  const auto flows = flows_ok(tasks);
  std::vector<std::uint32_t> ids;
  for (const Flow& f : flows) {
    ids.push_back(f.task);
  }
  // by phase, then by delay, file order among equals
  REQUIRE(ids == std::vector<std::uint32_t>{5, 1, 2, 3, 4, 0, 6});
  const auto by_task = [&](std::uint32_t t) -> const Flow& {
    return flows[static_cast<std::size_t>(std::find(ids.begin(), ids.end(), t) - ids.begin())];
  };
  // node 0's stores: task 1 (1 us) first, then 4 (2 us) after it, then 0 (3 us) after 4
  CHECK(by_task(1).after.empty());
  CHECK(by_task(1).start == 1_us);
  CHECK(by_task(4).after == std::vector<std::uint32_t>{by_task(1).id});
  CHECK(by_task(4).start == 1_us); // its delay less the previous one's
  CHECK(by_task(0).after == std::vector<std::uint32_t>{by_task(4).id});
  CHECK(by_task(0).start == 1_us);
  // loads, other nodes' stores and URMA tasks do not wait for them
  CHECK(by_task(2).after.empty());
  CHECK(by_task(3).after.empty());
  CHECK(by_task(5).after.empty());
  // a later phase starts on free threads: only its phase barrier
  CHECK(by_task(6).after.empty());
  CHECK(by_task(6).after_phases == std::vector<std::uint32_t>{0});
  CHECK(by_task(6).start == 5_us);
  // tasks of one phase with different dependencies are not issued together: no chain
  const std::vector<Ns3Task> split{mem(0, 0, 1, Ns3OpType::MemStore, 1, 1),
                                   mem(1, 0, 1, Ns3OpType::MemStore, 1, 2),
                                   mem(2, 0, 1, Ns3OpType::MemStore, 1, 3, {1}),
                                   mem(3, 0, 1, Ns3OpType::MemStore, 1, 3, {1, 2})};
  const auto sf = flows_ok(split);
  for (const Flow& f : sf) {
    CHECK(f.after.empty());
  }
}

TEST_CASE("ns3 traffic: op types map to flow ops", "[traffic]") {
  std::vector<Ns3Task> tasks{task(0, 0, 1, 0), task(1, 0, 1, 0), task(2, 0, 1, 0), task(3, 0, 1, 0),
                             task(4, 0, 1, 0)};
  tasks[0].op = Ns3OpType::UrmaWrite;
  tasks[1].op = Ns3OpType::UrmaRead;
  tasks[2].op = Ns3OpType::MemStore;
  tasks[3].op = Ns3OpType::MemLoad;
  tasks[4].op = Ns3OpType::UrmaWriteNotify;
  Ns3FlowOptions o;
  o.urma_op_bytes = 1111;
  o.store_op_bytes = 222;
  o.load_op_bytes = 333;
  o.store_window = 4;
  o.load_window = 5;
  o.urma_window = 6;
  auto r = flows_from_ns3(tasks, first_nodes(2), o);
  REQUIRE(r);
  const auto& f = *r;
  CHECK(f[0].op == OpKind::Write);
  CHECK(f[0].op_bytes == 1111);
  CHECK(f[0].window == 6);
  CHECK(f[1].op == OpKind::Read);
  CHECK(f[1].op_bytes == 1111);
  CHECK(f[2].op == OpKind::Store);
  CHECK(f[2].op_bytes == 222);
  CHECK(f[2].window == 4);
  CHECK(f[3].op == OpKind::Load);
  CHECK(f[3].op_bytes == 333);
  CHECK(f[3].window == 5);
  CHECK(f[4].op == OpKind::Write);
  // The options follow a case's settings.
  Ns3Settings s;
  s.ta_segment_bytes = 32768;
  s.ldst_store_request_bytes = 256;
  s.ldst_load_response_bytes = 128;
  s.ldst_store_outstanding = 10;
  s.ldst_load_outstanding = 20;
  const Ns3FlowOptions from = ns3_flow_options(s);
  CHECK(from.urma_op_bytes == 32768);
  CHECK(from.store_op_bytes == 256);
  CHECK(from.load_op_bytes == 128);
  CHECK(from.store_window == 20);
  CHECK(from.load_window == 40);
  CHECK(from.urma_window == 0);
}

TEST_CASE("ns3 traffic: bad tasks are refused with file, line and column", "[traffic]") {
  struct Case {
    const char* what;
    std::vector<Ns3Task> tasks;
    std::size_t line;
    std::string field;
  };
  auto with = [](Ns3Task t, auto edit) {
    edit(t);
    return t;
  };
  const std::vector<Case> cases{
      {"a switch as source", {task(0, 9, 1, 0)}, 2, "sourceNode"},
      {"a switch as destination", {task(0, 0, 1, 0), task(1, 1, 8, 0)}, 3, "destNode"},
      {"one endpoint to itself", {task(0, 3, 3, 0)}, 2, "destNode"},
      {"zero bytes",
       {with(task(0, 0, 1, 0), [](Ns3Task& t) { t.bytes = 0; })},
       2,
       "dataSize(Byte)"},
      {"priority above 255",
       {with(task(0, 0, 1, 0), [](Ns3Task& t) { t.priority = 256; })},
       2,
       "priority"},
      {"unknown op type",
       {with(task(0, 0, 1, 0), [](Ns3Task& t) { t.op = static_cast<Ns3OpType>(9); })},
       2,
       "opType"},
      {"negative delay",
       {with(task(0, 0, 1, 0), [](Ns3Task& t) { t.delay = Time{-1}; })},
       2,
       "delay"},
      {"duplicate task id",
       {task(0, 0, 1, 0), with(task(1, 1, 0, 0), [](Ns3Task& t) { t.id = 0; })},
       3,
       "taskId"},
      {"a phase no task has", {task(0, 0, 1, 0), task(1, 1, 0, 1, {7})}, 3, "dependOnPhases"},
      {"a phase waiting for itself", {task(0, 0, 1, 4, {4})}, 2, "dependOnPhases"},
      {"a cycle of phases",
       {task(0, 0, 1, 0), task(1, 0, 1, 1, {2}), task(2, 1, 0, 2, {3}), task(3, 0, 1, 3, {1}),
        task(4, 1, 0, 5, {1})},
       3,
       "dependOnPhases"},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    const auto r = flows_from_ns3(c.tasks, first_nodes(8));
    REQUIRE_FALSE(r);
    CHECK(r.error().file == "traffic.csv");
    CHECK(r.error().line == c.line);
    CHECK(r.error().key == c.field);
    CHECK_FALSE(r.error().reason.empty());
  }
}

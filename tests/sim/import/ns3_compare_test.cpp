// Shipped ns-3 UB cases through the fabric simulator, against the completion times that simulator
// reports (../shared/spec/ns3ub-formats.md section 4) and against analytical bounds: the small
// cases of experiment S18 (docs/experiments.md, scripts/ns3_compare.sh), fast enough for the
// debug build.
#include <array>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>

#include "ns3_test_util.hpp"
#include "sim/fabric/fabric_sim.hpp"
#include "sim/fabric/sim_setup.hpp"
#include "sim/import/ns3_convert.hpp"
#include "sim/traffic/ns3_traffic.hpp"

using namespace ub;
using namespace ub::sim;
using ub::test::assemble_ok;
using ub::test::read_folder;
using ub::test::shipped_cases_dir;

namespace {

bool have_cases() {
  std::error_code ec;
  return std::filesystem::is_directory(shipped_cases_dir(), ec);
}

struct Run {
  SimInput in;
  SimResult r;
  // A task's completion time as ns-3 counts it: from its issue (the shipped tasks' 10 ns delay).
  [[nodiscard]] double fct_us(std::uint32_t task) const {
    for (const FlowResult& f : r.flows) {
      if (f.task == task) {
        REQUIRE(f.done);
        return to_us(f.end) - 0.01;
      }
    }
    FAIL("no flow for task " << task);
    return 0;
  }
  // The busiest link direction's serialisation time and the name of its ends.
  [[nodiscard]] double busiest_us(std::string* from = nullptr, std::string* to = nullptr) const {
    std::size_t best = 0;
    for (std::size_t g = 0; g < r.ports.size(); ++g) {
      if (r.ports[g].busy > r.ports[best].busy) {
        best = g;
      }
    }
    for (const Node& n : in.topology.nodes()) {
      for (PortIndex k = 0; k < n.port_count; ++k) {
        if (n.first_port + k == best) {
          if (from != nullptr) {
            *from = n.name;
          }
          if (to != nullptr) {
            *to = in.topology.node(in.topology.peer(PortRef{n.id, k}).node).name;
          }
        }
      }
    }
    return to_us(r.ports[best].busy);
  }
};

Run run_input(SimInput in) {
  auto sim = FabricSim::make(in.scenario, in.topology, in.flows);
  INFO((sim ? std::string{} : to_string(sim.error())));
  REQUIRE(sim);
  SimResult r = (*sim)->run();
  CHECK(r.stop == SimStop::Completed);
  CHECK(r.oracle_violations == 0);
  CHECK(r.stuck_packets == 0);
  return Run{std::move(in), std::move(r)};
}

Run run_folder(std::string_view name) {
  auto in = prepare(shipped_cases_dir() / std::string(name), {});
  INFO((in ? std::string{} : to_string(in.error())));
  REQUIRE(in);
  return run_input(std::move(*in));
}

Run run_files(const Ns3CaseFiles& files) {
  auto c = assemble_ns3_case(files);
  INFO((c ? std::string{} : to_string(c.error())));
  REQUIRE(c);
  auto conv = convert_ns3_case(*c);
  INFO((conv ? std::string{} : to_string(conv.error())));
  REQUIRE(conv);
  const auto& ep_of = conv->endpoint_index_of_ns3_node;
  auto flows = flows_from_ns3(
      c->tasks,
      [&ep_of](std::uint32_t n) -> std::optional<std::uint32_t> {
        if (n >= ep_of.size() || ep_of[n] == kNotEndpoint) {
          return std::nullopt;
        }
        return ep_of[n];
      },
      ns3_flow_options(c->settings()));
  REQUIRE(flows);
  SimInput in{std::move(conv->scenario), std::move(conv->topology), std::move(*flows), {}, true};
  return run_input(std::move(in));
}

} // namespace

TEST_CASE("ns3 compare: a 4 MB read over one spine, as ns-3 reports it", "[ns3cmp]") {
  if (!have_cases()) {
    WARN("no scenarios/ns3ub folder (set UB_SOURCE_DIR or UB_NS3_CASES): skipped");
    return;
  }
  const Run run = run_folder("2nodes_single-tp-read");
  const double fct = run.fct_us(0);
  // The responses cross one 400 Gbit/s spine link back to back: the task takes that link's
  // serialisation plus less than a microsecond of pipeline (request path, first and last hops).
  std::string from;
  std::string to;
  const double busy = run.busiest_us(&from, &to);
  CHECK(from.rfind("switch", 0) == 0);
  CHECK(to.rfind("switch", 0) == 0);
  CHECK(fct > busy);
  CHECK(fct < busy + 1.0);
  // 4,000,000 B of payload at 400 Gbit/s is 80 us; UB headers add 2-3 % (4096-byte packets)
  CHECK(fct > 80.0 * 1.02);
  CHECK(fct < 80.0 * 1.03);
  // ns-3: 81.99 us (its queue at the spine port hides its per-packet allocation time)
  CHECK(std::abs(fct - 81.99) / 81.99 < 0.01);
}

TEST_CASE("ns3 compare: the fault case's write, with ns-3's per-packet allocation gap",
          "[ns3cmp]") {
  if (!have_cases()) {
    WARN("no scenarios/ns3ub folder (set UB_SOURCE_DIR or UB_NS3_CASES): skipped");
    return;
  }
  // Its hosts have no routing_table.csv lines: they send on their TPs' ports.
  const Run run = run_folder("clos_fault_injection");
  const double fct = run.fct_us(0);
  std::string from;
  const double busy = run.busiest_us(&from);
  CHECK(from == "device0"); // the source host's link is the bottleneck
  // 4 links of 20 ns, 3 switches of 10 ns, 3 more store-and-forward serialisations of a
  // 4 KiB packet (84 ns), and the TAACK's way back: about 0.5 us over the host's serialisation
  CHECK(fct > busy + 0.4);
  CHECK(fct < busy + 0.6);
  // ns-3 reports 10.008 us. Its allocator moves one packet per AllocationTime (10 ns here, no
  // forwardDelay column) into a host port that has just sent, so 100 packets wait 1 us more;
  // with that gap added, the two agree within 2 %.
  CHECK(fct < 10.008 * 0.95);
  CHECK(std::abs(fct + 100 * 0.010 - 10.008) / 10.008 < 0.02);
}

TEST_CASE("ns3 compare: the Clos pod-to-pod writes on ns-3's spine choices", "[ns3cmp]") {
  if (!have_cases()) {
    WARN("no scenarios/ns3ub folder (set UB_SOURCE_DIR or UB_NS3_CASES): skipped");
    return;
  }
  // ns-3's murmur3 hash sent flows 1 and 2 through spine 41 and flows 3 and 7 through spine
  // 42; pin those choices at leaf 32 (port 8 + spine - 36) and compare every flow.
  Ns3CaseFiles files = read_folder(shipped_cases_dir() / "clos_32hosts-4leafs-8spines_pod2pod");
  const std::array<std::uint32_t, 8> spine{40, 41, 41, 42, 36, 38, 43, 42};
  std::istringstream lines(files.at("routing_table.csv"));
  std::string out;
  std::string line;
  std::size_t pinned = 0;
  while (std::getline(lines, line)) {
    for (std::uint32_t i = 0; i < 8; ++i) {
      const std::string prefix = "32," + std::to_string(16 + i) + ",0,";
      if (line.rfind(prefix, 0) == 0) {
        line = prefix + std::to_string(8 + spine[i] - 36) + ",3";
        ++pinned;
      }
    }
    out += line + "\n";
  }
  REQUIRE(pinned == 8);
  files["routing_table.csv"] = out;
  const Run run = run_files(files);
  const std::array<double, 8> ns3{8.7805, 16.8449, 16.9002, 16.8509,
                                  8.9305, 8.7805,  8.7635,  16.9052};
  for (std::uint32_t t = 0; t < 8; ++t) {
    INFO("task " << t);
    CHECK(std::abs(run.fct_us(t) - ns3[t]) / ns3[t] < 0.04);
  }
  // two flows on one 400 Gbit/s spine link take twice as long as one alone
  CHECK(run.fct_us(1) / run.fct_us(0) > 1.9);
  CHECK(run.fct_us(1) / run.fct_us(0) < 2.0);
}

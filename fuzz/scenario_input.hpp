#pragma once
// The scenario fuzz target's input and verdict (fuzz/scenario.cpp; the byte layout is in
// fuzz/README.md, "scenario: the input format"), in a header so that tests replay the same
// decoding and the same checks:
//
//   scenario_from_bytes  the bytes as a small Scenario (2-8 controllers, up to 2 switches, a few
//                        flows, a fault schedule), always one the scenario reader accepts and
//                        FabricSim builds;
//   judge                runs a Scenario to quiescence (sim_setup's prepare, FabricSim) and says
//                        what, if anything, is wrong with the run;
//   reduce               drops faults and flows of a failing Scenario while it keeps failing,
//                        so that the TOML written for it is small.
//
// The verdict (MODEL, fuzz/README.md): the oracle accepts every outcome; the run stops by itself
// within kMaxEvents events and kEndTime of model time (no max_events, end_time or deadlock
// stop, unless that budget ran out while the flows were still progressing: cut_while_progressing);
// when the fault schedule heals everything it breaks (every link up at the end, no BER
// left with link retry off), every flow completes (all its operations report a completion,
// failed ones included); and when the schedule has nothing that can lose a packet (no link or
// switch down, no BER with link retry off), every operation succeeds. A fault left in place may
// leave flows unfinished even between connected endpoints: routes avoid a failed link only where
// it starts (and by one-hop detours, A-185), so a node upstream keeps sending into a switch that
// can no longer reach the destination, and every operation then waits out its 1 ms ack timeout.

#include <algorithm>
#include <array>
#include <cstdint>
#include <numeric>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "provider.hpp"
#include "sim/fabric/fabric_sim.hpp"
#include "sim/scenario/build_topology.hpp"
#include "sim/scenario/scenario.hpp"
#include "sim/traffic/traffic.hpp"

namespace ub::fuzz {

// Bounds of one run (written into the scenario, so `ubmodel sim` replays them).
inline constexpr std::uint64_t kMaxEvents = 200'000;
inline constexpr Time kEndTime{20'000'000'000};     // 20 ms of model time
inline constexpr Time kSeriesInterval{100'000'000}; // 100 us: the deadlock watch's step
inline constexpr std::size_t kMaxFlows = 8;
inline constexpr std::size_t kMaxFaultEntries = 8;
// Operations per flow (each repeat): bytes / op_bytes, rounded up. A flow of 8 KiB in 8-byte
// loads was 1,024 operations, and such runs (tens of thousands of events) took most of the
// target's time without reaching more code; every regression input stays below this.
inline constexpr std::uint64_t kMaxOpsPerFlow = 64;

namespace scenario_detail {

inline Time ns(std::int64_t v) {
  return Time{v * 1000};
}

enum class Shape : std::uint8_t {
  Star,          // one switch, every controller on it
  TwoSwitches,   // two switches joined by one link, the controllers split between them
  TwoSwitches2,  // the same with two inter-switch links
  Mesh,          // a 1D full mesh of controllers (forwarding), one link per pair
  Mesh2,         // the same with two links per pair
  Chain,         // controllers in a line, joined directly (forwarding)
  DualHomed,     // two switches, every controller linked to both, no inter-switch link
  TwoSwitchesDh, // two switches, one link between them, controller 0 on both
};

inline std::string ep_name(std::uint32_t i) {
  return fmt::format("e{}", i);
}
inline std::string sw_name(std::uint32_t i) {
  return fmt::format("s{}", i);
}

// The custom topology of a shape (not Mesh, Mesh2) with n controllers.
inline void custom_topology(sim::TopologySpec& t, Shape shape, std::uint32_t n) {
  t.kind = sim::TopologyKind::File;
  const bool direct = shape == Shape::Chain;
  for (std::uint32_t i = 0; i < n; ++i) {
    t.nodes.push_back(sim::CustomNode{ep_name(i), false, direct});
  }
  if (direct) {
    for (std::uint32_t i = 0; i + 1 < n; ++i) {
      t.links.push_back(sim::CustomLink{ep_name(i), ep_name(i + 1), std::nullopt, 0});
    }
    return;
  }
  const std::uint32_t switches = shape == Shape::Star ? 1 : 2;
  for (std::uint32_t s = 0; s < switches; ++s) {
    t.nodes.push_back(sim::CustomNode{sw_name(s), true, true});
  }
  const auto link = [&t](std::string a, std::string b) {
    t.links.push_back(sim::CustomLink{std::move(a), std::move(b), std::nullopt, 0});
  };
  switch (shape) {
  case Shape::Star:
    for (std::uint32_t i = 0; i < n; ++i) {
      link(ep_name(i), sw_name(0));
    }
    break;
  case Shape::DualHomed:
    for (std::uint32_t i = 0; i < n; ++i) {
      link(ep_name(i), sw_name(0));
      link(ep_name(i), sw_name(1));
    }
    break;
  case Shape::TwoSwitches:
  case Shape::TwoSwitches2:
  case Shape::TwoSwitchesDh:
    link(sw_name(0), sw_name(1));
    if (shape == Shape::TwoSwitches2) {
      link(sw_name(0), sw_name(1));
    }
    for (std::uint32_t i = 0; i < n; ++i) {
      link(ep_name(i), sw_name(i < (n + 1) / 2 ? 0 : 1));
    }
    if (shape == Shape::TwoSwitchesDh) {
      link(ep_name(0), sw_name(1));
    }
    break;
  case Shape::Mesh:
  case Shape::Mesh2:
  case Shape::Chain:
    break;
  }
}

} // namespace scenario_detail

// The input bytes as a scenario (fuzz/README.md has the layout). Missing bytes read as zeros.
inline sim::Scenario scenario_from_bytes(const std::uint8_t* data, std::size_t size) {
  using namespace scenario_detail;
  Provider in(data, size);
  sim::Scenario s;
  s.name = "fuzz-scenario";
  s.run.end_time = kEndTime;
  s.run.max_events = kMaxEvents;
  s.run.series_interval = kSeriesInterval;

  const std::uint8_t h0 = in.byte();
  const std::uint8_t h1 = in.byte();
  const std::uint8_t h2 = in.byte();
  const std::uint8_t h3 = in.byte();
  const std::uint8_t h4 = in.byte();

  // h0: shape, controllers, transport.
  const auto shape = static_cast<Shape>(h0 & 7U);
  const std::uint32_t n = std::min(2U + ((h0 >> 3) & 7U), 8U);
  static constexpr sim::TransportKind kTransports[] = {
      sim::TransportKind::Rtp, sim::TransportKind::Ctp, sim::TransportKind::Utp,
      sim::TransportKind::Rtp};
  s.endpoint.transport = kTransports[(h0 >> 6) & 3U];

  // h2: the links (rate, latency), the MTU and the VL buffers.
  static constexpr std::uint64_t kGbps[] = {100, 400, 25, 200};
  static constexpr std::int64_t kLatencyNs[] = {100, 10, 1000, 50};
  static constexpr std::uint32_t kMtus[] = {4096, 1024, 256, 512};
  static constexpr std::uint32_t kVlBuffers[] = {65536, 16384, 8192, 262144};
  sim::LinkSpec ls;
  ls.rate = BitRate{kGbps[h2 & 3U] * 1'000'000'000ULL};
  ls.latency = ns(kLatencyNs[(h2 >> 2) & 3U]);
  s.endpoint.mtu = kMtus[(h2 >> 4) & 3U];
  s.link.vl_buffer_bytes = kVlBuffers[(h2 >> 6) & 3U];
  if (s.endpoint.mtu + 256 > s.link.vl_buffer_bytes / 2) {
    s.link.vl_buffer_bytes *= 2; // a VL buffer holds two packets of the MTU (network.cpp)
  }

  std::uint32_t links = 0;
  std::uint32_t switches = 0;
  if (shape == Shape::Mesh || shape == Shape::Mesh2) {
    s.topology.kind = sim::TopologyKind::FullMesh1d;
    s.topology.full_mesh_1d.n = n;
    s.topology.full_mesh_1d.links_per_pair = shape == Shape::Mesh2 ? 2 : 1;
    s.topology.full_mesh_1d.link = ls;
    links = s.topology.full_mesh_1d.links_per_pair * n * (n - 1) / 2;
  } else {
    custom_topology(s.topology, shape, n);
    // As the reader folds [topology.link] into every kind's links, so that the TOML
    // written for this scenario is only what it sets.
    const sim::LinkSpec dl{};
    for (sim::LinkSpec* l :
         {&s.topology.link, &s.topology.fat_tree.link, &s.topology.full_mesh_1d.link,
          &s.topology.full_mesh_2d.link, &s.topology.ub_mesh.board_link,
          &s.topology.ub_mesh.rack_link, &s.topology.ub_mesh.npu_lrs_link,
          &s.topology.ub_mesh.inter_rack_link, &s.topology.ub_mesh.lrs_hrs_link,
          &s.topology.clos.link, &s.topology.ring.link, &s.topology.torus.link}) {
      if (ls.rate != dl.rate) {
        l->rate = ls.rate;
      }
      if (ls.latency != dl.latency) {
        l->latency = ls.latency;
      }
    }
    links = static_cast<std::uint32_t>(s.topology.links.size());
    switches = static_cast<std::uint32_t>(s.topology.nodes.size()) - n;
  }

  // h1: routing and the link layer.
  s.switches.rt = static_cast<std::uint8_t>(h1 & 3U);
  static constexpr sim::Selector kSelectors[] = {sim::Selector::Hash, sim::Selector::Adaptive,
                                                 sim::Selector::Pinned, sim::Selector::Hash};
  s.switches.selector = kSelectors[(h1 >> 2) & 3U];
  if ((h1 & 0x10U) != 0) {
    s.switches.arbitration = sim::Arbitration::Dwrr;
    s.switches.dwrr_weights[0] = 3;
  }
  s.link.vls = (h1 & 0x20U) != 0 ? 1 : 2;
  s.link.retry = (h1 & 0x40U) == 0;
  if ((h1 & 0x80U) != 0) {
    s.endpoint.congestion_control = true;
    s.switches.ecn_threshold_bytes = 4096;
    // C-AQM's host half is RTP's CAQM (the fabric refuses it with other transports); over
    // RTP it takes the place of LDCP.
    s.switches.caqm = s.endpoint.transport == sim::TransportKind::Rtp;
  }

  // h3: the endpoints.
  static constexpr sim::RetxChoice kRetx[] = {
      sim::RetxChoice::Auto,          sim::RetxChoice::GbnFast,      sim::RetxChoice::GbnRto,
      sim::RetxChoice::SelectiveFast, sim::RetxChoice::SelectiveRto, sim::RetxChoice::Auto,
      sim::RetxChoice::Auto,          sim::RetxChoice::Auto};
  s.endpoint.retx = kRetx[h3 & 7U];
  static constexpr std::int64_t kProcessingNs[] = {50, 0, 200, 1000};
  s.endpoint.processing = ns(kProcessingNs[(h3 >> 3) & 3U]);
  static constexpr std::uint32_t kOutstanding[] = {64, 1, 2, 4, 8, 16, 32, 3};
  s.endpoint.max_outstanding = kOutstanding[(h3 >> 5) & 7U];
  s.seed = 1U + h4;

  // Flows: one explicit pattern each.
  const std::size_t flows = 1U + (in.byte() & 7U);
  static constexpr sim::OpKind kOps[] = {
      sim::OpKind::Write, sim::OpKind::Read,     sim::OpKind::Send,  sim::OpKind::Load,
      sim::OpKind::Store, sim::OpKind::FetchAdd, sim::OpKind::Write, sim::OpKind::Read};
  static constexpr std::uint32_t kWindows[] = {0, 1, 2, 4, 8, 0, 0, 0};
  static constexpr std::uint64_t kBytes[] = {64, 256, 1000, 4096, 8192, 2048, 1, 3000};
  static constexpr std::uint32_t kOpBytes[] = {4096, 64, 256, 1024, 512, 8, 100, 2048};
  static constexpr std::int64_t kStartNs[] = {0, 1000, 5000, 20000};
  for (std::size_t k = 0; k < flows && k < kMaxFlows; ++k) {
    const std::uint8_t f0 = in.byte();
    const std::uint8_t f1 = in.byte();
    const std::uint8_t f2 = in.byte();
    const std::uint8_t f3 = in.byte();
    sim::PatternSpec p;
    p.name = fmt::format("f{}", k);
    p.kind = sim::PatternKind::Explicit;
    p.op = kOps[f0 & 7U];
    p.window = kWindows[(f0 >> 3) & 7U];
    p.priority = static_cast<std::uint8_t>((f0 >> 6) & 1U);
    const std::uint32_t src = (f1 & 7U) % n;
    std::uint32_t dst = ((f1 >> 3) & 7U) % n;
    if (dst == src) {
      dst = (src + 1U + ((f1 >> 6) % (n - 1U))) % n;
    }
    p.pairs = {{src, dst}};
    p.bytes = kBytes[f2 & 7U];
    p.op_bytes = kOpBytes[(f2 >> 3) & 7U];
    p.start = ns(kStartNs[(f2 >> 6) & 3U]);
    if ((f3 & 1U) != 0 && k >= 1) {
      p.after.push_back(fmt::format("f{}", k - 1));
    }
    if ((f3 & 2U) != 0 && k >= 2) {
      p.after.push_back(fmt::format("f{}", k - 2));
    }
    if ((f3 & 4U) != 0) {
      p.rate_bps = 10'000'000'000ULL; // open loop, 10 Gbit/s
    }
    if ((f3 & 8U) != 0) {
      p.repeat = 2;
    }
    if ((f0 & 0x80U) != 0 && p.op != sim::OpKind::FetchAdd) {
      p.op_bytes = std::min<std::uint32_t>(p.op_bytes, 64); // many small operations
    }
    if (p.op == sim::OpKind::Send &&
        (s.endpoint.transport != sim::TransportKind::Rtp || s.endpoint.mtu % 1024 != 0)) {
      // A Send above the MTU needs several packets, and its offsets count in KB (§7.2.7).
      p.op_bytes = std::min(p.op_bytes, s.endpoint.mtu);
    }
    if (s.endpoint.transport == sim::TransportKind::Utp) {
      // UTP carries UNO, in which a flow may only send, one TP MTU per operation (FabricSim
      // refuses the rest: Tables 7-1 and 7-15, §7.3.3.5).
      p.op = sim::OpKind::Send;
      p.op_bytes = std::min(p.op_bytes, s.endpoint.mtu);
    }
    p.bytes = std::min<std::uint64_t>(p.bytes, kMaxOpsPerFlow * p.op_bytes);
    s.traffic.patterns.push_back(std::move(p));
  }

  // Faults, to the end of the input: 3 bytes each.
  static constexpr std::int64_t kAtNs[] = {0,     500,    1000,   2000,   3000,  5000,
                                           8000,  10000,  15000,  20000,  30000, 50000,
                                           80000, 120000, 300000, 1000000};
  static constexpr std::int64_t kForNs[] = {100,   500,   1000,   2000,   5000,   10000,
                                            20000, 50000, 100000, 200000, 500000, 1000000,
                                            1500,  3000,  7000,   2000000};
  static constexpr double kBers[] = {0, 1e-9, 1e-7, 1e-6, 1e-5, 3e-5, 1e-4, 0};
  for (std::size_t k = 0; k < kMaxFaultEntries && in.remaining() >= 3; ++k) {
    const std::uint8_t k0 = in.byte();
    const std::uint8_t k1 = in.byte();
    const std::uint8_t k2 = in.byte();
    unsigned kind = k0 & 7U;
    if (switches == 0 && (kind == 4 || kind == 5 || kind == 7)) {
      kind = kind == 5 ? 1 : (kind == 4 ? 0 : 6); // no switch: the same on a link
    }
    const std::uint32_t target = k0 >> 3;
    const Time at = ns(kAtNs[k1 & 15U]);
    const Time until = at + ns(kForNs[k1 >> 4]);
    sim::FaultEvent f;
    f.at = at;
    const auto on_link = [&](sim::FaultKind fk) {
      f.kind = fk;
      f.link_id = target % links;
      f.node.clear();
    };
    const auto on_switch = [&](sim::FaultKind fk) {
      f.kind = fk;
      f.link_id.reset();
      f.node = sw_name(target % switches);
    };
    switch (kind) {
    case 0:
      on_link(sim::FaultKind::LinkDown);
      break;
    case 1:
      on_link(sim::FaultKind::LinkUp);
      break;
    case 2:
      on_link(sim::FaultKind::Ber);
      f.value = kBers[k2 & 7U];
      break;
    case 3:
      on_link(sim::FaultKind::Lanes);
      f.value = 1U + (k2 & 3U);
      break;
    case 4:
      on_switch(sim::FaultKind::SwitchDown);
      break;
    case 5:
      on_switch(sim::FaultKind::SwitchUp);
      break;
    case 6: // a link flap: down, then up
      on_link(sim::FaultKind::LinkDown);
      s.faults.push_back(f);
      f.at = until;
      f.kind = sim::FaultKind::LinkUp;
      break;
    default: // a switch flap
      on_switch(sim::FaultKind::SwitchDown);
      s.faults.push_back(f);
      f.at = until;
      f.kind = sim::FaultKind::SwitchUp;
      break;
    }
    s.faults.push_back(f);
  }
  return s;
}

// ---- the verdict ----

struct Verdict {
  bool built = false;  // prepare() and FabricSim::make() accepted the scenario
  std::string error;   // why not (when !built)
  std::string failure; // empty: the run is accepted
  std::uint64_t fingerprint = 0;
  std::uint64_t events = 0;
  sim::SimStop stop = sim::SimStop::Completed;
  // The harness's budget (kEndTime or kMaxEvents) ended the run while every unfinished flow was
  // still completing operations: not judged as a flow that did not complete.
  bool cut_by_budget = false;
  [[nodiscard]] bool failed() const noexcept { return built && !failure.empty(); }
};

// Whether the run stopped at the harness's own budget while its unfinished flows were still
// making progress: every started, unfinished flow completed an operation in the last tenth of
// the run's model time, and some flow did (so that flows still waiting for others to finish
// wait on something that moves). A long chain of small synchronous operations can need more
// than kEndTime or kMaxEvents (16 flows in sequence of 1,024 loads each, one at a time over
// microsecond links, take about 100 ms); that is the budget, not a stuck fabric. A scenario
// with other budgets (the test hook's cut) is judged as it is.
inline bool cut_while_progressing(const sim::Scenario& sc, const sim::SimResult& r) {
  if ((r.stop != sim::SimStop::EndTime && r.stop != sim::SimStop::MaxEvents) ||
      sc.run.end_time != kEndTime || sc.run.max_events != kMaxEvents) {
    return false;
  }
  const Time recent = r.sim_time - r.sim_time / 10;
  bool moving = false;
  bool unfinished = false;
  for (const sim::FlowResult& f : r.flows) {
    if (f.ops_done != 0 && f.last_op >= recent) {
      moving = true;
    }
    if (!f.done) {
      unfinished = true;
      if (f.started && f.last_op < recent) {
        return false;
      }
    }
  }
  return moving && unfinished;
}

// Per link, whether it is up once the whole schedule has run (faults in time order, ties in list
// order, as FabricSim schedules them); a switch fault sets every link of the switch.
inline std::vector<bool> links_up_at_end(const sim::Scenario& sc, const sim::Topology& topo) {
  std::vector<bool> up(topo.link_count(), true);
  std::vector<std::size_t> order(sc.faults.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return sc.faults[a].at < sc.faults[b].at; });
  const auto link_of = [&](const sim::FaultEvent& f) -> std::optional<sim::LinkId> {
    if (f.link_id) {
      return *f.link_id;
    }
    const auto a = topo.find(f.a);
    const auto b = topo.find(f.b);
    for (const sim::Link& l : topo.links()) {
      if (a && b && ((l.a.node == *a && l.b.node == *b) || (l.a.node == *b && l.b.node == *a))) {
        return l.id;
      }
    }
    return std::nullopt;
  };
  for (const std::size_t i : order) {
    const sim::FaultEvent& f = sc.faults[i];
    switch (f.kind) {
    case sim::FaultKind::LinkDown:
    case sim::FaultKind::LinkUp:
      if (const auto l = link_of(f); l && *l < up.size()) {
        up[*l] = f.kind == sim::FaultKind::LinkUp;
      }
      break;
    case sim::FaultKind::SwitchDown:
    case sim::FaultKind::SwitchUp:
      if (const auto n = topo.find(f.node)) {
        for (const sim::Link& l : topo.links()) {
          if (l.a.node == *n || l.b.node == *n) {
            up[l.id] = f.kind == sim::FaultKind::SwitchUp;
          }
        }
      }
      break;
    case sim::FaultKind::Ber:
    case sim::FaultKind::Lanes:
      break;
    }
  }
  return up;
}

// Whether the schedule leaves the fabric as it found it: every link up at the end, and no link
// losing packets to bit errors (a BER above 0 with link retry off).
inline bool healed_at_end(const sim::Scenario& sc, const sim::Topology& topo) {
  const std::vector<bool> up = links_up_at_end(sc, topo);
  if (std::find(up.begin(), up.end(), false) != up.end()) {
    return false;
  }
  if (sc.link.retry) {
    return true;
  }
  std::vector<double> ber(topo.link_count(), sc.link.ber);
  std::vector<std::size_t> order(sc.faults.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return sc.faults[a].at < sc.faults[b].at; });
  for (const std::size_t i : order) {
    const sim::FaultEvent& f = sc.faults[i];
    if (f.kind == sim::FaultKind::Ber && f.link_id && *f.link_id < ber.size()) {
      ber[*f.link_id] = f.value;
    }
  }
  return std::all_of(ber.begin(), ber.end(), [](double b) { return b == 0; });
}

// Whether the schedule has a fault that can lose a packet.
inline bool lossy(const sim::Scenario& sc) {
  if (sc.link.ber > 0 && !sc.link.retry) {
    return true;
  }
  return std::any_of(sc.faults.begin(), sc.faults.end(), [&](const sim::FaultEvent& f) {
    return f.kind == sim::FaultKind::LinkDown || f.kind == sim::FaultKind::SwitchDown ||
           (f.kind == sim::FaultKind::Ber && f.value > 0 && !sc.link.retry);
  });
}

// What sim::prepare(Scenario) makes of a scenario (sim/fabric/sim_setup.cpp: its topology and
// flows), without the ns-3 importer that prepare()'s translation unit links in: the fuzz build
// compiles every sim source into the target. tests/fuzz/scenario_input_test.cpp checks that
// `ubmodel sim`'s path (prepare on the TOML file) gives the same run.
struct Prepared {
  sim::Scenario scenario;
  sim::Topology topology;
  std::vector<sim::Flow> flows;
};
inline sim::ConfigResult<Prepared> prepare(const sim::Scenario& sc) {
  auto topo = sim::build_topology(sc);
  if (!topo) {
    return make_unexpected(topo.error());
  }
  const auto eps = static_cast<std::uint32_t>(topo->endpoints().size());
  auto flows = sim::make_traffic(sc.traffic, eps, sc.seed);
  if (!flows) {
    return make_unexpected(flows.error());
  }
  return Prepared{sc, std::move(*topo), std::move(*flows)};
}

// Runs the scenario and judges the run.
inline Verdict judge(const sim::Scenario& sc) {
  Verdict v;
  auto in = prepare(sc);
  if (!in) {
    v.error = sim::to_string(in.error());
    return v;
  }
  auto fabric = sim::FabricSim::make(in->scenario, in->topology, in->flows);
  if (!fabric) {
    v.error = sim::to_string(fabric.error());
    return v;
  }
  v.built = true;
  const sim::SimResult r = (*fabric)->run();
  v.fingerprint = r.fingerprint;
  v.events = r.events;
  v.stop = r.stop;
  const auto fail = [&v](std::string why) {
    if (v.failure.empty()) {
      v.failure = std::move(why);
    }
  };
  if (!r.oracle_checked) {
    fail("the oracle did not run");
  }
  if (r.oracle_violations != 0) {
    fail(fmt::format("{} oracle violations: {}", r.oracle_violations, r.oracle_summary));
  }
  v.cut_by_budget = cut_while_progressing(in->scenario, r);
  switch (r.stop) {
  case sim::SimStop::MaxEvents:
    if (!v.cut_by_budget) {
      fail(fmt::format("the run exceeded its budget of {} events", sc.run.max_events));
    }
    break;
  case sim::SimStop::Deadlock:
    fail(fmt::format("deadlock: packets queued and none moved ({} stuck)", r.stuck_packets));
    break;
  case sim::SimStop::EndTime:
  case sim::SimStop::Idle:
  case sim::SimStop::Completed:
    break;
  }
  if (healed_at_end(in->scenario, in->topology) && !v.cut_by_budget) {
    for (const sim::FlowResult& f : r.flows) {
      if (!f.done) {
        fail(fmt::format("flow {} ({} from endpoint {} to {}) did not complete ({} of {} ops; "
                         "the run stopped: {}), and every fault was healed by the end",
                         f.id, sim::to_string(f.op), f.src, f.dst, f.ops_done, f.ops,
                         sim::to_string(r.stop)));
      }
    }
  }
  if (!lossy(in->scenario)) {
    for (const sim::FlowResult& f : r.flows) {
      if (f.ops_failed != 0) {
        fail(fmt::format("flow {} ({} from endpoint {} to {}): {} of {} ops failed, and no fault "
                         "of the schedule can lose a packet",
                         f.id, sim::to_string(f.op), f.src, f.dst, f.ops_failed, f.ops));
      }
    }
  }
  return v;
}

// Drops faults, then flows, one at a time, while the scenario still fails, in passes until one
// drops nothing (at most `budget` runs). A flow's name stays in no later pattern's `after`.
inline sim::Scenario reduce(sim::Scenario sc, int budget = 60) {
  const auto still_fails = [&budget](const sim::Scenario& s) {
    --budget;
    return judge(s).failed();
  };
  for (bool dropped = true; dropped && budget > 0;) {
    dropped = false;
    for (std::size_t i = sc.faults.size(); i-- > 0 && budget > 0;) {
      sim::Scenario t = sc;
      t.faults.erase(t.faults.begin() + static_cast<std::ptrdiff_t>(i));
      if (still_fails(t)) {
        sc = std::move(t);
        dropped = true;
      }
    }
    for (std::size_t i = sc.traffic.patterns.size(); i-- > 0 && budget > 0;) {
      if (sc.traffic.patterns.size() == 1) {
        break;
      }
      sim::Scenario t = sc;
      const std::string name = t.traffic.patterns[i].name;
      t.traffic.patterns.erase(t.traffic.patterns.begin() + static_cast<std::ptrdiff_t>(i));
      for (sim::PatternSpec& p : t.traffic.patterns) {
        std::erase(p.after, name);
      }
      if (still_fails(t)) {
        sc = std::move(t);
        dropped = true;
      }
    }
  }
  return sc;
}

} // namespace ub::fuzz

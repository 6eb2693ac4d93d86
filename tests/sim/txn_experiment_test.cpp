// The transaction experiment: every transport and mode over loss and reordering, every outcome
// checked by the oracle; the S17 round-trip counts; determinism; bad options named.

#include <catch2/catch.hpp>

#include "sim/txn_experiment.hpp"

namespace ub::sim {
namespace {

TxnExperimentConfig base() {
  TxnExperimentConfig c;
  c.initiators = 2;
  c.targets = 2;
  c.queues = 2;
  c.ops = 400;
  c.depth = 8;
  return c;
}

TEST_CASE("txn experiment: every transport and mode pass the oracle under loss and reordering",
          "[sim][txn]") {
  struct Row {
    ta::TransportKind t;
    ta::TaMode m;
    bool static_sc;
    ta::ExecOrder o;
  };
  const std::vector<Row> rows = {
      {ta::TransportKind::Rtp, ta::TaMode::Roi, false, ta::ExecOrder::So},
      {ta::TransportKind::Rtp, ta::TaMode::Rot, false, ta::ExecOrder::So},
      {ta::TransportKind::Rtp, ta::TaMode::Rot, true, ta::ExecOrder::So},
      {ta::TransportKind::Rtp, ta::TaMode::Rol, false, ta::ExecOrder::So},
      {ta::TransportKind::Rtp, ta::TaMode::Roi, false, ta::ExecOrder::No},
      {ta::TransportKind::Ctp, ta::TaMode::Roi, false, ta::ExecOrder::Ro},
      {ta::TransportKind::Ctp, ta::TaMode::Rot, false, ta::ExecOrder::So},
      {ta::TransportKind::Ctp, ta::TaMode::Rol, false, ta::ExecOrder::So},
      {ta::TransportKind::Bypass, ta::TaMode::Rol, false, ta::ExecOrder::So},
      {ta::TransportKind::Bypass, ta::TaMode::Roi, false, ta::ExecOrder::Ro},
  };
  for (const Row& r : rows) {
    TxnExperimentConfig c = base();
    c.transport = r.t;
    c.mode = r.m;
    c.rot_static_sc = r.static_sc;
    c.order = r.o;
    c.loss = 0.02;
    c.reorder = 0.2;
    c.channels = 4;
    c.bad_token_rate = 0.05;
    if (r.t == ta::TransportKind::Bypass) {
      c.mix = TxnMix{30, 40, 30, 0};
      c.atomic_size = 64;
    }
    REQUIRE(c.validate());
    const auto res = run_txn_experiment(c);
    INFO("transport " << to_string(r.t) << " mode " << tp::to_string(r.m) << " static "
                      << r.static_sc << "\n"
                      << res.oracle_summary);
    CHECK(res.finished);
    CHECK(res.oracle_violations == 0);
    CHECK(res.ops == c.ops);
    // Every op that was not given a bad token succeeded; every bad token was refused.
    CHECK(res.completed + res.expected_denied == c.ops);
    if (res.expected_denied > 0) {
      CHECK(res.failed_by_status.at("remote access abort") == res.expected_denied);
    }
    CHECK(res.failed_by_status.size() <= 1);
  }
}

TEST_CASE("txn experiment: S17 ordering stalls and packets per ordered write", "[sim][txn]") {
  struct Row {
    ta::TaMode m;
    bool static_sc;
    std::uint64_t stalls;
    double packets_per_op;
  };
  for (const Row r : {Row{ta::TaMode::Roi, false, 199, 4.0}, Row{ta::TaMode::Rot, true, 0, 4.0},
                      Row{ta::TaMode::Rot, false, 1, 4.0}, Row{ta::TaMode::Rol, false, 0, 2.0}}) {
    TxnExperimentConfig c;
    c.initiators = 1;
    c.targets = 1;
    c.ops = 200;
    c.depth = 200;
    c.mix = TxnMix{0, 100, 0, 0};
    c.order = ta::ExecOrder::So;
    c.mode = r.m;
    c.rot_static_sc = r.static_sc;
    const auto res = run_txn_experiment(c);
    INFO("mode " << tp::to_string(r.m) << " static " << r.static_sc);
    CHECK(res.oracle_violations == 0);
    CHECK(res.completed == 200);
    CHECK(res.stalls == r.stalls);
    CHECK(res.packets_per_op == Approx(r.packets_per_op));
    if (r.m == ta::TaMode::Roi) {
      // One round trip per write: about 200 x (RTT + execution).
      CHECK(res.elapsed_us > 100.0);
      CHECK(res.round_trips_per_ordered_op > 0.99);
    } else {
      CHECK(res.elapsed_us < 10.0);
      CHECK(res.round_trips_per_ordered_op < 0.01);
    }
  }
}

TEST_CASE("txn experiment: the same seed gives the same run, another seed another", "[sim][txn]") {
  TxnExperimentConfig c = base();
  c.loss = 0.01;
  const auto a = run_txn_experiment(c);
  const auto b = run_txn_experiment(c);
  CHECK(a.fingerprint == b.fingerprint);
  CHECK(a.packets == b.packets);
  c.seed = 2;
  CHECK(run_txn_experiment(c).fingerprint != a.fingerprint);
}

TEST_CASE("txn experiment: bad configurations name the option", "[sim][txn]") {
  auto field = [](TxnExperimentConfig c) { return std::string(c.validate().error().field); };
  TxnExperimentConfig c = base();
  c.initiators = 0;
  CHECK(field(c) == "--initiators");
  c = base();
  c.mode = ta::TaMode::Uno;
  CHECK(field(c) == "--mix");
  c = base();
  c.transport = ta::TransportKind::Bypass;
  c.mode = ta::TaMode::Rot;
  CHECK(field(c) == "--mode");
  c = base();
  c.transport = ta::TransportKind::Bypass;
  CHECK(field(c) == "--mix"); // sends do not exist in CFG 9
  c = base();
  c.atomic_size = 3;
  CHECK(field(c) == "--atomic-size");
  c = base();
  c.loss = 1.0;
  CHECK(field(c) == "--loss");
}

} // namespace
} // namespace ub::sim

// The transaction-layer test network (sim/ta_network): loss modes (transaction-design X30),
// per-flow order, per-direction delay and serialization, the caller's hook, determinism.
#include <catch2/catch.hpp>

#include "protocol/ta/transport_bypass.hpp"
#include "protocol/ta/transport_rtp.hpp"
#include "sim/ta_network.hpp"

using namespace ub;
using namespace ub::literals;
using namespace ub::sim;
using ub::ta::TaMode;

namespace {

using Mesh = std::vector<std::unique_ptr<ta::TaTransport>>;

Mesh bypass_mesh(std::size_t n = 2) {
  auto m = ta::make_bypass_mesh(n, ta::BypassTransportConfig{});
  REQUIRE(m);
  return std::move(*m);
}

TaNetwork make_net(const Mesh& m, const TaNetworkConfig& c) {
  std::vector<ta::TaTransport*> p;
  for (const auto& t : m) {
    p.push_back(t.get());
  }
  auto n = TaNetwork::make(p, c);
  INFO((n ? std::string{} : to_string(n.error())));
  REQUIRE(n);
  return std::move(*n);
}

// A 1-packet slice whose first four bytes hold `i`.
ta::TaSend slice(ta::PeerId peer, std::uint32_t i, TaMode mode) {
  ta::TaSend s;
  s.peer = peer;
  s.mode = mode;
  s.tag = i;
  ta::TaUnit u;
  u.bytes = {static_cast<Byte>(i >> 24),
             static_cast<Byte>(i >> 16),
             static_cast<Byte>(i >> 8),
             static_cast<Byte>(i),
             1,
             2,
             3,
             4};
  u.header_bytes = 4;
  s.units.push_back(u);
  return s;
}

std::uint32_t index_of(const ta::TaDelivery& d) {
  const auto& b = d.packets.at(0);
  return (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) | (std::uint32_t{b[2]} << 8) |
         b[3];
}

std::vector<std::uint32_t> drain(ta::TaTransport& t) {
  std::vector<std::uint32_t> out;
  while (auto d = t.poll_deliver()) {
    out.push_back(index_of(*d));
  }
  return out;
}

} // namespace

TEST_CASE("TA network: link-retry loss never drops and keeps per-flow order, drop mode drops",
          "[sim][ta]") {
  constexpr std::uint32_t kSlices = 500;
  for (const LossMode mode : {LossMode::LinkRetry, LossMode::Drop}) {
    CAPTURE(to_string(mode));
    Mesh m = bypass_mesh();
    TaNetworkConfig c{};
    c.loss = 0.2;
    c.loss_mode = mode;
    TaNetwork net = make_net(m, c);
    for (std::uint32_t i = 0; i < kSlices; ++i) {
      REQUIRE(m[0]->send(slice(1, i, TaMode::Rol), net.now()));
    }
    REQUIRE(net.run_until_idle(1'000'000_us));
    const auto got = drain(*m[1]);
    const auto& k = net.counters();
    CHECK(k.sent == kSlices);
    CHECK(k.delivered == got.size());
    if (mode == LossMode::LinkRetry) {
      CHECK(k.dropped == 0);
      CHECK(k.link_retries > 50);
      REQUIRE(got.size() == kSlices);
      for (std::uint32_t i = 0; i < kSlices; ++i) {
        CHECK(got[i] == i); // RT[0] = 0: a retried packet holds back the ones behind it
      }
    } else {
      CHECK(k.link_retries == 0);
      CHECK(k.dropped > 50);
      CHECK(got.size() == kSlices - k.dropped);
      CHECK(std::is_sorted(got.begin(), got.end()));
    }
  }
}

TEST_CASE("TA network: reordering reorders per-packet traffic only", "[sim][ta]") {
  Mesh m = bypass_mesh();
  TaNetworkConfig c{};
  c.reorder = 0.3;
  c.seed = 4;
  TaNetwork net = make_net(m, c);
  for (std::uint32_t i = 0; i < 200; ++i) {
    REQUIRE(m[0]->send(slice(1, i, i % 2 == 0 ? TaMode::Rol : TaMode::Roi), net.now()));
  }
  REQUIRE(net.run_until_idle(1'000'000_us));
  CHECK(net.counters().reordered > 20);
  std::uint32_t last_rol = 0, last_roi = 1;
  bool rol_in_order = true, roi_in_order = true;
  for (const std::uint32_t i : drain(*m[1])) {
    if (i % 2 == 0) {
      rol_in_order = rol_in_order && i >= last_rol;
      last_rol = i;
    } else {
      roi_in_order = roi_in_order && i >= last_roi;
      last_roi = i;
    }
  }
  CHECK(rol_in_order);
  CHECK_FALSE(roi_in_order);
}

TEST_CASE("TA network: per-direction delay, serialization, and the caller's hook", "[sim][ta]") {
  Mesh m = bypass_mesh(3);
  TaNetworkConfig c{};
  c.rate_bps = 8'000'000'000; // 1 byte per ns
  TaNetwork net = make_net(m, c);
  net.set_delay(0, 1, 5_us);
  net.set_delay(1, 0, 2_us);
  CHECK(net.next_event_time() == kNever);
  CHECK_FALSE(net.step());
  REQUIRE(m[0]->send(slice(1, 1, TaMode::Roi), net.now()));
  REQUIRE(m[0]->send(slice(1, 2, TaMode::Roi), net.now()));
  REQUIRE(m[1]->send(slice(0, 3, TaMode::Roi), net.now()));
  REQUIRE(m[0]->send(slice(2, 4, TaMode::Roi), net.now()));
  // Each packet is 16 bytes (NTH 8 + TA 8): 16 ns on the wire. 0 -> 1 queues the second behind
  // the first; 0 -> 2 has its own link and the default 1 us.
  std::vector<std::pair<Time, std::uint32_t>> arrivals; // (time, index) as the hook sees them
  auto hook = [&](Time now) {
    for (std::size_t d = 0; d < 3; ++d) {
      for (const std::uint32_t i : drain(*m[d])) {
        arrivals.emplace_back(now, i);
      }
    }
  };
  CHECK(net.next_event_time() == 16_ns + 1_us);
  net.run_until(3_us, hook);
  CHECK(net.now() == 3_us);
  REQUIRE(arrivals.size() == 2);
  CHECK(arrivals[0] == std::make_pair(16_ns + 1_us, 4U));
  CHECK(arrivals[1] == std::make_pair(16_ns + 2_us, 3U));
  REQUIRE(net.run_until_idle(100_us, hook));
  REQUIRE(arrivals.size() == 4);
  CHECK(arrivals[2] == std::make_pair(16_ns + 5_us, 1U));
  CHECK(arrivals[3] == std::make_pair(32_ns + 5_us, 2U));
  CHECK(net.counters().delivered == 4);
  CHECK(net.in_flight() == 0);
}

TEST_CASE("TA network: the same seed gives the same run, another seed another", "[sim][ta]") {
  auto run = [](std::uint64_t seed) {
    ta::RtpTransportConfig rc{};
    rc.channels = 2;
    rc.channel.mtu = 1024;
    rc.channel.ooo_window = 256;
    Rng rng(seed);
    auto mesh = ta::make_rtp_mesh(3, rc, rng);
    REQUIRE(mesh);
    TaNetworkConfig c{};
    c.loss = 0.05;
    c.loss_mode = LossMode::Drop;
    c.dup = 0.02;
    c.reorder = 0.05;
    c.seed = seed;
    TaNetwork net = make_net(*mesh, c);
    for (std::uint32_t i = 0; i < 100; ++i) {
      REQUIRE((*mesh)[i % 3]->send(slice((i + 1) % 3, i, TaMode::Roi), net.now()));
    }
    REQUIRE(net.run_until_idle(1'000'000_us));
    std::uint64_t delivered = 0;
    for (auto& t : *mesh) {
      delivered += drain(*t).size();
    }
    CHECK(delivered == 100);
    return std::make_tuple(net.counters().sent, net.counters().dropped, net.counters().duplicated,
                           net.counters().delivered, net.digest(), net.now());
  };
  const auto a = run(7);
  CHECK(a == run(7));
  CHECK(std::get<1>(a) > 0);
  CHECK(std::get<4>(a) != std::get<4>(run(8)));
}

TEST_CASE("TA network: bad configurations and transports are refused, naming the field",
          "[sim][ta]") {
  auto field = [](const Status& s) { return s ? std::string{} : std::string{s.error().field}; };
  TaNetworkConfig c{};
  CHECK(c.validate());
  c.loss = 1.0;
  CHECK(field(c.validate()) == "loss");
  c = {};
  c.reorder = -0.1;
  CHECK(field(c.validate()) == "reorder");
  c = {};
  c.delay = Time{-1};
  CHECK(field(c.validate()) == "delay");
  c = {};
  c.link_retry_delay = Time{-1};
  CHECK(field(c.validate()) == "link_retry_delay");
  Mesh m = bypass_mesh();
  CHECK(TaNetwork::make({}, {}).error().field == "transports");
  CHECK(TaNetwork::make({m[1].get(), m[0].get()}, {}).error().field == "transports");
  CHECK(TaNetwork::make({m[0].get(), nullptr}, {}).error().field == "transports");
  c = {};
  c.loss = 2.0;
  CHECK(TaNetwork::make({m[0].get(), m[1].get()}, c).error().field == "loss");
}

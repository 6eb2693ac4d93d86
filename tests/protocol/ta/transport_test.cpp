// The TaTransport adapters (protocol/ta/transport_{rtp,ctp,utp,bypass}.cpp) over the test network
// (sim/ta_network): slices arrive whole, once and in order; events; RTP under loss and
// reordering, its TA status round trip, ordered streams on one channel, channel failure; the CTP,
// UTP and bypass refusals and RT bits; the bypass NTH checks. UB-Base-2.0 §6.1, §6.3, §6.5.1,
// §6.8.2, §7.3.3 Tables 7-14 / 7-15, App. B.2.6.
#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>

#include <catch2/catch.hpp>

#include "protocol/nl/codec_test_support.hpp"
#include "protocol/nl/nth_cna.hpp"
#include "protocol/ta/ext_headers.hpp"
#include "protocol/ta/tah.hpp"
#include "protocol/ta/transport_bypass.hpp"
#include "protocol/ta/transport_ctp.hpp"
#include "protocol/ta/transport_rtp.hpp"
#include "protocol/ta/transport_utp.hpp"
#include "sim/ta_network.hpp"

using namespace ub;
using namespace ub::ta;
using namespace ub::literals;
using ub::test::Xorshift64;

namespace {

using Mesh = std::vector<std::unique_ptr<TaTransport>>;

constexpr Byte kWrite = 0x03; // TAOpcode Write: answered by a TAACK, so held under RolRequests
constexpr Byte kRead = 0x06;  // TAOpcode Read: answered by data, never held

// One packet's TA bytes: a 16-byte "header" (first byte the TAOpcode, then the slice index and
// the packet index) and `payload` bytes of a pattern of both.
TaUnit make_unit(Byte opcode, std::uint32_t slice, std::uint32_t packet, std::size_t payload) {
  TaUnit u;
  u.header_bytes = 16;
  u.bytes.assign(16 + payload, Byte{0});
  u.bytes[0] = opcode;
  u.bytes[1] = static_cast<Byte>(slice >> 16);
  u.bytes[2] = static_cast<Byte>(slice >> 8);
  u.bytes[3] = static_cast<Byte>(slice);
  u.bytes[4] = static_cast<Byte>(packet);
  for (std::size_t k = 16; k < u.bytes.size(); ++k) {
    u.bytes[k] = static_cast<Byte>(slice * 31U + packet * 7U + k);
  }
  return u;
}

std::uint32_t slice_of(const std::vector<Byte>& packet) {
  return (std::uint32_t{packet.at(1)} << 16) | (std::uint32_t{packet.at(2)} << 8) | packet.at(3);
}

// A slice of `packets` packets, each full (`mtu` payload bytes) but the last (`last` bytes).
std::vector<TaUnit> make_slice(Byte opcode, std::uint32_t slice, std::size_t packets,
                               std::uint32_t mtu, std::size_t last) {
  std::vector<TaUnit> units;
  for (std::size_t p = 0; p < packets; ++p) {
    units.push_back(make_unit(opcode, slice, static_cast<std::uint32_t>(p),
                              p + 1 == packets ? last : std::size_t{mtu}));
  }
  return units;
}

TaSend make_send(PeerId peer, std::vector<TaUnit> units, TaMode mode, std::uint64_t tag,
                 std::optional<std::uint64_t> stream = std::nullopt) {
  TaSend s;
  s.peer = peer;
  s.units = std::move(units);
  s.mode = mode;
  s.ordered_stream = stream;
  s.tag = tag;
  return s;
}

Mesh require_mesh(Result<Mesh> m) {
  INFO((m ? std::string{} : to_string(m.error())));
  REQUIRE(m);
  return std::move(*m);
}

// The transports of a mesh on a test network, with what each device received and was told.
struct Harness {
  Mesh mesh;
  std::optional<sim::TaNetwork> net;
  std::vector<std::vector<TaDelivery>> rx;
  std::vector<std::vector<TaTxEvent>> ev;
  // The receiving TA's verdict for a delivery that carries a handle (nullopt: none yet).
  std::function<std::optional<tp::TaVerdict>(std::size_t, const TaDelivery&)> verdict_fn;
  std::uint64_t verdict_errors = 0;
  // Steps at which an RTP transport's cached next_timeout() differed from asking every group.
  std::uint64_t timer_mismatches = 0;
  std::uint64_t timer_checks = 0;

  explicit Harness(Mesh m, const sim::TaNetworkConfig& cfg = {}) : mesh(std::move(m)) {
    std::vector<TaTransport*> ptrs;
    for (auto& t : mesh) {
      ptrs.push_back(t.get());
    }
    auto n = sim::TaNetwork::make(ptrs, cfg);
    INFO((n ? std::string{} : to_string(n.error())));
    REQUIRE(n);
    net.emplace(std::move(*n));
    rx.resize(mesh.size());
    ev.resize(mesh.size());
  }
  TaTransport& at(std::size_t i) { return *mesh[i]; }
  void collect(Time now) {
    for (std::size_t i = 0; i < mesh.size(); ++i) {
      if (mesh[i]->kind() == TransportKind::Rtp) {
        const auto& r = static_cast<const RtpTransport&>(*mesh[i]);
        ++timer_checks;
        timer_mismatches += r.next_timeout() != r.next_timeout_scan() ? 1U : 0U;
      }
      while (auto d = mesh[i]->poll_deliver()) {
        if (d->verdict_handle && verdict_fn) {
          if (const auto v = verdict_fn(i, *d)) {
            if (!mesh[i]->verdict(*d->verdict_handle, *v, now)) {
              ++verdict_errors;
            }
          }
        }
        rx[i].push_back(std::move(*d));
      }
      while (auto e = mesh[i]->poll_event()) {
        ev[i].push_back(*e);
      }
    }
  }
  bool run(Time limit = 1'000'000_us) {
    const bool quiet = net->run_until_idle(limit, [this](Time now) { collect(now); });
    collect(net->now());
    return quiet;
  }
  // Runs to `t` even if the network does not go quiet (a sender probing for a held status).
  void run_to(Time t) {
    net->run_until(t, [this](Time now) { collect(now); });
    collect(net->now());
  }
  std::size_t count(std::size_t dev, TaTxEvent::Kind k) const {
    return static_cast<std::size_t>(std::count_if(ev[dev].begin(), ev[dev].end(),
                                                  [k](const TaTxEvent& e) { return e.kind == k; }));
  }
};

RtpTransportConfig rtp_config(std::size_t channels = 1) {
  RtpTransportConfig c{};
  c.channels = channels;
  c.channel.mtu = 1024;
  c.channel.ooo_window = 256;
  c.channel.retx = tp::RetxAlgo::SelectiveFast;
  return c;
}

Mesh rtp_mesh(const RtpTransportConfig& c, std::size_t devices = 2, std::uint64_t seed = 5) {
  Rng rng(seed);
  return require_mesh(make_rtp_mesh(devices, c, rng));
}

CtpTransportConfig ctp_config() {
  CtpTransportConfig c{};
  c.ctp.mtu = 1024;
  return c;
}

// A delivery's packets, wherever they are held (TaDelivery::packets, or ::shared).
std::vector<std::vector<Byte>> packets_of(const TaDelivery& d) {
  std::vector<std::vector<Byte>> out = d.packets;
  for (const SharedBytes& s : d.shared) {
    out.emplace_back(s.view().begin(), s.view().end());
  }
  return out;
}

RtpTransport& as_rtp(TaTransport& t) {
  REQUIRE(t.kind() == TransportKind::Rtp);
  return static_cast<RtpTransport&>(t);
}

} // namespace

TEST_CASE("Every transport carries slices from A to B whole and in order, each Delivered",
          "[ta][transport]") {
  struct Row {
    std::string name;
    std::function<Mesh()> make;
    TaMode mode;
    std::size_t packets; // per slice
    TransportKind kind;
  };
  const std::vector<Row> rows = {
      {"rtp, one packet", [] { return rtp_mesh(rtp_config()); }, TaMode::Rol, 1,
       TransportKind::Rtp},
      {"rtp, three packets", [] { return rtp_mesh(rtp_config()); }, TaMode::Rol, 3,
       TransportKind::Rtp},
      {"rtp, three packets, shared",
       [] {
         auto c = rtp_config();
         c.channel.share_packets = true;
         return rtp_mesh(c);
       },
       TaMode::Rol, 3, TransportKind::Rtp},
      {"ctp", [] { return require_mesh(make_ctp_mesh(2, ctp_config())); }, TaMode::Rol, 1,
       TransportKind::Ctp},
      {"utp", [] { return require_mesh(make_utp_mesh(2, UtpTransportConfig{})); }, TaMode::Uno, 1,
       TransportKind::Utp},
      {"bypass", [] { return require_mesh(make_bypass_mesh(2, BypassTransportConfig{})); },
       TaMode::Rol, 1, TransportKind::Bypass},
  };
  for (const Row& row : rows) {
    CAPTURE(row.name);
    Harness h(row.make());
    REQUIRE(h.at(0).kind() == row.kind);
    CHECK(h.at(0).multi_packet() == (row.kind == TransportKind::Rtp));
    const std::uint32_t mtu = std::min<std::uint32_t>(h.at(0).max_payload(), 1024);
    constexpr std::uint32_t kSlices = 60;
    std::vector<std::vector<TaUnit>> sent;
    for (std::uint32_t i = 0; i < kSlices; ++i) {
      auto units = make_slice(kWrite, i, row.packets, mtu, 1 + (i * 37U) % mtu);
      sent.push_back(units);
      REQUIRE(h.at(0).send(make_send(1, units, row.mode, 1000 + i, 42), 0_us));
    }
    REQUIRE(h.run());
    REQUIRE(h.rx[1].size() == kSlices);
    std::set<std::uint64_t> streams;
    for (std::uint32_t i = 0; i < kSlices; ++i) {
      const TaDelivery& d = h.rx[1][i];
      CHECK(d.peer == 0);
      CHECK_FALSE(d.verdict_handle);
      streams.insert(d.stream);
      // Shared packets go up as ranges of the buffers they arrived in, the others as copies.
      CHECK((row.name.ends_with("shared") ? d.packets.empty() : d.shared.empty()));
      const auto got = packets_of(d);
      REQUIRE(got.size() == row.packets);
      for (std::size_t p = 0; p < row.packets; ++p) {
        CHECK(got[p] == sent[i][p].bytes);
      }
    }
    CHECK(streams.size() == 1);
    REQUIRE(h.ev[0].size() == kSlices);
    for (std::uint32_t i = 0; i < kSlices; ++i) {
      CHECK(h.ev[0][i].kind == TaTxEvent::Kind::Delivered);
      CHECK(h.ev[0][i].tag == 1000 + i);
    }
    CHECK(h.at(0).counters().slices_sent == kSlices);
    CHECK(h.at(1).counters().slices_delivered == kSlices);
    CHECK(h.at(1).counters().malformed == 0);
    CHECK(h.rx[0].empty());
    CHECK(h.net->counters().dropped == 0);
  }
}

TEST_CASE("RTP under 5% loss, duplication and reordering delivers every slice exactly once",
          "[ta][transport][rtp]") {
  auto c = rtp_config(4);
  c.lb = RtpLb::SenderSpray; // ROI packets take several paths: they reorder
  c.channel.retx = tp::RetxAlgo::SelectiveRto;
  c.channel.rto.base = 20_us;
  sim::TaNetworkConfig n{};
  n.loss = 0.05;
  n.loss_mode = sim::LossMode::Drop;
  n.dup = 0.02;
  n.reorder = 0.1;
  n.seed = 3;
  Harness h(rtp_mesh(c, 3), n);
  constexpr std::uint32_t kSlices = 300;
  for (std::uint32_t i = 0; i < kSlices; ++i) {
    const bool ordered = i % 3 == 0; // a third on one ROL stream, the rest ROI
    auto units = make_slice(kWrite, i, 1 + i % 3, 1024, 1 + (i * 53U) % 1024);
    if (i % 2 == 1) {
      // Every other slice as the initiator gives it to RTP: the headers in `bytes`, the
      // payload as a range of one shared buffer (TaUnit::tail); delivered the same.
      std::vector<Byte> all;
      for (const TaUnit& u : units) {
        all.insert(all.end(), u.bytes.begin() + 16, u.bytes.end());
      }
      const auto owner = std::make_shared<const std::vector<Byte>>(std::move(all));
      std::size_t off = 0;
      for (TaUnit& u : units) {
        const std::size_t len = u.bytes.size() - 16;
        u.bytes.resize(16);
        u.tail = SharedBytes{owner, off, len};
        off += len;
      }
    }
    REQUIRE(h.at(0).send(make_send(2, std::move(units), ordered ? TaMode::Rol : TaMode::Roi, i,
                                   ordered ? std::optional<std::uint64_t>(9) : std::nullopt),
                         0_us));
  }
  REQUIRE(h.run(10'000'000_us));
  CHECK(h.timer_checks > 50);
  CHECK(h.timer_mismatches == 0);
  CHECK(h.net->counters().dropped > 10);
  CHECK(h.net->counters().reordered > 10);
  CHECK(h.net->counters().duplicated > 0);
  std::map<std::uint32_t, int> seen;
  std::uint32_t last_ordered = 0;
  bool first = true;
  for (const TaDelivery& d : h.rx[2]) {
    const std::uint32_t i = slice_of(d.packets.at(0));
    ++seen[i];
    REQUIRE(d.packets.size() == 1 + i % 3);
    for (std::size_t p = 0; p < d.packets.size(); ++p) {
      CHECK(d.packets[p] == make_unit(kWrite, i, static_cast<std::uint32_t>(p),
                                      p + 1 == d.packets.size() ? 1 + (i * 53U) % 1024 : 1024)
                                .bytes);
    }
    if (i % 3 == 0) {
      CHECK((first || i > last_ordered)); // the ROL stream keeps its order
      last_ordered = i;
      first = false;
    }
  }
  CHECK(seen.size() == kSlices);
  CHECK(std::all_of(seen.begin(), seen.end(), [](const auto& kv) { return kv.second == 1; }));
  CHECK(h.count(0, TaTxEvent::Kind::Delivered) == kSlices);
  CHECK(h.count(0, TaTxEvent::Kind::Failed) == 0);
  CHECK(h.rx[1].empty());
  const auto* g = as_rtp(h.at(0)).group(2);
  REQUIRE(g != nullptr);
  std::uint64_t retx = 0;
  for (std::size_t k = 0; k < g->size(); ++k) {
    retx += g->channel(k).counters().retransmissions;
  }
  CHECK(retx > 0);
}

TEST_CASE("RTP's cached next timer equals every group's, after every call",
          "[ta][transport][rtp]") {
  // RtpTransport::next_timeout() asks a peer's group again only after something touched it.
  // Three devices, held TA statuses (probe timers), losses (RTO, retransmissions), verdicts
  // late and early: after every call the cached answer must equal asking every group.
  auto c = rtp_config(2);
  c.channel.ta_status = tp::TaStatusMode::RolRequests;
  c.channel.rto.base = 5_us;
  Mesh mesh = rtp_mesh(c, 3, 11);
  std::vector<RtpTransport*> t;
  for (auto& m : mesh) {
    t.push_back(&as_rtp(*m));
  }
  Xorshift64 rng(17);
  std::uint64_t checks = 0;
  std::uint64_t mismatches = 0;
  auto check = [&] {
    for (const RtpTransport* r : t) {
      ++checks;
      mismatches += r->next_timeout() != r->next_timeout_scan() ? 1U : 0U;
    }
  };
  std::vector<std::pair<std::size_t, std::uint64_t>> held; // (device, handle)
  Time now{0};
  std::uint32_t slice = 0;
  std::size_t delivered = 0;
  for (int step = 0; step < 4'000; ++step) {
    if (step < 2'000 && rng.next() % 4 == 0) {
      const auto from = static_cast<std::size_t>(rng.next() % 3);
      const auto to = static_cast<PeerId>((from + 1 + rng.next() % 2) % 3);
      const bool rol = rng.next() % 2 == 0;
      auto s = make_send(to, make_slice(kWrite, slice, 1 + rng.next() % 2, 1024, 50),
                         rol ? TaMode::Rol : TaMode::Roi, slice,
                         rol ? std::optional<std::uint64_t>(to) : std::nullopt);
      s.expects_ta_status = rol;
      (void)t[from]->send(std::move(s), now);
      ++slice;
      check();
    }
    for (std::size_t i = 0; i < 3; ++i) {
      while (auto p = t[i]->poll_transmit(now)) {
        check();
        if (rng.next() % 10 != 0) { // 10% lost
          t[p->dst]->on_receive(*p, now);
          check();
        }
      }
      while (auto d = t[i]->poll_deliver()) {
        ++delivered;
        if (d->verdict_handle) {
          held.emplace_back(i, *d->verdict_handle);
        }
        check();
      }
      while (t[i]->poll_event()) {
        check();
      }
    }
    // Answer some held deliveries now, leave others for later steps.
    for (auto it = held.begin(); it != held.end();) {
      if (rng.next() % 3 == 0) {
        (void)t[it->first]->verdict(it->second, tp::TaVerdict{}, now);
        check();
        it = held.erase(it);
      } else {
        ++it;
      }
    }
    now += Time{static_cast<std::int64_t>(200'000 + rng.next() % 2'000'000)};
    for (RtpTransport* r : t) {
      r->on_timeout(now);
      check();
    }
  }
  CHECK(slice > 300);
  CHECK(delivered > 300);
  CHECK(checks > 20'000);
  CHECK(mismatches == 0);
}

TEST_CASE("RTP TA status round trip: held delivery, RNR and Ok verdicts come back as Status",
          "[ta][transport][rtp][spec:§6.8.2]") {
  auto c = rtp_config();
  c.channel.ta_status = tp::TaStatusMode::RolRequests;
  Harness h(rtp_mesh(c));
  CHECK(h.at(0).has_tp_status());
  h.verdict_fn = [](std::size_t, const TaDelivery& d) -> std::optional<tp::TaVerdict> {
    if (slice_of(d.packets.at(0)) == 1) {
      return tp::TaVerdict{tp::TaStatusKind::ReceiverNotReady, 3};
    }
    return tp::TaVerdict{};
  };
  auto send = [&](Byte op, std::uint32_t i, bool status) {
    auto s = make_send(1, make_slice(op, i, 2, 1024, 100), TaMode::Rol, 500 + i, 1);
    s.expects_ta_status = status;
    return h.at(0).send(std::move(s), h.net->now());
  };
  REQUIRE(send(kWrite, 1, true));
  REQUIRE(send(kWrite, 2, true));
  REQUIRE(send(kRead, 3, false)); // a Read is not held: plain Delivered
  // A Read never gets a status in the TP ACK: asking for one is refused.
  CHECK(send(kRead, 4, true).error() == TaSendError::NotAllowed);
  REQUIRE(h.run());
  CHECK(h.verdict_errors == 0);
  CHECK(h.timer_checks > 5);
  CHECK(h.timer_mismatches == 0);
  REQUIRE(h.rx[1].size() == 3);
  CHECK(h.rx[1][0].verdict_handle);
  CHECK(h.rx[1][1].verdict_handle);
  CHECK_FALSE(h.rx[1][2].verdict_handle);
  REQUIRE(h.ev[0].size() == 3);
  std::map<std::uint64_t, TaTxEvent> by_tag;
  for (const auto& e : h.ev[0]) {
    by_tag[e.tag] = e;
  }
  CHECK(by_tag[501].kind == TaTxEvent::Kind::Status);
  CHECK(by_tag[501].verdict.kind == tp::TaStatusKind::ReceiverNotReady);
  CHECK(by_tag[501].retry_after == tp::rnr_timeout(3));
  CHECK(by_tag[502].kind == TaTxEvent::Kind::Status);
  CHECK(by_tag[502].verdict.kind == tp::TaStatusKind::Ok);
  CHECK(by_tag[502].retry_after == Time{0});
  CHECK(by_tag[503].kind == TaTxEvent::Kind::Delivered);
  CHECK(h.at(1).counters().verdicts == 2);
  CHECK(as_rtp(h.at(1)).open_verdicts() == 0);

  // A handle answered already, or one never given, is refused and changes nothing.
  const auto again = h.at(1).verdict(*h.rx[1][0].verdict_handle, {}, h.net->now());
  REQUIRE_FALSE(again);
  CHECK(again.error().field == "handle");
  CHECK_FALSE(h.at(1).verdict(12345, {}, h.net->now()));
  CHECK(h.at(1).counters().verdicts == 2);
}

TEST_CASE("RTP without TA status refuses expects_ta_status, a reserved RNR_Timer keeps the handle",
          "[ta][transport][rtp][spec:§6.8.2]") {
  Harness plain(rtp_mesh(rtp_config()));
  CHECK_FALSE(plain.at(0).has_tp_status());
  auto s = make_send(1, make_slice(kWrite, 0, 1, 1024, 10), TaMode::Rol, 1, 1);
  s.expects_ta_status = true;
  CHECK(plain.at(0).send(s, 0_us).error() == TaSendError::NotAllowed);
  CHECK(plain.at(0).counters().slices_refused == 1);

  auto c = rtp_config();
  c.channel.ta_status = tp::TaStatusMode::All;
  Harness h(rtp_mesh(c));
  // Held without being asked (TaStatusMode::All): the outcome is still the TP's Status.
  REQUIRE(h.at(0).send(make_send(1, make_slice(kRead, 7, 1, 1024, 10), TaMode::Roi, 70), 0_us));
  h.run_to(15_us); // the sender probes for the missing status: the network never goes quiet
  REQUIRE(h.rx[1].size() == 1);
  REQUIRE(h.rx[1][0].verdict_handle);
  CHECK(h.ev[0].empty()); // waiting for the verdict
  const std::uint64_t handle = *h.rx[1][0].verdict_handle;
  CHECK_FALSE(h.at(1).verdict(handle, {tp::TaStatusKind::ReceiverNotReady, 25}, h.net->now()));
  CHECK(as_rtp(h.at(1)).open_verdicts() == 1);
  REQUIRE(h.at(1).verdict(handle, {tp::TaStatusKind::PageFault, 2}, h.net->now()));
  REQUIRE(h.run());
  REQUIRE(h.ev[0].size() == 1);
  CHECK(h.ev[0][0].tag == 70);
  CHECK(h.ev[0][0].kind == TaTxEvent::Kind::Status);
  CHECK(h.ev[0][0].verdict.kind == tp::TaStatusKind::PageFault);
  CHECK(h.ev[0][0].retry_after == tp::rnr_timeout(2));
}

TEST_CASE("ROL over RTP stays on one channel of a multi-member group while ROI spreads",
          "[ta][transport][rtp][spec:§7.3.3]") {
  Harness h(rtp_mesh(rtp_config(4)));
  for (std::uint32_t i = 0; i < 80; ++i) {
    const bool ordered = i % 2 == 0;
    REQUIRE(h.at(0).send(make_send(1, make_slice(kWrite, i, 1, 1024, 200),
                                   ordered ? TaMode::Rol : TaMode::Roi, i,
                                   ordered ? std::optional<std::uint64_t>(77) : std::nullopt),
                         0_us));
  }
  REQUIRE(h.run());
  REQUIRE(h.rx[1].size() == 80);
  std::set<std::uint64_t> rol_streams, roi_streams;
  std::uint32_t next_rol = 0;
  for (const auto& d : h.rx[1]) {
    const std::uint32_t i = slice_of(d.packets.at(0));
    if (i % 2 == 0) {
      rol_streams.insert(d.stream);
      CHECK(i == next_rol);
      next_rol = i + 2;
    } else {
      roi_streams.insert(d.stream);
    }
  }
  CHECK(rol_streams.size() == 1);
  CHECK(roi_streams.size() == 4);
  // The stream names the sender and the member.
  std::set<std::uint64_t> expected;
  for (std::size_t k = 0; k < 4; ++k) {
    expected.insert(RtpTransport::stream_id(0, k));
  }
  CHECK(roi_streams == expected);
}

TEST_CASE("RTP refuses UNO unless allowed, and slices it cannot packet", "[ta][transport][rtp]") {
  auto c = rtp_config();
  Harness h(rtp_mesh(c));
  auto uno = make_send(1, make_slice(kWrite, 0, 1, 1024, 10), TaMode::Uno, 1);
  CHECK(h.at(0).send(uno, 0_us).error() == TaSendError::NotAllowed);
  CHECK(h.at(0).send(make_send(1, {}, TaMode::Roi, 1), 0_us).error() == TaSendError::Empty);
  CHECK(h.at(0)
            .send(make_send(0, make_slice(kWrite, 0, 1, 1024, 10), TaMode::Roi, 1), 0_us)
            .error() == TaSendError::UnknownPeer);
  // A payload above the MTU, and a short packet before the last (§6.7.1.1.1).
  CHECK(h.at(0).send(make_send(1, {make_unit(kWrite, 0, 0, 1025)}, TaMode::Roi, 1), 0_us).error() ==
        TaSendError::TooLarge);
  CHECK(h.at(0)
            .send(make_send(1, {make_unit(kWrite, 0, 0, 100), make_unit(kWrite, 0, 1, 100)},
                            TaMode::Roi, 1),
                  0_us)
            .error() == TaSendError::BadPacketing);
  TaUnit broken = make_unit(kWrite, 0, 0, 10);
  broken.header_bytes = 100;
  CHECK(h.at(0).send(make_send(1, {broken}, TaMode::Roi, 1), 0_us).error() ==
        TaSendError::BadPacketing);
  CHECK(h.at(0).counters().slices_refused == 6);
  CHECK(h.at(0).verdict(1, {}, 0_us).error().field == "handle");

  c.allow_uno = true;
  Harness u(rtp_mesh(c));
  REQUIRE(u.at(0).send(uno, 0_us));
  REQUIRE(u.run());
  CHECK(u.rx[1].size() == 1);
  CHECK(u.count(0, TaTxEvent::Kind::Delivered) == 1);
}

TEST_CASE("RTP channel failure fails its slices, then the ordered stream moves to a live member",
          "[ta][transport][rtp]") {
  auto c = rtp_config(2);
  c.channel.rto.base = 4_us;
  c.channel.rto.n = 1;
  c.channel.rto.max_retx = 2;
  Mesh mesh = rtp_mesh(c);
  RtpTransport& a = as_rtp(*mesh[0]);
  TaTransport& b = *mesh[1];
  // Member 0 (entropy 0) loses every packet from A to B; member 1 (entropy 8) works.
  std::vector<TaDelivery> got;
  std::vector<TaTxEvent> events;
  Time now{0};
  std::uint64_t timer_mismatches = 0;
  auto run = [&](const std::function<bool()>& until, bool take_events) {
    for (int guard = 0; guard < 100'000 && !until(); ++guard) {
      timer_mismatches += a.next_timeout() != a.next_timeout_scan() ? 1U : 0U;
      while (auto p = a.poll_transmit(now)) {
        if (p->entropy != 0) {
          b.on_receive(*p, now);
        }
      }
      while (auto p = b.poll_transmit(now)) {
        a.on_receive(*p, now);
      }
      while (auto d = b.poll_deliver()) {
        got.push_back(std::move(*d));
      }
      while (take_events) {
        auto e = a.poll_event();
        if (!e) {
          break;
        }
        events.push_back(*e);
      }
      now = std::max(now, std::min(a.next_timeout(), b.next_timeout()));
      if (now == kNever) {
        break;
      }
      a.on_timeout(now);
      b.on_timeout(now);
    }
  };
  // The stream's first slice goes to member 0 (round robin starts there), a ROI slice to 1.
  REQUIRE(a.send(make_send(1, make_slice(kWrite, 0, 1, 1024, 10), TaMode::Rol, 10, 5), now));
  REQUIRE(a.send(make_send(1, make_slice(kWrite, 1, 1, 1024, 10), TaMode::Roi, 11), now));
  REQUIRE(a.send(make_send(1, make_slice(kWrite, 2, 1, 1024, 10), TaMode::Rol, 12, 5), now));
  run([&] { return a.group(1)->failed(0); }, false);
  REQUIRE(a.group(1)->failed(0));
  CHECK_FALSE(a.group(1)->failed(1));
  // Until the engine has taken the failure, the stream is refused.
  CHECK(a.send(make_send(1, make_slice(kWrite, 3, 1, 1024, 10), TaMode::Rol, 13, 5), now).error() ==
        TaSendError::PeerDown);
  while (auto e = a.poll_event()) {
    events.push_back(*e);
  }
  std::map<std::uint64_t, TaTxEvent::Kind> kinds;
  for (const auto& e : events) {
    kinds[e.tag] = e.kind;
  }
  CHECK(kinds[10] == TaTxEvent::Kind::Failed);
  CHECK(kinds[12] == TaTxEvent::Kind::Failed);
  CHECK(kinds[11] == TaTxEvent::Kind::Delivered);
  REQUIRE(a.send(make_send(1, make_slice(kWrite, 4, 1, 1024, 10), TaMode::Rol, 14, 5), now));
  run(
      [&] {
        return std::any_of(events.begin(), events.end(),
                           [](const TaTxEvent& e) { return e.tag == 14; });
      },
      true);
  CHECK(std::any_of(events.begin(), events.end(), [](const TaTxEvent& e) {
    return e.tag == 14 && e.kind == TaTxEvent::Kind::Delivered;
  }));
  REQUIRE_FALSE(got.empty());
  CHECK(slice_of(got.back().packets.at(0)) == 4);
  CHECK(timer_mismatches == 0);
  CHECK(got.back().stream == RtpTransport::stream_id(0, 1));
}

TEST_CASE("CTP refuses several units, oversize payloads and unknown peers",
          "[ta][transport][ctp]") {
  Mesh m = require_mesh(make_ctp_mesh(3, ctp_config()));
  TaTransport& a = *m[0];
  CHECK(a.kind() == TransportKind::Ctp);
  CHECK(a.wire() == TaWire::Cna16);
  CHECK(a.max_payload() == 1024);
  CHECK_FALSE(a.has_tp_status());
  CHECK(a.send(make_send(1, make_slice(kWrite, 0, 2, 1024, 10), TaMode::Roi, 1), 0_us).error() ==
        TaSendError::TooLarge);
  CHECK(a.send(make_send(1, {make_unit(kWrite, 0, 0, 1025)}, TaMode::Roi, 1), 0_us).error() ==
        TaSendError::TooLarge);
  CHECK(a.send(make_send(3, {make_unit(kWrite, 0, 0, 10)}, TaMode::Roi, 1), 0_us).error() ==
        TaSendError::UnknownPeer);
  CHECK(a.send(make_send(0, {make_unit(kWrite, 0, 0, 10)}, TaMode::Roi, 1), 0_us).error() ==
        TaSendError::UnknownPeer);
  CHECK(a.send(make_send(1, {}, TaMode::Roi, 1), 0_us).error() == TaSendError::Empty);
  CHECK(a.counters().slices_refused == 5);
  CHECK(a.poll_transmit(0_us) == std::nullopt);
  REQUIRE(a.send(make_send(2, {make_unit(kWrite, 0, 0, 1024)}, TaMode::Roi, 9), 0_us));
  const auto e = a.poll_event();
  REQUIRE(e); // Delivered at send: CTP has no acknowledgement
  CHECK(e->tag == 9);
  CHECK(e->kind == TaTxEvent::Kind::Delivered);
  CHECK(a.verdict(0, {}, 0_us).error().code == Errc::NotAllowed);
  // CFG 7 carries the TAIDETAH form.
  auto c7 = ctp_config();
  c7.ctp.nth = tp::CtpNth::Cna24;
  CHECK(require_mesh(make_ctp_mesh(2, c7))[0]->wire() == TaWire::Taid);
}

TEST_CASE("CTP: ROL goes per flow (RT[0] = 0, one LBF), ROI per packet (RT[0] = 1)",
          "[ta][transport][ctp][spec:§7.3.3]") {
  auto c = ctp_config();
  c.ctp.lb = tp::CtpLb::PerPacket; // the endpoint varies the LBF; ROL must not
  c.ctp.congestion_control = false;
  Mesh m = require_mesh(make_ctp_mesh(2, c));
  TaTransport& a = *m[0];
  std::set<std::uint16_t> rol_lbf, roi_lbf;
  for (std::uint32_t i = 0; i < 8; ++i) {
    REQUIRE(a.send(make_send(1, {make_unit(kWrite, i, 0, 64)}, TaMode::Rol, i), 0_us));
    REQUIRE(a.send(make_send(1, {make_unit(kWrite, i, 0, 64)}, TaMode::Roi, i), 0_us));
  }
  for (std::uint32_t i = 0; i < 16; ++i) {
    const auto p = a.poll_transmit(0_us);
    REQUIRE(p);
    CHECK_FALSE(p->control);
    if (i % 2 == 0) {
      CHECK(p->rt == 0b00);
      rol_lbf.insert(p->entropy);
    } else {
      CHECK(p->rt == 0b01);
      roi_lbf.insert(p->entropy);
    }
  }
  CHECK(rol_lbf.size() == 1);
  CHECK(roi_lbf.size() > 1);
  // A route the table forbids for ROL is refused; RT[1] follows shortest_only.
  c.route = tp::RoutePref::PerPacket;
  c.shortest_only = true;
  Mesh forced = require_mesh(make_ctp_mesh(2, c));
  CHECK(
      forced[0]->send(make_send(1, {make_unit(kWrite, 0, 0, 64)}, TaMode::Rol, 1), 0_us).error() ==
      TaSendError::NotAllowed);
  REQUIRE(forced[0]->send(make_send(1, {make_unit(kWrite, 0, 0, 64)}, TaMode::Rot, 1), 0_us));
  CHECK(forced[0]->poll_transmit(0_us)->rt == 0b11);
}

TEST_CASE("UTP carries UNO only, one unit per slice", "[ta][transport][utp][spec:§7.3.3]") {
  Mesh m = require_mesh(make_utp_mesh(2, UtpTransportConfig{}));
  TaTransport& a = *m[0];
  CHECK(a.kind() == TransportKind::Utp);
  CHECK(a.wire() == TaWire::Taid);
  for (const TaMode mode : {TaMode::Roi, TaMode::Rot, TaMode::Rol}) {
    CHECK(a.send(make_send(1, {make_unit(kWrite, 0, 0, 10)}, mode, 1), 0_us).error() ==
          TaSendError::NotAllowed);
  }
  CHECK(a.send(make_send(1, make_slice(kWrite, 0, 2, 4096, 10), TaMode::Uno, 1), 0_us).error() ==
        TaSendError::TooLarge);
  CHECK(a.send(make_send(1, {make_unit(kWrite, 0, 0, 4097)}, TaMode::Uno, 1), 0_us).error() ==
        TaSendError::TooLarge);
  REQUIRE(a.send(make_send(1, {make_unit(kWrite, 0, 0, 4096)}, TaMode::Uno, 3), 0_us));
  const auto p = a.poll_transmit(0_us);
  REQUIRE(p);
  CHECK(p->rt == 0b01);
  m[1]->on_receive(*p, 1_us);
  const auto d = m[1]->poll_deliver();
  REQUIRE(d);
  CHECK(d->packets.at(0) == make_unit(kWrite, 0, 0, 4096).bytes);
  auto garbled = *p;
  garbled.bytes.resize(5);
  m[1]->on_receive(garbled, 2_us);
  CHECK(m[1]->counters().malformed == 1);
  CHECK_FALSE(m[1]->poll_deliver());
}

TEST_CASE("Bypass: compact TA bytes behind an NTH_CNA16, checked on arrival",
          "[ta][transport][bypass][spec:App.B.2.6]") {
  Mesh m = require_mesh(make_bypass_mesh(3, BypassTransportConfig{}));
  TaTransport& a = *m[0];
  TaTransport& b = *m[1];
  CHECK(a.wire() == TaWire::Compact);
  // A compact Write: BTAH_COMPACT, MAETAH_COMPACT, 64 bytes of payload.
  BtahCompact bt{};
  bt.ta_opcode = static_cast<std::uint8_t>(TaOpcode::Write);
  bt.ini_tassn = 0x1234;
  MaetahCompact ma{};
  ma.address_63_6 = 0x1000;
  ma.so = true;
  TaUnit u;
  u.bytes.resize(4 + 12);
  REQUIRE(Codec<BtahCompact>::encode(bt, std::span<Byte>(u.bytes).first(4)));
  REQUIRE(Codec<MaetahCompact>::encode(ma, std::span<Byte>(u.bytes).subspan(4, 12)));
  u.header_bytes = 16;
  for (std::size_t k = 0; k < 64; ++k) {
    u.bytes.push_back(static_cast<Byte>(k * 5));
  }
  REQUIRE(a.send(make_send(1, {u}, TaMode::Rol, 77), 0_us));
  const auto p = a.poll_transmit(0_us);
  REQUIRE(p);
  CHECK(p->rt == 0b00); // ROL: per flow (Table 7-14)
  const auto nth = Codec<nl::NthCna16>::decode(p->bytes);
  REQUIRE(nth);
  CHECK(nth->scna == 0);
  CHECK(nth->dcna == 1);
  CHECK(nth->nlp == nl::nlp::kTah);
  CHECK_FALSE(nth->mgmt);
  CHECK(p->bytes.size() == 8 + u.bytes.size());

  b.on_receive(*p, 1_us);
  const auto d = b.poll_deliver();
  REQUIRE(d);
  CHECK(d->peer == 0);
  REQUIRE(d->packets.size() == 1);
  CHECK(d->packets[0] == u.bytes);
  const auto back = Codec<BtahCompact>::decode(d->packets[0]);
  REQUIRE(back);
  CHECK(*back == bt);

  // Corrupted NTHs: NLP 1 (CFG 9 allows 0 only), Mgmt set, another DCNA, a source that is not the
  // sender, a truncated NTH. Each is counted and dropped.
  auto corrupt = [&](const std::function<void(ta::NetPacket&)>& f) {
    ta::NetPacket q = *p;
    f(q);
    return q;
  };
  const std::vector<ta::NetPacket> bad = {
      corrupt([](ta::NetPacket& q) { q.bytes[7] |= 0x01; }),
      corrupt([](ta::NetPacket& q) { q.bytes[7] |= 0x08; }),
      corrupt([](ta::NetPacket& q) { q.bytes[3] = 2; }),
      corrupt([](ta::NetPacket& q) { q.src = 2; }),
      corrupt([](ta::NetPacket& q) { q.bytes.resize(6); }),
      corrupt([](ta::NetPacket& q) { q.bytes.resize(8); }),
  };
  for (const auto& q : bad) {
    b.on_receive(q, 2_us);
  }
  CHECK(b.counters().malformed == bad.size());
  CHECK_FALSE(b.poll_deliver());
  // ROI per packet; oversize and several units refused.
  REQUIRE(a.send(make_send(2, {u}, TaMode::Roi, 78), 0_us));
  CHECK(a.poll_transmit(0_us)->rt == 0b01);
  CHECK(a.send(make_send(1, {make_unit(kWrite, 0, 0, 4097)}, TaMode::Roi, 1), 0_us).error() ==
        TaSendError::TooLarge);
  CHECK(a.send(make_send(1, {u, u}, TaMode::Roi, 1), 0_us).error() == TaSendError::TooLarge);
}

TEST_CASE("Transport configurations and meshes refuse bad values, naming the field",
          "[ta][transport]") {
  auto field = [](const Status& s) { return s ? std::string{} : std::string{s.error().field}; };
  auto r = rtp_config();
  CHECK(validate(r));
  r.channels = 0;
  CHECK(field(validate(r)) == "channels");
  r.channels = 33;
  CHECK(field(validate(r)) == "channels");
  r = rtp_config();
  r.wire = TaWire::Compact;
  CHECK(field(validate(r)) == "wire");
  r = rtp_config();
  r.channel.mtu = 1000;
  CHECK(field(validate(r)) == "mtu");
  r = rtp_config();
  r.lb = RtpLb::SwitchSpray; // spraying with fast retransmission (§6.5.1.4)
  CHECK(field(validate(r)) == "channel.retx");
  Rng rng(1);
  CHECK(make_rtp_mesh(1, rtp_config(), rng).error().field == "devices");

  auto c = ctp_config();
  c.vl = 16;
  CHECK(field(validate(c)) == "vl");
  c = ctp_config();
  c.ctp.mtu = 100;
  CHECK(field(validate(c)) == "mtu");
  CHECK(make_ctp_mesh(70'000, ctp_config()).error().field == "devices");

  BypassTransportConfig bp{};
  bp.max_payload = 100;
  CHECK(field(validate(bp)) == "max_payload");
  bp.max_payload = 64;
  CHECK(validate(bp));
  CHECK(make_bypass_mesh(1, bp).error().field == "devices");

  UtpTransportConfig u{};
  u.utp.nth_bytes = 8;
  CHECK(field(validate(u)) == "nth_bytes");
}

TEST_CASE("RTP with share_packets hands its data packets down as shares, and its peer hands them "
          "up as ranges of the same buffers",
          "[ta][transport][rtp]") {
  auto c = rtp_config();
  c.channel.share_packets = true;
  Mesh mesh = rtp_mesh(c);
  const auto units = make_slice(kWrite, 7, 2, 1024, 300);
  REQUIRE(mesh[0]->send(make_send(1, units, TaMode::Rol, 77, 42), 0_us));
  int data = 0;
  std::vector<const std::vector<Byte>*> wire_buffers;
  while (auto p = mesh[0]->poll_transmit(0_us)) {
    REQUIRE_FALSE(p->control);
    CHECK(p->bytes.empty());
    REQUIRE_FALSE(p->shared.empty());
    CHECK(p->view().size() == p->shared.length);
    wire_buffers.push_back(p->shared.owner.get());
    mesh[1]->on_receive(*p, 1_us);
    ++data;
  }
  CHECK(data == 2);
  const auto d = mesh[1]->poll_deliver();
  REQUIRE(d.has_value());
  CHECK(d->packets.empty());
  REQUIRE(d->shared.size() == 2);
  for (std::size_t k = 0; k < 2; ++k) {
    // The TA bytes where they arrived: inside the sender's buffer, after the RTPH, no copy.
    CHECK(d->shared[k].owner.get() == wire_buffers[k]);
    CHECK(d->shared[k].offset > 0);
    const auto v = d->shared[k].view();
    CHECK(std::vector<Byte>(v.begin(), v.end()) == units[k].bytes);
  }
  // The ACK going back is a copy, as control packets always are.
  const auto ack = mesh[1]->poll_transmit(1_us);
  REQUIRE(ack.has_value());
  CHECK(ack->control);
  CHECK(ack->shared.empty());
  CHECK_FALSE(ack->bytes.empty());
}

TEST_CASE("RTP passes idle peers by until an input touches them, and sends the same packets",
          "[ta][transport][rtp]") {
  Mesh mesh = rtp_mesh(rtp_config());
  // Nothing to send: the peer is marked idle, and polling again at a later time finds nothing.
  CHECK_FALSE(mesh[0]->poll_transmit(0_us));
  CHECK_FALSE(mesh[0]->poll_transmit(5_us));
  // A send touches the peer: its packets go out at once.
  const auto units = make_slice(kWrite, 3, 2, 1024, 100);
  REQUIRE(mesh[0]->send(make_send(1, units, TaMode::Rol, 33, 42), 5_us));
  int data = 0;
  while (auto p = mesh[0]->poll_transmit(5_us)) {
    mesh[1]->on_receive(*p, 6_us);
    ++data;
  }
  CHECK(data == 2);
  // The receiver's ACK: queued by a received packet (an input), so polled and sent.
  const auto ack = mesh[1]->poll_transmit(6_us);
  REQUIRE(ack.has_value());
  CHECK(ack->control);
  mesh[0]->on_receive(*ack, 7_us);
  CHECK(as_rtp(*mesh[0]).counters().packets_sent == 2);
  CHECK_FALSE(mesh[0]->poll_transmit(7_us)); // acknowledged: nothing more
}

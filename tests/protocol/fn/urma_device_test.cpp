// The function layer: Jettys, JFCs, Jetty Groups, the state machine, load/store (UB-Base-2.0 §8).

#include <catch2/catch.hpp>

#include "protocol/fn/urma_device.hpp"
#include "tests/protocol/ta/txn_net.hpp"

namespace ub::fn {
namespace {

using DevNet = ta::test::NodeNet<UrmaDevice>;

constexpr std::uint32_t kToken = 3;
constexpr std::uint32_t kTokenValue = 0xAB12;

// Device 1 exports a 64 KiB segment at UBA 0 (PA 0x200000).
void export_segment(UrmaDevice& d, ta::PeerId self) {
  auto& u = d.endpoint().target().ummu();
  REQUIRE(u.add_entity(self));
  REQUIRE(u.add_token_context(self, kToken));
  REQUIRE(u.map(self, kToken, 0, 65536, 0x200000));
  ta::PermissionEntry e;
  e.base = 0;
  e.limit = 65535;
  e.token_val0 = kTokenValue;
  REQUIRE(u.add_permission(self, kToken, e));
}

RemoteSegment segment() {
  return RemoteSegment{1, kToken, 0, 65536, kTokenValue};
}

struct Fixture {
  explicit Fixture(ta::TaWire wire = ta::TaWire::Cna16, bool multi = true,
                   ta::TaMode mode = ta::TaMode::Roi)
      : net(ta::test::ideal_transports(2, wire, 4096, multi), {}, {}) {
    export_segment(net.ep(1), 1);
    jfc0 = *net.ep(0).create_jfc(64);
    jfc1 = *net.ep(1).create_jfc(64);
    JettyConfig c;
    c.mode = mode;
    c.send_jfc = jfc0;
    c.recv_jfc = jfc0;
    j0 = *net.ep(0).create_jetty(c);
    c.send_jfc = jfc1;
    c.recv_jfc = jfc1;
    c.token = 0x77;
    j1 = *net.ep(1).create_jetty(c);
    REQUIRE(net.ep(0).modify(j0, JettyState::Ready, Time{0}));
    REQUIRE(net.ep(1).modify(j1, JettyState::Ready, Time{0}));
  }
  std::vector<Cqe> cqes(std::size_t dev, JfcId c) {
    std::vector<Cqe> v;
    while (auto q = net.ep(dev).poll_jfc(c)) {
      v.push_back(std::move(*q));
    }
    return v;
  }
  DevNet net;
  JfcId jfc0 = 0, jfc1 = 0;
  JettyId j0 = 0, j1 = 0;
};

WorkRequest write_wr(std::uint64_t ctx, std::uint64_t off, std::vector<Byte> data) {
  WorkRequest w;
  w.opcode = WrOpcode::Write;
  w.user_ctx = ctx;
  w.seg = segment();
  w.offset = off;
  w.length = static_cast<std::uint32_t>(data.size());
  w.data = std::move(data);
  return w;
}

TEST_CASE("URMA: write, read and send complete on the JFCs with the user context", "[fn][urma]") {
  Fixture f;
  REQUIRE(f.net.ep(0).post_send(f.j0, write_wr(11, 128, std::vector<Byte>(100, Byte{9})), Time{0}));
  WorkRequest r;
  r.opcode = WrOpcode::Read;
  r.user_ctx = 12;
  r.seg = segment();
  r.offset = 128;
  r.length = 100;
  r.place_order = PlaceOrder::Strong; // SO behind the write
  REQUIRE(f.net.ep(0).post_send(f.j0, r, Time{0}));
  REQUIRE(f.net.ep(1).post_recv(f.j1, 256));
  WorkRequest s;
  s.opcode = WrOpcode::SendImm;
  s.user_ctx = 13;
  s.jetty = RemoteJetty{1, f.j1, false, 0x77};
  s.length = 10;
  s.data = std::vector<Byte>(10, Byte{1});
  s.imm = 42;
  REQUIRE(f.net.ep(0).post_send(f.j0, s, Time{0}));
  REQUIRE(f.net.run());
  const auto c0 = f.cqes(0, f.jfc0);
  REQUIRE(c0.size() == 3);
  CHECK(c0[0].user_ctx == 11);
  CHECK(c0[1].user_ctx == 12);
  CHECK(c0[1].data == std::vector<Byte>(100, Byte{9}));
  CHECK(c0[2].user_ctx == 13);
  for (const auto& c : c0) {
    CHECK(c.status == CqeStatus::Success);
    CHECK_FALSE(c.recv);
  }
  const auto c1 = f.cqes(1, f.jfc1);
  REQUIRE(c1.size() == 1);
  CHECK(c1[0].recv);
  CHECK(c1[0].opcode == WrOpcode::SendImm);
  CHECK(c1[0].byte_len == 10);
  CHECK(c1[0].imm == std::optional<std::uint64_t>{42});
  CHECK(c1[0].remote == 0);
}

TEST_CASE("URMA: Jetty states gate posting and serving", "[fn][urma]") {
  Fixture f;
  auto& d0 = f.net.ep(0);
  // Illegal transitions are refused with the clause.
  REQUIRE(d0.modify(f.j0, JettyState::Error, Time{0}));
  CHECK(d0.post_send(f.j0, write_wr(1, 0, {Byte{1}}), Time{0}).error() == WrError::BadState);
  const auto e = d0.modify(f.j0, JettyState::Ready, Time{0});
  REQUIRE_FALSE(e);
  CHECK(e.error().clause == "§8.2.2.3");
  REQUIRE(d0.modify(f.j0, JettyState::Reset, Time{0}));
  CHECK_FALSE(d0.modify(f.j0, JettyState::Suspend, Time{0}));
  CHECK(d0.state(f.j0) == JettyState::Reset);
  REQUIRE(d0.modify(f.j0, JettyState::Ready, Time{0}));
  // Suspend: posting succeeds, nothing goes until Ready again.
  REQUIRE(d0.modify(f.j0, JettyState::Suspend, Time{0}));
  REQUIRE(d0.post_send(f.j0, write_wr(2, 0, std::vector<Byte>(8, Byte{2})), Time{0}));
  REQUIRE(f.net.run());
  CHECK(f.cqes(0, f.jfc0).empty());
  REQUIRE(d0.modify(f.j0, JettyState::Ready, f.net.now()));
  REQUIRE(f.net.run());
  const auto c = f.cqes(0, f.jfc0);
  REQUIRE(c.size() == 1);
  CHECK(c[0].status == CqeStatus::Success);
  // A receiving Jetty in Reset drops sends silently: the sender times out.
  REQUIRE(f.net.ep(1).modify(f.j1, JettyState::Reset, f.net.now()));
  REQUIRE(f.net.ep(1).post_recv(f.j1, 64));
  WorkRequest s;
  s.opcode = WrOpcode::Send;
  s.jetty = RemoteJetty{1, f.j1, false, 0x77};
  s.length = 4;
  s.data = std::vector<Byte>(4, Byte{1});
  REQUIRE(d0.post_send(f.j0, s, f.net.now()));
  REQUIRE(f.net.run());
  const auto c2 = f.cqes(0, f.jfc0);
  REQUIRE(c2.size() == 1);
  CHECK(c2[0].status == CqeStatus::TransactionAckTimeout);
  CHECK(f.net.ep(1).endpoint().target().counters().dropped_disabled == 1);
  // Exception mode suspend: the failure suspended the sender and raised a JFAE event.
  CHECK(d0.state(f.j0) == JettyState::Suspend);
  auto ev = d0.poll_async();
  REQUIRE(ev);
  CHECK(ev->kind == AsyncEvent::Kind::JettySuspended);
}

TEST_CASE("URMA: reserved SEND_INVALIDATE and one-to-one binding are refused at post",
          "[fn][urma]") {
  Fixture f;
  WorkRequest s;
  s.opcode = WrOpcode::SendInvalidate;
  s.jetty = RemoteJetty{1, f.j1, false, 0x77};
  CHECK(f.net.ep(0).post_send(f.j0, s, Time{0}).error() == WrError::UnsupportedOpcode);
  JettyConfig c;
  c.send_jfc = f.jfc0;
  c.recv_jfc = f.jfc0;
  c.bound = RemoteJetty{1, f.j1, false, 0x77};
  const JettyId b = *f.net.ep(0).create_jetty(c);
  REQUIRE(f.net.ep(0).modify(b, JettyState::Ready, Time{0}));
  s.opcode = WrOpcode::Send;
  s.jetty.id = f.j1 + 5;
  CHECK(f.net.ep(0).post_send(b, s, Time{0}).error() == WrError::NotBound);
  s.jetty.id = f.j1;
  CHECK(f.net.ep(0).post_send(b, s, Time{0}).has_value());
  // A JFS has no receive side; a JFR cannot send.
  c.bound.reset();
  c.kind = JettyKind::Jfr;
  const JettyId r = *f.net.ep(0).create_jetty(c);
  CHECK(f.net.ep(0).post_send(r, write_wr(1, 0, {Byte{1}}), Time{0}).error() == WrError::WrongKind);
}

TEST_CASE("URMA: Jetty Group policies pick the member", "[fn][urma]") {
  for (const auto policy :
       {ta::GroupPolicy::RoundRobin, ta::GroupPolicy::HintHash, ta::GroupPolicy::RqDepth}) {
    Fixture f;
    auto& d1 = f.net.ep(1);
    JettyConfig c;
    c.kind = JettyKind::Jfr;
    c.recv_jfc = f.jfc1;
    std::vector<JettyId> members;
    for (int i = 0; i < 3; ++i) {
      members.push_back(*d1.create_jetty(c));
      REQUIRE(d1.modify(members.back(), JettyState::Ready, Time{0}));
    }
    // Uneven receive queues: 2, 3 and 8 buffers.
    for (int i = 0; i < 3; ++i) {
      for (int k = 0; k < (i == 0 ? 2 : i == 1 ? 3 : 8); ++k) {
        REQUIRE(d1.post_recv(members[static_cast<std::size_t>(i)], 64));
      }
    }
    const JettyId g = *d1.create_jetty_group(members, policy);
    for (std::uint8_t i = 0; i < 3; ++i) {
      WorkRequest s;
      s.opcode = WrOpcode::Send;
      s.jetty = RemoteJetty{1, g, true, std::nullopt};
      s.hint = static_cast<std::uint8_t>(4 + 3 * i); // hash: every hint mod 3 = member 1
      s.length = 4;
      s.data = std::vector<Byte>(4, Byte{1});
      REQUIRE(f.net.ep(0).post_send(f.j0, s, Time{0}));
    }
    REQUIRE(f.net.run());
    std::vector<JettyId> got;
    for (const auto& q : f.cqes(1, f.jfc1)) {
      got.push_back(q.local_jetty);
    }
    REQUIRE(got.size() == 3);
    switch (policy) {
    case ta::GroupPolicy::RoundRobin:
      CHECK(got == members);
      break;
    case ta::GroupPolicy::HintHash:
      CHECK(got == std::vector<JettyId>(3, members[1]));
      break;
    case ta::GroupPolicy::RqDepth:
      CHECK(got == std::vector<JettyId>(3, members[2]));
      break;
    }
  }
}

TEST_CASE("URMA: load/store over bypass widens to 64-byte blocks and Write_with_be",
          "[fn][urma][ls]") {
  Fixture f(ta::TaWire::Compact, false, ta::TaMode::Rol);
  auto& d0 = f.net.ep(0);
  REQUIRE(d0.add_decoder_entry(DecoderEntry{0x8000'0000, 65536, segment()}));
  REQUIRE(d0.enable_load_store(LsConfig{}));
  // A 4-byte store at offset 70: a Write_with_be over the block at 64.
  auto st =
      d0.store(0x8000'0000 + 70, {Byte{1}, Byte{2}, Byte{3}, Byte{4}}, ta::ExecOrder::Ro, Time{0});
  REQUIRE(st);
  REQUIRE(f.net.run());
  auto sc = d0.poll_ls();
  REQUIRE(sc);
  CHECK(sc->status == CqeStatus::Success);
  auto& mem = f.net.ep(1).endpoint().target().memory();
  CHECK(mem.read(0x200000 + 64, 10) == std::vector<Byte>{Byte{0}, Byte{0}, Byte{0}, Byte{0},
                                                         Byte{0}, Byte{0}, Byte{1}, Byte{2},
                                                         Byte{3}, Byte{4}});
  // An 8-byte load at offset 68 reads the block and returns its 8 bytes.
  auto ld = d0.load(0x8000'0000 + 68, 8, ta::ExecOrder::Ro, f.net.now());
  REQUIRE(ld);
  REQUIRE(f.net.run());
  auto lc = d0.poll_ls();
  REQUIRE(lc);
  CHECK(lc->ticket == *ld);
  CHECK(lc->data ==
        std::vector<Byte>{Byte{0}, Byte{0}, Byte{1}, Byte{2}, Byte{3}, Byte{4}, Byte{0}, Byte{0}});
  // An 8-byte atomic is not expressible in CFG 9; an address outside the decoder has no mapping.
  CHECK(d0.atomic(0x8000'0000, ta::TaOpcode::AtomicFetchAdd, std::vector<Byte>(16), 8, f.net.now())
            .error() == LsError::NotExpressible);
  CHECK(d0.load(0x9000'0000, 8, ta::ExecOrder::Ro, f.net.now()).error() == LsError::NoMapping);
  // A 64-byte atomic goes.
  std::vector<Byte> ops(128, Byte{0});
  ops[0] = Byte{5};
  auto at = d0.atomic(0x8000'0000 + 128, ta::TaOpcode::AtomicFetchAdd, ops, 64, f.net.now());
  REQUIRE(at);
  REQUIRE(f.net.run());
  auto ac = d0.poll_ls();
  REQUIRE(ac);
  CHECK(ac->status == CqeStatus::Success);
  CHECK(mem.read(0x200000 + 128, 1)[0] == Byte{5});
}

} // namespace
} // namespace ub::fn

namespace ub::fn {
namespace {

TEST_CASE("URMA: load/store over a TP channel keeps exact lengths and any atomic size",
          "[fn][urma][ls]") {
  Fixture f(ta::TaWire::Cna16, true, ta::TaMode::Roi);
  auto& d0 = f.net.ep(0);
  REQUIRE(d0.add_decoder_entry(DecoderEntry{0x8000'0000, 65536, segment()}));
  CHECK_FALSE(d0.add_decoder_entry(DecoderEntry{0x8000'8000, 4096, segment()})); // overlap
  LsConfig cfg;
  cfg.mode = ta::TaMode::Roi;
  REQUIRE(d0.enable_load_store(cfg));
  // Full headers: a 4-byte store is a 4-byte Write; the bytes around it stay untouched.
  auto& mem = f.net.ep(1).endpoint().target().memory();
  mem.write(0x200000 + 96, std::vector<Byte>(8, Byte{0xEE}));
  REQUIRE(
      d0.store(0x8000'0000 + 98, {Byte{1}, Byte{2}, Byte{3}, Byte{4}}, ta::ExecOrder::So, Time{0}));
  // An 8-byte fetch_add, SO behind the store.
  std::vector<Byte> ops(16, Byte{0});
  ops[0] = Byte{7};
  REQUIRE(d0.atomic(0x8000'0000 + 256, ta::TaOpcode::AtomicFetchAdd, ops, 8, Time{0}));
  auto ld = d0.load(0x8000'0000 + 96, 8, ta::ExecOrder::So, Time{0});
  REQUIRE(ld);
  REQUIRE(f.net.run());
  std::vector<LsCompletion> done;
  while (auto c = d0.poll_ls()) {
    done.push_back(std::move(*c));
  }
  REQUIRE(done.size() == 3);
  for (const auto& c : done) {
    CHECK(c.status == CqeStatus::Success);
  }
  CHECK(done[2].ticket == *ld);
  CHECK(done[2].data == std::vector<Byte>{Byte{0xEE}, Byte{0xEE}, Byte{1}, Byte{2}, Byte{3},
                                          Byte{4}, Byte{0xEE}, Byte{0xEE}});
  CHECK(mem.read(0x200000 + 256, 1)[0] == Byte{7});
  // The load/store queue holds at most max_outstanding accesses.
  LsConfig small;
  small.max_outstanding = 1;
  Fixture g(ta::TaWire::Cna16, true, ta::TaMode::Roi);
  REQUIRE(g.net.ep(0).add_decoder_entry(DecoderEntry{0x8000'0000, 65536, segment()}));
  REQUIRE(g.net.ep(0).enable_load_store(small));
  REQUIRE(g.net.ep(0).load(0x8000'0000, 8, ta::ExecOrder::Ro, Time{0}));
  CHECK(g.net.ep(0).load(0x8000'0000, 8, ta::ExecOrder::Ro, Time{0}).error() == LsError::Busy);
}

} // namespace
} // namespace ub::fn

namespace ub::fn {
namespace {

// Found by fuzz_jetty_program: the device kept every successful unsignalled request for ever.
TEST_CASE("URMA: unsignalled requests that succeed leave nothing behind", "[fn][urma]") {
  Fixture f;
  auto& d0 = f.net.ep(0);
  for (std::uint64_t i = 0; i < 3; ++i) {
    WorkRequest w = write_wr(100 + i, 64 * i, std::vector<Byte>(32, Byte{1}));
    w.complete_enable = false;
    REQUIRE(d0.post_send(f.j0, w, Time{0}));
  }
  CHECK(d0.outstanding_requests() == 3);
  REQUIRE(f.net.run());
  CHECK(d0.outstanding_requests() == 0);
  CHECK(f.cqes(0, f.jfc0).empty());
  // A failed unsignalled request still reports (Table 10-12): a bad token.
  WorkRequest bad = write_wr(200, 0, {Byte{1}});
  bad.complete_enable = false;
  bad.seg.token_value = kTokenValue + 1U;
  REQUIRE(d0.post_send(f.j0, bad, f.net.now()));
  REQUIRE(f.net.run());
  const auto c = f.cqes(0, f.jfc0);
  REQUIRE(c.size() == 1);
  CHECK(c[0].user_ctx == 200);
  CHECK(c[0].status == CqeStatus::RemoteAccessAbort);
  CHECK(d0.outstanding_requests() == 0);
}

// Found by fuzz_jetty_program: a compact load longer than the largest block came back cut short
// with a success status.
TEST_CASE("URMA: a load no compact block covers is refused over bypass", "[fn][urma][ls]") {
  Fixture f(ta::TaWire::Compact, false, ta::TaMode::Rol);
  auto& d0 = f.net.ep(0);
  REQUIRE(d0.add_decoder_entry(DecoderEntry{0x8000'0000, 65536, segment()}));
  REQUIRE(d0.enable_load_store(LsConfig{}));
  // 8 KiB from a 64-byte boundary is one block; 32 bytes further it spans 8,224 bytes.
  CHECK(d0.load(0x8000'0000 + 32, 8192, ta::ExecOrder::Ro, Time{0}).error() ==
        LsError::NotExpressible);
  CHECK(d0.load(0x8000'0000 + 100, 8160, ta::ExecOrder::Ro, Time{0}).error() ==
        LsError::NotExpressible);
  auto ld = d0.load(0x8000'0000 + 64, 8128, ta::ExecOrder::Ro, Time{0});
  REQUIRE(ld);
  REQUIRE(f.net.run());
  auto lc = d0.poll_ls();
  REQUIRE(lc);
  CHECK(lc->status == CqeStatus::Success);
  CHECK(lc->data.size() == 8128);
}

// A receive completion held for completion order (ODR[2], X35) is written when the wait ends,
// after its Jetty may have left for Error; the observer learns when its request was taken
// (ReceiveCompleted::taken), which is what §8.2.2.3 constrains (fuzz_jetty_program's J4).
TEST_CASE("URMA: a held receive completion keeps the time its request was taken", "[fn][urma]") {
  struct Receives : ta::TxnObserver {
    std::vector<ta::ReceiveCompleted> seen;
    void on_received(const ta::ReceiveCompleted& r) override { seen.push_back(r); }
  } obs;
  DevNet net(ta::test::ideal_transports(2), {}, {}, &obs);
  export_segment(net.ep(1), 1);
  const JfcId c0 = *net.ep(0).create_jfc(64);
  const JfcId c1 = *net.ep(1).create_jfc(64);
  JettyConfig c;
  c.send_jfc = c0;
  c.recv_jfc = c0;
  const JettyId j0 = *net.ep(0).create_jetty(c);
  c.send_jfc = c1;
  c.recv_jfc = c1;
  const JettyId j1 = *net.ep(1).create_jetty(c);
  REQUIRE(net.ep(0).modify(j0, JettyState::Ready, Time{0}));
  REQUIRE(net.ep(1).modify(j1, JettyState::Ready, Time{0}));
  bool dropped = false;
  net.filter = [&](const ta::NetPacket& p) {
    if (!dropped && p.src == 0 && p.dst == 1) {
      dropped = true; // the first Send is lost
      return false;
    }
    return true;
  };
  REQUIRE(net.ep(1).post_recv(j1, 256));
  REQUIRE(net.ep(1).post_recv(j1, 256));
  for (std::uint64_t i = 0; i < 2; ++i) {
    WorkRequest s;
    s.opcode = WrOpcode::Send;
    s.user_ctx = 300 + i;
    s.jetty = RemoteJetty{1, j1, false, std::nullopt};
    s.length = 16;
    s.data = std::vector<Byte>(16, Byte{2});
    s.comp_order = true; // the target writes receive CQEs in the initiator's order
    REQUIRE(net.ep(0).post_send(j0, s, Time{0}));
  }
  // The second Send arrived; its completion waits for the first one's.
  CHECK_FALSE(net.run(Time{10'000'000}));
  CHECK(obs.seen.empty());
  const Time closed = net.now();
  REQUIRE(net.ep(1).modify(j1, JettyState::Error, closed));
  REQUIRE(net.run());
  REQUIRE(obs.seen.size() == 1);
  CHECK(obs.seen[0].t > closed);     // written when the wait for order ended
  CHECK(obs.seen[0].taken < closed); // taken while the Jetty was Ready
  CHECK(obs.seen[0].taken > Time{0});
}

TEST_CASE("URMA: a failure reported after a resume suspends the queue again", "[fn][urma]") {
  // The failed request waits to be reported behind an earlier one that is being retried; in
  // between the user suspends and resumes the Jetty, which resumes the initiator's queue. When
  // the failure is reported the Jetty enters Suspend (§8.2.2.3): what is posted then waits.
  Fixture f;
  auto& d0 = f.net.ep(0);
  WorkRequest s; // no receive buffer yet: answered RNR and retried
  s.opcode = WrOpcode::Send;
  s.user_ctx = 1;
  s.jetty = RemoteJetty{1, f.j1, false, 0x77};
  s.length = 8;
  s.data = std::vector<Byte>(8, Byte{1});
  REQUIRE(d0.post_send(f.j0, s, Time{0}));
  WorkRequest bad = write_wr(2, 64, std::vector<Byte>(8, Byte{2}));
  bad.seg.token_value = kTokenValue + 1U; // refused by the target
  bad.comp_order = true;                  // reported after the Send
  REQUIRE(d0.post_send(f.j0, bad, Time{0}));
  CHECK_FALSE(f.net.run(Time{1'000'000}));          // both answered; the RNR retry waits 2 us
  CHECK(d0.state(f.j0) == JettyState::Ready);       // the failure is not reported yet
  CHECK(d0.endpoint().initiator().suspended(f.j0)); // but the initiator has stopped the queue
  REQUIRE(d0.modify(f.j0, JettyState::Suspend, f.net.now()));
  REQUIRE(d0.modify(f.j0, JettyState::Ready, f.net.now()));
  REQUIRE(f.net.ep(1).post_recv(f.j1, 64));
  REQUIRE(f.net.run());
  const auto c = f.cqes(0, f.jfc0);
  REQUIRE(c.size() == 2);
  CHECK(c[0].status == CqeStatus::Success);
  CHECK(c[1].status == CqeStatus::RemoteAccessAbort);
  REQUIRE(d0.state(f.j0) == JettyState::Suspend);
  REQUIRE(d0.post_send(f.j0, write_wr(3, 128, std::vector<Byte>(8, Byte{3})), f.net.now()));
  REQUIRE(f.net.run());
  CHECK(f.cqes(0, f.jfc0).empty()); // nothing went out while suspended
  CHECK(d0.outstanding_requests() == 1);
  REQUIRE(d0.modify(f.j0, JettyState::Ready, f.net.now()));
  REQUIRE(f.net.run());
  const auto after = f.cqes(0, f.jfc0);
  REQUIRE(after.size() == 1);
  CHECK(after[0].user_ctx == 3);
  CHECK(after[0].status == CqeStatus::Success);
}

} // namespace
} // namespace ub::fn

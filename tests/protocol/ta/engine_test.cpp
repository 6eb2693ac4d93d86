// The initiator and target engines end to end over the ideal transport (UB-Base-2.0 §7.3, §7.4).

#include <catch2/catch.hpp>

#include "protocol/ta/oracle.hpp"
#include "protocol/ta/transport_rtp.hpp"
#include "tests/protocol/ta/txn_net.hpp"

namespace ub::ta {
namespace {

using test::kJetty;
using test::kJettyToken;
using test::kNotifyToken;
using test::kNotifyUba;
using test::kSegToken;
using test::kSegUba;
using test::kTokenValue;

std::vector<Byte> pattern(std::size_t n, std::uint8_t seed) {
  std::vector<Byte> v;
  v.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    v.push_back(static_cast<Byte>(seed + i * 7));
  }
  return v;
}

TxnOp write_op(OpId id, std::uint64_t off, std::vector<Byte> data, ExecOrder o = ExecOrder::No) {
  TxnOp op;
  op.id = id;
  op.opcode = static_cast<std::uint8_t>(TaOpcode::Write);
  op.order = o;
  op.target = 1;
  op.token_id = kSegToken;
  op.uba = kSegUba + off;
  op.length = static_cast<std::uint32_t>(data.size());
  op.data = std::move(data);
  op.token_value = kTokenValue;
  return op;
}

TxnOp read_op(OpId id, std::uint64_t off, std::uint32_t len, ExecOrder o = ExecOrder::No) {
  TxnOp op;
  op.id = id;
  op.opcode = static_cast<std::uint8_t>(TaOpcode::Read);
  op.order = o;
  op.target = 1;
  op.token_id = kSegToken;
  op.uba = kSegUba + off;
  op.length = len;
  op.token_value = kTokenValue;
  return op;
}

TxnOp atomic_op(OpId id, TaOpcode code, std::uint64_t off, std::uint64_t op1,
                std::uint64_t op2 = 0) {
  TxnOp op;
  op.id = id;
  op.opcode = static_cast<std::uint8_t>(code);
  op.target = 1;
  op.token_id = kSegToken;
  op.uba = kSegUba + off;
  op.length = 8;
  op.token_value = kTokenValue;
  op.data.resize(16);
  for (std::size_t i = 0; i < 8; ++i) {
    op.data[i] = static_cast<Byte>(op1 >> (8 * i));
    op.data[8 + i] = static_cast<Byte>(op2 >> (8 * i));
  }
  return op;
}

std::uint64_t le(const std::vector<Byte>& b) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < b.size() && i < 8; ++i) {
    v |= std::uint64_t{b[i]} << (8 * i);
  }
  return v;
}

// Takes every completion of endpoint `ep`, checking each succeeded; returns how many.
template <class Endpoint>
std::size_t successes(Endpoint& ep) {
  std::size_t n = 0;
  while (auto done = ep.poll_completion()) {
    CHECK(done->status == fn::CqeStatus::Success);
    ++n;
  }
  return n;
}

struct Pair {
  explicit Pair(TaMode mode = TaMode::Roi, EndpointConfig ep = {}, test::NetConfig nc = {},
                TaWire wire = TaWire::Cna16, std::uint32_t mtu = 4096, bool multi = true,
                QueueConfig qc = {})
      : net(test::ideal_transports(2, wire, mtu, multi), ep, nc) {
    qc.mode = mode;
    REQUIRE(this->net.ep(0).initiator().add_queue(1, qc));
    test::set_up_target(this->net.ep(1).target(), 1);
  }
  std::vector<Completion> drain() {
    std::vector<Completion> v;
    while (auto c = net.ep(0).poll_completion()) {
      v.push_back(std::move(*c));
    }
    return v;
  }
  test::TxnNet net;
};

TEST_CASE("TA engines: a sliced write then a read return the same bytes", "[ta][engine]") {
  EndpointConfig ep;
  ep.initiator.slice_bytes = 16 * 1024;
  Pair p(TaMode::Roi, ep);
  const auto data = pattern(100'000, 3);
  REQUIRE(p.net.ep(0).post(1, write_op(1, 0, data), Time{0}));
  REQUIRE(p.net.run());
  REQUIRE(p.net.ep(0).post(1, read_op(2, 0, 100'000), p.net.now()));
  REQUIRE(p.net.run());
  const auto done = p.drain();
  REQUIRE(done.size() == 2);
  CHECK(done[0].status == fn::CqeStatus::Success);
  CHECK(done[1].status == fn::CqeStatus::Success);
  CHECK(done[1].data == data);
  // 100,000 bytes in 16 KiB slices: 7 slices each way.
  CHECK(p.net.ep(0).initiator().counters().slices_sent == 14);
  CHECK(p.net.ep(1).target().counters().executed_slices == 14);
  CHECK(p.net.ep(1).target().memory().read(0x100000 + 99'999, 1)[0] == data.back());
}

TEST_CASE("TA engines: atomics return the old value and change memory once", "[ta][engine]") {
  Pair p;
  REQUIRE(p.net.ep(0).post(1, atomic_op(1, TaOpcode::AtomicFetchAdd, 64, 5), Time{0}));
  REQUIRE(p.net.ep(0).post(1, atomic_op(2, TaOpcode::AtomicFetchAdd, 64, 7), Time{0}));
  REQUIRE(p.net.ep(0).post(1, atomic_op(3, TaOpcode::AtomicCompareSwap, 64, 100, 12), Time{0}));
  REQUIRE(p.net.ep(0).post(1, atomic_op(4, TaOpcode::AtomicCompareSwap, 64, 200, 99), Time{0}));
  REQUIRE(p.net.run());
  const auto done = p.drain();
  REQUIRE(done.size() == 4);
  CHECK(le(done[0].data) == 0);
  CHECK(le(done[1].data) == 5);
  CHECK(le(done[2].data) == 12);  // compare 12 hit: 100 stored
  CHECK(le(done[3].data) == 100); // compare 99 missed
  CHECK(le(p.net.ep(1).target().memory().read(0x100000 + 64, 8)) == 100);
  CHECK(p.net.ep(1).target().counters().atomic_responses == 4);
}

TEST_CASE("TA engines: a wrong token is refused with Remote Abort and touches nothing",
          "[ta][engine]") {
  Pair p;
  auto w = write_op(1, 0, pattern(256, 9));
  w.token_value = kTokenValue + 1;
  REQUIRE(p.net.ep(0).post(1, w, Time{0}));
  REQUIRE(p.net.run());
  const auto done = p.drain();
  REQUIRE(done.size() == 1);
  CHECK(done[0].status == fn::CqeStatus::RemoteAccessAbort);
  CHECK(p.net.ep(1).target().memory().read(0x100000, 256) == std::vector<Byte>(256, Byte{0}));
  CHECK(p.net.ep(1).target().counters().aborts == 1);
  // Suspend (the default): the queue stops; a later op waits until it is resumed.
  CHECK(p.net.ep(0).initiator().suspended(1));
}

TEST_CASE("TA engines: Send and Send_with_immediate consume receive buffers", "[ta][engine]") {
  Pair p;
  TxnOp s;
  s.id = 1;
  s.opcode = static_cast<std::uint8_t>(TaOpcode::Send);
  s.target = 1;
  s.target_jetty = kJetty;
  s.token_value = kJettyToken;
  s.data = pattern(9000, 1);
  s.length = 9000;
  REQUIRE(p.net.ep(0).post(1, s, Time{0}));
  TxnOp si = s;
  si.id = 2;
  si.opcode = static_cast<std::uint8_t>(TaOpcode::SendWithImmediate);
  si.immediate = 0xABCDEF;
  REQUIRE(p.net.ep(0).post(1, si, Time{0}));
  REQUIRE(p.net.run());
  const auto done = p.drain();
  REQUIRE(done.size() == 2);
  CHECK(done[0].status == fn::CqeStatus::Success);
  CHECK(done[1].status == fn::CqeStatus::Success);
  auto r1 = p.net.ep(1).target().poll_receive();
  auto r2 = p.net.ep(1).target().poll_receive();
  REQUIRE(r1);
  REQUIRE(r2);
  CHECK(r1->length == 9000);
  CHECK_FALSE(r1->immediate);
  REQUIRE(r2->immediate);
  CHECK(*r2->immediate == 0xABCDEF);
}

TEST_CASE("TA engines: RNR is retried up to the limit, then Transaction Retry Exceeded",
          "[ta][engine]") {
  for (const bool enough : {true, false}) {
    EndpointConfig ep;
    ep.initiator.retry_limit = 3;
    Pair p(TaMode::Roi, ep);
    int left = enough ? 3 : 4;
    p.net.ep(1).target().set_fault_hook(
        [&](const WireKey&, TaOpcode, bool) -> std::optional<tp::TaVerdict> {
          if (left > 0) {
            --left;
            return tp::TaVerdict{tp::TaStatusKind::ReceiverNotReady, 1};
          }
          return std::nullopt;
        });
    REQUIRE(p.net.ep(0).post(1, atomic_op(1, TaOpcode::AtomicFetchAdd, 0, 1), Time{0}));
    REQUIRE(p.net.run());
    const auto done = p.drain();
    REQUIRE(done.size() == 1);
    if (enough) {
      CHECK(done[0].status == fn::CqeStatus::Success);
      CHECK(p.net.ep(0).initiator().counters().retries == 3);
      // Each retry waited RNR_Timeout(1) = 4 us.
      CHECK(p.net.now() >= Time{12'000'000});
    } else {
      CHECK(done[0].status == fn::CqeStatus::TransactionRetryExceeded);
    }
    // Exactly once: the atomic ran at most once.
    CHECK(le(p.net.ep(1).target().memory().read(0x100000, 8)) == (enough ? 1U : 0U));
  }
}

TEST_CASE("TA engines: a lazily mapped page faults, the Home maps it, the retry succeeds",
          "[ta][engine]") {
  EndpointConfig ep;
  ep.target.page_fault_service = Time{1'000'000};
  test::TxnNet net(test::ideal_transports(2), ep, {});
  REQUIRE(net.ep(0).initiator().add_queue(1, {}));
  test::set_up_target(net.ep(1).target(), 1, 8, 65536, /*lazy=*/true);
  REQUIRE(net.ep(0).post(1, write_op(1, 4096, pattern(128, 5)), Time{0}));
  REQUIRE(net.run());
  auto c = net.ep(0).poll_completion();
  REQUIRE(c);
  CHECK(c->status == fn::CqeStatus::Success);
  CHECK(net.ep(1).target().counters().page_faults == 1);
  CHECK(net.ep(0).initiator().counters().retries == 1);
  CHECK(net.ep(1).target().memory().read(0x100000 + 4096, 128) == pattern(128, 5));
}

// Experiment S17's counters: a chain of SO writes to one target (design note §3.6).
TEST_CASE("TA engines: ordering stalls of a chain of SO writes per service mode",
          "[ta][engine][s17]") {
  struct Row {
    TaMode mode;
    bool static_sc;
    std::uint64_t stalls;
  };
  for (const Row row : {Row{TaMode::Roi, false, 31}, Row{TaMode::Rot, true, 0},
                        Row{TaMode::Rot, false, 1}, Row{TaMode::Rol, false, 0}}) {
    QueueConfig qc;
    if (row.static_sc) {
      qc.static_sc[1] = 5;
    }
    test::NetConfig nc;
    // Reorder requests on the wire, except for ROL, which needs an order-keeping path below it
    // (Table 7-14: per-flow routing).
    nc.jitter = row.mode == TaMode::Rol ? Time{0} : Time{300'000};
    Pair p(row.mode, {}, nc, TaWire::Cna16, 4096, true, qc);
    if (row.static_sc) {
      REQUIRE(p.net.ep(1).target().add_static_sc(5, 0, 1));
    }
    for (OpId i = 0; i < 32; ++i) {
      std::vector<Byte> d(64, static_cast<Byte>(i + 1));
      REQUIRE(p.net.ep(0).post(1, write_op(i, 0, d, ExecOrder::So), Time{0}));
    }
    REQUIRE(p.net.run());
    const auto done = p.drain();
    REQUIRE(done.size() == 32);
    for (const auto& c : done) {
      CHECK(c.status == fn::CqeStatus::Success);
    }
    INFO("mode " << static_cast<int>(row.mode) << " static " << row.static_sc);
    CHECK(p.net.ep(0).initiator().counters().stalls == row.stalls);
    // The last write wins: the SO chain executed in order.
    CHECK(p.net.ep(1).target().memory().read(0x100000, 64) == std::vector<Byte>(64, Byte{32}));
  }
}

TEST_CASE("TA engines: coalesced TAACKs answer runs of writes", "[ta][engine]") {
  EndpointConfig ep;
  ep.target.taack_coalesce = 8;
  Pair p(TaMode::Roi, ep);
  for (OpId i = 0; i < 40; ++i) {
    REQUIRE(p.net.ep(0).post(1, write_op(i, i * 64, pattern(64, static_cast<std::uint8_t>(i))),
                             Time{0}));
  }
  REQUIRE(p.net.run());
  const auto done = p.drain();
  REQUIRE(done.size() == 40);
  for (const auto& c : done) {
    CHECK(c.status == fn::CqeStatus::Success);
  }
  CHECK(p.net.ep(1).target().counters().taack_merged == 35);
  CHECK(p.net.ep(0).initiator().counters().taack_coalesced == 35);
  CHECK(p.net.ep(0).initiator().counters().unmatched == 0);
}

TEST_CASE("TA engines: Write_with_notify writes the notify word after the data", "[ta][engine]") {
  EndpointConfig ep;
  ep.initiator.slice_bytes = 8192;
  Pair p(TaMode::Roi, ep);
  TxnOp w = write_op(1, 0, pattern(20'000, 2));
  w.opcode = static_cast<std::uint8_t>(TaOpcode::WriteWithNotify);
  w.notify_uba = kNotifyUba + 8;
  w.notify_token_id = kNotifyToken;
  w.notify_token_value = kTokenValue;
  w.notify_data = 0x1122334455667788ULL;
  REQUIRE(p.net.ep(0).post(1, w, Time{0}));
  REQUIRE(p.net.run());
  auto c = p.net.ep(0).poll_completion();
  REQUIRE(c);
  CHECK(c->status == fn::CqeStatus::Success);
  CHECK(le(p.net.ep(1).target().memory().read(0x900000 + 8, 8)) == 0x1122334455667788ULL);
  CHECK(p.net.ep(1).target().memory().read(0x100000, 20'000) == pattern(20'000, 2));
  // ROI: the notify slice waited for the data slices' answers (one stall).
  CHECK(p.net.ep(0).initiator().counters().stalls == 1);
}

TEST_CASE("TA engines: lost requests time out and Suspend flushes the queue", "[ta][engine]") {
  EndpointConfig ep;
  ep.initiator.ack_timeout = Time{5'000'000};
  test::NetConfig nc;
  nc.loss = 1.0;
  Pair p(TaMode::Roi, ep, nc);
  REQUIRE(p.net.ep(0).post(1, write_op(1, 0, pattern(64, 1), ExecOrder::Ro), Time{0}));
  REQUIRE(p.net.ep(0).post(1, write_op(2, 64, pattern(64, 1), ExecOrder::So), Time{0}));
  REQUIRE(p.net.run());
  const auto done = p.drain();
  REQUIRE(done.size() == 2);
  CHECK(done[0].status == fn::CqeStatus::TransactionAckTimeout);
  CHECK(done[1].status == fn::CqeStatus::Flushed);
  CHECK(p.net.ep(0).initiator().counters().timeouts == 1);
}

TEST_CASE("TA engines: completion order holds a later completion behind an earlier one",
          "[ta][engine]") {
  Pair p;
  // A read the target answers RNR once (so it finishes last), then two writes, the first with
  // comp_order.
  bool once = true;
  p.net.ep(1).target().set_fault_hook(
      [&](const WireKey&, TaOpcode code, bool) -> std::optional<tp::TaVerdict> {
        if (code == TaOpcode::Read && once) {
          once = false;
          return tp::TaVerdict{tp::TaStatusKind::ReceiverNotReady, 0};
        }
        return std::nullopt;
      });
  REQUIRE(p.net.ep(0).post(1, read_op(1, 0, 2000), Time{0}));
  auto w = write_op(2, 300'000, pattern(64, 1));
  w.comp_order = true;
  REQUIRE(p.net.ep(0).post(1, w, Time{0}));
  auto w2 = write_op(3, 400'000, pattern(64, 1));
  REQUIRE(p.net.ep(0).post(1, w2, Time{0}));
  REQUIRE(p.net.run());
  const auto done = p.drain();
  REQUIRE(done.size() == 3);
  CHECK(done[0].id == 3); // no comp_order: out as soon as done
  CHECK(done[1].id == 1);
  CHECK(done[2].id == 2); // behind the read
}

// Found by fuzz_txn_program: a comp_order op finishes before an earlier op (OpCompleted), but
// its completion leaves after (OpReported); the oracle's W8 judged the first order.
TEST_CASE("TA engines: the observer hears of completions in the order the CQEs leave",
          "[ta][engine]") {
  struct Recorder final : TxnObserver {
    void on_completed(const OpCompleted& c) override { finished.push_back(c.op); }
    void on_reported(const OpReported& c) override { order.push_back(c.op); }
    std::vector<OpId> finished, order;
  } rec;
  test::TxnNet net(test::ideal_transports(2), {}, {}, &rec);
  REQUIRE(net.ep(0).initiator().add_queue(1, {}));
  test::set_up_target(net.ep(1).target(), 1);
  bool once = true;
  net.ep(1).target().set_fault_hook(
      [&](const WireKey&, TaOpcode code, bool) -> std::optional<tp::TaVerdict> {
        if (code == TaOpcode::Read && once) {
          once = false;
          return tp::TaVerdict{tp::TaStatusKind::ReceiverNotReady, 0};
        }
        return std::nullopt;
      });
  REQUIRE(net.ep(0).post(1, read_op(1, 0, 64), Time{0}));
  auto w = write_op(2, 4096, pattern(64, 1));
  w.comp_order = true;
  REQUIRE(net.ep(0).post(1, w, Time{0}));
  REQUIRE(net.ep(0).post(1, write_op(3, 8192, pattern(64, 2)), Time{0}));
  REQUIRE(net.run());
  // Op 2 finished before op 1 (the read waited for its retry), but its CQE waited for op 1's.
  CHECK(rec.finished == std::vector<OpId>{2, 3, 1});
  CHECK(rec.order == std::vector<OpId>{3, 1, 2});
}

TEST_CASE("TA engines: the compact form carries 64-byte-multiple writes, reads and atomics",
          "[ta][engine]") {
  Pair p(TaMode::Rol, {}, {}, TaWire::Compact, 4096, false);
  REQUIRE(p.net.ep(0).post(1, write_op(1, 128, pattern(256, 4)), Time{0}));
  REQUIRE(p.net.run());
  REQUIRE(p.net.ep(0).post(1, read_op(2, 128, 256), p.net.now()));
  TxnOp a;
  a.id = 3;
  a.opcode = static_cast<std::uint8_t>(TaOpcode::AtomicSwap);
  a.target = 1;
  a.token_id = kSegToken;
  a.token_value = kTokenValue;
  a.uba = kSegUba + 1024;
  a.length = 64;
  a.data = pattern(128, 8);
  REQUIRE(p.net.ep(0).post(1, a, p.net.now()));
  REQUIRE(p.net.run());
  const auto done = p.drain();
  REQUIRE(done.size() == 3);
  CHECK(done[1].data == pattern(256, 4));
  CHECK(done[2].data == std::vector<Byte>(64, Byte{0}));
  // Not expressible in CFG 9: a 100-byte write, an 8-byte atomic, ROT.
  CHECK(p.net.ep(0).post(1, write_op(4, 0, pattern(100, 1)), p.net.now()).error() ==
        PostError::LocalLength);
  CHECK(p.net.ep(0).post(1, atomic_op(5, TaOpcode::AtomicSwap, 0, 1), p.net.now()).error() ==
        PostError::LocalLength);
  QueueConfig rot;
  rot.mode = TaMode::Rot;
  REQUIRE(p.net.ep(0).initiator().add_queue(2, rot));
  CHECK(p.net.ep(0).post(2, write_op(6, 0, pattern(64, 1)), p.net.now()).error() ==
        PostError::TransportRefuses);
}

TEST_CASE("TA engines: reserved opcodes and modes outside an opcode's list are refused at post",
          "[ta][engine]") {
  Pair p;
  TxnOp r = write_op(1, 0, pattern(8, 1));
  r.opcode = 0x02;
  CHECK(p.net.ep(0).post(1, r, Time{0}).error() == PostError::UnsupportedOpcode);
  r.opcode = 0x16;
  CHECK(p.net.ep(0).post(1, r, Time{0}).error() == PostError::UnsupportedOpcode);
  r.opcode = 0x11;
  CHECK(p.net.ep(0).post(1, r, Time{0}).error() == PostError::UnsupportedOpcode);
  QueueConfig uno;
  uno.mode = TaMode::Uno;
  REQUIRE(p.net.ep(0).initiator().add_queue(2, uno));
  CHECK(p.net.ep(0).post(2, write_op(2, 0, pattern(8, 1)), Time{0}).error() ==
        PostError::ModeNotAllowed);
  QueueConfig rot;
  rot.mode = TaMode::Rot;
  REQUIRE(p.net.ep(0).initiator().add_queue(3, rot));
  auto wb = write_op(3, 0, pattern(8, 1));
  wb.opcode = static_cast<std::uint8_t>(TaOpcode::Writeback);
  CHECK(p.net.ep(0).post(3, wb, Time{0}).error() == PostError::ModeNotAllowed);
  CHECK(cqe_status_of(PostError::UnsupportedOpcode) == fn::CqeStatus::UnsupportedOpcode);
  CHECK(cqe_status_of(PostError::LocalLength) == fn::CqeStatus::LocalLength);
}

// ---- Found by fuzz_txn_program (fuzz/regressions/txn_program/README.md) ----

// An engine pair with the reference oracle watching.
struct Watched {
  Watched(TaMode mode, const EndpointConfig& ep, TaWire wire, std::uint32_t mtu, bool multi,
          QueueConfig qc = {})
      : net(test::ideal_transports(2, wire, mtu, multi), ep, {}, &oracle) {
    qc.mode = mode;
    REQUIRE(net.ep(0).initiator().add_queue(1, qc));
    test::set_up_target(net.ep(1).target(), 1);
  }
  std::vector<Completion> drain() {
    std::vector<Completion> v;
    while (auto c = net.ep(0).poll_completion()) {
      v.push_back(std::move(*c));
    }
    return v;
  }
  bool judged() {
    oracle.finish(net.now());
    INFO(oracle.summary());
    return oracle.ok();
  }
  Oracle oracle;
  test::TxnNet net;
};

TEST_CASE("TA engines: a Read sliced below 1 KiB is placed by its slices and not by OFSTETAH",
          "[ta][engine]") {
  // OFSTETAH counts in KiB (§7.2.7): slices of 512 bytes could not be named by it.
  EndpointConfig ep;
  ep.initiator.slice_bytes = 512;
  Watched w(TaMode::Roi, ep, TaWire::Taid, 512, true);
  REQUIRE(w.net.ep(0).post(1, write_op(1, 0, pattern(3000, 7)), Time{0}));
  REQUIRE(w.net.run());
  REQUIRE(w.net.ep(0).post(1, read_op(2, 0, 3000), w.net.now()));
  REQUIRE(w.net.run());
  const auto done = w.drain();
  REQUIRE(done.size() == 2);
  CHECK(done[1].data == pattern(3000, 7));
  CHECK(w.judged());
}

TEST_CASE("TA engines: an op that fails as it is sent lets the ops behind it go", "[ta][engine]") {
  // A 1 KiB Management PDU cannot be one 256-byte packet: the transport refuses it at send. The
  // SO write behind it waited for it (ROI), and must go once it failed.
  QueueConfig qc;
  qc.on_error = ExceptionMode::Continue;
  Watched w(TaMode::Roi, {}, TaWire::Cna16, 256, false, qc);
  TxnOp m;
  m.id = 1;
  m.opcode = static_cast<std::uint8_t>(TaOpcode::Management);
  m.order = ExecOrder::Ro;
  m.target = 1;
  m.length = 1024;
  m.data = pattern(1024, 1);
  REQUIRE(w.net.ep(0).post(1, m, Time{0}));
  REQUIRE(w.net.ep(0).post(1, write_op(2, 0, pattern(64, 2), ExecOrder::So), Time{0}));
  REQUIRE(w.net.run());
  const auto done = w.drain();
  REQUIRE(done.size() == 2);
  CHECK(done[0].status == fn::CqeStatus::LocalLength);
  CHECK(done[1].status == fn::CqeStatus::Success);
  CHECK(w.judged());
}

TEST_CASE("TA engines: a Management op does not ask for a Sequence Context", "[ta][engine]") {
  // Management gets no answer, so an Alloc on it would never be granted and the stream's
  // ordered ops would wait for ever.
  Watched w(TaMode::Rot, {}, TaWire::Cna16, 4096, true);
  TxnOp m;
  m.id = 1;
  m.opcode = static_cast<std::uint8_t>(TaOpcode::Management);
  m.target = 1;
  m.length = 8;
  m.data = pattern(8, 1);
  REQUIRE(w.net.ep(0).post(1, m, Time{0}));
  for (OpId i = 2; i < 5; ++i) {
    REQUIRE(w.net.ep(0).post(1, write_op(i, i * 64, pattern(64, 2), ExecOrder::So), Time{0}));
  }
  REQUIRE(w.net.run());
  const auto done = w.drain();
  REQUIRE(done.size() == 4);
  for (const auto& c : done) {
    CHECK(c.status == fn::CqeStatus::Success);
  }
  CHECK(w.net.ep(0).initiator().counters().sc_granted == 1);
  CHECK(w.judged());
}

TEST_CASE("TA engines: ROL keeps the notify slice behind a data slice refused RNR",
          "[ta][engine]") {
  // ROL sends the notify slice at once; the first data slice is answered RNR, so the target's
  // barrier must hold the notify slice until the data ran (§7.4.2.1.2).
  EndpointConfig ep;
  ep.initiator.slice_bytes = 256;
  Watched w(TaMode::Rol, ep, TaWire::Cna16, 256, true);
  bool once = true;
  w.net.ep(1).target().set_fault_hook(
      [&](const WireKey& k, TaOpcode, bool) -> std::optional<tp::TaVerdict> {
        if (k.tassn == 0 && once) {
          once = false;
          return tp::TaVerdict{tp::TaStatusKind::ReceiverNotReady, 1};
        }
        return std::nullopt;
      });
  TxnOp n = write_op(1, 0, pattern(1000, 3));
  n.opcode = static_cast<std::uint8_t>(TaOpcode::WriteWithNotify);
  n.notify_uba = kNotifyUba;
  n.notify_token_id = kNotifyToken;
  n.notify_token_value = kTokenValue;
  n.notify_data = 0x1234;
  REQUIRE(w.net.ep(0).post(1, n, Time{0}));
  REQUIRE(w.net.run());
  const auto done = w.drain();
  REQUIRE(done.size() == 1);
  CHECK(done[0].status == fn::CqeStatus::Success);
  CHECK(w.net.ep(1).target().counters().barrier_rnr >= 1);
  CHECK(w.judged()); // W7: the notify word after every data byte
}

TEST_CASE("TA engines: in the compact form an SO request waits behind an earlier held one",
          "[ta][engine]") {
  // CFG 9 has no RNR: the target holds a faulting request. The SO write behind it must not run
  // first.
  Watched w(TaMode::Rol, {}, TaWire::Compact, 4096, false);
  bool once = true;
  w.net.ep(1).target().set_fault_hook(
      [&](const WireKey& k, TaOpcode, bool) -> std::optional<tp::TaVerdict> {
        if (k.tassn == 0 && once) {
          once = false;
          return tp::TaVerdict{tp::TaStatusKind::PageFault, 3};
        }
        return std::nullopt;
      });
  REQUIRE(w.net.ep(0).post(1, write_op(1, 0, pattern(64, 1), ExecOrder::Ro), Time{0}));
  REQUIRE(w.net.ep(0).post(1, write_op(2, 0, pattern(64, 2), ExecOrder::So), Time{0}));
  REQUIRE(w.net.run());
  const auto done = w.drain();
  REQUIRE(done.size() == 2);
  CHECK(w.net.ep(1).target().memory().read(0x100000, 64) == pattern(64, 2)); // the SO one last
  CHECK(w.judged());                                                         // W5
}

TEST_CASE("TA engines: a flush reports the ops it abandons in flight", "[ta][engine]") {
  struct Recorder final : TxnObserver {
    void on_completed(const OpCompleted& c) override { abandoned.push_back(c.abandoned); }
    std::vector<bool> abandoned;
  } rec;
  test::TxnNet net(test::ideal_transports(2), {}, {}, &rec);
  REQUIRE(net.ep(0).initiator().add_queue(1, {}));
  test::set_up_target(net.ep(1).target(), 1);
  REQUIRE(net.ep(0).post(1, write_op(1, 0, pattern(64, 1)), Time{0}));
  net.flush_transmits(); // the write is on the wire
  REQUIRE(net.ep(0).post(1, write_op(2, 64, pattern(64, 1)), Time{0}));
  net.ep(0).initiator().flush_queue(1, Time{0});
  CHECK(rec.abandoned == std::vector<bool>{true, false}); // the second never went out
  REQUIRE(net.run());
  // The abandoned write still runs at the target.
  CHECK(net.ep(1).target().memory().read(0x100000, 64) == pattern(64, 1));
}

TEST_CASE("TA engines: ROT gets its SC over RTP channels that put ROL statuses in the TP ACK",
          "[ta][engine]") {
  // The TP holds the ACK of every TAACK-type request for a TA verdict; an Alloc request's
  // answer (SV, SCID) must still come as an ATAH.
  RtpTransportConfig c;
  c.channel.ta_status = tp::TaStatusMode::RolRequests;
  Rng rng(1, 2);
  auto mesh = make_rtp_mesh(2, c, rng);
  REQUIRE(mesh);
  Oracle oracle;
  test::TxnNet net(std::move(*mesh), {}, {}, &oracle);
  QueueConfig qc;
  qc.mode = TaMode::Rot;
  REQUIRE(net.ep(0).initiator().add_queue(1, qc));
  test::set_up_target(net.ep(1).target(), 1);
  for (OpId i = 1; i < 5; ++i) {
    REQUIRE(net.ep(0).post(1, write_op(i, i * 64, pattern(64, 3), ExecOrder::So), Time{0}));
  }
  REQUIRE(net.run());
  CHECK(successes(net.ep(0)) == 4);
  CHECK(net.ep(0).initiator().counters().sc_granted == 1);
  oracle.finish(net.now());
  CHECK(oracle.ok());
}

TEST_CASE("TA engines: ODR[2] receive completions follow the send order on a reordering network",
          "[ta][engine]") {
  // Found by fuzz_txn_program: comp_order Sends sprayed over several RTP channels reached the
  // target out of order and their receive completions with them. The initiator now sends such a
  // request only once the earlier ones of its queue to that target have their answer.
  Oracle oracle;
  test::NetConfig nc;
  nc.jitter = Time{2'000'000}; // up to 2 us extra per packet: reorders
  nc.seed = 7;
  test::TxnNet net(test::ideal_transports(2), {}, nc, &oracle);
  REQUIRE(net.ep(0).initiator().add_queue(1, {}));
  test::set_up_target(net.ep(1).target(), 1);
  for (OpId i = 1; i <= 8; ++i) {
    TxnOp s;
    s.id = i;
    s.opcode = static_cast<std::uint8_t>(TaOpcode::Send);
    s.target = 1;
    s.target_jetty = kJetty;
    s.token_value = kJettyToken;
    s.length = static_cast<std::uint32_t>(i);
    s.data = pattern(i, 1);
    s.comp_order = true;
    REQUIRE(net.ep(0).post(1, s, Time{0}));
  }
  REQUIRE(net.run());
  std::vector<std::uint32_t> lengths;
  while (auto rc = net.ep(1).target().poll_receive()) {
    lengths.push_back(rc->length);
  }
  CHECK(lengths == std::vector<std::uint32_t>{1, 2, 3, 4, 5, 6, 7, 8});
  oracle.finish(net.now());
  INFO(oracle.summary());
  CHECK(oracle.ok());
}

TEST_CASE("TA engines: the RNR barrier of a queue is not cleared by an SC of the same number",
          "[ta][engine]") {
  // Found by fuzz_txn_program: a ROT request on SCID 1 that ran cleared the barrier entries of
  // queue 1's stream with the same TASSNs, so an SO write retried ahead of the earlier write.
  Oracle oracle;
  test::TxnNet net(test::ideal_transports(2), {}, {}, &oracle);
  QueueConfig rol;
  rol.mode = TaMode::Rol;
  REQUIRE(net.ep(0).initiator().add_queue(1, rol));
  QueueConfig rot;
  rot.mode = TaMode::Rot;
  rot.static_sc[1] = 1;
  REQUIRE(net.ep(0).initiator().add_queue(2, rot));
  test::set_up_target(net.ep(1).target(), 1);
  REQUIRE(net.ep(1).target().add_static_sc(1, 0, 2));
  bool once = true;
  net.ep(1).target().set_fault_hook(
      [&](const WireKey& k, TaOpcode, bool) -> std::optional<tp::TaVerdict> {
        if (k.rc_type == 0 && k.rc_id == 1 && k.tassn == 0 && once) {
          once = false;
          return tp::TaVerdict{tp::TaStatusKind::ReceiverNotReady, 2}; // back in 8 us
        }
        return std::nullopt;
      });
  REQUIRE(net.ep(0).post(1, write_op(1, 0, pattern(64, 1), ExecOrder::Ro), Time{0}));
  REQUIRE(net.ep(0).post(1, write_op(2, 0, pattern(64, 2), ExecOrder::So), Time{0}));
  REQUIRE(net.ep(0).post(2, write_op(3, 4096, pattern(64, 3), ExecOrder::So), Time{0}));
  REQUIRE(net.ep(0).post(2, write_op(4, 8192, pattern(64, 4), ExecOrder::So), Time{0}));
  REQUIRE(net.run());
  CHECK(net.ep(1).target().memory().read(0x100000, 64) == pattern(64, 2)); // the SO write last
  oracle.finish(net.now());
  INFO(oracle.summary());
  CHECK(oracle.ok());
}

TEST_CASE("TA engines: an op's data given as a shared buffer is written as if given whole",
          "[ta][engine]") {
  // Two Writes share one buffer (TxnOp::shared_data), over RTP (whose units carry the payload
  // as a range of the buffer, TaUnit::tail) and over the ideal transport (which copies it).
  const auto data = std::make_shared<const std::vector<Byte>>(pattern(9'000, 5));
  for (const bool rtp : {true, false}) {
    CAPTURE(rtp);
    Oracle oracle;
    RtpTransportConfig c;
    c.channel.mtu = 1024;
    Rng rng(3, 4);
    auto mesh = rtp ? make_rtp_mesh(2, c, rng)
                    : Result<std::vector<std::unique_ptr<TaTransport>>>(test::ideal_transports(2));
    REQUIRE(mesh);
    CHECK((*mesh)[0]->shares_payload() == rtp);
    EndpointConfig ep;
    ep.initiator.slice_bytes = 4096;
    test::TxnNet net(std::move(*mesh), ep, {}, &oracle);
    REQUIRE(net.ep(0).initiator().add_queue(1, {}));
    test::set_up_target(net.ep(1).target(), 1);
    for (OpId i = 1; i <= 2; ++i) {
      TxnOp op = write_op(i, (i - 1) * 16'384, {});
      op.length = static_cast<std::uint32_t>(data->size());
      op.shared_data = data;
      REQUIRE(net.ep(0).post(1, std::move(op), Time{0}));
    }
    // The data in two places is refused.
    TxnOp both = write_op(3, 0, pattern(16, 1));
    both.shared_data = std::make_shared<const std::vector<Byte>>(pattern(16, 1));
    CHECK(net.ep(0).post(1, both, Time{0}).error() == PostError::LocalLength);
    REQUIRE(net.run());
    CHECK(successes(net.ep(0)) == 2);
    CHECK(net.ep(1).target().memory().read(0x100000, 9'000) == *data);
    CHECK(net.ep(1).target().memory().read(0x100000 + 16'384, 9'000) == *data);
    oracle.finish(net.now());
    INFO(oracle.summary());
    CHECK(oracle.ok());
    CHECK(oracle.counters().executions >= 6);
  }
  CHECK(data.use_count() == 1); // nothing kept it
}

// Device 1's transport with a gate: closed, it refuses every send as a full queue would.
class Gated final : public test::ForwardingTransport {
public:
  explicit Gated(std::unique_ptr<TaTransport> inner) : ForwardingTransport(std::move(inner)) {}
  bool closed = true;
  std::uint64_t refused = 0;

  Expected<void, TaSendError> send(TaSend s, Time now) override {
    if (closed) {
      ++refused;
      return make_unexpected(TaSendError::QueueFull);
    }
    return ForwardingTransport::send(std::move(s), now);
  }
};

TEST_CASE("TA engines: a due answer is pump work, not a timer, and waits on a full queue unpolled",
          "[ta][engine]") {
  EndpointConfig cfg;
  cfg.target.exec_time = Time{5'000};
  auto transports = test::ideal_transports(2);
  auto gated = std::make_unique<Gated>(std::move(transports[1]));
  Gated& gate = *gated;
  TaEndpoint a(std::move(transports[0]), cfg);
  TaEndpoint b(std::move(gated), cfg);
  REQUIRE(a.initiator().add_queue(1, {}));
  test::set_up_target(b.target(), 1);
  REQUIRE(a.post(1, write_op(1, 0, pattern(64, 1)), Time{0}));
  auto req = a.poll_transmit(Time{0});
  REQUIRE(req);
  CHECK(b.next_timeout() == kNever);
  b.on_receive(*req, Time{100'000});

  // The answer is due at arrival + exec_time: a time for poll_transmit, not for on_timeout.
  CHECK(b.target().next_pump() == Time{105'000});
  CHECK(b.next_timeout() == Time{105'000});
  CHECK(b.target().next_timer() == kNever);
  CHECK(b.next_timer() == kNever);

  // Due, but the transport's queue is full: the answer waits for the next pump, and no time is
  // due any more (a driver that polled it would wake at every tick for nothing).
  CHECK_FALSE(b.poll_transmit(Time{105'000}));
  CHECK(gate.refused == 1);
  CHECK(b.target().next_pump() == kNever);
  CHECK(b.next_timeout() == kNever);

  // The next pump after the queue has room hands it over; the write completes.
  gate.closed = false;
  auto ack = b.poll_transmit(Time{200'000});
  REQUIRE(ack);
  CHECK(gate.refused == 1);
  a.on_receive(*ack, Time{300'000});
  CHECK(successes(a) == 1);
  CHECK(b.target().memory().read(0x100000, 64) == pattern(64, 1));
}

} // namespace
} // namespace ub::ta

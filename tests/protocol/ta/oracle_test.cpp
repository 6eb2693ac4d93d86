// The reference oracle (design §9): hand-written event sequences, no engines. Each check is shown
// to flag its violation with its own id, and the matching correct history to pass, so no check
// can silently pass. A mirror TargetMemory produces the target's execution log (before, after,
// returned) the way a correct target would; the bad cases then change one thing.
#include <algorithm>

#include <catch2/catch.hpp>

#include "protocol/common/rng.hpp"
#include "protocol/ta/oracle.hpp"
#include "protocol/ta/target_memory.hpp"

using namespace ub;
using namespace ub::ta;
using namespace ub::literals;

namespace {

constexpr PeerId kIni = 1;
constexpr PeerId kTgt = 2;
constexpr std::uint32_t kTok = 7;
constexpr std::uint64_t kUba = 0x4000;

// The target's translation: one segment per TokenID.
std::uint64_t pa_of(std::uint32_t token, std::uint64_t uba) {
  return 0x1000'0000ULL * (token + 1) + uba;
}

std::vector<Byte> bytes(std::size_t n, Byte first, Byte step = 1) {
  std::vector<Byte> v(n);
  for (std::size_t i = 0; i < n; ++i) {
    v[i] = static_cast<Byte>(first + i * step);
  }
  return v;
}

std::vector<Byte> le(std::uint64_t v, std::size_t n) {
  std::vector<Byte> out(n);
  for (std::size_t i = 0; i < n; ++i) {
    out[i] = static_cast<Byte>(v >> (8 * i));
  }
  return out;
}

// Bytes with no short period (a rotation by any multiple of 256 changes them).
std::vector<Byte> pattern(std::size_t n) {
  std::vector<Byte> v(n);
  for (std::size_t i = 0; i < n; ++i) {
    v[i] = static_cast<Byte>(i * 131 + (i >> 8) * 17);
  }
  return v;
}

// An op to post: `n` bytes (1, 2, 3, ...) at kUba.
OpPosted op_at_uba(TaOpcode code, std::uint32_t n) {
  OpPosted p;
  p.opcode = code;
  p.uba = kUba;
  p.length = n;
  p.data = bytes(n, 1);
  return p;
}

// A 4-byte Send_with_immediate carrying `imm`.
OpPosted send_imm(std::uint64_t imm) {
  OpPosted p = op_at_uba(TaOpcode::SendWithImmediate, 4);
  p.immediate = imm;
  return p;
}

bool is_atomic(TaOpcode op) {
  return is_atomic_request(static_cast<std::uint8_t>(op));
}

// Feeds an Oracle, one nanosecond per event, with a correct target's execution log.
struct Bench {
  Oracle o;
  TargetMemory mem;
  Time t{0};
  OpId next_op = 1;
  std::uint16_t tassn = 0;
  std::map<std::uint32_t, std::uint64_t> seq; // per queue

  explicit Bench(OracleConfig c = {}) : o(c) {}

  Time tick() { return t += 1_ns; }

  OpPosted post(OpPosted p) {
    p.op = next_op++;
    p.initiator = kIni;
    if (p.target == 0) {
      p.target = kTgt;
    }
    if (p.token_id == 0) {
      p.token_id = kTok;
    }
    p.seq = seq[p.queue]++;
    p.t = tick();
    o.on_posted(p);
    return p;
  }
  OpPosted write(std::uint64_t uba, std::vector<Byte> data, ExecOrder order = ExecOrder::No,
                 TaMode mode = TaMode::Roi, std::uint32_t queue = 0) {
    OpPosted p;
    p.opcode = TaOpcode::Write;
    p.uba = uba;
    p.length = static_cast<std::uint32_t>(data.size());
    p.data = std::move(data);
    p.order = order;
    p.mode = mode;
    p.queue = queue;
    return post(p);
  }
  OpPosted read(std::uint64_t uba, std::uint32_t len, ExecOrder order = ExecOrder::No,
                TaMode mode = TaMode::Roi, std::uint32_t queue = 0) {
    OpPosted p;
    p.opcode = TaOpcode::Read;
    p.uba = uba;
    p.length = len;
    p.order = order;
    p.mode = mode;
    p.queue = queue;
    return post(p);
  }
  OpPosted fetch_add(std::uint64_t uba, std::uint64_t add, std::uint32_t n = 8,
                     std::uint32_t queue = 0) {
    OpPosted p;
    p.opcode = TaOpcode::AtomicFetchAdd;
    p.uba = uba;
    p.length = n;
    p.data = le(add, n);
    p.data.resize(2 * n);
    p.queue = queue;
    return post(p);
  }

  WireKey send(const OpPosted& p, std::uint32_t slice = 0, std::uint64_t offset = 0,
               std::optional<std::uint32_t> len = {}, bool notify = false) {
    const WireKey k{p.initiator, p.target, 0, 0, tassn++};
    resend(p, k, slice, offset, len.value_or(p.length), notify, false);
    return k;
  }
  void resend(const OpPosted& p, const WireKey& k, std::uint32_t slice, std::uint64_t offset,
              std::uint32_t len, bool notify, bool retry) {
    SliceSent s;
    s.op = p.op;
    s.slice = slice;
    s.offset = offset;
    s.length = len;
    s.notify = notify;
    s.retry = retry;
    s.key = k;
    s.t = tick();
    o.on_sent(s);
  }

  // The log entry of one packet: `len` bytes at op offset `slice_off + pkt_off`, executed on
  // the mirror memory as a correct target would.
  Executed run(const OpPosted& p, const WireKey& k, std::uint32_t packet = 0,
               std::uint64_t slice_off = 0, std::uint64_t pkt_off = 0,
               std::optional<std::uint32_t> len = {}) {
    Executed e;
    e.key = k;
    e.packet = packet;
    e.offset = pkt_off;
    const std::uint64_t j = slice_off + pkt_off;
    const std::size_t n = len.value_or(static_cast<std::uint32_t>(p.length - j));
    e.token_id = p.token_id;
    e.uba = p.uba + j;
    e.pa = pa_of(p.token_id, e.uba);
    e.before = mem.read(e.pa, n);
    if (p.opcode == TaOpcode::Read) {
      e.access = MemAccess::Read;
      e.after = e.before;
      e.returned = e.before;
    } else if (is_atomic(p.opcode)) {
      e.access = MemAccess::Atomic;
      e.returned = mem.atomic(p.opcode, e.pa, n, p.data, p.subop).value();
      e.after = mem.read(e.pa, n);
    } else {
      e.access = MemAccess::Write;
      e.after = e.before;
      for (std::size_t i = 0; i < n; ++i) {
        if (!p.be || p.be->enabled(j + i)) {
          e.after[i] = p.payload()[j + i];
        }
      }
      mem.write(e.pa, e.after);
    }
    e.t = tick();
    return e;
  }
  Executed run_notify(const OpPosted& p, const WireKey& k) {
    Executed e;
    e.key = k;
    e.notify = true;
    e.access = MemAccess::Write;
    e.token_id = p.notify_token_id;
    e.uba = *p.notify_uba;
    e.pa = pa_of(e.token_id, e.uba);
    e.before = mem.read(e.pa, 8);
    e.after = le(p.notify_data, 8);
    mem.write(e.pa, e.after);
    e.t = tick();
    return e;
  }
  void exec(const Executed& e) {
    Executed x = e;
    x.t = tick();
    o.on_executed(x);
  }
  // Runs and feeds the whole op as one packet; returns what it returned.
  std::vector<Byte> execute(const OpPosted& p, const WireKey& k) {
    const Executed e = run(p, k);
    o.on_executed(e);
    return e.returned;
  }
  void complete(const OpPosted& p, fn::CqeStatus st = fn::CqeStatus::Success,
                std::vector<Byte> data = {}, bool unconfirmed = false) {
    OpCompleted c;
    c.op = p.op;
    c.status = st;
    c.data = std::move(data);
    c.unconfirmed = unconfirmed;
    c.t = tick();
    o.on_completed(c);
  }
  void reported(const OpPosted& p) { o.on_reported(OpReported{p.op, tick()}); }
  void receive(const WireKey& k, std::uint32_t len, std::optional<std::uint64_t> imm = {}) {
    ReceiveCompleted r;
    r.key = k;
    r.length = len;
    r.immediate = imm;
    r.t = tick();
    o.on_received(r);
  }
  // A whole successful op, one slice, one packet.
  std::vector<Byte> run_op(const OpPosted& p) {
    const WireKey k = send(p);
    std::vector<Byte> got = execute(p, k);
    complete(p, fn::CqeStatus::Success, got);
    return got;
  }

  [[nodiscard]] bool has(OracleCheck c) const {
    const auto& v = o.violations();
    return std::any_of(v.begin(), v.end(), [&](const Violation& x) { return x.check == c; });
  }
  [[nodiscard]] bool only(OracleCheck c) const {
    const auto& v = o.violations();
    return !v.empty() &&
           std::all_of(v.begin(), v.end(), [&](const Violation& x) { return x.check == c; });
  }
};

} // namespace

TEST_CASE("Oracle: a correct write-then-read history passes", "[ta][oracle]") {
  Bench b;
  const OpPosted w = b.write(kUba, bytes(16, 0x10));
  b.run_op(w);
  const OpPosted r = b.read(kUba, 16);
  CHECK(b.run_op(r) == bytes(16, 0x10));
  const OpPosted a = b.fetch_add(kUba, 5);
  CHECK(b.run_op(a) == bytes(8, 0x10));
  const OpPosted r2 = b.read(kUba, 8);
  std::vector<Byte> want = bytes(8, 0x10);
  want[0] = 0x15;
  CHECK(b.run_op(r2) == want);
  b.o.finish(b.tick());
  CHECK(b.o.ok());
  INFO(b.o.summary());
  CHECK(b.o.violations().empty());
  const OracleCounters& c = b.o.counters();
  CHECK(c.ops_posted == 4);
  CHECK(c.ops_checked == 4);
  CHECK(c.executions == 4);
  CHECK(c.reads_checked == 3); // two Reads and the fetch_add's old value
  CHECK(c.bytes_checked == 32);
  CHECK(c.events == 16);
  CHECK(b.o.ops_held() == 0);
  CHECK(b.o.summary().find("0 violations") != std::string::npos);
}

TEST_CASE("Oracle W1: a packet executed twice, or under a key no slice was sent with",
          "[ta][oracle]") {
  SECTION("executed once: fine") {
    Bench b;
    b.run_op(b.write(kUba, bytes(8, 1)));
    CHECK(b.o.ok());
  }
  SECTION("executed twice") {
    Bench b;
    const OpPosted w = b.write(kUba, bytes(8, 1));
    const WireKey k = b.send(w);
    b.o.on_executed(b.run(w, k));
    b.o.on_executed(b.run(w, k)); // the same packet again
    b.complete(w);
    CHECK(b.only(OracleCheck::W1));
    CHECK(b.o.violations().front().op == w.op);
  }
  SECTION("an atomic executed twice after a retry") {
    Bench b;
    const OpPosted a = b.fetch_add(kUba, 1);
    const WireKey k = b.send(a);
    b.o.on_executed(b.run(a, k));
    b.resend(a, k, 0, 0, a.length, false, true); // the retry keeps the key
    b.o.on_executed(b.run(a, k));
    b.complete(a, fn::CqeStatus::Success, le(1, 8));
    CHECK(b.has(OracleCheck::W1));
  }
  SECTION("a retry that executes once is fine") {
    Bench b;
    const OpPosted a = b.fetch_add(kUba, 1);
    const WireKey k = b.send(a);
    b.resend(a, k, 0, 0, a.length, false, true);
    const std::vector<Byte> old = b.execute(a, k);
    b.complete(a, fn::CqeStatus::Success, old);
    CHECK(b.o.ok());
  }
  SECTION("a key no SliceSent named") {
    Bench b;
    const OpPosted w = b.write(kUba, bytes(8, 1));
    const WireKey k = b.send(w);
    Executed e = b.run(w, k);
    e.key.tassn = 999;
    b.exec(e);
    CHECK(b.only(OracleCheck::W1));
    CHECK(b.o.violations().front().message.find("tassn 999") != std::string::npos);
  }
}

TEST_CASE("Oracle W2: the target log replays on the shadow memory", "[ta][oracle]") {
  SECTION("a correct log, BE mask included") {
    Bench b;
    b.run_op(b.write(kUba, bytes(8, 0x40)));
    OpPosted p;
    p.opcode = TaOpcode::WriteWithBe;
    p.uba = kUba;
    p.length = 8;
    p.data = bytes(8, 0xA0);
    p.be = Beetah{};
    p.be->set_enabled(1);
    p.be->set_enabled(5);
    const OpPosted wb = b.post(p);
    b.run_op(wb);
    const OpPosted r = b.read(kUba, 8);
    const std::vector<Byte> got = b.run_op(r);
    CHECK(got == std::vector<Byte>{0x40, 0xA1, 0x42, 0x43, 0x44, 0xA5, 0x46, 0x47});
    CHECK(b.o.ok());
  }
  SECTION("a read returns bytes that are not in memory") {
    Bench b;
    b.run_op(b.write(kUba, bytes(8, 0x40)));
    const OpPosted r = b.read(kUba, 8);
    const WireKey k = b.send(r);
    Executed e = b.run(r, k);
    e.returned[3] ^= 0xFF;
    b.exec(e);
    CHECK(b.only(OracleCheck::W2));
    CHECK(b.o.violations().front().message.find("returned") != std::string::npos);
  }
  SECTION("before differs from the shadow") {
    Bench b;
    b.run_op(b.write(kUba, bytes(8, 0x40)));
    const OpPosted w = b.write(kUba, bytes(8, 0x50));
    const WireKey k = b.send(w);
    Executed e = b.run(w, k);
    e.before[0] = 0x99;
    b.exec(e);
    CHECK(b.only(OracleCheck::W2));
    CHECK(b.o.violations().front().message.find("shadow 40") != std::string::npos);
  }
  SECTION("a write whose after is not its data, or changes a disabled byte") {
    Bench b;
    const OpPosted w = b.write(kUba, bytes(8, 0x50));
    const WireKey k = b.send(w);
    Executed e = b.run(w, k);
    e.after[2] = 0;
    b.exec(e);
    CHECK(b.only(OracleCheck::W2));
    Bench c;
    OpPosted p;
    p.opcode = TaOpcode::WriteWithBe;
    p.uba = kUba;
    p.length = 8;
    p.data = bytes(8, 0xA0);
    p.be = Beetah{};
    p.be->set_enabled(0);
    const OpPosted wb = c.post(p);
    const WireKey k2 = c.send(wb);
    Executed e2 = c.run(wb, k2);
    e2.after[4] = 0xA4; // BE[4] is 0
    c.exec(e2);
    CHECK(c.only(OracleCheck::W2));
  }
}

TEST_CASE("Oracle W2: an atomic's result must be the ALU's", "[ta][oracle]") {
  SECTION("right") {
    Bench b;
    b.run_op(b.write(kUba, le(41, 8)));
    const OpPosted a = b.fetch_add(kUba, 1);
    CHECK(b.run_op(a) == le(41, 8));
    CHECK(b.o.ok());
  }
  SECTION("wrong new value") {
    Bench b;
    b.run_op(b.write(kUba, le(41, 8)));
    const OpPosted a = b.fetch_add(kUba, 1);
    const WireKey k = b.send(a);
    Executed e = b.run(a, k);
    e.after = le(43, 8);
    b.exec(e);
    b.complete(a, fn::CqeStatus::Success, e.returned);
    CHECK(b.only(OracleCheck::W2));
    CHECK(b.o.violations().front().message.find("after 2b, expected 2a") != std::string::npos);
  }
  SECTION("wrong old value returned") {
    Bench b;
    b.run_op(b.write(kUba, le(41, 8)));
    const OpPosted a = b.fetch_add(kUba, 1);
    const WireKey k = b.send(a);
    Executed e = b.run(a, k);
    e.returned = le(40, 8);
    b.exec(e);
    CHECK(b.only(OracleCheck::W2));
  }
}

TEST_CASE("Oracle W3: completion data are the executed bytes at their offsets", "[ta][oracle]") {
  // A 3 KiB Read in two slices (2 KiB in two 1 KiB packets, then 1 KiB).
  auto scenario = [](bool swap_halves) {
    Bench b;
    b.run_op(b.write(kUba, pattern(3072)));
    const OpPosted r = b.read(kUba, 3072);
    const WireKey k0 = b.send(r, 0, 0, 2048);
    const WireKey k1 = b.send(r, 1, 2048, 1024);
    const Executed e1 = b.run(r, k1, 0, 2048, 0, 1024);
    const Executed e01 = b.run(r, k0, 1, 0, 1024, 1024);
    const Executed e00 = b.run(r, k0, 0, 0, 0, 1024);
    b.o.on_executed(e1);
    b.o.on_executed(e01);
    b.o.on_executed(e00);
    std::vector<Byte> buf = e00.returned;
    buf.insert(buf.end(), e01.returned.begin(), e01.returned.end());
    buf.insert(buf.end(), e1.returned.begin(), e1.returned.end());
    if (swap_halves) {
      std::rotate(buf.begin(), buf.begin() + 1024, buf.end());
    }
    b.complete(r, fn::CqeStatus::Success, buf);
    return b.o.violations();
  };
  CHECK(scenario(false).empty());
  const auto v = scenario(true);
  REQUIRE_FALSE(v.empty());
  CHECK(v.front().check == OracleCheck::W3);
  SECTION("an atomic's old value and a target CQE's immediate") {
    Bench b;
    const OpPosted a = b.fetch_add(kUba, 3);
    const WireKey k = b.send(a);
    b.execute(a, k);
    b.complete(a, fn::CqeStatus::Success, le(0, 8));
    CHECK(b.o.ok());
    const OpPosted a2 = b.fetch_add(kUba, 3);
    const WireKey k2 = b.send(a2);
    b.execute(a2, k2);
    b.complete(a2, fn::CqeStatus::Success, le(4, 8)); // executed old value is 3
    CHECK(b.has(OracleCheck::W3));

    Bench c;
    const OpPosted p = send_imm(0xC0FFEE);
    const OpPosted s = c.post(p);
    const WireKey ks = c.send(s);
    c.execute(s, ks);
    c.receive(ks, 4, 0xC0FFEE);
    c.complete(s);
    CHECK(c.o.ok());
    const OpPosted s2 = c.post(p);
    const WireKey ks2 = c.send(s2);
    c.execute(s2, ks2);
    c.receive(ks2, 4, 0xC0FFEF);
    c.complete(s2);
    CHECK(c.only(OracleCheck::W3));
  }
}

TEST_CASE("Oracle W4: no success before every slice executed", "[ta][oracle]") {
  SECTION("executed, then completed") {
    Bench b;
    const OpPosted w = b.write(kUba, bytes(128, 1));
    const WireKey k0 = b.send(w, 0, 0, 64);
    const WireKey k1 = b.send(w, 1, 64, 64);
    b.o.on_executed(b.run(w, k0, 0, 0, 0, 64));
    b.o.on_executed(b.run(w, k1, 0, 64, 0, 64));
    b.complete(w);
    CHECK(b.o.ok());
  }
  SECTION("completed with one slice still to execute") {
    Bench b;
    const OpPosted w = b.write(kUba, bytes(128, 1));
    const WireKey k0 = b.send(w, 0, 0, 64);
    const WireKey k1 = b.send(w, 1, 64, 64);
    b.o.on_executed(b.run(w, k0, 0, 0, 0, 64));
    b.complete(w);
    b.o.on_executed(b.run(w, k1, 0, 64, 0, 64));
    CHECK(b.only(OracleCheck::W4));
    CHECK(b.o.violations().front().message.find("64 of 128") != std::string::npos);
  }
  SECTION("a failed op may complete unexecuted") {
    Bench b;
    const OpPosted w = b.write(kUba, bytes(8, 1));
    b.send(w);
    b.complete(w, fn::CqeStatus::TransactionAckTimeout);
    CHECK(b.o.ok());
  }
}

TEST_CASE("Oracle W5: an SO op executes after its queue's earlier RO and SO ops", "[ta][oracle]") {
  // ROT: both sent at once, the target orders them.
  auto run = [](TaMode mode, bool so_first, bool fail_ro_first = false) {
    Bench b;
    OpPosted a;
    a.opcode = TaOpcode::Write;
    a.uba = kUba;
    a.length = 8;
    a.data = bytes(8, 1);
    a.order = ExecOrder::Ro;
    a.mode = mode;
    OpPosted c = a;
    c.uba = kUba + 64;
    c.order = ExecOrder::So;
    if (mode == TaMode::Uno) {
      a.opcode = c.opcode = TaOpcode::Send;
    }
    const OpPosted ra = b.post(a);
    const OpPosted rc = b.post(c);
    const WireKey ka = b.send(ra);
    const WireKey kc = b.send(rc);
    if (fail_ro_first) {
      b.complete(ra, fn::CqeStatus::TransactionAckTimeout);
      b.execute(rc, kc);
      b.complete(rc);
    } else if (so_first) {
      b.execute(rc, kc);
      b.execute(ra, ka);
      b.complete(ra, fn::CqeStatus::Success, {}, mode == TaMode::Uno);
      b.complete(rc, fn::CqeStatus::Success, {}, mode == TaMode::Uno);
    } else {
      b.execute(ra, ka);
      b.execute(rc, kc);
      b.complete(rc); // the SO's response may come first
      b.complete(ra);
    }
    return b.o.violations();
  };
  CHECK(run(TaMode::Rot, false).empty());
  CHECK(run(TaMode::Rol, false).empty());
  CHECK(run(TaMode::Rot, false, true).empty()); // an earlier op that finally failed releases it
  const auto bad = run(TaMode::Rot, true);
  REQUIRE(bad.size() == 1);
  CHECK(bad.front().check == OracleCheck::W5);
  CHECK(bad.front().other == OpId{1});
  CHECK(run(TaMode::Rol, true).front().check == OracleCheck::W5);
  // UNO orders nothing.
  CHECK(run(TaMode::Uno, true).empty());

  // Found by fuzz_txn_program: an earlier two-slice op whose first slice ran and whose last was
  // refused for good (a Write_with_immediate to a missing Jetty): the target went on with the
  // SO op before the initiator heard of the failure. Only more of the earlier op running after
  // the SO op started is a violation.
  auto partial = [](bool tail_runs) {
    Bench b;
    OpPosted a;
    a.opcode = TaOpcode::Write;
    a.uba = kUba;
    a.length = 16;
    a.data = bytes(16, 1);
    a.order = ExecOrder::Ro;
    a.mode = TaMode::Rol;
    OpPosted c = a;
    c.uba = kUba + 64;
    c.length = 8;
    c.data = bytes(8, 2);
    c.order = ExecOrder::So;
    const OpPosted ra = b.post(a);
    const OpPosted rc = b.post(c);
    const WireKey k0 = b.send(ra, 0, 0, 8);
    const WireKey k1 = b.send(ra, 1, 8, 8);
    const WireKey kc = b.send(rc);
    b.o.on_executed(b.run(ra, k0, 0, 0, 0, 8));
    b.execute(rc, kc);
    if (tail_runs) {
      b.o.on_executed(b.run(ra, k1, 0, 8, 0, 8));
      b.complete(ra);
    } else {
      b.complete(ra, fn::CqeStatus::RemoteUnsupportedRequest);
    }
    b.complete(rc);
    return b.o.violations();
  };
  CHECK(partial(false).empty());
  const auto tail = partial(true);
  REQUIRE(tail.size() == 1);
  CHECK(tail.front().check == OracleCheck::W5);
}

TEST_CASE("Oracle W6: ROI SO and fences wait before they are sent", "[ta][oracle]") {
  auto fence_case = [](bool wait) {
    Bench b;
    const OpPosted r = b.read(kUba, 8);
    const WireKey kr = b.send(r);
    OpPosted f;
    f.opcode = TaOpcode::Write;
    f.uba = kUba + 64;
    f.length = 8;
    f.data = bytes(8, 3);
    f.fence = true;
    const OpPosted fw = b.post(f);
    std::vector<Byte> got = b.execute(r, kr);
    if (wait) {
      b.complete(r, fn::CqeStatus::Success, got);
    }
    const WireKey kf = b.send(fw); // a fence waits for the read's response, not its execution
    b.execute(fw, kf);
    b.complete(fw);
    if (!wait) {
      b.complete(r, fn::CqeStatus::Success, got);
    }
    return b.o.violations();
  };
  CHECK(fence_case(true).empty());
  const auto v = fence_case(false);
  REQUIRE(v.size() == 1);
  CHECK(v.front().check == OracleCheck::W6);
  CHECK(v.front().message.find("fenced") != std::string::npos);

  // A fence does not wait for an earlier Write.
  {
    Bench b;
    const OpPosted w = b.write(kUba, bytes(8, 1));
    const WireKey kw = b.send(w);
    OpPosted f;
    f.opcode = TaOpcode::Read;
    f.uba = kUba + 64;
    f.length = 8;
    f.fence = true;
    const OpPosted fr = b.post(f);
    b.run_op(fr);
    b.execute(w, kw);
    b.complete(w);
    CHECK(b.o.ok());
  }
  // ROI: an SO op is sent only after the earlier RO op completed; ROT sends it at once.
  auto so_case = [](TaMode mode) {
    Bench b;
    const OpPosted a = b.write(kUba, bytes(8, 1), ExecOrder::Ro, mode);
    const OpPosted c = b.write(kUba + 64, bytes(8, 2), ExecOrder::So, mode);
    const WireKey ka = b.send(a);
    const WireKey kc = b.send(c);
    b.execute(a, ka);
    b.execute(c, kc);
    b.complete(a);
    b.complete(c);
    return b.o.violations();
  };
  CHECK(so_case(TaMode::Rot).empty());
  const auto roi = so_case(TaMode::Roi);
  REQUIRE(roi.size() == 1);
  CHECK(roi.front().check == OracleCheck::W6);
}

TEST_CASE("Oracle W7: notify and receive completions come after the data", "[ta][oracle]") {
  auto wwn = [](bool notify_first) {
    Bench b;
    OpPosted p;
    p.opcode = TaOpcode::WriteWithNotify;
    p.uba = kUba;
    p.length = 64;
    p.data = bytes(64, 9);
    p.notify_uba = 0x80;
    p.notify_token_id = 8;
    p.notify_data = 0x1122334455667788ULL;
    const OpPosted w = b.post(p);
    const WireKey k = b.send(w, 0, 0, 64, true);
    if (notify_first) {
      b.o.on_executed(b.run_notify(w, k));
      b.execute(w, k);
    } else {
      b.execute(w, k);
      b.o.on_executed(b.run_notify(w, k));
    }
    b.complete(w);
    // A read of the notify word sees Notify_Data, little-endian.
    OpPosted r;
    r.opcode = TaOpcode::Read;
    r.token_id = 8;
    r.uba = 0x80;
    r.length = 8;
    const OpPosted rr = b.post(r);
    CHECK(b.run_op(rr) == le(0x1122334455667788ULL, 8));
    return b.o.violations();
  };
  CHECK(wwn(false).empty());
  const auto v = wwn(true);
  REQUIRE(v.size() == 1);
  CHECK(v.front().check == OracleCheck::W7);

  auto wwi = [](bool cqe_first) {
    Bench b;
    OpPosted p;
    p.opcode = TaOpcode::WriteWithImmediate;
    p.uba = kUba;
    p.length = 16;
    p.data = bytes(16, 2);
    p.immediate = 5;
    const OpPosted w = b.post(p);
    const WireKey k = b.send(w);
    if (cqe_first) {
      b.receive(k, 16, 5);
      b.execute(w, k);
    } else {
      b.execute(w, k);
      b.receive(k, 16, 5);
    }
    b.complete(w);
    return b.o.violations();
  };
  CHECK(wwi(false).empty());
  const auto vi = wwi(true);
  REQUIRE(vi.size() == 1);
  CHECK(vi.front().check == OracleCheck::W7);
}

TEST_CASE("Oracle W8: completion order of comp_order ops and of target CQEs", "[ta][oracle]") {
  auto initiator = [](bool comp_order, bool later_first) {
    Bench b;
    const OpPosted a = b.write(kUba, bytes(8, 1));
    OpPosted p;
    p.opcode = TaOpcode::Write;
    p.uba = kUba + 64;
    p.length = 8;
    p.data = bytes(8, 2);
    p.comp_order = comp_order;
    const OpPosted c = b.post(p);
    const WireKey ka = b.send(a);
    const WireKey kc = b.send(c);
    b.execute(a, ka);
    b.execute(c, kc);
    // The later op may finish first: its completion is what must wait.
    b.complete(c);
    b.complete(a);
    if (later_first) {
      b.reported(c);
      b.reported(a);
    } else {
      b.reported(a);
      b.reported(c);
    }
    return b.o.violations();
  };
  CHECK(initiator(true, false).empty());
  CHECK(initiator(false, true).empty()); // without comp_order, any order
  const auto v = initiator(true, true);
  REQUIRE(v.size() == 1);
  CHECK(v.front().check == OracleCheck::W8);
  CHECK(v.front().other == OpId{1});
  // A completion reported twice, or before the op finished.
  Bench t;
  const OpPosted w = t.write(kUba, bytes(8, 1));
  t.reported(w);
  CHECK(t.only(OracleCheck::W10));
  t.run_op(w);
  t.reported(w);
  CHECK(t.o.violations().size() == 2);

  auto target = [](bool reversed) {
    Bench b;
    OpPosted p;
    p.opcode = TaOpcode::WriteWithImmediate;
    p.uba = kUba;
    p.length = 8;
    p.data = bytes(8, 1);
    const OpPosted a = b.post(p);
    p.uba = kUba + 64;
    const OpPosted c = b.post(p);
    const WireKey ka = b.send(a);
    const WireKey kc = b.send(c);
    b.execute(c, kc);
    b.execute(a, ka);
    if (reversed) {
      b.receive(kc, 8);
      b.receive(ka, 8);
    } else {
      b.receive(ka, 8);
      b.receive(kc, 8);
    }
    b.complete(a);
    b.complete(c);
    return b.o.violations();
  };
  CHECK(target(false).empty());
  const auto vt = target(true);
  REQUIRE(vt.size() == 1);
  CHECK(vt.front().check == OracleCheck::W8);
}

TEST_CASE("Oracle W9: a bad-token op never executes and completes remote access abort",
          "[ta][oracle]") {
  auto denied = [](bool executes, fn::CqeStatus st) {
    Bench b;
    OpPosted p = op_at_uba(TaOpcode::Write, 8);
    p.expect_denied = true;
    const OpPosted w = b.post(p);
    const WireKey k = b.send(w);
    if (executes) {
      b.execute(w, k);
    }
    b.complete(w, st);
    return b.o.violations();
  };
  CHECK(denied(false, fn::CqeStatus::RemoteAccessAbort).empty());
  const auto ex = denied(true, fn::CqeStatus::RemoteAccessAbort);
  REQUIRE(ex.size() == 1);
  CHECK(ex.front().check == OracleCheck::W9);
  const auto st = denied(false, fn::CqeStatus::Success);
  REQUIRE(st.size() == 1);
  CHECK(st.front().check == OracleCheck::W9);
  // A request that never met the permission check: flushed, lost, or RNR / page fault to the
  // retry limit (those come first, §9.4.1). Any other status is wrong.
  CHECK(denied(false, fn::CqeStatus::Flushed).empty());
  CHECK(denied(false, fn::CqeStatus::TransactionAckTimeout).empty());
  CHECK(denied(false, fn::CqeStatus::TransactionRetryExceeded).empty());
  const auto ur = denied(false, fn::CqeStatus::RemoteUnsupportedRequest);
  REQUIRE(ur.size() == 1);
  CHECK(ur.front().check == OracleCheck::W9);
  // An allowed op refused, and an access at an address the op did not name.
  Bench b;
  const OpPosted w = b.write(kUba, bytes(8, 1));
  b.send(w);
  b.complete(w, fn::CqeStatus::RemoteAccessAbort);
  CHECK(b.only(OracleCheck::W9));
  Bench c;
  const OpPosted w2 = c.write(kUba, bytes(8, 1));
  const WireKey k2 = c.send(w2);
  Executed e = c.run(w2, k2);
  e.uba += 8;
  c.exec(e);
  CHECK(c.only(OracleCheck::W9));
}

TEST_CASE("Oracle W10: each op completes once, reserved opcodes never go", "[ta][oracle]") {
  Bench b;
  OpPosted p;
  p.opcode = static_cast<TaOpcode>(0x02); // reserved in 2.0.1
  p.uba = kUba;
  const OpPosted bad = b.post(p);
  b.complete(bad, fn::CqeStatus::UnsupportedOpcode);
  CHECK(b.o.ok());
  const OpPosted bad2 = b.post(p);
  b.send(bad2);
  b.complete(bad2, fn::CqeStatus::RemoteUnsupportedRequest);
  CHECK(b.only(OracleCheck::W10));
  CHECK(b.o.violations().size() == 2); // sent, and the wrong status

  Bench c;
  const OpPosted w = c.write(kUba, bytes(8, 1));
  c.run_op(w);
  c.complete(w);
  CHECK(c.only(OracleCheck::W10));

  Bench d;
  const OpPosted w2 = d.write(kUba, bytes(8, 1));
  d.send(w2);
  d.o.finish(d.tick());
  CHECK(d.only(OracleCheck::W10));
  CHECK(d.o.violations().front().message == "never completed");
}

TEST_CASE("Oracle W10: a failed Send's receive completion may come after its failure",
          "[ta][oracle]") {
  // Found by fuzz_jetty_program: the TAACK of a Send was lost, the initiator failed the op on
  // its ACK timeout, and the target wrote the receive completion later (held for order).
  Bench b;
  OpPosted p = send_imm(9);
  p.comp_order = true;
  const OpPosted s = b.post(p);
  const WireKey k = b.send(s);
  b.complete(s, fn::CqeStatus::TransactionAckTimeout);
  b.reported(s);
  b.receive(k, 4, 9);
  CHECK(b.o.ok());
  b.receive(k, 4, 9); // but only once
  CHECK(b.only(OracleCheck::W10));
  // A key no op was ever sent with is still reported.
  Bench c;
  c.receive(WireKey{kIni, kTgt, 0, 1, 77}, 4);
  CHECK(c.only(OracleCheck::W10));
}

TEST_CASE("Oracle B1: a read after a completed write must not see older values", "[ta][oracle]") {
  auto stale = [](bool target_lies) {
    Bench b;
    b.run_op(b.write(kUba, bytes(8, 0x10)));
    b.run_op(b.write(kUba, bytes(8, 0x20)));
    const OpPosted r = b.read(kUba, 8);
    const WireKey k = b.send(r);
    Executed e = b.run(r, k);
    if (target_lies) { // a target whose log and data both show the first write
      e.before = e.after = e.returned = bytes(8, 0x10);
    }
    b.o.on_executed(e);
    b.complete(r, fn::CqeStatus::Success, e.returned);
    return b.o.violations();
  };
  CHECK(stale(false).empty());
  const auto v = stale(true);
  const auto b1 = std::find_if(v.begin(), v.end(),
                               [](const Violation& x) { return x.check == OracleCheck::B1; });
  REQUIRE(b1 != v.end());
  CHECK(b1->message.find("read 10, allowed {20 (op 2)}") != std::string::npos);
  // The witness sees the lie too: the log's "before" is not the shadow.
  CHECK(std::any_of(v.begin(), v.end(),
                    [](const Violation& x) { return x.check == OracleCheck::W2; }));
  // Never written bytes read as the initial value (zero), nothing else.
  Bench c;
  const OpPosted r = c.read(0x9000, 4);
  c.send(r);
  c.complete(r, fn::CqeStatus::Success, {0, 0, 0, 1});
  CHECK(c.has(OracleCheck::B1));
}

// Writes longer than a block are parked per 4 KiB page and become history entries only when
// something touches the page (oracle.cpp, PendingWrite); the judgement must be the same.
TEST_CASE("Oracle B1: multi-page writes are judged when a read reaches them", "[ta][oracle]") {
  constexpr std::uint64_t kAt = kUba + 100; // not page or block aligned
  constexpr std::uint32_t kLen = 3 * 4096 + 200;
  // Reads [from, from + n) after the writes, the target returning `lie` (if given) instead.
  auto read_back = [](Bench& b, std::uint64_t from, std::uint32_t n,
                      std::optional<std::vector<Byte>> lie = {}) {
    const OpPosted r = b.read(from, n);
    const WireKey k = b.send(r);
    Executed e = b.run(r, k);
    if (lie) {
      e.returned = *lie;
    }
    b.o.on_executed(e);
    b.complete(r, fn::CqeStatus::Success, e.returned);
    return e.returned;
  };
  SECTION("a later write over part of an earlier one: the read must see the later bytes") {
    Bench b;
    const std::vector<Byte> first = pattern(kLen);
    b.run_op(b.write(kAt, first));
    const std::vector<Byte> second = bytes(5000, 0x33, 7);
    b.run_op(b.write(kAt + 4000, second));
    std::vector<Byte> want(first.begin(), first.end());
    std::copy(second.begin(), second.end(), want.begin() + 4000);
    CHECK(read_back(b, kAt, kLen) == want);
    CHECK(b.o.ok());
    // The same read answered with the first write's bytes where the second wrote.
    const std::vector<Byte> stale(first.begin() + 6000, first.begin() + 6016);
    read_back(b, kAt + 6000, 16, stale);
    INFO(b.o.summary());
    const auto& v = b.o.violations();
    const auto b1 = std::find_if(v.begin(), v.end(),
                                 [](const Violation& x) { return x.check == OracleCheck::B1; });
    REQUIRE(b1 != v.end());
    CHECK(b1->message.find("allowed {e3 (op 2)}") != std::string::npos);
  }
  SECTION("a page read once, then written again: the next read sees the new write") {
    Bench b;
    b.run_op(b.write(kAt, bytes(kLen, 0x10, 0)));
    CHECK(read_back(b, kAt + 4096, 8) == bytes(8, 0x10, 0));
    b.run_op(b.write(kAt, bytes(kLen, 0x20, 0)));
    read_back(b, kAt + 4096, 8, bytes(8, 0x10, 0));
    INFO(b.o.summary());
    CHECK(b.has(OracleCheck::B1));
  }
  SECTION("more writes to one page than are parked, then a stale read") {
    Bench b;
    for (int i = 0; i < 40; ++i) {
      b.run_op(b.write(kAt, bytes(kLen, static_cast<Byte>(i + 1), 0)));
    }
    // Pruned as they were made: the last write's 196 blocks and those of the one before it,
    // which the last did not yet shadow when it was sent.
    CHECK(b.o.history_entries() <= 2 * 196);
    CHECK(read_back(b, kAt + 8000, 8) == bytes(8, 40, 0));
    CHECK(b.o.ok());
    read_back(b, kAt + 8000, 8, bytes(8, 20, 0));
    INFO(b.o.summary());
    CHECK(b.has(OracleCheck::B1));
  }
  SECTION("a multi-page write over an atomic's word while the atomic is in flight") {
    // a1 turns the word's 0 into 1; w (parked) writes zeros over it while a2 is in flight; a2
    // then reads the 0 that w left: no lost update, as long as the chain counts w's write.
    Bench b;
    const OpPosted a1 = b.fetch_add(kUba + 4096, 1);
    CHECK(b.run_op(a1) == le(0, 8));
    const OpPosted a2 = b.fetch_add(kUba + 4096, 1);
    const WireKey k2 = b.send(a2);
    b.run_op(b.write(kUba, bytes(3 * 4096, 0, 0)));
    const std::vector<Byte> old = b.execute(a2, k2);
    CHECK(old == le(0, 8));
    b.complete(a2, fn::CqeStatus::Success, old);
    INFO(b.o.summary());
    CHECK(b.o.ok());
    // The same history with a2 answering 0 and no write in between is a lost update.
    Bench c;
    c.run_op(c.fetch_add(kUba + 4096, 1));
    const OpPosted c2 = c.fetch_add(kUba + 4096, 1);
    const WireKey kc = c.send(c2);
    Executed e = c.run(c2, kc);
    e.before = e.returned = le(0, 8);
    e.after = le(1, 8);
    c.o.on_executed(e);
    c.complete(c2, fn::CqeStatus::Success, le(0, 8));
    CHECK(c.has(OracleCheck::B2));
  }
  SECTION("a read sent before a multi-page write completes may see either value") {
    for (const bool sees_new : {false, true}) {
      Bench b;
      b.run_op(b.write(kAt, bytes(kLen, 0x01, 0)));
      const OpPosted w = b.write(kAt, bytes(kLen, 0x02, 0));
      const WireKey kw = b.send(w);
      const OpPosted r = b.read(kAt + 5000, 8);
      const WireKey kr = b.send(r);
      Executed er;
      if (sees_new) {
        b.o.on_executed(b.run(w, kw));
        er = b.run(r, kr);
        b.o.on_executed(er);
      } else {
        er = b.run(r, kr);
        b.o.on_executed(er);
        b.o.on_executed(b.run(w, kw));
      }
      b.complete(w);
      b.complete(r, fn::CqeStatus::Success, er.returned);
      CHECK(er.returned == bytes(8, sees_new ? 0x02 : 0x01, 0));
      INFO(b.o.summary());
      CHECK(b.o.ok());
    }
  }
}

// The initiator shares its op's data with the oracle (OpPosted::shared_data) instead of copying it.
TEST_CASE("Oracle: a payload the poster shares is judged as a copied one", "[ta][oracle]") {
  auto shared_write = [](Bench& b, std::uint64_t uba, std::vector<Byte> data) {
    OpPosted p;
    p.opcode = TaOpcode::Write;
    p.uba = uba;
    p.length = static_cast<std::uint32_t>(data.size());
    p.shared_data = std::make_shared<const std::vector<Byte>>(std::move(data));
    return b.post(p);
  };
  SECTION("a correct history passes, and a read sees the shared bytes") {
    Bench b;
    b.run_op(shared_write(b, kUba + 8, pattern(5000)));
    const OpPosted r = b.read(kUba + 8, 5000);
    CHECK(b.run_op(r) == pattern(5000));
    INFO(b.o.summary());
    CHECK(b.o.ok());
  }
  SECTION("a target that wrote other bytes than the shared ones is caught (W2)") {
    Bench b;
    const OpPosted w = shared_write(b, kUba, pattern(200));
    const WireKey k = b.send(w);
    Executed e = b.run(w, k);
    e.after[150] ^= 0xFF;
    b.o.on_executed(e);
    b.complete(w);
    CHECK(b.only(OracleCheck::W2));
  }
  SECTION("a stale read over a shared multi-page write is caught (B1)") {
    Bench b;
    b.run_op(b.write(kUba, bytes(9000, 0x11, 0)));
    b.run_op(shared_write(b, kUba, bytes(9000, 0x22, 0)));
    const OpPosted r = b.read(kUba + 8500, 8);
    const WireKey k = b.send(r);
    Executed e = b.run(r, k);
    e.returned = bytes(8, 0x11, 0);
    b.o.on_executed(e);
    b.complete(r, fn::CqeStatus::Success, e.returned);
    CHECK(b.has(OracleCheck::B1));
  }
}

TEST_CASE("Oracle B1: a read concurrent with a write may see either value", "[ta][oracle]") {
  auto race = [](bool write_first, std::optional<Byte> forge = {}) {
    Bench b;
    b.run_op(b.write(kUba, bytes(8, 0x10)));
    const OpPosted w = b.write(kUba, bytes(8, 0x20), ExecOrder::No, TaMode::Roi, 1);
    const OpPosted r = b.read(kUba, 8, ExecOrder::No, TaMode::Roi, 2);
    const WireKey kw = b.send(w);
    const WireKey kr = b.send(r);
    std::vector<Byte> got;
    if (write_first) {
      b.execute(w, kw);
      got = b.execute(r, kr);
    } else {
      got = b.execute(r, kr);
      b.execute(w, kw);
    }
    if (forge) {
      got[0] = *forge;
    }
    b.complete(r, fn::CqeStatus::Success, got);
    b.complete(w);
    return b.o.violations();
  };
  CHECK(race(true).empty());
  CHECK(race(false).empty());
  const auto v = race(true, Byte{0x77}); // a value nobody wrote
  CHECK(std::any_of(v.begin(), v.end(),
                    [](const Violation& x) { return x.check == OracleCheck::B1; }));
  // Torn: byte 0 new, byte 1 old, is allowed (the rule is per byte).
  CHECK(race(false, Byte{0x20}).size() == 1); // only W3: the target returned the old byte
}

TEST_CASE("Oracle B1: an SO read after an RO write of its queue must see it", "[ta][oracle]") {
  // ROT: both sent at once; the read's response comes before the write's.
  auto so_read = [](ExecOrder read_order, bool stale) {
    Bench b;
    const OpPosted w = b.write(kUba, bytes(8, 0x20), ExecOrder::Ro, TaMode::Rot);
    const OpPosted r = b.read(kUba, 8, read_order, TaMode::Rot);
    const WireKey kw = b.send(w);
    const WireKey kr = b.send(r);
    std::vector<Byte> got;
    if (stale) { // a target that ran the read first
      got = b.execute(r, kr);
      b.execute(w, kw);
    } else {
      b.execute(w, kw);
      got = b.execute(r, kr);
    }
    b.complete(r, fn::CqeStatus::Success, got);
    const auto& v0 = b.o.violations();
    const bool b1_before_write_done = std::any_of(
        v0.begin(), v0.end(), [](const Violation& x) { return x.check == OracleCheck::B1; });
    b.complete(w);
    return std::pair{b1_before_write_done, b.o.violations()};
  };
  CHECK(so_read(ExecOrder::So, false).second.empty());
  const auto [early, v] = so_read(ExecOrder::So, true);
  CHECK(std::any_of(v.begin(), v.end(),
                    [](const Violation& x) { return x.check == OracleCheck::B1; }));
  CHECK(std::any_of(v.begin(), v.end(),
                    [](const Violation& x) { return x.check == OracleCheck::W5; }));
  // The read is judged once the write it must see has completed (it was not certain before).
  CHECK_FALSE(early);
  // An RO or NO read may miss the earlier write.
  CHECK(so_read(ExecOrder::Ro, true).second.empty());
  CHECK(so_read(ExecOrder::No, true).second.empty());
}

TEST_CASE("Oracle B1: a maybe (timed-out) write may or may not be seen", "[ta][oracle]") {
  auto maybe = [](bool executed, bool seen_after_certain, OracleConfig cfg = {}) {
    Bench b(cfg);
    b.run_op(b.write(kUba, bytes(8, 0x10, 0)));
    const OpPosted w = b.write(kUba, bytes(8, 0x20, 0));
    const WireKey kw = b.send(w);
    if (executed) {
      b.execute(w, kw);
    }
    b.complete(w, fn::CqeStatus::TransactionAckTimeout);
    const OpPosted r = b.read(kUba, 8);
    CHECK(b.run_op(r) == bytes(8, executed ? 0x20 : 0x10, 0));
    if (seen_after_certain) {
      b.run_op(b.write(kUba + 4, bytes(4, 0x34)));
      const OpPosted r2 = b.read(kUba, 8);
      const WireKey k2 = b.send(r2);
      b.execute(r2, k2);
      b.complete(r2, fn::CqeStatus::Success, bytes(8, 0x20, 0)); // bytes 4..7 forged
    }
    return b.o.violations();
  };
  CHECK(maybe(true, false).empty());
  CHECK(maybe(false, false).empty());
  // Overwritten by a later certain write: its bytes 4..7 can no longer show the maybe value.
  const auto v = maybe(true, true);
  const auto b1 = std::find_if(v.begin(), v.end(),
                               [](const Violation& x) { return x.check == OracleCheck::B1; });
  REQUIRE(b1 != v.end());
  CHECK(b1->message.find("4 of 8 bytes") != std::string::npos);
  // If failed ops may execute late, the maybe value stays possible.
  OracleConfig late;
  late.late_execution = true;
  const auto vl = maybe(true, true, late);
  CHECK(std::none_of(vl.begin(), vl.end(),
                     [](const Violation& x) { return x.check == OracleCheck::B1; }));
}

TEST_CASE("Oracle: a failed op executing later is flagged unless late execution is allowed",
          "[ta][oracle]") {
  auto late = [](OracleConfig cfg) {
    Bench b(cfg);
    const OpPosted w = b.write(kUba, bytes(8, 0x20, 0));
    const WireKey k = b.send(w);
    b.complete(w, fn::CqeStatus::TransactionAckTimeout);
    b.execute(w, k); // the delayed request arrives after the timeout
    const OpPosted r = b.read(kUba, 8);
    CHECK(b.run_op(r) == bytes(8, 0x20, 0));
    return b.o.violations();
  };
  OracleConfig allow;
  allow.late_execution = true;
  CHECK(late(allow).empty());
  const auto v = late({});
  REQUIRE(v.size() == 1);
  CHECK(v.front().check == OracleCheck::W1);
  CHECK(v.front().op == OpId{1});
  CHECK(v.front().message.find("after its op had failed") != std::string::npos);
  // Found by fuzz_txn_program: an op failed (a flush, another slice's final error) while one of
  // its slices was still out says so (abandoned); that slice may run later whatever the config.
  auto abandoned = [](bool flag) {
    Bench b;
    const OpPosted w = b.write(kUba, bytes(8, 0x20, 0));
    const WireKey k = b.send(w);
    OpCompleted c;
    c.op = w.op;
    c.status = fn::CqeStatus::Flushed;
    c.abandoned = flag;
    c.t = b.tick();
    b.o.on_completed(c);
    b.execute(w, k);
    const OpPosted r = b.read(kUba, 8);
    CHECK(b.run_op(r) == bytes(8, 0x20, 0));
    return b.o.violations();
  };
  CHECK(abandoned(true).empty());
  const auto va = abandoned(false);
  REQUIRE(va.size() == 1);
  CHECK(va.front().check == OracleCheck::W1);
}

TEST_CASE("Oracle: initial memory is zero, preset, or unknown", "[ta][oracle]") {
  auto read_back = [](OracleConfig cfg, bool preset) {
    Bench b(cfg);
    const std::vector<Byte> init = bytes(8, 0x55);
    b.mem.write(pa_of(kTok, kUba), init); // the harness filled memory before the run
    if (preset) {
      b.o.preset(kTgt, kTok, kUba, pa_of(kTok, kUba), init);
    }
    const OpPosted r = b.read(kUba, 8);
    CHECK(b.run_op(r) == init);
    return b.o.violations();
  };
  CHECK(read_back({}, true).empty());
  OracleConfig unknown;
  unknown.zero_initial = false;
  CHECK(read_back(unknown, false).empty());
  const auto v = read_back({}, false); // the oracle believes the memory is zero
  CHECK(std::any_of(v.begin(), v.end(),
                    [](const Violation& x) { return x.check == OracleCheck::W2; }));
  CHECK(std::any_of(v.begin(), v.end(),
                    [](const Violation& x) { return x.check == OracleCheck::B1; }));
  // A whole page written first: its "before" must be zeros, every byte of it.
  Bench zero;
  zero.run_op(zero.write(kUba, pattern(4096)));
  CHECK(zero.o.ok());
  for (const std::size_t at : {std::size_t{0}, std::size_t{2049}, std::size_t{4095}}) {
    INFO("non-zero byte at " << at);
    Bench b;
    b.mem.write(pa_of(kTok, kUba) + at, bytes(1, 0x55));
    b.run_op(b.write(kUba, pattern(4096)));
    CHECK(b.only(OracleCheck::W2));
  }
}

TEST_CASE("Oracle: Send placement is checked unless the target does not report it",
          "[ta][oracle]") {
  auto unreported_send = [](OracleConfig cfg) {
    Bench b(cfg);
    OpPosted p;
    p.opcode = TaOpcode::Send;
    p.length = 8;
    p.data = bytes(8, 1);
    const OpPosted s = b.post(p);
    const WireKey k = b.send(s);
    b.receive(k, 8);
    b.complete(s);
    return b.o.violations();
  };
  OracleConfig off; // the default: the model's target reports a Send by its receive completion
  CHECK_FALSE(off.sends_execute);
  CHECK(unreported_send(off).empty());
  OracleConfig on;
  on.sends_execute = true;
  const auto v = unreported_send(on);
  REQUIRE(v.size() == 2);
  CHECK(v[0].check == OracleCheck::W7); // the CQE before any data
  CHECK(v[1].check == OracleCheck::W4);
}

TEST_CASE("Oracle: UNO ops have no order and complete at send", "[ta][oracle]") {
  auto two_sends = [](TaMode mode) {
    OracleConfig cfg;
    cfg.sends_execute = true; // the sends' placements are what is ordered here
    Bench b(cfg);
    OpPosted p;
    p.opcode = TaOpcode::Send;
    p.uba = kUba;
    p.length = 8;
    p.data = bytes(8, 1);
    p.mode = mode;
    p.order = ExecOrder::Ro;
    const OpPosted a = b.post(p);
    p.order = ExecOrder::So;
    p.uba = kUba + 64;
    const OpPosted c = b.post(p);
    const WireKey ka = b.send(a);
    const WireKey kc = b.send(c);
    const bool uno = mode == TaMode::Uno;
    if (uno) { // UNO completes at send, before anything executed
      b.complete(a, fn::CqeStatus::Success, {}, true);
      b.complete(c, fn::CqeStatus::Success, {}, true);
    }
    b.execute(c, kc); // the SO one first
    b.receive(kc, 8);
    b.execute(a, ka);
    b.receive(ka, 8);
    if (!uno) {
      b.complete(a);
      b.complete(c);
    }
    b.o.finish(b.tick());
    CHECK(b.o.ops_held() == 0);
    return b.o.violations();
  };
  CHECK(two_sends(TaMode::Uno).empty());
  const auto v = two_sends(TaMode::Rot);
  REQUIRE(v.size() == 1);
  CHECK(v.front().check == OracleCheck::W5);
}

TEST_CASE("Oracle B2: two atomics may not consume the same old value", "[ta][oracle]") {
  auto pair = [](bool lost_update) {
    Bench b;
    b.run_op(b.write(kUba, le(5, 8)));
    const OpPosted a1 = b.fetch_add(kUba, 1, 8, 1);
    const OpPosted a2 = b.fetch_add(kUba, 1, 8, 2);
    const WireKey k1 = b.send(a1);
    const WireKey k2 = b.send(a2);
    const std::vector<Byte> o1 = b.execute(a1, k1);
    const std::vector<Byte> o2 = b.execute(a2, k2);
    b.complete(a2, fn::CqeStatus::Success, lost_update ? o1 : o2); // responses reordered
    b.complete(a1, fn::CqeStatus::Success, o1);
    return b.o.violations();
  };
  CHECK(pair(false).empty());
  const auto v = pair(true);
  CHECK(std::any_of(v.begin(), v.end(),
                    [](const Violation& x) { return x.check == OracleCheck::B2; }));
  // B1 alone cannot see it: each old value, on its own, was allowed.
  CHECK(std::none_of(v.begin(), v.end(),
                     [](const Violation& x) { return x.check == OracleCheck::B1; }));

  // Found by fuzz_txn_program: a plain write in flight when the word's first atomic goes out
  // runs after it; a later atomic reads the write's value. The write is a production too.
  auto late_write = [](bool second_reader) {
    Bench b;
    const OpPosted w = b.write(kUba, bytes(8, 0x9F));
    const WireKey kw = b.send(w);
    const OpPosted a1 = b.fetch_add(kUba, 1, 8, 1);
    const WireKey k1 = b.send(a1);
    b.complete(a1, fn::CqeStatus::Success, b.execute(a1, k1));
    b.execute(w, kw);
    b.complete(w);
    const OpPosted a2 = b.fetch_add(kUba, 1, 8, 1);
    b.run_op(a2);
    if (second_reader) { // a second atomic that read the same write's value: a lost update
      const OpPosted a3 = b.fetch_add(kUba, 1, 8, 1);
      const WireKey k3 = b.send(a3);
      b.o.on_executed(b.run(a3, k3));
      b.complete(a3, fn::CqeStatus::Success, bytes(8, 0x9F));
    }
    return b.o.violations();
  };
  CHECK(late_write(false).empty());
  const auto lw = late_write(true);
  CHECK(std::any_of(lw.begin(), lw.end(),
                    [](const Violation& x) { return x.check == OracleCheck::B2; }));
}

TEST_CASE("Oracle: history stays bounded and overflow is counted, not a violation",
          "[ta][oracle]") {
  Bench b;
  for (int i = 0; i < 1000; ++i) {
    b.run_op(b.write(kUba, bytes(8, static_cast<Byte>(i))));
    const OpPosted r = b.read(kUba, 8);
    CHECK(b.run_op(r) == bytes(8, static_cast<Byte>(i)));
  }
  CHECK(b.o.ok());
  CHECK(b.o.history_entries() <= 2);
  CHECK(b.o.counters().history_dropped >= 998);
  CHECK(b.o.ops_held() == 0);

  OracleConfig cfg;
  cfg.history_limit = 4;
  Bench c(cfg);
  const OpPosted r = c.read(kUba, 8, ExecOrder::No, TaMode::Roi, 1);
  const WireKey kr = c.send(r); // outstanding all along: nothing can be dropped
  for (int i = 0; i < 10; ++i) {
    c.run_op(c.write(kUba, bytes(8, static_cast<Byte>(i))));
  }
  c.complete(r, fn::CqeStatus::Success, c.execute(r, kr));
  CHECK(c.o.ok());
  CHECK(c.o.counters().history_overflows == 1);
  CHECK(c.o.counters().bytes_unchecked == 8);
  CHECK(c.o.summary().find("history limit reached") != std::string::npos);
}

TEST_CASE("Oracle: inconsistent event streams are reported as input errors", "[ta][oracle]") {
  Bench b;
  const OpPosted w = b.write(kUba, bytes(8, 1));
  b.o.on_posted(w); // the same op id again
  OpCompleted c;
  c.op = w.op;
  c.t = Time{0}; // backwards
  b.o.on_completed(c);
  const auto& v = b.o.violations();
  REQUIRE(v.size() >= 2);
  CHECK(v[0].check == OracleCheck::Input);
  CHECK(v[1].check == OracleCheck::Input);
  CHECK(to_string(OracleCheck::W10) == "W10");
  CHECK(b.o.summary().find("input op 1") != std::string::npos);
}

namespace {

// A random concurrent history from a correct target: up to 24 ops in flight over 4 queues, each
// step advancing one of them (send, execute, complete; some time out before or after executing).
// Writes and Reads share 512 bytes, fetch_adds their own 64; written values are 1..200, so 0xFF
// is never allowed in the write area. forge_read: the n-th successful Read returns one 0xFF.
std::vector<Violation> random_history(std::uint64_t seed, int forge_read = -1) {
  Bench b;
  Rng rng(seed);
  struct Fl {
    OpPosted p;
    WireKey k{};
    int stage = 0; // 0 posted, 1 sent, 2 executed
    std::vector<Byte> got;
  };
  std::vector<Fl> fl;
  int posted = 0;
  int reads_done = 0;
  while (posted < 3000 || !fl.empty()) {
    if (posted < 3000 && fl.size() < 24) {
      const auto kind = rng.below(3);
      const auto q = static_cast<std::uint32_t>(rng.below(4));
      OpPosted p;
      if (kind == 2) {
        p = b.fetch_add(kUba + 1024 + 8 * rng.below(8), 1 + rng.below(3), 8, q);
      } else {
        const auto len = static_cast<std::uint32_t>(1 + rng.below(64));
        const std::uint64_t at = kUba + rng.below(512 - len);
        if (kind == 0) {
          std::vector<Byte> d(len);
          for (Byte& x : d) {
            x = static_cast<Byte>(1 + rng.below(200));
          }
          p = b.write(at, d, ExecOrder::No, TaMode::Roi, q);
        } else {
          p = b.read(at, len, ExecOrder::No, TaMode::Roi, q);
        }
      }
      fl.push_back({p, {}, 0, {}});
      ++posted;
      continue;
    }
    const auto i = static_cast<std::size_t>(rng.below(fl.size()));
    Fl& f = fl[i];
    const bool time_out = rng.below(20) == 0;
    if (f.stage == 0) {
      f.k = b.send(f.p);
      f.stage = 1;
      continue;
    }
    if (f.stage == 1 && !time_out) {
      f.got = b.execute(f.p, f.k);
      f.stage = 2;
      continue;
    }
    if (time_out) {
      b.complete(f.p, fn::CqeStatus::TransactionAckTimeout);
    } else {
      if (f.p.opcode == TaOpcode::Read && reads_done++ == forge_read) {
        f.got[f.got.size() / 2] = 0xFF;
      }
      b.complete(f.p, fn::CqeStatus::Success, f.got);
    }
    fl.erase(fl.begin() + static_cast<std::ptrdiff_t>(i));
  }
  b.o.finish(b.tick());
  CHECK(b.o.counters().reads_checked > 500);
  CHECK(b.o.ops_held() == 0);
  return b.o.violations();
}

} // namespace

TEST_CASE("Oracle: random concurrent histories of a correct target pass, a forged byte does not",
          "[ta][oracle]") {
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    INFO("seed " << seed);
    CHECK(random_history(seed).empty());
    const auto v = random_history(seed, 100);
    CHECK(std::any_of(v.begin(), v.end(),
                      [](const Violation& x) { return x.check == OracleCheck::B1; }));
    CHECK(std::any_of(v.begin(), v.end(),
                      [](const Violation& x) { return x.check == OracleCheck::W3; }));
  }
}

TEST_CASE("Oracle: whole pages written from the target's shared buffer are kept as that buffer "
          "and judged as a copy would be",
          "[ta][oracle]") {
  // Two whole pages and 100 bytes of a third, as a target that took them from a shared buffer
  // (the received packet) reports them: after_share holds the bytes it says it wrote.
  const std::size_t n = 2 * 4096 + 100;
  const std::vector<Byte> pat = pattern(n);
  auto shared_run = [](Bench& b, const OpPosted& w, const WireKey& k) {
    Executed e = b.run(w, k);
    const auto buf = std::make_shared<const std::vector<Byte>>(e.after);
    e.after_share = SharedBytes{buf, 0, buf->size()};
    return e;
  };
  SECTION("kept, then read and overwritten correctly") {
    Bench b;
    const OpPosted w = b.write(kUba, pattern(n));
    const WireKey k = b.send(w);
    b.exec(shared_run(b, w, k));
    b.complete(w, fn::CqeStatus::Success);
    CHECK(b.o.counters().pages_shared == 2); // the third page is partial: copied
    CHECK(b.run_op(b.read(kUba + 10, 5000)) ==
          std::vector<Byte>(pat.begin() + 10, pat.begin() + 5010));
    // A second whole-page write over a kept page: its "before" is judged against it.
    const OpPosted w2 = b.write(kUba, bytes(4096, 3));
    const WireKey k2 = b.send(w2);
    b.exec(shared_run(b, w2, k2));
    b.complete(w2, fn::CqeStatus::Success);
    CHECK(b.o.counters().pages_shared == 3);
    CHECK(b.run_op(b.read(kUba + 4090, 10)) ==
          std::vector<Byte>{0xFD, 0xFE, 0xFF, 0x00, 0x01, 0x02, static_cast<Byte>(pat[4096]),
                            static_cast<Byte>(pat[4097]), static_cast<Byte>(pat[4098]),
                            static_cast<Byte>(pat[4099])});
    CHECK(b.o.ok());
  }
  SECTION("a later write's wrong before, against a kept page, is reported") {
    Bench b;
    const OpPosted w = b.write(kUba, pattern(n));
    b.exec(shared_run(b, w, b.send(w)));
    b.complete(w, fn::CqeStatus::Success);
    const OpPosted w2 = b.write(kUba, bytes(4096, 3));
    Executed e = shared_run(b, w2, b.send(w2));
    e.before[77] ^= 0x10;
    b.exec(e);
    CHECK(b.only(OracleCheck::W2));
    CHECK(b.o.violations().front().message.find("before") != std::string::npos);
  }
  SECTION("a read's wrong before, against a kept page, is reported") {
    Bench b;
    const OpPosted w = b.write(kUba, pattern(n));
    b.exec(shared_run(b, w, b.send(w)));
    b.complete(w, fn::CqeStatus::Success);
    const OpPosted r = b.read(kUba + 4096, 16);
    Executed e = b.run(r, b.send(r));
    e.before[3] ^= 0x01;
    b.exec(e);
    CHECK(b.only(OracleCheck::W2));
  }
  SECTION("before and after held as shared bytes (not copied) are judged as copies are") {
    // What the target reports for a page it writes whole over a page that already refers to a
    // packet's bytes: "before" is that packet's range (the shadow keeps the same range), "after"
    // the new packet's, both held (Executed::before_held / after_held), the vectors empty.
    auto held_run = [&](Bench& b, const OpPosted& w2, const SharedBytes& old,
                        std::optional<std::size_t> flip_before,
                        std::optional<std::size_t> flip_after) {
      Executed e = b.run(w2, b.send(w2));
      auto after = std::make_shared<std::vector<Byte>>(e.after);
      if (flip_after) {
        (*after)[*flip_after] ^= 0x04;
      }
      e.after_share = SharedBytes{after, 0, after->size()};
      e.after_held = e.after_share;
      e.after.clear();
      if (flip_before) {
        auto before = std::make_shared<std::vector<Byte>>(e.before);
        (*before)[*flip_before] ^= 0x02;
        e.before_held = SharedBytes{before, 0, before->size()};
      } else {
        e.before_held = old;
      }
      e.before.clear();
      return e;
    };
    auto first = [&](Bench& b) {
      const OpPosted w = b.write(kUba, pattern(4096));
      Executed e = b.run(w, b.send(w));
      const auto buf = std::make_shared<const std::vector<Byte>>(e.after);
      e.after_share = SharedBytes{buf, 0, buf->size()};
      b.exec(e);
      b.complete(w, fn::CqeStatus::Success);
      REQUIRE(b.o.counters().pages_shared == 1);
      return e.after_share;
    };
    Bench b;
    const SharedBytes old = first(b);
    const OpPosted w2 = b.write(kUba, bytes(4096, 9));
    b.exec(held_run(b, w2, old, {}, {}));
    b.complete(w2, fn::CqeStatus::Success);
    CHECK(b.o.counters().pages_shared == 2);
    CHECK(b.run_op(b.read(kUba + 4094, 2)) == std::vector<Byte>{0x07, 0x08}); // bytes(4096, 9)
    CHECK(b.o.ok());
    Bench c; // a held "before" that is not what the page held
    const SharedBytes old_c = first(c);
    const OpPosted wc = c.write(kUba, bytes(4096, 9));
    c.exec(held_run(c, wc, old_c, std::size_t{100}, {}));
    CHECK(c.only(OracleCheck::W2));
    CHECK(c.o.violations().front().message.find("before") != std::string::npos);
    Bench d; // a held "after" that is not the op's data (nor is its share)
    const SharedBytes old_d = first(d);
    const OpPosted wd = d.write(kUba, bytes(4096, 9));
    d.exec(held_run(d, wd, old_d, {}, std::size_t{4000}));
    CHECK(d.only(OracleCheck::W2));
    CHECK(d.o.violations().front().message.find("after") != std::string::npos);
  }
  SECTION("shared bytes that are not the data are not kept, and the write is still judged") {
    Bench b;
    const OpPosted w = b.write(kUba, pattern(n));
    Executed e = shared_run(b, w, b.send(w));
    auto wrong = std::make_shared<std::vector<Byte>>(e.after);
    (*wrong)[5000] ^= 0x01;
    e.after_share = SharedBytes{wrong, 0, wrong->size()};
    b.exec(e);
    b.complete(w, fn::CqeStatus::Success);
    CHECK(b.o.counters().pages_shared == 0);
    CHECK(b.run_op(b.read(kUba + 4990, 20)) ==
          std::vector<Byte>(pat.begin() + 4990, pat.begin() + 5010));
    CHECK(b.o.ok());
  }
}

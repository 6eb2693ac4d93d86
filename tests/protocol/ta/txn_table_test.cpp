// Table-driven tests of the transaction engines (TaInitiator, TaTarget, TaEndpoint) over every
// transport, each case checked by the reference oracle (protocol/ta/oracle.hpp) besides its own
// assertions. UB-Base-2.0 §7.2 (headers), §7.3 (reliability, order, modes), §7.4 (per opcode),
// §9.4 (UMMU), §11.4 (tokens); the readings of transaction-design §1-§5 and §13.1.
//
// The rows run over the ideal transport and the UB transports built by their mesh factories (RTP
// with several channels, CTP, TP bypass, UTP), on the NodeNet loop of txn_net.hpp: RTP under
// packet drops and heavy reordering (its TP restores order and retransmits), CTP and bypass under
// link-retry losses (the data link keeps each link's order) and per-packet reordering, UTP under
// drops (UNO has no reliability).

#include <algorithm>
#include <array>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <tuple>
#include <variant>

#include <catch2/catch.hpp>

#include "protocol/ta/oracle.hpp"
#include "protocol/ta/transport_bypass.hpp"
#include "protocol/ta/transport_ctp.hpp"
#include "protocol/ta/transport_rtp.hpp"
#include "protocol/ta/transport_utp.hpp"
#include "tests/protocol/ta/txn_net.hpp"

namespace Catch {
template <>
struct StringMaker<ub::fn::CqeStatus> {
  static std::string convert(ub::fn::CqeStatus s) { return std::string(ub::fn::to_string(s)); }
};
template <>
struct StringMaker<ub::ta::PostError> {
  static std::string convert(ub::ta::PostError e) { return std::string(ub::ta::to_string(e)); }
};
} // namespace Catch

namespace ub::ta {
namespace {

using fn::CqeStatus;
using test::kJetty;
using test::kJettyToken;
using test::kNotifyToken;
using test::kNotifyUba;
using test::kSegToken;
using test::kSegUba;
using test::kTokenValue;

constexpr std::uint32_t kQueue = 1;
constexpr std::uint32_t kScid = 5;
constexpr std::uint64_t kSegPa = 0x100000;    // test::set_up_target maps the data segment here
constexpr std::uint64_t kNotifyPa = 0x900000; // and the notify segment here
// A segment whose MAPT entry does not check tokens (read only): what Prefetch_tgt, which carries
// no TVETAH (Table 7-2), may reach.
constexpr std::uint32_t kOpenToken = 5;
constexpr std::uint64_t kOpenUba = 0xE00000;

void add_open_segment(TaTarget& t) {
  auto& u = t.ummu();
  REQUIRE(u.add_token_context(1, kOpenToken));
  REQUIRE(u.map(1, kOpenToken, kOpenUba, 65536, 0xE00000));
  PermissionEntry e;
  e.base = kOpenUba;
  e.limit = kOpenUba + 65535;
  e.perm = mapt_perm::kRead;
  e.token_check = false;
  REQUIRE(u.add_permission(1, kOpenToken, e));
}

TxnOp prefetch_op(OpId id, std::uint64_t off, std::uint32_t len) {
  TxnOp op;
  op.id = id;
  op.opcode = static_cast<std::uint8_t>(TaOpcode::PrefetchTgt);
  op.target = 1;
  op.token_id = kOpenToken;
  op.uba = kOpenUba + off;
  op.length = len;
  return op;
}

// ---------------------------------------------------------------------------------------------
// Ops

std::vector<Byte> pattern(std::size_t n, std::uint8_t seed) {
  std::vector<Byte> v(n);
  for (std::size_t i = 0; i < n; ++i) {
    v[i] = static_cast<Byte>(seed + i * 7 + i / 251);
  }
  return v;
}

std::vector<Byte> le_bytes(std::uint64_t v, std::size_t n = 8) {
  std::vector<Byte> b(n, Byte{0});
  for (std::size_t i = 0; i < n && i < 8; ++i) {
    b[i] = static_cast<Byte>(v >> (8 * i));
  }
  return b;
}

std::uint64_t le(const std::vector<Byte>& b) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < b.size() && i < 8; ++i) {
    v |= std::uint64_t{b[i]} << (8 * i);
  }
  return v;
}

TxnOp mem_op(OpId id, TaOpcode code, std::uint64_t off, std::uint32_t len,
             ExecOrder o = ExecOrder::No) {
  TxnOp op;
  op.id = id;
  op.opcode = static_cast<std::uint8_t>(code);
  op.order = o;
  op.target = 1;
  op.token_id = kSegToken;
  op.uba = kSegUba + off;
  op.length = len;
  op.token_value = kTokenValue;
  return op;
}

TxnOp write_op(OpId id, std::uint64_t off, std::vector<Byte> data, ExecOrder o = ExecOrder::No,
               TaOpcode code = TaOpcode::Write) {
  TxnOp op = mem_op(id, code, off, static_cast<std::uint32_t>(data.size()), o);
  op.data = std::move(data);
  return op;
}

TxnOp read_op(OpId id, std::uint64_t off, std::uint32_t len, ExecOrder o = ExecOrder::No) {
  return mem_op(id, TaOpcode::Read, off, len, o);
}

// An atomic of n bytes: Operand1 | Operand2, each n bytes little-endian (§7.2.13).
TxnOp atomic_op(OpId id, TaOpcode code, std::uint64_t off, std::vector<Byte> op1,
                std::vector<Byte> op2, std::optional<std::uint8_t> subop = std::nullopt) {
  TxnOp op = mem_op(id, code, off, static_cast<std::uint32_t>(op1.size()));
  op.data = std::move(op1);
  op.data.insert(op.data.end(), op2.begin(), op2.end());
  op.subop = subop;
  return op;
}

TxnOp send_op(OpId id, std::vector<Byte> data, TaOpcode code = TaOpcode::Send) {
  TxnOp op;
  op.id = id;
  op.opcode = static_cast<std::uint8_t>(code);
  op.target = 1;
  op.target_jetty = kJetty;
  op.token_value = kJettyToken;
  op.length = static_cast<std::uint32_t>(data.size());
  op.data = std::move(data);
  return op;
}

// True for the first request from device 0 with TAOpcode `op` (then sets `seen`). The ideal
// transport's bytes: an 8-byte frame, then the TA bytes, TAOpcode first.
bool first_request(const NetPacket& p, TaOpcode op, bool& seen) {
  if (seen || p.src != 0 || p.bytes.size() <= 8 || p.bytes[8] != static_cast<Byte>(op)) {
    return false;
  }
  seen = true;
  return true;
}

// ---------------------------------------------------------------------------------------------
// The recording observer: every event goes on to the oracle; the rows check the order of sends,
// executions and completions by one event counter, and find an op by the wire key it was sent
// with (as the fault hook must: the target knows no op ids).

class Recorder final : public TxnObserver {
public:
  struct Trace {
    std::uint64_t first_sent = 0, completed = 0, first_exec = 0, last_exec = 0, notify_exec = 0;
    Time first_sent_t{0}, completed_t{0};
    unsigned sends = 0, retries = 0, execs = 0;
    std::optional<CqeStatus> status;
  };
  static constexpr OpId kUnknown = ~OpId{0};

  explicit Recorder(Oracle& o) : oracle_(o) {}
  void on_posted(const OpPosted& e) override {
    oracle_.on_posted(e);
    ++n_;
  }
  void on_sent(const SliceSent& e) override {
    oracle_.on_sent(e);
    Trace& r = ops[e.op];
    ++n_;
    key_op[e.key] = e.op;
    if (r.first_sent == 0) {
      r.first_sent = n_;
      r.first_sent_t = e.t;
    }
    ++r.sends;
    r.retries += e.retry ? 1 : 0;
  }
  void on_executed(const Executed& e) override {
    oracle_.on_executed(e);
    ++n_;
    const OpId id = op_of(e.key);
    Trace& r = ops[id];
    if (e.notify) {
      r.notify_exec = n_;
    } else {
      r.first_exec = r.first_exec == 0 ? n_ : r.first_exec;
      r.last_exec = n_;
    }
    ++r.execs;
  }
  void on_completed(const OpCompleted& e) override {
    oracle_.on_completed(e);
    ops[e.op].status = e.status;
  }
  // Completion as the user sees it: when it leaves the queue (comp_order may hold it).
  void on_reported(const OpReported& e) override {
    oracle_.on_reported(e);
    ++n_;
    ops[e.op].completed = n_;
    ops[e.op].completed_t = e.t;
  }
  void on_received(const ReceiveCompleted& e) override {
    oracle_.on_received(e);
    ++n_;
    received.push_back(e);
    received_ops.push_back(op_of(e.key));
  }
  [[nodiscard]] OpId op_of(const WireKey& k) const {
    auto it = key_op.find(k);
    return it == key_op.end() ? kUnknown : it->second;
  }
  [[nodiscard]] const Trace& at(OpId id) const {
    static const Trace none{};
    auto it = ops.find(id);
    return it == ops.end() ? none : it->second;
  }

  std::map<OpId, Trace> ops;
  std::map<WireKey, OpId> key_op;
  std::vector<ReceiveCompleted> received; // successful target CQEs, in the order written
  std::vector<OpId> received_ops;

private:
  Oracle& oracle_;
  std::uint64_t n_ = 0;
};

// ---------------------------------------------------------------------------------------------
// The test bed: device 0 initiates on queue 1, device 1 is the target (test::set_up_target).

enum class Via : std::uint8_t { Ideal, IdealTaid, Rtp, RtpTaid, Ctp, CtpTaid, Bypass, Utp };

std::string_view name(Via v) {
  switch (v) {
  case Via::Ideal:
    return "ideal";
  case Via::IdealTaid:
    return "ideal (Taid form)";
  case Via::Rtp:
    return "rtp";
  case Via::RtpTaid:
    return "rtp (Taid form)";
  case Via::Ctp:
    return "ctp";
  case Via::CtpTaid:
    return "ctp (CNA24, Taid form)";
  case Via::Bypass:
    return "bypass";
  case Via::Utp:
    return "utp";
  }
  return "?";
}

bool multi_packet(Via v) {
  return v == Via::Ideal || v == Via::IdealTaid || v == Via::Rtp || v == Via::RtpTaid;
}

// Device 1's transport behind a filter on the TA verdicts it puts in TP ACKs (RTP): a test can
// turn a verdict into one the model's target never gives, such as the abnormal TP-ACK statuses
// 101/00000 and 101/00001 (Table 6-2).
class VerdictRewrite final : public test::ForwardingTransport {
public:
  explicit VerdictRewrite(std::unique_ptr<TaTransport> inner)
      : ForwardingTransport(std::move(inner)) {}
  std::function<tp::TaVerdict(const tp::TaVerdict&)> rewrite;
  std::uint64_t rewritten = 0;

  Status verdict(std::uint64_t handle, const tp::TaVerdict& v, Time now) override {
    tp::TaVerdict out = rewrite ? rewrite(v) : v;
    rewritten += out.kind != v.kind ? 1 : 0;
    return ForwardingTransport::verdict(handle, out, now);
  }
};

struct BedConfig {
  Via via = Via::Ideal;
  TaMode mode = TaMode::Roi;
  std::uint32_t mtu = 4096;
  std::size_t channels = 1; // RTP: TP Channel Group members
  tp::TaStatusMode ta_status = tp::TaStatusMode::Never;
  // Reordering on the wire: a uniform extra delay up to this (RTP and ideal: every packet; CTP
  // and bypass: packets routed per packet only).
  Time jitter{0};
  double loss = 0.0; // RTP, UTP, ideal: drops; CTP, bypass: link retries
  EndpointConfig ep{};
  ExceptionMode on_error = ExceptionMode::Suspend;
  bool static_sc = false; // ROT: SCID kScid orders queue 1 at the target from TASSN 0
  std::uint32_t rqes = 64;
  std::uint32_t rqe_bytes = 64 * 1024;
  bool lazy = false; // the data segment's pages are allocated at first access (page faults)
  bool rewrite_verdicts = false; // device 1's transport behind a VerdictRewrite
  std::uint64_t seed = 7;
};

std::vector<std::unique_ptr<TaTransport>>
require(Result<std::vector<std::unique_ptr<TaTransport>>> m) {
  INFO((m ? std::string{} : to_string(m.error())));
  REQUIRE(m);
  return std::move(*m);
}

std::vector<std::unique_ptr<TaTransport>> make_transports(const BedConfig& c) {
  switch (c.via) {
  case Via::Ideal:
  case Via::IdealTaid:
    return test::ideal_transports(2, c.via == Via::Ideal ? TaWire::Cna16 : TaWire::Taid, c.mtu);
  case Via::Rtp:
  case Via::RtpTaid: {
    RtpTransportConfig r;
    r.channels = c.channels;
    r.channel.mtu = c.mtu;
    r.channel.retx = tp::RetxAlgo::SelectiveFast;
    r.channel.ta_status = c.ta_status;
    r.wire = c.via == Via::Rtp ? TaWire::Cna16 : TaWire::Taid;
    Rng rng(c.seed, 3);
    return require(make_rtp_mesh(2, r, rng));
  }
  case Via::Ctp:
  case Via::CtpTaid: {
    CtpTransportConfig x;
    x.ctp.mtu = c.mtu;
    x.ctp.congestion_control = false;
    x.ctp.nth = c.via == Via::Ctp ? tp::CtpNth::Cna16 : tp::CtpNth::Cna24;
    return require(make_ctp_mesh(2, x));
  }
  case Via::Bypass: {
    BypassTransportConfig b;
    b.max_payload = c.mtu;
    return require(make_bypass_mesh(2, b));
  }
  case Via::Utp: {
    UtpTransportConfig u;
    u.utp.mtu = c.mtu;
    return require(make_utp_mesh(2, u));
  }
  }
  return {};
}

test::NetConfig net_config(const BedConfig& c) {
  test::NetConfig n;
  n.jitter = c.jitter;
  n.loss = c.loss;
  n.seed = c.seed;
  if (c.via == Via::Ctp || c.via == Via::CtpTaid || c.via == Via::Bypass) {
    n.loss_mode = test::NetLoss::LinkRetry; // CTP and bypass rely on the link's retry (X30)
    n.jitter_per_packet_only = true;        // ROL's per-flow routing keeps its order
  }
  return n;
}

class Bed {
public:
  explicit Bed(const BedConfig& c)
      : cfg_(c), rec_(oracle_), net_(wrap(make_transports(c)), c.ep, net_config(c), &rec_) {
    QueueConfig q;
    q.mode = c.mode;
    q.on_error = c.on_error;
    if (c.static_sc) {
      q.static_sc[1] = kScid;
    }
    REQUIRE(ini().add_queue(kQueue, q));
    test::set_up_target(tgt(), 1, c.rqes, c.rqe_bytes, c.lazy);
    if (c.static_sc) {
      REQUIRE(tgt().add_static_sc(kScid, 0, kQueue));
    }
  }

  VerdictRewrite* rewriter() { return rewriter_; }

  [[nodiscard]] std::string label() const {
    return std::string(name(cfg_.via)) + " " + std::string(tp::to_string(cfg_.mode)) +
           (cfg_.static_sc ? " static SC" : "") + " " + std::to_string(cfg_.channels) + " ch";
  }
  TaInitiator& ini() { return net_.ep(0).initiator(); }
  TaTarget& tgt() { return net_.ep(1).target(); }
  TaEndpoint& dev(std::size_t i) { return net_.ep(i); }
  test::TxnNet& net() { return net_; }
  Recorder& rec() { return rec_; }
  Oracle& oracle() { return oracle_; }
  const BedConfig& cfg() const { return cfg_; }

  Expected<void, PostError> try_post(const TxnOp& op) { return net_.ep(0).post(kQueue, op, now()); }
  void post(const TxnOp& op) {
    auto r = try_post(op);
    INFO(label() << ": op " << op.id << " refused: " << (r ? "" : to_string(r.error())));
    REQUIRE(r);
  }
  [[nodiscard]] Time now() const { return net_.now(); }

  // Runs until quiet; the completions found are kept by op id (and in arrival order).
  void run(Time limit = Time{10'000'000'000'000}) {
    INFO(label());
    REQUIRE(net_.run(limit));
    collect();
  }
  // Runs to `limit` at most (something may stay pending).
  void run_until(Time limit) {
    (void)net_.run(limit);
    collect();
  }
  void collect() {
    while (auto c = net_.ep(0).poll_completion()) {
      order.push_back(c->id);
      done[c->id] = std::move(*c);
    }
  }
  [[nodiscard]] const Completion& completion(OpId id) const {
    static const Completion none = [] {
      Completion c;
      c.id = ~OpId{0};
      return c;
    }();
    auto it = done.find(id);
    return it == done.end() ? none : it->second;
  }
  [[nodiscard]] CqeStatus status(OpId id) const {
    auto it = done.find(id);
    return it == done.end() ? CqeStatus::Flushed : it->second.status;
  }
  [[nodiscard]] bool completed(OpId id) const { return done.count(id) != 0; }
  [[nodiscard]] std::vector<Byte> mem(std::uint64_t off, std::size_t n) {
    return tgt().memory().read(kSegPa + off, n);
  }

  // Every case ends here: the oracle judges the whole run.
  void check_oracle() {
    oracle_.finish(now());
    INFO(label() << "\n" << oracle_.summary());
    CHECK(oracle_.ok());
    CHECK(oracle_.counters().ops_checked == oracle_.counters().ops_posted);
  }

  std::map<OpId, Completion> done;
  std::vector<OpId> order; // completion order

private:
  std::vector<std::unique_ptr<TaTransport>> wrap(std::vector<std::unique_ptr<TaTransport>> v) {
    if (cfg_.rewrite_verdicts) {
      auto w = std::make_unique<VerdictRewrite>(std::move(v.at(1)));
      rewriter_ = w.get();
      v[1] = std::move(w);
    }
    return v;
  }

  BedConfig cfg_;
  VerdictRewrite* rewriter_ = nullptr;
  Oracle oracle_;
  Recorder rec_;
  test::TxnNet net_;
};

// Slices and packets a write or read of `len` takes (§7.3.1.1): RTP / ideal cut by the slice
// size, each slice one TP message of MTU-sized packets; CTP / bypass one packet per slice.
std::pair<std::uint64_t, std::uint64_t> slices_packets(Via via, std::uint32_t len,
                                                       std::uint32_t slice, std::uint32_t mtu) {
  const std::uint32_t piece = multi_packet(via) ? slice : mtu;
  std::uint64_t slices = 0;
  std::uint64_t packets = 0;
  for (std::uint64_t at = 0; at < len; at += piece) {
    const std::uint64_t n = std::min<std::uint64_t>(piece, len - at);
    ++slices;
    packets += (n + mtu - 1) / mtu;
  }
  return {std::max<std::uint64_t>(slices, 1), std::max<std::uint64_t>(packets, 1)};
}

// ---------------------------------------------------------------------------------------------
// Write and Read

TEST_CASE(
    "TA table: writes are sliced and packeted, land whole and read back, per transport x mode",
    "[ta][table][spec:§7.4.2.1]") {
  struct Row {
    Via via;
    TaMode mode;
    std::uint32_t mtu;
    std::uint32_t len;
    std::size_t channels = 1;
    bool static_sc = false;
    tp::TaStatusMode status = tp::TaStatusMode::Never;
    Time jitter{0};
    double loss = 0.0;
  };
  const auto rows = std::to_array<Row>({
      {.via = Via::Ideal, .mode = TaMode::Roi, .mtu = 4096, .len = 100'000},
      {.via = Via::Ideal,
       .mode = TaMode::Rot,
       .mtu = 4096,
       .len = 100'000,
       .jitter = Time{300'000}},
      {.via = Via::Rtp,
       .mode = TaMode::Roi,
       .mtu = 4096,
       .len = 100'000,
       .channels = 4,
       .jitter = Time{1'000'000},
       .loss = 0.02},
      {.via = Via::Rtp,
       .mode = TaMode::Rot,
       .mtu = 1024,
       .len = 70'000,
       .channels = 4,
       .static_sc = true,
       .jitter = Time{1'000'000},
       .loss = 0.02},
      {.via = Via::Rtp,
       .mode = TaMode::Rol,
       .mtu = 4096,
       .len = 100'000,
       .channels = 4,
       .status = tp::TaStatusMode::RolRequests,
       .jitter = Time{1'000'000},
       .loss = 0.02},
      {.via = Via::Ctp,
       .mode = TaMode::Roi,
       .mtu = 1024,
       .len = 20'000,
       .jitter = Time{500'000},
       .loss = 0.05},
      {.via = Via::Ctp,
       .mode = TaMode::Rot,
       .mtu = 4096,
       .len = 20'000,
       .jitter = Time{500'000},
       .loss = 0.05},
      {.via = Via::Ctp,
       .mode = TaMode::Rol,
       .mtu = 1024,
       .len = 20'000,
       .jitter = Time{500'000},
       .loss = 0.05},
      {.via = Via::Bypass, .mode = TaMode::Rol, .mtu = 4096, .len = 8192, .loss = 0.05},
      {.via = Via::Bypass,
       .mode = TaMode::Roi,
       .mtu = 1024,
       .len = 8192,
       .jitter = Time{500'000},
       .loss = 0.05},
  });
  for (const Row& row : rows) {
    BedConfig bc;
    bc.via = row.via;
    bc.mode = row.mode;
    bc.mtu = row.mtu;
    bc.channels = row.channels;
    bc.static_sc = row.static_sc;
    bc.ta_status = row.status;
    bc.jitter = row.jitter;
    bc.loss = row.loss;
    bc.ep.initiator.slice_bytes = 16 * 1024;
    Bed b(bc);
    INFO(b.label());
    const auto data = pattern(row.len, 3);
    b.post(write_op(1, 4096, data, ExecOrder::Ro));
    b.run();
    const auto [slices, packets] = slices_packets(row.via, row.len, 16 * 1024, row.mtu);
    CHECK(b.status(1) == CqeStatus::Success);
    CHECK(b.ini().counters().slices_sent == slices);
    CHECK(b.tgt().counters().executed_slices == slices);
    CHECK(b.tgt().counters().executed_packets == packets);
    CHECK(b.rec().at(1).execs == packets);
    CHECK(b.mem(4096, row.len) == data);
    CHECK(b.mem(4096 + row.len, 64) == std::vector<Byte>(64, Byte{0})); // nothing past the end
    // An SO read of the same range (the write is done: it must see it), then a small one.
    b.post(read_op(2, 4096, row.len, ExecOrder::So));
    if (row.via != Via::Bypass) {
      b.post(read_op(3, 4096 + 1000, 100));
    }
    b.run();
    CHECK(b.status(2) == CqeStatus::Success);
    CHECK(b.completion(2).data == data);
    if (row.via != Via::Bypass) {
      CHECK(b.completion(3).data == std::vector<Byte>(data.begin() + 1000, data.begin() + 1100));
    }
    b.check_oracle();
  }
}

TEST_CASE("TA table: sliced reads are placed by offset, the Taid form by the echoed OFSTETAH",
          "[ta][table][spec:§7.4.2.2][spec:§7.2.7]") {
  struct Row {
    Via via;
    TaMode mode;
    std::uint32_t mtu;
    std::uint32_t len;
    std::size_t channels = 1;
    Time jitter{0};
  };
  const auto rows = std::to_array<Row>({
      {.via = Via::Ideal, .mode = TaMode::Roi, .mtu = 1024, .len = 50'000},
      {.via = Via::IdealTaid,
       .mode = TaMode::Roi,
       .mtu = 1024,
       .len = 50'000,
       .jitter = Time{400'000}},
      {.via = Via::RtpTaid,
       .mode = TaMode::Roi,
       .mtu = 1024,
       .len = 50'000,
       .channels = 4,
       .jitter = Time{1'000'000}},
      {.via = Via::RtpTaid, .mode = TaMode::Rol, .mtu = 2048, .len = 50'000, .channels = 2},
      {.via = Via::CtpTaid,
       .mode = TaMode::Roi,
       .mtu = 1024,
       .len = 10'000,
       .jitter = Time{500'000}},
      {.via = Via::Bypass, .mode = TaMode::Roi, .mtu = 1024, .len = 4096, .jitter = Time{500'000}},
  });
  for (const Row& row : rows) {
    BedConfig bc;
    bc.via = row.via;
    bc.mode = row.mode;
    bc.mtu = row.mtu;
    bc.channels = row.channels;
    bc.jitter = row.jitter;
    bc.ep.initiator.slice_bytes = 4096;
    Bed b(bc);
    INFO(b.label());
    // What the Read responses carry (the ideal transport's bytes are an 8-byte frame then TA).
    std::multiset<std::uint32_t> offsets_kb;
    std::set<std::uint16_t> taids;
    std::uint64_t responses = 0, without_ofst = 0;
    const TaWire wire = row.via == Via::Ideal ? TaWire::Cna16 : TaWire::Taid;
    if (row.via == Via::Ideal || row.via == Via::IdealTaid) {
      b.net().filter = [&](const NetPacket& p) {
        if (p.src == 1 && p.bytes.size() > 8 &&
            p.bytes[8] == static_cast<Byte>(TaOpcode::ReadResponse)) {
          auto d = decode_ta(std::span<const Byte>(p.bytes).subspan(8), wire);
          REQUIRE(d);
          ++responses;
          if (d->ofst) {
            offsets_kb.insert(d->ofst->offset);
          } else {
            ++without_ofst;
          }
          if (d->taid) {
            taids.insert(d->taid->taid);
          }
        }
        return true;
      };
    }
    const auto data = pattern(row.len, 9);
    b.post(write_op(1, 0, data));
    b.run();
    REQUIRE(b.status(1) == CqeStatus::Success);
    b.post(read_op(2, 0, row.len));
    b.run();
    CHECK(b.status(2) == CqeStatus::Success);
    CHECK(b.completion(2).data == data);
    const auto [slices, packets] = slices_packets(row.via, row.len, 4096, row.mtu);
    CHECK(b.tgt().counters().read_responses == slices);
    if (row.via == Via::Ideal) {
      // CFG 6: no TAIDETAH / OFSTETAH; the initiator places each slice by its own record.
      CHECK(responses == packets);
      CHECK(without_ofst == packets);
      CHECK(taids.empty());
    } else if (row.via == Via::IdealTaid) {
      // CFG 3/4/7: every response packet echoes TAID (the op's index in its queue, MODEL) and
      // carries its own offset: the slice's offset plus k x MTU / 1024 (NTT-A8).
      std::multiset<std::uint32_t> want;
      for (std::uint32_t at = 0; at < row.len; at += row.mtu) {
        want.insert(at / 1024);
      }
      CHECK(responses == packets);
      CHECK(without_ofst == 0);
      CHECK(offsets_kb == want);
      CHECK(taids == std::set<std::uint16_t>{1});
    }
    b.check_oracle();
  }
}

// ---------------------------------------------------------------------------------------------
// Messages

TEST_CASE("TA table: Send and Send_with_immediate, multi-packet, zero length consuming an RQE",
          "[ta][table][spec:§7.4.3]") {
  struct Row {
    Via via;
    TaMode mode;
    std::uint32_t big; // a Send this long (several packets over RTP)
    std::size_t channels = 1;
    bool static_sc = false;
    tp::TaStatusMode status = tp::TaStatusMode::Never;
    Time jitter{0};
    double loss = 0.0;
  };
  const auto rows = std::to_array<Row>({
      {.via = Via::Ideal, .mode = TaMode::Roi, .big = 9000},
      {.via = Via::Rtp,
       .mode = TaMode::Roi,
       .big = 9000,
       .channels = 4,
       .jitter = Time{1'000'000},
       .loss = 0.02},
      {.via = Via::Rtp,
       .mode = TaMode::Rot,
       .big = 9000,
       .channels = 4,
       .static_sc = true,
       .jitter = Time{1'000'000}},
      {.via = Via::Rtp,
       .mode = TaMode::Rol,
       .big = 9000,
       .channels = 2,
       .status = tp::TaStatusMode::RolRequests,
       .loss = 0.02},
      {.via = Via::Ctp, .mode = TaMode::Roi, .big = 4000, .jitter = Time{500'000}, .loss = 0.05},
      {.via = Via::Ctp, .mode = TaMode::Rol, .big = 4000, .loss = 0.05},
  });
  for (const Row& row : rows) {
    BedConfig bc;
    bc.via = row.via;
    bc.mode = row.mode;
    bc.channels = row.channels;
    bc.static_sc = row.static_sc;
    bc.ta_status = row.status;
    bc.jitter = row.jitter;
    bc.loss = row.loss;
    Bed b(bc);
    INFO(b.label());
    b.post(send_op(1, pattern(row.big, 1)));
    auto si = send_op(2, pattern(row.big, 2), TaOpcode::SendWithImmediate);
    si.immediate = 0xABCDEF0123ULL;
    b.post(si);
    b.post(send_op(3, {}));
    auto si0 = send_op(4, {}, TaOpcode::SendWithImmediate);
    si0.immediate = 0x77;
    b.post(si0);
    b.run();
    for (OpId id = 1; id <= 4; ++id) {
      CHECK(b.status(id) == CqeStatus::Success);
    }
    // Every Send consumed one receive buffer, zero-length ones too (§7.2.5: the Jetty token is
    // still checked and a target CQE is written).
    CHECK(b.tgt().free_receives(kJetty) == 60);
    std::multiset<std::tuple<OpId, std::uint32_t, std::uint64_t>> got;
    while (auto r = b.tgt().poll_receive()) {
      CHECK(r->status == CqeStatus::Success);
      got.insert({b.rec().op_of(r->key), r->length, r->immediate.value_or(0)});
    }
    CHECK(got == std::multiset<std::tuple<OpId, std::uint32_t, std::uint64_t>>{
                     {1, row.big, 0}, {2, row.big, 0xABCDEF0123ULL}, {3, 0, 0}, {4, 0, 0x77}});
    if (multi_packet(row.via)) {
      // 9000 bytes in 4096-byte packets: 3 packets, one TASSN, one slice (§7.4.3.1).
      CHECK(b.ini().counters().slices_sent == 4);
    }
    b.check_oracle();
  }
}

TEST_CASE("TA table: Send refusals: bad Jetty token, longer than the RQE, RNR until a buffer comes",
          "[ta][table][spec:§7.4.3][spec:§11.4.3]") {
  for (const Via via : {Via::Ideal, Via::Rtp, Via::Ctp}) {
    BedConfig bc;
    bc.via = via;
    bc.rqes = 2;
    bc.rqe_bytes = 1024;
    bc.on_error = ExceptionMode::Continue;
    Bed b(bc);
    INFO(b.label());
    auto bad = send_op(1, pattern(100, 1));
    bad.token_value = kJettyToken + 1;
    bad.expect_denied = true;
    b.post(bad);
    b.run();
    CHECK(b.status(1) == CqeStatus::RemoteAccessAbort);
    CHECK(b.tgt().free_receives(kJetty) == 2); // refused before a buffer is taken
    // X34: longer than the buffer: UR to the initiator, a length error on the consumed RQE.
    b.post(send_op(2, pattern(2000, 2)));
    b.run();
    CHECK(b.status(2) == CqeStatus::RemoteUnsupportedRequest);
    CHECK(b.tgt().free_receives(kJetty) == 1);
    auto r = b.tgt().poll_receive();
    REQUIRE(r);
    CHECK(r->status == CqeStatus::LocalLength);
    // Take the last buffer, then a Send finds none: RNR, retried until the Jetty posts one.
    b.post(send_op(3, pattern(10, 3)));
    b.run();
    CHECK(b.status(3) == CqeStatus::Success);
    CHECK(b.tgt().free_receives(kJetty) == 0);
    b.post(send_op(4, pattern(10, 4)));
    b.run_until(b.now() + Time{5'000'000});
    CHECK_FALSE(b.completed(4));
    CHECK(b.tgt().counters().rnr >= 1);
    REQUIRE(b.tgt().post_receive(kJetty, 1024));
    b.run();
    CHECK(b.status(4) == CqeStatus::Success);
    CHECK(b.rec().at(4).retries >= 1);
    b.check_oracle();
  }
}

TEST_CASE("TA table: Write_with_immediate: the RQE, the immediate and Msg_Length in the target CQE",
          "[ta][table][spec:§7.4.3.3][spec:§7.2.8]") {
  struct Row {
    Via via;
    TaMode mode;
    std::size_t channels = 1;
    bool static_sc = false;
    tp::TaStatusMode status = tp::TaStatusMode::Never;
    Time jitter{0};
    double loss = 0.0;
  };
  const auto rows = std::to_array<Row>({
      {.via = Via::Ideal, .mode = TaMode::Roi},
      {.via = Via::Rtp,
       .mode = TaMode::Roi,
       .channels = 4,
       .jitter = Time{1'000'000},
       .loss = 0.02},
      {.via = Via::Rtp,
       .mode = TaMode::Rot,
       .channels = 4,
       .static_sc = true,
       .jitter = Time{1'000'000}},
      {.via = Via::Rtp,
       .mode = TaMode::Rol,
       .channels = 2,
       .status = tp::TaStatusMode::RolRequests},
      {.via = Via::Ctp, .mode = TaMode::Roi, .jitter = Time{500'000}, .loss = 0.05},
      {.via = Via::Ctp, .mode = TaMode::Rol, .loss = 0.05},
  });
  for (const Row& row : rows) {
    BedConfig bc;
    bc.via = row.via;
    bc.mode = row.mode;
    bc.channels = row.channels;
    bc.static_sc = row.static_sc;
    bc.ta_status = row.status;
    bc.jitter = row.jitter;
    bc.loss = row.loss;
    bc.on_error = ExceptionMode::Continue;
    bc.ep.initiator.slice_bytes = 8192;
    Bed b(bc);
    INFO(b.label());
    const auto data = pattern(20'000, 5);
    auto w = write_op(1, 0, data, ExecOrder::No, TaOpcode::WriteWithImmediate);
    w.target_jetty = kJetty;
    w.immediate = 0x1122334455ULL;
    w.immediate_token_value = kJettyToken;
    b.post(w);
    b.run();
    CHECK(b.status(1) == CqeStatus::Success);
    CHECK(b.mem(0, data.size()) == data);
    // One RQE, for the immediate packet only; its CQE carries the immediate and Msg_Length =
    // the whole write's length (Table 7-10), after every data packet executed (W7).
    CHECK(b.tgt().free_receives(kJetty) == 63);
    REQUIRE(b.rec().received.size() == 1);
    CHECK(b.rec().received[0].opcode == TaOpcode::WriteWithImmediate);
    CHECK(b.rec().received[0].immediate == std::optional<std::uint64_t>{0x1122334455ULL});
    CHECK(b.rec().received[0].length == 20'000);
    if (row.via == Via::Ideal) {
      // ROI: the immediate slice waits for the data slices' answers: one stall.
      CHECK(b.ini().counters().stalls == 1);
    }
    // Zero length: only the immediate, still one RQE (Table 7-2).
    auto z = write_op(2, 0, {}, ExecOrder::No, TaOpcode::WriteWithImmediate);
    z.target_jetty = kJetty;
    z.immediate = 9;
    z.immediate_token_value = kJettyToken;
    b.post(z);
    b.run();
    CHECK(b.status(2) == CqeStatus::Success);
    CHECK(b.tgt().free_receives(kJetty) == 62);
    REQUIRE(b.rec().received.size() == 2);
    CHECK(b.rec().received[1].length == 0);
    // A wrong Immediate_TokenValue: Remote Abort, no access, no RQE.
    auto bad = write_op(3, 64 * 1024, pattern(100, 6), ExecOrder::No, TaOpcode::WriteWithImmediate);
    bad.target_jetty = kJetty;
    bad.immediate_token_value = kJettyToken ^ 1U;
    bad.expect_denied = true;
    b.post(bad);
    b.run();
    CHECK(b.status(3) == CqeStatus::RemoteAccessAbort);
    CHECK(b.mem(64 * 1024, 100) == std::vector<Byte>(100, Byte{0}));
    CHECK(b.tgt().free_receives(kJetty) == 62);
    b.check_oracle();
  }
}

// ---------------------------------------------------------------------------------------------
// Write_with_notify, Write_with_be, Writeback

TEST_CASE("TA table: Write_with_notify writes the notify word after the data, never into its own "
          "segment",
          "[ta][table][spec:§7.4.2.1.2]") {
  struct Row {
    Via via;
    TaMode mode;
    std::uint32_t mtu = 4096;
    std::size_t channels = 1;
    tp::TaStatusMode status = tp::TaStatusMode::Never;
    Time jitter{0};
    double loss = 0.0;
  };
  const auto rows = std::to_array<Row>({
      {.via = Via::Ideal, .mode = TaMode::Roi},
      {.via = Via::Rtp,
       .mode = TaMode::Roi,
       .channels = 4,
       .jitter = Time{1'000'000},
       .loss = 0.02},
      {.via = Via::Rtp, .mode = TaMode::Rot, .channels = 4, .jitter = Time{1'000'000}},
      {.via = Via::Rtp,
       .mode = TaMode::Rol,
       .channels = 4,
       .status = tp::TaStatusMode::RolRequests,
       .jitter = Time{1'000'000}},
      {.via = Via::Ctp, .mode = TaMode::Roi, .mtu = 1024, .jitter = Time{500'000}, .loss = 0.05},
      {.via = Via::Ctp, .mode = TaMode::Rol, .mtu = 1024, .loss = 0.05},
  });
  for (const Row& row : rows) {
    BedConfig bc;
    bc.via = row.via;
    bc.mode = row.mode;
    bc.mtu = row.mtu;
    bc.channels = row.channels;
    bc.ta_status = row.status;
    bc.jitter = row.jitter;
    bc.loss = row.loss;
    bc.on_error = ExceptionMode::Continue;
    bc.ep.initiator.slice_bytes = 8192;
    Bed b(bc);
    INFO(b.label());
    const auto data = pattern(20'000, 2);
    auto w = write_op(1, 0, data, ExecOrder::No, TaOpcode::WriteWithNotify);
    w.notify_uba = kNotifyUba + 8;
    w.notify_token_id = kNotifyToken;
    w.notify_token_value = kTokenValue;
    w.notify_data = 0x1122334455667788ULL;
    b.post(w);
    b.run();
    CHECK(b.status(1) == CqeStatus::Success);
    CHECK(b.mem(0, data.size()) == data);
    CHECK(le(b.tgt().memory().read(kNotifyPa + 8, 8)) == 0x1122334455667788ULL);
    const auto& t = b.rec().at(1);
    CHECK(t.notify_exec > t.last_exec); // the notify write after every data packet (W7)
    // X33: the notify address in the data's own segment: Unsupported Request, nothing written.
    auto own = write_op(2, 128 * 1024, pattern(64, 3), ExecOrder::No, TaOpcode::WriteWithNotify);
    own.notify_uba = kSegUba + 256 * 1024;
    own.notify_token_id = kSegToken;
    own.notify_token_value = kTokenValue;
    own.notify_data = 1;
    b.post(own);
    // A wrong Notify_TokenValue: Remote Abort, and the data is not written either.
    auto bad = write_op(3, 192 * 1024, pattern(64, 4), ExecOrder::No, TaOpcode::WriteWithNotify);
    bad.notify_uba = kNotifyUba + 64;
    bad.notify_token_id = kNotifyToken;
    bad.notify_token_value = kTokenValue + 1;
    bad.notify_data = 2;
    bad.expect_denied = true;
    b.post(bad);
    b.run();
    CHECK(b.status(2) == CqeStatus::RemoteUnsupportedRequest);
    CHECK(b.status(3) == CqeStatus::RemoteAccessAbort);
    CHECK(b.rec().at(2).execs == 0);
    CHECK(b.rec().at(3).execs == 0);
    CHECK(b.mem(128 * 1024, 64) == std::vector<Byte>(64, Byte{0}));
    CHECK(b.mem(256 * 1024, 8) == std::vector<Byte>(8, Byte{0}));
    CHECK(b.mem(192 * 1024, 64) == std::vector<Byte>(64, Byte{0}));
    CHECK(le(b.tgt().memory().read(kNotifyPa + 64, 8)) == 0);
    b.check_oracle();
  }
}

TEST_CASE("TA table: Write_with_be writes the enabled bytes only, widths 64 to 1024",
          "[ta][table][spec:§7.4.2.1.3][spec:§7.2.10]") {
  struct Row {
    Via via;
    TaMode mode;
    Time jitter{0};
  };
  const auto rows = std::to_array<Row>({
      {.via = Via::Ideal, .mode = TaMode::Roi},
      {.via = Via::Rtp, .mode = TaMode::Rot, .jitter = Time{1'000'000}},
      {.via = Via::Ctp, .mode = TaMode::Roi, .jitter = Time{500'000}},
      {.via = Via::Bypass, .mode = TaMode::Rol},
  });
  for (const Row& row : rows) {
    for (const TaOpcode code : {TaOpcode::WriteWithBe, TaOpcode::WritebackWithBe}) {
      BedConfig bc;
      bc.via = row.via;
      bc.mode =
          code == TaOpcode::WritebackWithBe && row.mode == TaMode::Rot ? TaMode::Roi : row.mode;
      bc.jitter = row.jitter;
      Bed b(bc);
      INFO(b.label() << " opcode " << static_cast<int>(code));
      std::vector<std::uint32_t> lengths = {64, 128, 256, 512, 1024};
      if (row.via != Via::Bypass) {
        lengths.push_back(100); // BE width 128, the bytes past 100 are not in the payload
      }
      // Fill every target range with 0xEE first, then write with every third byte enabled.
      OpId id = 1;
      for (std::size_t k = 0; k < lengths.size(); ++k) {
        b.post(write_op(id++, k * 2048, std::vector<Byte>(lengths[k], Byte{0xEE})));
      }
      b.run();
      for (std::size_t k = 0; k < lengths.size(); ++k) {
        const std::uint32_t n = lengths[k];
        auto w =
            write_op(id++, k * 2048, pattern(n, static_cast<std::uint8_t>(k)), ExecOrder::No, code);
        Beetah be;
        be.width_bits = static_cast<std::uint16_t>(be_width_for_length(n));
        for (std::size_t i = 0; i < n; i += 3) {
          REQUIRE(be.set_enabled(i));
        }
        w.be = be;
        b.post(w);
      }
      b.run();
      for (OpId i = 1; i < id; ++i) {
        CHECK(b.status(i) == CqeStatus::Success);
      }
      for (std::size_t k = 0; k < lengths.size(); ++k) {
        const std::uint32_t n = lengths[k];
        const auto data = pattern(n, static_cast<std::uint8_t>(k));
        const auto got = b.mem(k * 2048, n);
        for (std::size_t i = 0; i < n; ++i) {
          INFO("length " << n << " byte " << i);
          CHECK(got[i] == (i % 3 == 0 ? data[i] : Byte{0xEE}));
        }
      }
      b.check_oracle();
    }
  }
}

TEST_CASE("TA table: Writeback and Writeback_with_be in ROI and ROL, refused in ROT",
          "[ta][table][spec:§7.4.2.1.4]") {
  for (const Via via : {Via::Ideal, Via::Rtp, Via::Ctp}) {
    for (const TaMode mode : {TaMode::Roi, TaMode::Rol, TaMode::Rot}) {
      BedConfig bc;
      bc.via = via;
      bc.mode = mode;
      Bed b(bc);
      INFO(b.label());
      auto wb = write_op(1, 0, pattern(3000, 1), ExecOrder::So, TaOpcode::Writeback);
      auto wbe = write_op(2, 4096, pattern(64, 2), ExecOrder::So, TaOpcode::WritebackWithBe);
      Beetah be;
      REQUIRE(be.set_enabled(5));
      wbe.be = be;
      if (mode == TaMode::Rot) {
        CHECK(b.try_post(wb).error() == PostError::ModeNotAllowed);
        CHECK(b.try_post(wbe).error() == PostError::ModeNotAllowed);
        b.check_oracle();
        continue;
      }
      b.post(wb);
      b.post(wbe);
      b.run();
      CHECK(b.status(1) == CqeStatus::Success);
      CHECK(b.status(2) == CqeStatus::Success);
      CHECK(b.mem(0, 3000) == pattern(3000, 1));
      auto got = b.mem(4096, 64);
      CHECK(got[5] == pattern(64, 2)[5]);
      got[5] = Byte{0};
      CHECK(got == std::vector<Byte>(64, Byte{0}));
      // Writeback is not sliced: over a one-packet transport it must fit the MTU.
      if (!multi_packet(via)) {
        CHECK(b.try_post(write_op(3, 0, pattern(5000, 1), ExecOrder::No, TaOpcode::Writeback))
                  .error() == PostError::LocalLength);
      }
      b.check_oracle();
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Atomics

// The model's reference for 8-byte operands (Table 7-16), written independently of the ALU.
std::uint64_t subop_result(std::uint8_t f, std::uint64_t m, std::uint64_t x) {
  const auto sm = static_cast<std::int64_t>(m);
  const auto sx = static_cast<std::int64_t>(x);
  switch (f) {
  case 0:
    return m + x; // ADD
  case 1:
    return m & ~x; // CLR
  case 2:
    return m ^ x; // EOR
  case 3:
    return m | x; // SET
  case 4:
    return sx > sm ? x : m; // SMAX
  case 5:
    return sx < sm ? x : m; // SMIN
  case 6:
    return x > m ? x : m; // UMAX
  default:
    return x < m ? x : m; // UMIN
  }
}

TEST_CASE("TA table: every atomic returns the old value and leaves the right new one",
          "[ta][table][spec:§7.4.2.3]") {
  struct Row {
    Via via;
    TaMode mode;
    bool static_sc = false;
    std::size_t channels = 1;
    Time jitter{0};
    double loss = 0.0;
  };
  const auto rows = std::to_array<Row>({
      {.via = Via::Ideal, .mode = TaMode::Roi},
      {.via = Via::IdealTaid, .mode = TaMode::Rot},
      {.via = Via::Rtp,
       .mode = TaMode::Roi,
       .channels = 4,
       .jitter = Time{1'000'000},
       .loss = 0.02},
      {.via = Via::RtpTaid,
       .mode = TaMode::Rot,
       .static_sc = true,
       .channels = 4,
       .jitter = Time{1'000'000}},
      {.via = Via::Ctp, .mode = TaMode::Rol, .loss = 0.05},
  });
  constexpr std::uint64_t m0 = 0x1234'5678'9ABC'DEF0ULL; // positive as a signed value
  constexpr std::uint64_t x = 0xFFFF'0000'0000'00F1ULL;  // negative as a signed value
  struct Want {
    OpId id;
    std::uint64_t off;
    std::optional<std::uint64_t> returned; // none: Atomic_store
    std::uint64_t after;
  };
  for (const Row& row : rows) {
    BedConfig bc;
    bc.via = row.via;
    bc.mode = row.mode;
    bc.static_sc = row.static_sc;
    bc.channels = row.channels;
    bc.jitter = row.jitter;
    bc.loss = row.loss;
    Bed b(bc);
    INFO(b.label());
    // 32 words at 64-byte spacing start as m0.
    for (std::uint64_t k = 0; k < 32; ++k) {
      b.post(write_op(100 + k, k * 64, le_bytes(m0)));
    }
    b.run();
    std::vector<Want> want;
    OpId id = 1;
    std::uint64_t word = 0;
    auto post_atomic = [&](TaOpcode code, std::uint64_t op1, std::uint64_t op2,
                           std::optional<std::uint8_t> sub, std::optional<std::uint64_t> ret,
                           std::uint64_t after) {
      const std::uint64_t off = word++ * 64;
      b.post(atomic_op(id, code, off, le_bytes(op1), le_bytes(op2), sub));
      want.push_back({id++, off, ret, after});
    };
    post_atomic(TaOpcode::AtomicFetchAdd, x, 0, {}, m0, m0 + x);
    post_atomic(TaOpcode::AtomicFetchSub, x, 0, {}, m0, m0 - x);
    post_atomic(TaOpcode::AtomicFetchAnd, x, 0, {}, m0, m0 & x);
    post_atomic(TaOpcode::AtomicFetchOr, x, 0, {}, m0, m0 | x);
    post_atomic(TaOpcode::AtomicFetchXor, x, 0, {}, m0, m0 ^ x);
    post_atomic(TaOpcode::AtomicSwap, x, 0, {}, m0, x);
    post_atomic(TaOpcode::AtomicCompareSwap, x, m0, {}, m0, x);      // compare hits
    post_atomic(TaOpcode::AtomicCompareSwap, x, m0 + 1, {}, m0, m0); // compare misses
    for (std::uint8_t f = 0; f < 8; ++f) {
      post_atomic(TaOpcode::AtomicStore, x, 0, f, std::nullopt, subop_result(f, m0, x));
      post_atomic(TaOpcode::AtomicLoad, x, 0, f, m0, subop_result(f, m0, x));
    }
    b.run();
    for (const Want& w : want) {
      INFO("op " << w.id);
      CHECK(b.status(w.id) == CqeStatus::Success);
      if (w.returned) {
        CHECK(b.completion(w.id).data == le_bytes(*w.returned));
      } else {
        CHECK(b.completion(w.id).data.empty()); // Atomic_store returns nothing
      }
      CHECK(le(b.mem(w.off, 8)) == w.after);
      CHECK(b.rec().at(w.id).execs == 1); // exactly once
    }
    CHECK(b.tgt().counters().atomic_responses == want.size());
    // Other sizes: a 4-byte add wraps at 2^32; a 16-byte add carries across its 8-byte halves; a
    // 1-byte SMIN reads two's complement of 8 bits.
    b.post(write_op(200, 4096, std::vector<Byte>(32, Byte{0xFF})));
    b.run();
    b.post(atomic_op(201, TaOpcode::AtomicFetchAdd, 4096, le_bytes(2, 4), le_bytes(0, 4)));
    b.post(atomic_op(202, TaOpcode::AtomicFetchAdd, 4096 + 16, le_bytes(1, 16), le_bytes(0, 16)));
    b.post(
        atomic_op(203, TaOpcode::AtomicLoad, 4096 + 8, {Byte{0x05}}, {Byte{0}}, std::uint8_t{5}));
    b.run();
    CHECK(b.completion(201).data == std::vector<Byte>(4, Byte{0xFF}));
    CHECK(b.mem(4096, 4) == le_bytes(1, 4));
    CHECK(b.completion(202).data == std::vector<Byte>(16, Byte{0xFF}));
    CHECK(b.mem(4096 + 16, 16) == std::vector<Byte>(16, Byte{0}));
    CHECK(b.completion(203).data == std::vector<Byte>{Byte{0xFF}});
    CHECK(b.mem(4096 + 8, 1) == std::vector<Byte>{Byte{0xFF}}); // SMIN(-1, 5) = -1
    // Refused at post: misaligned, Atomic_store without its sub-op, a reserved sub-op.
    CHECK(
        b.try_post(atomic_op(300, TaOpcode::AtomicFetchAdd, 4, le_bytes(1), le_bytes(0))).error() ==
        PostError::LocalLength);
    CHECK(b.try_post(atomic_op(301, TaOpcode::AtomicStore, 0, le_bytes(1), le_bytes(0))).error() ==
          PostError::UnsupportedOpcode);
    CHECK(b.try_post(
               atomic_op(302, TaOpcode::AtomicLoad, 0, le_bytes(1), le_bytes(0), std::uint8_t{8}))
              .error() == PostError::UnsupportedOpcode);
    b.check_oracle();
  }
}

TEST_CASE("TA table: 64-byte atomics over bypass add across the whole operand",
          "[ta][table][spec:§7.4.2.3]") {
  BedConfig bc;
  bc.via = Via::Bypass;
  bc.mode = TaMode::Rol;
  Bed b(bc);
  b.post(write_op(1, 0, std::vector<Byte>(64, Byte{0xFF})));
  b.run();
  std::vector<Byte> one(64, Byte{0});
  one[0] = Byte{1};
  b.post(atomic_op(2, TaOpcode::AtomicFetchAdd, 0, one, std::vector<Byte>(64, Byte{0})));
  auto cas = atomic_op(3, TaOpcode::AtomicCompareSwap, 0, std::vector<Byte>(64, Byte{7}),
                       std::vector<Byte>(64, Byte{0}));
  cas.order = ExecOrder::So; // after the add (the compact SO bit)
  b.post(cas);
  b.run();
  CHECK(b.completion(2).data == std::vector<Byte>(64, Byte{0xFF}));
  CHECK(b.completion(3).data == std::vector<Byte>(64, Byte{0}));
  CHECK(b.mem(0, 64) == std::vector<Byte>(64, Byte{7}));
  // CFG 9 has no 8-byte operand (compact Length code 0 is 64 B, NTT-A13).
  CHECK(b.try_post(atomic_op(4, TaOpcode::AtomicFetchAdd, 0, le_bytes(1), le_bytes(0))).error() ==
        PostError::LocalLength);
  b.check_oracle();
}

// ---------------------------------------------------------------------------------------------
// Prefetch_tgt and Management

TEST_CASE("TA table: Prefetch_tgt is UNO only, touches nothing, completes at send",
          "[ta][table][spec:§7.4.4.1]") {
  for (const Via via : {Via::Ideal, Via::Ctp, Via::Utp, Via::Bypass}) {
    BedConfig bc;
    bc.via = via;
    bc.mode = TaMode::Uno;
    Bed b(bc);
    INFO(b.label());
    add_open_segment(b.tgt());
    const std::size_t pages = b.tgt().memory().pages();
    b.post(prefetch_op(1, 8192, 4096));
    // Refused at the target (no such token context), silently (§7.4.4.1): no error here.
    auto bad = prefetch_op(2, 0, 4096);
    bad.token_id = 99;
    b.post(bad);
    // A Prefetch_tgt carries no TVETAH (Table 7-2): a token-checked segment refuses it.
    auto checked = prefetch_op(3, 0, 64);
    checked.token_id = kSegToken;
    checked.uba = kSegUba;
    checked.token_value = kTokenValue; // not sent
    b.post(checked);
    b.run();
    for (OpId id = 1; id <= 3; ++id) {
      CHECK(b.status(id) == CqeStatus::Success);
      CHECK(b.completion(id).done == b.completion(id).posted); // when the transport took it
      CHECK(b.rec().at(id).execs == 0);
      CHECK(b.rec().at(id).sends == 1); // never retried
    }
    CHECK(b.dev(1).counters().undecodable == 0);
    CHECK(b.tgt().counters().requests == 3);
    CHECK(b.tgt().counters().prefetches == 1);
    CHECK(b.tgt().counters().aborts == 2);
    CHECK(b.tgt().counters().taacks + b.tgt().counters().read_responses == 0);
    CHECK(b.tgt().memory().pages() == pages);
    b.check_oracle();
  }
  // Outside UNO it is refused at post.
  for (const TaMode mode : {TaMode::Roi, TaMode::Rot, TaMode::Rol}) {
    BedConfig bc;
    bc.mode = mode;
    Bed b(bc);
    CHECK(b.try_post(prefetch_op(1, 0, 64)).error() == PostError::ModeNotAllowed);
    b.check_oracle();
  }
}

TEST_CASE("TA table: Management completes at send and is counted at the target",
          "[ta][table][spec:§7.4.5]") {
  struct Row {
    Via via;
    TaMode mode;
  };
  for (const Row row : {Row{Via::Ideal, TaMode::Roi}, Row{Via::Rtp, TaMode::Roi},
                        Row{Via::Ctp, TaMode::Uno}, Row{Via::Utp, TaMode::Uno}}) {
    BedConfig bc;
    bc.via = row.via;
    bc.mode = row.mode;
    Bed b(bc);
    INFO(b.label());
    OpId id = 1;
    for (std::size_t n : {std::size_t{100}, std::size_t{0}, std::size_t{1024}}) {
      TxnOp m;
      m.id = id++;
      m.opcode = static_cast<std::uint8_t>(TaOpcode::Management);
      m.target = 1;
      m.data = pattern(n, 4);
      m.length = static_cast<std::uint32_t>(n);
      b.post(m);
    }
    TxnOp big;
    big.id = 9;
    big.opcode = static_cast<std::uint8_t>(TaOpcode::Management);
    big.target = 1;
    big.data = pattern(1025, 4);
    big.length = 1025;
    CHECK(b.try_post(big).error() == PostError::LocalLength); // PDU <= 1024 B
    b.run();
    for (OpId i = 1; i < id; ++i) {
      CHECK(b.status(i) == CqeStatus::Success);
      CHECK(b.completion(i).done == b.completion(i).posted);
      CHECK(b.rec().at(i).execs == 0);
    }
    CHECK(b.tgt().counters().management == 3);
    CHECK(b.tgt().counters().taacks == 0); // no TAACK answers a Management request
    b.check_oracle();
  }
}

// ---------------------------------------------------------------------------------------------
// Order

TEST_CASE("TA table: the Table 7-13 example: send order, fence after the Read's answer only",
          "[ta][table][spec:§7.3.2.2]") {
  struct Row {
    Via via;
    TaMode mode;
    std::size_t channels = 1;
    bool static_sc = false;
    tp::TaStatusMode status = tp::TaStatusMode::Never;
    Time jitter{0};
  };
  const auto rows = std::to_array<Row>({
      {.via = Via::Ideal, .mode = TaMode::Roi},
      {.via = Via::Rtp, .mode = TaMode::Roi, .channels = 4, .jitter = Time{1'000'000}},
      {.via = Via::Rtp,
       .mode = TaMode::Rot,
       .channels = 4,
       .static_sc = true,
       .jitter = Time{1'000'000}},
      {.via = Via::Rtp,
       .mode = TaMode::Rol,
       .channels = 4,
       .status = tp::TaStatusMode::RolRequests,
       .jitter = Time{1'000'000}},
      {.via = Via::Ctp, .mode = TaMode::Roi, .jitter = Time{500'000}},
      {.via = Via::Ctp, .mode = TaMode::Rol},
  });
  for (const Row& row : rows) {
    BedConfig bc;
    bc.via = row.via;
    bc.mode = row.mode;
    bc.channels = row.channels;
    bc.static_sc = row.static_sc;
    bc.ta_status = row.status;
    bc.jitter = row.jitter;
    Bed b(bc);
    INFO(b.label());
    // Op 1 (the SO write) is answered RNR once (16 us), so it is the slow one: the fence of op 3
    // must not wait for it.
    b.tgt().set_fault_hook([&](const WireKey& k, TaOpcode, bool retry) {
      return b.rec().op_of(k) == 1 && !retry
                 ? std::optional<tp::TaVerdict>{{tp::TaStatusKind::ReceiverNotReady, 3}}
                 : std::nullopt;
    });
    b.post(write_op(0, 0, pattern(64, 1), ExecOrder::Ro));
    b.post(write_op(1, 64, pattern(64, 2), ExecOrder::So));
    b.post(read_op(2, 128, 64));
    auto fenced = write_op(3, 192, pattern(64, 3));
    fenced.fence = true;
    b.post(fenced);
    b.post(read_op(4, 256, 64));
    b.run();
    for (OpId id = 0; id < 5; ++id) {
      CHECK(b.status(id) == CqeStatus::Success);
    }
    const auto& r = b.rec();
    // 0 goes at once. 1 waits for 0's execution: ROI before sending it, ROT / ROL at the target.
    if (row.mode == TaMode::Roi) {
      CHECK(r.at(1).first_sent > r.at(0).completed);
      CHECK(r.at(2).first_sent < r.at(1).first_sent); // 2 overtakes 1
    } else {
      CHECK(r.at(1).first_sent < r.at(0).completed);
    }
    CHECK(r.at(1).first_exec > r.at(0).last_exec);
    // 2 and 4 (NO) wait for nothing.
    CHECK(r.at(2).first_sent < r.at(0).completed);
    CHECK(r.at(4).first_sent < r.at(0).completed);
    // 3 (fenced) goes after 2's answer, but not after the writes': 1 is still outstanding.
    CHECK(r.at(3).first_sent > r.at(2).completed);
    CHECK(r.at(3).first_sent < r.at(1).completed);
    // 4 may complete before 3 (without reordering it does: 3 waited one round trip).
    if (row.jitter == Time{0}) {
      CHECK(r.at(4).completed < r.at(3).completed);
    }
    // Stalls: the fence always; the SO write only in ROI.
    CHECK(b.ini().counters().stalls == (row.mode == TaMode::Roi ? 2U : 1U));
    b.check_oracle();
  }
}

TEST_CASE("TA table: SO after RO per mode under aggressive reordering: stalls and execution order",
          "[ta][table][spec:§7.3.3][s17]") {
  struct Row {
    Via via;
    TaMode mode;
    std::uint64_t stalls;
    bool static_sc = false;
    std::size_t channels = 1;
    tp::TaStatusMode status = tp::TaStatusMode::Never;
    std::uint32_t sc_count = 64;
    Time jitter{3'000'000};
    double loss = 0.0;
  };
  constexpr std::uint64_t kPairs = 16;
  const auto rows = std::to_array<Row>({
      {.via = Via::Ideal, .mode = TaMode::Roi, .stalls = kPairs},
      {.via = Via::Ideal, .mode = TaMode::Rot, .stalls = 0, .static_sc = true},
      {.via = Via::Rtp, .mode = TaMode::Roi, .stalls = kPairs, .channels = 4, .loss = 0.01},
      {.via = Via::Rtp,
       .mode = TaMode::Rot,
       .stalls = 0,
       .static_sc = true,
       .channels = 4,
       .loss = 0.01},
      {.via = Via::Rtp, .mode = TaMode::Rot, .stalls = 1, .channels = 4, .loss = 0.01},
      // No free SC: SV = 0, the stream falls back to ROI after its Alloc answer (X21); the
      // first SO follows the Alloc request's answer, the 15 later ones stall.
      {.via = Via::Rtp,
       .mode = TaMode::Rot,
       .stalls = 1 + kPairs - 1,
       .channels = 4,
       .sc_count = 0},
      {.via = Via::Rtp,
       .mode = TaMode::Rol,
       .stalls = 0,
       .channels = 4,
       .status = tp::TaStatusMode::RolRequests,
       .loss = 0.01},
      {.via = Via::Rtp, .mode = TaMode::Rol, .stalls = 0, .channels = 4, .loss = 0.01},
      {.via = Via::Ctp, .mode = TaMode::Roi, .stalls = kPairs, .loss = 0.05},
      {.via = Via::Ctp, .mode = TaMode::Rot, .stalls = 0, .static_sc = true, .loss = 0.05},
      {.via = Via::Ctp, .mode = TaMode::Rol, .stalls = 0, .loss = 0.05},
      {.via = Via::Bypass, .mode = TaMode::Rol, .stalls = 0, .loss = 0.05},
  });
  for (const Row& row : rows) {
    BedConfig bc;
    bc.via = row.via;
    bc.mode = row.mode;
    bc.static_sc = row.static_sc;
    bc.channels = row.channels;
    bc.ta_status = row.status;
    bc.jitter = row.jitter;
    bc.loss = row.loss;
    bc.ep.target.sc_count = row.sc_count;
    Bed b(bc);
    INFO(b.label() << " sc_count " << row.sc_count);
    for (OpId i = 0; i < 2 * kPairs; ++i) {
      const ExecOrder o = i % 2 == 0 ? ExecOrder::Ro : ExecOrder::So;
      b.post(write_op(i, 0, std::vector<Byte>(64, static_cast<Byte>(i + 1)), o));
    }
    b.run();
    for (OpId i = 0; i < 2 * kPairs; ++i) {
      CHECK(b.status(i) == CqeStatus::Success);
    }
    CHECK(b.ini().counters().stalls == row.stalls);
    CHECK(b.ini().counters().ordered_ops == 2 * kPairs);
    // Each SO write executed after the RO write before it (and every earlier one): the last
    // write wins.
    for (OpId i = 1; i < 2 * kPairs; i += 2) {
      CHECK(b.rec().at(i).first_exec > b.rec().at(i - 1).last_exec);
    }
    CHECK(b.mem(0, 64) == std::vector<Byte>(64, static_cast<Byte>(2 * kPairs)));
    if (row.mode == TaMode::Rot && row.sc_count > 0 && row.via == Via::Rtp) {
      CHECK(b.tgt().counters().sc_buffered > 0); // the network did reorder the SO requests
    }
    b.check_oracle();
  }
}

TEST_CASE("TA table: RNR and page faults in ROT and ROL keep the SO order (the RNR barrier)",
          "[ta][table][spec:§7.3.1.1][spec:§7.3.3]") {
  enum class Fault : std::uint8_t { Rnr, PageFault, LazyPage };
  struct Row {
    Via via;
    TaMode mode;
    Fault fault;
    bool static_sc = false;
    tp::TaStatusMode status = tp::TaStatusMode::Never;
    RotOutOfOrder policy = RotOutOfOrder::Buffer;
  };
  const auto rows = std::to_array<Row>({
      {.via = Via::Ctp, .mode = TaMode::Rol, .fault = Fault::Rnr},
      {.via = Via::Ctp, .mode = TaMode::Rol, .fault = Fault::PageFault},
      {.via = Via::Ctp, .mode = TaMode::Rol, .fault = Fault::LazyPage},
      {.via = Via::Rtp,
       .mode = TaMode::Rol,
       .fault = Fault::Rnr,
       .status = tp::TaStatusMode::RolRequests},
      {.via = Via::Rtp,
       .mode = TaMode::Rol,
       .fault = Fault::PageFault,
       .status = tp::TaStatusMode::RolRequests},
      {.via = Via::Rtp, .mode = TaMode::Rol, .fault = Fault::Rnr},
      {.via = Via::Rtp, .mode = TaMode::Rot, .fault = Fault::Rnr, .static_sc = true},
      {.via = Via::Rtp, .mode = TaMode::Rot, .fault = Fault::PageFault, .static_sc = true},
      {.via = Via::Rtp,
       .mode = TaMode::Rot,
       .fault = Fault::Rnr,
       .static_sc = true,
       .policy = RotOutOfOrder::Drop},
      {.via = Via::Ctp, .mode = TaMode::Rot, .fault = Fault::LazyPage},
      {.via = Via::Ideal, .mode = TaMode::Roi, .fault = Fault::Rnr},
  });
  for (const Row& row : rows) {
    BedConfig bc;
    bc.via = row.via;
    bc.mode = row.mode;
    bc.static_sc = row.static_sc;
    bc.ta_status = row.status;
    bc.lazy = row.fault == Fault::LazyPage;
    bc.ep.target.rot_policy = row.policy;
    bc.ep.target.page_fault_service = Time{3'000'000};
    Bed b(bc);
    INFO(b.label() << " fault " << static_cast<int>(row.fault) << " policy "
                   << static_cast<int>(row.policy));
    if (row.fault != Fault::LazyPage) {
      const auto kind = row.fault == Fault::Rnr ? tp::TaStatusKind::ReceiverNotReady
                                                : tp::TaStatusKind::PageFault;
      b.tgt().set_fault_hook([&b, kind](const WireKey& k, TaOpcode, bool retry) {
        return b.rec().op_of(k) == 0 && !retry ? std::optional<tp::TaVerdict>{{kind, 1}}
                                               : std::nullopt;
      });
    }
    b.post(write_op(0, 0, pattern(64, 1), ExecOrder::Ro));
    b.post(write_op(1, 0, pattern(64, 2), ExecOrder::So));
    b.post(write_op(2, 0, pattern(64, 3), ExecOrder::So));
    b.post(read_op(3, 0, 64, ExecOrder::So));
    b.run();
    for (OpId id = 0; id < 4; ++id) {
      CHECK(b.status(id) == CqeStatus::Success);
    }
    const auto& r = b.rec();
    CHECK(r.at(0).retries >= 1);
    CHECK(r.at(1).first_exec > r.at(0).last_exec);
    CHECK(r.at(2).first_exec > r.at(1).last_exec);
    CHECK(r.at(3).first_exec > r.at(2).last_exec);
    CHECK(b.completion(3).data == pattern(64, 3));
    CHECK(b.mem(0, 64) == pattern(64, 3));
    const auto& tc = b.tgt().counters();
    if (row.mode == TaMode::Rol) {
      // The SO requests behind the refused RO one were answered RNR too, not run.
      CHECK(tc.barrier_rnr >= 1);
    } else if (row.mode == TaMode::Rot && row.policy == RotOutOfOrder::Buffer) {
      CHECK(tc.sc_buffered >= 1);
      CHECK(tc.sc_dropped == 0);
    } else if (row.mode == TaMode::Rot) {
      CHECK(tc.sc_buffered == 0);
      CHECK(tc.sc_dropped >= 1);
    }
    if (row.fault != Fault::Rnr) {
      CHECK(tc.page_faults >= 1);
    }
    b.check_oracle();
  }
}

TEST_CASE("TA table: ROT: a buffered SO request runs once the NO request before it arrives, "
          "even when that one is answered RNR",
          "[ta][table][spec:§7.3.3.3][spec:§7.3.2.2]") {
  // Found by the txn_program campaign: the SO request waited in the SC for TASSN 0; TASSN 0 (a
  // Send, NO) then arrived but found no receive buffer, and the buffer was looked at again only
  // when a request settled. The Send failed for good at the initiator; the SO request ran only
  // when a later request of the stream arrived, after its own ack timeout.
  BedConfig bc;
  bc.mode = TaMode::Rot;
  bc.static_sc = true;
  bc.rqes = 0; // every Send is answered RNR
  bc.on_error = ExceptionMode::Continue;
  bc.ep.initiator.retry_limit = 2;
  bc.ep.initiator.ack_timeout = Time{1'000'000'000}; // 1 ms
  Bed b(bc);
  bool held = false;
  b.net().extra_delay = [&](const NetPacket& p) {
    // The Send's first transmission comes 5 us late, after the SO write behind it.
    return first_request(p, TaOpcode::Send, held) ? Time{5'000'000} : Time{0};
  };
  b.post(send_op(0, pattern(8, 1)));
  b.post(write_op(1, 0, pattern(64, 2), ExecOrder::So));
  b.run();
  REQUIRE(held);
  CHECK(b.status(0) == CqeStatus::TransactionRetryExceeded);
  CHECK(b.status(1) == CqeStatus::Success);
  const auto& r = b.rec();
  CHECK(r.at(1).execs == 1);
  // It ran when the Send first arrived: before the Send's retries and its failure.
  CHECK(r.at(1).first_exec < r.at(0).completed);
  CHECK(r.at(1).completed_t < Time{7'000'000});
  CHECK(b.mem(0, 64) == pattern(64, 2));
  const auto& tc = b.tgt().counters();
  CHECK(tc.sc_buffered == 1);
  CHECK(tc.rnr == 3); // the Send, then its two retries
  b.check_oracle();
}

TEST_CASE("TA table: ROT out-of-order SO requests: buffered, dropped when the buffer is full, or "
          "dropped by policy",
          "[ta][table][spec:§7.3.3.3]") {
  struct Row {
    RotOutOfOrder policy;
    std::uint32_t buffer;
  };
  for (const Row row : {Row{RotOutOfOrder::Buffer, 64}, Row{RotOutOfOrder::Buffer, 2},
                        Row{RotOutOfOrder::Drop, 64}}) {
    BedConfig bc;
    bc.via = Via::Rtp;
    bc.mode = TaMode::Rot;
    bc.static_sc = true;
    bc.channels = 4;
    bc.jitter = Time{3'000'000};
    bc.ep.target.rot_policy = row.policy;
    bc.ep.target.sc_buffer_slices = row.buffer;
    bc.ep.initiator.retry_limit = 30;
    Bed b(bc);
    INFO("policy " << static_cast<int>(row.policy) << " buffer " << row.buffer);
    constexpr OpId kOps = 32;
    for (OpId i = 0; i < kOps; ++i) {
      b.post(write_op(i, 0, std::vector<Byte>(64, static_cast<Byte>(i + 1)), ExecOrder::So));
    }
    b.run();
    for (OpId i = 0; i < kOps; ++i) {
      CHECK(b.status(i) == CqeStatus::Success);
      if (i > 0) {
        CHECK(b.rec().at(i).first_exec > b.rec().at(i - 1).last_exec);
      }
    }
    CHECK(b.mem(0, 64) == std::vector<Byte>(64, static_cast<Byte>(kOps)));
    CHECK(b.ini().counters().stalls == 0);
    const auto& tc = b.tgt().counters();
    if (row.policy == RotOutOfOrder::Drop) {
      CHECK(tc.sc_buffered == 0);
      CHECK(tc.sc_dropped > 0);
      CHECK(b.ini().counters().retries == tc.sc_dropped);
    } else if (row.buffer == 64) {
      CHECK(tc.sc_buffered > 0);
      CHECK(tc.sc_dropped == 0);
      CHECK(b.ini().counters().retries == 0);
    } else {
      CHECK(tc.sc_buffered > 0);
      CHECK(tc.sc_dropped > 0); // the buffer was full: those were answered RNR instead
      CHECK(b.ini().counters().retries == tc.sc_dropped);
    }
    b.check_oracle();
  }
}

// ---------------------------------------------------------------------------------------------
// ROL over RTP with the TA status in the TP ACK

TEST_CASE("TA table: ROL over RTP: TAACKs ride in the TP ACK, RNR verdicts are retried, aborts "
          "fail at once",
          "[ta][table][spec:§7.3.1.1][spec:§6.8.2]") {
  for (const std::size_t channels : {std::size_t{1}, std::size_t{4}}) {
    BedConfig bc;
    bc.via = Via::Rtp;
    bc.mode = TaMode::Rol;
    bc.channels = channels;
    bc.ta_status = tp::TaStatusMode::RolRequests;
    bc.jitter = Time{1'000'000};
    bc.loss = 0.02;
    bc.on_error = ExceptionMode::Continue;
    Bed b(bc);
    INFO(b.label());
    b.tgt().set_fault_hook([&b](const WireKey& k, TaOpcode, bool retry) {
      return b.rec().op_of(k) == 2 && !retry
                 ? std::optional<tp::TaVerdict>{{tp::TaStatusKind::ReceiverNotReady, 0}}
                 : std::nullopt;
    });
    // RO writes (op 2's RNR holds back the SO read behind it: the RNR barrier), NO refusals.
    for (OpId i = 0; i < 4; ++i) {
      b.post(write_op(i, i * 64, pattern(64, static_cast<std::uint8_t>(i)), ExecOrder::Ro));
    }
    auto bad = write_op(4, 1024, pattern(64, 9));
    bad.token_value = kTokenValue ^ 0xFF;
    bad.expect_denied = true;
    b.post(bad);
    auto own = write_op(5, 2048, pattern(64, 9), ExecOrder::No, TaOpcode::WriteWithNotify);
    own.notify_uba = kSegUba + 4096;
    own.notify_token_id = kSegToken;
    own.notify_token_value = kTokenValue;
    b.post(own);
    b.post(read_op(6, 0, 256, ExecOrder::So));
    b.post(atomic_op(7, TaOpcode::AtomicFetchAdd, 512, le_bytes(3), le_bytes(0)));
    b.post(send_op(8, pattern(5000, 1)));
    b.run();
    for (const OpId i : std::to_array<OpId>({0, 1, 2, 3, 6, 7, 8})) {
      CHECK(b.status(i) == CqeStatus::Success);
    }
    CHECK(b.status(4) == CqeStatus::RemoteAccessAbort);        // RemoteAbort verdict
    CHECK(b.status(5) == CqeStatus::RemoteUnsupportedRequest); // UnsupportedRequest verdict
    CHECK(b.rec().at(2).retries == 1);
    CHECK(b.rec().at(4).sends == 1); // a final verdict is never retried
    CHECK(b.rec().at(5).sends == 1);
    std::vector<Byte> want;
    for (std::uint8_t i = 0; i < 4; ++i) {
      const auto p = pattern(64, i);
      want.insert(want.end(), p.begin(), p.end());
    }
    CHECK(b.completion(6).data == want);
    CHECK(le(b.completion(7).data) == 0);
    // Every TAACK-type request had its answer in a TP ACK: no TAACK message went out, the Read
    // and the atomic answered with data (their TP ACK is not held).
    const auto& tc = b.tgt().counters();
    CHECK(tc.taacks == 0);
    CHECK(tc.verdicts == 8); // 4 writes + 1 retry, the abort, the UR, the send
    CHECK(tc.read_responses == 1 + b.rec().at(6).retries); // RNR'd behind op 2, then data
    CHECK(tc.atomic_responses == 1);
    CHECK(b.ini().counters().tp_statuses == 8);
    b.check_oracle();
  }
}

TEST_CASE("TA table: ROL over RTP: abnormal TP-ACK statuses, retryable and unrecoverable",
          "[ta][table][spec:§7.3.1.1][spec:§6.8.2]") {
  BedConfig bc;
  bc.via = Via::Rtp;
  bc.mode = TaMode::Rol;
  bc.ta_status = tp::TaStatusMode::RolRequests;
  bc.on_error = ExceptionMode::Continue;
  bc.rewrite_verdicts = true;
  Bed b(bc);
  // The target answers op 1 and op 2 RNR once (so neither runs), with RNR_Timer 7 and 9 as
  // markers; the filter turns those verdicts into 101/00000 (abnormal, retryable: the TA sends
  // the request again, design X3) and 101/00001 (abnormal, unrecoverable: the op fails).
  b.tgt().set_fault_hook(
      [&b](const WireKey& k, TaOpcode, bool retry) -> std::optional<tp::TaVerdict> {
        const OpId id = b.rec().op_of(k);
        if (retry || (id != 1 && id != 2)) {
          return std::nullopt;
        }
        return tp::TaVerdict{tp::TaStatusKind::ReceiverNotReady,
                             static_cast<std::uint8_t>(id == 1 ? 7 : 9)};
      });
  b.rewriter()->rewrite = [](const tp::TaVerdict& v) {
    if (v.kind == tp::TaStatusKind::ReceiverNotReady && v.rnr_timer == 7) {
      return tp::TaVerdict{tp::TaStatusKind::AbnormalRetryable, 0};
    }
    if (v.kind == tp::TaStatusKind::ReceiverNotReady && v.rnr_timer == 9) {
      return tp::TaVerdict{tp::TaStatusKind::AbnormalUnrecoverable, 0};
    }
    return v;
  };
  b.post(write_op(0, 0, pattern(64, 0)));
  b.post(write_op(1, 64, pattern(64, 1)));
  auto lost = write_op(2, 128, pattern(64, 2));
  lost.expect_denied = true; // the harness makes it fail (Remote Access Abort, design X3)
  b.post(lost);
  b.run();
  CHECK(b.rewriter()->rewritten == 2);
  CHECK(b.status(0) == CqeStatus::Success);
  CHECK(b.status(1) == CqeStatus::Success);
  CHECK(b.rec().at(1).retries == 1);
  CHECK(b.status(2) == CqeStatus::RemoteAccessAbort);
  CHECK(b.rec().at(2).sends == 1);
  CHECK(b.mem(64, 64) == pattern(64, 1));
  CHECK(b.mem(128, 64) == std::vector<Byte>(64, Byte{0}));
  b.check_oracle();
}

// ---------------------------------------------------------------------------------------------
// TAACK coalescing

TEST_CASE("TA table: coalesced TAACKs split around an abnormal answer",
          "[ta][table][spec:§7.3.1.1]") {
  struct Row {
    Via via;
    bool rnr; // the middle op is answered RNR once (retryable) instead of Remote Abort
  };
  for (const Row row :
       {Row{Via::Ideal, false}, Row{Via::Ideal, true}, Row{Via::Rtp, false}, Row{Via::Rtp, true}}) {
    BedConfig bc;
    bc.via = row.via;
    bc.on_error = ExceptionMode::Continue;
    bc.ep.target.taack_coalesce = 8;
    Bed b(bc);
    INFO(b.label() << " rnr " << row.rnr);
    // The TAACKs on the wire (ideal transport: an 8-byte frame, then the TA bytes).
    std::vector<std::tuple<std::uint16_t, std::uint8_t, std::uint8_t>> taacks;
    b.net().filter = [&](const NetPacket& p) {
      if (row.via == Via::Ideal && p.src == 1 && p.bytes.size() > 8 &&
          p.bytes[8] == static_cast<Byte>(TaOpcode::TransactionAck)) {
        auto d = decode_ta(std::span<const Byte>(p.bytes).subspan(8), TaWire::Cna16);
        REQUIRE(d);
        const auto& a = std::get<Atah>(d->base);
        taacks.emplace_back(a.ini_tassn, a.rspst, a.rspinfo);
      }
      return true;
    };
    if (row.rnr) {
      b.tgt().set_fault_hook([&b](const WireKey& k, TaOpcode, bool retry) {
        return b.rec().op_of(k) == 10 && !retry
                   ? std::optional<tp::TaVerdict>{{tp::TaStatusKind::ReceiverNotReady, 0}}
                   : std::nullopt;
      });
    }
    for (OpId i = 0; i < 20; ++i) {
      auto w = write_op(i, i * 64, pattern(64, static_cast<std::uint8_t>(i)));
      if (i == 10 && !row.rnr) {
        w.token_value = kTokenValue + 1;
        w.expect_denied = true;
      }
      b.post(w);
    }
    b.run();
    for (OpId i = 0; i < 20; ++i) {
      CHECK(b.status(i) ==
            (i == 10 && !row.rnr ? CqeStatus::RemoteAccessAbort : CqeStatus::Success));
    }
    // TASSN 0..7 in one TAACK, 8..9 flushed before the abnormal answer to 10 (never merged),
    // 11..18, and 19 after the coalescing delay. The retry of 10 is answered on its own.
    const auto& ic = b.ini().counters();
    CHECK(ic.unmatched == 0);
    CHECK(ic.taack_coalesced == b.tgt().counters().taack_merged);
    CHECK(b.tgt().counters().taack_merged == 7 + 1 + 7);
    if (row.via == Via::Ideal) {
      using T = std::tuple<std::uint16_t, std::uint8_t, std::uint8_t>;
      std::vector<T> want = {T{0, 0, 7}, T{8, 0, 1},
                             row.rnr ? T{10, ta_rspst::kRnr, 0} : T{10, ta_rspst::kTargetError, 2},
                             T{11, 0, 7}, T{19, 0, 0}};
      if (row.rnr) {
        want.push_back(T{10, 0, 0});
      }
      CHECK(taacks == want);
    }
    b.check_oracle();
  }
}

// ---------------------------------------------------------------------------------------------
// Completion order, exception mode

TEST_CASE("TA table: comp_order completions wait for every earlier op of the queue",
          "[ta][table][spec:§7.3.2.3]") {
  struct Row {
    Via via;
    TaMode mode;
    std::size_t channels = 1;
    Time jitter{0};
    double loss = 0.0;
  };
  const auto rows = std::to_array<Row>({
      {.via = Via::Ideal, .mode = TaMode::Roi, .jitter = Time{2'000'000}},
      {.via = Via::Rtp,
       .mode = TaMode::Roi,
       .channels = 4,
       .jitter = Time{2'000'000},
       .loss = 0.02},
      {.via = Via::Rtp, .mode = TaMode::Rol, .channels = 4, .jitter = Time{2'000'000}},
      {.via = Via::Ctp, .mode = TaMode::Roi, .jitter = Time{2'000'000}, .loss = 0.05},
  });
  for (const Row& row : rows) {
    BedConfig bc;
    bc.via = row.via;
    bc.mode = row.mode;
    bc.channels = row.channels;
    bc.jitter = row.jitter;
    bc.loss = row.loss;
    bc.ep.initiator.slice_bytes = 4096;
    Bed b(bc);
    INFO(b.label());
    // A slow first op (a large read), then a mix; every third op asks for completion order.
    Rng gen(11, 1);
    const std::uint32_t big = multi_packet(row.via) ? 64 * 1024 : 32 * 1024;
    b.post(read_op(0, 0, big));
    std::vector<bool> ordered(24, false);
    for (OpId i = 1; i < 24; ++i) {
      TxnOp op;
      switch (gen.below(4)) {
      case 0:
        op = write_op(i, 128 * 1024 + i * 64, pattern(64, static_cast<std::uint8_t>(i)));
        break;
      case 1:
        op = read_op(i, i * 64, 64);
        break;
      case 2:
        op = atomic_op(i, TaOpcode::AtomicFetchAdd, 256 * 1024 + i * 8, le_bytes(i), le_bytes(0));
        break;
      default:
        op = send_op(i, pattern(100, static_cast<std::uint8_t>(i)));
        break;
      }
      op.comp_order = i % 3 == 0;
      op.target_order = op.comp_order; // as the Jetty layer maps a WR's comp_order (ODR[2])
      ordered[i] = op.comp_order;
      b.post(op);
    }
    b.run();
    REQUIRE(b.order.size() == 24);
    std::map<OpId, std::size_t> pos;
    for (std::size_t k = 0; k < b.order.size(); ++k) {
      pos[b.order[k]] = k;
    }
    for (OpId i = 1; i < 24; ++i) {
      CHECK(b.status(i) == CqeStatus::Success);
      if (ordered[i]) {
        for (OpId j = 0; j < i; ++j) {
          INFO("op " << i << " after op " << j);
          CHECK(pos[i] > pos[j]);
        }
      }
    }
    // Without comp_order the others may complete before the slow read.
    CHECK(pos[0] > 0);
    b.check_oracle();
  }
}

TEST_CASE("TA table: a comp_order op held behind a slow one still holds what waits for it",
          "[ta][table][spec:§7.3.2.3]") {
  for (const Via via : {Via::Ideal, Via::Rtp, Via::Ctp}) {
    BedConfig bc;
    bc.via = via;
    Bed b(bc);
    INFO(b.label());
    // Op 0 (NO read) is answered RNR once (16 us); op 1 (RO write, comp_order) finishes long
    // before it but completes only after it; op 2 (ROI SO) and op 3 (fenced) wait for op 1's
    // completion, so for op 0's too.
    b.tgt().set_fault_hook([&b](const WireKey& k, TaOpcode, bool retry) {
      return b.rec().op_of(k) == 0 && !retry
                 ? std::optional<tp::TaVerdict>{{tp::TaStatusKind::ReceiverNotReady, 3}}
                 : std::nullopt;
    });
    b.post(read_op(0, 0, 64));
    auto w = write_op(1, 64, pattern(64, 1), ExecOrder::Ro);
    w.comp_order = true;
    b.post(w);
    b.post(write_op(2, 128, pattern(64, 2), ExecOrder::So));
    auto rd = atomic_op(3, TaOpcode::AtomicFetchAdd, 256, le_bytes(1), le_bytes(0));
    rd.comp_order = true;
    b.post(rd);
    auto fenced = read_op(4, 64, 64);
    fenced.fence = true;
    b.post(fenced);
    b.run();
    for (OpId i = 0; i < 5; ++i) {
      CHECK(b.status(i) == CqeStatus::Success);
    }
    const auto& r = b.rec();
    CHECK(r.at(1).last_exec < r.at(0).first_exec); // op 1 ran first ...
    CHECK(r.at(1).completed > r.at(0).completed);  // ... and completed after op 0
    CHECK(r.at(2).first_sent > r.at(1).completed);
    CHECK(r.at(4).first_sent > r.at(3).completed);
    CHECK(b.order == std::vector<OpId>{0, 1, 2, 3, 4}); // 3 finished early, held behind 2
    b.check_oracle();
  }
}

TEST_CASE("TA table: target CQEs of ODR[2] Sends come in the initiator's send order",
          "[ta][table][spec:§7.3.2.3]") {
  for (const Via via : {Via::Rtp, Via::Ctp, Via::Ideal}) {
    BedConfig bc;
    bc.via = via;
    bc.channels = 4;
    bc.jitter = Time{3'000'000};
    Bed b(bc);
    INFO(b.label());
    for (OpId i = 0; i < 24; ++i) {
      auto s = send_op(i, pattern(64 + i, static_cast<std::uint8_t>(i)));
      s.comp_order = true;
      s.target_order = true;
      b.post(s);
    }
    b.run();
    std::vector<OpId> want(24);
    for (OpId i = 0; i < 24; ++i) {
      want[i] = i;
      CHECK(b.status(i) == CqeStatus::Success);
    }
    CHECK(b.rec().received_ops == want);
    b.check_oracle();
  }
}

TEST_CASE("TA table: ODR[2] completions held for a request lost for good go after cqe_order_wait",
          "[ta][table][spec:§7.3.2.3]") {
  BedConfig bc;
  bc.on_error = ExceptionMode::Continue;
  bc.ep.initiator.ack_timeout = Time{20'000'000};
  bc.ep.target.cqe_order_wait = Time{50'000'000};
  Bed b(bc);
  bool dropped = false;
  b.net().filter = [&](const NetPacket& p) { return !first_request(p, TaOpcode::Write, dropped); };
  b.post(write_op(0, 0, pattern(64, 1)));
  for (OpId i = 1; i <= 3; ++i) {
    auto s = send_op(i, pattern(10, static_cast<std::uint8_t>(i)));
    s.comp_order = true;
    s.target_order = true;
    b.post(s);
  }
  b.run();
  CHECK(dropped);
  CHECK(b.status(0) == CqeStatus::TransactionAckTimeout);
  for (OpId i = 1; i <= 3; ++i) {
    CHECK(b.status(i) == CqeStatus::Success);
  }
  CHECK(b.rec().received_ops == std::vector<OpId>{1, 2, 3});
  REQUIRE(b.rec().received.size() == 3);
  CHECK(b.rec().received[0].t >= Time{50'000'000}); // waited for TASSN 0, which never came
  CHECK(b.tgt().counters().cqe_held == 3);
  CHECK(b.tgt().counters().cqe_order_gaps == 1);
  b.check_oracle();
}

TEST_CASE("TA table: ODR[2] completions behind a request answered RNR wait for its retry",
          "[ta][table][spec:§7.3.2.3][spec:§7.3.1.1]") {
  // The RNR timeout (timer 5: 64 us) is longer than cqe_order_wait (50 us): the target answered
  // the RNR itself, so it knows TASSN 0 comes back and must not take it as lost.
  BedConfig bc;
  bc.ep.target.cqe_order_wait = Time{50'000'000};
  Bed b(bc);
  b.tgt().set_fault_hook([&b](const WireKey& k, TaOpcode, bool retry) {
    return b.rec().op_of(k) == 0 && !retry
               ? std::optional<tp::TaVerdict>{{tp::TaStatusKind::ReceiverNotReady, 5}}
               : std::nullopt;
  });
  for (OpId i = 0; i <= 3; ++i) {
    auto s = send_op(i, pattern(10, static_cast<std::uint8_t>(i)));
    s.comp_order = true;
    s.target_order = true;
    b.post(s);
  }
  b.run();
  for (OpId i = 0; i <= 3; ++i) {
    CHECK(b.status(i) == CqeStatus::Success);
  }
  CHECK(b.rec().received_ops == std::vector<OpId>{0, 1, 2, 3});
  REQUIRE(b.rec().received.size() == 4);
  CHECK(b.rec().received[0].t >= Time{64'000'000}); // op 0 completed after its RNR wait
  CHECK(b.tgt().counters().cqe_held == 4); // every ODR[2] completion waits for its settling
  CHECK(b.tgt().counters().cqe_order_gaps == 0);
  b.check_oracle();
}

TEST_CASE("TA table: exception mode continue goes on, suspend flushes what has not started",
          "[ta][table][spec:§8.2.2.3]") {
  for (const Via via : {Via::Ideal, Via::Rtp}) {
    for (const ExceptionMode mode : {ExceptionMode::Continue, ExceptionMode::Suspend}) {
      BedConfig bc;
      bc.via = via;
      bc.on_error = mode;
      Bed b(bc);
      INFO(b.label() << " suspend " << (mode == ExceptionMode::Suspend));
      auto bad = write_op(0, 0, pattern(64, 1), ExecOrder::Ro);
      bad.token_value = kTokenValue + 1;
      bad.expect_denied = true;
      b.post(bad);
      b.post(write_op(1, 64, pattern(64, 2), ExecOrder::So)); // waits for 0 (ROI)
      b.post(read_op(2, 0, 64));                              // goes at once
      b.post(write_op(3, 128, pattern(64, 3), ExecOrder::So));
      b.run();
      CHECK(b.status(0) == CqeStatus::RemoteAccessAbort);
      CHECK(b.status(2) == CqeStatus::Success);
      if (mode == ExceptionMode::Continue) {
        CHECK(b.status(1) == CqeStatus::Success);
        CHECK(b.status(3) == CqeStatus::Success);
        CHECK_FALSE(b.ini().suspended(kQueue));
        CHECK(b.mem(64, 64) == pattern(64, 2));
      } else {
        CHECK(b.status(1) == CqeStatus::Flushed);
        CHECK(b.status(3) == CqeStatus::Flushed);
        CHECK(b.rec().at(1).sends == 0);
        CHECK(b.rec().at(3).sends == 0);
        CHECK(b.ini().suspended(kQueue));
        CHECK(b.mem(64, 64) == std::vector<Byte>(64, Byte{0}));
        // A suspended queue takes posts but sends nothing until it is resumed.
        b.post(write_op(4, 192, pattern(64, 4)));
        b.run();
        CHECK_FALSE(b.completed(4));
        CHECK(b.rec().at(4).sends == 0);
        b.ini().resume_queue(kQueue);
        b.run();
        CHECK(b.status(4) == CqeStatus::Success);
        CHECK(b.mem(192, 64) == pattern(64, 4));
      }
      b.check_oracle();
    }
  }
}

// ---------------------------------------------------------------------------------------------
// UNO

TEST_CASE("TA table: a UNO program over UTP and CTP completes at send, unreliable and unordered",
          "[ta][table][spec:§7.3.3.5][spec:§7.3.1.2]") {
  struct Row {
    Via via;
    double loss;
  };
  for (const Row row :
       {Row{Via::Utp, 0.0}, Row{Via::Utp, 0.2}, Row{Via::Ctp, 0.2}, Row{Via::CtpTaid, 0.0}}) {
    BedConfig bc;
    bc.via = row.via;
    bc.mode = TaMode::Uno;
    bc.loss = row.loss;
    bc.jitter = Time{2'000'000};
    Bed b(bc);
    INFO(b.label() << " loss " << row.loss);
    OpId id = 0;
    for (; id < 20; ++id) {
      auto s = send_op(id, pattern(100 + id * 150, static_cast<std::uint8_t>(id)),
                       id % 2 == 0 ? TaOpcode::Send : TaOpcode::SendWithImmediate);
      s.immediate = id;
      s.order = ExecOrder::So; // UNO orders nothing: the flag has no effect
      b.post(s);
    }
    b.post(send_op(id++, {}));
    TxnOp m;
    m.id = id++;
    m.opcode = static_cast<std::uint8_t>(TaOpcode::Management);
    m.target = 1;
    m.data = pattern(64, 1);
    m.length = 64;
    b.post(m);
    add_open_segment(b.tgt());
    b.post(prefetch_op(id++, 0, 4096));
    // Not in UNO: memory writes; over UNO the data fits one MTU (§7.3.3.5).
    CHECK(b.try_post(write_op(100, 0, pattern(64, 1))).error() == PostError::ModeNotAllowed);
    CHECK(b.try_post(send_op(101, pattern(5000, 1))).error() == PostError::LocalLength);
    b.run();
    for (OpId i = 0; i < id; ++i) {
      CHECK(b.status(i) == CqeStatus::Success);
      CHECK(b.completion(i).done == b.completion(i).posted);
      CHECK(b.rec().at(i).sends == 1);
    }
    CHECK(b.ini().counters().stalls == 0);
    std::uint64_t receives = 0;
    while (auto r = b.tgt().poll_receive()) {
      CHECK(r->status == CqeStatus::Success);
      ++receives;
    }
    if (row.via == Via::Utp && row.loss > 0) {
      CHECK(b.net().dropped() > 0);
      CHECK(receives < 21); // lost sends stay lost: no retry, no answer
    } else {
      CHECK(receives == 21);
      CHECK(b.tgt().counters().management == 1);
      CHECK(b.tgt().counters().prefetches == 1);
    }
    if (row.via == Via::Utp) {
      CHECK(b.tgt().counters().taacks == 0); // UTP: UNO only, nothing answers
    } else {
      // MODEL: over CTP the target cannot tell a UNO request (no mode on the wire) and answers
      // each Send; the initiator, done at send, counts those answers unmatched.
      CHECK(b.tgt().counters().taacks == receives);
      CHECK(b.ini().counters().unmatched == receives);
    }
    b.check_oracle();
  }
  // UNO over RTP is refused by the transport (Table 7-14: not recommended).
  BedConfig bc;
  bc.via = Via::Rtp;
  bc.mode = TaMode::Uno;
  bc.on_error = ExceptionMode::Continue;
  Bed b(bc);
  b.post(send_op(1, pattern(10, 1)));
  b.run();
  CHECK(b.status(1) == CqeStatus::UnsupportedOpcode);
  CHECK(b.tgt().counters().requests == 0);
  b.check_oracle();
}

// ---------------------------------------------------------------------------------------------
// Protection and zero length

TEST_CASE("TA table: zero-length memory ops skip the token check and touch nothing",
          "[ta][table][spec:§7.2.5]") {
  struct Row {
    Via via;
    TaMode mode;
    tp::TaStatusMode status = tp::TaStatusMode::Never;
  };
  for (const Row row : {Row{Via::Ideal, TaMode::Roi}, Row{Via::Rtp, TaMode::Roi},
                        Row{Via::Rtp, TaMode::Rol, tp::TaStatusMode::RolRequests},
                        Row{Via::Ctp, TaMode::Rot}, Row{Via::IdealTaid, TaMode::Rol}}) {
    BedConfig bc;
    bc.via = row.via;
    bc.mode = row.mode;
    bc.ta_status = row.status;
    Bed b(bc);
    INFO(b.label());
    const std::size_t pages = b.tgt().memory().pages();
    b.post(write_op(1, 0, {}));
    auto w = write_op(2, 0, {});
    w.token_value = kTokenValue + 1; // wrong, and never checked
    b.post(w);
    auto r = read_op(3, 4096, 0);
    r.token_value = std::nullopt; // no TVETAH at all
    b.post(r);
    auto wb = write_op(4, 0, {}, ExecOrder::So,
                       row.mode == TaMode::Rot ? TaOpcode::Write : TaOpcode::Writeback);
    wb.token_value = kTokenValue + 2;
    b.post(wb);
    auto beyond = read_op(5, 0, 0, ExecOrder::So);
    beyond.uba = kSegUba + (std::uint64_t{1} << 40); // outside every mapping: nothing accessed
    b.post(beyond);
    b.run();
    for (OpId i = 1; i <= 5; ++i) {
      CHECK(b.status(i) == CqeStatus::Success);
    }
    CHECK(b.completion(3).data.empty());
    CHECK(b.tgt().counters().aborts == 0);
    CHECK(b.tgt().memory().pages() == pages);
    b.check_oracle();
  }
  // The compact form has no zero length (64 B x 2^L).
  BedConfig bc;
  bc.via = Via::Bypass;
  bc.mode = TaMode::Rol;
  Bed b(bc);
  CHECK(b.try_post(write_op(1, 0, {})).error() == PostError::LocalLength);
  b.check_oracle();
}

TEST_CASE("TA table: bad tokens and permissions end in Remote Access Abort, never an access, "
          "token rotation through the secondary value",
          "[ta][table][spec:§9.4.4.3][spec:§11.4.4]") {
  constexpr std::uint32_t kRoToken = 3;      // a read-only segment
  constexpr std::uint64_t kRoUba = 0x800000; // at PA 0xA00000
  constexpr std::uint32_t kNarrowToken = 4;  // a segment whose MAPT entry covers 4 KiB of 64
  constexpr std::uint64_t kNarrowUba = 0xC00000;
  struct Row {
    Via via;
    TaMode mode;
  };
  for (const Row row :
       {Row{Via::Ideal, TaMode::Roi}, Row{Via::Rtp, TaMode::Rot}, Row{Via::Ctp, TaMode::Rol},
        Row{Via::Bypass, TaMode::Rol}, Row{Via::Rtp, TaMode::Rol}}) {
    BedConfig bc;
    bc.via = row.via;
    bc.mode = row.mode;
    bc.on_error = ExceptionMode::Continue;
    bc.ta_status = row.via == Via::Rtp && row.mode == TaMode::Rol ? tp::TaStatusMode::RolRequests
                                                                  : tp::TaStatusMode::Never;
    Bed b(bc);
    INFO(b.label());
    auto& u = b.tgt().ummu();
    REQUIRE(u.add_token_context(1, kRoToken));
    REQUIRE(u.map(1, kRoToken, kRoUba, 65536, 0xA00000));
    PermissionEntry ro;
    ro.base = kRoUba;
    ro.limit = kRoUba + 65535;
    ro.perm = mapt_perm::kRead;
    ro.token_val0 = kTokenValue;
    REQUIRE(u.add_permission(1, kRoToken, ro));
    REQUIRE(u.add_token_context(1, kNarrowToken));
    REQUIRE(u.map(1, kNarrowToken, kNarrowUba, 65536, 0xB00000));
    PermissionEntry narrow = ro;
    narrow.base = kNarrowUba;
    narrow.limit = kNarrowUba + 4095;
    narrow.perm = mapt_perm::kAll;
    REQUIRE(u.add_permission(1, kNarrowToken, narrow));

    const std::uint32_t n = 64; // every op 64 bytes, aligned: the compact form carries all
    auto denied = [&](TxnOp op) {
      op.expect_denied = true;
      b.post(op);
    };
    const std::uint32_t atomic_n = row.via == Via::Bypass ? 64 : 8;
    auto atomic = [&](OpId id, std::uint64_t off) {
      return atomic_op(id, TaOpcode::AtomicSwap, off, std::vector<Byte>(atomic_n, Byte{1}),
                       std::vector<Byte>(atomic_n, Byte{0}));
    };
    auto w1 = write_op(1, 0, pattern(n, 1));
    w1.token_value = kTokenValue + 1; // wrong value
    denied(w1);
    auto w2 = write_op(2, 256, pattern(n, 2));
    w2.token_value = std::nullopt; // no TVETAH while TOKEN_CHK is on (X24)
    denied(w2);
    auto r3 = read_op(3, 0, n);
    r3.token_id = 99; // no token context
    denied(r3);
    auto ro_read = read_op(4, 0, n);
    ro_read.token_id = kRoToken;
    ro_read.uba = kRoUba;
    b.post(ro_read); // reading the read-only segment is fine
    auto ro_write = write_op(5, 0, pattern(n, 5));
    ro_write.token_id = kRoToken;
    ro_write.uba = kRoUba + 64;
    denied(ro_write); // no write permission
    auto ro_atomic = atomic(6, 0);
    ro_atomic.token_id = kRoToken;
    ro_atomic.uba = kRoUba + 128;
    denied(ro_atomic); // no atomic permission
    auto outside = read_op(7, 0, n);
    outside.token_id = kNarrowToken;
    outside.uba = kNarrowUba + 8192; // mapped, but no MAPT entry holds it
    denied(outside);
    auto straddle = write_op(8, 0, pattern(n, 8));
    straddle.token_id = kNarrowToken;
    straddle.uba = kNarrowUba + 4096 - 32; // half inside (X22: the whole access must be)
    if (row.via != Via::Bypass) {
      denied(straddle);
    }
    auto good_atomic = atomic(9, 1024);
    b.post(good_atomic);
    b.run();
    for (const OpId i : std::to_array<OpId>({1, 2, 3, 5, 6, 7})) {
      CHECK(b.status(i) == CqeStatus::RemoteAccessAbort);
      CHECK(b.rec().at(i).execs == 0);
    }
    if (row.via != Via::Bypass) {
      CHECK(b.status(8) == CqeStatus::RemoteAccessAbort);
    }
    CHECK(b.status(4) == CqeStatus::Success);
    CHECK(b.status(9) == CqeStatus::Success);
    CHECK(b.mem(0, 512) == std::vector<Byte>(512, Byte{0}));
    CHECK(b.tgt().memory().read(0xA00000, 256) == std::vector<Byte>(256, Byte{0}));
    CHECK(b.tgt().memory().read(0xB00000 + 4096 - 32, 64) == std::vector<Byte>(64, Byte{0}));

    // Rotation (§11.4.4): the Home installs B as the secondary value; A and B both pass; then B
    // becomes the primary and A is dropped: A is refused.
    constexpr std::uint32_t kNew = 0xB0B0B0;
    REQUIRE(u.set_token_values(1, kSegToken, kSegUba, kTokenValue, kNew));
    auto old_ok = write_op(20, 4096, pattern(n, 20));
    b.post(old_ok);
    auto new_ok = write_op(21, 8192, pattern(n, 21));
    new_ok.token_value = kNew;
    b.post(new_ok);
    b.run();
    CHECK(b.status(20) == CqeStatus::Success);
    CHECK(b.status(21) == CqeStatus::Success);
    REQUIRE(u.set_token_values(1, kSegToken, kSegUba, kNew, kNew));
    auto old_bad = write_op(22, 12288, pattern(n, 22));
    old_bad.expect_denied = true;
    b.post(old_bad);
    auto new_read = read_op(23, 8192, n);
    new_read.token_value = kNew;
    b.post(new_read);
    b.run();
    CHECK(b.status(22) == CqeStatus::RemoteAccessAbort);
    CHECK(b.mem(12288, n) == std::vector<Byte>(n, Byte{0}));
    CHECK(b.completion(23).data == pattern(n, 21));
    CHECK(b.tgt().counters().aborts == (row.via == Via::Bypass ? 7U : 8U));
    b.check_oracle();
  }
}

} // namespace
} // namespace ub::ta

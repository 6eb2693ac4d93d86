// The function layer (UB-Base-2.0 §8.2.2, §8.3, §9.5) driven by the fuzzer: two URMA devices
// (fn::UrmaDevice: Jettys, JFS and JFR, Jetty Groups, JFCs and the load/store unit over a
// TaEndpoint) over ideal transports and a network under the fuzzer's control. The reference
// oracle (protocol/ta/oracle.hpp) judges every transaction; the checks below judge what the
// function layer adds: the Jetty state machine, completions on JFCs, receive completions and the
// load/store unit. Input, read in this order (fuzz/README.md gives the byte layout):
//
//   header   the wire form (CNA16, TAID, compact), one or many packets per slice, a lossless
//            network or a lossy one (random loss, scripted drops; ROL queues only when lossless),
//            the transaction ACK timeout (which decides the oracle's late_execution) and retry
//            limit, the RNR timer;
//   devices  per device: 1-3 JFCs (depth 1-16), 1-4 Jettys (kind, mode, exception mode, JFCs,
//            one-to-one binding or none), the device's receive token or none, receive buffers, a
//            Jetty Group over its receiving Jettys or none, the load/store unit or none;
//   program  up to 160 steps: modify a Jetty, post a work request (any of eleven opcodes, to the
//            peer or to itself), post receive buffers, run the network for a while, drop the next
//            packets, drain a JFC, a load, a store or an atomic at a physical address.
// At the end faults stop, the network runs to quiescence, Jettys left suspended are resumed or
// moved to Error (the input says which), and every JFC, event and load/store result is drained.
//
// Must hold, besides no crash or UB and the oracle finding no violation:
//   J1 modify succeeds exactly for the transitions §8.2.2.3 allows (the declared table
//      kJettyMachine), and state() then reads the new state; otherwise a state changes only from
//      Ready to Suspend, for a Jetty in exception mode Suspend whose request failed, and then with
//      one JettySuspended event;
//   J2 post_send is refused WrongKind on a JFR, BadState in Reset and Error, NotBound off a
//      one-to-one Jetty's peer, UnsupportedOpcode for SEND_INVALIDATE (TAOpcode 0x02 is
//      reserved); otherwise the transaction layer decides;
//   J3 every send CQE names an accepted request of its Jetty (user context, opcode, peer) on the
//      Jetty's send JFC, once, with its transaction's status, data and length (0 unless
//      successful); a successful request without its CQE enabled has none; a drained JFC never
//      held more than its depth; at the end each JFC's CQEs plus its overflow events are exactly
//      the completions owed to it, and no device holds a request it will never complete;
//   J4 every receive CQE matches a receive completion of the target for that Jetty (status,
//      opcode, length, immediate, initiator); no request is taken into a receive buffer while
//      its Jetty is in Reset or Error (a completion held for order may be written after);
//   J5 Suspend schedules nothing new: a request not yet started when its Jetty left Ready, or
//      posted after, sends no slice while the Jetty stays suspended; a Jetty in Reset or Error
//      sends nothing, and once modify returns none of its requests is outstanding;
//   J6 the load/store unit: NoMapping exactly outside the decoder's range, Busy exactly at the
//      outstanding limit, one completion per access, and a successful load returns exactly the
//      bytes asked for, those of its read at the access's offset in the block.

#include <algorithm>
#include <array>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"
#include "protocol/common/rng.hpp"
#include "protocol/fn/fn_machines.hpp"
#include "protocol/fn/urma_device.hpp"
#include "protocol/ta/oracle.hpp"
#include "protocol/ta/ta_opcode.hpp"
#include "protocol/ta/transport.hpp"
#include "protocol/ta/txn_net.hpp"
#include "protocol/tp/tp_channel.hpp"
#include "provider.hpp"

using namespace ub;
using namespace ub::fn;
using ub::fuzz::Provider;

namespace {

constexpr std::size_t kDevices = 2;
constexpr std::size_t kMaxSteps = 160;
constexpr std::uint32_t kSegToken = 3;
constexpr std::uint32_t kSegTokenValue = 0xAB12;
constexpr std::uint64_t kSegSize = 64 * 1024;
constexpr std::uint64_t kSegPa = 0x200000;
constexpr std::uint64_t kDecoderPa = 0x4000'0000; // the load/store unit's window onto the peer
constexpr Time kEndLimit{10'000'000'000'000};     // 10 s of model time to go quiet

[[noreturn]] void violation(const char* check, const char* fmt, ...) {
  std::fprintf(stderr, "%s violated: ", check);
  va_list ap;
  va_start(ap, fmt);
  std::vfprintf(stderr, fmt, ap);
  va_end(ap);
  std::fprintf(stderr, "\n");
  std::abort();
}

bool allowed_by_table(JettyState from, JettyState to) {
  static constexpr std::array<std::string_view, 4> kEvent = {"modify_reset", "modify_ready",
                                                             "modify_suspend", "modify_error"};
  const std::string_view f = to_string(from);
  const std::string_view e = kEvent[static_cast<std::size_t>(to)];
  for (const auto& t : machine_detail::kJettyTransitions) {
    if (t.state == f && t.event == e) {
      return t.to == to_string(to);
    }
  }
  return false;
}

bool failed(CqeStatus s) {
  return s != CqeStatus::Success && s != CqeStatus::Flushed;
}

struct JettyModel {
  JettyId id = 0;
  JettyConfig cfg;
  JettyState state = JettyState::Reset;
  unsigned suspends_owed = 0;                // JettySuspended events the device still has to raise
  std::vector<std::pair<Time, Time>> closed; // times in Reset or Error (J4), the last open-ended
  [[nodiscard]] bool sends() const { return cfg.kind != JettyKind::Jfr; }
  [[nodiscard]] bool receives() const { return cfg.kind != JettyKind::Jfs; }
};

struct OpRec {
  std::size_t dev = 0;
  std::uint32_t queue = 0;
  bool started = false; // some slice went out
  bool held = false;    // J5: may not start while its Jetty stays suspended
  std::optional<CqeStatus> status;
  std::vector<Byte> data;
};

struct WrRec {
  std::size_t dev = 0;
  JettyId jetty = 0;
  WrOpcode opcode = WrOpcode::Write;
  ta::PeerId peer = 0;
  std::uint32_t length = 0;
  bool complete_enable = true;
  ta::OpId op = 0; // 0: a NOP (no transaction)
  bool cqe_seen = false;
};

struct LsRec {
  ta::OpId op = 0;
  bool load = false;
  std::uint64_t skip = 0;
  std::uint32_t n = 0;
};

struct Device {
  std::vector<JfcId> jfcs;
  std::map<JfcId, std::uint32_t> depth;
  std::vector<JettyModel> jettys;
  std::optional<JettyId> group;
  std::optional<std::uint32_t> token;
  std::optional<LsConfig> ls;
  std::map<std::uint64_t, LsRec> ls_out; // ticket -> access
  // Receive completions of the target per Jetty, not yet matched by a receive CQE.
  std::map<JettyId, std::deque<ta::ReceiveCompleted>> received;
  std::map<JfcId, std::uint64_t> owed;      // CQEs owed to each JFC (sends and receives)
  std::map<JfcId, std::uint64_t> got;       // CQEs drained from it
  std::map<JfcId, std::uint64_t> overflows; // JfcOverflow events for it
  JettyModel* jetty(JettyId id) {
    for (auto& j : jettys) {
      if (j.id == id) {
        return &j;
      }
    }
    return nullptr;
  }
};

class Harness;

// Forwards every transaction event to the oracle and keeps what the J checks need.
class Watch final : public ta::TxnObserver {
public:
  explicit Watch(Harness& h) : h_(h) {}
  std::unique_ptr<ta::Oracle> oracle = std::make_unique<ta::Oracle>(); // set up by the header
  void on_posted(const ta::OpPosted& e) override;
  void on_sent(const ta::SliceSent& e) override;
  void on_executed(const ta::Executed& e) override { oracle->on_executed(e); }
  void on_completed(const ta::OpCompleted& e) override;
  void on_reported(const ta::OpReported& e) override;
  void on_received(const ta::ReceiveCompleted& e) override;

private:
  Harness& h_;
};

using Net = ta::test::NodeNet<UrmaDevice>;

class Harness {
public:
  explicit Harness(Provider& in) : in_(in), watch_(*this) {}

  void run();

  // ---- the observer's side ----
  void posted(const ta::OpPosted& e) {
    watch_.oracle->on_posted(e);
    OpRec r;
    r.dev = e.initiator;
    r.queue = e.queue;
    if (JettyModel* j = dev_[r.dev].jetty(e.queue); j != nullptr && j->state != JettyState::Ready) {
      r.held = true; // posted on a suspended Jetty (J5)
    }
    ops_[e.op] = std::move(r);
    last_posted_ = e.op;
  }
  void sent(const ta::SliceSent& e) {
    watch_.oracle->on_sent(e);
    auto it = ops_.find(e.op);
    if (it == ops_.end()) {
      violation("J5", "a slice of op %llu that was never posted went out",
                static_cast<unsigned long long>(e.op));
    }
    OpRec& r = it->second;
    if (JettyModel* j = dev_[r.dev].jetty(r.queue); j != nullptr) {
      if (j->state == JettyState::Reset || j->state == JettyState::Error) {
        violation("J5", "device %zu Jetty %u in %s sent a slice of op %llu", r.dev, j->id,
                  std::string(to_string(j->state)).c_str(), static_cast<unsigned long long>(e.op));
      }
      if (r.held && !e.retry && j->state == JettyState::Suspend) {
        violation("J5", "device %zu Jetty %u is suspended but started op %llu", r.dev, j->id,
                  static_cast<unsigned long long>(e.op));
      }
    }
    r.started = true;
  }
  void completed(const ta::OpCompleted& e) {
    watch_.oracle->on_completed(e);
    auto it = ops_.find(e.op);
    if (it == ops_.end() || it->second.status) {
      violation("J3", "op %llu completed but was not outstanding",
                static_cast<unsigned long long>(e.op));
    }
    OpRec& r = it->second;
    r.status = e.status;
    r.data = e.data;
  }
  void reported(const ta::OpReported& e) {
    watch_.oracle->on_reported(e);
    // The device hears of a completion when the transaction layer reports it (a comp_order op
    // waits for the ops before it), so its Jetty changes state then.
    auto it = ops_.find(e.op);
    if (it == ops_.end() || !it->second.status) {
      violation("J3", "op %llu reported before it completed",
                static_cast<unsigned long long>(e.op));
    }
    const OpRec& r = it->second;
    JettyModel* j = dev_[r.dev].jetty(r.queue);
    if (j != nullptr && failed(*r.status) && j->cfg.on_error == ta::ExceptionMode::Suspend &&
        j->state == JettyState::Ready) {
      // Exception mode Suspend (§8.2.2.3): the Jetty leaves Ready and says so.
      leave_ready(r.dev, *j);
      ++j->suspends_owed;
    }
  }
  void received(const ta::ReceiveCompleted& e) {
    watch_.oracle->on_received(e);
    Device& d = dev_[e.key.target];
    JettyModel* j = d.jetty(e.jetty);
    if (j == nullptr || !j->receives()) {
      violation("J4", "device %u wrote a receive completion for %u, no receiving Jetty",
                e.key.target, e.jetty);
    }
    // Taken now while the Jetty is closed, or taken (earlier: the completion waited for order)
    // strictly inside a time it was closed. Equal times are not judged: a request taken in the
    // same instant as the modify may have come first.
    const bool closed_now = j->state == JettyState::Reset || j->state == JettyState::Error;
    bool taken_closed = e.taken == e.t && closed_now;
    for (const auto& [from, to] : j->closed) {
      taken_closed = taken_closed || (e.taken > from && e.taken < to);
    }
    if (taken_closed) {
      violation("J4",
                "device %u Jetty %u took a request into a receive buffer at %lld ps, while "
                "in Reset or Error",
                e.key.target, e.jetty, static_cast<long long>(e.taken.count()));
    }
    d.received[e.jetty].push_back(e);
    ++d.owed[j->cfg.recv_jfc];
  }

private:
  void setup();
  void setup_device(std::size_t i);
  void step();
  void finish();

  // The model's side of a modify the table allows.
  void enter(std::size_t dev, JettyModel& j, JettyState to) {
    if (j.state == JettyState::Ready && to != JettyState::Ready) {
      leave_ready(dev, j);
    }
    const auto closes = [](JettyState x) {
      return x == JettyState::Reset || x == JettyState::Error;
    };
    if (!closes(j.state) && closes(to)) {
      j.closed.emplace_back(net_->now(), kNever);
    } else if (closes(j.state) && !closes(to) && !j.closed.empty()) {
      j.closed.back().second = net_->now();
    }
    j.state = to;
    if (to == JettyState::Ready) {
      for (auto& [id, r] : ops_) {
        if (r.dev == dev && r.queue == j.id) {
          r.held = false;
        }
      }
    }
  }

  void leave_ready(std::size_t dev, JettyModel& j) {
    j.state = JettyState::Suspend;
    for (auto& [id, r] : ops_) {
      if (r.dev == dev && r.queue == j.id && !r.started && !r.status) {
        r.held = true;
      }
    }
  }

  void op_modify();
  void op_post();
  void op_recv();
  void op_drain_jfc();
  void op_load_store();

  // After every call into a device: events, load/store results and the state of every Jetty.
  void settle();
  void drain_jfc(std::size_t d, JfcId c);
  void drain_async(std::size_t d);
  void drain_ls(std::size_t d);
  void check_states();
  void run_for(Time dt);

  Provider& in_;
  Watch watch_;
  std::unique_ptr<Net> net_;
  std::array<Device, kDevices> dev_{};
  std::map<ta::OpId, OpRec> ops_;
  std::map<std::uint64_t, WrRec> wrs_; // user context -> request
  std::uint64_t next_ctx_ = 1;
  ta::OpId last_posted_ = 0;
  bool lossless_ = true;
  ta::TaWire wire_ = ta::TaWire::Cna16;
  unsigned drop_next_ = 0;
  unsigned loss_pct_ = 0;
  bool faults_on_ = true;
  Rng rng_{1, 7};
};

void Watch::on_posted(const ta::OpPosted& e) {
  h_.posted(e);
}
void Watch::on_sent(const ta::SliceSent& e) {
  h_.sent(e);
}
void Watch::on_completed(const ta::OpCompleted& e) {
  h_.completed(e);
}
void Watch::on_received(const ta::ReceiveCompleted& e) {
  h_.received(e);
}
void Watch::on_reported(const ta::OpReported& e) {
  h_.reported(e);
}

void Harness::setup() {
  const std::uint8_t h = in_.byte();
  static constexpr std::array<ta::TaWire, 3> kWires = {ta::TaWire::Cna16, ta::TaWire::Taid,
                                                       ta::TaWire::Compact};
  wire_ = kWires[(h & 3U) % 3U];
  const bool multi = (h & 4U) == 0;
  lossless_ = (h & 8U) != 0;
  loss_pct_ = lossless_ ? 0 : (h >> 4U) % 8U; // up to 7%
  ta::EndpointConfig ep;
  // The ACK timeout: mostly 5-80 us, shorter than the waits a request can sit out at its target
  // (held behind an earlier one answered RNR, up to 4 retries of 2-8 us each); else 1 ms.
  const std::uint8_t ack = in_.byte();
  ep.initiator.ack_timeout = ack < 228 ? Time{(5 + ack % 76) * 1'000'000LL} : Time{1'000'000'000};
  ep.initiator.retry_limit = static_cast<std::uint8_t>(in_.byte() % 4);
  ep.target.rnr_timer = static_cast<std::uint8_t>(in_.byte() % 3);
  // Can a request execute after its op timed out? No packet is delayed here, so only a wait at
  // the target makes one late: a request held for order behind one answered RNR or page fault
  // waits out that one's retries. Bound it (with room for a chain of such waits, and a factor of
  // 4): when the ACK timeout is shorter, a failed op may still execute (late_execution), as the
  // oracle's model assumption (the TA timeout outlasts every such wait) does not hold.
  const Time worst_wait = tp::rnr_timeout(ep.target.rnr_timer) + Time{2'000'000};
  const Time bound = Time{20'000'000} + worst_wait * (2 * (1 + ep.initiator.retry_limit) + 16);
  ta::OracleConfig oc;
  oc.late_execution = ep.initiator.ack_timeout < bound * 4;
  watch_.oracle = std::make_unique<ta::Oracle>(oc);
  rng_ = Rng{in_.byte(), 7};
  std::vector<std::unique_ptr<ta::TaTransport>> ts;
  for (std::size_t i = 0; i < kDevices; ++i) {
    ta::IdealConfig c;
    c.self = static_cast<ta::PeerId>(i);
    c.wire = wire_;
    c.mtu = 4096;
    c.multi_packet = multi;
    ts.push_back(ta::make_ideal_transport(c));
  }
  net_ = std::make_unique<Net>(std::move(ts), ep, ta::test::NetConfig{}, &watch_);
  net_->filter = [this](const ta::NetPacket&) {
    if (!faults_on_) {
      return true;
    }
    if (drop_next_ > 0) {
      --drop_next_;
      return false;
    }
    return loss_pct_ == 0 || rng_.below(100) >= loss_pct_;
  };
  for (std::size_t i = 0; i < kDevices; ++i) {
    setup_device(i);
  }
  settle();
}

void Harness::setup_device(std::size_t i) {
  UrmaDevice& u = net_->ep(i);
  Device& d = dev_[i];
  const auto self = static_cast<ta::PeerId>(i);
  const auto peer = static_cast<ta::PeerId>(1 - i);
  // Its segment: 64 KiB at UBA 0, token checked (the peer and itself address it).
  auto& m = u.endpoint().target().ummu();
  UB_FUZZ_CHECK(m.add_entity(self));
  UB_FUZZ_CHECK(m.add_token_context(self, kSegToken));
  UB_FUZZ_CHECK(m.map(self, kSegToken, 0, kSegSize, kSegPa));
  ta::PermissionEntry pe;
  pe.base = 0;
  pe.limit = kSegSize - 1;
  pe.token_val0 = kSegTokenValue;
  UB_FUZZ_CHECK(m.add_permission(self, kSegToken, pe));

  const unsigned njfc = 1 + in_.byte() % 3U;
  for (unsigned k = 0; k < njfc; ++k) {
    const std::uint32_t depth = 1 + in_.byte() % 16U;
    auto c = u.create_jfc(depth);
    UB_FUZZ_CHECK(c.has_value());
    d.jfcs.push_back(*c);
    d.depth[*c] = depth;
  }
  UB_FUZZ_CHECK(!u.create_jfc(0).has_value()); // a JFC holds at least one CQE
  const std::uint8_t tb = in_.byte();
  if ((tb & 1U) != 0) {
    d.token = 0x100U + tb;
  }
  const unsigned nj = 1 + in_.byte() % 4U;
  for (unsigned k = 0; k < nj; ++k) {
    const std::uint8_t a = in_.byte();
    const std::uint8_t b = in_.byte();
    JettyConfig c;
    static constexpr std::array<JettyKind, 4> kKinds = {JettyKind::Standard, JettyKind::Standard,
                                                        JettyKind::Jfs, JettyKind::Jfr};
    c.kind = kKinds[a & 3U];
    static constexpr std::array<ta::TaMode, 4> kModes = {ta::TaMode::Roi, ta::TaMode::Uno,
                                                         ta::TaMode::Rot, ta::TaMode::Rol};
    c.mode = kModes[(a >> 2U) & 3U];
    if (c.mode == ta::TaMode::Rol && !lossless_) {
      c.mode = ta::TaMode::Roi; // ROL presumes a lower layer without loss (§7.3.3.4)
    }
    c.on_error = (a & 0x10U) != 0 ? ta::ExceptionMode::Continue : ta::ExceptionMode::Suspend;
    c.send_jfc = d.jfcs[b % d.jfcs.size()];
    c.recv_jfc = d.jfcs[(b >> 2U) % d.jfcs.size()];
    c.token = d.token;
    if ((a & 0x60U) == 0x60U) {
      c.bound =
          RemoteJetty{peer, static_cast<JettyId>(UrmaDevice::kFirstDynamicJetty + (b >> 4U) % 4U),
                      false, std::nullopt};
    }
    auto id = u.create_jetty(c);
    if (c.bound && c.kind != JettyKind::Standard) {
      UB_FUZZ_CHECK(!id.has_value()); // only a standard Jetty is one-to-one (§8.2.2.2)
      continue;
    }
    if (!id) {
      continue; // the transaction layer refused the queue
    }
    JettyModel jm;
    jm.id = *id;
    jm.cfg = c;
    jm.closed.emplace_back(net_->now(), kNever); // created in Reset
    UB_FUZZ_CHECK(u.state(*id) == std::optional<JettyState>{JettyState::Reset});
    d.jettys.push_back(jm);
    // Most Jettys start Ready, as an application brings them up.
    if ((a & 0x80U) == 0) {
      enter(i, d.jettys.back(), JettyState::Ready);
      UB_FUZZ_CHECK(u.modify(*id, JettyState::Ready, net_->now()).has_value());
    }
  }
  const std::uint8_t g = in_.byte();
  std::vector<JettyId> members;
  for (const auto& j : d.jettys) {
    if (j.receives()) {
      members.push_back(j.id);
      const unsigned bufs = g % 5U;
      for (unsigned k = 0; k < bufs; ++k) {
        static constexpr std::array<std::uint32_t, 3> kCaps = {64, 4096, 65536};
        UB_FUZZ_CHECK(u.post_recv(j.id, kCaps[(g >> 3U) % 3U]).has_value());
      }
    }
  }
  if ((g & 0x80U) != 0 && !members.empty()) {
    auto gid = u.create_jetty_group(members, static_cast<ta::GroupPolicy>((g >> 5U) % 3U));
    UB_FUZZ_CHECK(gid.has_value());
    d.group = *gid;
  }
  const std::uint8_t l = in_.byte();
  if ((l & 1U) != 0) {
    LsConfig c;
    c.mode = (l & 2U) != 0 ? ta::TaMode::Uno : (lossless_ ? ta::TaMode::Rol : ta::TaMode::Roi);
    c.max_outstanding = 1 + (l >> 2U) % 4U;
    UB_FUZZ_CHECK(u.enable_load_store(c).has_value());
    UB_FUZZ_CHECK(!u.enable_load_store(c).has_value()); // once
    RemoteSegment seg{peer, kSegToken, 0, kSegSize, kSegTokenValue};
    UB_FUZZ_CHECK(u.add_decoder_entry(DecoderEntry{kDecoderPa, kSegSize, seg}).has_value());
    UB_FUZZ_CHECK(!u.add_decoder_entry(DecoderEntry{kDecoderPa + 64, 64, seg}).has_value());
    d.ls = c;
  }
}

void Harness::drain_async(std::size_t i) {
  Device& d = dev_[i];
  while (auto e = net_->ep(i).poll_async()) {
    switch (e->kind) {
    case AsyncEvent::Kind::JettySuspended: {
      JettyModel* j = d.jetty(e->jetty);
      if (j == nullptr || j->suspends_owed == 0) {
        violation("J1",
                  "device %zu raised JettySuspended for Jetty %u, whose requests did not "
                  "fail in Ready with exception mode Suspend",
                  i, e->jetty);
      }
      --j->suspends_owed;
      break;
    }
    case AsyncEvent::Kind::JettyError:
      violation("J1",
                "device %zu raised JettyError for Jetty %u: nothing moves a Jetty to Error "
                "but modify",
                i, e->jetty);
    case AsyncEvent::Kind::JfcOverflow:
      if (d.depth.count(e->jfc) == 0) {
        violation("J3", "device %zu: overflow of JFC %u, which does not exist", i, e->jfc);
      }
      ++d.overflows[e->jfc];
      break;
    }
  }
}

void Harness::drain_ls(std::size_t i) {
  Device& d = dev_[i];
  while (auto c = net_->ep(i).poll_ls()) {
    auto it = d.ls_out.find(c->ticket);
    if (it == d.ls_out.end()) {
      violation("J6", "device %zu completed load/store ticket %llu twice or never issued", i,
                static_cast<unsigned long long>(c->ticket));
    }
    const LsRec r = it->second;
    d.ls_out.erase(it);
    const OpRec& op = ops_.at(r.op);
    if (!op.status || *op.status != c->status) {
      violation("J6", "device %zu ticket %llu: status %u, its transaction's %d", i,
                static_cast<unsigned long long>(c->ticket), static_cast<unsigned>(c->status),
                op.status ? static_cast<int>(*op.status) : -1);
    }
    if (r.load && c->status == CqeStatus::Success) {
      if (c->data.size() != r.n || r.skip + r.n > op.data.size() ||
          !std::equal(c->data.begin(), c->data.end(),
                      op.data.begin() + static_cast<std::ptrdiff_t>(r.skip))) {
        violation("J6",
                  "device %zu ticket %llu: a load of %u bytes at offset %llu of its block "
                  "returned %zu bytes (the read returned %zu)",
                  i, static_cast<unsigned long long>(c->ticket), r.n,
                  static_cast<unsigned long long>(r.skip), c->data.size(), op.data.size());
      }
    }
  }
}

void Harness::drain_jfc(std::size_t i, JfcId c) {
  Device& d = dev_[i];
  std::uint32_t n = 0;
  while (auto q = net_->ep(i).poll_jfc(c)) {
    ++n;
    ++d.got[c];
    if (q->recv) {
      JettyModel* j = d.jetty(q->local_jetty);
      if (j == nullptr || !j->receives() || j->cfg.recv_jfc != c) {
        violation("J4",
                  "device %zu JFC %u: a receive CQE for Jetty %u, which does not receive "
                  "into it",
                  i, c, q->local_jetty);
      }
      auto& fifo = d.received[q->local_jetty];
      auto match = std::find_if(fifo.begin(), fifo.end(), [&](const ta::ReceiveCompleted& r) {
        const WrOpcode op = r.opcode == ta::TaOpcode::SendWithImmediate    ? WrOpcode::SendImm
                            : r.opcode == ta::TaOpcode::WriteWithImmediate ? WrOpcode::WriteImm
                                                                           : WrOpcode::Send;
        return r.status == q->status && op == q->opcode && r.length == q->byte_len &&
               r.immediate == q->imm && r.key.initiator == q->remote;
      });
      if (match == fifo.end() && q->status == CqeStatus::LocalLength &&
          (q->opcode == WrOpcode::Send || q->opcode == WrOpcode::SendImm)) {
        // A Send longer than the receive buffer (design reading X34): the receiver's CQE says
        // so, and the target does not report it to the observer (the initiator sees UR).
        continue;
      }
      if (match == fifo.end()) {
        violation("J4",
                  "device %zu Jetty %u: a receive CQE (status %u, %u bytes) that no "
                  "receive completion of the target matches",
                  i, q->local_jetty, static_cast<unsigned>(q->status), q->byte_len);
      }
      fifo.erase(match);
      continue;
    }
    auto it = wrs_.find(q->user_ctx);
    if (it == wrs_.end()) {
      violation("J3", "device %zu JFC %u: a CQE for user context %llu, never posted", i, c,
                static_cast<unsigned long long>(q->user_ctx));
    }
    WrRec& w = it->second;
    const JettyModel* j = dev_[w.dev].jetty(w.jetty);
    if (w.dev != i || j == nullptr || j->cfg.send_jfc != c || q->local_jetty != w.jetty ||
        q->opcode != w.opcode || w.cqe_seen) {
      violation("J3", "device %zu JFC %u: CQE for request %llu (%s) misplaced or repeated", i, c,
                static_cast<unsigned long long>(q->user_ctx),
                std::string(to_string(w.opcode)).c_str());
    }
    w.cqe_seen = true;
    if (w.op == 0) {
      if (q->status != CqeStatus::Success) {
        violation("J3", "a NOP completed with status %u", static_cast<unsigned>(q->status));
      }
      continue;
    }
    const OpRec& op = ops_.at(w.op);
    if (!op.status || *op.status != q->status || q->remote != w.peer) {
      violation("J3",
                "device %zu: CQE of request %llu says status %u peer %u, its transaction "
                "status %d peer %u",
                i, static_cast<unsigned long long>(q->user_ctx), static_cast<unsigned>(q->status),
                q->remote, op.status ? static_cast<int>(*op.status) : -1, w.peer);
    }
    if (!w.complete_enable && q->status == CqeStatus::Success) {
      violation("J3", "device %zu: a CQE for request %llu, successful with its CQE disabled", i,
                static_cast<unsigned long long>(q->user_ctx));
    }
    const std::uint32_t len = q->status == CqeStatus::Success ? w.length : 0;
    if (q->byte_len != len || q->data != op.data) {
      violation("J3",
                "device %zu: CQE of request %llu carries %u bytes and %zu data bytes, the "
                "transaction %u and %zu",
                i, static_cast<unsigned long long>(q->user_ctx), q->byte_len, q->data.size(), len,
                op.data.size());
    }
  }
  if (n > d.depth.at(c)) {
    violation("J3", "device %zu JFC %u held %u CQEs, its depth is %u", i, c, n, d.depth.at(c));
  }
}

void Harness::check_states() {
  for (std::size_t i = 0; i < kDevices; ++i) {
    for (const auto& j : dev_[i].jettys) {
      const auto s = net_->ep(i).state(j.id);
      if (!s || *s != j.state) {
        violation("J1", "device %zu Jetty %u is %s, the Jetty state machine says %s", i, j.id,
                  s ? std::string(to_string(*s)).c_str() : "gone",
                  std::string(to_string(j.state)).c_str());
      }
    }
  }
}

void Harness::settle() {
  for (std::size_t i = 0; i < kDevices; ++i) {
    drain_async(i);
    drain_ls(i);
  }
  check_states();
}

void Harness::run_for(Time dt) {
  (void)net_->run(net_->now() + dt);
  settle();
}

void Harness::op_modify() {
  const std::size_t i = in_.byte() % kDevices;
  Device& d = dev_[i];
  const std::uint8_t b = in_.byte();
  if (d.jettys.empty()) {
    return;
  }
  JettyModel& j = d.jettys[b % d.jettys.size()];
  const auto to = static_cast<JettyState>((b >> 4U) % 4U);
  const JettyState from = j.state;
  const bool allowed = allowed_by_table(from, to);
  if (allowed) {
    // The new state holds from the call on: completions the call reports (a flush lets held
    // ones go) are the device's to collect in that state.
    enter(i, j, to);
  }
  const bool ok = net_->ep(i).modify(j.id, to, net_->now()).has_value();
  if (ok != allowed) {
    violation("J1", "device %zu Jetty %u: modify %s -> %s %s", i, j.id,
              std::string(to_string(from)).c_str(), std::string(to_string(to)).c_str(),
              ok ? "accepted, not in §8.2.2.3" : "refused, allowed by §8.2.2.3");
  }
  if (ok) {
    if (to == JettyState::Reset || to == JettyState::Error) {
      for (const auto& [id, r] : ops_) {
        if (r.dev == i && r.queue == j.id && !r.status) {
          violation("J5", "device %zu Jetty %u moved to %s with op %llu still outstanding", i, j.id,
                    std::string(to_string(to)).c_str(), static_cast<unsigned long long>(id));
        }
      }
    }
  }
  settle();
}

void Harness::op_post() {
  const std::size_t i = in_.byte() % kDevices;
  Device& d = dev_[i];
  const std::uint8_t a = in_.byte();
  const std::uint8_t b = in_.byte();
  const std::uint8_t c = in_.byte();
  if (d.jettys.empty()) {
    return;
  }
  const JettyModel& j = d.jettys[a % d.jettys.size()];
  static constexpr std::array<WrOpcode, 12> kOps = {
      WrOpcode::Write, WrOpcode::Read,     WrOpcode::Send,           WrOpcode::SendImm,
      WrOpcode::Write, WrOpcode::WriteImm, WrOpcode::FetchAdd,       WrOpcode::Cas,
      WrOpcode::Swap,  WrOpcode::Nop,      WrOpcode::SendInvalidate, WrOpcode::WriteNotify};
  const WrOpcode opc = kOps[b % kOps.size()];
  // Mostly to the peer; now and then to the device itself.
  const auto peer = static_cast<ta::PeerId>((a & 0x80U) != 0 ? i : 1 - i);
  Device& pd = dev_[peer];
  WorkRequest wr;
  wr.opcode = opc;
  wr.user_ctx = next_ctx_++;
  wr.seg = RemoteSegment{peer, kSegToken, 0, kSegSize, kSegTokenValue};
  wr.place_order = static_cast<PlaceOrder>((c & 3U) % 3U);
  wr.fence = (c & 4U) != 0;
  wr.comp_order = (c & 8U) != 0;
  wr.complete_enable = (c & 0x30U) != 0;
  wr.hint = static_cast<std::uint8_t>(c >> 6U);
  const bool atomic = opc == WrOpcode::FetchAdd || opc == WrOpcode::Cas || opc == WrOpcode::Swap;
  if (atomic) {
    static constexpr std::array<std::uint32_t, 4> kSizes = {8, 16, 32, 64};
    wr.length = kSizes[in_.byte() % 4U];
    wr.offset = (in_.pick(kSegSize / wr.length)) * wr.length;
    wr.data.assign(opc == WrOpcode::Cas ? 2 * wr.length : wr.length, Byte{0});
    for (auto& x : wr.data) {
      x = static_cast<Byte>(in_.byte());
    }
  } else {
    const std::uint8_t l = in_.byte();
    // Lengths up to a few packets, and now and then none. (Longer than the segment would be a
    // Remote Access Abort, which the oracle allows only for a request marked expect_denied.)
    wr.length = l < 8 ? 0 : static_cast<std::uint32_t>(1 + in_.pick(6000));
    const std::uint64_t room = wr.length <= kSegSize ? kSegSize - wr.length : 0;
    wr.offset = in_.pick(room + 1);
    if (opc != WrOpcode::Read) {
      wr.data.resize(wr.length);
      const std::uint8_t seed = in_.byte();
      for (std::size_t k = 0; k < wr.data.size(); ++k) {
        wr.data[k] = static_cast<Byte>(seed + k * 7);
      }
    }
  }
  // Sends: to one of the peer's receiving Jettys, or its group, with the peer's token.
  std::vector<JettyId> rx;
  for (const auto& pj : pd.jettys) {
    if (pj.receives()) {
      rx.push_back(pj.id);
    }
  }
  const std::uint8_t r = in_.byte();
  if (pd.group && (r & 0x80U) != 0) {
    wr.jetty = RemoteJetty{peer, *pd.group, true, pd.token};
  } else if (!rx.empty()) {
    wr.jetty = RemoteJetty{peer, rx[r % rx.size()], false, pd.token};
  } else {
    wr.jetty = RemoteJetty{peer, UrmaDevice::kFirstDynamicJetty, false, pd.token};
  }
  const bool message = opc == WrOpcode::Send || opc == WrOpcode::SendImm ||
                       opc == WrOpcode::SendInvalidate || opc == WrOpcode::WriteImm;
  if (message && rx.empty() && !pd.group) {
    return; // no receiving Jetty there: its refusal would be a RemoteAccessAbort the oracle forbids
  }
  wr.imm = 0x1000U + r;
  if (opc == WrOpcode::WriteNotify) {
    wr.notify_seg = wr.seg;
    wr.notify_offset = in_.pick(kSegSize / 8) * 8;
    wr.notify_data = 0xDA7A0000U + r;
  }
  // J2: what the function layer itself decides, in its order.
  std::optional<WrError> expect;
  const ta::PeerId to =
      (opc == WrOpcode::Send || opc == WrOpcode::SendImm || opc == WrOpcode::SendInvalidate)
          ? wr.jetty.eid
          : wr.seg.eid;
  if (j.cfg.kind == JettyKind::Jfr) {
    expect = WrError::WrongKind;
  } else if (j.state == JettyState::Reset || j.state == JettyState::Error) {
    expect = WrError::BadState;
  } else if (j.cfg.bound &&
             (to != j.cfg.bound->eid || (message && wr.jetty.id != j.cfg.bound->id))) {
    expect = WrError::NotBound;
  } else if (opc == WrOpcode::SendInvalidate) {
    expect = WrError::UnsupportedOpcode;
  }
  last_posted_ = 0;
  const auto res = net_->ep(i).post_send(j.id, wr, net_->now());
  if (expect) {
    if (res || res.error() != *expect) {
      violation("J2", "device %zu Jetty %u (%s) %s: expected %s, got %s", i, j.id,
                std::string(to_string(j.state)).c_str(), std::string(to_string(opc)).c_str(),
                std::string(to_string(*expect)).c_str(),
                res ? "accepted" : std::string(to_string(res.error())).c_str());
    }
    settle();
    return;
  }
  if (res) {
    WrRec w;
    w.dev = i;
    w.jetty = j.id;
    w.opcode = opc;
    w.peer = to;
    w.length = wr.length;
    w.complete_enable = wr.complete_enable;
    w.op = opc == WrOpcode::Nop ? 0 : last_posted_;
    if (opc != WrOpcode::Nop && last_posted_ == 0) {
      violation("J2", "device %zu accepted %s but posted no transaction", i,
                std::string(to_string(opc)).c_str());
    }
    if (w.op != 0 || wr.complete_enable) {
      ++d.owed[j.cfg.send_jfc]; // settled at the end by the transaction's status
    }
    wrs_[wr.user_ctx] = w;
  } else if (last_posted_ != 0) {
    violation("J2", "device %zu refused %s after posting its transaction", i,
              std::string(to_string(opc)).c_str());
  }
  settle();
}

void Harness::op_recv() {
  const std::size_t i = in_.byte() % kDevices;
  const std::uint8_t b = in_.byte();
  Device& d = dev_[i];
  if (d.jettys.empty()) {
    return;
  }
  const JettyModel& j = d.jettys[b % d.jettys.size()];
  const auto r = net_->ep(i).post_recv(j.id, 64U << ((b >> 4U) % 11U));
  if (r.has_value() != j.receives()) {
    violation("J4", "device %zu Jetty %u: post_recv %s on a %s", i, j.id,
              r ? "accepted" : "refused", j.receives() ? "receiving Jetty" : "JFS");
  }
  settle();
}

void Harness::op_drain_jfc() {
  const std::size_t i = in_.byte() % kDevices;
  const std::uint8_t b = in_.byte();
  drain_jfc(i, dev_[i].jfcs[b % dev_[i].jfcs.size()]);
}

// The enclosing block of a compact-form access (§7.2.3, design reading X29): aligned to 64, a
// power-of-two multiple of 64 bytes, at most 8 KiB.
std::uint64_t block_len(std::uint64_t span) {
  std::uint64_t len = 64;
  while (len < span && len < 8192) {
    len *= 2;
  }
  return len;
}

void Harness::op_load_store() {
  const std::size_t i = in_.byte() % kDevices;
  Device& d = dev_[i];
  const std::uint8_t k = in_.byte();
  // Mostly inside the window, sometimes across its ends.
  const std::uint64_t pa = kDecoderPa - 256 + in_.pick(kSegSize + 512);
  const std::uint8_t l = in_.byte();
  const std::uint32_t n = l < 200 ? 1U + l : static_cast<std::uint32_t>(64U << (l % 9U));
  const bool compact = wire_ == ta::TaWire::Compact;
  UrmaDevice& u = net_->ep(i);
  const auto order = static_cast<ta::ExecOrder>(k % 3U);
  Expected<std::uint64_t, LsError> r = make_unexpected(LsError::Refused);
  std::uint64_t start = pa;
  std::uint64_t len = n;
  bool expressible = true;
  LsRec rec;
  last_posted_ = 0;
  switch ((k >> 2U) % 3U) {
  case 0:
    if (compact) {
      start = pa & ~std::uint64_t{63};
      len = block_len(pa + n - start);
      expressible = pa + n - start <= 8192; // longer is not one compact read
    }
    rec.load = true;
    rec.skip = pa - start;
    rec.n = n;
    r = u.load(pa, n, order, net_->now());
    break;
  case 1: {
    std::vector<Byte> bytes(n, static_cast<Byte>(k));
    if (compact) {
      start = pa & ~std::uint64_t{63};
      len = block_len(pa + n - start);
      expressible = (start == pa && len == n) || (len <= 1024 && pa + n - start <= len);
    }
    r = u.store(pa, std::move(bytes), order, net_->now());
    break;
  }
  default: {
    const std::uint32_t size = (l & 1U) != 0 ? 64 : 8;
    len = size;
    expressible = !compact || size == 64;
    static constexpr std::array<ta::TaOpcode, 3> kAtomics = {
        ta::TaOpcode::AtomicFetchAdd, ta::TaOpcode::AtomicSwap, ta::TaOpcode::AtomicCompareSwap};
    const ta::TaOpcode code = kAtomics[(l >> 1U) % 3U];
    std::vector<Byte> ops(code == ta::TaOpcode::AtomicCompareSwap ? 2 * size : size,
                          static_cast<Byte>(l));
    r = u.atomic(pa & ~std::uint64_t{size - 1}, code, std::move(ops), size, net_->now());
    start = pa & ~std::uint64_t{size - 1};
    break;
  }
  }
  const bool mapped = start >= kDecoderPa && start + len <= kDecoderPa + kSegSize;
  if (!expressible) {
    if (r) {
      violation("J6",
                "device %zu accepted an access of %u bytes at %#llx that the compact form "
                "cannot carry",
                i, n, static_cast<unsigned long long>(pa));
    }
    settle();
    return;
  }
  if (!d.ls) {
    if (r) {
      violation("J6", "device %zu accepted a load/store access without the unit", i);
    }
    settle();
    return;
  }
  if ((!r && r.error() == LsError::NoMapping) != !mapped) {
    violation("J6", "device %zu: access [%#llx, +%llu) %s", i,
              static_cast<unsigned long long>(start), static_cast<unsigned long long>(len),
              mapped ? "inside the decoder's range refused NoMapping" : "outside it not refused");
  }
  const bool full = d.ls_out.size() >= d.ls->max_outstanding;
  if (mapped && (!r && r.error() == LsError::Busy) != full) {
    violation("J6", "device %zu: %zu of %u accesses outstanding, and the unit said %s", i,
              d.ls_out.size(), d.ls->max_outstanding,
              r ? "yes" : std::string(to_string(r.error())).c_str());
  }
  if (r) {
    if (last_posted_ == 0) {
      violation("J6", "device %zu accepted an access but posted no transaction", i);
    }
    rec.op = last_posted_;
    d.ls_out[*r] = rec;
  }
  settle();
}

void Harness::step() {
  const std::uint8_t op = in_.byte();
  switch (op % 10U) {
  case 0:
  case 1:
    op_modify();
    break;
  case 2:
  case 3:
  case 4:
    op_post();
    break;
  case 5:
    op_recv();
    break;
  case 6:
    run_for(Time{(1 + in_.byte()) * 250'000LL}); // up to 64 us
    break;
  case 7:
    drop_next_ = lossless_ ? 0 : in_.byte() % 6U;
    break;
  case 8:
    op_drain_jfc();
    break;
  default:
    op_load_store();
    break;
  }
}

void Harness::finish() {
  faults_on_ = false;
  const std::uint8_t how = in_.byte();
  for (int round = 0;; ++round) {
    if (!net_->run(net_->now() + kEndLimit)) {
      violation("quiescence", "the devices did not go quiet within 10 s of model time");
    }
    settle();
    bool any = false;
    for (std::size_t i = 0; i < kDevices; ++i) {
      for (auto& j : dev_[i].jettys) {
        if (j.state != JettyState::Suspend) {
          continue;
        }
        // Resume it (a few times), or give up on it: its held requests must then finish.
        const JettyState to =
            round < 3 && ((how >> (j.id % 8U)) & 1U) == 0 ? JettyState::Ready : JettyState::Error;
        enter(i, j, to);
        UB_FUZZ_CHECK(net_->ep(i).modify(j.id, to, net_->now()).has_value());
        any = true;
      }
    }
    settle();
    if (!any) {
      break;
    }
  }
  for (std::size_t i = 0; i < kDevices; ++i) {
    for (JfcId c : dev_[i].jfcs) {
      drain_jfc(i, c);
    }
    drain_async(i);
    drain_ls(i);
  }
  // J3: every request owed a CQE got one or an overflow; every accepted op finished.
  for (auto& [ctx, w] : wrs_) {
    if (w.op == 0) {
      continue;
    }
    const OpRec& op = ops_.at(w.op);
    if (!op.status) {
      violation("J3", "device %zu request %llu (%s) never completed", w.dev,
                static_cast<unsigned long long>(ctx), std::string(to_string(w.opcode)).c_str());
    }
    if (!w.complete_enable && *op.status == CqeStatus::Success) {
      const JettyModel* j = dev_[w.dev].jetty(w.jetty);
      --dev_[w.dev].owed[j->cfg.send_jfc]; // a successful unsignalled request owes nothing
    }
  }
  for (std::size_t i = 0; i < kDevices; ++i) {
    Device& d = dev_[i];
    // Receive CQEs of Sends longer than their buffer (X34) are not told to the observer: the
    // target counts them, so each JFC's account holds up to them and the device's exactly.
    std::uint64_t owed = net_->ep(i).endpoint().target().counters().send_refused;
    std::uint64_t seen = 0;
    for (JfcId c : d.jfcs) {
      owed += d.owed[c];
      seen += d.got[c] + d.overflows[c];
      if (d.owed[c] > d.got[c] + d.overflows[c]) {
        violation("J3", "device %zu JFC %u: %llu completions owed, %llu CQEs and %llu overflows", i,
                  c, static_cast<unsigned long long>(d.owed[c]),
                  static_cast<unsigned long long>(d.got[c]),
                  static_cast<unsigned long long>(d.overflows[c]));
      }
    }
    if (owed != seen) {
      violation("J3",
                "device %zu: %llu completions owed (with the over-long Sends), %llu CQEs "
                "and overflows",
                i, static_cast<unsigned long long>(owed), static_cast<unsigned long long>(seen));
    }
    for (const auto& j : d.jettys) {
      if (j.suspends_owed != 0) {
        violation("J1",
                  "device %zu Jetty %u: a request failed in Ready under exception mode "
                  "Suspend and no JettySuspended event came",
                  i, j.id);
      }
    }
    if (!d.ls_out.empty()) {
      violation("J6", "device %zu: %zu load/store accesses never completed", i, d.ls_out.size());
    }
    if (net_->ep(i).outstanding_requests() != 0) {
      violation("J3", "device %zu still holds %zu requests after every one completed", i,
                net_->ep(i).outstanding_requests());
    }
  }
  watch_.oracle->finish(net_->now());
  if (!watch_.oracle->ok()) {
    std::fprintf(stderr, "%s\n", watch_.oracle->summary().c_str());
    std::abort();
  }
}

void Harness::run() {
  setup();
  for (std::size_t s = 0; s < kMaxSteps && in_.remaining() > 0; ++s) {
    step();
  }
  finish();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Provider in(data, size);
  Harness h(in);
  h.run();
  return 0;
}

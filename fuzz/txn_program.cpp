// The transaction layer (UB-Base-2.0 §7.3, §7.4, §9.4) driven by the fuzzer: initiators and
// targets (TaEndpoint: TaInitiator + TaTarget) over one transport (ideal, RTP, CTP, TP bypass, UTP)
// and a network loop under the fuzzer's control, every event checked by the reference oracle
// (protocol/ta/oracle.hpp). A fuzzer-controlled version of sim/txn_experiment.cpp (design note
// §13.2). Input, read in this order (fuzz/README.md gives the byte layout):
//
//   header    1-4 initiators, 1-3 targets, the transport (RTP: 1-4 channels, load balancing,
//             retransmission, TA status in the TP ACK, UNO allowed; CTP: NTH, per-packet LBF,
//             congestion control, routing; bypass: routing; ideal: wire form, one or many packets
//             per slice), the MTU, the slice size, TAACK coalescing, the ROT out-of-order policy,
//             SC count and buffer, persisted or not, retry limit, ack timeout, target timers
//             (RNR_Timer, page-fault RNR_Timer and service time, execution time), the loss
//             semantics of CTP / bypass (link retry or drop), hops, and what the Jetty layer does
//             at the end with a suspended queue (resume or flush);
//   targets   1-4 segments each (size, lazily mapped or present, MAPT permissions, token check,
//             primary and secondary token values, exclusive entries or contexts); two receive
//             queues sharing one token (or none), their first buffers and capacity, and a Jetty
//             Group over both with its policy;
//   queues    per initiator 1-3 queues, each with its mode (ROI, ROT static or dynamic, ROL, UNO;
//             as the transport allows) and exception mode;
//   program   up to 256 work requests (any TAOpcode code, reserved ones included; queue, target,
//             segment, offset, length, order NO/RO/SO, fence, comp_order, CQE or not, a bad-token
//             or out-of-range flag, operands, sub-operations, BE masks, receive Jettys and groups,
//             immediates, notify words) interleaved with time advances and Jetty-layer actions
//             (suspend, resume, flush a queue);
//   faults    up to 64 entries: per packet index a drop, a burst of drops, a duplicate (RTP: the TP
//             discards it) or an extra delay; per slice of a work request, injected RNR or page
//             faults (TaTarget::set_fault_hook); receive buffers posted late.
//
// The network: one link per (source, destination) with serialisation and a per-hop delay. A lost
// packet is gone over the ideal transport, RTP (the TP retransmits) and UTP; over CTP and bypass
// the data link retries it (MODEL X30: the link is held, so later packets of the link wait and the
// link's order holds) unless the header chose drop semantics; with a ROL queue, which presumes a
// lower layer without loss, every transport but RTP has its losses retried so. A delay holds the
// link likewise, except for a packet routed per packet (RT[0] = 1), which alone comes late
// (reordering).
//
// Must hold: no crash or UB; a post is refused exactly when check_post() refuses it, with its
// error; every accepted op completes exactly once (observer) and reports a completion when its
// CQE is enabled or it failed; the run goes quiet within the step and time bounds (the ack
// timeout bounds every wait; a queue left suspended is resumed or flushed by the Jetty layer at
// the end); the oracle finds no violation. The harness predicts Remote Access Abort from a
// shadow UMMU with every page present, and sets expect_denied accordingly; that prediction must
// agree with the MAPT rules the harness knows from its own segment table (token values,
// permission bits). Each segment's first 4 KiB start with a known pattern, not zeros.
// OracleConfig::late_execution is set only when the schedule can hold a request past the ack
// timeout.

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"
#include "protocol/common/rng.hpp"
#include "protocol/ta/oracle.hpp"
#include "protocol/ta/ta_endpoint.hpp"
#include "protocol/ta/transport_bypass.hpp"
#include "protocol/ta/transport_ctp.hpp"
#include "protocol/ta/transport_rtp.hpp"
#include "protocol/ta/transport_utp.hpp"
#include "protocol/ta/txn_op.hpp"
#include "provider.hpp"

using namespace ub;
using namespace ub::ta;

namespace {

constexpr std::size_t kMaxWrs = 256;
constexpr std::size_t kMaxFaults = 64;
constexpr std::uint64_t kMaxSteps = 2'000'000;
constexpr Time kTimeLimit{100'000'000'000'000}; // 100 s of model time
constexpr std::uint64_t kWireOverhead = 32;     // bytes below the TA, for serialisation only
constexpr std::uint64_t kRateBps = 400'000'000'000ULL;
constexpr Time kHopDelay{100'000};         // 100 ns
constexpr Time kLinkRetryDelay{1'000'000}; // 1 us (transaction-design §10)
constexpr Time kDupGap{1'000};             // a duplicate arrives 1 ns after its original
constexpr std::uint32_t kGroup = 10;       // the Jetty Group of every target
constexpr std::uint64_t kUbaBase = 0x10000;
constexpr std::uint64_t kPaStride = 0x100000; // segment s at PA (s + 1) x 1 MiB
constexpr std::size_t kPresetBytes = 4096;    // of each segment, preset with a pattern

enum class Kind : std::uint8_t { Ideal, Rtp, Ctp, Bypass, Utp };

Time ns(std::int64_t v) {
  return Time{v * 1000};
}
Time us(std::int64_t v) {
  return Time{v * 1'000'000};
}

struct SegmentSpec {
  std::uint32_t token_id = 1;
  std::uint64_t uba = kUbaBase;
  std::uint32_t size = 4096;
  std::uint64_t pa = kPaStride;
  bool lazy = false;
  PermissionEntry perm{};
  bool exclusive_ctx = false;
  bool mapt = true;
};

struct TargetSpec {
  std::vector<SegmentSpec> segs;
  std::optional<std::uint32_t> jetty_token; // both receive queues
  unsigned buffers = 0;                     // per receive queue at the start
  std::uint32_t capacity = 4096;
  GroupPolicy policy = GroupPolicy::RoundRobin;
};

struct QueueSpec {
  TaMode mode = TaMode::Roi;
  bool static_sc = false;
  ExceptionMode on_error = ExceptionMode::Continue;
};

struct Setup {
  unsigned initiators = 1, targets = 1;
  Kind kind = Kind::Ideal;
  std::uint32_t mtu = 4096;
  // Ideal: the wire form and one / many packets per slice.
  TaWire ideal_wire = TaWire::Cna16;
  bool ideal_multi = true;
  // RTP.
  std::size_t channels = 1;
  RtpLb lb = RtpLb::PerFlow;
  tp::RetxAlgo retx = tp::RetxAlgo::SelectiveFast;
  tp::TpgPolicy tpg = tp::TpgPolicy::RoundRobin;
  bool status_in_tp_ack = false;
  bool allow_uno = false;
  bool taid = false; // RTP / CTP: the TAIDETAH form (CFG 7) instead of CFG 6
  unsigned rtp_max_retx = 3;
  // CTP / bypass.
  bool per_packet_lbf = false;
  bool ctp_cc = false;
  bool per_flow_route = false;
  bool loss_drops = false; // a loss is a drop, not a link retry
  unsigned hops = 1;
  bool end_flush = false; // at the end, flush suspended queues (else resume them)
  EndpointConfig ep{};
  std::vector<TargetSpec> tspec;
  std::vector<std::vector<QueueSpec>> qspec;
};

// One program item.
struct Item {
  enum class Type : std::uint8_t { Wr, Advance, Suspend, Resume, Flush } type = Type::Wr;
  Time dt{0};
  unsigned initiator = 0, queue = 0;
  // Work request fields, as read.
  std::uint8_t opcode = 0x03;
  unsigned target = 0;
  ExecOrder order = ExecOrder::No;
  std::uint8_t flags = 0, seg = 0, len_class = 0, slot = 0, seed = 0, extra = 0;
};

struct PacketFault {
  enum class Action : std::uint8_t { Drop, Dup, Delay } action = Action::Drop;
  Time delay{0};
};
struct SliceFault {
  unsigned count = 0;
  bool page_fault = false;
  std::uint8_t timer = 0;
};
struct LateReceive {
  Time at{0};
  unsigned target = 0;
  std::uint32_t jetty = 1;
  unsigned count = 1;
};

struct Faults {
  std::map<std::uint64_t, PacketFault> packets;                       // by network packet index
  std::map<std::pair<std::size_t, std::uint32_t>, SliceFault> slices; // (WR index, slice)
  std::vector<LateReceive> receives;                                  // sorted by time
  Time delays{0};                                                     // the extra delays, summed
  unsigned drops = 0;
};

constexpr std::array<std::uint32_t, 4> kMtus = {256, 512, 1024, 4096};
constexpr std::array<std::uint32_t, 4> kSlices = {256, 1024, 4096, 65536};
constexpr std::array<Time, 4> kAckTimeouts = {Time{20'000'000}, Time{200'000'000},
                                              Time{2'000'000'000}, Time{20'000'000'000}};
constexpr std::array<Time, 8> kAdvances = {Time{0},           Time{100'000},      Time{1'000'000},
                                           Time{5'000'000},   Time{20'000'000},   Time{100'000'000},
                                           Time{500'000'000}, Time{2'000'000'000}};
constexpr std::array<Time, 8> kDelays = {
    Time{100'000},     Time{1'000'000},     Time{5'000'000},     Time{20'000'000},
    Time{100'000'000}, Time{1'000'000'000}, Time{5'000'000'000}, Time{20'000'000'000}};
constexpr std::array<std::uint32_t, 16> kLengths = {0,   1,   3,   8,    16,   32,   64,   64,
                                                    128, 256, 512, 1000, 1024, 2048, 4096, 9000};

// Work-request opcodes, by instruction byte mod 32: every TAOpcode, the response codes and
// reserved codes (refused at post), the common ones twice.
constexpr std::array<std::uint8_t, 32> kOpcodes = {0x00,
                                                   0x01,
                                                   0x02,
                                                   0x03,
                                                   0x04,
                                                   0x05,
                                                   0x06,
                                                   0x07,
                                                   0x08,
                                                   0x09,
                                                   0x0A,
                                                   0x0B,
                                                   0x0C,
                                                   0x0D,
                                                   0x0E,
                                                   0x0F,
                                                   0x10,
                                                   0x11,
                                                   0x12,
                                                   0x14,
                                                   0x15,
                                                   0x16,
                                                   0x17,
                                                   0x18,
                                                   0x03,
                                                   0x06,
                                                   0x03,
                                                   0x06,
                                                   0x0B,
                                                   0x00,
                                                   0xFF /* reserved: from the seed */,
                                                   0x03};

TaMode mode_for(std::uint8_t b, Kind k, bool allow_uno) {
  static constexpr TaMode kModes[] = {TaMode::Roi, TaMode::Rot, TaMode::Rol, TaMode::Uno};
  TaMode m = kModes[b & 3U];
  switch (k) {
  case Kind::Utp:
    return TaMode::Uno; // UTP carries UNO only (Table 7-15)
  case Kind::Rtp:
    if (m == TaMode::Uno && !allow_uno) {
      m = TaMode::Roi; // Table 7-14: UNO over RTP only when allowed
    }
    return m;
  case Kind::Bypass:
    if (m == TaMode::Rot && (b & 0x40U) == 0) {
      m = TaMode::Rol; // mostly: ROT needs the full headers (refused at post otherwise)
    }
    return m;
  case Kind::Ideal:
  case Kind::Ctp:
    return m;
  }
  return m;
}

Setup read_setup(ub::fuzz::Provider& in) {
  Setup s;
  const std::uint8_t h0 = in.byte();
  const std::uint8_t h1 = in.byte();
  const std::uint8_t h2 = in.byte();
  const std::uint8_t h3 = in.byte();
  const std::uint8_t h4 = in.byte();
  const std::uint8_t h5 = in.byte();
  s.initiators = 1U + (h0 & 3U);
  s.targets = 1U + ((h0 >> 2) & 3U) % 3U;
  static constexpr Kind kKinds[] = {Kind::Ideal, Kind::Rtp,   Kind::Ctp, Kind::Bypass,
                                    Kind::Utp,   Kind::Ideal, Kind::Rtp, Kind::Ctp};
  s.kind = kKinds[(h0 >> 4) & 7U];
  s.end_flush = (h0 & 0x80U) != 0;

  s.mtu = kMtus[h1 & 3U];
  s.channels = 1U + ((h1 >> 2) & 3U);
  static constexpr RtpLb kLbs[] = {RtpLb::PerFlow, RtpLb::PerFlow, RtpLb::SenderSpray,
                                   RtpLb::SwitchSpray};
  s.lb = kLbs[(h1 >> 4) & 3U];
  s.status_in_tp_ack = (h1 & 0x40U) != 0;
  s.taid = (h1 & 0x80U) != 0;
  static constexpr TaWire kWires[] = {TaWire::Cna16, TaWire::Taid, TaWire::Compact, TaWire::Cna16};
  s.ideal_wire = kWires[(h1 >> 4) & 3U];
  s.ideal_multi = s.ideal_wire != TaWire::Compact && (h1 & 0x40U) == 0;

  InitiatorConfig& ic = s.ep.initiator;
  TargetConfig& tc = s.ep.target;
  ic.slice_bytes = kSlices[h2 & 3U];
  static constexpr std::uint8_t kCoalesce[] = {1, 1, 2, 4, 8, 16, 32, 33};
  tc.taack_coalesce = kCoalesce[(h2 >> 2) & 7U];
  tc.rot_policy = (h2 & 0x20U) != 0 ? RotOutOfOrder::Drop : RotOutOfOrder::Buffer;
  static constexpr std::uint32_t kScBuf[] = {64, 1, 4, 0};
  tc.sc_buffer_slices = kScBuf[(h2 >> 6) & 3U];

  ic.retry_limit = static_cast<std::uint8_t>(h3 & 7U);
  ic.ack_timeout = kAckTimeouts[(h3 >> 3) & 3U];
  static constexpr std::int64_t kExecNs[] = {0, 50, 500, 2000};
  tc.exec_time = ns(kExecNs[(h3 >> 5) & 3U]);
  tc.persisted = (h3 & 0x80U) == 0;

  tc.rnr_timer = static_cast<std::uint8_t>(h4 & 3U);
  tc.pf_rnr_timer = static_cast<std::uint8_t>((h4 >> 2) & 3U);
  static constexpr std::int64_t kServiceUs[] = {0, 1, 10, 100};
  tc.page_fault_service = us(kServiceUs[(h4 >> 4) & 3U]);
  static constexpr std::uint32_t kScs[] = {64, 2, 4, 16};
  tc.sc_count = kScs[(h4 >> 6) & 3U];

  static constexpr tp::RetxAlgo kRetx[] = {tp::RetxAlgo::SelectiveFast, tp::RetxAlgo::GbnFast,
                                           tp::RetxAlgo::GbnRto, tp::RetxAlgo::SelectiveRto};
  s.retx = kRetx[h5 & 3U];
  s.tpg = static_cast<tp::TpgPolicy>(((h5 >> 2) & 3U) % 3U);
  s.allow_uno = (h5 & 0x10U) != 0;
  s.per_packet_lbf = (h5 & 0x10U) != 0;
  s.ctp_cc = (h5 & 0x20U) != 0;
  s.per_flow_route = (h5 & 0x40U) != 0;
  s.loss_drops = (h5 & 0x80U) != 0;
  s.rtp_max_retx = 2U + ((h5 >> 5) & 3U);
  s.hops = 1U + (h2 >> 7) * 2U;
  ic.max_inflight_slices = (h4 & 0x0CU) == 0x0CU ? 4 : 256;
  ic.rol_status_in_tp_ack = (h3 & 0x04U) == 0;

  for (unsigned t = 0; t < s.targets; ++t) {
    TargetSpec ts;
    const std::uint8_t t0 = in.byte();
    const unsigned nseg = 1U + (t0 & 3U);
    for (unsigned k = 0; k < nseg; ++k) {
      const std::uint8_t g0 = in.byte();
      const std::uint8_t g1 = in.byte();
      const std::uint8_t tv = in.byte();
      SegmentSpec sg;
      sg.token_id = k + 1;
      static constexpr std::uint32_t kSizes[] = {4096, 8192, 16384, 65536};
      sg.size = kSizes[g0 & 3U];
      sg.uba = kUbaBase * (k + 1);
      sg.pa = kPaStride * (k + 1);
      sg.lazy = (g0 & 0x04U) != 0;
      sg.perm.base = sg.uba;
      sg.perm.limit = sg.uba + sg.size - 1;
      // Permissions: all three usually; otherwise the bits given.
      sg.perm.perm = (g0 & 0x08U) == 0 ? mapt_perm::kAll
                                       : static_cast<std::uint8_t>((g0 >> 4) & mapt_perm::kAll);
      sg.perm.token_check = (g0 & 0x80U) == 0;
      sg.perm.token_val0 = 0x1000U + tv;
      sg.perm.token_val1 = 0x2000U + tv;
      sg.perm.exclusive = (g1 & 0x07U) == 0x07U;
      sg.exclusive_ctx = (g1 & 0x38U) == 0x38U;
      sg.mapt = (g1 & 0xC0U) != 0xC0U;
      ts.segs.push_back(sg);
    }
    if ((t0 & 0x04U) != 0) {
      ts.jetty_token = 0x5EED0000U + t;
    }
    ts.buffers = (t0 >> 3) & 7U;
    static constexpr std::uint32_t kCaps[] = {64, 1024, 4096, 16384};
    ts.capacity = kCaps[(t0 >> 6) & 3U];
    static constexpr GroupPolicy kPol[] = {GroupPolicy::RoundRobin, GroupPolicy::HintHash,
                                           GroupPolicy::RqDepth, GroupPolicy::RoundRobin};
    ts.policy = kPol[(t0 >> 6) & 3U];
    s.tspec.push_back(std::move(ts));
  }
  for (unsigned i = 0; i < s.initiators; ++i) {
    const std::uint8_t q0 = in.byte();
    const unsigned nq = 1U + (q0 & 3U) % 3U;
    std::vector<QueueSpec> qs;
    for (unsigned q = 0; q < nq; ++q) {
      const std::uint8_t m = q == 0 ? static_cast<std::uint8_t>(q0 >> 2) : in.byte();
      QueueSpec qsp;
      qsp.mode = mode_for(m, s.kind, s.allow_uno);
      qsp.static_sc = (m & 0x04U) != 0;
      qsp.on_error = (m & 0x08U) != 0 ? ExceptionMode::Suspend : ExceptionMode::Continue;
      qs.push_back(qsp);
    }
    s.qspec.push_back(std::move(qs));
  }
  return s;
}

std::vector<Item> read_program(ub::fuzz::Provider& in, const Setup& s) {
  std::vector<Item> prog;
  std::size_t wrs = 0;
  while (in.remaining() > 0 && wrs < kMaxWrs) {
    const std::uint8_t c = in.byte();
    if (c == 0xFF) {
      break;
    }
    Item it;
    if (c >= 0xD0 && c < 0xF0) {
      it.type = Item::Type::Advance;
      it.dt = kAdvances[c & 7U];
      prog.push_back(it);
      continue;
    }
    if (c >= 0xF0) {
      static constexpr Item::Type kJetty[] = {Item::Type::Resume, Item::Type::Suspend,
                                              Item::Type::Flush, Item::Type::Resume};
      it.type = kJetty[c & 3U];
      const std::uint8_t w = in.byte();
      it.initiator = (w & 3U) % s.initiators;
      it.queue = ((w >> 2) & 3U) % static_cast<unsigned>(s.qspec[it.initiator].size());
      prog.push_back(it);
      continue;
    }
    const std::uint8_t b1 = in.byte();
    it.opcode = kOpcodes[c % 32U];
    it.initiator = (b1 & 3U) % s.initiators;
    it.queue = ((b1 >> 2) & 3U) % static_cast<unsigned>(s.qspec[it.initiator].size());
    it.target = ((b1 >> 4) & 3U) % s.targets;
    static constexpr ExecOrder kOrders[] = {ExecOrder::No, ExecOrder::Ro, ExecOrder::So,
                                            ExecOrder::So};
    it.order = kOrders[(b1 >> 6) & 3U];
    it.flags = in.byte();
    const std::uint8_t b3 = in.byte();
    it.seg = static_cast<std::uint8_t>(b3 & 3U);
    it.len_class = static_cast<std::uint8_t>((b3 >> 2) & 15U);
    it.slot = in.byte();
    it.seed = in.byte();
    it.extra = in.byte();
    if (it.opcode == 0xFF) {
      // A reserved code: 0x02, 0x16 or 0x19..0xFF.
      it.opcode = it.extra < 0x19 ? ((it.extra & 1U) != 0 ? 0x02 : 0x16) : it.extra;
    }
    prog.push_back(it);
    ++wrs;
  }
  return prog;
}

Faults read_faults(ub::fuzz::Provider& in, std::size_t wrs, unsigned targets) {
  Faults f;
  for (std::size_t n = 0; n < kMaxFaults && in.remaining() > 0; ++n) {
    const std::uint8_t k = in.byte();
    switch (k & 3U) {
    case 0: { // one packet
      const std::uint64_t index = in.pick(1024);
      const std::uint8_t a = in.byte();
      PacketFault pf;
      static constexpr PacketFault::Action kAct[] = {
          PacketFault::Action::Drop, PacketFault::Action::Dup, PacketFault::Action::Delay,
          PacketFault::Action::Delay};
      pf.action = kAct[a & 3U];
      if (pf.action == PacketFault::Action::Delay) {
        pf.delay = kDelays[(a >> 2) & 7U];
        f.delays += pf.delay;
      } else if (pf.action == PacketFault::Action::Drop) {
        ++f.drops;
      }
      f.packets[index] = pf;
      break;
    }
    case 1: { // a burst of drops
      const std::uint64_t index = in.pick(1024);
      const unsigned count = 1U + in.byte() % 32U;
      for (unsigned i = 0; i < count; ++i) {
        f.packets[index + i] = PacketFault{PacketFault::Action::Drop, Time{0}};
      }
      f.drops += count;
      break;
    }
    case 2: { // RNR / page faults for one slice of one work request
      const std::uint8_t w = in.byte();
      const std::uint8_t b = in.byte();
      if (wrs == 0) {
        break;
      }
      SliceFault sf;
      sf.count = 1U + (b & 3U);
      sf.page_fault = (b & 0x04U) != 0;
      sf.timer = static_cast<std::uint8_t>((b >> 3) % 5U); // RNR_Timeout 2..32 us
      f.slices[{w % wrs, (b >> 6) & 3U}] = sf;
      break;
    }
    default: { // receive buffers posted late
      const std::uint8_t b = in.byte();
      LateReceive lr;
      lr.target = (b & 3U) % targets;
      lr.jetty = 1U + ((b >> 2) & 1U);
      lr.count = 1U + ((b >> 3) & 7U);
      lr.at = kAdvances[1U + (k >> 5) % 7U] + us(k & 0x1CU);
      f.receives.push_back(lr);
      break;
    }
    }
  }
  std::stable_sort(f.receives.begin(), f.receives.end(),
                   [](const LateReceive& a, const LateReceive& b) { return a.at < b.at; });
  return f;
}

Result<std::vector<std::unique_ptr<TaTransport>>> make_transports(const Setup& s,
                                                                  unsigned devices) {
  switch (s.kind) {
  case Kind::Rtp: {
    RtpTransportConfig c;
    c.channels = s.channels;
    c.channel.mtu = s.mtu;
    c.channel.retx = s.retx;
    c.channel.rto.base = us(10);
    c.channel.rto.n = 1;
    c.channel.rto.max_retx = s.rtp_max_retx;
    c.channel.ooo_window = 128; // the smallest (§6.4.1): cheap to set up, and ample here
    c.channel.ta_status =
        s.status_in_tp_ack ? tp::TaStatusMode::RolRequests : tp::TaStatusMode::Never;
    c.policy = s.tpg;
    c.lb = s.lb;
    // §6.5.1.4: spraying members retransmit on timeout only.
    if (s.lb != RtpLb::PerFlow) {
      c.channel.retx = (s.retx == tp::RetxAlgo::GbnFast || s.retx == tp::RetxAlgo::GbnRto)
                           ? tp::RetxAlgo::GbnRto
                           : tp::RetxAlgo::SelectiveRto;
    }
    c.allow_uno = s.allow_uno;
    c.wire = s.taid ? TaWire::Taid : TaWire::Cna16;
    Rng rng(0x7A, 1);
    return make_rtp_mesh(devices, c, rng);
  }
  case Kind::Ctp: {
    CtpTransportConfig c;
    c.ctp.mtu = s.mtu;
    c.ctp.nth = s.taid ? tp::CtpNth::Cna24 : tp::CtpNth::Cna16;
    c.ctp.lb = s.per_packet_lbf ? tp::CtpLb::PerPacket : tp::CtpLb::PerFlow;
    c.ctp.congestion_control = s.ctp_cc;
    c.route = s.per_flow_route ? tp::RoutePref::PerFlow : tp::RoutePref::Default;
    return make_ctp_mesh(devices, c);
  }
  case Kind::Bypass: {
    BypassTransportConfig c;
    c.max_payload = s.mtu;
    c.route = s.per_flow_route ? tp::RoutePref::PerFlow : tp::RoutePref::Default;
    return make_bypass_mesh(devices, c);
  }
  case Kind::Utp: {
    UtpTransportConfig c;
    c.utp.mtu = s.mtu;
    return make_utp_mesh(devices, c);
  }
  case Kind::Ideal:
    break;
  }
  std::vector<std::unique_ptr<TaTransport>> v;
  for (unsigned i = 0; i < devices; ++i) {
    IdealConfig c;
    c.self = i;
    c.wire = s.ideal_wire;
    c.mtu = s.mtu;
    c.multi_packet = s.ideal_multi;
    v.push_back(make_ideal_transport(c));
  }
  return v;
}

// Feeds the oracle and keeps what the harness needs: which op and slice each wire key names
// (for the fault hook) and every completion.
class Tap final : public TxnObserver {
public:
  Tap(Oracle& o, bool trace_events) : trace(trace_events), oracle_(o) {}
  void on_posted(const OpPosted& e) override { oracle_.on_posted(e); }
  void on_sent(const SliceSent& e) override {
    if (trace) {
      std::fprintf(
          stderr, "t=%lld sent op %llu slice %u off %llu len %u%s key (%u->%u rc %u/%u tassn %u)\n",
          static_cast<long long>(e.t.count()), static_cast<unsigned long long>(e.op), e.slice,
          static_cast<unsigned long long>(e.offset), e.length, e.retry ? " retry" : "",
          e.key.initiator, e.key.target, unsigned{e.key.rc_type}, e.key.rc_id,
          unsigned{e.key.tassn});
    }
    oracle_.on_sent(e);
    keys[e.key] = {e.op, e.slice};
  }
  void on_executed(const Executed& e) override {
    if (trace) {
      std::fprintf(
          stderr,
          "t=%lld executed key (%u->%u rc %u/%u tassn %u) pkt %u tok %u uba %#llx n %zu%s\n",
          static_cast<long long>(e.t.count()), e.key.initiator, e.key.target,
          unsigned{e.key.rc_type}, e.key.rc_id, unsigned{e.key.tassn}, e.packet, e.token_id,
          static_cast<unsigned long long>(e.uba), e.after_bytes().size(),
          e.notify ? " notify" : "");
    }
    oracle_.on_executed(e);
  }
  void on_completed(const OpCompleted& e) override {
    if (trace) {
      std::fprintf(stderr, "t=%lld completed op %llu: %s\n", static_cast<long long>(e.t.count()),
                   static_cast<unsigned long long>(e.op),
                   std::string(fn::to_string(e.status)).c_str());
      if (std::getenv("TXN_TRACE_DATA") != nullptr) {
        for (std::size_t i = 0; i < e.data.size(); ++i) {
          std::fprintf(stderr, "%02x%s", unsigned{e.data[i]}, i % 64 == 63 ? "\n" : "");
        }
        std::fprintf(stderr, "\n");
      }
    }
    oracle_.on_completed(e);
    auto& c = completions[e.op];
    ++c.count;
    c.status = e.status;
  }
  void on_reported(const OpReported& e) override { oracle_.on_reported(e); }
  void on_received(const ReceiveCompleted& e) override { oracle_.on_received(e); }

  struct Seen {
    unsigned count = 0;
    fn::CqeStatus status = fn::CqeStatus::Success;
  };
  std::map<WireKey, std::pair<OpId, std::uint32_t>> keys;
  std::map<OpId, Seen> completions;
  bool trace = false;

private:
  Oracle& oracle_;
};

std::vector<Byte> fill(std::uint64_t seed, std::size_t n, unsigned mask = 0xFF) {
  std::vector<Byte> v(n);
  std::uint64_t x = seed * 0x9E3779B97F4A7C15ULL + 1;
  for (auto& b : v) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    b = static_cast<Byte>((x >> 56) & mask);
  }
  return v;
}

// The harness's prediction of one op's outcome at the target, before faults and timing: Abort
// (the UMMU or the receive Jetty's token refuses it: Remote Access Abort), Unsupported (UR), or Ok.
enum class Outcome : std::uint8_t { Ok, Abort, Unsupported };

class Predictor {
public:
  Predictor(PeerId eid, const TargetSpec& t, bool compact) : eid_(eid), t_(t), compact_(compact) {
    (void)u_.add_entity(eid);
    for (const SegmentSpec& s : t.segs) {
      (void)u_.add_token_context(eid, s.token_id, s.exclusive_ctx, s.mapt);
      (void)u_.map(eid, s.token_id, s.uba, s.size, s.pa, true); // every page present
      (void)u_.add_permission(eid, s.token_id, s.perm);
    }
  }
  [[nodiscard]] bool mem_denied(const TxnOp& op, std::uint32_t token_id, std::uint64_t uba,
                                std::uint64_t len, MemAccess a,
                                std::optional<std::uint32_t> tv) const {
    UmmuRequest r;
    r.eid = eid_;
    r.token_id = token_id;
    r.uba = uba;
    r.length = len;
    r.access = a;
    r.token_value = tv;
    r.e_bit = op.e_bit && !compact_; // the compact BTAH has no E_bit (App. B.2.6)
    const bool denied = !u_.check(r).has_value();
    // The prediction comes from the UMMU model itself, so alone it would share that model's
    // bugs. The rules the harness knows from its own segment table are checked against it:
    // inside a MAPT entry, an access the permission bits do not grant, or one without either of
    // the entry's token values when it checks tokens, is refused, whatever the access
    // (§9.4.4, §11.4).
    for (const SegmentSpec& s : t_.segs) {
      if (s.token_id != token_id || !s.mapt || !s.perm.valid || uba < s.perm.base ||
          uba + (len - 1) > s.perm.limit) {
        continue;
      }
      const bool token_ok =
          !s.perm.token_check || (tv && (*tv == s.perm.token_val0 || *tv == s.perm.token_val1));
      const std::uint8_t need = a == MemAccess::Read    ? mapt_perm::kRead
                                : a == MemAccess::Write ? mapt_perm::kWrite
                                                        : mapt_perm::kAtomic;
      if (!token_ok || (s.perm.perm & need) == 0) {
        UB_FUZZ_CHECK(denied);
      }
    }
    return denied;
  }
  // The receive side of Send* / Write_with_immediate: UR (no such Jetty or group), Abort (its
  // token), else Ok (RNR when no buffer is free is a retry, not an outcome).
  [[nodiscard]] Outcome receive(const TxnOp& op, TaOpcode code) const {
    const bool exists = op.target_group ? op.target_jetty == kGroup
                                        : (op.target_jetty == 1 || op.target_jetty == 2);
    if (!exists) {
      return Outcome::Unsupported;
    }
    if (t_.jetty_token) {
      const std::optional<std::uint32_t> given =
          code == TaOpcode::WriteWithImmediate
              ? std::optional<std::uint32_t>{op.immediate_token_value.value_or(0)}
              : op.token_value;
      if (given != t_.jetty_token) {
        return Outcome::Abort;
      }
    }
    return Outcome::Ok;
  }

private:
  PeerId eid_;
  const TargetSpec& t_;
  bool compact_;
  Ummu u_;
};

// Builds work request `id` from its item for a queue of `mode` over transport `t`, and predicts
// whether the target refuses its access (expect_denied).
TxnOp build_op(OpId id, const Item& it, const Setup& s, const TaTransport& t, TaMode mode,
               unsigned initiators, const Predictor& pred) {
  const TargetSpec& ts = s.tspec[it.target];
  const SegmentSpec& sg = ts.segs[it.seg % ts.segs.size()];
  const bool compact = t.wire() == TaWire::Compact;
  const std::uint32_t mtu = t.max_payload();
  TxnOp op;
  op.id = id;
  op.opcode = it.opcode;
  op.order = it.order;
  op.target = initiators + it.target;
  op.fence = (it.flags & 0x01U) != 0;
  op.comp_order = (it.flags & 0x02U) != 0;
  const bool bad_token = (it.flags & 0x04U) != 0;
  const bool out_of_range = (it.flags & 0x0CU) == 0x08U;
  op.complete = (it.flags & 0x30U) != 0x30U;
  op.e_bit = (it.flags & 0x40U) != 0;
  op.target_order = (it.flags & 0x80U) != 0;
  op.token_id = sg.token_id;
  const bool second = (it.seed & 0x80U) != 0;
  op.token_value = second ? sg.perm.token_val1 : sg.perm.token_val0;
  if (bad_token) {
    if ((it.seed & 0x40U) != 0) {
      op.token_value.reset(); // TV_EN = 0
    } else {
      op.token_value = *op.token_value ^ 0x5A5AU;
    }
  }
  const auto info = ta_opcode_info(it.opcode);
  const TaOpcode code = info ? info->op : TaOpcode::Write;
  const bool atomic = is_atomic_request(it.opcode);
  std::uint32_t len = kLengths[it.len_class];
  if (len == 9000 && (it.extra & 1U) != 0) {
    len = 1U + it.seed * 47U; // an odd length up to ~12 KB
  }
  if (compact && (it.extra & 0x0EU) != 0) {
    // Mostly what the compact form carries: 64 B x 2^L.
    std::uint32_t l = 64;
    while (l < len && l < 8192) {
      l *= 2;
    }
    len = l;
  }
  if (atomic) {
    len = compact ? 64 : (1U << (it.len_class % 7U));
  }
  if (code == TaOpcode::WriteWithBe || code == TaOpcode::WritebackWithBe) {
    len = std::clamp<std::uint32_t>(len, 64, std::min<std::uint32_t>(1024, mtu));
    if ((it.extra & 0x10U) != 0) {
      len = std::min<std::uint32_t>(len, 256) + 1; // a length the BE width rules still allow
    }
  }
  // The offset: one of 64 slots of 64 bytes (contention on few addresses), kept inside the
  // segment; out_of_range puts the whole op past its end (no translation).
  std::uint64_t off = std::uint64_t{it.slot & 0x3FU} * 64U;
  if ((it.slot & 0x40U) != 0 && !atomic && !compact) {
    off += (it.slot >> 7) * 8U + (it.seed & 7U); // unaligned
  }
  const std::uint64_t span = std::min<std::uint64_t>(std::max<std::uint32_t>(len, 8), sg.size);
  if (off + span > sg.size) {
    off = sg.size - span;
    off -= off % (atomic ? len : 64U);
  }
  if (len > sg.size) {
    len = sg.size; // a segment never holds less than an op
  }
  op.uba = out_of_range ? sg.uba + sg.size + off : sg.uba + off;
  op.length = len;

  const bool writes = code == TaOpcode::Write || code == TaOpcode::Writeback ||
                      code == TaOpcode::WriteWithImmediate || code == TaOpcode::WriteWithNotify ||
                      code == TaOpcode::WriteWithBe || code == TaOpcode::WritebackWithBe;
  if (writes || is_send_like(code) || code == TaOpcode::Management) {
    op.data = fill(id * 131U + it.seed, len);
    if (code == TaOpcode::Management) {
      op.length = std::min<std::uint32_t>(len, 1024);
      op.data.resize(op.length);
    }
  }
  if (atomic) {
    op.data = fill(id * 131U + it.seed, 2U * len, 0x03); // small values: equal ones collide
    if (code == TaOpcode::AtomicStore || code == TaOpcode::AtomicLoad) {
      if ((it.extra & 0xE0U) != 0xE0U) {
        op.subop = static_cast<std::uint8_t>(it.extra & 7U);
      } else if ((it.extra & 0x10U) != 0) {
        op.subop = static_cast<std::uint8_t>(8U + (it.extra & 7U)); // out of range: refused
      }
    } else if ((it.extra & 0xF0U) == 0xF0U) {
      op.subop = 0; // a sub-operation where none belongs: refused
    }
  }
  if (code == TaOpcode::WriteWithBe || code == TaOpcode::WritebackWithBe) {
    if ((it.extra & 0xC0U) != 0xC0U) {
      Beetah be;
      be.width_bits = static_cast<std::uint16_t>(be_width_for_length(len));
      if ((it.extra & 0x20U) != 0 && be.width_bits < 1024) {
        be.width_bits = static_cast<std::uint16_t>(be.width_bits * 2U); // wrong width: refused
      }
      const auto mask = fill(id + 7U * it.seed, be.size());
      std::copy(mask.begin(), mask.end(), be.be.begin());
      op.be = be;
    }
  }
  if (code == TaOpcode::Read && (it.extra & 0xF8U) == 0xF8U) {
    op.data = {1}; // a Read with data: refused (local length)
  }
  if (is_send_like(code) || code == TaOpcode::WriteWithImmediate) {
    static constexpr std::uint32_t kJettys[] = {1, 2, kGroup, 3};
    op.target_jetty = kJettys[(it.extra >> 1) & 3U];
    op.target_group = op.target_jetty == kGroup && (it.extra & 0x20U) == 0;
    op.hint = static_cast<std::uint8_t>(it.seed);
    op.immediate = 0xC0DE0000ULL + id;
    if (is_send_like(code)) {
      op.token_value = ts.jetty_token.value_or(0x5EEDU);
      if (bad_token) {
        op.token_value = *op.token_value ^ 0x77U;
      }
    } else if (ts.jetty_token && !(bad_token && (it.seed & 0x20U) != 0)) {
      op.immediate_token_value = ts.jetty_token;
    }
  }
  if (code == TaOpcode::WriteWithNotify) {
    // The notify word: 8 bytes in another segment of the target (the same one: UR, X33).
    const SegmentSpec& ns = ts.segs[(it.seg + 1U + (it.extra & 1U)) % ts.segs.size()];
    op.notify_token_id = ns.token_id;
    op.notify_uba = ns.uba + std::uint64_t{(it.extra >> 1) & 7U} * 8U;
    op.notify_token_value = ns.perm.token_val0;
    if (bad_token && (it.seed & 0x10U) != 0) {
      op.notify_token_value ^= 0x33U;
    }
    op.notify_data = 0x4E0000000000ULL + id;
  }

  // expect_denied: what the target answers once the request reaches its checks. UNO ops and
  // those without an answer complete at send, whatever the target decides.
  if (mode == TaMode::Uno || code == TaOpcode::PrefetchTgt || code == TaOpcode::Management ||
      !info || info->response) {
    return op;
  }
  auto mem = [&](MemAccess a) {
    return op.length != 0 && pred.mem_denied(op, op.token_id, op.uba, op.length, a, op.token_value);
  };
  Outcome data = Outcome::Ok; // the data slices (every slice but the last, when it differs)
  Outcome last = Outcome::Ok; // the last (or only) slice
  bool sliced_tail = false;   // the last slice differs from the others
  if (code == TaOpcode::Read) {
    data = last = mem(MemAccess::Read) ? Outcome::Abort : Outcome::Ok;
  } else if (atomic) {
    data = last = mem(MemAccess::Atomic) ? Outcome::Abort : Outcome::Ok;
  } else if (is_send_like(code)) {
    data = last = pred.receive(op, code);
  } else if (code == TaOpcode::WriteWithNotify) {
    data = mem(MemAccess::Write) ? Outcome::Abort : Outcome::Ok;
    last = data;
    if (last == Outcome::Ok) {
      if (op.notify_token_id == op.token_id) {
        last = Outcome::Unsupported;
      } else if (pred.mem_denied(op, op.notify_token_id, op.notify_uba, 8, MemAccess::Write,
                                 op.notify_token_value)) {
        last = Outcome::Abort;
      }
    }
    sliced_tail = true;
  } else if (code == TaOpcode::WriteWithImmediate) {
    data = mem(MemAccess::Write) ? Outcome::Abort : Outcome::Ok;
    last = pred.receive(op, code);
    if (last == Outcome::Ok) {
      last = data;
    }
    sliced_tail = true;
  } else if (writes) {
    data = last = mem(MemAccess::Write) ? Outcome::Abort : Outcome::Ok;
  }
  if (sliced_tail && op.length > mtu && (data == Outcome::Abort) != (last == Outcome::Abort)) {
    // Data slices run and the tail is refused (or the reverse): the oracle cannot tell such an
    // op from a partly executed denied one, so keep it to one slice.
    op.length = mtu;
    op.data.resize(mtu);
    data = last;
  }
  op.expect_denied =
      last == Outcome::Abort && (!sliced_tail || op.length <= mtu || data == Outcome::Abort);
  return op;
}

Time rnr_wait(std::uint8_t timer) {
  return tp::rnr_timeout(timer);
}

} // namespace

// libFuzzer calls this before it reads its flags. One input of this target covers tens of
// thousands of features, and the entropic schedule's per-feature bookkeeping then takes about
// 70% of the time (under 30 executions a second instead of over 150): unless the command line
// chooses, run with -entropic=0. The replay build never calls it.
extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  static std::vector<char*> args;
  static char flag[] = "-entropic=0";
  for (int i = 1; i < *argc; ++i) {
    if (std::string_view((*argv)[i]).rfind("-entropic=", 0) == 0) {
      return 0;
    }
  }
  args.assign(*argv, *argv + *argc);
  args.insert(args.begin() + 1, flag);
  args.push_back(nullptr);
  *argc += 1;
  *argv = args.data();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ub::fuzz::Provider in(data, size);
  Setup s = read_setup(in);
  const std::vector<Item> prog = read_program(in, s);
  std::size_t wrs = 0;
  for (const Item& it : prog) {
    wrs += it.type == Item::Type::Wr ? 1U : 0U;
  }
  Faults faults = read_faults(in, wrs, s.targets);
  const unsigned devices = s.initiators + s.targets;
  // TXN_TRACE=1 prints the setup and every post (for reading a failing input).
  const bool trace = std::getenv("TXN_TRACE") != nullptr;
  if (trace) {
    std::fprintf(
        stderr,
        "setup: %u initiators %u targets kind %u mtu %u slice %u coalesce %u rot-drop %d "
        "scbuf %u retry %u ack %lld ps exec %lld persisted %d sc %u pfs %lld hops %u "
        "loss-drops %d\n",
        s.initiators, s.targets, static_cast<unsigned>(s.kind), s.mtu, s.ep.initiator.slice_bytes,
        unsigned{s.ep.target.taack_coalesce}, s.ep.target.rot_policy == RotOutOfOrder::Drop ? 1 : 0,
        s.ep.target.sc_buffer_slices, unsigned{s.ep.initiator.retry_limit},
        static_cast<long long>(s.ep.initiator.ack_timeout.count()),
        static_cast<long long>(s.ep.target.exec_time.count()), s.ep.target.persisted ? 1 : 0,
        s.ep.target.sc_count, static_cast<long long>(s.ep.target.page_fault_service.count()),
        s.hops, s.loss_drops ? 1 : 0);
    for (unsigned t = 0; t < s.targets; ++t) {
      for (const SegmentSpec& sg : s.tspec[t].segs) {
        std::fprintf(stderr,
                     "  target %u seg tok %u uba %#llx size %u lazy %d perm %u tchk %d tv %u/%u "
                     "excl %d/%d mapt %d\n",
                     s.initiators + t, sg.token_id, static_cast<unsigned long long>(sg.uba),
                     sg.size, sg.lazy ? 1 : 0, unsigned{sg.perm.perm}, sg.perm.token_check ? 1 : 0,
                     sg.perm.token_val0, sg.perm.token_val1, sg.perm.exclusive ? 1 : 0,
                     sg.exclusive_ctx ? 1 : 0, sg.mapt ? 1 : 0);
      }
      std::fprintf(stderr, "  target %u jetty token %lld buffers %u cap %u\n", s.initiators + t,
                   s.tspec[t].jetty_token ? static_cast<long long>(*s.tspec[t].jetty_token) : -1LL,
                   s.tspec[t].buffers, s.tspec[t].capacity);
    }
    for (const auto& [k, f] : faults.packets) {
      std::fprintf(stderr, "  packet %llu: %u delay %lld\n", static_cast<unsigned long long>(k),
                   static_cast<unsigned>(f.action), static_cast<long long>(f.delay.count()));
    }
    for (const auto& [k, f] : faults.slices) {
      std::fprintf(stderr, "  wr %zu slice %u: %u x %s timer %u\n", k.first, k.second, f.count,
                   f.page_fault ? "pf" : "rnr", unsigned{f.timer});
    }
  }

  auto made = make_transports(s, devices);
  if (!made) {
    // A configuration the factory refuses names its field.
    UB_FUZZ_CHECK(!made.error().field.empty());
    return 0;
  }
  const TaTransport& t0 = *made->front();
  const bool compact = t0.wire() == TaWire::Compact;
  // ROL presumes a lower layer that delivers its stream in order and without loss (§7.3.3.4,
  // Table 7-14): with a ROL queue, a transport that does not recover a lost packet (ideal, or
  // CTP / bypass with drop semantics) has its losses retried by the link instead (MODEL).
  bool rol = false;
  for (const auto& qs : s.qspec) {
    for (const QueueSpec& q : qs) {
      rol = rol || q.mode == TaMode::Rol;
    }
  }
  const bool link_retry = ((s.kind == Kind::Ctp || s.kind == Kind::Bypass) && !s.loss_drops) ||
                          (rol && s.kind != Kind::Rtp);

  // late_execution: can a request reach its target after its op gave up (the ack timeout)? Bound
  // how late any request can be, from everything the schedule and the configuration hold: the
  // path and serialisation of all the program's bytes, the extra delays and link retries, the
  // TP's retransmissions, and the waits of RNR / page-fault retries (a buffered ROT request or a
  // held compact one waits for those of the requests before it).
  Time bound = kHopDelay * (s.hops * 2 + 2) + us(20);
  bound += faults.delays;
  if (link_retry) {
    bound += kLinkRetryDelay * faults.drops;
  }
  if (s.kind == Kind::Rtp && faults.drops > 0) {
    bound += us(10) * ((2U << s.rtp_max_retx) + 1U); // the TP gives up by then
  }
  const Time worst_wait =
      std::max({rnr_wait(s.ep.target.rnr_timer), rnr_wait(s.ep.target.pf_rnr_timer), rnr_wait(4),
                s.ep.target.page_fault_service}) +
      s.ep.target.page_fault_service + us(2);
  unsigned injected = 0;
  for (const auto& [k, f] : faults.slices) {
    injected += f.count;
  }
  bound += worst_wait * (injected + 2U * s.targets * 4U + 2U * (1U + s.ep.initiator.retry_limit));
  if (!faults.receives.empty()) {
    bound += faults.receives.back().at;
  }
  // The target takes a TASSN that has not come within cqe_order_wait as lost for good and lets
  // the ODR[2] completions behind it go (X35): in this network nothing comes later than `bound`.
  s.ep.target.cqe_order_wait = std::max(s.ep.target.cqe_order_wait, bound * 2);
  OracleConfig oc;
  oc.late_execution = s.ep.initiator.ack_timeout < bound * 4;
  Oracle oracle(oc);
  Tap tap(oracle, trace);

  std::vector<std::unique_ptr<TaEndpoint>> eps;
  for (auto& t : *made) {
    eps.push_back(std::make_unique<TaEndpoint>(std::move(t), s.ep, &tap));
  }

  // Targets: segments, receive queues, the group, static SCs.
  std::vector<Predictor> preds;
  for (unsigned t = 0; t < s.targets; ++t) {
    const PeerId eid = s.initiators + t;
    const TargetSpec& ts = s.tspec[t];
    TaTarget& tg = eps[eid]->target();
    Ummu& u = tg.ummu();
    UB_FUZZ_CHECK(u.add_entity(eid).has_value());
    for (const SegmentSpec& sg : ts.segs) {
      UB_FUZZ_CHECK(u.add_token_context(eid, sg.token_id, sg.exclusive_ctx, sg.mapt).has_value());
      UB_FUZZ_CHECK(u.map(eid, sg.token_id, sg.uba, sg.size, sg.pa, !sg.lazy).has_value());
      UB_FUZZ_CHECK(u.add_permission(eid, sg.token_id, sg.perm).has_value());
      // The segment's first KiBs start with a pattern, not zeros, so data placed at the wrong
      // offset (or not at all) differs from what the target read; the oracle knows it.
      const auto pattern = fill(std::uint64_t{eid} * 977U + sg.token_id,
                                std::min<std::size_t>(sg.size, kPresetBytes));
      tg.memory().write(sg.pa, pattern);
      oracle.preset(eid, sg.token_id, sg.uba, sg.pa, pattern);
    }
    for (std::uint32_t j = 1; j <= 2; ++j) {
      UB_FUZZ_CHECK(tg.add_receive_queue(j, ReceiveQueueConfig{ts.jetty_token}).has_value());
      for (unsigned b = 0; b < ts.buffers; ++b) {
        UB_FUZZ_CHECK(tg.post_receive(j, ts.capacity).has_value());
      }
    }
    UB_FUZZ_CHECK(tg.add_receive_group(kGroup, {1, 2}, ts.policy).has_value());
    preds.emplace_back(eid, ts, compact);
  }
  std::vector<std::uint32_t> next_scid(s.targets, 0);
  for (unsigned i = 0; i < s.initiators; ++i) {
    for (unsigned q = 0; q < s.qspec[i].size(); ++q) {
      const QueueSpec& qs = s.qspec[i][q];
      QueueConfig qc;
      qc.mode = qs.mode;
      qc.on_error = qs.on_error;
      if (qs.mode == TaMode::Rot && qs.static_sc && !compact) {
        for (unsigned t = 0; t < s.targets; ++t) {
          if (next_scid[t] < s.ep.target.sc_count) {
            const std::uint32_t scid = next_scid[t]++;
            UB_FUZZ_CHECK(eps[s.initiators + t]->target().add_static_sc(scid, i, q).has_value());
            qc.static_sc[s.initiators + t] = scid;
          }
        }
      }
      UB_FUZZ_CHECK(eps[i]->initiator().add_queue(q, qc).has_value());
    }
  }

  // Injected RNR / page faults, by (work request, slice), as the requests reach the targets.
  for (unsigned t = 0; t < s.targets; ++t) {
    eps[s.initiators + t]->target().set_fault_hook(
        [&tap, &faults](const WireKey& k, TaOpcode, bool) -> std::optional<tp::TaVerdict> {
          const auto kit = tap.keys.find(k);
          if (kit == tap.keys.end()) {
            return std::nullopt;
          }
          const auto fit = faults.slices.find({kit->second.first, kit->second.second});
          if (fit == faults.slices.end() || fit->second.count == 0) {
            return std::nullopt;
          }
          --fit->second.count;
          return tp::TaVerdict{fit->second.page_fault ? tp::TaStatusKind::PageFault
                                                      : tp::TaStatusKind::ReceiverNotReady,
                               fit->second.timer};
        });
  }

  // ---- the network ----
  struct Flight {
    Time at{0};
    std::uint64_t seq = 0;
    NetPacket p;
  };
  auto later = [](const Flight& a, const Flight& b) {
    return a.at != b.at ? a.at > b.at : a.seq > b.seq;
  };
  std::vector<Flight> wire; // a heap
  std::uint64_t wire_seq = 0;
  std::uint64_t packet_index = 0;
  std::vector<Time> link_free(std::size_t{devices} * devices, Time{0});
  Time now{0};
  std::size_t late_next = 0;
  std::uint64_t steps = 0;
  std::map<OpId, unsigned> polled; // completions reported per op
  std::map<OpId, bool> accepted;   // op -> whether its CQE is enabled

  auto transmit = [&] {
    bool any = true;
    while (any) {
      any = false;
      for (unsigned d = 0; d < devices; ++d) {
        while (auto p = eps[d]->poll_transmit(now)) {
          any = true;
          const std::uint64_t index = packet_index++;
          if (p->dst >= devices) {
            continue; // misaddressed: nowhere to go
          }
          Time& free = link_free[std::size_t{p->src} * devices + p->dst];
          const std::uint64_t bits = (p->bytes.size() + kWireOverhead) * 8U;
          const Time ser = BitRate{kRateBps}.time_for_bits(bits);
          free = std::max(free, now) + ser;
          Time at = free + kHopDelay * s.hops;
          const bool per_packet = (p->rt & 1U) != 0;
          bool dup = false;
          if (const auto f = faults.packets.find(index); f != faults.packets.end()) {
            switch (f->second.action) {
            case PacketFault::Action::Drop:
              if (!link_retry) {
                continue; // lost
              }
              // The data link resends it (§4.5): the link waits, or this packet alone is late
              // when it is routed per packet.
              if (per_packet) {
                at += kLinkRetryDelay;
              } else {
                free += kLinkRetryDelay;
                at += kLinkRetryDelay;
              }
              break;
            case PacketFault::Action::Dup:
              // Only RTP's PSNs discard a copy; the links below CTP, bypass and UTP never
              // duplicate (MODEL), and the ideal transport stands for them.
              dup = s.kind == Kind::Rtp;
              break;
            case PacketFault::Action::Delay:
              if (per_packet) {
                at += f->second.delay;
              } else {
                free += f->second.delay;
                at += f->second.delay;
              }
              break;
            }
          }
          if (dup) {
            wire.push_back(Flight{at + kDupGap, wire_seq++, *p});
            std::push_heap(wire.begin(), wire.end(), later);
          }
          wire.push_back(Flight{at, wire_seq++, std::move(*p)});
          std::push_heap(wire.begin(), wire.end(), later);
        }
      }
    }
  };
  auto drain = [&] {
    for (unsigned i = 0; i < s.initiators; ++i) {
      while (auto c = eps[i]->poll_completion()) {
        ++polled[c->id];
      }
    }
    for (unsigned t = 0; t < s.targets; ++t) {
      while (eps[s.initiators + t]->target().poll_receive()) {
      }
    }
  };
  // Runs the loop until nothing is pending (true), or the next event is after `limit` (true,
  // now = limit), or the step bound is reached (false).
  bool quiet = false;
  auto run = [&](Time limit) {
    quiet = false;
    while (true) {
      if (++steps > kMaxSteps) {
        return false;
      }
      transmit();
      drain();
      Time next = wire.empty() ? kNever : wire.front().at;
      for (auto& e : eps) {
        next = std::min(next, e->next_timeout());
      }
      if (late_next < faults.receives.size()) {
        next = std::min(next, faults.receives[late_next].at);
      }
      if (next == kNever) {
        quiet = true;
        return true;
      }
      if (next > limit) {
        now = std::max(now, limit);
        return true;
      }
      now = std::max(now, next);
      while (!wire.empty() && wire.front().at <= now) {
        std::pop_heap(wire.begin(), wire.end(), later);
        Flight f = std::move(wire.back());
        wire.pop_back();
        eps[f.p.dst]->on_receive(f.p, now);
      }
      while (late_next < faults.receives.size() && faults.receives[late_next].at <= now) {
        const LateReceive& lr = faults.receives[late_next++];
        const TargetSpec& ts = s.tspec[lr.target];
        for (unsigned b = 0; b < lr.count; ++b) {
          UB_FUZZ_CHECK(
              eps[s.initiators + lr.target]->target().post_receive(lr.jetty, ts.capacity));
        }
      }
      for (auto& e : eps) {
        if (e->next_timeout() <= now) {
          e->on_timeout(now);
        }
      }
    }
  };

  // ---- the program ----
  OpId next_id = 0;
  for (const Item& it : prog) {
    switch (it.type) {
    case Item::Type::Advance:
      UB_FUZZ_CHECK(run(now + it.dt));
      break;
    case Item::Type::Suspend:
      eps[it.initiator]->initiator().suspend_queue(it.queue);
      break;
    case Item::Type::Resume:
      eps[it.initiator]->initiator().resume_queue(it.queue);
      break;
    case Item::Type::Flush:
      eps[it.initiator]->initiator().flush_queue(it.queue, now);
      break;
    case Item::Type::Wr: {
      const OpId id = next_id++;
      TaEndpoint& ep = *eps[it.initiator];
      const TaMode mode = s.qspec[it.initiator][it.queue].mode;
      const TxnOp op = build_op(id, it, s, ep.transport(), mode, s.initiators, preds[it.target]);
      PostRules rules;
      rules.mode = mode;
      rules.wire = ep.transport().wire();
      rules.multi_packet = ep.transport().multi_packet();
      rules.mtu = ep.transport().max_payload();
      const std::optional<PostError> want = check_post(op, rules);
      const auto got = ep.post(it.queue, op, now);
      // Refused exactly when check_post says so, with its error; reserved and response codes
      // always.
      UB_FUZZ_CHECK(got.has_value() == !want.has_value());
      if (!got) {
        UB_FUZZ_CHECK(got.error() == *want);
      }
      const auto info = ta_opcode_info(op.opcode);
      if (!info || info->response) {
        UB_FUZZ_CHECK(!got && got.error() == PostError::UnsupportedOpcode);
      }
      if (got) {
        accepted[id] = op.complete;
      }
      if (trace) {
        std::fprintf(stderr,
                     "t=%lld post op %llu ini %u q %u mode %u -> tgt %u opc %#x ord %u fence %d "
                     "co %d tok %u uba %#llx len %u tv %lld ebit %d denied %d jetty %u grp %d "
                     "ntok %u nuba %#llx: %s\n",
                     static_cast<long long>(now.count()), static_cast<unsigned long long>(id),
                     it.initiator, it.queue, static_cast<unsigned>(mode), op.target,
                     unsigned{op.opcode}, static_cast<unsigned>(op.order), op.fence ? 1 : 0,
                     op.comp_order ? 1 : 0, op.token_id, static_cast<unsigned long long>(op.uba),
                     op.length, op.token_value ? static_cast<long long>(*op.token_value) : -1LL,
                     op.e_bit ? 1 : 0, op.expect_denied ? 1 : 0, op.target_jetty,
                     op.target_group ? 1 : 0, op.notify_token_id,
                     static_cast<unsigned long long>(op.notify_uba),
                     got ? "accepted" : std::string(to_string(got.error())).c_str());
      }
      break;
    }
    }
  }
  // ---- the end: the Jetty layer takes suspended queues back to work (or to Error), and the
  // loop runs until nothing is pending ----
  bool done = false;
  for (int round = 0; round < 4 && !done; ++round) {
    UB_FUZZ_CHECK(run(kTimeLimit));
    if (!quiet) {
      break;
    }
    done = true;
    for (unsigned i = 0; i < s.initiators; ++i) {
      TaInitiator& ini = eps[i]->initiator();
      for (unsigned q = 0; q < s.qspec[i].size(); ++q) {
        if (ini.suspended(q) && ini.pending_ops() != 0) {
          done = false;
          if (s.end_flush) {
            ini.flush_queue(q, now);
          } else {
            ini.resume_queue(q);
          }
        }
      }
      done = done && ini.pending_ops() == 0;
    }
  }
  drain();
  if (!quiet || !done) {
    std::fprintf(
        stderr,
        "no quiescence: quiet %d, %zu ops accepted, %zu completed, now %lld ps, %llu steps\n",
        quiet ? 1 : 0, accepted.size(), tap.completions.size(), static_cast<long long>(now.count()),
        static_cast<unsigned long long>(steps));
    for (unsigned i = 0; i < s.initiators; ++i) {
      std::fprintf(stderr, "  initiator %u: %zu ops pending\n", i,
                   eps[i]->initiator().pending_ops());
    }
    std::abort();
  }
  // Exactly once: every accepted op completed once (observer), and reported a completion when
  // its CQE was enabled or it failed; nothing else completed.
  for (const auto& [id, cqe] : accepted) {
    const auto c = tap.completions.find(id);
    if (c == tap.completions.end() || c->second.count != 1) {
      std::fprintf(stderr, "op %llu completed %u times\n", static_cast<unsigned long long>(id),
                   c == tap.completions.end() ? 0U : c->second.count);
      std::abort();
    }
    const unsigned want = (cqe || c->second.status != fn::CqeStatus::Success) ? 1U : 0U;
    const auto p = polled.find(id);
    UB_FUZZ_CHECK((p == polled.end() ? 0U : p->second) == want);
  }
  UB_FUZZ_CHECK(tap.completions.size() == accepted.size());
  oracle.finish(now);
  if (!oracle.ok()) {
    std::fprintf(stderr, "late_execution %d\n%s\n", oc.late_execution ? 1 : 0,
                 oracle.summary().c_str());
    std::abort();
  }
  return 0;
}

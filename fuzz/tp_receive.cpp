// The receive side of every transport endpoint fed hostile bytes (UB-Base-2.0 §6.2-§6.7). The
// input picks a TP Channel configuration (retransmission algorithm, window, MTU, MarkPSN, ACK
// coalescing, A-bit policy, TA status in ACKs, congestion control: none, LDCP, CAQM or DCQCN)
// and then a sequence of operations, each packet going at once to:
//   - a TpChannel (on_receive) with that configuration,
//   - a two-member TpGroup (its member 0 configured alike, member 1 with the next algorithm),
//   - a CtpEndpoint (CNA16 or CNA24 NTH, congestion control on or off),
//   - a UtpEndpoint, and decode_utp,
//   - parse_bypass_headers (with an LPH from the input);
// with a CCI built from two input bytes. Packets are raw bytes, or an RTPH / CTPH the input fills
// in (PSNs near the channel's own, so they reach the window logic) followed by raw bytes.
// Interleaved: messages sent on the channel and the group (so ACKs have something to
// acknowledge), CTP and UTP sends, time advancing monotonically with on_timeout() when due,
// the TA's verdicts on delivered messages, and draining poll_transmit().
//
// Beyond "no crash and no sanitizer report" it checks: each refused packet is counted where the
// endpoint says it counts it (an undecodable RTPH as malformed, a foreign DstTPN as wrong_tpn /
// unknown_tpn, a bad CTPH or UTPH as malformed), every accepted UTP or CTP data packet delivers
// its TA bytes (without the padding),
// a bypass NTH the parser accepts re-encodes to the bytes it came from and rebuilds through
// make_bypass_headers, packets in flight never exceed the window, and everything an endpoint
// transmits in answer decodes with the project's own codecs (Codec<Rtph>, the CETPH forms,
// Codec<Saetph>, Codec<CnpCetph>, Codec<Ctph>, decode_utp) and carries its own TPNs.

#include <array>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <vector>

#include "fuzz_check.hpp"
#include "protocol/tp/bypass.hpp"
#include "protocol/tp/ctp_endpoint.hpp"
#include "protocol/tp/saetph.hpp"
#include "protocol/tp/tp_channel.hpp"
#include "protocol/tp/tp_group.hpp"
#include "protocol/tp/utp_endpoint.hpp"
#include "provider.hpp"

using namespace ub;
using namespace ub::tp;

namespace {

constexpr std::size_t kRtph = 16;
constexpr std::size_t kCetph = 8;
constexpr std::size_t kCtph = 1; // CTPH (§6.2.1)
constexpr std::uint32_t kLocalTpn = 1;
constexpr std::uint32_t kPeerTpn = 2;
constexpr std::uint32_t kMember1Tpn = 3;
constexpr std::uint32_t kMember1PeerTpn = 4;

template <class H>
std::vector<Byte> encode(const H& h) {
  std::vector<Byte> out(Codec<H>::size(h));
  const auto n = Codec<H>::encode(h, out);
  UB_FUZZ_CHECK(n.has_value());
  out.resize(*n);
  return out;
}

std::uint32_t window_of(const TpChannelConfig& c) {
  return c.max_outstanding != 0 ? c.max_outstanding : c.ooo_window;
}

// A TP packet an RTP end sent (RTPH onward, padding included, no ICRC) must decode, carry the
// end's TPNs, and its extension headers must decode per its opcode.
void check_rtp_out(const TpOut& o, const TpChannelConfig& cfg, CcAlgo cc) {
  const auto h = Codec<Rtph>::decode(o.tp);
  UB_FUZZ_CHECK(h.has_value());
  UB_FUZZ_CHECK(encode(*h) == std::vector<Byte>(o.tp.begin(), o.tp.begin() + kRtph));
  UB_FUZZ_CHECK(h->src_tpn == cfg.local_tpn);
  UB_FUZZ_CHECK(h->dst_tpn == cfg.peer_tpn);
  UB_FUZZ_CHECK((cfg.nth_bytes + o.tp.size()) % 4 == 0);
  UB_FUZZ_CHECK(Codec<nl::Cci>::validate(o.cci).has_value());
  const std::span<const Byte> rest = std::span<const Byte>(o.tp).subspan(kRtph);
  const std::uint8_t op = h->tp_opcode & 0x7FU;
  if (!o.control) {
    UB_FUZZ_CHECK(op == tp_opcode::kRtpData);
    UB_FUZZ_CHECK(h->padding <= rest.size());
    UB_FUZZ_CHECK(rest.size() - h->padding <= cfg.mtu);
    return;
  }
  switch (op) {
  case tp_opcode::kAck:
    UB_FUZZ_CHECK(h->padding <= rest.size());
    break;
  case tp_opcode::kAckCc:
  case tp_opcode::kSackCc: {
    UB_FUZZ_CHECK(rest.size() >= kCetph);
    if (cc == CcAlgo::Caqm) {
      UB_FUZZ_CHECK(Codec<CetphCaqm>::decode(rest).has_value());
    } else {
      UB_FUZZ_CHECK(Codec<CetphLdcp>::decode(rest).has_value());
    }
    if (op == tp_opcode::kSackCc) {
      const auto s = Codec<Saetph>::decode(rest.subspan(kCetph));
      UB_FUZZ_CHECK(s.has_value());
      UB_FUZZ_CHECK(s->bitmap_bits() <= cfg.sack_max_bits);
    }
    break;
  }
  case tp_opcode::kSack: {
    const auto s = Codec<Saetph>::decode(rest);
    UB_FUZZ_CHECK(s.has_value());
    UB_FUZZ_CHECK(s->bitmap_bits() <= cfg.sack_max_bits);
    break;
  }
  case tp_opcode::kCnp:
    UB_FUZZ_CHECK(Codec<CnpCetph>::decode(rest).has_value());
    break;
  default:
    UB_FUZZ_CHECK(op == tp_opcode::kAck); // a control packet with a data or unknown opcode
  }
}

struct Fixture {
  TpChannelConfig cfg{};
  CcAlgo cc = CcAlgo::None;
  std::optional<TpChannel> ch;
  std::optional<TpGroup> group;
  std::optional<CtpEndpoint> ctp;
  UtpConfig utp_cfg{};
  std::optional<UtpEndpoint> utp;
  Time now{0};
};

std::unique_ptr<CongestionControl> cc_of(CcAlgo a, const CcParams& p) {
  return a == CcAlgo::None ? nullptr : make_congestion_control(a, p);
}
std::unique_ptr<CcFeedback> fb_of(CcAlgo a, const CcParams& p) {
  return a == CcAlgo::None ? nullptr : make_cc_feedback(a, p);
}

void configure(Fixture& f, ub::fuzz::Provider& in) {
  const std::uint8_t c0 = in.byte();
  const std::uint8_t c1 = in.byte();
  TpChannelConfig& a = f.cfg;
  a.local_tpn = kLocalTpn;
  a.peer_tpn = kPeerTpn;
  a.retx = static_cast<RetxAlgo>(c0 & 3U);
  static constexpr CcAlgo kCc[] = {CcAlgo::None, CcAlgo::Ldcp, CcAlgo::Caqm, CcAlgo::Dcqcn};
  f.cc = kCc[(c0 >> 2) & 3U];
  static constexpr std::uint32_t kWindows[] = {128, 256, 512, 2048};
  a.ooo_window = kWindows[(c0 >> 4) & 3U];
  a.mark_psn = (c0 & 0x40U) != 0 && a.retx == RetxAlgo::SelectiveFast;
  a.ta_status = (c0 & 0x80U) != 0 ? TaStatusMode::All : TaStatusMode::Never;
  a.mtu = (c1 & 1U) != 0 ? 256 : 1024;
  static constexpr unsigned kCoalesce[] = {1, 2, 8, 32};
  a.ack_coalesce = kCoalesce[(c1 >> 1) & 3U];
  a.ack_delay = (c1 & 0x08U) != 0 ? Time{1'000'000} : Time{0};
  static constexpr ABitPolicy kA[] = {ABitPolicy::LastOrWindowEdge, ABitPolicy::LastOfMessage,
                                      ABitPolicy::EveryPacket, ABitPolicy::LastOrWindowEdge};
  a.a_bit = kA[(c1 >> 4) & 3U];
  const bool near_wrap = (c1 & 0x40U) != 0;
  a.tx_initial_psn = near_wrap ? kPsnMask - 5 : 1000;
  a.rx_initial_psn = near_wrap ? kPsnMask - 2 : 70'000;
  a.rto.max_retx = 3;
  if (a.ta_status != TaStatusMode::Never) {
    a.fake_keepalive_interval = Time{2'000'000};
  }
  UB_FUZZ_CHECK(validate(a).has_value());

  CcParams p{};
  p.mtu = a.mtu;
  f.ch.emplace(a, cc_of(f.cc, p), fb_of(f.cc, p));

  TpGroupConfig g{};
  TpgMemberConfig m0{};
  m0.channel = a;
  TpgMemberConfig m1 = m0;
  m1.port = 1;
  m1.channel.retx = static_cast<RetxAlgo>((c0 + 1U) & 3U);
  m1.channel.mark_psn = false;
  m1.channel.local_tpn = kMember1Tpn;
  m1.channel.peer_tpn = kMember1PeerTpn;
  g.members = {m0, m1};
  std::vector<std::unique_ptr<CongestionControl>> ccs;
  std::vector<std::unique_ptr<CcFeedback>> fbs;
  for (int i = 0; i < 2; ++i) {
    ccs.push_back(cc_of(f.cc, p));
    fbs.push_back(fb_of(f.cc, p));
  }
  auto grp = TpGroup::make(g, std::move(ccs), std::move(fbs));
  UB_FUZZ_CHECK(grp.has_value());
  f.group.emplace(std::move(*grp));

  CtpConfig ctp{};
  ctp.nth = (c1 & 0x80U) != 0 ? CtpNth::Cna24 : CtpNth::Cna16;
  ctp.congestion_control = (c0 & 0x01U) == 0;
  ctp.mtu = a.mtu;
  ctp.lb = (c0 & 0x02U) != 0 ? CtpLb::PerPacket : CtpLb::PerFlow;
  UB_FUZZ_CHECK(validate(ctp).has_value());
  f.ctp.emplace(ctp);

  static constexpr std::uint8_t kNth[] = {10, 34, 54, 10};
  f.utp_cfg.nth_bytes = kNth[(c1 >> 2) & 3U];
  f.utp_cfg.mtu = a.mtu;
  UB_FUZZ_CHECK(validate(f.utp_cfg).has_value());
  f.utp.emplace(f.utp_cfg);
}

void check_window(const TpChannel& c) {
  UB_FUZZ_CHECK(c.outstanding() <= window_of(c.config()));
  UB_FUZZ_CHECK(c.epsn() <= kPsnMask);
  UB_FUZZ_CHECK(c.snd_una() <= kPsnMask && c.snd_nxt() <= kPsnMask);
}

void check_all(const Fixture& f) {
  check_window(*f.ch);
  for (std::size_t i = 0; i < f.group->size(); ++i) {
    check_window(f.group->channel(i));
  }
}

// One packet to every receiver, with the counting each one promises.
void deliver(Fixture& f, std::span<const Byte> tp, const nl::Cci& cci, std::uint8_t meta) {
  const auto h = Codec<Rtph>::decode(tp);

  const TpCounters before = f.ch->counters();
  f.ch->on_receive(tp, cci, f.now);
  const TpCounters& after = f.ch->counters();
  if (!h) {
    UB_FUZZ_CHECK(after.malformed == before.malformed + 1);
  } else if (h->dst_tpn != kLocalTpn) {
    UB_FUZZ_CHECK(after.wrong_tpn == before.wrong_tpn + 1);
    UB_FUZZ_CHECK(after.malformed == before.malformed);
  } else {
    UB_FUZZ_CHECK(after.wrong_tpn == before.wrong_tpn);
  }

  const TpGroupCounters gb = f.group->counters();
  f.group->on_receive(meta & 1U, tp, cci, f.now);
  const TpGroupCounters& ga = f.group->counters();
  if (!h) {
    UB_FUZZ_CHECK(ga.malformed == gb.malformed + 1);
  } else if (h->dst_tpn != kLocalTpn && h->dst_tpn != kMember1Tpn) {
    UB_FUZZ_CHECK(ga.unknown_tpn == gb.unknown_tpn + 1);
  } else {
    UB_FUZZ_CHECK(ga.malformed == gb.malformed && ga.unknown_tpn == gb.unknown_tpn);
  }

  const CtpCounters cb = f.ctp->counters();
  CtpIn ci{};
  ci.src_cna = (meta & 0x80U) != 0 ? 0x1'0000U + meta : meta; // sometimes too wide for CNA16
  ci.vl = static_cast<std::uint8_t>((meta >> 1) & 0x1FU);     // 0..31: 16..31 are bad
  ci.sl = static_cast<std::uint8_t>((meta >> 3) & 0xFU);
  ci.cci = cci;
  ci.tp = tp;
  f.ctp->on_receive(ci, f.now);
  const CtpCounters& ca = f.ctp->counters();
  if (!Codec<Ctph>::decode(tp)) {
    UB_FUZZ_CHECK(ca.malformed == cb.malformed + 1);
  }
  // Every CTP packet is counted once: malformed, data, or CNP.
  UB_FUZZ_CHECK((ca.malformed - cb.malformed) + (ca.data_received - cb.data_received) +
                    (ca.cnps_received - cb.cnps_received) ==
                1);
  if (ca.data_received != cb.data_received) {
    // An accepted data packet goes to the TA whole: the bytes between the CTPH and the padding
    // (§6.7.2.2), with its NLP and where it came from.
    const auto ch = Codec<Ctph>::decode(tp);
    UB_FUZZ_CHECK(ch.has_value());
    const auto d = f.ctp->poll_deliver();
    UB_FUZZ_CHECK(d.has_value());
    const std::span<const Byte> body = tp.subspan(kCtph, tp.size() - kCtph - ch->padding);
    UB_FUZZ_CHECK(std::equal(d->ta.begin(), d->ta.end(), body.begin(), body.end()));
    UB_FUZZ_CHECK(d->nlp == ch->nlp && d->src_cna == ci.src_cna && d->vl == ci.vl &&
                  d->sl == ci.sl);
    UB_FUZZ_CHECK(!f.ctp->poll_deliver().has_value());
  }

  const auto um = decode_utp(f.utp_cfg, tp);
  const UtpCounters ub0 = f.utp->counters();
  f.utp->on_receive(meta, tp, f.now);
  const UtpCounters& ub1 = f.utp->counters();
  if (um) {
    UB_FUZZ_CHECK(ub1.received == ub0.received + 1 && ub1.malformed == ub0.malformed);
    const auto d = f.utp->poll_deliver();
    UB_FUZZ_CHECK(d.has_value());
    UB_FUZZ_CHECK(d->src == meta && d->nlp == um->nlp);
    UB_FUZZ_CHECK(std::equal(d->ta.begin(), d->ta.end(), um->ta.begin(), um->ta.end()));
    UB_FUZZ_CHECK(!f.utp->poll_deliver().has_value());
  } else {
    UB_FUZZ_CHECK(ub1.malformed == ub0.malformed + 1 && ub1.received == ub0.received);
    UB_FUZZ_CHECK(!um.error().header.empty());
  }

  // TP bypass: the bytes after the LPH.
  dl::Lph lph{};
  lph.cfg = (meta & 0x40U) != 0 ? static_cast<std::uint8_t>(meta & 0xFU) : dl::cfg::kLoadStore;
  lph.vl = static_cast<std::uint8_t>(meta & 0xFU);
  lph.rt = static_cast<std::uint8_t>((meta >> 4) & 3U);
  if (const auto info = parse_bypass_headers(lph, tp)) {
    const auto nth = Codec<nl::NthCna16>::decode(tp);
    UB_FUZZ_CHECK(nth.has_value());
    const auto again = encode(*nth);
    UB_FUZZ_CHECK(std::equal(again.begin(), again.end(), tp.begin()));
    BypassRoute r{};
    r.scna = info->scna;
    r.dcna = info->dcna;
    r.vl = info->vl;
    r.sl = info->sl;
    r.lbf = info->lbf;
    r.cci = info->cci;
    r.order = info->per_packet() ? TaOrder::Roi : TaOrder::Rol;
    r.shortest_only = info->shortest_only();
    const auto hdr = make_bypass_headers(r);
    UB_FUZZ_CHECK(hdr.has_value());
    UB_FUZZ_CHECK(hdr->nth == *nth);
    UB_FUZZ_CHECK(hdr->lph.rt == lph.rt && hdr->lph.vl == lph.vl);
  } else {
    UB_FUZZ_CHECK(!info.error().header.empty());
  }
  check_all(f);
}

// Drains every endpoint's transmit side and checks what comes out.
void drain(Fixture& f, std::uint8_t verdict_byte) {
  for (int k = 0; k < 4096; ++k) {
    auto o = f.ch->poll_transmit(f.now);
    if (!o) {
      break;
    }
    check_rtp_out(*o, f.cfg, f.cc);
  }
  for (int k = 0; k < 4096; ++k) {
    auto o = f.group->poll_transmit(f.now);
    if (!o) {
      break;
    }
    UB_FUZZ_CHECK(o->channel < f.group->size());
    UB_FUZZ_CHECK(o->port == f.group->member_config(o->channel).port);
    UB_FUZZ_CHECK((o->rt & 1U) == 0); // per-flow members only
    check_rtp_out(o->out, f.group->member_config(o->channel).channel, f.cc);
  }
  for (int k = 0; k < 4096; ++k) {
    auto o = f.ctp->poll_transmit(f.now);
    if (!o) {
      break;
    }
    const auto h = Codec<Ctph>::decode(o->tp);
    UB_FUZZ_CHECK(h.has_value());
    UB_FUZZ_CHECK((nth_bytes(f.ctp->config().nth) + o->tp.size()) % 4 == 0);
    UB_FUZZ_CHECK(o->dst_cna <= cna_mask(f.ctp->config().nth));
    UB_FUZZ_CHECK(o->vl <= 15 && o->sl <= 15);
    if (o->control) {
      UB_FUZZ_CHECK(h->tp_opcode == ctp_opcode::kCnp);
      UB_FUZZ_CHECK(Codec<CnpCetph>::decode(std::span<const Byte>(o->tp).subspan(1)).has_value());
    } else {
      UB_FUZZ_CHECK(h->tp_opcode == ctp_opcode::kData);
    }
  }
  while (auto o = f.utp->poll_transmit(f.now)) {
    UB_FUZZ_CHECK(decode_utp(f.utp_cfg, o->tp).has_value());
  }
  // Deliveries, and the TA's verdict on those that wait for one.
  unsigned k = verdict_byte;
  while (auto m = f.ch->poll_deliver()) {
    if (m->needs_verdict) {
      const TaVerdict v{static_cast<TaStatusKind>(k % 7U), static_cast<std::uint8_t>(k % 21U)};
      UB_FUZZ_CHECK(f.ch->ta_verdict(m->last_psn, v, f.now).has_value());
      UB_FUZZ_CHECK(!f.ch->ta_verdict(m->last_psn, v, f.now).has_value());
      k = k * 5U + 1U;
    }
  }
  while (auto m = f.group->poll_deliver()) {
  }
  while (auto e = f.ch->poll_event()) {
  }
  while (auto e = f.group->poll_event()) {
  }
  while (auto m = f.ctp->poll_deliver()) {
  }
  check_all(f);
}

std::vector<Byte> rtp_packet(const Fixture& f, ub::fuzz::Provider& in) {
  const std::uint8_t b0 = in.byte();
  const std::uint8_t b1 = in.byte();
  const std::uint8_t b2 = in.byte();
  static constexpr std::uint8_t kOps[] = {
      tp_opcode::kRtpData, tp_opcode::kRtpData | tp_opcode::kLastFlag,
      tp_opcode::kAck,     tp_opcode::kAckCc,
      tp_opcode::kSack,    tp_opcode::kSackCc,
      tp_opcode::kCnp,     0x00,
  };
  Rtph h{};
  // Any opcode byte, reserved ones included: the encoder refuses those, so it is written over
  // the encoded header (RTPH byte 0 is TPOpcode[7:0]).
  const std::optional<std::uint8_t> raw_opcode =
      (b0 & 7U) == 7U ? std::optional<std::uint8_t>(in.byte()) : std::nullopt;
  h.tp_opcode = raw_opcode ? tp_opcode::kAck : kOps[b0 & 7U];
  const bool data = ((raw_opcode ? *raw_opcode : h.tp_opcode) & 0x7FU) == tp_opcode::kRtpData;
  static constexpr std::uint32_t kTpns[] = {kLocalTpn, kLocalTpn, kMember1Tpn, kPeerTpn};
  h.dst_tpn = kTpns[(b0 >> 3) & 3U];
  h.src_tpn = kPeerTpn;
  h.a = (b0 & 0x20U) != 0;
  h.f = (b0 & 0x40U) != 0;
  h.nlp = 0;
  // PSNs near the channel's own: EPSN for data, snd_una for ACKs (a signed offset).
  const auto delta = static_cast<std::int8_t>(b1);
  const std::uint32_t base = data ? f.ch->epsn() : f.ch->snd_una();
  h.psn = static_cast<std::uint32_t>(static_cast<std::int64_t>(base) + delta) & kPsnMask;
  h.tpmsn = b2 & 0x0FU;
  if (!data) {
    // RSPST values the encoder accepts (100, 110 and 111 are reserved; raw packets carry those).
    static constexpr std::uint8_t kRspst[] = {0, 1, 2, 3, 5, 0, 3, 5};
    h.rspst = kRspst[(b2 >> 4) & 7U];
    h.rspinfo = (b2 & 0x80U) != 0 ? static_cast<std::uint8_t>(b2 & 0x1FU) : 0;
  }
  std::vector<Byte> out = encode(h);
  if (raw_opcode) {
    out[0] = *raw_opcode;
  }
  const std::uint8_t tail_kind = in.byte();
  if ((tail_kind & 3U) == 1U) {
    // A SAETPH (behind a CETPH for the -CC forms) with a MaxRcvPSN near snd_nxt.
    const std::uint8_t op = out[0] & 0x7FU;
    if (op == tp_opcode::kSackCc || op == tp_opcode::kAckCc) {
      const auto c = in.bytes(kCetph);
      out.insert(out.end(), c.begin(), c.end());
      out.resize(kRtph + kCetph, 0);
    }
    Saetph s{};
    s.bitmap_size = static_cast<std::uint8_t>((tail_kind >> 2) % 5U);
    s.max_rcv_psn = static_cast<std::uint32_t>(std::int64_t{f.ch->snd_nxt()} +
                                               static_cast<std::int8_t>(in.byte())) &
                    kPsnMask;
    const auto bits = in.bytes(s.bitmap_bytes());
    std::copy(bits.begin(), bits.end(), s.bitmap.begin());
    const auto sb = encode(s);
    out.insert(out.end(), sb.begin(), sb.end());
  } else {
    // Raw bytes: a payload (data) or extension headers; the padding counts the last ones.
    const auto tail = in.bytes(in.byte() % 64U);
    out.insert(out.end(), tail.begin(), tail.end());
    if ((tail_kind & 3U) == 2U) {
      const std::size_t pad = (4U - (f.cfg.nth_bytes + out.size()) % 4U) % 4U;
      out.resize(out.size() + pad, 0);
      h.padding = static_cast<std::uint8_t>(pad);
      const auto hb = encode(h);
      std::copy(hb.begin(), hb.end(), out.begin());
      if (raw_opcode) {
        out[0] = *raw_opcode;
      }
    }
  }
  return out;
}

std::vector<Byte> ctp_packet(ub::fuzz::Provider& in) {
  const std::uint8_t b0 = in.byte();
  Ctph h{};
  h.tp_opcode = (b0 & 1U) != 0 ? ctp_opcode::kCnp : ctp_opcode::kData;
  h.nlp = (b0 >> 1) & 3U;
  std::vector<Byte> out = encode(h);
  const auto tail = in.bytes(in.byte() % 48U);
  out.insert(out.end(), tail.begin(), tail.end());
  const std::size_t pad = (4U - (nth_bytes(CtpNth::Cna16) + out.size()) % 4U) % 4U;
  if ((b0 & 0x08U) != 0) {
    out.resize(out.size() + pad, 0);
    h.padding = static_cast<std::uint8_t>(pad);
    const auto hb = encode(h);
    std::copy(hb.begin(), hb.end(), out.begin());
  }
  return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ub::fuzz::Provider in(data, size);
  Fixture f;
  configure(f, in);
  std::uint64_t ops = 0;
  while (in.remaining() > 0 && ops++ < 4096) {
    const std::uint8_t op = in.byte();
    const std::uint8_t meta = in.byte();
    const nl::Cci cci =
        nl::unpack_cci(static_cast<std::uint16_t>((std::uint16_t{in.byte()} << 8U) | in.byte()));
    switch (op % 8U) {
    case 0: { // raw bytes
      const auto raw = in.bytes(in.byte());
      const std::vector<Byte> copy(raw.begin(), raw.end()); // exact size: over-reads show
      deliver(f, copy, cci, meta);
      break;
    }
    case 1:
    case 2:
      deliver(f, rtp_packet(f, in), cci, meta);
      break;
    case 3:
      deliver(f, ctp_packet(in), cci, meta);
      break;
    case 4: { // the upper layers send
      std::vector<Byte> msg(1U + std::size_t{meta} * 8U, static_cast<Byte>(op));
      msg[0] = 0x20; // a TA opcode byte for expects_ta_status
      (void)f.ch->send(msg);
      (void)f.group->send(msg, SendOptions{});
      CtpSend cs{};
      cs.dst_cna = meta;
      cs.vl = meta & 0xFU;
      cs.sl = (meta >> 4) & 0xFU;
      cs.ta = std::span<const Byte>(msg).first(std::min<std::size_t>(msg.size(), 64));
      (void)f.ctp->send(cs);
      UtpSend us{};
      us.dst = meta;
      us.ta = cs.ta;
      (void)f.utp->send(us);
      break;
    }
    case 5:
    case 6: { // time passes (monotonic), timers fire
      f.now += Time{std::int64_t{meta} << ((op >> 3) & 15U)} * 1000;
      if (f.ch->next_timeout() <= f.now) {
        f.ch->on_timeout(f.now);
      }
      if (f.group->next_timeout() <= f.now) {
        f.group->on_timeout(f.now);
      }
      if (f.ctp->next_timeout() <= f.now) {
        f.ctp->on_timeout(f.now);
      }
      check_all(f);
      break;
    }
    default:
      drain(f, meta);
      break;
    }
  }
  drain(f, 0);
  return 0;
}

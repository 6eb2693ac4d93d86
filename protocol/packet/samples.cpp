#include "protocol/packet/samples.hpp"

#include <array>

namespace ub::pkt {

namespace {

constexpr std::array<Byte, 1024> make_pattern() {
  std::array<Byte, 1024> a{};
  std::uint32_t x = 0x2545F491U;
  for (auto& b : a) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    b = static_cast<Byte>(x);
  }
  return a;
}
constexpr std::array<Byte, 1024> kPattern = make_pattern();

std::span<const Byte> bytes(std::size_t n, std::size_t from = 0) {
  return std::span<const Byte>(kPattern).subspan(from, n);
}

dl::Lph lph(std::uint8_t cfg, std::uint8_t vl = 0) {
  dl::Lph l{};
  l.cfg = cfg;
  l.vl = vl;
  return l;
}

nl::NthCna24 nth24(std::uint8_t nlp) {
  nl::NthCna24 n{};
  n.scna = 0x000102;
  n.dcna = 0x000203;
  nl::Cci c{};
  c.mode = nl::cci_mode::kFecn;
  c.fecn = nl::fecn::kNone;
  n.cci = nl::pack_cci(c);
  n.lbf = 0x5A;
  n.sl = 1;
  n.nlp = nlp;
  return n;
}

nl::NthCna16 nth16(std::uint8_t nlp, bool mgmt_bit = false) {
  nl::NthCna16 n{};
  n.scna = 0x0011;
  n.dcna = 0x0022;
  nl::Cci c{};
  c.mode = nl::cci_mode::kCaqm;
  c.enable = true;
  c.i = true;
  c.hint = 4;
  n.cci = nl::pack_cci(c);
  n.lbf = 0x3C;
  n.sl = 2;
  n.mgmt = mgmt_bit;
  n.nlp = nlp;
  return n;
}

tp::Rtph rtph(std::uint8_t opcode, std::uint32_t psn) {
  tp::Rtph r{};
  r.tp_opcode = opcode;
  r.src_tpn = 0x000A01;
  r.dst_tpn = 0x000B02;
  r.psn = psn;
  r.tpmsn = 7;
  return r;
}

ta::Btah btah(ta::TaOpcode op, std::uint16_t tassn) {
  ta::Btah b{};
  b.ta_opcode = static_cast<std::uint8_t>(op);
  b.ini_tassn = tassn;
  b.ini_rc_id = 0x00042;
  return b;
}

ta::Atah atah(ta::TaOpcode op, std::uint16_t tassn) {
  ta::Atah a{};
  a.ta_opcode = static_cast<std::uint8_t>(op);
  a.ini_tassn = tassn;
  a.ini_rc_id = 0x00042;
  return a;
}

ta::Maetah maetah(std::uint64_t address, std::uint32_t length) {
  ta::Maetah m{};
  m.address = address;
  m.token_id = 0x12345;
  m.length = length;
  return m;
}

struct Builder {
  Packet p{};
  explicit Builder(std::uint8_t cfg, std::uint8_t vl = 0) { p.lph = lph(cfg, vl); }
  Builder& h(const Header& x) {
    p.push(x);
    return *this;
  }
  Builder& payload(std::span<const Byte> b) {
    p.payload = b;
    return *this;
  }
};

// A CFG 7 RTP data packet carrying `ta` headers.
Builder rtp7(std::uint32_t psn) {
  Builder b(dl::cfg::kCna24, 1);
  b.h(nth24(nl::nlp::kRtph)).h(rtph(tp::tp_opcode::kRtpData | tp::tp_opcode::kLastFlag, psn));
  return b;
}

} // namespace

std::vector<PacketSample> packet_samples() {
  std::vector<PacketSample> out;
  auto add = [&](std::string_view name, std::string_view desc, const Builder& b) {
    out.push_back(PacketSample{name, desc, b.p});
  };

  // ---- CFG 3/4: IP-based NTH ----
  {
    nl::NthIp ip{};
    ip.prefix.cci = nl::pack_cci(nl::Cci{.mode = nl::cci_mode::kFecn, .fecn = nl::fecn::kNone});
    ip.prefix.npi = 1; // the default partition, high permission
    ip.v4.identification = 0x1234;
    ip.v4.src = 0x0A000001;
    ip.v4.dst = 0x0A000002;
    ip.udp.src_port = 0xC001;
    Builder b(dl::cfg::kIpv4);
    ta::Btah w = btah(ta::TaOpcode::Write, 1);
    w.tv_en = true;
    b.h(ip)
        .h(rtph(tp::tp_opcode::kRtpData | tp::tp_opcode::kLastFlag, 100))
        .h(w)
        .h(maetah(0x10000, 64))
        .h(ta::Tvetah{0xCAFEF00D})
        .payload(bytes(64));
    add("cfg3-rtp-write", "IPv4 NTH, RTP data, Write with token (App. B.2.1)", b);

    nl::NthIp ip6 = ip;
    ip6.ip_version = 6;
    ip6.v6.flow_label = 0xABCDE;
    ip6.v6.src[15] = 1;
    ip6.v6.dst[15] = 2;
    ip6.v6.src[0] = 0xFD;
    ip6.v6.dst[0] = 0xFD;
    Builder b6(dl::cfg::kIpv6);
    ta::Btah s = btah(ta::TaOpcode::Send, 2);
    s.mt_en = true;
    ta::Mtetah mt{};
    mt.tgt_tc_id = 0x00101;
    b6.h(ip6).h(tp::Utph{}).h(s).h(mt).h(ta::Ofstetah{}).payload(bytes(32));
    add("cfg4-utp-send", "IPv6 NTH, UTP (unreliable), Send in UNO mode", b6);

    nl::NthIp tcp = ip;
    tcp.v4.protocol = 6;
    tcp.udp = nl::UdpHeader{};
    Builder bt(dl::cfg::kIpv4);
    bt.h(tcp).payload(bytes(40));
    add("cfg3-tcpip", "IPv4 TCP packet carried on the UB link (opaque after the IP header)", bt);
  }

  // ---- CFG 5: UB-link network management ----
  {
    mgmt::NetMgmtHeader m{};
    m.protocol = mgmt::net_mgmt_protocol::kUlap;
    m.dguid.fill(0xFF);
    m.dguid[14] = 0x01;
    m.dguid[15] = 0x04;
    m.sguid[15] = 0x77;
    Builder b(dl::cfg::kNetMgmt);
    b.h(m).payload(bytes(16));
    add("cfg5-netmgmt", "UB-link network management packet (ULAP, App. F.2)", b);
  }

  // ---- CFG 6: 16-bit CNA, CTP ----
  {
    Builder b(dl::cfg::kCna16);
    tp::Ctph c{};
    c.nlp = tp::ctph_nlp::kUpi16Eid40;
    nl::Eidh40 e{};
    e.seid = 0x00011;
    e.deid = 0x00022;
    b.h(nth16(nl::nlp::kCtph))
        .h(c)
        .h(nl::Upih16{0, 0x0123})
        .h(e)
        .h(btah(ta::TaOpcode::Write, 3))
        .h(maetah(0x2000, 48))
        .payload(bytes(48));
    add("cfg6-ctp-write", "16-bit CNA, CTP, UPIH16 + EIDH40, Write (App. B.2.4)", b);

    Builder m(dl::cfg::kCna16);
    ta::Btah mb = btah(ta::TaOpcode::Management, 9);
    ta::Mgmtetah mg{};
    mg.code = 0b010; // Configuration
    mg.sub_code = 0; // CFG0 read
    m.h(nth16(nl::nlp::kCtph, true))
        .h(c)
        .h(nl::Upih16{0, nl::kUbfmUpi})
        .h(e)
        .h(mb)
        .h(mg)
        .payload(bytes(12));
    add("cfg6-mgmt", "configuration management packet from the UBFM (§10.4.3.1)", m);

    Builder en(dl::cfg::kCna16);
    nl::NthCna16 n = nth16(nl::nlp::kUpih16, true);
    n.scna = 0;
    n.dcna = 0;
    mgmt::ScanHeader sc{};
    sc.r = true;
    sc.type = 1;
    sc.hops = 2;
    sc.step = 0;
    en.h(n).h(nl::Upih16{0, nl::kUbfmUpi}).h(sc).payload(bytes(24));
    add("cfg6-enum", "enumeration packet: UPIH16, Scan Header, paths and Scan PDU (§10.4.3.2)", en);

    Builder cnp(dl::cfg::kCna16);
    tp::CnpCetph ce{};
    ce.ecn = 3;
    cnp.h(nth16(nl::nlp::kCtph)).h(tp::Ctph{tp::ctp_opcode::kCnp, 0, 0}).h(ce);
    add("cfg6-ctp-cnp", "CTP congestion notification packet (CNP, severe)", cnp);
  }

  // ---- CFG 7: 24-bit CNA, RTP with every TAOpcode ----
  {
    std::uint32_t psn = 0xFFFFF0; // close to the 24-bit wrap
    auto next_psn = [&] { return psn++ & 0xFFFFFF; };

    {
      Builder b = rtp7(next_psn());
      ta::Btah s = btah(ta::TaOpcode::Send, 10);
      s.mt_en = true;
      s.tv_en = true;
      b.h(s)
          .h(ta::Mtetah{0, 0, 0, 0x00200})
          .h(ta::Ofstetah{})
          .h(ta::Tvetah{0x1111})
          .payload(bytes(100));
      add("cfg7-rtp-send", "RTP Send (0x00) to a Jetty, with token", b);
    }
    {
      Builder b = rtp7(next_psn());
      ta::Btah s = btah(ta::TaOpcode::SendWithImmediate, 11);
      s.mt_en = true;
      b.h(s)
          .h(ta::Mtetah{0, 0, 0, 0x00200})
          .h(ta::Ofstetah{})
          .h(ta::Immetah{0x0123456789ABCDEFULL, 0, 0})
          .payload(bytes(20));
      add("cfg7-rtp-send-imm", "RTP Send_with_immediate (0x01)", b);
    }
    {
      Builder b = rtp7(next_psn());
      b.h(btah(ta::TaOpcode::Write, 12)).h(maetah(0x40000, 256)).payload(bytes(256));
      add("cfg7-rtp-write", "RTP Write (0x03), 256 bytes", b);
    }
    {
      Builder b = rtp7(next_psn());
      ta::Btah w = btah(ta::TaOpcode::WriteWithImmediate, 13);
      w.mt_en = true;
      w.tv_en = true;
      b.h(w)
          .h(ta::Mtetah{0, 0, 0, 0x00300})
          .h(maetah(0x40100, 16))
          .h(ta::Immetah{0xFEEDULL, 0x2222, 4096})
          .h(ta::Tvetah{0x3333})
          .payload(bytes(16));
      add("cfg7-rtp-write-imm", "RTP Write_with_immediate (0x04), last packet", b);
    }
    {
      Builder b = rtp7(next_psn());
      ta::Ntfetah nf{};
      nf.address = 0x90000;
      nf.notify_token_id = 0x00777;
      nf.notify_data = 1;
      b.h(btah(ta::TaOpcode::WriteWithNotify, 14)).h(maetah(0x40200, 32)).h(nf).payload(bytes(32));
      add("cfg7-rtp-write-notify", "RTP Write_with_notify (0x05)", b);
    }
    {
      Builder b = rtp7(next_psn());
      ta::Btah r = btah(ta::TaOpcode::Read, 15);
      r.odr = ta::odr::kSo;
      b.h(r).h(ta::Taidetah{0, 0x0042}).h(ta::Ofstetah{0, 0}).h(maetah(0x50000, 4096));
      add("cfg7-rtp-read", "RTP Read (0x06) with TAIDETAH and OFSTETAH (CFG 7), SO", b);
    }
    const std::array<std::pair<ta::TaOpcode, std::string_view>, 9> atomics{{
        {ta::TaOpcode::AtomicCompareSwap, "cfg7-rtp-atomic-cas"},
        {ta::TaOpcode::AtomicSwap, "cfg7-rtp-atomic-swap"},
        {ta::TaOpcode::AtomicStore, "cfg7-rtp-atomic-store"},
        {ta::TaOpcode::AtomicLoad, "cfg7-rtp-atomic-load"},
        {ta::TaOpcode::AtomicFetchAdd, "cfg7-rtp-atomic-fetch-add"},
        {ta::TaOpcode::AtomicFetchSub, "cfg7-rtp-atomic-fetch-sub"},
        {ta::TaOpcode::AtomicFetchAnd, "cfg7-rtp-atomic-fetch-and"},
        {ta::TaOpcode::AtomicFetchOr, "cfg7-rtp-atomic-fetch-or"},
        {ta::TaOpcode::AtomicFetchXor, "cfg7-rtp-atomic-fetch-xor"},
    }};
    for (const auto& [op, name] : atomics) {
      Builder b = rtp7(next_psn());
      ta::Btah a = btah(op, 16);
      const bool subop = op == ta::TaOpcode::AtomicStore || op == ta::TaOpcode::AtomicLoad;
      a.ud_flag = subop;
      b.h(a);
      if (subop) {
        b.h(ta::Udetah{std::uint32_t{ta::atomic_subop::kUmax} << 20});
      }
      b.h(ta::Taidetah{0, 0x0043}).h(maetah(0x60008, 8)).payload(bytes(16));
      add(name, "RTP atomic request, 8-byte operands (Operand1 | Operand2)", b);
    }
    {
      Builder b = rtp7(next_psn());
      ta::Btah mb = btah(ta::TaOpcode::Management, 17);
      ta::Mgmtetah mg{};
      mg.code = 0b100;
      mg.sub_code = 7;
      b.h(mb).h(mg).payload(bytes(8));
      add("cfg7-rtp-management", "RTP Management (0x10): link neighbour query", b);
    }
    {
      Builder b = rtp7(next_psn());
      b.h(atah(ta::TaOpcode::TransactionAck, 12));
      add("cfg7-rtp-taack", "RTP Transaction_ACK (0x11), success", b);
    }
    {
      Builder b = rtp7(next_psn());
      b.h(atah(ta::TaOpcode::ReadResponse, 15))
          .h(ta::Taidetah{0, 0x0042})
          .h(ta::Ofstetah{0, 0})
          .payload(bytes(512));
      add("cfg7-rtp-read-response", "RTP Read_response (0x12) echoing TAID and Offset", b);
    }
    {
      Builder b = rtp7(next_psn());
      b.h(atah(ta::TaOpcode::AtomicResponse, 16)).h(ta::Taidetah{0, 0x0043}).payload(bytes(8));
      add("cfg7-rtp-atomic-response", "RTP Atomic_response (0x13), original 8-byte value", b);
    }
    {
      Builder b = rtp7(next_psn());
      ta::Beetah be{};
      be.width_bits = 64;
      be.be.fill(0);
      for (std::size_t i = 0; i < 64; i += 2) {
        be.set_enabled(i);
      }
      b.h(btah(ta::TaOpcode::WriteWithBe, 18)).h(maetah(0x70000, 64)).h(be).payload(bytes(64));
      add("cfg7-rtp-write-be", "RTP Write_with_be (0x14), even bytes enabled", b);
    }
    {
      Builder b = rtp7(next_psn());
      b.h(btah(ta::TaOpcode::PrefetchTgt, 19)).h(maetah(0x80000, 4096));
      add("cfg7-rtp-prefetch", "RTP Prefetch_tgt (0x15)", b);
    }
    {
      Builder b = rtp7(next_psn());
      b.h(btah(ta::TaOpcode::Writeback, 20)).h(maetah(0x80040, 64)).payload(bytes(64));
      add("cfg7-rtp-writeback", "RTP Writeback (0x17)", b);
    }
    {
      Builder b = rtp7(next_psn());
      ta::Beetah be{};
      be.width_bits = 128;
      be.be.fill(0xFF);
      for (std::size_t i = 16; i < be.be.size(); ++i) {
        be.be[i] = 0;
      }
      b.h(btah(ta::TaOpcode::WritebackWithBe, 21))
          .h(maetah(0x80080, 128))
          .h(be)
          .payload(bytes(128));
      add("cfg7-rtp-writeback-be", "RTP Writeback_with_be (0x18)", b);
    }
    {
      Builder b(dl::cfg::kCna24, 1);
      tp::Ctph c{};
      c.nlp = tp::ctph_nlp::kUpi32Eid256;
      nl::Eidh256 e{};
      e.seid[15] = 0x11;
      e.deid[15] = 0x22;
      b.h(nth24(nl::nlp::kCtph))
          .h(c)
          .h(nl::Upih32{0, 0x000123})
          .h(e)
          .h(btah(ta::TaOpcode::Write, 22))
          .h(maetah(0x1000, 24))
          .payload(bytes(24));
      add("cfg7-ctp-write", "24-bit CNA, CTP, UPIH32 + EIDH256, Write (Fig. B-7)", b);
    }
    {
      Builder b(dl::cfg::kCna24, 1);
      b.h(nth24(nl::nlp::kRtph)).h(rtph(tp::tp_opcode::kRtpData, 5));
      tp::Rtph& r = std::get<tp::Rtph>(b.p.headers[1]);
      r.nlp = tp::tph_nlp::kUpiEid;
      nl::Eidh256 e{};
      e.seid[0] = 0xAB;
      e.deid[0] = 0xCD;
      b.h(nl::Upih32{0, 0x00FEDC})
          .h(e)
          .h(btah(ta::TaOpcode::Write, 23))
          .h(maetah(0x2000, 1024))
          .payload(bytes(1024));
      add("cfg7-rtp-virt-write",
          "RTP with UPIH32 + EIDH256 (virtualisation, Fig. B-2), 1 KB write"
          " spanning two blocks",
          b);
    }
  }

  // ---- CFG 7: TP ACKs and CNP ----
  {
    Builder ack(dl::cfg::kCna24);
    ack.h(nth24(nl::nlp::kRtph)).h(rtph(tp::tp_opcode::kAck, 0x000123));
    add("cfg7-tpack", "TPACK: cumulative ACK of PSN 0x123", ack);

    Builder nak(dl::cfg::kCna24);
    tp::Rtph n = rtph(tp::tp_opcode::kAck, 0x000124);
    n.rspst = tp::rspst::kError;
    nak.h(nth24(nl::nlp::kRtph)).h(n);
    add("cfg7-tpnak", "TPNAK: PSN error at EPSN 0x124 (RSPST 011, RSPINFO 00000)", nak);

    Builder rol(dl::cfg::kCna24);
    tp::Rtph t = rtph(tp::tp_opcode::kAck, 0x000125);
    t.rspst = tp::rspst::kTaAck;
    t.rspinfo = 0b00010;
    rol.h(nth24(nl::nlp::kRtph)).h(t);
    add("cfg7-tpack-taack", "TPACK carrying a normal TAACK (ROL, RSPST 101)", rol);

    Builder cc(dl::cfg::kCna24);
    cc.h(nth24(nl::nlp::kRtph))
        .h(rtph(tp::tp_opcode::kAckCc, 0x000126))
        .h(tp::CetphLdcp{0x00001000, 0x00000100});
    add("cfg7-tpack-cc", "TPACK-CC with an LDCP CETPH", cc);

    Builder sack(dl::cfg::kCna24);
    tp::Saetph sa{};
    sa.bitmap_size = 0;
    sa.max_rcv_psn = 0x000130;
    sa.set_bitmap_bit(0);
    sa.set_bitmap_bit(3);
    sa.set_bitmap_bit(4);
    sack.h(nth24(nl::nlp::kRtph)).h(rtph(tp::tp_opcode::kSack, 0x000127)).h(sa);
    add("cfg7-tpsack", "TPSACK: 64-bit bitmap, PSNs +3 and +4 received out of order", sack);

    Builder sackcc(dl::cfg::kCna24);
    tp::Saetph sb = sa;
    sb.bitmap_size = 1;
    sb.set_bitmap_bit(100);
    sackcc.h(nth24(nl::nlp::kRtph))
        .h(rtph(tp::tp_opcode::kSackCc, 0x000127))
        .h(tp::CetphLdcp{0x00002000, 0})
        .h(sb);
    add("cfg7-tpsack-cc", "TPSACK-CC: LDCP CETPH and a 128-bit bitmap", sackcc);

    Builder cnp(dl::cfg::kCna24);
    tp::CnpCetph ce{};
    ce.ecn = 1;
    ce.loc = true;
    cnp.h(nth24(nl::nlp::kRtph)).h(rtph(tp::tp_opcode::kCnp, 0)).h(ce);
    add("cfg7-rtp-cnp", "RTP CNP (mild congestion, marked at the last hop)", cnp);
  }

  // ---- CFG 9: load/store over TP bypass, compact headers ----
  {
    auto ls = [](std::uint8_t op, std::uint16_t tassn) {
      ta::BtahCompact b{};
      b.ta_opcode = op;
      b.ini_tassn = tassn;
      return b;
    };
    auto mae = [](std::uint64_t addr, std::uint8_t len_code) {
      ta::MaetahCompact m{};
      m.address_63_6 = addr >> 6;
      m.length = len_code;
      m.token_id = 0x00ABC;
      return m;
    };
    {
      Builder b(dl::cfg::kLoadStore);
      b.h(nth16(nl::nlp::kTah)).h(ls(0x03, 1)).h(mae(0x100000, 0)).payload(bytes(64));
      add("cfg9-store", "CFG 9 store: compact Write of one 64-byte line (App. B.2.6)", b);
    }
    {
      Builder b(dl::cfg::kLoadStore);
      ta::MaetahCompact m = mae(0x100040, 1);
      m.so = true;
      b.h(nth16(nl::nlp::kTah)).h(ls(0x06, 2)).h(m);
      add("cfg9-load", "CFG 9 load: compact Read of 128 bytes, SO", b);
    }
    {
      Builder b(dl::cfg::kLoadStore);
      ta::BtahCompact a = ls(0x0B, 3);
      a.tv_en = true;
      b.h(nth16(nl::nlp::kTah))
          .h(a)
          .h(mae(0x100080, 0))
          .h(ta::Tvetah{0x55AA55AA})
          .payload(bytes(128));
      add("cfg9-atomic-fetch-add", "CFG 9 Atomic_fetch_add with 64-byte operands and token", b);
    }
    {
      Builder b(dl::cfg::kLoadStore);
      ta::Beetah be{};
      be.width_bits = 64;
      be.be[7] = 0x0F;
      b.h(nth16(nl::nlp::kTah)).h(ls(0x14, 4)).h(mae(0x1000C0, 0)).h(be).payload(bytes(64));
      add("cfg9-write-be", "CFG 9 Write_with_be: 4 of 64 bytes enabled", b);
    }
    {
      Builder b(dl::cfg::kLoadStore);
      b.h(nth16(nl::nlp::kTah)).h(ls(0x15, 5)).h(mae(0x200000, 6));
      add("cfg9-prefetch", "CFG 9 Prefetch_tgt of 4 KB", b);
    }
    {
      Builder b(dl::cfg::kLoadStore);
      b.h(nth16(nl::nlp::kTah)).h(ls(0x17, 6)).h(mae(0x100100, 0)).payload(bytes(64));
      add("cfg9-writeback", "CFG 9 Writeback of a 64-byte line", b);
    }
    {
      Builder b(dl::cfg::kLoadStore);
      ta::AtahCompact a{};
      a.ta_opcode = 0x12;
      a.ini_tassn = 2;
      b.h(nth16(nl::nlp::kTah)).h(a).payload(bytes(128));
      add("cfg9-load-response", "CFG 9 Read_response with 128 bytes", b);
    }
    {
      Builder b(dl::cfg::kLoadStore);
      ta::AtahCompact a{};
      a.ta_opcode = 0x11;
      a.ini_tassn = 1;
      b.h(nth16(nl::nlp::kTah)).h(a);
      add("cfg9-store-ack", "CFG 9 Transaction_ACK for a store", b);
    }
    {
      Builder b(dl::cfg::kLoadStore);
      ta::AtahCompact a{};
      a.ta_opcode = 0x13;
      a.ini_tassn = 3;
      a.status = 1;
      b.h(nth16(nl::nlp::kTah)).h(a).payload(bytes(64));
      add("cfg9-atomic-response-denied",
          "CFG 9 Atomic_response with Status 01 (authorisation"
          " failed)",
          b);
    }
  }
  return out;
}

} // namespace ub::pkt

namespace ub::pkt {

std::vector<ControlSample> control_samples() {
  std::vector<ControlSample> out;
  out.push_back({"dllcb-null", "Null Block: idle filler, not retry-buffered", dl::NullBlock{}});
  out.push_back({"dllcb-nop", "No_Operation: spacing after a small DLLDP", dl::NoOperation{}});
  out.push_back({"dllcb-retry-idle", "Retry_Idle: starts a retry set", dl::RetryIdle{}});
  {
    dl::RetryReq r{};
    r.rcv_ptr = 0x0123;
    r.num_phy_reinit = 1;
    r.num_retry = 3;
    out.push_back({"dllcb-retry-req", "Retry_Req: resend from retry-buffer index 0x123", r});
  }
  {
    dl::RetryAck a{};
    a.num_retry = 3;
    a.num_free_buf = 0x0400;
    a.rd_ptr = 0x0123;
    a.wr_ptr = 0x0200;
    out.push_back({"dllcb-retry-ack", "Retry_Ack: retransmitting 0x123..0x200", a});
  }
  {
    dl::CrdAck c{};
    c.t = true;
    c.sd = true;
    c.ack_num = 2;
    c.set_crd_num_of(0, 63);
    c.set_crd_num_of(1, 17);
    c.set_crd_num_of(15, 5);
    out.push_back({"dllcb-crd-ack", "Crd_Ack: last initial-credit block (T = 1, SD = 1)", c});
  }
  {
    dl::ParamExchg px{};
    px.flits = 5;
    px.set_word(0, 0x00000007); // port_idx 7
    px.set_word(1, 0x89ABCDEF);
    px.set_word(2, 0x01234567);
    px.set_word(3, 0x0000FFFF);
    px.set_word(4, 0x12340000);
    out.push_back(
        {"dllcb-param-exchg", "Param_Exchg: link-neighbour advertisement (port, GUID)", px});
  }
  {
    dl::LaneManage lm{};
    lm.change_tlw = true;
    lm.tlw = dl::lane_width::kX2;
    lm.rlw = dl::lane_width::kX4;
    out.push_back({"dllcb-lane-manage", "Lane_Manage: request TX width x2", lm});
  }
  {
    dl::BlockModeChg b{};
    b.type = dl::BlockModeChgType::Req;
    out.push_back({"dllcb-block-mode-chg", "Block_Mode_Chg: REQ", b});
  }
  {
    // The Data Link Configuration register reset values (App. D.6.2), a 4096-flit retry buffer.
    dl::InitBlock in{};
    in.feature_id = 1;
    in.rxbuf_vl_share = true;
    in.data_ack_grain_size = 0x20;
    in.ctrl_ack_grain_size = 0x01;
    in.flow_ctrl_size = 0x08;
    in.vl_enable = 0x00FF;
    in.retry_buf_depth = 0x0FFF;
    in.packet_min_interval = 1;
    for (unsigned vl = 0; vl < 16; ++vl) {
      in.set_ctrl_credit_grain(vl, 0x01);
      in.set_data_credit_grain(vl, 0x04);
    }
    out.push_back({"dllcb-init", "Init: the spec's configuration-register defaults", in});
  }
  return out;
}

} // namespace ub::pkt

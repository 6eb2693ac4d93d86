#include "tools/ubmodel/pretty.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "protocol/nl/cci.hpp"
#include "protocol/ta/ta_opcode.hpp"
#include "protocol/tp/rtph.hpp"
#include "tools/ubmodel/hex.hpp"

namespace ub::tool {

namespace {

std::string_view tp_opcode_name(std::uint64_t op) {
  switch (op & 0x7F) {
  case tp::tp_opcode::kUtpData:
    return "UTP data";
  case tp::tp_opcode::kRtpData:
    return "RTP data";
  case tp::tp_opcode::kAck:
    return "TPACK/TPNAK";
  case tp::tp_opcode::kAckCc:
    return "TPACK-CC/TPNAK-CC";
  case tp::tp_opcode::kSack:
    return "TPSACK";
  case tp::tp_opcode::kSackCc:
    return "TPSACK-CC";
  case tp::tp_opcode::kCnp:
    return "CNP";
  default:
    return "reserved";
  }
}

std::string_view cfg_name(std::uint64_t cfg) {
  switch (cfg) {
  case 3:
    return "IPv4 NTH";
  case 4:
    return "IPv6 NTH";
  case 5:
    return "UB-link network management";
  case 6:
    return "16-bit CNA NTH";
  case 7:
    return "24-bit CNA NTH";
  case 9:
    return "16-bit CNA NTH, load/store";
  default:
    return "reserved";
  }
}

std::string annotate(std::string_view header, const pkt::FieldEntry& f) {
  if (f.name == "TAOpcode") {
    if (auto info = ta::ta_opcode_info(static_cast<std::uint8_t>(f.scalar))) {
      return std::string(info->name);
    }
    return "reserved";
  }
  if (f.name == "TPOpcode" && (header == "RTPH" || header == "UTPH")) {
    std::string s(tp_opcode_name(f.scalar));
    if ((f.scalar & 0x80) != 0) {
      s += ", last packet";
    }
    return s;
  }
  if (f.name == "TPOpcode" && header == "CTPH") {
    return f.scalar == 0 ? "CTP data" : (f.scalar == 1 ? "CNP" : "reserved");
  }
  if (f.name == "CFG") {
    return std::string(cfg_name(f.scalar));
  }
  if (f.name == "CCI") {
    const nl::Cci c = nl::unpack_cci(static_cast<std::uint16_t>(f.scalar));
    switch (c.mode) {
    case nl::cci_mode::kCaqm:
      return fmt::format("CAQM: Loc {} Enable {} C {} I {} Hint {}", c.loc ? 1 : 0,
                         c.enable ? 1 : 0, c.c ? 1 : 0, c.i ? 1 : 0, c.hint);
    case nl::cci_mode::kFecnRtt:
      return fmt::format("FECN_RTT: Loc {} Timestamp {} FECN {:02b}", c.loc ? 1 : 0, c.timestamp,
                         c.fecn);
    case nl::cci_mode::kFecn:
      return fmt::format("FECN: Loc {} FECN {:02b}", c.loc ? 1 : 0, c.fecn);
    default:
      return "reserved mode";
    }
  }
  return {};
}

std::string value_text(const pkt::FieldEntry& f) {
  if (f.is_wide()) {
    return "0x" + to_hex(f.wide);
  }
  if (f.width == 1 || f.scalar < 10) {
    return std::to_string(f.scalar);
  }
  const unsigned digits = (f.width + 3U) / 4U;
  return fmt::format("{} (0x{:0{}x})", f.scalar, f.scalar, digits);
}

void render(std::string& out, std::string_view name, std::string_view clause,
            const std::vector<pkt::FieldEntry>& fields, bool last) {
  out += fmt::format("{} {}", last ? "└─" : "├─", name);
  if (!clause.empty()) {
    out += fmt::format("  [UB-Base-2.0 {}]", clause);
  }
  out += '\n';
  const std::string_view bar = last ? "   " : "│  ";
  for (const auto& f : fields) {
    if (f.role == FieldRole::Reserved && f.scalar == 0 &&
        std::all_of(f.wide.begin(), f.wide.end(), [](std::uint8_t b) { return b == 0; })) {
      continue; // reserved and zero: nothing to say
    }
    std::string line = fmt::format("{}   {}: {}", bar, f.name, value_text(f));
    const std::string note = annotate(name, f);
    if (!note.empty()) {
      line += "  " + note;
    }
    if (f.role == FieldRole::Reserved) {
      line += "  (reserved, non-zero)";
    }
    out += line + '\n';
  }
}

std::string_view clause_of(std::string_view name) {
  if (const auto* e = pkt::find_header(name)) {
    return e->clause;
  }
  return {};
}

} // namespace

std::string pretty_header(std::string_view name, const std::vector<pkt::FieldEntry>& fields) {
  std::string out;
  render(out, name, clause_of(name), fields, true);
  return out;
}

std::string pretty_unit(const Unit& u, std::size_t wire_bytes) {
  std::string out;
  if (u.is_control) {
    const auto flits = dl::control_block_flits(u.block);
    out += fmt::format("control block (DLLCB) {}: {} bytes, {} flit{}, {}{}\n",
                       dl::control_block_name(u.block), wire_bytes, flits, flits == 1 ? "" : "s",
                       dl::to_string(u.mode), u.canonical ? "" : ", non-zero reserved bits");
    render(out, dl::control_block_name(u.block), clause_of(dl::control_block_name(u.block)),
           pkt::fields_of(u.block), true);
    return out;
  }
  const pkt::Packet& p = u.packet;
  const std::size_t flits = wire_bytes / dl::kFlitBytes;
  out +=
      fmt::format("data packet (DLLDP), CFG {} ({}): {} bytes, {} flit{}, {} block{}, {}, "
                  "ERROR_FLAG {}{}\n",
                  p.lph.cfg, cfg_name(p.lph.cfg), wire_bytes, flits, flits == 1 ? "" : "s",
                  p.lbh_count + 1, p.lbh_count == 0 ? "" : "s", dl::to_string(u.mode),
                  p.error_flag ? 1 : 0, u.canonical ? "" : ", non-zero padding or reserved bits");
  render(out, "LPH", clause_of("LPH"), pkt::fields_of(p.lph), false);
  for (std::size_t i = 0; i < p.lbh_count; ++i) {
    render(out, fmt::format("LBH of block {}", i + 1), clause_of("LBH"), pkt::fields_of(p.lbh[i]),
           false);
  }
  for (const auto& h : p.header_list()) {
    const auto name = pkt::header_name(h);
    render(out, name, clause_of(name), pkt::fields_of(h), false);
  }
  const bool more = p.pad_bytes != 0 || p.has_icrc;
  out += fmt::format("{} payload: {} bytes", more ? "├─" : "└─", p.payload.size());
  if (!p.payload.empty()) {
    const std::size_t show = std::min<std::size_t>(p.payload.size(), 32);
    out +=
        fmt::format(": {}{}", to_hex(p.payload.first(show)), show < p.payload.size() ? "..." : "");
  }
  out += '\n';
  if (p.pad_bytes != 0) {
    out += fmt::format("{} padding: {} bytes\n", p.has_icrc ? "├─" : "└─", p.pad_bytes);
  }
  if (p.has_icrc) {
    out += fmt::format("└─ ICRC: 0x{:08x} (checked)  [UB-Base-2.0 §5.3.7]\n", p.icrc);
  }
  return out;
}

} // namespace ub::tool

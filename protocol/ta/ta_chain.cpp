#include "protocol/ta/ta_chain.hpp"

namespace ub::ta {

namespace {

Error not_allowed(std::size_t at, std::string_view header, std::string_view field,
                  std::string_view reason, std::string_view clause, std::uint64_t v) {
  return Error{Errc::NotAllowed, at, header, field, reason, clause}.with_value(v);
}

} // namespace

std::string_view ta_ext_name(TaExt e) noexcept {
  switch (e) {
  case TaExt::Udetah:
    return "UDETAH";
  case TaExt::Mtetah:
    return "MTETAH";
  case TaExt::Taidetah:
    return "TAIDETAH";
  case TaExt::Ofstetah:
    return "OFSTETAH";
  case TaExt::Maetah:
    return "MAETAH";
  case TaExt::MaetahCompact:
    return "MAETAH_COMPACT";
  case TaExt::Immetah:
    return "IMMETAH";
  case TaExt::Ntfetah:
    return "NTFETAH";
  case TaExt::Tvetah:
    return "TVETAH";
  case TaExt::Beetah:
    return "BEETAH";
  case TaExt::Mgmtetah:
    return "MGMTETAH";
  }
  return "?";
}

// Table 7-2 / 7-4: the extension headers of each shape.
TaChain ta_chain(const Btah& h, bool taid) noexcept {
  TaChain c;
  const auto info = ta_opcode_info(h.ta_opcode);
  if (!info || info->response) {
    return c;
  }
  if (h.ud_flag) {
    c.add(TaExt::Udetah);
  }
  switch (info->shape) {
  case TaShape::SendLike:
    c.add(TaExt::Mtetah);
    c.add(TaExt::Ofstetah);
    break;
  case TaShape::SendImmediate:
    c.add(TaExt::Mtetah);
    c.add(TaExt::Ofstetah);
    c.add(TaExt::Immetah);
    break;
  case TaShape::WriteLike:
  case TaShape::WriteBe:
  case TaShape::Prefetch:
    c.add(TaExt::Maetah);
    break;
  case TaShape::WriteImmediate:
    c.add(TaExt::Mtetah);
    c.add(TaExt::Maetah);
    c.add(TaExt::Immetah);
    break;
  case TaShape::WriteNotify:
    c.add(TaExt::Maetah);
    c.add(TaExt::Ntfetah);
    break;
  case TaShape::ReadRequest:
    if (taid) {
      c.add(TaExt::Taidetah);
      c.add(TaExt::Ofstetah);
    }
    c.add(TaExt::Maetah);
    break;
  case TaShape::AtomicRequest:
    if (taid) {
      c.add(TaExt::Taidetah);
    }
    c.add(TaExt::Maetah);
    break;
  case TaShape::Management:
    c.add(TaExt::Mgmtetah);
    break;
  case TaShape::Ack:
  case TaShape::ReadResponse:
  case TaShape::AtomicResponse:
    break;
  }
  if (h.tv_en) {
    c.add(TaExt::Tvetah);
  }
  if (info->shape == TaShape::WriteBe) {
    c.add(TaExt::Beetah);
  }
  return c;
}

TaChain ta_chain(const Atah& h, bool taid) noexcept {
  TaChain c;
  const auto info = ta_opcode_info(h.ta_opcode);
  if (!info || !taid) {
    return c;
  }
  if (info->shape == TaShape::ReadResponse) {
    c.add(TaExt::Taidetah);
    c.add(TaExt::Ofstetah);
  } else if (info->shape == TaShape::AtomicResponse) {
    c.add(TaExt::Taidetah);
  }
  return c;
}

// App. B.2.6: BTAH_COMPACT, [UDETAH], MAETAH_COMPACT, [TVETAH], [BEETAH].
TaChain ta_chain(const BtahCompact& h) noexcept {
  TaChain c;
  const auto info = ta_opcode_info(h.ta_opcode);
  if (!info || info->response) {
    return c;
  }
  if (h.ud_flag) {
    c.add(TaExt::Udetah);
  }
  c.add(TaExt::MaetahCompact);
  if (h.tv_en) {
    c.add(TaExt::Tvetah);
  }
  if (info->shape == TaShape::WriteBe) {
    c.add(TaExt::Beetah);
  }
  return c;
}

// App. B.2.6: a compact response is the ATAH_COMPACT and its payload.
TaChain ta_chain(const AtahCompact& /*h*/) noexcept {
  return {};
}

Status check_ta_flags(const Btah& h) noexcept {
  const auto info = ta_opcode_info(h.ta_opcode);
  if (!info) {
    return {}; // the BTAH check refuses it
  }
  const bool needs_mt = info->shape == TaShape::SendLike || info->shape == TaShape::SendImmediate ||
                        info->shape == TaShape::WriteImmediate;
  if (h.mt_en != needs_mt) {
    return make_unexpected(
        not_allowed(4, "BTAH", "MT_EN",
                    needs_mt ? "this opcode carries an MTETAH: MT_EN must be 1"
                             : "MT_EN must be 0 for memory, management and prefetch opcodes",
                    "§7.2.4", h.mt_en ? 1 : 0));
  }
  if (h.tv_en && (info->shape == TaShape::Management || info->shape == TaShape::Prefetch)) {
    return make_unexpected(
        not_allowed(1, "BTAH", "TV_EN",
                    "Management and Prefetch_tgt carry no TVETAH (TV_EN must be 0)", "§7.2.1", 1));
  }
  return {};
}

Status check_ta_flags(const BtahCompact& h) noexcept {
  const auto info = ta_opcode_info(h.ta_opcode);
  if (info && h.tv_en && info->shape == TaShape::Prefetch) {
    return make_unexpected(not_allowed(1, "BTAH_COMPACT", "TV_EN",
                                       "Prefetch_tgt carries no TVETAH (TV_EN must be 0)", "§7.2.1",
                                       1));
  }
  return {};
}

Status check_beetah_width(const Beetah& h, std::uint64_t len, std::size_t at) noexcept {
  if (h.width_bits != be_width_for_length(len)) {
    return make_unexpected(not_allowed(
        at, "BEETAH", "BE", "BE width must be the smallest of 64..1024 bits covering MAETAH.Length",
        "§7.2.10", h.width_bits));
  }
  return {};
}

Status check_ta_payload(const TaPayloadContext& c, std::size_t payload_size,
                        std::size_t payload_at) noexcept {
  auto fail = [&](std::string_view header, std::string_view field, std::string_view reason,
                  std::string_view clause) {
    return make_unexpected(
        Error{Errc::LengthMismatch, payload_at, header, field, reason, clause}.with_value(
            payload_size));
  };
  const std::string_view mae_name = c.compact ? "MAETAH_COMPACT" : "MAETAH";
  switch (c.shape) {
  case TaShape::ReadRequest:
  case TaShape::Prefetch:
  case TaShape::Ack:
    if (payload_size != 0) {
      return fail(c.tah_name, "TAOpcode", "Read, Prefetch_tgt and Transaction_ACK carry no payload",
                  "§7.2.1");
    }
    break;
  case TaShape::AtomicRequest:
    if (c.compact) {
      // Ambiguity A13: the compact Length cannot express 1..32-byte operands.
      if (c.mae_len != 64) {
        return fail(mae_name, "Length", "a CFG 9 atomic needs Length code 0 (64-byte operands)",
                    "App. B.2.6");
      }
    } else if (c.mae_len == 0 || c.mae_len > 64 || (c.mae_len & (c.mae_len - 1)) != 0) {
      return fail(mae_name, "Length", "atomic operands are 1, 2, 4, 8, 16, 32 or 64 bytes",
                  "§7.4.2.3.2");
    }
    if (c.mae_len != 0 && c.mae_addr % c.mae_len != 0) {
      return make_unexpected(Error{Errc::NotAllowed, c.mae_at, mae_name, "Address",
                                   "atomic address not aligned to the operand size", "§7.2.3"}
                                 .with_value(c.mae_addr));
    }
    if (payload_size != 2 * c.mae_len) {
      return fail(mae_name, "Length",
                  "an atomic request carries Operand1 and Operand2 (2 x Length bytes)",
                  "§7.4.2.3.2");
    }
    break;
  case TaShape::AtomicResponse:
    if (payload_size > 64 || (payload_size & (payload_size - 1)) != 0) {
      return fail(c.tah_name, "TAOpcode",
                  "an atomic response carries 0 (Atomic_store) or 1..64 bytes in powers of two",
                  "§7.4.2.3.3");
    }
    break;
  case TaShape::Management:
    if (payload_size != c.mgmt_pdu_len) {
      return fail("MGMTETAH", "PDU_Length", "PDU_Length does not match the PDU", "§7.2.12");
    }
    break;
  case TaShape::WriteLike:
    if (c.compact && payload_size != c.mae_len) {
      return fail(mae_name, "Length", "a CFG 9 write carries exactly 64 B x 2^Length bytes",
                  "§7.2.3");
    }
    break;
  case TaShape::SendLike:
  case TaShape::SendImmediate:
  case TaShape::WriteImmediate:
  case TaShape::WriteNotify:
  case TaShape::WriteBe:
  case TaShape::ReadResponse:
    break;
  }
  return {};
}

} // namespace ub::ta

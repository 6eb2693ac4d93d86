// Post-time checks of a transaction (txn_op.hpp). UB-Base-2.0 §7.4 per opcode (modes, lengths,
// alignment, slicing), §7.2.3 (compact MAETAH: 64-byte aligned, 64 B x 2^L), App. B.2.6 (what
// CFG 9 carries), Table 10-12 (A.1, A.2.1).

#include "protocol/ta/txn_op.hpp"

namespace ub::ta {

std::string_view to_string(PostError e) noexcept {
  switch (e) {
  case PostError::UnsupportedOpcode:
    return "unsupported opcode";
  case PostError::LocalLength:
    return "local length error";
  case PostError::ModeNotAllowed:
    return "opcode not allowed in this service mode";
  case PostError::TransportRefuses:
    return "the transport cannot carry this transaction";
  case PostError::QueueState:
    return "queue not ready";
  case PostError::UnknownQueue:
    return "unknown queue";
  }
  return "?";
}

fn::CqeStatus cqe_status_of(PostError e) noexcept {
  switch (e) {
  case PostError::UnsupportedOpcode:
  case PostError::ModeNotAllowed:
  case PostError::TransportRefuses:
    return fn::CqeStatus::UnsupportedOpcode;
  case PostError::LocalLength:
    return fn::CqeStatus::LocalLength;
  case PostError::QueueState:
  case PostError::UnknownQueue:
    return fn::CqeStatus::Flushed;
  }
  return fn::CqeStatus::UnsupportedOpcode;
}

namespace {

bool compact_length_ok(std::uint64_t len) noexcept {
  for (unsigned l = 0; l < 8; ++l) {
    if (len == (64U << l)) {
      return true;
    }
  }
  return false;
}

// Table 7-1 / §7.4: the modes each opcode may use.
bool mode_allowed(TaOpcode op, TaMode m) noexcept {
  switch (op) {
  case TaOpcode::Send:
  case TaOpcode::SendWithImmediate:
  case TaOpcode::Management:
    return true;
  case TaOpcode::PrefetchTgt:
    return m == TaMode::Uno;
  case TaOpcode::Writeback:
  case TaOpcode::WritebackWithBe:
    return m == TaMode::Roi || m == TaMode::Rol;
  case TaOpcode::Write:
  case TaOpcode::WriteWithImmediate:
  case TaOpcode::WriteWithNotify:
  case TaOpcode::Read:
  case TaOpcode::AtomicCompareSwap:
  case TaOpcode::AtomicSwap:
  case TaOpcode::AtomicStore:
  case TaOpcode::AtomicLoad:
  case TaOpcode::AtomicFetchAdd:
  case TaOpcode::AtomicFetchSub:
  case TaOpcode::AtomicFetchAnd:
  case TaOpcode::AtomicFetchOr:
  case TaOpcode::AtomicFetchXor:
  case TaOpcode::WriteWithBe:
    return m != TaMode::Uno;
  case TaOpcode::TransactionAck:
  case TaOpcode::ReadResponse:
  case TaOpcode::AtomicResponse:
    return false;
  }
  return false;
}

} // namespace

std::optional<PostError> check_post(const TxnOp& op, const PostRules& r) noexcept {
  const auto info = ta_opcode_info(op.opcode);
  if (!info || info->response) {
    return PostError::UnsupportedOpcode;
  }
  const TaOpcode code = info->op;
  if (op.shared_data && !op.data.empty()) {
    return PostError::LocalLength; // the data in two places: which is meant?
  }
  if (!mode_allowed(code, r.mode)) {
    return PostError::ModeNotAllowed;
  }
  const bool compact = r.wire == TaWire::Compact;
  if (compact && (!info->compact_allowed || r.mode == TaMode::Rot)) {
    // CFG 9 has no INI_RC / Alloc (no ROT) and no message opcodes (App. B.2.6).
    return PostError::TransportRefuses;
  }
  if (r.mode == TaMode::Uno && op.length > r.mtu) {
    return PostError::LocalLength; // UNO data fits one TP MTU (§7.3.3.5)
  }
  const bool one_packet_transport = !r.multi_packet;
  switch (code) {
  case TaOpcode::Write:
  case TaOpcode::Writeback:
  case TaOpcode::WriteWithImmediate:
  case TaOpcode::WriteWithNotify:
    if (op.payload().size() != op.length) {
      return PostError::LocalLength;
    }
    if (code == TaOpcode::Writeback && one_packet_transport && op.length > r.mtu) {
      return PostError::LocalLength;
    }
    if (compact && (!compact_length_ok(op.length) || op.uba % 64 != 0)) {
      return PostError::LocalLength;
    }
    break;
  case TaOpcode::WriteWithBe:
  case TaOpcode::WritebackWithBe:
    if (!op.be || op.payload().size() != op.length || op.length < 64 || op.length > 1024 ||
        op.length > r.mtu || op.be->width_bits != be_width_for_length(op.length)) {
      return PostError::LocalLength;
    }
    if (compact && (!compact_length_ok(op.length) || op.uba % 64 != 0)) {
      return PostError::LocalLength;
    }
    break;
  case TaOpcode::Read:
    if (!op.payload().empty()) {
      return PostError::LocalLength;
    }
    // Over one-packet transports a Read is cut into MTU-sized slices, each answered by one
    // packet (§7.3.1.1), as a Write is: no MTU bound on the whole op.
    if (compact && (!compact_length_ok(op.length) || op.uba % 64 != 0)) {
      return PostError::LocalLength;
    }
    break;
  case TaOpcode::AtomicCompareSwap:
  case TaOpcode::AtomicSwap:
  case TaOpcode::AtomicStore:
  case TaOpcode::AtomicLoad:
  case TaOpcode::AtomicFetchAdd:
  case TaOpcode::AtomicFetchSub:
  case TaOpcode::AtomicFetchAnd:
  case TaOpcode::AtomicFetchOr:
  case TaOpcode::AtomicFetchXor: {
    const std::uint32_t n = op.length;
    if (n == 0 || n > 64 || (n & (n - 1)) != 0 || op.uba % n != 0 ||
        op.payload().size() != 2U * n || (compact && n != 64)) {
      return PostError::LocalLength;
    }
    const bool needs_sub = code == TaOpcode::AtomicStore || code == TaOpcode::AtomicLoad;
    if (needs_sub != op.subop.has_value() || (op.subop && *op.subop > 7)) {
      return PostError::UnsupportedOpcode;
    }
    break;
  }
  case TaOpcode::Send:
  case TaOpcode::SendWithImmediate:
    if (op.payload().size() != op.length) {
      return PostError::LocalLength;
    }
    if (op.length > r.mtu && (one_packet_transport || r.mtu % 1024 != 0)) {
      // One packet over CTP / UTP / bypass; OFSTETAH counts in KB (§7.2.7).
      return PostError::LocalLength;
    }
    break;
  case TaOpcode::PrefetchTgt:
    if (!op.payload().empty()) {
      return PostError::LocalLength;
    }
    break;
  case TaOpcode::Management:
    if (op.payload().size() > 1024 || op.payload().size() != op.length) {
      return PostError::LocalLength; // PDU <= 1024 B (§7.2.12)
    }
    break;
  case TaOpcode::TransactionAck:
  case TaOpcode::ReadResponse:
  case TaOpcode::AtomicResponse:
    return PostError::UnsupportedOpcode;
  }
  return std::nullopt;
}

} // namespace ub::ta

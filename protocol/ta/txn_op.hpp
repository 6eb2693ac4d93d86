#pragma once
// One transaction as the upper layer asks for it (the TA's view of a work request), the rules an
// initiator checks before anything goes on the wire, and the answers it gives when they fail.
// UB-Base-2.0 §7.4 (per-opcode rules: modes, slicing, lengths, alignment), Table 7-1 (ODR,
// fence note to Table 7-13), §7.2.5 / §7.2.13 (zero length, byte order), Table 10-12 A.1 / A.2.1
// (what a refused request completes with).

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "protocol/common/bits.hpp"
#include "protocol/fn/cqe_status.hpp"
#include "protocol/ta/beetah.hpp"
#include "protocol/ta/ta_opcode.hpp"
#include "protocol/ta/transport.hpp"
#include "protocol/ta/txn_events.hpp"

namespace ub::ta {

struct TxnOp {
  OpId id = 0;
  std::uint8_t opcode = 0x03; // a TAOpcode code as given: reserved codes are refused at post
  ExecOrder order = ExecOrder::No;
  bool fence = false;        // sent only after earlier Reads / Atomics of the queue completed
  bool comp_order = false;   // its completion after every earlier op's of the queue (§7.3.2.3)
  bool complete = true;      // whether a completion is reported for it (§7.3.2.3, CQE enable)
  bool target_order = false; // ODR[2]: the target's receive completions in send order
  PeerId target = 0;
  // The memory segment (UBMD: EID = target, TokenID, UBA; §9.3) and its access token.
  std::uint32_t token_id = 0;
  std::uint64_t uba = 0;
  std::uint32_t length = 0; // bytes (atomics: operand size 1..64; Read: bytes to read)
  std::optional<std::uint32_t> token_value; // TVETAH (TV_EN = 1)
  bool e_bit = false;
  std::vector<Byte> data; // Write*/Send* data; atomics: Operand1 | Operand2 (2 x length)
  // The data held in a buffer the caller shares instead (a simulator posting the same bytes
  // many times keeps them once); `data` must then be empty. Not a wire field.
  std::shared_ptr<const std::vector<Byte>> shared_data;
  std::optional<std::uint8_t> subop; // Atomic_store / Atomic_load: UD[23:20]
  std::optional<Beetah> be;          // Write_with_be / Writeback_with_be
  std::uint32_t target_jetty = 0;    // Send*, Write_with_immediate: the receiving Jetty (MTETAH)
  bool target_group = false;         // target_jetty names a Jetty Group (TGT_TC_Type 10)
  std::uint8_t hint = 0;             // MTETAH.Hint (a Jetty Group's hash policy reads it)
  std::uint64_t immediate = 0;       // *_with_immediate
  std::optional<std::uint32_t> immediate_token_value; // Write_with_immediate: the Jetty's token
  // Write_with_notify: the 8-byte notify write (§7.4.2.1.2), in another segment.
  std::uint64_t notify_uba = 0;
  std::uint32_t notify_token_id = 0;
  std::uint32_t notify_token_value = 0;
  std::uint64_t notify_data = 0;
  bool expect_denied = false; // for the oracle: the harness spoiled the token on purpose

  // The op's data, wherever it is held.
  [[nodiscard]] std::span<const Byte> payload() const noexcept {
    return shared_data ? std::span<const Byte>(*shared_data) : std::span<const Byte>(data);
  }
};

enum class PostError : std::uint8_t {
  UnsupportedOpcode, // reserved or response code (A.1)
  LocalLength,       // length, payload, alignment or size rules (A.2.1)
  ModeNotAllowed,    // the opcode is not allowed in the queue's mode (§7.4 per opcode)
  TransportRefuses,  // the transport cannot carry it (e.g. ROT in the compact format)
  QueueState,        // the queue is in Reset or Error
  UnknownQueue,
};
[[nodiscard]] std::string_view to_string(PostError e) noexcept;
// The completion status a refused post reports (Table 10-12).
[[nodiscard]] fn::CqeStatus cqe_status_of(PostError e) noexcept;

// Whether `op` may be posted on a queue of `mode` over a transport with these properties.
struct PostRules {
  TaMode mode = TaMode::Roi;
  TaWire wire = TaWire::Cna16;
  bool multi_packet = true; // RTP
  std::uint32_t mtu = 4096; // TA payload per packet
};
[[nodiscard]] std::optional<PostError> check_post(const TxnOp& op, const PostRules& r) noexcept;

// The opcode's class, as the engines branch on it.
[[nodiscard]] constexpr bool is_read_like(TaOpcode op) noexcept {
  return op == TaOpcode::Read || is_atomic_request(static_cast<std::uint8_t>(op));
}
[[nodiscard]] constexpr bool is_send_like(TaOpcode op) noexcept {
  return op == TaOpcode::Send || op == TaOpcode::SendWithImmediate;
}
// No response at all: Prefetch_tgt and Management (a management response is not a TAACK).
[[nodiscard]] constexpr bool has_no_response(TaOpcode op) noexcept {
  return op == TaOpcode::PrefetchTgt || op == TaOpcode::Management;
}

} // namespace ub::ta

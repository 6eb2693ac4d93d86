#pragma once
// Transaction opcodes. UB-Base-2.0 §7.2.1 Tables 7-1, 7-2 and 7-4, §7.4: the TAOpcode values
// 0x00..0x18, which extension headers each carries (in wire order), and where each may appear.
// 0x02 and 0x16 are reserved in 2.0.1, as is everything from 0x19.

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace ub::ta {

enum class TaOpcode : std::uint8_t {
  Send = 0x00,
  SendWithImmediate = 0x01,
  Write = 0x03,
  WriteWithImmediate = 0x04,
  WriteWithNotify = 0x05,
  Read = 0x06,
  AtomicCompareSwap = 0x07,
  AtomicSwap = 0x08,
  AtomicStore = 0x09,
  AtomicLoad = 0x0A,
  AtomicFetchAdd = 0x0B,
  AtomicFetchSub = 0x0C,
  AtomicFetchAnd = 0x0D,
  AtomicFetchOr = 0x0E,
  AtomicFetchXor = 0x0F,
  Management = 0x10,
  TransactionAck = 0x11,
  ReadResponse = 0x12,
  AtomicResponse = 0x13,
  WriteWithBe = 0x14,
  PrefetchTgt = 0x15,
  Writeback = 0x17,
  WritebackWithBe = 0x18,
};

// What follows the BTAH/ATAH, besides the flag-driven UDETAH and TVETAH (Table 7-2).
enum class TaShape : std::uint8_t {
  SendLike,       // MTETAH, OFSTETAH, [TVETAH], payload
  SendImmediate,  // MTETAH, OFSTETAH, IMMETAH, [TVETAH], payload
  WriteLike,      // MAETAH, [TVETAH], payload
  WriteImmediate, // MTETAH, MAETAH, IMMETAH, [TVETAH], payload
  WriteNotify,    // MAETAH, NTFETAH, [TVETAH], payload
  WriteBe,        // MAETAH, [TVETAH], BEETAH, payload
  ReadRequest,    // [TAIDETAH, OFSTETAH] (CFG 3/4/7), MAETAH, [TVETAH]; no payload
  AtomicRequest,  // [TAIDETAH] (CFG 3/4/7), MAETAH, [TVETAH], payload = Operand1 | Operand2
  Management,     // MGMTETAH, PDU
  Prefetch,       // MAETAH; no payload
  Ack,            // ATAH only
  ReadResponse,   // ATAH, [TAIDETAH, OFSTETAH] (CFG 3/4/7), payload
  AtomicResponse, // ATAH, [TAIDETAH] (CFG 3/4/7), payload (none for Atomic_store)
};

struct TaOpcodeInfo {
  TaOpcode op;
  std::string_view name; // the spec's spelling
  TaShape shape;
  bool response;        // carried by an ATAH
  bool compact_allowed; // may appear in CFG 9 (App. B.2.6)
};

// UB-Base-2.0 Tables 7-1, 7-2, 7-4; App. B.2.6 for the CFG 9 column.
inline constexpr std::array<TaOpcodeInfo, 23> kTaOpcodeTable{{
    {TaOpcode::Send, "Send", TaShape::SendLike, false, false},
    {TaOpcode::SendWithImmediate, "Send_with_immediate", TaShape::SendImmediate, false, false},
    {TaOpcode::Write, "Write", TaShape::WriteLike, false, true},
    {TaOpcode::WriteWithImmediate, "Write_with_immediate", TaShape::WriteImmediate, false, false},
    {TaOpcode::WriteWithNotify, "Write_with_notify", TaShape::WriteNotify, false, false},
    {TaOpcode::Read, "Read", TaShape::ReadRequest, false, true},
    {TaOpcode::AtomicCompareSwap, "Atomic_compare_swap", TaShape::AtomicRequest, false, true},
    {TaOpcode::AtomicSwap, "Atomic_swap", TaShape::AtomicRequest, false, true},
    {TaOpcode::AtomicStore, "Atomic_store", TaShape::AtomicRequest, false, true},
    {TaOpcode::AtomicLoad, "Atomic_load", TaShape::AtomicRequest, false, true},
    {TaOpcode::AtomicFetchAdd, "Atomic_fetch_add", TaShape::AtomicRequest, false, true},
    {TaOpcode::AtomicFetchSub, "Atomic_fetch_sub", TaShape::AtomicRequest, false, true},
    {TaOpcode::AtomicFetchAnd, "Atomic_fetch_and", TaShape::AtomicRequest, false, true},
    {TaOpcode::AtomicFetchOr, "Atomic_fetch_or", TaShape::AtomicRequest, false, true},
    {TaOpcode::AtomicFetchXor, "Atomic_fetch_xor", TaShape::AtomicRequest, false, true},
    {TaOpcode::Management, "Management", TaShape::Management, false, false},
    {TaOpcode::TransactionAck, "Transaction_ACK", TaShape::Ack, true, true},
    {TaOpcode::ReadResponse, "Read_response", TaShape::ReadResponse, true, true},
    {TaOpcode::AtomicResponse, "Atomic_response", TaShape::AtomicResponse, true, true},
    {TaOpcode::WriteWithBe, "Write_with_be", TaShape::WriteBe, false, true},
    {TaOpcode::PrefetchTgt, "Prefetch_tgt", TaShape::Prefetch, false, true},
    // Writeback forms in CFG 9: allowed, reading A16 of the layouts digest (spec-coverage.md).
    {TaOpcode::Writeback, "Writeback", TaShape::WriteLike, false, true},
    {TaOpcode::WritebackWithBe, "Writeback_with_be", TaShape::WriteBe, false, true},
}};

namespace detail {
// Row index of each of the 256 codes in kTaOpcodeTable, or 0xFF for a reserved code.
constexpr std::array<std::uint8_t, 256> make_ta_opcode_index() {
  std::array<std::uint8_t, 256> idx{};
  idx.fill(0xFF);
  for (std::size_t i = 0; i < kTaOpcodeTable.size(); ++i) {
    idx[static_cast<std::uint8_t>(kTaOpcodeTable[i].op)] = static_cast<std::uint8_t>(i);
  }
  return idx;
}
inline constexpr std::array<std::uint8_t, 256> kTaOpcodeIndex = make_ta_opcode_index();
} // namespace detail

// The table row for `op`, or nullopt for a reserved code.
[[nodiscard]] constexpr std::optional<TaOpcodeInfo> ta_opcode_info(std::uint8_t op) noexcept {
  const std::uint8_t i = detail::kTaOpcodeIndex[op];
  if (i == 0xFF) {
    return std::nullopt;
  }
  return kTaOpcodeTable[i];
}

[[nodiscard]] constexpr bool is_atomic_request(std::uint8_t op) noexcept {
  return op >= 0x07 && op <= 0x0F;
}

// Atomic_store / Atomic_load sub-operations in UDETAH UD[23:20] (§7.4.2.3.2).
// Codes 1 and 2 follow the ARMv8.1 LSE mnemonics CLR and EOR (ambiguity A7): see spec-coverage.
namespace atomic_subop {
inline constexpr std::uint8_t kAdd = 0;
inline constexpr std::uint8_t kClr = 1;
inline constexpr std::uint8_t kEor = 2;
inline constexpr std::uint8_t kSet = 3;
inline constexpr std::uint8_t kSmax = 4;
inline constexpr std::uint8_t kSmin = 5;
inline constexpr std::uint8_t kUmax = 6;
inline constexpr std::uint8_t kUmin = 7;
} // namespace atomic_subop

} // namespace ub::ta

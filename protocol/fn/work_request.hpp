#pragma once
// Work requests and completions of the function layer. UB-Base-2.0 §8.2.2 (Jettys post requests
// and poll completions), §8.4 (the URMA programming model), Table 10-12 (completion errors). The
// opcode numbers are the URMA API's (the public URMA code), plus model extensions for the
// transaction opcodes the API has no name for (Write_with_be, Atomic_store / _load, Writeback,
// Prefetch_tgt).

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "protocol/common/bits.hpp"
#include "protocol/fn/cqe_status.hpp"
#include "protocol/ta/beetah.hpp"
#include "protocol/ta/transport.hpp"

namespace ub::fn {

using JettyId = std::uint32_t;
using JfcId = std::uint32_t;

enum class WrOpcode : std::uint8_t {
  Write = 0x00,
  WriteImm = 0x01,
  WriteNotify = 0x02,
  Read = 0x10,
  Cas = 0x20,
  Swap = 0x21,
  FetchAdd = 0x22,
  FetchSub = 0x23,
  FetchAnd = 0x24,
  FetchOr = 0x25,
  FetchXor = 0x26,
  Send = 0x40,
  SendImm = 0x41,
  SendInvalidate = 0x42, // in the URMA API; its TAOpcode 0x02 is reserved in 2.0.1: refused
  Nop = 0x51,
  // Model extensions (no URMA name):
  WriteBe = 0x80,
  AtomicStore = 0x81,
  AtomicLoad = 0x82,
  Writeback = 0x83,
  WritebackBe = 0x84,
  Prefetch = 0x85,
};
[[nodiscard]] std::string_view to_string(WrOpcode op) noexcept;

// A segment imported from a peer (UBMD: EID, TokenID, UBA; §9.3) with its access token.
struct RemoteSegment {
  ta::PeerId eid = 0;
  std::uint32_t token_id = 0;
  std::uint64_t uba = 0;
  std::uint64_t length = 0;
  std::optional<std::uint32_t> token_value;
};

// A Jetty (or Jetty Group) imported from a peer.
struct RemoteJetty {
  ta::PeerId eid = 0;
  JettyId id = 0;
  bool group = false;
  std::optional<std::uint32_t> token;
};

enum class PlaceOrder : std::uint8_t { None, Relaxed, Strong }; // NO, RO, SO (§7.3.2)

struct WorkRequest {
  WrOpcode opcode = WrOpcode::Write;
  std::uint64_t user_ctx = 0;
  RemoteSegment seg{};      // memory operations
  std::uint64_t offset = 0; // within seg
  RemoteJetty jetty{};      // Send*, WriteImm
  std::uint32_t length = 0; // bytes (atomics: operand size)
  std::vector<Byte> data;   // write / send data; atomics: Operand1 | Operand2
  std::uint64_t imm = 0;
  std::optional<std::uint8_t> subop;
  std::optional<ta::Beetah> be;
  RemoteSegment notify_seg{}; // WriteNotify
  std::uint64_t notify_offset = 0;
  std::uint64_t notify_data = 0;
  PlaceOrder place_order = PlaceOrder::None;
  bool comp_order = false;
  bool fence = false;
  bool complete_enable = true;
  std::uint8_t hint = 0; // MTETAH.Hint (Jetty Group hash)
};

struct Cqe {
  CqeStatus status = CqeStatus::Success;
  WrOpcode opcode = WrOpcode::Write;
  bool recv = false; // a receive completion (s_r)
  std::uint64_t user_ctx = 0;
  std::uint32_t byte_len = 0;
  JettyId local_jetty = 0;
  ta::PeerId remote = 0;
  std::optional<std::uint64_t> imm;
  std::vector<Byte> data; // Read: the bytes; atomics: the old value (the local buffer's content)
};

enum class WrError : std::uint8_t {
  NoSuchJetty,
  WrongKind,         // a send on a JFR, a receive on a JFS
  BadState,          // the Jetty is in Reset or Error (§8.2.2.3)
  NotBound,          // a one-to-one Jetty names another peer (§8.2.2.2)
  UnsupportedOpcode, // Table 10-12 A.1
  LocalLength,       // A.2.1
  ModeNotAllowed,
  TransportRefuses,
};
[[nodiscard]] std::string_view to_string(WrError e) noexcept;

} // namespace ub::fn

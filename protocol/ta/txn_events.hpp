#pragma once
// What the transaction engines report as they work, for the reference oracle (oracle.hpp), the
// experiment's statistics and traces. Plain structs; a TxnObserver receives them in the order
// they happen. The engines call the observer; they never read it back.
//
// Ops are named by the OpId the harness gave at post time. The target does not know OpIds (they
// are not on the wire): it reports the WireKey it decoded, and the initiator reports the WireKey
// it put on the wire when it sent each slice, so an observer joins the two exactly as a target
// would match a response (INI_RC_Type / INI_RC_ID / INI_TASSN, UB-Base-2.0 Table 7-1, per
// initiator-target pair).

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "protocol/common/bits.hpp"
#include "protocol/common/shared_bytes.hpp"
#include "protocol/common/units.hpp"
#include "protocol/fn/cqe_status.hpp"
#include "protocol/ta/ta_opcode.hpp"
#include "protocol/ta/transport.hpp"
#include "protocol/ta/ummu.hpp"

namespace ub::ta {

using OpId = std::uint64_t;

// Execution order of one op (ODR[1:0], §7.3.2): NO, RO or SO.
enum class ExecOrder : std::uint8_t { No, Ro, So };

// How one slice is named on the wire.
struct WireKey {
  PeerId initiator = 0;
  PeerId target = 0;
  std::uint8_t rc_type = 0; // INI_RC_Type (0 in the compact form)
  std::uint32_t rc_id = 0;  // INI_RC_ID (0 in the compact form)
  std::uint16_t tassn = 0;  // INI_TASSN
  friend constexpr bool operator==(const WireKey&, const WireKey&) = default;
  friend constexpr auto operator<=>(const WireKey&, const WireKey&) = default;
};

// The harness posted an op (a work request) on a queue of an initiator.
struct OpPosted {
  OpId op = 0;
  PeerId initiator = 0;
  std::uint32_t queue = 0; // the Jetty: order exists within one queue only (§7.3.2.1)
  std::uint64_t seq = 0;   // post order within the queue
  TaOpcode opcode = TaOpcode::Write;
  TaMode mode = TaMode::Roi;
  ExecOrder order = ExecOrder::No;
  bool fence = false;      // §7.3.2 note to Table 7-13: waits for earlier Reads and Atomics
  bool comp_order = false; // its CQE after every earlier WR's (§7.3.2.3)
  PeerId target = 0;
  std::uint32_t token_id = 0;
  std::uint64_t uba = 0;
  std::uint32_t length = 0; // bytes the op touches at the target (atomics: operand size)
  std::vector<Byte> data;   // Write*/Send* payload; atomics: Operand1 | Operand2
  // The same bytes shared rather than copied, for a poster that keeps them in one (the
  // initiator does; `data` is then empty): an observer that keeps the payload, as the oracle
  // does, holds this reference instead of a copy of what can be megabytes.
  std::shared_ptr<const std::vector<Byte>> shared_data;
  std::optional<Beetah> be;          // Write_with_be
  std::optional<std::uint8_t> subop; // Atomic_store / Atomic_load
  // Write_with_notify: the notify write (8 bytes at notify_uba of notify_token_id).
  std::optional<std::uint64_t> notify_uba;
  std::uint32_t notify_token_id = 0;
  std::uint64_t notify_data = 0;
  // Send_with_immediate / Write_with_immediate: the immediate the target CQE must carry.
  std::optional<std::uint64_t> immediate;
  bool expect_denied = false; // the harness made its token or permission wrong on purpose
  Time t{0};
  // The payload, wherever the poster put it.
  [[nodiscard]] const std::vector<Byte>& payload() const noexcept {
    return shared_data ? *shared_data : data;
  }
};

// The initiator put (a retry of) slice `slice` of `op` on the transport.
struct SliceSent {
  OpId op = 0;
  std::uint32_t slice = 0;
  std::uint64_t offset = 0; // the slice's first byte within the op
  std::uint32_t length = 0;
  bool notify = false; // Write_with_notify's notify slice
  bool retry = false;
  WireKey key{};
  Time t{0};
};

// The target applied one packet (or one atomic) to its memory. Reported once per execution,
// before the response goes out.
struct Executed {
  WireKey key{};
  std::uint32_t packet = 0; // packet index within the slice
  std::uint64_t offset = 0; // the packet's first byte within the slice
  MemAccess access = MemAccess::Write;
  std::uint32_t token_id = 0;
  std::uint64_t uba = 0;
  std::uint64_t pa = 0;
  std::vector<Byte> before;   // target bytes at [pa, pa + n) before the access
  std::vector<Byte> after;    // and after it (for a read: empty, or equal to before)
  std::vector<Byte> returned; // what goes back (Read data, atomic old value)
  bool notify = false;        // the notify write of Write_with_notify
  Time t{0};
  // A write whose bytes the target took from a shared buffer (the received packet): that range,
  // the same bytes as `after` when the target is right. The oracle may keep it for its shadow
  // copy of whole pages rather than copy them (after checking it equals what should be there).
  SharedBytes after_share;
  // "before" or "after" held rather than copied (the vector then left empty): the range of the
  // shared buffer that the accessed page of target memory refers to (TargetMemory::shared_range),
  // which nobody changes while it is held. A page written whole from a packet is such a range
  // until it is written again, so a location written over and over is judged without copies.
  SharedBytes before_held;
  SharedBytes after_held;
  [[nodiscard]] std::span<const Byte> before_bytes() const noexcept {
    return before_held.empty() ? std::span<const Byte>(before) : before_held.view();
  }
  [[nodiscard]] std::span<const Byte> after_bytes() const noexcept {
    return after_held.empty() ? std::span<const Byte>(after) : after_held.view();
  }
};

// The initiator finished an op: its completion (whether or not a CQE is written).
struct OpCompleted {
  OpId op = 0;
  fn::CqeStatus status = fn::CqeStatus::Success;
  std::vector<Byte> data; // Read: the whole buffer; atomics: the old value (none for store)
  // Completed when sent, with no response to say it executed: UNO (UB-Base-2.0 §7.3.1.2),
  // Prefetch_tgt (§7.4, p.242), a request with no TAACK (§7.3.1.1). The oracle infers it for UNO
  // and Prefetch_tgt by itself.
  bool unconfirmed = false;
  // Failed while some slice was still out and unanswered (another slice's final error, a flush,
  // the transport giving up): that slice may still execute after this completion.
  bool abandoned = false;
  Time t{0};
};

// The initiator released an op's completion to the upper layer (its CQE, when enabled): at once
// after OpCompleted, or later for a comp_order op held behind an earlier op of its queue
// (§7.3.2.3). OpCompleted says when the op finished (its answers are in); this says in which
// order the completions left.
struct OpReported {
  OpId op = 0;
  Time t{0};
};

// A target wrote a receive completion (Send*, Write_with_immediate) for a slice.
struct ReceiveCompleted {
  WireKey key{};
  std::uint32_t jetty = 0;          // the receive queue (Jetty / JFR) whose buffer it consumed
  TaOpcode opcode = TaOpcode::Send; // Send, Send_with_immediate or Write_with_immediate
  fn::CqeStatus status = fn::CqeStatus::Success;
  std::uint32_t length = 0;
  std::optional<std::uint64_t> immediate;
  Time t{0}; // when the completion was written
  // When the request consumed the receive buffer: before `t` when the completion waited for
  // earlier requests of its stream (ODR[2], X35), so it may be written after its Jetty left for
  // Reset or Error, which takes nothing in from then on (§8.2.2.3).
  Time taken{0};
};

class TxnObserver {
public:
  virtual ~TxnObserver() = default;
  virtual void on_posted(const OpPosted&) {}
  virtual void on_sent(const SliceSent&) {}
  virtual void on_executed(const Executed&) {}
  virtual void on_completed(const OpCompleted&) {}
  virtual void on_reported(const OpReported&) {}
  virtual void on_received(const ReceiveCompleted&) {}
};

} // namespace ub::ta

#pragma once
// The reference oracle and scoreboard of the transaction layer (STYLE rule 19): a TxnObserver
// that the initiator and target engines and the harness feed, and that judges every run against
// what UB-Base-2.0 §7.3-§7.4 and §9 allow. Two checks share the event stream:
//
// Witness checks replay the targets' execution logs on a shadow memory per (target, PA byte):
//   W1  each slice packet executes at most once; an Executed must name a key some SliceSent put
//       on the wire (the most recent SliceSent with that WireKey gives (op, slice))  §7.3.1.1
//   W2  "before" equals the shadow; a write's "after" is its data under the BE mask (§7.2.10),
//       the notify write its Notify_Data (little-endian, §7.2.13); a read returns the shadow; an
//       atomic returns the shadow and leaves apply_atomic(shadow, operands)    §7.4.2, Table 7-16
//   W3  a completion's data are the executed bytes at their offsets (Read), the executed old value
//       (atomics; none for Atomic_store); a target CQE carries the posted immediate and length
//   W4  no early completion: a successful op had every packet of every slice executed (and its
//       notify write) before its completion                                      Table 7-3
//   W5  an SO op (ROI/ROT/ROL) starts executing only when every earlier RO/SO op of its queue has
//       fully executed or has finally failed                                     §7.3.2.2
//   W6  ROI: an SO op's first send comes after every earlier RO/SO op of its queue completed;
//       a fenced op's first send after every earlier Read/Atomic completed  §7.3.3.2, Table 7-13
//   W7  the notify write, and a successful target CQE, only after all the op's data executed
//                                                                      §7.4.2.1.2, §7.4.3
//   W8  a comp_order op's completion is reported (OpReported) after every earlier op's of its
//       queue; target CQEs of comp_order and Write_with_immediate ops come in the initiator's
//       send order per (queue, target)
//                                                                                §7.3.2.3
//   W9  an op the harness marked expect_denied never executes and completes RemoteAccessAbort,
//       unless its request never met the check: Flushed, Transaction ACK timeout or Transaction
//       retry exceeded (RNR and page faults come before the permission check, §9.4.1); no other
//       op completes RemoteAccessAbort; every access is at the (TokenID, UBA) its op
//       addresses                                                          §9.4.1, §11.4.3
//   W10 status: each op completes exactly once (finish() reports those that never did); a
//       reserved opcode is never sent and completes UnsupportedOpcode              §7.2.1
//
// Black-box checks judge every successful Read and atomic only from what initiators posted, sent
// and saw, per location (target, TokenID, UBA byte), never trusting the target's log (except for
// where a Send's payload landed, which only the target knows):
//   B1  each byte a Read returned, and each byte of an atomic's old value, is one some write may
//       have left there: not a write that executed after the read ("after": sent after the read
//       was known executed, or same-queue SO after an RO/SO read), not one shadowed by a certain
//       write between them, or the initial value if no certain write precedes the read.
//       "Precedes" (happens-before): known executed (completed successfully, or a later SO op of
//       the same queue completed successfully) before the other op's first send; or same queue,
//       the earlier op RO/SO, the later SO, mode ROI/ROT/ROL (UNO orders nothing). A write that
//       did not complete successfully is "maybe": it may or may not be seen and never shadows.
//       Atomic new values are known once the atomic succeeded, else they match anything.
//   B2  the successful atomics on one word form a chain: no old value is consumed twice (a lost
//       update) beyond what in-flight, failed or plain writes could have produced.
// Relations use the order of events (each on_* call is one event), so equal timestamps do not
// blur them; the harness must feed events in the order they happen.
//
// Cost: O(bytes touched) per event and O(history) per byte read, where a location's history
// keeps only writes that can still be seen: an entry goes once certain later writes cover its
// bytes and every outstanding read was sent after those writes completed. A byte whose history
// exceeds OracleConfig::history_limit is no longer judged (counted, never a false violation).
// A write longer than one 64-byte block is parked per 4 KiB page and turned into history entries
// when something else first touches that page (a read, an atomic, a short write, or the 16th
// parked write), in recorded order, so pages only ever bulk-written cost one small record each.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/common/bits.hpp"
#include "protocol/common/units.hpp"
#include "protocol/ta/txn_events.hpp"

namespace ub::ta {

enum class OracleCheck : std::uint8_t {
  W1,
  W2,
  W3,
  W4,
  W5,
  W6,
  W7,
  W8,
  W9,
  W10,   // witness checks (design §9.2)
  B1,    // a Read or atomic saw a value no allowed write left (stale or invented)
  B2,    // atomic chain: an old value consumed twice (lost update)
  Input, // the event stream itself is inconsistent (duplicate op id, unknown op, time backwards)
};
[[nodiscard]] std::string_view to_string(OracleCheck c) noexcept;

struct Violation {
  OracleCheck check = OracleCheck::Input;
  OpId op = 0;
  std::optional<OpId> other; // the op it conflicts with, when there is one
  Time t{0};
  std::string message; // what and where: target, address, expected vs got
};

struct OracleConfig {
  // MODEL: target memory starts zero (TargetMemory's pages are zero-filled); false: the initial
  // value of a byte is unknown (the shadow takes the first "before" it sees; a read of a never
  // written byte may return anything). preset() overrides either for given bytes.
  bool zero_initial = true;
  // History entries per byte location before its 64-byte block is no longer judged (design
  // §9.3; at most 65000). A location keeps about as many entries as ops that may touch it at
  // once, so raise it above twice the ops one location can have in flight.
  std::uint32_t history_limit = 64;
  // MODEL: false (default) = an op that failed executed, if at all, before its failure was
  // reported (the TA timeout outlasts the transport's give-up, and a final error answers a slice
  // that was not executed); an execution after the failure is a W1 violation. true = a failed op
  // may still execute later (a harness that delays packets past the TA timeout): it then never
  // precedes anything and stays "maybe" for ever. Either way, an op whose completion says
  // `abandoned` (it failed with a slice still out) is treated as with true.
  bool late_execution = false;
  // Whether the target reports Send / Send_with_immediate payload placement as Executed writes
  // (then W1/W4/W5/W7 expect it, and the black-box learns the receive buffer's bytes). The
  // model's target (target.hpp) keeps receive buffers as capacities without an address and
  // reports a Send by its receive completion alone, so the default is false.
  bool sends_execute = false;
  // Violations kept (all are counted).
  std::size_t max_violations = 1000;
};

struct OracleCounters {
  std::uint64_t events = 0;
  std::uint64_t ops_posted = 0;
  std::uint64_t ops_checked = 0;       // completions checked
  std::uint64_t executions = 0;        // Executed events
  std::uint64_t reads_checked = 0;     // successful Reads and atomics judged by B1
  std::uint64_t bytes_checked = 0;     // their bytes
  std::uint64_t bytes_unchecked = 0;   // read bytes not judged: history limit reached
  std::uint64_t history_dropped = 0;   // entries dropped as no longer visible
  std::uint64_t history_overflows = 0; // blocks whose history passed the limit
  std::uint64_t violations = 0;        // all violations, also those past max_violations
  // Whole pages the shadow keeps as the target's shared bytes (Executed::after_share) instead
  // of a copy, each time one is (a cost figure, not a check).
  std::uint64_t pages_shared = 0;
};

class Oracle final : public TxnObserver {
public:
  explicit Oracle(OracleConfig cfg = {});
  ~Oracle() override;
  Oracle(const Oracle&) = delete;
  Oracle& operator=(const Oracle&) = delete;

  void on_posted(const OpPosted& e) override;
  void on_sent(const SliceSent& e) override;
  void on_executed(const Executed& e) override;
  void on_completed(const OpCompleted& e) override;
  void on_reported(const OpReported& e) override;
  void on_received(const ReceiveCompleted& e) override;

  // Memory the harness filled before the run: `bytes` at PA `pa` of `target` (shadow) and at
  // (`token_id`, `uba`) (the black-box initial values). Call before any op touches them.
  void preset(PeerId target, std::uint32_t token_id, std::uint64_t uba, std::uint64_t pa,
              std::span<const Byte> bytes);
  // End of run (the harness is quiescent): ops that never completed (W10), successful ops whose
  // target CQE never came (W7), and the reads still waiting for an earlier op are judged.
  void finish(Time t);

  [[nodiscard]] const std::vector<Violation>& violations() const noexcept;
  [[nodiscard]] bool ok() const noexcept;
  [[nodiscard]] const OracleCounters& counters() const noexcept;
  // History entries held now, over all locations (for memory-bound tests).
  [[nodiscard]] std::size_t history_entries() const noexcept;
  // Ops held now (posted and not yet retired).
  [[nodiscard]] std::size_t ops_held() const noexcept;
  // One line of counters, then one line per kept violation ("W5 op 7 (other 6) at 12.000 ns: ...").
  [[nodiscard]] std::string summary() const;

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

} // namespace ub::ta

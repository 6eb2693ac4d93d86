#pragma once
// The transaction layer's target engine. UB-Base-2.0 §7.3 (ordering at the target: ROT Sequence
// Contexts §7.3.3.3, ROL streams §7.3.3.4; answers and retries §7.3.1.1; TAACK coalescing,
// Table 7-3), §7.4 (what each opcode does to memory and what it answers), §8.2.1 and §9.4 (the
// memory segment and the UMMU check before any access), §7.2.5 (zero length).
//
// A delivered request slice is decoded packet by packet, then:
//   1. ordering: a ROT request (INI_RC_Type 10) goes through its Sequence Context; an SO
//      request runs only once every earlier TASSN of the stream has arrived and every earlier
//      RO/SO one has run (else it is buffered, or answered RNR when the buffer is full). Any
//      stream: an SO request behind an RO/SO request that was answered RNR / page fault and has
//      not run yet is answered RNR too (the order must survive the retry).
//   2. resources and faults, before any side effect: a receive buffer (RQE) for Send*,
//      Write_with_immediate; an injected RNR or page fault (the fault hook); the UMMU check of
//      every packet's range (page fault: recoverable, RSPST 010; otherwise Remote Abort).
//   3. execution, packet by packet (writes, BE masks, notify after data, atomics via the ALU),
//      each reported to the observer with the bytes before and after.
//   4. receive completions (Send*, Write_with_immediate) of requests with ODR[2] (completion
//      order, §7.3.2.3) leave in the initiator's send order: per stream (initiator, RCID), a CQE
//      waits until every earlier TASSN of the stream has settled (run, or refused for good), or
//      at most `cqe_order_wait` (a request lost for good never comes; MODEL, design X35). A
//      TASSN this target answered RNR or page fault is not lost: it comes back after its
//      RNR_Timeout, and the completions behind it wait that long more.
//   5. the answer: a TAACK (possibly coalesced with its consecutive neighbours), Read_response
//      or Atomic_response; over RTP with a held ACK, the verdict in the TP ACK instead. The
//      compact form (CFG 9) has no RNR or page-fault code: the target holds the request and runs
//      it once the fault clears (MODEL).
// Prefetch_tgt and Management get no answer; Management PDUs are counted (the management
// model is another issue's). Nothing is answered over UTP (UNO only, Table 7-15); over CTP and
// bypass a UNO request cannot be told from another (no mode on the wire) and is answered (MODEL).

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <tuple>
#include <vector>

#include "protocol/common/units.hpp"
#include "protocol/ta/ta_packet.hpp"
#include "protocol/ta/target_memory.hpp"
#include "protocol/ta/transport.hpp"
#include "protocol/ta/txn_events.hpp"
#include "protocol/ta/ummu.hpp"

namespace ub::ta {

enum class RotOutOfOrder : std::uint8_t {
  Buffer, // keep an SO request that cannot run yet (§7.3.3.3 option 2)
  Drop,   // answer it RNR (RNR_Timer 0) so the initiator sends it again (option 1)
};

struct TargetConfig {
  Time exec_time{0};                   // MODEL: from arrival to the answer leaving
  std::uint8_t taack_coalesce = 1;     // MODEL: TAACKs merged into one (1 = off, at most 32)
  Time taack_delay{1'000'000};         // MODEL: how long a partial run waits for more (1 us)
  bool persisted = true;               // false: writes answer 101 (accepted, not yet persisted)
  std::uint32_t sc_count = 64;         // MODEL: ROT Sequence Contexts
  std::uint32_t sc_buffer_slices = 64; // MODEL: SO requests one SC may hold
  RotOutOfOrder rot_policy = RotOutOfOrder::Buffer;
  std::uint8_t rnr_timer = 0;    // RNR_Timer when no receive buffer is free
  std::uint8_t pf_rnr_timer = 0; // RNR_Timer with a page fault
  Time page_fault_service{0};    // MODEL: the Home makes a faulted page present this long after
  // MODEL: how long an ODR[2] receive completion waits for an earlier TASSN of its stream (1 ms).
  Time cqe_order_wait{1'000'000'000};
};

// A receive queue (the Jetty / JFR side of Send and Write_with_immediate).
struct ReceiveQueueConfig {
  std::optional<std::uint32_t> token_value; // the Jetty's token (checked against TVETAH)
};

// How a Jetty Group picks the member a request goes to (§8.2.2.1; design note 7.3).
enum class GroupPolicy : std::uint8_t {
  HintHash,   // member = MTETAH.Hint mod members (MODEL: the hash)
  RoundRobin, // members in turn
  RqDepth,    // the member with the most free receive buffers (ties: the first)
};

// An injected fault for a request about to run (tests and fuzzing): RNR or page fault.
using FaultHook = std::function<std::optional<tp::TaVerdict>(const WireKey&, TaOpcode, bool retry)>;

struct TargetCounters {
  std::uint64_t requests = 0, executed_slices = 0, executed_packets = 0, malformed = 0;
  std::uint64_t taacks = 0, taack_merged = 0, read_responses = 0, atomic_responses = 0;
  // rnr: RNR answers sent (no receive buffer, an injected fault, the barrier, an SC drop)
  std::uint64_t rnr = 0, page_faults = 0, aborts = 0, unsupported = 0, verdicts = 0;
  std::uint64_t sc_granted = 0, sc_refused = 0, sc_buffered = 0, sc_dropped = 0;
  std::uint64_t barrier_rnr = 0; // SO requests answered RNR behind an unexecuted one
  std::uint64_t prefetches = 0, management = 0, held_compact = 0;
  std::uint64_t receive_completions = 0, send_refused = 0, dropped_disabled = 0;
  std::uint64_t cqe_held = 0;       // ODR[2] receive completions held for an earlier TASSN
  std::uint64_t cqe_order_gaps = 0; // released by cqe_order_wait past a TASSN that never came
};

class TaTarget {
public:
  TaTarget(PeerId self, TargetConfig cfg, TxnObserver* observer = nullptr);

  // ---- set-up (the Home) ----
  [[nodiscard]] Ummu& ummu() noexcept { return ummu_; }
  [[nodiscard]] TargetMemory& memory() noexcept { return mem_; }
  [[nodiscard]] const TargetMemory& memory() const noexcept { return mem_; }
  [[nodiscard]] Status add_receive_queue(std::uint32_t jetty, const ReceiveQueueConfig& cfg);
  // One receive buffer of `capacity` bytes on `jetty` (an RQE).
  [[nodiscard]] Status post_receive(std::uint32_t jetty, std::uint32_t capacity);
  // A disabled receive queue (its Jetty in Reset or Error) drops what comes for it silently
  // (§8.2.2.3).
  [[nodiscard]] Status set_receive_enabled(std::uint32_t jetty, bool enabled);
  // A Jetty Group: requests naming `group` (TGT_TC_Type 10) go to one of `members` (receive
  // queues added before) by `policy`; a member with no free buffer answers RNR (no second pick).
  [[nodiscard]] Status add_receive_group(std::uint32_t group, std::vector<std::uint32_t> members,
                                         GroupPolicy policy);
  [[nodiscard]] std::size_t free_receives(std::uint32_t jetty) const;
  // A static Sequence Context: SCID `scid` orders (initiator, rcid) from TASSN 0.
  [[nodiscard]] Status add_static_sc(std::uint32_t scid, PeerId initiator, std::uint32_t rcid);
  void set_fault_hook(FaultHook h) { fault_hook_ = std::move(h); }

  // ---- engine side ----
  // The transport's MTU, wire form and kind, which shape the answers (a Read_response is cut
  // into MTU-sized packets). pump() refreshes them; TaEndpoint binds its transport when it is
  // made, so that a request arriving before the first pump is answered in that transport's form
  // (it was cut by the 4096-byte default, and a 512-byte RTP refused the answer).
  void bind(const TaTransport& t) noexcept {
    mtu_ = t.max_payload();
    wire_ = t.wire();
    kind_ = t.kind();
  }
  void on_request(const TaDelivery& d, std::vector<TaPacket> packets, Time now);
  // Answers that are due go out through `t`; those `t` has no room for wait for the next pump.
  void pump(TaTransport& t, Time now);
  // The earliest time something is due: min(next_pump(), next_timer()).
  [[nodiscard]] Time next_timeout() const noexcept;
  // When pump() has work: an answer or a verdict whose execution time is up, or a coalesced
  // TAACK run to flush. An answer the last pump could not hand over (the transport's queue full)
  // is left out: the driver pumps again after the transport's next progress, as it must after
  // every input anyway.
  [[nodiscard]] Time next_pump() const noexcept;
  // When on_timeout() has work: a page made present, a held compact request, a CQE deadline.
  [[nodiscard]] Time next_timer() const noexcept;
  void on_timeout(Time now);

  // ---- upper side ----
  [[nodiscard]] std::optional<ReceiveCompleted> poll_receive();

  [[nodiscard]] const TargetCounters& counters() const noexcept { return counters_; }
  [[nodiscard]] bool idle() const noexcept;

private:
  struct Request {
    PeerId peer = 0;
    WireKey key{};
    std::vector<TaPacket> packets;
    std::optional<std::uint64_t> verdict_handle;
    TaOpcode code = TaOpcode::Write;
    ExecOrder order = ExecOrder::No;
    bool compact = false;
    bool retry = false;
    bool completion_order = false;   // ODR[2]
    std::optional<std::uint32_t> sc; // the SC it belongs to
    bool grant_sv = false;           // answer with SV = 1 and INI_TASSN = SCID
    bool alloc = false;              // asked for an SC (BTAH Alloc): the answer says SV
    std::uint32_t answer_rc_id = 0;  // INI_RC_ID of the answer
  };
  // An answer: RSPST/RSPINFO (or the compact Status) and the data for Read / Atomic.
  struct Answer {
    std::uint8_t rspst = 0;
    std::uint8_t rspinfo = 0;
    bool unsupported = false; // 011/00001
    bool drop = false;        // no answer at all (a disabled receive queue)
    std::vector<Byte> data;
  };
  struct Outgoing {
    Time at{0};
    TaSend send;
  };
  struct ScEntry {
    bool arrived = false;
    bool executed = false;
    ExecOrder order = ExecOrder::No;
  };
  struct SeqContext {
    bool used = false;
    PeerId peer = 0;
    std::uint32_t rcid = 0;
    std::uint64_t base = 0; // unwrapped TASSN of the oldest entry kept
    std::uint16_t base16 = 0;
    std::map<std::uint64_t, ScEntry> entries;
    std::map<std::uint64_t, Request> buffered;
  };
  struct Run { // a pending coalesced TAACK
    PeerId peer = 0;
    std::uint8_t rc_type = 0;
    std::uint32_t rc_id = 0;
    std::uint16_t first = 0;
    std::uint8_t extra = 0;
    std::uint8_t rspst = 0;
    Time flush_at{0};
  };
  struct Rq {
    ReceiveQueueConfig cfg;
    std::deque<std::uint32_t> buffers;
    bool enabled = true;
  };
  struct Group {
    std::vector<std::uint32_t> members;
    GroupPolicy policy = GroupPolicy::RoundRobin;
    std::size_t next = 0;
  };

  std::uint64_t unwrap(const SeqContext& sc, std::uint16_t t) const noexcept;
  bool sc_executable(const SeqContext& sc, std::uint64_t u) const;
  void sc_settle(SeqContext& sc);
  void process(Request r, Time now);
  bool blocked_by_barrier(const Request& r) const;
  Answer execute(Request& r, Time now, bool& ran);
  std::optional<Answer> check_packets(const Request& r, Time now);
  Answer refusal(const UmmuRequest& q, UmmuFault f, Time now);
  void respond(const Request& r, Answer a, Time now);
  void queue_taack(const Request& r, std::uint8_t rspst, Time now);
  void flush_run(Time now);
  void send_answer(PeerId peer, std::vector<TaPacket> packets, Time at);
  void retry_buffered(std::uint32_t scid, Time now);
  // ODR[2] receive completions (X35).
  struct HeldCqe {
    ReceiveCompleted rc;
    bool notify = true; // report it to the observer too
    Time deadline{0};
  };
  struct CqeStream {
    std::uint64_t next = 0; // unwrapped TASSN of the oldest request not settled (from 0, MODEL)
    std::uint16_t next16 = 0;
    std::set<std::uint64_t> settled;       // settled TASSNs after `next`
    std::map<std::uint64_t, HeldCqe> held; // by unwrapped TASSN
    // TASSNs this target answered RNR / page fault: each comes back with Retry = 1 after its
    // RNR_Timeout, so a completion behind one waits for it that long (X35, RNR reading).
    std::map<std::uint64_t, Time> retry_due;
  };
  using CqeKey = std::pair<PeerId, std::uint32_t>; // (initiator, RCID)
  static std::optional<std::uint64_t> cqe_unwrap(const CqeStream& s, std::uint16_t t) noexcept;
  void emit_receive(const Request& r, const ReceiveCompleted& rc, bool notify, Time now);
  void settle_cqe(const Request& r, Time now);
  void release_cqes(CqeStream& s, Time now);
  void advance_cqe(CqeStream& s, std::uint64_t to, Time now);
  void expect_retry(const Request& r, std::uint8_t rnr_timer, Time now);
  void extend_deadline(HeldCqe& h, Time deadline);

  // Answer tags, apart from the initiator's slice tags on the same transport.
  static constexpr std::uint64_t kAnswerTagBase = std::uint64_t{1} << 63;
  struct PendingVerdict {
    Time at{0};
    std::uint64_t handle = 0;
    tp::TaVerdict verdict{};
  };

  PeerId self_;
  TargetConfig cfg_;
  TxnObserver* observer_;
  Ummu ummu_;
  TargetMemory mem_;
  FaultHook fault_hook_;
  std::map<std::uint32_t, Rq> rqs_;
  std::map<std::uint32_t, Group> groups_;
  std::vector<SeqContext> scs_;
  // RNR barrier: RO/SO requests answered RNR / page fault and not yet run, per (peer,
  // INI_RC_Type << 32 | INI_RC_ID): an SCID and a queue id of the same number are different
  // streams.
  std::set<std::tuple<PeerId, std::uint64_t, std::uint16_t>> barrier_;
  std::deque<Outgoing> out_;
  // The last pump found the transport's queue full: out_'s first answer waits for the next pump
  // (which the transport's progress brings), not for a time, so next_timeout leaves it out. A
  // driver that polled it as a timer would wake at every step of the model's clock for nothing.
  bool send_blocked_ = false;
  std::deque<PendingVerdict> verdicts_;
  std::uint64_t next_answer_ = 0;
  std::optional<Run> run_;
  std::deque<std::pair<Time, Request>> held_; // compact requests waiting for a fault to clear
  std::multimap<Time, std::tuple<PeerId, std::uint32_t, std::uint64_t>> present_at_;
  std::deque<ReceiveCompleted> receives_;
  std::map<CqeKey, CqeStream> cqe_streams_;
  std::multiset<Time> cqe_deadlines_;
  std::uint32_t mtu_ = 4096;
  TaWire wire_ = TaWire::Cna16;
  TransportKind kind_ = TransportKind::Ideal; // of the transport last pumped
  TargetCounters counters_;
};

} // namespace ub::ta

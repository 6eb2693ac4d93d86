#pragma once
// The transaction layer's initiator engine. UB-Base-2.0 §7.3 (slices and TASSN, retries,
// service modes ROI / ROT / ROL / UNO, execution order NO / RO / SO and fences, completion order)
// and §7.4 (what each opcode sends and what answers it).
//
// Queues are the initiator's resource contexts (a Jetty's send queue, INI_RC_ID = the queue id):
// order exists only within one queue (§7.3.2.1). A posted op is cut into slices (§7.3.1.1), each
// with its own INI_TASSN on the (queue, target) stream, its own request and its own answer; a
// slice is one TP message of one or more packets, each packet with its own TA headers.
//
// What each mode costs the initiator (§7.3.3):
//   ROI  an SO op is sent only when every earlier RO/SO op of its queue has its final answer
//        (one ordering stall: the round trip ROT and ROL save);
//   ROT  ordered requests carry the stream's Sequence Context (INI_RC_Type 10, INI_RC_ID = SCID)
//        and go at once; the target orders them. The SCID is configured (static) or granted by
//        the first request's Alloc (dynamic: the stream waits for that one answer). An SO op
//        whose earlier RO/SO ops went to another target waits as in ROI (one SC orders one
//        target);
//   ROL  ordered requests go at once on one ordered stream (RTP: one channel), and over RTP a
//        write's answer comes in the TP ACK;
//   UNO  no answer, no retry: an op completes when the transport took it.
// A fenced op (note to Table 7-13) is sent only when every earlier Read and Atomic of its queue
// has its answer. Answers: RSPST 000 / 101 done; 001 RNR and 010 page fault retried after
// RNR_Timeout with Retry = 1 and the same TASSN, up to `retry_limit` times (MODEL: the spec sets
// no value), then Transaction Retry Exceeded; other statuses fail the op; no answer within
// `ack_timeout` fails it with Transaction ACK Timeout (the TA does not retransmit: reliability
// below it is the transport's, §7.3.1.1).
//
// Sans-I/O: the owner (TaEndpoint) feeds answers (on_response, on_tx_event), calls pump(now)
// to let queued slices out through the transport, and on_timeout(now) at next_timeout().

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "protocol/common/units.hpp"
#include "protocol/fn/cqe_status.hpp"
#include "protocol/ta/ta_packet.hpp"
#include "protocol/ta/ta_status.hpp"
#include "protocol/ta/tassn.hpp"
#include "protocol/ta/transport.hpp"
#include "protocol/ta/txn_events.hpp"
#include "protocol/ta/txn_op.hpp"

namespace ub::ta {

enum class ExceptionMode : std::uint8_t {
  Continue, // a failed op completes with its error; later ops go on
  Suspend,  // the queue stops taking new ops out; the ones not yet started complete Flushed
};

struct QueueConfig {
  TaMode mode = TaMode::Roi;
  ExceptionMode on_error = ExceptionMode::Suspend;
  // ROT: a configured SCID per target (static SC); targets not listed ask with Alloc.
  std::map<PeerId, std::uint32_t> static_sc;
};

struct InitiatorConfig {
  std::uint32_t slice_bytes = 64 * 1024;   // MODEL (the spec's example, §7.3.1.1)
  std::uint8_t retry_limit = 7;            // MODEL: RNR / page-fault retries per slice
  Time ack_timeout{1'000'000'000};         // MODEL: 1 ms without an answer fails the slice
  std::uint32_t max_inflight_slices = 256; // MODEL: per queue
  // ROL over a transport with TP status: TAACK-type requests take their answer from the TP ACK
  // (§6.8.2, §7.3.1.1). Off: every answer is an ATAH message.
  bool rol_status_in_tp_ack = true;
};

// One finished op (the send completion; the Jetty layer turns it into a CQE).
struct Completion {
  OpId id = 0;
  std::uint32_t queue = 0;
  fn::CqeStatus status = fn::CqeStatus::Success;
  std::vector<Byte> data; // Read: the bytes read; atomics: the old value
  bool persisted = true;  // false when some slice was answered 101 (accepted, not persisted)
  Time posted{0};
  Time done{0};
};

struct InitiatorCounters {
  std::uint64_t posted = 0, refused = 0, completed = 0, failed = 0, flushed = 0;
  std::uint64_t slices_sent = 0, retries = 0, timeouts = 0;
  std::uint64_t stalls = 0;      // ordering stalls (§3.6 of the design note): waits for answers
  std::uint64_t ordered_ops = 0; // RO or SO ops sent
  std::uint64_t sc_allocs = 0, sc_granted = 0, sc_refused = 0;
  std::uint64_t responses = 0, taack_coalesced = 0, unmatched = 0, malformed = 0;
  std::uint64_t tp_statuses = 0;
  std::uint64_t send_blocked = 0; // the transport refused for now (queue full)
};

class TaInitiator {
public:
  TaInitiator(PeerId self, InitiatorConfig cfg, TxnObserver* observer = nullptr);

  // ---- set-up ----
  // A queue with id `id` (INI_RC_ID, 20 bits). Error on a duplicate or an out-of-range id.
  [[nodiscard]] Status add_queue(std::uint32_t id, const QueueConfig& cfg);
  // Takes a suspended queue back to work (the Jetty's Suspend -> Ready, §8.2.2.3).
  void resume_queue(std::uint32_t id);
  // Stops a queue taking new ops out (the Jetty's Ready -> Suspend); in-flight ones finish.
  void suspend_queue(std::uint32_t id);
  // Completes every op of the queue not finished yet with Flushed, abandoning those in flight
  // (the Jetty's move to Error, §8.2.2.3); the queue stays suspended.
  void flush_queue(std::uint32_t id, Time now);
  [[nodiscard]] bool has_queue(std::uint32_t id) const { return queues_.count(id) != 0; }
  [[nodiscard]] bool suspended(std::uint32_t id) const;

  // ---- upper side ----
  // Queues an op; the rules of check_post() for the queue's mode and the transport. A refused op
  // reports nothing else (the caller turns the error into a CQE).
  [[nodiscard]] Expected<void, PostError> post(std::uint32_t queue, TxnOp op,
                                               const TaTransport& transport, Time now);
  [[nodiscard]] std::optional<Completion> poll_completion();

  // ---- engine side (TaEndpoint) ----
  // Lets every slice that may go out go out through `t`.
  void pump(TaTransport& t, Time now);
  // An answer (a decoded response slice) from `peer`.
  void on_response(PeerId peer, const std::vector<TaPacket>& packets, Time now);
  // The transport's word on a slice this initiator sent (tag = the slice's handle).
  void on_tx_event(const TaTxEvent& e, Time now);
  [[nodiscard]] Time next_timeout() const noexcept;
  void on_timeout(Time now);

  // ---- observation ----
  [[nodiscard]] const InitiatorCounters& counters() const noexcept { return counters_; }
  [[nodiscard]] std::size_t pending_ops() const noexcept;
  [[nodiscard]] bool idle() const noexcept; // nothing queued or outstanding

  // Tags at or above this value belong to the target side of the same endpoint.
  static constexpr std::uint64_t kTargetTagBase = std::uint64_t{1} << 63;

private:
  enum class SliceState : std::uint8_t { Waiting, Sent, RetryWait, Done, Failed };
  enum class ScState : std::uint8_t { None, Allocating, Granted, Refused };

  struct Slice {
    std::uint64_t offset = 0;
    std::uint32_t length = 0;
    bool last = false; // the notify / immediate slice of Write_with_notify / _immediate
    SliceState state = SliceState::Waiting;
    std::uint16_t tassn = 0;
    std::uint8_t retries = 0;
    bool alloc = false;
    bool via_tp_status = false;
    Time deadline = kNever;
    Time retry_at = kNever;
    Time timer = kNever; // the entry in timers_, if any
    std::uint64_t tag = 0;
    WireKey key{};
  };
  struct Op {
    TxnOp op; // its data moved out, into `data`
    // The op's data, shared with the observer (OpPosted::shared_data) instead of copied.
    std::shared_ptr<const std::vector<Byte>> data;
    TaOpcode code = TaOpcode::Write;
    std::uint64_t seq = 0;
    std::vector<Slice> slices;
    std::size_t done = 0;
    std::size_t unsent = 0;          // slices never sent yet
    std::uint32_t retry_waiting = 0; // slices in RetryWait (Queue::retry_waiting, per op)
    bool started = false;            // a first slice went out
    bool finished = false;           // every slice answered (or the op failed)
    bool reported = false;           // its completion is out
    bool stalled = false;            // counted one ordering stall already
    bool abandoned = false;          // failed with a slice still out (it may yet execute)
    std::optional<fn::CqeStatus> failure;
    bool persisted = true;
    std::vector<Byte> result;
    Time posted{0};
    Time done_at{0};
  };
  struct Stream {
    std::uint16_t next_tassn = 0;
    ScState sc = ScState::None;
    std::uint32_t scid = 0;
    std::uint64_t alloc_tag = 0; // the slice asking for the SC
    bool alloc_stall_counted = false;
    std::map<std::uint16_t, std::uint64_t> outstanding; // tassn -> slice tag
  };
  using StreamKey = std::pair<std::uint32_t, PeerId>; // (queue, or the compact stream; target)
  struct Queue {
    QueueConfig cfg;
    std::deque<Op> ops; // post order; the front leaves once reported
    std::uint64_t next_seq = 0;
    std::uint32_t inflight = 0;
    // Slices in RetryWait: they count in `inflight` and resend without the window, so only
    // they can go out of a queue whose window is full (pump() stops early otherwise).
    std::uint32_t retry_waiting = 0;
    bool suspended = false;
    // Some op finished since report() last looked: only then can a completion come out (a
    // scan of every outstanding op per answer was the cost of a large fabric run).
    bool report_pending = false;
    // Every op of the queue has started and no slice waits to be sent or retried: pump() has
    // nothing to do here until an answer, a post, a timeout or a queue action touches it.
    bool quiet = false;
  };
  struct Handle {
    std::uint32_t queue = 0;
    std::uint64_t seq = 0;
    std::uint32_t slice = 0;
  };

  enum class SendResult : std::uint8_t { Sent, Blocked, Failed };

  static StreamKey stream_key(std::uint32_t qid, PeerId peer, TaWire wire) noexcept;
  Op* find_op(Queue& q, std::uint64_t seq);
  Slice* find_slice(std::uint64_t tag, std::uint32_t* qid = nullptr, Op** op_out = nullptr);
  // What the unfinished ops ahead of an op in its queue wait for (pump() builds it as it goes).
  struct Prefix {
    std::size_t reads = 0;          // Reads / Atomics without their answer
    std::size_t ordered = 0;        // RO / SO ops without their answer
    std::size_t ordered_unsent = 0; // ... of which some slice has not gone out yet
    std::map<PeerId, std::size_t> ordered_by_target;
  };
  bool may_start(std::uint32_t qid, const Queue& q, Op& op, const Prefix& before, TaWire wire);
  // Whether pump() could still find something to send in `q` (an unstarted op, or a slice
  // waiting or due for a retry).
  [[nodiscard]] static bool has_pending_work(const Queue& q) noexcept;
  SendResult send_slice(std::uint32_t qid, Queue& q, Op& op, std::uint32_t index, TaTransport& t,
                        Time now);
  std::vector<TaUnit> build_units(std::uint32_t qid, const Queue& q, const Op& op, const Slice& s,
                                  const Stream& st, const TaTransport& t, bool retry) const;
  void set_timer(Slice& s, Time at);
  void clear_timer(Slice& s);
  void slice_done(std::uint32_t qid, Op& op, Slice& s, Time now);
  void fail_op(std::uint32_t qid, Op& op, fn::CqeStatus st, Time now,
               const Slice* answered = nullptr);
  void apply_outcome(std::uint64_t tag, const TaOutcome& o, const std::vector<TaPacket>* data,
                     Time now);
  void finish(std::uint32_t qid, Op& op, Time now);
  void report(std::uint32_t qid, Queue& q, Time now);
  void report_all(Time now);
  void handle_response(PeerId peer, const std::vector<TaPacket>& packets, Time now);
  void handle_tx_event(const TaTxEvent& e, Time now);

  PeerId self_;
  InitiatorConfig cfg_;
  TxnObserver* observer_;
  std::map<std::uint32_t, Queue> queues_;
  std::vector<std::uint32_t> reports_due_;  // queues whose report_pending was set (report_all)
  std::map<std::uint64_t, Handle> handles_; // slice tag -> where it is
  std::map<StreamKey, Stream> streams_;
  std::set<std::pair<Time, std::uint64_t>> timers_; // (when, slice tag): deadlines and retries
  TaWire wire_ = TaWire::Cna16;                     // of the transport last pumped
  bool dirty_ = true; // something happened that may let a slice out (pump() has work)
  std::uint64_t next_tag_ = 1;
  std::deque<Completion> completions_;
  InitiatorCounters counters_;
};

} // namespace ub::ta

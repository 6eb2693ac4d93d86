// The initiator engine (initiator.hpp). UB-Base-2.0 §7.3, §7.4; the design readings are those of
// docs/spec-coverage.md (A-135..A-139).

#include "protocol/ta/initiator.hpp"

#include <algorithm>

#include "protocol/ta/ta_machines.hpp"

namespace ub::ta {

namespace {

// A slice's state as ta_machines.hpp names it (transition coverage only; S is the private
// TaInitiator::SliceState).
template <class S>
[[maybe_unused]] std::string_view slice_state_name(S s) noexcept {
  switch (s) {
  case S::Waiting:
    return "Waiting";
  case S::Sent:
    return "Sent";
  case S::RetryWait:
    return "RetryWait";
  case S::Done:
    return "Done";
  case S::Failed:
    return "Failed";
  }
  return "?";
}
template <class S>
[[maybe_unused]] std::string_view sc_state_name(S s) noexcept {
  switch (s) {
  case S::None:
    return "None";
  case S::Allocating:
    return "Allocating";
  case S::Granted:
    return "Granted";
  case S::Refused:
    return "Refused";
  }
  return "?";
}

// MODEL (X28): the compact form has no INI_RC_ID, so a compact stream is one per target for the
// whole initiator; it is filed under this queue number.
constexpr std::uint32_t kCompactStreamQueue = 0xFFFFFFFF;

std::uint8_t odr_bits(ExecOrder o) noexcept {
  switch (o) {
  case ExecOrder::No:
    return odr::kNo;
  case ExecOrder::Ro:
    return odr::kRo;
  case ExecOrder::So:
    return odr::kSo;
  }
  return odr::kNo;
}

std::uint8_t compact_length_code(std::uint32_t len) noexcept {
  std::uint8_t l = 0;
  while (l < 7 && (64U << l) < len) {
    ++l;
  }
  return l;
}

bool ordered(ExecOrder o) noexcept {
  return o != ExecOrder::No;
}

// A request whose receive completion at the target must follow the initiator's send order
// (ODR[2], §7.3.2.3): comp_order or target_order Sends, and Write_with_immediate (p.241).
bool ordered_receive(const TxnOp& o, TaOpcode code) noexcept {
  return (is_send_like(code) && (o.comp_order || o.target_order)) ||
         code == TaOpcode::WriteWithImmediate;
}

} // namespace

TaInitiator::TaInitiator(PeerId self, InitiatorConfig cfg, TxnObserver* observer)
    : self_(self), cfg_(cfg), observer_(observer) {
  if (cfg_.slice_bytes == 0) {
    cfg_.slice_bytes = 64 * 1024;
  }
  if (cfg_.max_inflight_slices == 0) {
    cfg_.max_inflight_slices = 1;
  }
}

Status TaInitiator::add_queue(std::uint32_t id, const QueueConfig& cfg) {
  if (id >= (1U << 20)) {
    return make_unexpected(
        Error{Errc::OutOfRange, 0, "queue", "id", "INI_RC_ID has 20 bits", "§7.2.1"}.with_value(
            id));
  }
  if (queues_.count(id) != 0) {
    return make_unexpected(
        Error{Errc::NotAllowed, 0, "queue", "id", "queue exists already", ""}.with_value(id));
  }
  queues_[id].cfg = cfg;
  return {};
}

void TaInitiator::resume_queue(std::uint32_t id) {
  dirty_ = true;
  auto it = queues_.find(id);
  if (it != queues_.end()) {
    it->second.suspended = false;
    it->second.quiet = false;
  }
}

void TaInitiator::suspend_queue(std::uint32_t id) {
  auto it = queues_.find(id);
  if (it != queues_.end()) {
    it->second.suspended = true;
  }
}

void TaInitiator::flush_queue(std::uint32_t id, Time now) {
  auto it = queues_.find(id);
  if (it == queues_.end()) {
    return;
  }
  it->second.suspended = true;
  it->second.quiet = false;
  // fail_op may pop finished ops off the front (report): walk by sequence number.
  const std::uint64_t end = it->second.next_seq;
  for (std::uint64_t seq = 0; seq < end; ++seq) {
    if (Op* op = find_op(it->second, seq); op != nullptr && !op->finished) {
      fail_op(id, *op, fn::CqeStatus::Flushed, now);
    }
  }
  report(id, it->second, now);
}

bool TaInitiator::suspended(std::uint32_t id) const {
  auto it = queues_.find(id);
  return it != queues_.end() && it->second.suspended;
}

Expected<void, PostError> TaInitiator::post(std::uint32_t queue, TxnOp op,
                                            const TaTransport& transport, Time now) {
  auto qit = queues_.find(queue);
  if (qit == queues_.end()) {
    ++counters_.refused;
    return make_unexpected(PostError::UnknownQueue);
  }
  Queue& q = qit->second;
  q.quiet = false;
  PostRules rules;
  rules.mode = q.cfg.mode;
  rules.wire = transport.wire();
  rules.multi_packet = transport.multi_packet();
  rules.mtu = transport.max_payload();
  if (auto e = check_post(op, rules)) {
    ++counters_.refused;
    return make_unexpected(*e);
  }
  Op o;
  o.code = ta_opcode_info(op.opcode)->op;
  o.seq = q.next_seq++;
  o.posted = now;
  // Slices (§7.3.1.1): Write-like and Read ops are cut by the slice size (one packet per slice
  // when the transport carries one packet per slice); everything else is one slice. For
  // Write_with_notify / _immediate the last slice is the notify / immediate one, one packet long.
  const std::uint32_t piece = transport.multi_packet() ? cfg_.slice_bytes : transport.max_payload();
  const std::uint32_t len = op.length;
  auto cut = [&](std::uint64_t from, std::uint64_t to) {
    for (std::uint64_t at = from; at < to; at += piece) {
      Slice s;
      s.offset = at;
      s.length = static_cast<std::uint32_t>(std::min<std::uint64_t>(piece, to - at));
      o.slices.push_back(s);
    }
  };
  if (o.code == TaOpcode::Write || o.code == TaOpcode::Read) {
    cut(0, len);
  } else if (o.code == TaOpcode::WriteWithNotify || o.code == TaOpcode::WriteWithImmediate) {
    const std::uint32_t mtu = std::max<std::uint32_t>(1, transport.max_payload());
    const std::uint32_t last_len = len == 0 ? 0 : ((len - 1) % mtu) + 1;
    cut(0, len - last_len);
    Slice s;
    s.offset = len - last_len;
    s.length = last_len;
    s.last = true;
    o.slices.push_back(s);
  }
  if (o.slices.empty()) {
    Slice s;
    s.length = len;
    o.slices.push_back(s);
  }
  if (o.code == TaOpcode::Read) {
    o.result.assign(len, Byte{0});
  }
  o.unsent = o.slices.size();
  if (op.shared_data) {
    o.data = std::move(op.shared_data);
    op.shared_data.reset();
  } else if (!op.data.empty()) {
    o.data = std::make_shared<const std::vector<Byte>>(std::move(op.data));
    op.data.clear();
  }
  ++counters_.posted;
  dirty_ = true;
  if (observer_ != nullptr) {
    OpPosted p;
    p.op = op.id;
    p.initiator = self_;
    p.queue = queue;
    p.seq = o.seq;
    p.opcode = o.code;
    p.mode = q.cfg.mode;
    p.order = op.order;
    p.fence = op.fence;
    p.comp_order = op.comp_order;
    p.target = op.target;
    p.token_id = op.token_id;
    p.uba = op.uba;
    p.length = op.length;
    p.shared_data = o.data; // not a copy: the data can be megabytes
    p.be = op.be;
    p.subop = op.subop;
    if (o.code == TaOpcode::SendWithImmediate || o.code == TaOpcode::WriteWithImmediate) {
      p.immediate = op.immediate; // the target CQE must carry it (oracle W3)
    }
    if (o.code == TaOpcode::WriteWithNotify) {
      p.notify_uba = op.notify_uba;
      p.notify_token_id = op.notify_token_id;
      p.notify_data = op.notify_data;
    }
    p.expect_denied = op.expect_denied;
    p.t = now;
    observer_->on_posted(p);
  }
  o.op = std::move(op);
  q.ops.push_back(std::move(o));
  return {};
}

std::optional<Completion> TaInitiator::poll_completion() {
  if (completions_.empty()) {
    return std::nullopt;
  }
  Completion c = std::move(completions_.front());
  completions_.pop_front();
  return c;
}

TaInitiator::StreamKey TaInitiator::stream_key(std::uint32_t qid, PeerId peer,
                                               TaWire wire) noexcept {
  return {wire == TaWire::Compact ? kCompactStreamQueue : qid, peer};
}

TaInitiator::Op* TaInitiator::find_op(Queue& q, std::uint64_t seq) {
  if (q.ops.empty() || seq < q.ops.front().seq) {
    return nullptr;
  }
  const std::uint64_t i = seq - q.ops.front().seq;
  if (i >= q.ops.size()) {
    return nullptr;
  }
  return &q.ops[static_cast<std::size_t>(i)];
}

TaInitiator::Slice* TaInitiator::find_slice(std::uint64_t tag, std::uint32_t* qid, Op** op_out) {
  auto hit = handles_.find(tag);
  if (hit == handles_.end()) {
    return nullptr;
  }
  const Handle h = hit->second;
  auto qit = queues_.find(h.queue);
  if (qit == queues_.end()) {
    return nullptr;
  }
  Op* op = find_op(qit->second, h.seq);
  if (op == nullptr || h.slice >= op->slices.size()) {
    return nullptr;
  }
  qit->second.quiet = false; // the caller may change the slice
  if (qid != nullptr) {
    *qid = h.queue;
  }
  if (op_out != nullptr) {
    *op_out = op;
  }
  return &op->slices[h.slice];
}

// Whether op (not started yet) may send its first slice (§7.3.2, §7.3.3, note to Table 7-13),
// given what the ops before it in its queue still wait for (`before`). Counts one ordering stall
// per op that had to wait for an answer.
bool TaInitiator::may_start(std::uint32_t qid, const Queue& q, Op& op, const Prefix& before,
                            TaWire wire) {
  const TaMode mode = q.cfg.mode;
  if (mode == TaMode::Uno) {
    return true;
  }
  auto stall = [&] {
    if (!op.stalled) {
      op.stalled = true;
      ++counters_.stalls;
    }
    return false;
  };
  if (mode == TaMode::Rot) {
    auto sit = streams_.find(stream_key(qid, op.op.target, wire));
    if (sit != streams_.end() && sit->second.sc == ScState::Allocating) {
      // The stream waits for its Alloc answer: later requests need the SCID (X20).
      if (!sit->second.alloc_stall_counted) {
        sit->second.alloc_stall_counted = true;
        ++counters_.stalls;
      }
      return false;
    }
  }
  if (op.op.fence && before.reads > 0) {
    return stall(); // a fence waits for the answers of earlier Reads and Atomics
  }
  if (op.op.order == ExecOrder::So && before.ordered > 0) {
    if (mode == TaMode::Roi) {
      return stall();
    }
    // ROT / ROL: the target (or the ordered stream) keeps the order, provided every earlier
    // RO/SO op went to the same target on the same stream and every slice of it is out.
    auto it = before.ordered_by_target.find(op.op.target);
    if (it == before.ordered_by_target.end() || it->second != before.ordered) {
      return stall(); // one went elsewhere: wait for its answer, as in ROI (X5)
    }
    if (before.ordered_unsent > 0) {
      return false; // not an answer we wait for: an earlier op is still going out
    }
    if (mode == TaMode::Rot) {
      auto sit = streams_.find(stream_key(qid, op.op.target, wire));
      if (sit == streams_.end() || sit->second.sc != ScState::Granted) {
        return stall(); // no SC (SV = 0, or the stream is new): ROI rules
      }
    }
  }
  return true;
}

void TaInitiator::set_timer(Slice& s, Time at) {
  clear_timer(s);
  if (at != kNever) {
    s.timer = at;
    timers_.insert({at, s.tag});
  }
}

void TaInitiator::clear_timer(Slice& s) {
  if (s.timer != kNever) {
    timers_.erase({s.timer, s.tag});
    s.timer = kNever;
  }
}

void TaInitiator::pump(TaTransport& t, Time now) {
  wire_ = t.wire();
  if (!dirty_) {
    return; // nothing happened since the last pump that could let a slice out
  }
  dirty_ = false;
  for (auto& [qid, q] : queues_) {
    if (q.quiet) {
      continue;
    }
    bool was_blocked = false;
    // An op may finish inside this loop (a send error, or no answer to wait for); an op behind
    // it that had to wait for it may go now: look at the queue again. Each extra pass follows
    // one op more finished, so it ends.
    bool again = true;
    while (again) {
      again = false;
      bool finished_here = false;
      bool blocked = false;
      Prefix before;
      for (std::size_t i = 0; i < q.ops.size() && !blocked; ++i) {
        if (q.inflight >= cfg_.max_inflight_slices && q.retry_waiting == 0) {
          // The window is full and no slice waits to be resent: nothing more of this queue
          // can go out this round (a new slice would find the window full in send_slice).
          // Stopping here keeps a pump O(window), not O(ops posted); the ops passed by are
          // looked at again, ordering stalls and all, once an answer opens the window.
          break;
        }
        Op& op = q.ops[i];
        if (op.finished) {
          if (!op.reported) {
            // A comp_order op whose completion waits behind an earlier one (§7.3.2.3): the
            // queue does not know it completed yet, so what waits for it (ROI SO, a fence)
            // still waits.
            if (is_read_like(op.code)) {
              ++before.reads;
            }
            if (ordered(op.op.order)) {
              ++before.ordered;
              ++before.ordered_by_target[op.op.target];
            }
          }
          continue;
        }
        const bool go = op.started || (!q.suspended && may_start(qid, q, op, before, t.wire()));
        // What later ops of the queue see of this one (it stays unfinished this round).
        if (is_read_like(op.code)) {
          ++before.reads;
        }
        if (ordered(op.op.order)) {
          ++before.ordered;
          ++before.ordered_by_target[op.op.target];
        }
        if (!go) {
          if (ordered(op.op.order)) {
            ++before.ordered_unsent;
          }
          again = again || finished_here;
          continue;
        }
        // Every slice of a started op out and none to resend: nothing to look at (its slices
        // are a cold line per op, and a queue's window holds many such ops).
        const std::uint32_t sendable = op.started && op.unsent == 0 && op.retry_waiting == 0
                                           ? 0
                                           : static_cast<std::uint32_t>(op.slices.size());
        for (std::uint32_t k = 0; k < sendable; ++k) {
          Slice& s = op.slices[k];
          const bool retry_due = s.state == SliceState::RetryWait && s.retry_at <= now;
          if (s.state != SliceState::Waiting && !retry_due) {
            continue;
          }
          if (q.cfg.mode == TaMode::Rot && s.state == SliceState::Waiting && !s.alloc) {
            // The stream's Alloc request is out: the op's later slices need the SCID its
            // answer grants (§7.3.3.3). Sent now, with INI_RC_Type 00, they would take TASSNs
            // the SC never sees, and the gap would hold every later SO request at the target
            // for ever.
            auto sit = streams_.find(stream_key(qid, op.op.target, t.wire()));
            if (sit != streams_.end() && sit->second.sc == ScState::Allocating) {
              if (!sit->second.alloc_stall_counted) {
                sit->second.alloc_stall_counted = true;
                ++counters_.stalls;
              }
              break;
            }
          }
          if (s.last && s.state == SliceState::Waiting && q.cfg.mode != TaMode::Rol &&
              q.cfg.mode != TaMode::Uno && op.done + 1 < op.slices.size()) {
            // Write_with_notify / _immediate: the last slice after every data slice's answer
            // (§7.4.2.1.2); ROL's ordered stream keeps that order by itself.
            if (!op.stalled) {
              op.stalled = true;
              ++counters_.stalls;
            }
            break;
          }
          if (s.state == SliceState::Waiting && q.inflight >= cfg_.max_inflight_slices) {
            // The queue's window is full, as send_slice would find: the slice stays Waiting.
            // Said here, without its stream lookup, since a queue of many posted ops meets it
            // once per op on every pump (MODEL: max_inflight_slices).
            break;
          }
          const SendResult r = send_slice(qid, q, op, k, t, now);
          if (r == SendResult::Blocked) {
            blocked = true;
            dirty_ = true; // the transport is full: try again on the next pump
            break;
          }
          if (r == SendResult::Failed || op.finished) {
            finished_here = true;
            break;
          }
          if (s.state == SliceState::Waiting) {
            break; // window full: later slices wait too
          }
        }
        if (ordered(op.op.order) && !op.finished && op.unsent > 0) {
          ++before.ordered_unsent;
        }
      }
      // The ops finished here leave now (comp_order permitting), so the next pass sees them
      // gone rather than finished and unreported.
      report(qid, q, now);
      was_blocked = was_blocked || blocked;
    }
    q.quiet = !was_blocked && !has_pending_work(q);
  }
}

bool TaInitiator::has_pending_work(const Queue& q) noexcept {
  for (const Op& op : q.ops) {
    if (op.finished) {
      continue;
    }
    // unsent counts the Waiting slices of an unfinished op, retry_waiting its RetryWait ones.
    if (!op.started || op.unsent > 0 || op.retry_waiting > 0) {
      return true;
    }
  }
  return false;
}

TaInitiator::SendResult TaInitiator::send_slice(std::uint32_t qid, Queue& q, Op& op,
                                                std::uint32_t index, TaTransport& t, Time now) {
  Slice& s = op.slices[index];
  const bool retry = s.state == SliceState::RetryWait;
  const StreamKey key = stream_key(qid, op.op.target, t.wire());
  Stream& st = streams_[key];
  const bool no_answer = q.cfg.mode == TaMode::Uno || has_no_response(op.code);
  if (!retry) {
    if (q.inflight >= cfg_.max_inflight_slices || st.outstanding.size() >= kTassnWindow ||
        st.outstanding.count(st.next_tassn) != 0) {
      return SendResult::Sent; // no room: the slice stays Waiting
    }
    if (q.cfg.mode == TaMode::Rot && t.wire() != TaWire::Compact && st.sc == ScState::None) {
      auto it = q.cfg.static_sc.find(op.op.target);
      if (it != q.cfg.static_sc.end()) {
        UB_TRANSITION(kScMachine, "None", "static_sc");
        st.sc = ScState::Granted;
        st.scid = it->second;
      } else if (!no_answer) {
        // The stream's first request asks for a Sequence Context (§7.3.3.3); not one that gets
        // no answer (Management), which could never grant it.
        s.alloc = true;
      }
    }
    s.tassn = st.next_tassn;
    s.tag = next_tag_++;
  }
  const bool tp_status = t.has_tp_status() && q.cfg.mode == TaMode::Rol &&
                         cfg_.rol_status_in_tp_ack && !is_read_like(op.code) && !no_answer;
  TaSend send;
  send.peer = op.op.target;
  send.mode = q.cfg.mode;
  if (q.cfg.mode == TaMode::Rol) {
    send.ordered_stream = (std::uint64_t{qid} << 32) | op.op.target;
  }
  send.expects_ta_status = tp_status;
  send.tag = s.tag;
  // The wire key: INI_RC_Type 10 + SCID once ROT has its SC, else 00 + the queue (Table 7-1).
  // A retry keeps the key it was first sent with (same TASSN, same SC or queue).
  if (!retry) {
    WireKey wk;
    wk.initiator = self_;
    wk.target = op.op.target;
    wk.tassn = s.tassn;
    if (t.wire() != TaWire::Compact) {
      const bool sc = q.cfg.mode == TaMode::Rot && st.sc == ScState::Granted;
      wk.rc_type = sc ? 0b10 : 0b00;
      wk.rc_id = sc ? st.scid : qid;
    }
    s.key = wk;
  }
  send.units = build_units(qid, q, op, s, st, t, retry);
  const std::size_t packets = send.units.size();
  auto r = t.send(std::move(send), now);
  if (!r) {
    switch (r.error()) {
    case TaSendError::QueueFull:
      ++counters_.send_blocked;
      if (!retry) {
        s.alloc = false;
      }
      return SendResult::Blocked;
    case TaSendError::TooLarge:
    case TaSendError::BadPacketing:
    case TaSendError::Empty:
      fail_op(qid, op, fn::CqeStatus::LocalLength, now);
      return SendResult::Failed;
    case TaSendError::NotAllowed:
      fail_op(qid, op, fn::CqeStatus::UnsupportedOpcode, now);
      return SendResult::Failed;
    case TaSendError::PeerDown:
    case TaSendError::UnknownPeer:
      fail_op(qid, op, fn::CqeStatus::TransactionAckTimeout, now);
      return SendResult::Failed;
    }
    return SendResult::Failed;
  }
  (void)packets;
  if (!retry) {
    --op.unsent;
    st.next_tassn = tassn_add(st.next_tassn, 1);
    st.outstanding[s.tassn] = s.tag;
    handles_[s.tag] = Handle{qid, op.seq, index};
    ++q.inflight;
    if (s.alloc) {
      UB_TRANSITION(kScMachine, sc_state_name(st.sc), "alloc");
      st.sc = ScState::Allocating;
      st.alloc_tag = s.tag;
      st.alloc_stall_counted = false;
      ++counters_.sc_allocs;
    }
    if (!op.started) {
      op.started = true;
      if (ordered(op.op.order)) {
        ++counters_.ordered_ops;
      }
    }
  } else {
    ++counters_.retries;
  }
  ++counters_.slices_sent;
  if (retry) {
    --q.retry_waiting;
    --op.retry_waiting;
  }
  UB_TRANSITION(kSliceMachine, slice_state_name(s.state), "send");
  s.state = SliceState::Sent;
  s.via_tp_status = tp_status;
  s.retry_at = kNever;
  if (observer_ != nullptr) {
    SliceSent e;
    e.op = op.op.id;
    e.slice = index;
    e.offset = s.offset;
    e.length = s.length;
    e.notify = s.last && op.code == TaOpcode::WriteWithNotify;
    e.retry = retry;
    e.key = s.key;
    e.t = now;
    observer_->on_sent(e);
  }
  if (no_answer) {
    // UNO, Prefetch_tgt, Management: nothing answers; done once the transport took it.
    slice_done(qid, op, s, now);
    return SendResult::Sent;
  }
  set_timer(s, now + cfg_.ack_timeout);
  return SendResult::Sent;
}

std::vector<TaUnit> TaInitiator::build_units(std::uint32_t qid, const Queue& q, const Op& op,
                                             const Slice& s, const Stream& st, const TaTransport& t,
                                             bool retry) const {
  (void)qid;
  const TaWire wire = t.wire();
  const TxnOp& o = op.op;
  const std::uint32_t mtu = std::max<std::uint32_t>(1, t.max_payload());
  // The slice's opcode: the data slices of Write_with_notify / _immediate are Writes; of a
  // multi-packet Send_with_immediate, only the last packet is 0x01 (Table 7-2).
  TaOpcode code = op.code;
  if ((code == TaOpcode::WriteWithNotify || code == TaOpcode::WriteWithImmediate) && !s.last) {
    code = TaOpcode::Write;
  }
  // ROL sends the notify / immediate slice of Write_with_notify / _immediate at once, behind the
  // data slices on the ordered stream. Should a data slice be refused RNR or page fault, the
  // target's RNR barrier (SO requests wait behind RO/SO ones answered so) must keep the tail
  // behind it (§7.4.2.1.2): the data slices go RO at least, the tail SO.
  ExecOrder wire_order = o.order;
  if (q.cfg.mode == TaMode::Rol && op.slices.size() > 1 &&
      (op.code == TaOpcode::WriteWithNotify || op.code == TaOpcode::WriteWithImmediate)) {
    wire_order = s.last ? ExecOrder::So : (o.order == ExecOrder::No ? ExecOrder::Ro : o.order);
  }
  const bool carries_data = code != TaOpcode::Read && code != TaOpcode::PrefetchTgt;
  const std::uint32_t payload_len = is_atomic_request(static_cast<std::uint8_t>(code))
                                        ? 2 * o.length
                                        : (carries_data ? s.length : 0);
  const bool multi = carries_data && !is_atomic_request(static_cast<std::uint8_t>(code)) &&
                     code != TaOpcode::WriteWithBe && code != TaOpcode::WritebackWithBe;
  const std::uint32_t npk = multi && payload_len > mtu ? (payload_len + mtu - 1) / mtu : 1;
  std::vector<TaUnit> units;
  units.reserve(npk);
  for (std::uint32_t k = 0; k < npk; ++k) {
    const std::uint32_t pk_off = k * mtu;
    const std::uint32_t pk_len = npk == 1 ? payload_len : std::min(mtu, payload_len - pk_off);
    TaOpcode pcode = code;
    if (code == TaOpcode::SendWithImmediate && k + 1 < npk) {
      pcode = TaOpcode::Send;
    }
    TaPacket p;
    const std::uint64_t addr = o.uba + s.offset + pk_off;
    if (wire == TaWire::Compact) {
      BtahCompact b;
      b.ta_opcode = static_cast<std::uint8_t>(pcode);
      b.tv_en = o.token_value.has_value() && pcode != TaOpcode::PrefetchTgt; // Table 7-2
      b.ud_flag = o.subop.has_value();
      b.ini_tassn = s.tassn;
      p.base = b;
      MaetahCompact m;
      m.address_63_6 = addr >> 6;
      m.so = o.order == ExecOrder::So;
      m.length =
          compact_length_code(is_atomic_request(static_cast<std::uint8_t>(code)) ? 64 : s.length);
      m.token_id = o.token_id;
      p.ma_compact = m;
    } else {
      Btah b;
      b.ta_opcode = static_cast<std::uint8_t>(pcode);
      b.tv_en = o.token_value.has_value() && pcode != TaOpcode::PrefetchTgt &&
                pcode != TaOpcode::Management;
      b.ud_flag = o.subop.has_value();
      b.ini_tassn = s.tassn;
      b.odr = static_cast<std::uint8_t>(odr_bits(wire_order) |
                                        (ordered_receive(o, op.code) ? odr::kCompletionOrder : 0));
      b.mt_en = pcode == TaOpcode::Send || pcode == TaOpcode::SendWithImmediate ||
                pcode == TaOpcode::WriteWithImmediate;
      b.retry = retry;
      b.alloc = s.alloc;
      b.e_bit = o.e_bit;
      b.ini_rc_type = s.key.rc_type;
      b.ini_rc_id = s.key.rc_id;
      p.base = b;
      const bool taid = wire == TaWire::Taid;
      switch (pcode) {
      case TaOpcode::Send:
      case TaOpcode::SendWithImmediate:
        p.mt = Mtetah{o.hint, 0, static_cast<std::uint8_t>(o.target_group ? 0b10 : 0b00),
                      o.target_jetty};
        p.ofst = Ofstetah{0, pk_off / 1024};
        if (pcode == TaOpcode::SendWithImmediate) {
          p.imm = Immetah{o.immediate, 0, 0};
        }
        break;
      case TaOpcode::Write:
      case TaOpcode::Writeback:
      case TaOpcode::WriteWithBe:
      case TaOpcode::WritebackWithBe:
      case TaOpcode::PrefetchTgt:
        p.ma = Maetah{addr, 0, o.token_id, 0, s.length};
        break;
      case TaOpcode::WriteWithImmediate:
        p.mt = Mtetah{o.hint, 0, static_cast<std::uint8_t>(o.target_group ? 0b10 : 0b00),
                      o.target_jetty};
        p.ma = Maetah{addr, 0, o.token_id, 0, s.length};
        p.imm = Immetah{o.immediate, o.immediate_token_value.value_or(0), o.length};
        break;
      case TaOpcode::WriteWithNotify:
        p.ma = Maetah{addr, 0, o.token_id, 0, s.length};
        p.ntf = Ntfetah{o.notify_uba, 0, o.notify_token_id, 0, o.notify_token_value, o.notify_data};
        break;
      case TaOpcode::Read:
        if (taid) {
          p.taid = Taidetah{0, static_cast<std::uint16_t>(op.seq)};
          p.ofst = Ofstetah{0, static_cast<std::uint32_t>(s.offset / 1024)};
        }
        p.ma = Maetah{addr, 0, o.token_id, 0, s.length};
        break;
      case TaOpcode::AtomicCompareSwap:
      case TaOpcode::AtomicSwap:
      case TaOpcode::AtomicStore:
      case TaOpcode::AtomicLoad:
      case TaOpcode::AtomicFetchAdd:
      case TaOpcode::AtomicFetchSub:
      case TaOpcode::AtomicFetchAnd:
      case TaOpcode::AtomicFetchOr:
      case TaOpcode::AtomicFetchXor:
        if (taid) {
          p.taid = Taidetah{0, static_cast<std::uint16_t>(op.seq)};
        }
        p.ma = Maetah{addr, 0, o.token_id, 0, o.length};
        break;
      case TaOpcode::Management:
        p.mgmt = Mgmtetah{0, 0, false, 0, 0, static_cast<std::uint16_t>(o.length)};
        break;
      case TaOpcode::TransactionAck:
      case TaOpcode::ReadResponse:
      case TaOpcode::AtomicResponse:
        break;
      }
    }
    if (o.subop) {
      p.ud = Udetah{std::uint32_t{*o.subop} << 20};
    }
    const bool tv_allowed = pcode != TaOpcode::PrefetchTgt && pcode != TaOpcode::Management;
    if (o.token_value && tv_allowed) {
      p.tv = Tvetah{*o.token_value};
    }
    if (code == TaOpcode::WriteWithBe || code == TaOpcode::WritebackWithBe) {
      p.be = o.be;
    }
    TaUnit u;
    u.header_bytes = static_cast<std::uint32_t>(ta_header_size(p, wire));
    // Every field was checked at post; an encode failure is a model bug, reported as such (the
    // transport refuses the unit's empty bytes).
    bool encoded = false;
    const std::size_t from = s.offset + pk_off;
    if (pk_len > 0 && op.data && t.shares_payload()) {
      // The payload stays in the op's shared data; the transport reads it when it builds the
      // packet (TaUnit::tail).
      encoded = encode_ta_headers(p, pk_len, wire, u.bytes).has_value();
      u.tail = SharedBytes{op.data, from, pk_len};
    } else {
      if (pk_len > 0) {
        const std::vector<Byte>& data = op.data ? *op.data : o.data;
        p.payload.assign(data.begin() + static_cast<std::ptrdiff_t>(from),
                         data.begin() + static_cast<std::ptrdiff_t>(from + pk_len));
      }
      encoded = encode_ta(p, wire, u.bytes).has_value();
    }
    if (!encoded) {
      u.bytes.clear();
      u.tail = {};
    }
    units.push_back(std::move(u));
  }
  (void)q;
  (void)st;
  return units;
}

void TaInitiator::slice_done(std::uint32_t qid, Op& op, Slice& s, Time now) {
  clear_timer(s);
  if (s.state == SliceState::Done || s.state == SliceState::Failed) {
    return;
  }
  auto qit = queues_.find(qid);
  if (s.state == SliceState::RetryWait) {
    --op.retry_waiting;
    if (qit != queues_.end()) {
      --qit->second.retry_waiting;
    }
  }
  UB_TRANSITION(kSliceMachine, slice_state_name(s.state), "done");
  s.state = SliceState::Done;
  if (qit != queues_.end() && qit->second.inflight > 0 && s.tag != 0) {
    --qit->second.inflight;
  }
  auto sit = streams_.find(stream_key(qid, op.op.target, wire_));
  if (sit != streams_.end()) {
    sit->second.outstanding.erase(s.tassn);
  }
  handles_.erase(s.tag);
  ++op.done;
  if (op.done == op.slices.size()) {
    finish(qid, op, now);
  }
}

// The op fails: slices not yet answered are abandoned (a late answer is counted as unmatched;
// the oracle treats the op's effects as "maybe"). `answered`: the slice whose final answer (or
// ack timeout) fails the op; any other slice still out may yet execute (OpCompleted::abandoned).
void TaInitiator::fail_op(std::uint32_t qid, Op& op, fn::CqeStatus st, Time now,
                          const Slice* answered) {
  if (op.finished) {
    return;
  }
  op.failure = st;
  for (const Slice& s : op.slices) {
    if (s.state == SliceState::Sent && &s != answered) {
      op.abandoned = true;
    }
  }
  auto qit = queues_.find(qid);
  auto sit = streams_.find(stream_key(qid, op.op.target, wire_));
  for (Slice& s : op.slices) {
    if (s.state == SliceState::Done || s.state == SliceState::Failed) {
      continue;
    }
    clear_timer(s);
    if (s.state != SliceState::Waiting) {
      if (qit != queues_.end() && qit->second.inflight > 0) {
        --qit->second.inflight;
      }
      if (sit != streams_.end()) {
        sit->second.outstanding.erase(s.tassn);
        if (s.alloc && sit->second.sc == ScState::Allocating) {
          // MODEL: the Alloc request failed unanswered (ack timeout, transport failure, flush).
          // Its grant may still come, and could not be told from the answer to a new Alloc (an
          // SV = 1 answer names the SCID, not the TASSN): the stream goes on without an SC, as
          // after SV = 0 (ROI rules).
          UB_TRANSITION(kScMachine, "Allocating", "alloc_failed");
          sit->second.sc = ScState::Refused;
        }
      }
      handles_.erase(s.tag);
    }
    if (s.state == SliceState::RetryWait) {
      --op.retry_waiting;
      if (qit != queues_.end()) {
        --qit->second.retry_waiting;
      }
    }
    UB_TRANSITION(kSliceMachine, slice_state_name(s.state), "fail");
    s.state = SliceState::Failed;
  }
  op.unsent = 0;
  finish(qid, op, now);
  if (qit != queues_.end() && qit->second.cfg.on_error == ExceptionMode::Suspend &&
      st != fn::CqeStatus::Flushed) {
    Queue& q = qit->second;
    q.suspended = true;
    for (Op& later : q.ops) {
      if (!later.started && !later.finished) {
        fail_op(qid, later, fn::CqeStatus::Flushed, now);
      }
    }
  }
}

void TaInitiator::finish(std::uint32_t qid, Op& op, Time now) {
  if (op.finished) {
    return;
  }
  op.finished = true;
  op.done_at = now;
  if (auto qit = queues_.find(qid); qit != queues_.end()) {
    if (!qit->second.report_pending) {
      qit->second.report_pending = true;
      reports_due_.push_back(qid);
    }
    qit->second.quiet = false;
  }
  const fn::CqeStatus status = op.failure.value_or(fn::CqeStatus::Success);
  if (status == fn::CqeStatus::Success) {
    ++counters_.completed;
  } else if (status == fn::CqeStatus::Flushed) {
    ++counters_.flushed;
  } else {
    ++counters_.failed;
  }
  if (status != fn::CqeStatus::Success) {
    op.result.clear();
  }
  if (observer_ != nullptr) {
    OpCompleted c;
    c.op = op.op.id;
    c.status = status;
    c.data = op.result;
    c.abandoned = op.abandoned;
    c.t = now;
    observer_->on_completed(c);
  }
  // Completions are reported (and finished ops dropped) by the public entry points once their
  // work is done, never here: callers still hold references to this op. The observer hears of
  // the completion then too, when it becomes visible (report()).
  (void)qid;
}

// Completions leave in post order for comp_order ops, at once for the others (§7.3.2.3).
void TaInitiator::report(std::uint32_t qid, Queue& q, Time now) {
  if (!q.report_pending) {
    return; // nothing finished since the last look: nothing new can be reported
  }
  q.report_pending = false;
  bool earlier_pending = false;
  for (Op& op : q.ops) {
    if (op.reported) {
      continue;
    }
    if (!op.finished || (op.op.comp_order && earlier_pending)) {
      earlier_pending = true;
      continue;
    }
    op.reported = true;
    if (observer_ != nullptr) {
      observer_->on_reported(OpReported{op.op.id, now});
    }
    if (op.op.complete || op.failure) {
      Completion c;
      c.id = op.op.id;
      c.queue = qid;
      c.status = op.failure.value_or(fn::CqeStatus::Success);
      c.data = std::move(op.result);
      c.persisted = op.persisted;
      c.posted = op.posted;
      c.done = op.done_at;
      completions_.push_back(std::move(c));
    }
  }
  while (!q.ops.empty() && q.ops.front().reported) {
    q.ops.pop_front();
  }
}

void TaInitiator::apply_outcome(std::uint64_t tag, const TaOutcome& o,
                                const std::vector<TaPacket>* data, Time now) {
  std::uint32_t qid = 0;
  Op* op = nullptr;
  Slice* s = find_slice(tag, &qid, &op);
  if (s == nullptr || s->state != SliceState::Sent) {
    ++counters_.unmatched; // late, duplicate, or for an op that already failed
    return;
  }
  if (const auto* d = std::get_if<Done>(&o)) {
    if (!d->persisted) {
      op->persisted = false;
    }
    if (data != nullptr && op->code == TaOpcode::Read) {
      // Packet after packet from the slice's offset: the answer was matched to its slice by
      // INI_TASSN, and a slice's packets arrive in order. MODEL: OFSTETAH (1 KiB units, §7.2.7)
      // cannot name a slice or packet that does not start on a KiB boundary (a slice or MTU
      // below 1 KiB, or not a multiple of it), so it is not used to place.
      std::uint64_t at = s->offset;
      std::uint64_t got = 0;
      for (const TaPacket& p : *data) {
        const std::span<const Byte> bytes = p.payload_view();
        if (at + bytes.size() > op->result.size() || got + bytes.size() > s->length) {
          fail_op(qid, *op, fn::CqeStatus::RemoteResponseLength, now, s);
          return;
        }
        std::copy(bytes.begin(), bytes.end(), op->result.begin() + static_cast<std::ptrdiff_t>(at));
        at += bytes.size();
        got += bytes.size();
      }
      if (got != s->length) {
        fail_op(qid, *op, fn::CqeStatus::RemoteResponseLength, now, s);
        return;
      }
    } else if (data != nullptr && is_atomic_request(static_cast<std::uint8_t>(op->code))) {
      const std::size_t want = op->code == TaOpcode::AtomicStore ? 0 : op->op.length;
      const std::size_t have = data->empty() ? 0 : data->front().payload_view().size();
      if (have != want) {
        fail_op(qid, *op, fn::CqeStatus::RemoteResponseLength, now, s);
        return;
      }
      if (want > 0) {
        const std::span<const Byte> bytes = data->front().payload_view();
        op->result.assign(bytes.begin(), bytes.end());
      }
    }
    slice_done(qid, *op, *s, now);
    return;
  }
  if (const auto* r = std::get_if<Retry>(&o)) {
    clear_timer(*s);
    if (s->retries >= cfg_.retry_limit) {
      fail_op(qid, *op, fn::CqeStatus::TransactionRetryExceeded, now, s);
      return;
    }
    ++s->retries;
    UB_TRANSITION(kSliceMachine, slice_state_name(s->state), "retry");
    s->state = SliceState::RetryWait;
    ++op->retry_waiting;
    if (auto qit = queues_.find(qid); qit != queues_.end()) {
      ++qit->second.retry_waiting;
    }
    s->retry_at = now + r->after;
    set_timer(*s, s->retry_at);
    return;
  }
  fail_op(qid, *op, std::get<Fail>(o).status, now, s);
}

void TaInitiator::report_all(Time now) {
  dirty_ = true;
  // Only queues where an op finished can report; in queue order, as a walk of every queue
  // would (a queue reported directly since then is listed but has nothing pending).
  if (reports_due_.empty()) {
    return;
  }
  std::vector<std::uint32_t> due;
  due.swap(reports_due_);
  std::sort(due.begin(), due.end());
  due.erase(std::unique(due.begin(), due.end()), due.end());
  for (const std::uint32_t qid : due) {
    if (const auto it = queues_.find(qid); it != queues_.end()) {
      report(qid, it->second, now);
    }
  }
  if (reports_due_.empty()) {
    due.clear();
    reports_due_.swap(due); // keep the capacity
  }
}

void TaInitiator::on_response(PeerId peer, const std::vector<TaPacket>& packets, Time now) {
  handle_response(peer, packets, now);
  report_all(now);
}

void TaInitiator::handle_response(PeerId peer, const std::vector<TaPacket>& packets, Time now) {
  if (packets.empty()) {
    ++counters_.malformed;
    return;
  }
  ++counters_.responses;
  const TaPacket& first = packets.front();
  if (const auto* a = std::get_if<Atah>(&first.base)) {
    const std::uint32_t qid = a->ini_rc_id;
    auto sit = streams_.find({qid, peer});
    if (sit == streams_.end()) {
      ++counters_.unmatched;
      return;
    }
    Stream& st = sit->second;
    const TaOutcome outcome = classify_atah(a->rspst, a->rspinfo);
    if (st.sc == ScState::Allocating || a->sv) {
      // The answer to the Alloc request (§7.3.3.3): SV = 1 grants the SCID in INI_TASSN, so the
      // request is found by its queue, not by its TASSN (there is one Alloc per stream). A retry
      // of the Alloc request is answered so too, after the SC was granted.
      std::uint32_t aq = 0;
      Op* aop = nullptr;
      Slice* as = find_slice(st.alloc_tag, &aq, &aop);
      if (as != nullptr && as->alloc && as->state == SliceState::Sent &&
          (a->sv || a->ini_tassn == as->tassn)) {
        if (st.sc == ScState::Allocating && a->sv) {
          UB_TRANSITION(kScMachine, "Allocating", "grant");
          st.sc = ScState::Granted;
          st.scid = a->ini_tassn;
          ++counters_.sc_granted;
        } else if (st.sc == ScState::Allocating) {
          UB_TRANSITION(kScMachine, "Allocating", "refuse");
          st.sc = ScState::Refused; // the stream falls back to ROI
          ++counters_.sc_refused;
        }
        apply_outcome(st.alloc_tag, outcome, &packets, now);
        return;
      }
      if (a->sv) {
        // A grant no Alloc request of this stream waits for: the late answer to one that failed
        // unanswered. Its INI_TASSN is an SCID, never a TASSN to match.
        ++counters_.unmatched;
        return;
      }
    }
    const auto* done = std::get_if<Done>(&outcome);
    const std::uint8_t extra =
        (a->ta_opcode == static_cast<std::uint8_t>(TaOpcode::TransactionAck) && done != nullptr)
            ? static_cast<std::uint8_t>(a->rspinfo & 0x1F)
            : 0;
    if (extra > 0) {
      counters_.taack_coalesced += extra;
    }
    // A coalesced TAACK answers INI_TASSN .. INI_TASSN + RSPINFO (Table 7-3).
    for (std::uint32_t k = 0; k <= extra; ++k) {
      const std::uint16_t t = tassn_add(a->ini_tassn, k);
      auto oit = st.outstanding.find(t);
      if (oit == st.outstanding.end()) {
        ++counters_.unmatched;
        continue;
      }
      apply_outcome(oit->second, outcome, &packets, now);
    }
    return;
  }
  if (const auto* c = std::get_if<AtahCompact>(&first.base)) {
    auto sit = streams_.find({kCompactStreamQueue, peer});
    if (sit == streams_.end()) {
      ++counters_.unmatched;
      return;
    }
    auto oit = sit->second.outstanding.find(c->ini_tassn);
    if (oit == sit->second.outstanding.end()) {
      ++counters_.unmatched;
      return;
    }
    apply_outcome(oit->second, classify_compact(c->status), &packets, now);
    return;
  }
  ++counters_.malformed; // a request form where an answer was expected
}

void TaInitiator::on_tx_event(const TaTxEvent& e, Time now) {
  handle_tx_event(e, now);
  report_all(now);
}

void TaInitiator::handle_tx_event(const TaTxEvent& e, Time now) {
  std::uint32_t qid = 0;
  Op* op = nullptr;
  Slice* s = find_slice(e.tag, &qid, &op);
  if (s == nullptr || s->state != SliceState::Sent) {
    return; // answered already (UNO, or an ATAH came first)
  }
  switch (e.kind) {
  case TaTxEvent::Kind::Delivered:
    return; // the answer comes from the target's TA
  case TaTxEvent::Kind::Status: {
    ++counters_.tp_statuses;
    TaOutcome o = classify_tp_status(e.verdict);
    if (std::holds_alternative<Done>(o) && (is_read_like(op->code) || s->alloc)) {
      return; // X10: a Read / Atomic waits for its data, an Alloc request for its SV (ATAH)
    }
    if (auto* r = std::get_if<Retry>(&o)) {
      if (e.retry_after > Time{0}) {
        r->after = e.retry_after;
      }
    }
    apply_outcome(e.tag, o, nullptr, now);
    return;
  }
  case TaTxEvent::Kind::Failed:
    fail_op(qid, *op, fn::CqeStatus::TransactionAckTimeout, now);
    return;
  }
}

Time TaInitiator::next_timeout() const noexcept {
  return timers_.empty() ? kNever : timers_.begin()->first;
}

void TaInitiator::on_timeout(Time now) {
  while (!timers_.empty() && timers_.begin()->first <= now) {
    const std::uint64_t tag = timers_.begin()->second;
    timers_.erase(timers_.begin());
    std::uint32_t qid = 0;
    Op* op = nullptr;
    Slice* s = find_slice(tag, &qid, &op);
    if (s == nullptr) {
      continue;
    }
    s->timer = kNever;
    if (s->state == SliceState::Sent) {
      // No answer in time: the transaction fails (the TA does not retransmit, §7.3.1.1).
      ++counters_.timeouts;
      fail_op(qid, *op, fn::CqeStatus::TransactionAckTimeout, now, s);
    }
    // RetryWait: due now; pump() resends it.
  }
  report_all(now);
}

std::size_t TaInitiator::pending_ops() const noexcept {
  std::size_t n = 0;
  for (const auto& [id, q] : queues_) {
    n += q.ops.size();
  }
  return n;
}

bool TaInitiator::idle() const noexcept {
  return pending_ops() == 0 && completions_.empty();
}

} // namespace ub::ta

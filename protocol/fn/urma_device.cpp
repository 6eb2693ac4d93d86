// The function layer of one device (urma_device.hpp).

#include "protocol/fn/urma_device.hpp"

#include <algorithm>

#include "protocol/fn/fn_machines.hpp"

namespace ub::fn {

std::string_view to_string(WrOpcode op) noexcept {
  switch (op) {
  case WrOpcode::Write:
    return "write";
  case WrOpcode::WriteImm:
    return "write_imm";
  case WrOpcode::WriteNotify:
    return "write_notify";
  case WrOpcode::Read:
    return "read";
  case WrOpcode::Cas:
    return "cas";
  case WrOpcode::Swap:
    return "swap";
  case WrOpcode::FetchAdd:
    return "fetch_add";
  case WrOpcode::FetchSub:
    return "fetch_sub";
  case WrOpcode::FetchAnd:
    return "fetch_and";
  case WrOpcode::FetchOr:
    return "fetch_or";
  case WrOpcode::FetchXor:
    return "fetch_xor";
  case WrOpcode::Send:
    return "send";
  case WrOpcode::SendImm:
    return "send_imm";
  case WrOpcode::SendInvalidate:
    return "send_invalidate";
  case WrOpcode::Nop:
    return "nop";
  case WrOpcode::WriteBe:
    return "write_be";
  case WrOpcode::AtomicStore:
    return "atomic_store";
  case WrOpcode::AtomicLoad:
    return "atomic_load";
  case WrOpcode::Writeback:
    return "writeback";
  case WrOpcode::WritebackBe:
    return "writeback_be";
  case WrOpcode::Prefetch:
    return "prefetch";
  }
  return "?";
}

std::string_view to_string(WrError e) noexcept {
  switch (e) {
  case WrError::NoSuchJetty:
    return "no such jetty";
  case WrError::WrongKind:
    return "wrong jetty kind";
  case WrError::BadState:
    return "jetty in reset or error";
  case WrError::NotBound:
    return "one-to-one jetty names another peer";
  case WrError::UnsupportedOpcode:
    return "unsupported opcode";
  case WrError::LocalLength:
    return "local length error";
  case WrError::ModeNotAllowed:
    return "opcode not allowed in this service mode";
  case WrError::TransportRefuses:
    return "the transport cannot carry it";
  }
  return "?";
}

std::string_view to_string(JettyState s) noexcept {
  switch (s) {
  case JettyState::Reset:
    return "reset";
  case JettyState::Ready:
    return "ready";
  case JettyState::Suspend:
    return "suspend";
  case JettyState::Error:
    return "error";
  }
  return "?";
}

std::string_view to_string(LsError e) noexcept {
  switch (e) {
  case LsError::NoMapping:
    return "no decoder entry for the address";
  case LsError::Busy:
    return "too many outstanding accesses";
  case LsError::NotExpressible:
    return "not expressible over this transport";
  case LsError::Refused:
    return "refused by the transaction layer";
  }
  return "?";
}

namespace {

Error ctl_error(std::string_view field, std::string_view reason, std::uint64_t v,
                std::string_view clause = "§8.2.2") {
  return Error{Errc::NotAllowed, 0, "function layer", field, reason, clause}.with_value(v);
}

// The TAOpcode of a work request (0x02 for SEND_INVALIDATE: reserved, refused at post).
std::optional<std::uint8_t> ta_code(WrOpcode op) noexcept {
  using ta::TaOpcode;
  auto c = [](TaOpcode o) { return static_cast<std::uint8_t>(o); };
  switch (op) {
  case WrOpcode::Write:
    return c(TaOpcode::Write);
  case WrOpcode::WriteImm:
    return c(TaOpcode::WriteWithImmediate);
  case WrOpcode::WriteNotify:
    return c(TaOpcode::WriteWithNotify);
  case WrOpcode::Read:
    return c(TaOpcode::Read);
  case WrOpcode::Cas:
    return c(TaOpcode::AtomicCompareSwap);
  case WrOpcode::Swap:
    return c(TaOpcode::AtomicSwap);
  case WrOpcode::FetchAdd:
    return c(TaOpcode::AtomicFetchAdd);
  case WrOpcode::FetchSub:
    return c(TaOpcode::AtomicFetchSub);
  case WrOpcode::FetchAnd:
    return c(TaOpcode::AtomicFetchAnd);
  case WrOpcode::FetchOr:
    return c(TaOpcode::AtomicFetchOr);
  case WrOpcode::FetchXor:
    return c(TaOpcode::AtomicFetchXor);
  case WrOpcode::Send:
    return c(TaOpcode::Send);
  case WrOpcode::SendImm:
    return c(TaOpcode::SendWithImmediate);
  case WrOpcode::SendInvalidate:
    return std::uint8_t{0x02};
  case WrOpcode::Nop:
    return std::nullopt;
  case WrOpcode::WriteBe:
    return c(TaOpcode::WriteWithBe);
  case WrOpcode::AtomicStore:
    return c(TaOpcode::AtomicStore);
  case WrOpcode::AtomicLoad:
    return c(TaOpcode::AtomicLoad);
  case WrOpcode::Writeback:
    return c(TaOpcode::Writeback);
  case WrOpcode::WritebackBe:
    return c(TaOpcode::WritebackWithBe);
  case WrOpcode::Prefetch:
    return c(TaOpcode::PrefetchTgt);
  }
  return std::nullopt;
}

WrError wr_error(ta::PostError e) noexcept {
  switch (e) {
  case ta::PostError::UnsupportedOpcode:
    return WrError::UnsupportedOpcode;
  case ta::PostError::LocalLength:
    return WrError::LocalLength;
  case ta::PostError::ModeNotAllowed:
    return WrError::ModeNotAllowed;
  case ta::PostError::TransportRefuses:
    return WrError::TransportRefuses;
  case ta::PostError::QueueState:
    return WrError::BadState;
  case ta::PostError::UnknownQueue:
    return WrError::NoSuchJetty;
  }
  return WrError::UnsupportedOpcode;
}

// The compact form's largest block: 64 B x 2^7 (§7.2.3, design reading X29).
constexpr std::uint64_t kMaxCompactBlock = 8192;

std::uint32_t compact_block(std::uint64_t n) noexcept {
  std::uint32_t len = 64;
  while (len < n && len < kMaxCompactBlock) {
    len *= 2;
  }
  return len;
}

} // namespace

UrmaDevice::UrmaDevice(std::unique_ptr<ta::TaTransport> transport, const ta::EndpointConfig& cfg,
                       ta::TxnObserver* observer)
    : ep_(std::move(transport), cfg, observer),
      // Op ids name requests to the observer, and one observer (the oracle) may watch several
      // devices: each device numbers its ops in a range of its own, keyed by its PeerId.
      next_op_((std::uint64_t{ep_.transport().self()} << 40U) + 1) {}

Result<JfcId> UrmaDevice::create_jfc(std::uint32_t depth) {
  if (depth == 0) {
    return make_unexpected(ctl_error("depth", "a JFC holds at least one CQE", 0, "§8.2.2.1"));
  }
  const JfcId id = next_jfc_++;
  jfcs_[id].depth = depth;
  return id;
}

Result<JettyId> UrmaDevice::create_jetty(const JettyConfig& cfg) {
  const bool sends = cfg.kind != JettyKind::Jfr;
  const bool receives = cfg.kind != JettyKind::Jfs;
  if ((sends && jfcs_.count(cfg.send_jfc) == 0) || (receives && jfcs_.count(cfg.recv_jfc) == 0)) {
    return make_unexpected(ctl_error("jfc", "no such JFC", sends ? cfg.send_jfc : cfg.recv_jfc));
  }
  if (cfg.bound && cfg.kind != JettyKind::Standard) {
    return make_unexpected(
        ctl_error("bound", "only a standard Jetty is one-to-one (§8.2.2.2)", 0, "§8.2.2.2"));
  }
  const JettyId id = next_jetty_++;
  if (sends) {
    ta::QueueConfig qc;
    qc.mode = cfg.mode;
    qc.on_error = cfg.on_error;
    qc.static_sc = cfg.static_sc;
    if (auto s = ep_.initiator().add_queue(id, qc); !s) {
      return make_unexpected(s.error());
    }
    ep_.initiator().suspend_queue(id); // Reset: nothing is scheduled
  }
  if (receives) {
    if (auto s = ep_.target().add_receive_queue(id, ta::ReceiveQueueConfig{cfg.token}); !s) {
      return make_unexpected(s.error());
    }
    (void)ep_.target().set_receive_enabled(id, false); // Reset drops requests
  }
  jettys_[id] = Jetty{cfg, JettyState::Reset};
  return id;
}

Result<JettyId> UrmaDevice::create_jetty_group(std::vector<JettyId> members,
                                               ta::GroupPolicy policy) {
  for (JettyId m : members) {
    auto it = jettys_.find(m);
    if (it == jettys_.end() || it->second.cfg.kind == JettyKind::Jfs) {
      return make_unexpected(ctl_error("members", "a member must be a Jetty or JFR", m));
    }
  }
  const JettyId id = next_jetty_++;
  if (auto s = ep_.target().add_receive_group(id, std::move(members), policy); !s) {
    return make_unexpected(s.error());
  }
  return id;
}

std::optional<JettyState> UrmaDevice::state(JettyId j) const {
  auto it = jettys_.find(j);
  if (it == jettys_.end()) {
    return std::nullopt;
  }
  return it->second.state;
}

Status UrmaDevice::modify(JettyId j, JettyState to, Time now) {
  auto it = jettys_.find(j);
  if (it == jettys_.end()) {
    return make_unexpected(ctl_error("jetty", "no such Jetty", j));
  }
  Jetty& jt = it->second;
  const JettyState from = jt.state;
  auto allowed = [&] {
    if (from == to || to == JettyState::Reset) {
      return true;
    }
    switch (from) {
    case JettyState::Reset:
      return to == JettyState::Ready;
    case JettyState::Ready:
      return to == JettyState::Suspend || to == JettyState::Error;
    case JettyState::Suspend:
      return to == JettyState::Ready || to == JettyState::Error;
    case JettyState::Error:
      return false; // only back to Reset
    }
    return false;
  };
  if (!allowed()) {
    return make_unexpected(ctl_error("state", "transition not in the Jetty state machine",
                                     static_cast<std::uint64_t>(to), "§8.2.2.3"));
  }
  const bool sends = jt.cfg.kind != JettyKind::Jfr;
  const bool receives = jt.cfg.kind != JettyKind::Jfs;
  switch (to) {
  case JettyState::Ready:
    UB_TRANSITION(kJettyMachine, to_string(from), "modify_ready");
    if (sends) {
      ep_.initiator().resume_queue(j);
    }
    if (receives) {
      (void)ep_.target().set_receive_enabled(j, true);
    }
    break;
  case JettyState::Suspend:
    UB_TRANSITION(kJettyMachine, to_string(from), "modify_suspend");
    if (sends) {
      ep_.initiator().suspend_queue(j);
    }
    break;
  case JettyState::Reset:
  case JettyState::Error:
    // Every outstanding request reports before the Jetty leaves Error (§8.2.2.3): flush them.
    UB_TRANSITION(kJettyMachine, to_string(from),
                  to == JettyState::Reset ? "modify_reset" : "modify_error");
    if (sends) {
      ep_.initiator().flush_queue(j, now);
    }
    if (receives) {
      (void)ep_.target().set_receive_enabled(j, false);
    }
    break;
  }
  jt.state = to;
  collect(now);
  return {};
}

Expected<void, WrError> UrmaDevice::post_send(JettyId j, const WorkRequest& wr, Time now) {
  auto it = jettys_.find(j);
  if (it == jettys_.end()) {
    return make_unexpected(WrError::NoSuchJetty);
  }
  Jetty& jt = it->second;
  if (jt.cfg.kind == JettyKind::Jfr) {
    return make_unexpected(WrError::WrongKind);
  }
  if (jt.state == JettyState::Reset || jt.state == JettyState::Error) {
    return make_unexpected(WrError::BadState);
  }
  const bool message = wr.opcode == WrOpcode::Send || wr.opcode == WrOpcode::SendImm ||
                       wr.opcode == WrOpcode::SendInvalidate || wr.opcode == WrOpcode::WriteImm;
  const ta::PeerId peer = (wr.opcode == WrOpcode::Send || wr.opcode == WrOpcode::SendImm ||
                           wr.opcode == WrOpcode::SendInvalidate)
                              ? wr.jetty.eid
                              : wr.seg.eid;
  if (jt.cfg.bound && (peer != jt.cfg.bound->eid || (message && wr.jetty.id != jt.cfg.bound->id))) {
    return make_unexpected(WrError::NotBound);
  }
  const std::uint64_t id = next_op_++;
  if (wr.opcode == WrOpcode::Nop) {
    // MODEL: a NOP completes at once, without a transaction.
    ++counters_.nops;
    if (wr.complete_enable) {
      Cqe c;
      c.opcode = wr.opcode;
      c.user_ctx = wr.user_ctx;
      c.local_jetty = j;
      push_cqe(jt.cfg.send_jfc, std::move(c));
    }
    return {};
  }
  ta::TxnOp op;
  op.id = id;
  op.opcode = *ta_code(wr.opcode);
  op.order = wr.place_order == PlaceOrder::Strong    ? ta::ExecOrder::So
             : wr.place_order == PlaceOrder::Relaxed ? ta::ExecOrder::Ro
                                                     : ta::ExecOrder::No;
  op.fence = wr.fence;
  op.comp_order = wr.comp_order;
  op.target_order = wr.comp_order;
  // The transaction layer reports every op here (complete = true), so that the device learns
  // when an unsignalled request finished and forgets it; the CQE itself is written only when the
  // request asked for one or failed (§8.2.2, complete_enable).
  op.complete = true;
  op.target = peer;
  op.token_id = wr.seg.token_id;
  op.uba = wr.seg.uba + wr.offset;
  op.length = wr.length;
  op.data = wr.data;
  op.subop = wr.subop;
  op.be = wr.be;
  op.immediate = wr.imm;
  op.hint = wr.hint;
  if (message) {
    op.target_jetty = wr.jetty.id;
    op.target_group = wr.jetty.group;
    if (wr.opcode == WrOpcode::WriteImm) {
      op.token_value = wr.seg.token_value;
      op.immediate_token_value = wr.jetty.token;
    } else {
      op.token_value = wr.jetty.token;
    }
  } else {
    op.token_value = wr.seg.token_value;
  }
  if (wr.opcode == WrOpcode::WriteNotify) {
    op.notify_uba = wr.notify_seg.uba + wr.notify_offset;
    op.notify_token_id = wr.notify_seg.token_id;
    op.notify_token_value = wr.notify_seg.token_value.value_or(0);
    op.notify_data = wr.notify_data;
  }
  if (auto r = ep_.post(j, op, now); !r) {
    return make_unexpected(wr_error(r.error()));
  }
  pending_[id] = PendingWr{j, wr.opcode, wr.user_ctx, wr.complete_enable, peer, wr.length};
  return {};
}

Status UrmaDevice::post_recv(JettyId j, std::uint32_t capacity) {
  auto it = jettys_.find(j);
  if (it == jettys_.end() || it->second.cfg.kind == JettyKind::Jfs) {
    return make_unexpected(ctl_error("jetty", "no receive queue on this Jetty", j));
  }
  return ep_.target().post_receive(j, capacity);
}

void UrmaDevice::push_cqe(JfcId c, Cqe cqe) {
  auto it = jfcs_.find(c);
  if (it == jfcs_.end()) {
    return;
  }
  if (it->second.cqes.size() >= it->second.depth) {
    ++counters_.jfc_overflows;
    raise(AsyncEvent{AsyncEvent::Kind::JfcOverflow, cqe.local_jetty, c});
    return;
  }
  ++counters_.cqes;
  it->second.cqes.push_back(std::move(cqe));
}

void UrmaDevice::raise(AsyncEvent e) {
  ++counters_.async_events;
  async_.push_back(e);
}

void UrmaDevice::collect(Time now) {
  (void)now;
  while (auto c = ep_.poll_completion()) {
    if (c->queue == kLsQueue && ls_) {
      auto lit = ls_pending_.find(c->id);
      if (lit == ls_pending_.end()) {
        continue;
      }
      LsCompletion done;
      done.ticket = lit->second.ticket;
      done.status = c->status;
      if (c->status == CqeStatus::Success && !c->data.empty()) {
        const std::uint64_t from = std::min<std::uint64_t>(lit->second.skip, c->data.size());
        const std::uint64_t to = std::min<std::uint64_t>(from + lit->second.n, c->data.size());
        done.data.assign(c->data.begin() + static_cast<std::ptrdiff_t>(from),
                         c->data.begin() + static_cast<std::ptrdiff_t>(to));
      }
      ls_pending_.erase(lit);
      ls_done_.push_back(std::move(done));
      continue;
    }
    auto pit = pending_.find(c->id);
    if (pit == pending_.end()) {
      continue;
    }
    const PendingWr w = pit->second;
    pending_.erase(pit);
    if (!w.complete_enable && c->status == CqeStatus::Success) {
      continue; // unsignalled and successful: no CQE
    }
    auto jit = jettys_.find(w.jetty);
    if (jit == jettys_.end()) {
      continue;
    }
    Jetty& jt = jit->second;
    Cqe cqe;
    cqe.status = c->status;
    cqe.opcode = w.opcode;
    cqe.user_ctx = w.user_ctx;
    cqe.byte_len = c->status == CqeStatus::Success ? w.length : 0;
    cqe.local_jetty = w.jetty;
    cqe.remote = w.remote;
    cqe.data = std::move(c->data);
    const bool failed = c->status != CqeStatus::Success && c->status != CqeStatus::Flushed;
    push_cqe(jt.cfg.send_jfc, std::move(cqe));
    if (failed && jt.cfg.on_error == ta::ExceptionMode::Suspend && jt.state == JettyState::Ready) {
      UB_TRANSITION(kJettyMachine, to_string(jt.state), "request_failed");
      jt.state = JettyState::Suspend; // exception mode suspend (§8.2.2.3)
      // The initiator stopped the queue when the request failed, but a modify to Ready since
      // (the failure waited to be reported behind an earlier request) may have resumed it:
      // the Jetty the user sees in Suspend schedules nothing new.
      if (jt.cfg.kind != JettyKind::Jfr) {
        ep_.initiator().suspend_queue(w.jetty);
      }
      raise(AsyncEvent{AsyncEvent::Kind::JettySuspended, w.jetty, 0});
    }
  }
  while (auto r = ep_.target().poll_receive()) {
    auto jit = jettys_.find(r->jetty);
    if (jit == jettys_.end()) {
      continue;
    }
    Cqe cqe;
    cqe.status = r->status;
    cqe.recv = true;
    cqe.opcode = r->opcode == ta::TaOpcode::SendWithImmediate    ? WrOpcode::SendImm
                 : r->opcode == ta::TaOpcode::WriteWithImmediate ? WrOpcode::WriteImm
                                                                 : WrOpcode::Send;
    cqe.byte_len = r->length;
    cqe.local_jetty = r->jetty;
    cqe.remote = r->key.initiator;
    cqe.imm = r->immediate;
    ++counters_.recv_cqes;
    push_cqe(jit->second.cfg.recv_jfc, std::move(cqe));
  }
}

std::optional<Cqe> UrmaDevice::poll_jfc(JfcId c) {
  auto it = jfcs_.find(c);
  if (it == jfcs_.end() || it->second.cqes.empty()) {
    return std::nullopt;
  }
  Cqe cqe = std::move(it->second.cqes.front());
  it->second.cqes.pop_front();
  return cqe;
}

std::optional<AsyncEvent> UrmaDevice::poll_async() {
  if (async_.empty()) {
    return std::nullopt;
  }
  AsyncEvent e = async_.front();
  async_.pop_front();
  return e;
}

// ---- load / store ----

Status UrmaDevice::add_decoder_entry(const DecoderEntry& e) {
  if (e.size == 0) {
    return make_unexpected(ctl_error("size", "an empty decoder range", 0, "§9.5"));
  }
  for (const DecoderEntry& d : decoder_) {
    if (e.pa < d.pa + d.size && d.pa < e.pa + e.size) {
      return make_unexpected(ctl_error("pa", "overlaps another decoder range", e.pa, "§9.5"));
    }
  }
  decoder_.push_back(e);
  return {};
}

Status UrmaDevice::enable_load_store(const LsConfig& cfg) {
  if (ls_) {
    return make_unexpected(ctl_error("load_store", "already enabled", 0, "§8.3"));
  }
  ta::QueueConfig qc;
  qc.mode = cfg.mode;
  qc.on_error = ta::ExceptionMode::Continue; // every access reports to its core
  if (auto s = ep_.initiator().add_queue(kLsQueue, qc); !s) {
    return s;
  }
  ls_ = cfg;
  return {};
}

std::optional<std::pair<RemoteSegment, std::uint64_t>> UrmaDevice::decode(std::uint64_t pa,
                                                                          std::uint64_t n) const {
  for (const DecoderEntry& d : decoder_) {
    if (pa >= d.pa && pa + n <= d.pa + d.size) {
      return std::make_pair(d.seg, d.seg.uba + (pa - d.pa));
    }
  }
  return std::nullopt;
}

Expected<std::uint64_t, LsError> UrmaDevice::ls_post(ta::TxnOp op, LsOp meta, Time now) {
  if (!ls_) {
    return make_unexpected(LsError::Refused);
  }
  if (ls_pending_.size() >= ls_->max_outstanding) {
    return make_unexpected(LsError::Busy);
  }
  op.id = next_op_++;
  meta.ticket = next_ticket_++;
  if (auto r = ep_.post(kLsQueue, op, now); !r) {
    return make_unexpected(LsError::Refused);
  }
  ls_pending_[op.id] = meta;
  return meta.ticket;
}

Expected<std::uint64_t, LsError> UrmaDevice::load(std::uint64_t pa, std::uint32_t n,
                                                  ta::ExecOrder order, Time now) {
  const bool compact = ep_.transport().wire() == ta::TaWire::Compact;
  std::uint64_t start = pa;
  std::uint64_t len = n;
  if (compact) {
    // The enclosing 64 B x 2^L block (§7.2.3): aligned to 64, a power-of-two multiple of 64.
    start = pa & ~std::uint64_t{63};
    if (pa + n - start > kMaxCompactBlock) {
      // No compact read covers it (the largest block is 8 KiB): refused, not cut short.
      return make_unexpected(LsError::NotExpressible);
    }
    len = compact_block(pa + n - start);
  }
  auto d = decode(start, len);
  if (!d) {
    return make_unexpected(LsError::NoMapping);
  }
  ta::TxnOp op;
  op.opcode = static_cast<std::uint8_t>(ta::TaOpcode::Read);
  op.order = order;
  op.target = d->first.eid;
  op.token_id = d->first.token_id;
  op.token_value = d->first.token_value;
  op.uba = d->second;
  op.length = static_cast<std::uint32_t>(len);
  LsOp meta;
  meta.skip = pa - start;
  meta.n = n;
  return ls_post(std::move(op), meta, now);
}

Expected<std::uint64_t, LsError> UrmaDevice::store(std::uint64_t pa, std::vector<Byte> bytes,
                                                   ta::ExecOrder order, Time now) {
  const bool compact = ep_.transport().wire() == ta::TaWire::Compact;
  const std::uint64_t n = bytes.size();
  ta::TxnOp op;
  op.order = order;
  std::uint64_t start = pa;
  std::uint64_t len = n;
  op.opcode = static_cast<std::uint8_t>(ta::TaOpcode::Write);
  if (compact) {
    start = pa & ~std::uint64_t{63};
    len = compact_block(pa + n - start);
    if (start != pa || len != n) {
      // A partial block: Write_with_be over the enclosing block, BE = the stored bytes (X29).
      if (len > 1024) {
        return make_unexpected(LsError::NotExpressible);
      }
      ta::Beetah be;
      be.width_bits = static_cast<std::uint16_t>(ta::be_width_for_length(len));
      std::vector<Byte> block(len, Byte{0});
      for (std::uint64_t i = 0; i < n; ++i) {
        block[pa - start + i] = bytes[i];
        be.set_enabled(pa - start + i);
      }
      op.opcode = static_cast<std::uint8_t>(ta::TaOpcode::WriteWithBe);
      op.be = be;
      bytes = std::move(block);
    }
  }
  auto d = decode(start, len);
  if (!d) {
    return make_unexpected(LsError::NoMapping);
  }
  op.target = d->first.eid;
  op.token_id = d->first.token_id;
  op.token_value = d->first.token_value;
  op.uba = d->second;
  op.length = static_cast<std::uint32_t>(len);
  op.data = std::move(bytes);
  return ls_post(std::move(op), LsOp{}, now);
}

Expected<std::uint64_t, LsError> UrmaDevice::atomic(std::uint64_t pa, ta::TaOpcode code,
                                                    std::vector<Byte> operands, std::uint32_t size,
                                                    Time now) {
  if (ep_.transport().wire() == ta::TaWire::Compact && size != 64) {
    return make_unexpected(LsError::NotExpressible); // compact Length code 0 only (X29)
  }
  auto d = decode(pa, size);
  if (!d) {
    return make_unexpected(LsError::NoMapping);
  }
  ta::TxnOp op;
  op.opcode = static_cast<std::uint8_t>(code);
  op.order = ta::ExecOrder::So;
  op.target = d->first.eid;
  op.token_id = d->first.token_id;
  op.token_value = d->first.token_value;
  op.uba = d->second;
  op.length = size;
  op.data = std::move(operands);
  LsOp meta;
  meta.n = size;
  return ls_post(std::move(op), meta, now);
}

std::optional<LsCompletion> UrmaDevice::poll_ls() {
  if (ls_done_.empty()) {
    return std::nullopt;
  }
  LsCompletion c = std::move(ls_done_.front());
  ls_done_.pop_front();
  return c;
}

// ---- network side ----

void UrmaDevice::on_receive(const ta::NetPacket& p, Time now) {
  ep_.on_receive(p, now);
  collect(now);
}

std::optional<ta::NetPacket> UrmaDevice::poll_transmit(Time now) {
  auto p = ep_.poll_transmit(now);
  collect(now);
  return p;
}

void UrmaDevice::on_timeout(Time now) {
  ep_.on_timeout(now);
  collect(now);
}

} // namespace ub::fn

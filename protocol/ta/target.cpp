// The target engine (target.hpp). UB-Base-2.0 §7.3, §7.4, §9.4; readings in
// docs/spec-coverage.md (A-135..A-139).

#include "protocol/ta/target.hpp"

#include <algorithm>

#include "protocol/ta/ta_status.hpp"
#include "protocol/ta/tassn.hpp"
#include "protocol/ta/txn_op.hpp"

namespace ub::ta {

namespace {

ExecOrder order_of(std::uint8_t odr_field) noexcept {
  switch (odr_field & 0b11U) {
  case odr::kRo:
    return ExecOrder::Ro;
  case odr::kSo:
    return ExecOrder::So;
  default:
    return ExecOrder::No; // 11 is reserved: treated as NO (MODEL)
  }
}

bool is_rnr_like(std::uint8_t rspst) noexcept {
  return rspst == ta_rspst::kRnr || rspst == ta_rspst::kPageFault;
}

std::vector<Byte> le64(std::uint64_t v) {
  std::vector<Byte> b(8);
  for (std::size_t i = 0; i < 8; ++i) {
    b[i] = static_cast<Byte>(v >> (8 * i));
  }
  return b;
}

} // namespace

TaTarget::TaTarget(PeerId self, TargetConfig cfg, TxnObserver* observer)
    : self_(self), cfg_(cfg), observer_(observer) {
  cfg_.taack_coalesce = std::clamp<std::uint8_t>(cfg_.taack_coalesce, 1, kMaxTaackCoalesce + 1);
  scs_.resize(cfg_.sc_count);
}

Status TaTarget::add_receive_queue(std::uint32_t jetty, const ReceiveQueueConfig& cfg) {
  if (rqs_.count(jetty) != 0) {
    return make_unexpected(
        Error{Errc::NotAllowed, 0, "receive queue", "jetty", "exists already", ""}.with_value(
            jetty));
  }
  rqs_[jetty].cfg = cfg;
  return {};
}

Status TaTarget::post_receive(std::uint32_t jetty, std::uint32_t capacity) {
  auto it = rqs_.find(jetty);
  if (it == rqs_.end()) {
    return make_unexpected(
        Error{Errc::NotAllowed, 0, "receive queue", "jetty", "no such receive queue", ""}
            .with_value(jetty));
  }
  it->second.buffers.push_back(capacity);
  return {};
}

Status TaTarget::set_receive_enabled(std::uint32_t jetty, bool enabled) {
  auto it = rqs_.find(jetty);
  if (it == rqs_.end()) {
    return make_unexpected(
        Error{Errc::NotAllowed, 0, "receive queue", "jetty", "no such receive queue", ""}
            .with_value(jetty));
  }
  it->second.enabled = enabled;
  return {};
}

Status TaTarget::add_receive_group(std::uint32_t group, std::vector<std::uint32_t> members,
                                   GroupPolicy policy) {
  if (members.empty() || members.size() > 32 || groups_.count(group) != 0) {
    return make_unexpected(Error{Errc::NotAllowed, 0, "jetty group", "members",
                                 "1..32 members, and a new group id", "§8.2.2.1"}
                               .with_value(members.size()));
  }
  for (std::uint32_t m : members) {
    if (rqs_.count(m) == 0) {
      return make_unexpected(
          Error{Errc::NotAllowed, 0, "jetty group", "members", "no such receive queue", ""}
              .with_value(m));
    }
  }
  groups_[group] = Group{std::move(members), policy, 0};
  return {};
}

std::size_t TaTarget::free_receives(std::uint32_t jetty) const {
  auto it = rqs_.find(jetty);
  return it == rqs_.end() ? 0 : it->second.buffers.size();
}

Status TaTarget::add_static_sc(std::uint32_t scid, PeerId initiator, std::uint32_t rcid) {
  if (scid >= scs_.size() || scs_[scid].used) {
    return make_unexpected(
        Error{Errc::NotAllowed, 0, "sequence context", "SCID", "out of range or in use", "§7.3.3.3"}
            .with_value(scid));
  }
  SeqContext& sc = scs_[scid];
  sc = SeqContext{};
  sc.used = true;
  sc.peer = initiator;
  sc.rcid = rcid;
  return {};
}

std::uint64_t TaTarget::unwrap(const SeqContext& sc, std::uint16_t t) const noexcept {
  return sc.base + tassn_dist(t, sc.base16);
}

// An SO request may run once every earlier TASSN of its SC has arrived and every earlier RO/SO
// one has run (§7.3.3.3).
bool TaTarget::sc_executable(const SeqContext& sc, std::uint64_t u) const {
  std::uint64_t expect = sc.base;
  for (const auto& [v, e] : sc.entries) {
    if (v >= u) {
      break;
    }
    if (v != expect || !e.arrived || (e.order != ExecOrder::No && !e.executed)) {
      return false;
    }
    ++expect;
  }
  return expect == u;
}

void TaTarget::sc_settle(SeqContext& sc) {
  while (!sc.entries.empty()) {
    auto it = sc.entries.begin();
    if (it->first != sc.base || !it->second.arrived || !it->second.executed) {
      break;
    }
    sc.entries.erase(it);
    ++sc.base;
    sc.base16 = tassn_add(sc.base16, 1);
  }
}

void TaTarget::on_request(const TaDelivery& d, std::vector<TaPacket> packets, Time now) {
  ++counters_.requests;
  if (packets.empty()) {
    ++counters_.malformed;
    return;
  }
  Request r;
  r.peer = d.peer;
  r.verdict_handle = d.verdict_handle;
  r.key.initiator = d.peer;
  r.key.target = self_;
  const TaPacket& first = packets.front();
  bool alloc = false;
  if (const auto* b = std::get_if<Btah>(&first.base)) {
    r.key.rc_type = b->ini_rc_type;
    r.key.rc_id = b->ini_rc_id;
    r.key.tassn = b->ini_tassn;
    r.order = order_of(b->odr);
    r.completion_order = (b->odr & odr::kCompletionOrder) != 0;
    r.retry = b->retry;
    r.answer_rc_id = b->ini_rc_id;
    alloc = b->alloc;
    r.alloc = alloc && b->ini_rc_type != 0b10;
  } else if (const auto* c = std::get_if<BtahCompact>(&first.base)) {
    r.key.tassn = c->ini_tassn;
    r.compact = true;
    r.order = first.ma_compact && first.ma_compact->so ? ExecOrder::So : ExecOrder::Ro;
  } else {
    ++counters_.malformed; // an answer delivered to the target side
    return;
  }
  // The slice's opcode is its last packet's (Send_with_immediate's earlier packets are Sends).
  const auto info = ta_opcode_info(packets.back().opcode());
  if (!info || info->response) {
    ++counters_.malformed;
    return;
  }
  r.code = info->op;
  r.packets = std::move(packets);
  if (r.code == TaOpcode::WriteWithNotify || r.code == TaOpcode::WriteWithImmediate) {
    // All packets but the last are Writes: the slice's kind is the last packet's.
  }
  if (!r.compact && r.key.rc_type == 0b10) {
    // A ROT request: its SC (INI_RC_ID = SCID, §7.3.3.3).
    const std::uint32_t scid = r.key.rc_id;
    if (scid >= scs_.size() || !scs_[scid].used || scs_[scid].peer != r.peer) {
      Answer a;
      a.rspst = ta_rspst::kTargetError;
      a.rspinfo = 0b00001;
      a.unsupported = true;
      ++counters_.unsupported;
      settle_cqe(r, now); // refused for good
      respond(r, a, now);
      return;
    }
    r.sc = scid;
    r.answer_rc_id = scs_[scid].rcid;
  } else if (alloc) {
    // Alloc: the stream's first request asks for an SC; a retry of it finds the one it got.
    std::optional<std::uint32_t> found;
    for (std::uint32_t i = 0; i < scs_.size(); ++i) {
      const SeqContext& sc = scs_[i];
      if (sc.used && sc.peer == r.peer && sc.rcid == r.key.rc_id) {
        found = i;
        break;
      }
    }
    if (!found) {
      for (std::uint32_t i = 0; i < scs_.size(); ++i) {
        if (!scs_[i].used) {
          SeqContext& sc = scs_[i];
          sc = SeqContext{};
          sc.used = true;
          sc.peer = r.peer;
          sc.rcid = r.key.rc_id;
          sc.base16 = r.key.tassn;
          found = i;
          ++counters_.sc_granted;
          break;
        }
      }
    }
    if (found) {
      r.sc = *found;
      r.grant_sv = true;
    } else {
      ++counters_.sc_refused; // SV = 0: the request runs, the stream stays without SC
    }
  }
  if (r.sc) {
    SeqContext& sc = scs_[*r.sc];
    const std::uint64_t u = unwrap(sc, r.key.tassn);
    ScEntry& e = sc.entries[u];
    e.order = r.order;
    if (e.executed) {
      return; // already run (a duplicate): nothing to do twice
    }
    e.arrived = true;
    if (r.order == ExecOrder::So && !sc_executable(sc, u)) {
      if (cfg_.rot_policy == RotOutOfOrder::Buffer && sc.buffered.size() < cfg_.sc_buffer_slices) {
        ++counters_.sc_buffered;
        sc.buffered[u] = std::move(r);
        return;
      }
      e.arrived = false; // as if dropped: it comes again
      ++counters_.sc_dropped;
      Answer a;
      a.rspst = ta_rspst::kRnr;
      a.rspinfo = 0;
      respond(r, a, now);
      return;
    }
  }
  const std::optional<std::uint32_t> scid = r.sc;
  process(std::move(r), now);
  if (scid && !scs_[*scid].buffered.empty()) {
    // The arrival alone may release a buffered SO request: an earlier NO request only has to
    // have arrived (§7.3.2.2), and one answered RNR has arrived without settling, which is
    // the only other time process() looks at the buffer again.
    retry_buffered(*scid, now);
  }
}

namespace {

// The stream a request belongs to for the RNR barrier: INI_RC_Type and INI_RC_ID together (an
// SCID and a queue id may be the same number).
std::uint64_t barrier_stream(const WireKey& k) noexcept {
  return (std::uint64_t{k.rc_type} << 32U) | k.rc_id;
}

} // namespace

bool TaTarget::blocked_by_barrier(const Request& r) const {
  const std::uint64_t stream = barrier_stream(r.key);
  auto it = barrier_.lower_bound({r.peer, stream, 0});
  for (; it != barrier_.end(); ++it) {
    const auto& [peer, rc, t] = *it;
    if (peer != r.peer || rc != stream) {
      break;
    }
    if (tassn_before(t, r.key.tassn)) {
      return true;
    }
  }
  return false;
}

void TaTarget::process(Request r, Time now) {
  const auto bkey = std::make_tuple(r.peer, barrier_stream(r.key), r.key.tassn);
  if (r.compact && r.order == ExecOrder::So) {
    // CFG 9 has no RNR: a request that faults is held (respond()). An SO request must not
    // overtake an earlier one of its stream held so: it is held behind it, to be tried once the
    // earlier one has been (the RNR barrier's rule for the full form).
    for (const auto& [due, h] : held_) {
      if (h.peer == r.peer && tassn_before(h.key.tassn, r.key.tassn)) {
        const Time at = due;
        ++counters_.held_compact;
        held_.push_back({at, std::move(r)});
        return;
      }
    }
  }
  if (!r.sc && !r.compact && r.order == ExecOrder::So && blocked_by_barrier(r)) {
    // An earlier RO/SO request of the stream was answered RNR and has not run: this one must
    // not overtake it (§7.3.3.4; design X-reading of the RNR barrier).
    ++counters_.barrier_rnr;
    barrier_.insert(bkey);
    Answer a;
    a.rspst = ta_rspst::kRnr;
    a.rspinfo = cfg_.rnr_timer;
    respond(r, a, now);
    return;
  }
  bool ran = false;
  Answer a = execute(r, now, ran);
  if (ran) {
    barrier_.erase(bkey);
    ++counters_.executed_slices;
  } else if (is_rnr_like(a.rspst) && !a.unsupported && r.order != ExecOrder::No && !r.compact) {
    barrier_.insert(bkey);
  }
  // In the SC, a request is settled once it ran or was refused for good: only an RNR or a page
  // fault comes back (with Retry = 1) and must still run before later SO requests.
  const bool settled = ran || !is_rnr_like(a.rspst) || a.unsupported;
  if (settled) {
    settle_cqe(r, now);
  }
  std::optional<std::uint32_t> sc = r.sc;
  if (sc && settled) {
    SeqContext& c = scs_[*sc];
    c.entries[unwrap(c, r.key.tassn)].executed = true;
  }
  respond(r, std::move(a), now);
  if (sc && settled) {
    sc_settle(scs_[*sc]);
    retry_buffered(*sc, now);
  }
}

void TaTarget::retry_buffered(std::uint32_t scid, Time now) {
  bool progress = true;
  while (progress) {
    progress = false;
    SeqContext& sc = scs_[scid];
    for (auto it = sc.buffered.begin(); it != sc.buffered.end(); ++it) {
      if (sc_executable(sc, it->first)) {
        Request r = std::move(it->second);
        sc.buffered.erase(it);
        process(std::move(r), now);
        progress = true;
        break; // process() may have changed the maps
      }
    }
  }
}

// Every packet's UMMU check, before anything is touched (§9.4.1). nullopt: all pass.
// The answer to an access the UMMU refused (answer_for, §9.4.1): after a page fault the page
// is made present once the fault service time has passed; anything else counts as an abort.
TaTarget::Answer TaTarget::refusal(const UmmuRequest& q, UmmuFault f, Time now) {
  Answer a;
  const TaAnswer ans = answer_for(f, cfg_.pf_rnr_timer);
  a.rspst = ans.rspst;
  a.rspinfo = ans.rspinfo;
  if (f == UmmuFault::PageFault) {
    ++counters_.page_faults;
    present_at_.emplace(now + cfg_.page_fault_service, std::make_tuple(self_, q.token_id, q.uba));
  } else {
    ++counters_.aborts;
  }
  return a;
}

std::optional<TaTarget::Answer> TaTarget::check_packets(const Request& r, Time now) {
  for (const TaPacket& p : r.packets) {
    UmmuRequest q;
    q.eid = self_;
    q.e_bit = false;
    if (const auto* b = std::get_if<Btah>(&p.base)) {
      q.e_bit = b->e_bit;
    }
    if (p.tv) {
      q.token_value = p.tv->token_value;
    }
    const auto pinfo = ta_opcode_info(p.opcode());
    const TaOpcode code = pinfo ? pinfo->op : TaOpcode::Write;
    if (p.ma) {
      q.token_id = p.ma->token_id;
      q.uba = p.ma->address;
    } else if (p.ma_compact) {
      q.token_id = p.ma_compact->token_id;
      q.uba = p.ma_compact->address();
    } else {
      continue; // Send / Management: no memory
    }
    if (code == TaOpcode::Read || code == TaOpcode::PrefetchTgt) {
      q.access = MemAccess::Read;
      q.length = p.ma ? p.ma->length : p.ma_compact->length_bytes();
    } else if (is_atomic_request(static_cast<std::uint8_t>(code))) {
      q.access = MemAccess::Atomic;
      q.length = p.ma ? p.ma->length : p.ma_compact->length_bytes();
    } else {
      q.access = MemAccess::Write;
      q.length = p.payload_view().size();
    }
    if (auto pa = ummu_.check(q); !pa) {
      return refusal(q, pa.error(), now);
    }
    if (p.ntf) {
      // Write_with_notify: the notify word goes to another segment (§7.4.2.1.2, X33).
      if (p.ntf->notify_token_id == q.token_id) {
        Answer a;
        a.rspst = ta_rspst::kTargetError;
        a.rspinfo = 0b00001;
        a.unsupported = true;
        ++counters_.unsupported;
        return a;
      }
      UmmuRequest n;
      n.eid = self_;
      n.token_id = p.ntf->notify_token_id;
      n.uba = p.ntf->address;
      n.length = 8;
      n.access = MemAccess::Write;
      n.token_value = p.ntf->notify_token_value;
      n.e_bit = q.e_bit;
      if (auto npa = ummu_.check(n); !npa) {
        return refusal(n, npa.error(), now);
      }
    }
  }
  return std::nullopt;
}

TaTarget::Answer TaTarget::execute(Request& r, Time now, bool& ran) {
  Answer a;
  auto unsupported = [&] {
    Answer u;
    u.rspst = ta_rspst::kTargetError;
    u.rspinfo = 0b00001;
    u.unsupported = true;
    ++counters_.unsupported;
    return u;
  };
  if (r.code == TaOpcode::Management) {
    ++counters_.management;
    ran = true;
    return a;
  }
  // Injected faults come before any side effect (an atomic must never run twice, X19).
  if (fault_hook_) {
    if (auto v = fault_hook_(r.key, r.code, r.retry)) {
      if (v->kind == tp::TaStatusKind::PageFault) {
        ++counters_.page_faults;
        a.rspst = ta_rspst::kPageFault;
      } else {
        a.rspst = ta_rspst::kRnr; // counted with every RNR answer, in respond()
      }
      a.rspinfo = static_cast<std::uint8_t>(std::min<unsigned>(v->rnr_timer, 19));
      return a;
    }
  }
  // Receive buffer for Send* and Write_with_immediate (§7.4.3).
  Rq* rq = nullptr;
  std::uint32_t rq_id = 0;
  std::uint64_t total = 0;
  for (const TaPacket& p : r.packets) {
    total += p.payload_view().size();
  }
  const bool consumes_rqe = is_send_like(r.code) || r.code == TaOpcode::WriteWithImmediate;
  if (consumes_rqe) {
    const TaPacket& last = r.packets.back();
    std::uint32_t jetty = last.mt ? last.mt->tgt_tc_id : 0;
    if (last.mt && last.mt->tgt_tc_type == 0b10) {
      // A Jetty Group: its policy picks the member (§8.2.2.1).
      auto g = groups_.find(jetty);
      if (g == groups_.end()) {
        return unsupported();
      }
      Group& grp = g->second;
      std::size_t pick = 0;
      switch (grp.policy) {
      case GroupPolicy::HintHash:
        pick = last.mt->hint % grp.members.size();
        break;
      case GroupPolicy::RoundRobin:
        pick = grp.next;
        grp.next = (grp.next + 1) % grp.members.size();
        break;
      case GroupPolicy::RqDepth:
        for (std::size_t i = 1; i < grp.members.size(); ++i) {
          if (free_receives(grp.members[i]) > free_receives(grp.members[pick])) {
            pick = i;
          }
        }
        break;
      }
      jetty = grp.members[pick];
    }
    auto it = rqs_.find(jetty);
    if (it == rqs_.end()) {
      return unsupported();
    }
    if (!it->second.enabled) {
      ++counters_.dropped_disabled;
      Answer d;
      d.drop = true;
      return d;
    }
    rq = &it->second;
    rq_id = jetty;
    if (rq->cfg.token_value) {
      const std::optional<std::uint32_t> given =
          r.code == TaOpcode::WriteWithImmediate
              ? (last.imm ? std::optional<std::uint32_t>{last.imm->immediate_token_value}
                          : std::nullopt)
              : (last.tv ? std::optional<std::uint32_t>{last.tv->token_value} : std::nullopt);
      if (given != rq->cfg.token_value) {
        ++counters_.aborts;
        a.rspst = ta_rspst::kTargetError;
        a.rspinfo = 0b00010; // Remote Abort: the Jetty's token (§11.4)
        return a;
      }
    }
    if (rq->buffers.empty()) {
      a.rspst = ta_rspst::kRnr;
      a.rspinfo = cfg_.rnr_timer;
      return a;
    }
  }
  if (auto bad = check_packets(r, now)) {
    return *bad;
  }
  if (r.code == TaOpcode::PrefetchTgt) {
    ++counters_.prefetches; // a hint: the check passed, nothing is accessed
    ran = true;
    return a;
  }
  // Execute, packet by packet. A write's "before" and "after" for the observer are held, not
  // copied, where the page refers to a packet's bytes (Executed::before_held); copies reuse the
  // previous packet's buffers: a request's packets are mostly the same size.
  std::vector<Byte> spare_before;
  std::vector<Byte> spare_after;
  std::uint64_t first_addr = 0;
  bool have_first = false;
  for (std::size_t k = 0; k < r.packets.size(); ++k) {
    TaPacket& p = r.packets[k];
    const auto pinfo = ta_opcode_info(p.opcode());
    const TaOpcode code = pinfo ? pinfo->op : TaOpcode::Write;
    if (!p.ma && !p.ma_compact) {
      continue; // Send packets: the data goes to the receive buffer
    }
    const std::uint32_t token_id = p.ma ? p.ma->token_id : p.ma_compact->token_id;
    const std::uint64_t uba = p.ma ? p.ma->address : p.ma_compact->address();
    if (!have_first) {
      first_addr = uba;
      have_first = true;
    }
    UmmuRequest q;
    q.eid = self_;
    q.token_id = token_id;
    q.uba = uba;
    q.token_value = p.tv ? std::optional<std::uint32_t>{p.tv->token_value} : std::nullopt;
    if (const auto* b = std::get_if<Btah>(&p.base)) {
      q.e_bit = b->e_bit;
    }
    Executed ex;
    ex.key = r.key;
    ex.packet = static_cast<std::uint32_t>(k);
    ex.offset = uba - first_addr;
    ex.token_id = token_id;
    ex.uba = uba;
    ex.t = now;
    if (code == TaOpcode::Read) {
      q.access = MemAccess::Read;
      q.length = p.ma ? p.ma->length : p.ma_compact->length_bytes();
      const std::uint64_t pa = q.length == 0 ? 0 : ummu_.check(q).value_or(0);
      a.data = mem_.read(pa, static_cast<std::size_t>(q.length));
      ++counters_.executed_packets;
      if (observer_ != nullptr) {
        ex.access = MemAccess::Read;
        ex.pa = pa;
        ex.before = a.data;
        ex.returned = std::move(a.data); // lent, and taken back below
        observer_->on_executed(ex);
        a.data = std::move(ex.returned);
      }
      continue;
    }
    if (is_atomic_request(static_cast<std::uint8_t>(code))) {
      q.access = MemAccess::Atomic;
      q.length = p.ma ? p.ma->length : 64;
      auto pa = ummu_.check(q);
      const std::size_t n = static_cast<std::size_t>(q.length);
      std::optional<std::uint8_t> subop;
      if (p.ud) {
        subop = p.ud->atomic_subop();
      }
      std::vector<Byte> before;
      if (observer_ != nullptr) {
        before = mem_.read(pa.value_or(0), n);
      }
      auto res = mem_.atomic(code, pa.value_or(0), n, p.payload_view(), subop);
      if (!res) {
        return unsupported(); // bad size, payload or sub-operation: nothing touched
      }
      a.data = std::move(*res);
      ++counters_.executed_packets;
      if (observer_ != nullptr) {
        ex.access = MemAccess::Atomic;
        ex.pa = pa.value_or(0);
        ex.before = std::move(before);
        ex.after = mem_.read(ex.pa, n);
        ex.returned = a.data;
        observer_->on_executed(ex);
      }
      continue;
    }
    // Writes: Write, Writeback, the *_with_be forms, Write_with_notify / _immediate data.
    const std::span<const Byte> payload = p.payload_view();
    q.access = MemAccess::Write;
    q.length = payload.size();
    const std::uint64_t pa = q.length == 0 ? 0 : ummu_.check(q).value_or(0);
    if (observer_ != nullptr) {
      ex.before_held = mem_.shared_range(pa, payload.size()); // no copy while a page holds it
      if (ex.before_held.empty()) {
        ex.before = std::move(spare_before);
        ex.before.resize(payload.size());
        mem_.read(pa, ex.before);
      }
    }
    if (p.be) {
      // BE[n] = 0 leaves byte n alone; bytes past the BE width are written (§7.4.2.1.3).
      for (std::size_t i = 0; i < payload.size(); ++i) {
        if (p.be->enabled(i)) {
          mem_.write(pa + i, payload.subspan(i, 1));
        }
      }
    } else if (!p.payload_share.empty()) {
      mem_.write_shared(pa, p.payload_share); // pages it covers whole keep the packet's bytes
    } else if (!payload.empty()) {
      mem_.write(pa, payload);
    }
    ++counters_.executed_packets;
    if (observer_ != nullptr) {
      ex.access = MemAccess::Write;
      ex.pa = pa;
      ex.after_held = mem_.shared_range(pa, payload.size());
      if (ex.after_held.empty()) {
        ex.after = std::move(spare_after);
        ex.after.resize(payload.size());
        mem_.read(pa, ex.after);
      }
      if (!p.be) {
        ex.after_share = p.payload_share;
      }
      observer_->on_executed(ex);
      if (ex.before_held.empty()) {
        spare_before = std::move(ex.before);
      }
      if (ex.after_held.empty()) {
        spare_after = std::move(ex.after);
      }
    }
    if (p.ntf) {
      // The notify word after every data byte (§7.4.2.1.2), little-endian (§7.2.13).
      UmmuRequest n;
      n.eid = self_;
      n.token_id = p.ntf->notify_token_id;
      n.uba = p.ntf->address;
      n.length = 8;
      n.access = MemAccess::Write;
      n.token_value = p.ntf->notify_token_value;
      n.e_bit = q.e_bit;
      const std::uint64_t npa = ummu_.check(n).value_or(0);
      const std::vector<Byte> word = le64(p.ntf->notify_data);
      Executed ne;
      ne.key = r.key;
      ne.packet = static_cast<std::uint32_t>(k);
      ne.access = MemAccess::Write;
      ne.token_id = n.token_id;
      ne.uba = n.uba;
      ne.pa = npa;
      ne.notify = true;
      ne.t = now;
      if (observer_ != nullptr) {
        ne.before = mem_.read(npa, 8);
      }
      mem_.write(npa, word);
      if (observer_ != nullptr) {
        ne.after = word;
        observer_->on_executed(ne);
      }
    }
  }
  if (consumes_rqe && rq != nullptr) {
    const std::uint32_t cap = rq->buffers.front();
    rq->buffers.pop_front();
    ReceiveCompleted rc;
    rc.key = r.key;
    rc.jetty = rq_id;
    rc.opcode = r.code;
    rc.t = now;
    rc.taken = now;
    const TaPacket& last = r.packets.back();
    // Send*: the bytes received. Write_with_immediate: IMMETAH.Msg_Length, the whole write's
    // length, which the Target reports in the CQE (§7.2.8 Table 7-10).
    rc.length = static_cast<std::uint32_t>(
        r.code == TaOpcode::WriteWithImmediate ? (last.imm ? last.imm->msg_length : 0) : total);
    if (last.imm) {
      rc.immediate = last.imm->immediate_data;
    }
    if (is_send_like(r.code) && total > cap) {
      // X34: a Send longer than the buffer: the initiator gets UR, the receiver a length error.
      rc.status = fn::CqeStatus::LocalLength;
      ++counters_.receive_completions;
      ++counters_.send_refused;
      emit_receive(r, rc, false, now);
      return unsupported();
    }
    ++counters_.receive_completions;
    emit_receive(r, rc, true, now);
  }
  ran = true;
  if (!cfg_.persisted && !is_read_like(r.code)) {
    a.rspst = ta_rspst::kNotPersisted;
    a.rspinfo = 0;
  }
  return a;
}

void TaTarget::respond(const Request& r, Answer a, Time now) {
  if (a.drop) {
    return; // silently dropped: the initiator's timeout acts (§8.2.2.3)
  }
  if (kind_ == TransportKind::Utp) {
    // UTP carries UNO only (Table 7-15), and nothing answers a UNO request (§7.3.1.2, §7.4.3.1);
    // a failure stays counted here.
    return;
  }
  if (r.code == TaOpcode::PrefetchTgt || r.code == TaOpcode::Management) {
    if (r.verdict_handle) {
      verdicts_.push_back({now + cfg_.exec_time, *r.verdict_handle, tp::TaVerdict{}});
    }
    return; // no answer (§7.4.2.4, §7.4.4)
  }
  const bool ok = a.rspst == ta_rspst::kSuccess || a.rspst == ta_rspst::kNotPersisted;
  if (!ok) {
    if (a.rspst == ta_rspst::kRnr) {
      ++counters_.rnr;
    }
    if (is_rnr_like(a.rspst) && !a.unsupported && !r.compact) {
      expect_retry(r, a.rspinfo, now);
    }
  }
  const Time at = now + cfg_.exec_time;
  if (r.verdict_handle) {
    tp::TaVerdict v;
    if (ok) {
      v.kind = tp::TaStatusKind::Ok;
    } else if (a.rspst == ta_rspst::kRnr) {
      v.kind = tp::TaStatusKind::ReceiverNotReady;
      v.rnr_timer = a.rspinfo;
    } else if (a.rspst == ta_rspst::kPageFault) {
      v.kind = tp::TaStatusKind::PageFault;
      v.rnr_timer = a.rspinfo;
    } else if (a.unsupported) {
      v.kind = tp::TaStatusKind::UnsupportedRequest;
    } else {
      v.kind = tp::TaStatusKind::RemoteAbort;
    }
    verdicts_.push_back({at, *r.verdict_handle, v});
    ++counters_.verdicts;
    if (!ok || (!is_read_like(r.code) && !r.alloc)) {
      // The TP ACK is the answer; but not for data (Read / Atomic), nor for an Alloc request,
      // whose SV and SCID only an ATAH carries (§7.3.3.3).
      return;
    }
  }
  const std::uint8_t resp_code = r.code == TaOpcode::Read
                                     ? static_cast<std::uint8_t>(TaOpcode::ReadResponse)
                                 : is_atomic_request(static_cast<std::uint8_t>(r.code))
                                     ? static_cast<std::uint8_t>(TaOpcode::AtomicResponse)
                                     : static_cast<std::uint8_t>(TaOpcode::TransactionAck);
  if (r.compact) {
    if (is_rnr_like(a.rspst)) {
      // CFG 9 has no code for RNR or a page fault: hold the request until the fault clears.
      ++counters_.held_compact;
      const Time wait = std::max(cfg_.page_fault_service, tp::rnr_timeout(a.rspinfo)) + Time{1};
      held_.push_back({now + wait, r});
      return;
    }
    TaPacket p;
    AtahCompact c;
    c.ta_opcode = resp_code;
    c.status = ok ? 0b00 : 0b01;
    c.ini_tassn = r.key.tassn;
    p.base = c;
    if (ok && resp_code != static_cast<std::uint8_t>(TaOpcode::TransactionAck)) {
      p.payload = std::move(a.data);
    }
    if (resp_code == static_cast<std::uint8_t>(TaOpcode::ReadResponse)) {
      ++counters_.read_responses;
    } else if (resp_code == static_cast<std::uint8_t>(TaOpcode::AtomicResponse)) {
      ++counters_.atomic_responses;
    } else {
      ++counters_.taacks;
    }
    send_answer(r.peer, {std::move(p)}, at);
    return;
  }
  Atah h;
  h.ta_opcode = resp_code;
  h.sv = r.grant_sv;
  h.ini_tassn = r.grant_sv && r.sc ? static_cast<std::uint16_t>(*r.sc) : r.key.tassn;
  h.rspst = a.rspst;
  h.rspinfo = a.rspinfo;
  h.ini_rc_type = r.key.rc_type;
  h.ini_rc_id = r.answer_rc_id;
  if (resp_code == static_cast<std::uint8_t>(TaOpcode::TransactionAck)) {
    ++counters_.taacks;
    if (ok && cfg_.taack_coalesce > 1 && !r.grant_sv && !r.alloc) {
      queue_taack(r, a.rspst, at);
      return;
    }
    flush_run(now);
    TaPacket p;
    p.base = h;
    send_answer(r.peer, {std::move(p)}, at);
    return;
  }
  // Read_response / Atomic_response: echo TAIDETAH (and OFSTETAH for Read) in the Taid form.
  const TaPacket& req = r.packets.front();
  std::vector<TaPacket> out;
  if (resp_code == static_cast<std::uint8_t>(TaOpcode::ReadResponse)) {
    ++counters_.read_responses;
    const std::size_t mtu = std::max<std::uint32_t>(1, mtu_);
    const std::size_t n = a.data.empty() ? 1 : (a.data.size() + mtu - 1) / mtu;
    for (std::size_t k = 0; k < n; ++k) {
      TaPacket p;
      p.base = h;
      if (wire_ == TaWire::Taid) {
        p.taid = req.taid.value_or(Taidetah{});
        const std::uint32_t base_kb = req.ofst ? req.ofst->offset : 0;
        p.ofst = Ofstetah{0, base_kb + static_cast<std::uint32_t>(k * mtu / 1024)};
      }
      if (ok && !a.data.empty()) {
        const std::size_t from = k * mtu;
        const std::size_t to = std::min(a.data.size(), from + mtu);
        p.payload.assign(a.data.begin() + static_cast<std::ptrdiff_t>(from),
                         a.data.begin() + static_cast<std::ptrdiff_t>(to));
      }
      out.push_back(std::move(p));
      if (!ok) {
        break;
      }
    }
  } else {
    ++counters_.atomic_responses;
    TaPacket p;
    p.base = h;
    if (wire_ == TaWire::Taid) {
      p.taid = req.taid.value_or(Taidetah{});
    }
    if (ok) {
      p.payload = std::move(a.data);
    }
    out.push_back(std::move(p));
  }
  send_answer(r.peer, std::move(out), at);
}

void TaTarget::queue_taack(const Request& r, std::uint8_t rspst, Time at) {
  if (run_) {
    Run& run = *run_;
    const bool joins = run.peer == r.peer && run.rc_type == r.key.rc_type &&
                       run.rc_id == r.answer_rc_id && run.rspst == rspst &&
                       r.key.tassn == tassn_add(run.first, std::uint32_t{run.extra} + 1) &&
                       run.extra + 1U < cfg_.taack_coalesce;
    if (joins) {
      ++run.extra;
      ++counters_.taack_merged;
      if (run.extra + 1U >= cfg_.taack_coalesce) {
        flush_run(Time{0});
      }
      return;
    }
    flush_run(Time{0});
  }
  Run run;
  run.peer = r.peer;
  run.rc_type = r.key.rc_type;
  run.rc_id = r.answer_rc_id;
  run.first = r.key.tassn;
  run.rspst = rspst;
  run.flush_at = at + cfg_.taack_delay;
  run_ = run;
}

// Sends the pending coalesced TAACK (INI_TASSN = first, RSPINFO = how many more, Table 7-3).
void TaTarget::flush_run(Time) {
  if (!run_) {
    return;
  }
  const Run run = *run_;
  run_.reset();
  Atah h;
  h.ta_opcode = static_cast<std::uint8_t>(TaOpcode::TransactionAck);
  h.ini_tassn = run.first;
  h.rspst = run.rspst;
  h.rspinfo = run.extra;
  h.ini_rc_type = run.rc_type;
  h.ini_rc_id = run.rc_id;
  TaPacket p;
  p.base = h;
  send_answer(run.peer, {std::move(p)}, run.flush_at - cfg_.taack_delay);
}

void TaTarget::send_answer(PeerId peer, std::vector<TaPacket> packets, Time at) {
  Outgoing o;
  o.at = at;
  o.send.peer = peer;
  o.send.mode = TaMode::Roi;
  o.send.tag = kAnswerTagBase | next_answer_++;
  for (TaPacket& p : packets) {
    TaUnit u;
    u.header_bytes = static_cast<std::uint32_t>(ta_header_size(p, wire_));
    if (encode_ta(p, wire_, u.bytes)) {
      o.send.units.push_back(std::move(u));
    } else {
      ++counters_.malformed; // a model bug: never an answer we cannot encode
    }
  }
  if (o.send.units.empty()) {
    return;
  }
  // Keep out_ ordered by time (answers are due in the order they were made, except the
  // coalesced run, which may be older).
  auto it = std::upper_bound(out_.begin(), out_.end(), o.at,
                             [](Time t, const Outgoing& x) { return t < x.at; });
  out_.insert(it, std::move(o));
}

void TaTarget::pump(TaTransport& t, Time now) {
  mtu_ = t.max_payload();
  wire_ = t.wire();
  kind_ = t.kind();
  if (run_ && run_->flush_at <= now) {
    flush_run(now);
  }
  while (!verdicts_.empty() && verdicts_.front().at <= now) {
    const PendingVerdict v = verdicts_.front();
    verdicts_.pop_front();
    (void)t.verdict(v.handle, v.verdict, now);
  }
  send_blocked_ = false;
  while (!out_.empty() && out_.front().at <= now) {
    TaSend s = out_.front().send;
    auto r = t.send(s, now);
    if (!r) {
      if (r.error() == TaSendError::QueueFull) {
        // Try again on the next pump. Only the transport's progress (a packet out, an ACK in,
        // its own timer) makes room, and each of those is followed by a pump: no timer needed.
        send_blocked_ = true;
        break;
      }
      ++counters_.malformed; // the answer cannot go: the initiator times out
    }
    out_.pop_front();
  }
}

Time TaTarget::next_pump() const noexcept {
  Time t = kNever;
  if (!out_.empty() && !send_blocked_) {
    t = std::min(t, out_.front().at);
  }
  if (!verdicts_.empty()) {
    t = std::min(t, verdicts_.front().at);
  }
  if (run_) {
    t = std::min(t, run_->flush_at);
  }
  return t;
}

Time TaTarget::next_timer() const noexcept {
  Time t = kNever;
  if (!present_at_.empty()) {
    t = std::min(t, present_at_.begin()->first);
  }
  if (!held_.empty()) {
    t = std::min(t, held_.front().first);
  }
  if (!cqe_deadlines_.empty()) {
    t = std::min(t, *cqe_deadlines_.begin());
  }
  return t;
}

Time TaTarget::next_timeout() const noexcept {
  return std::min(next_pump(), next_timer());
}

void TaTarget::on_timeout(Time now) {
  while (!present_at_.empty() && present_at_.begin()->first <= now) {
    const auto [eid, token, uba] = present_at_.begin()->second;
    present_at_.erase(present_at_.begin());
    (void)ummu_.make_present(eid, token, uba);
  }
  while (!held_.empty() && held_.front().first <= now) {
    Request r = std::move(held_.front().second);
    held_.pop_front();
    r.retry = true;
    process(std::move(r), now);
  }
  if (!cqe_deadlines_.empty() && *cqe_deadlines_.begin() <= now) {
    // An ODR[2] completion waited too long for an earlier TASSN: that request is taken as
    // lost, and the stream's order resumes after the latest completion that timed out.
    for (auto& [key, s] : cqe_streams_) {
      std::optional<std::uint64_t> last;
      for (const auto& [u, h] : s.held) {
        if (h.deadline <= now) {
          last = u;
        }
      }
      if (last) {
        ++counters_.cqe_order_gaps;
        advance_cqe(s, *last + 1, now);
      }
    }
  }
}

// ODR[2] receive completions (§7.3.2.3, design X35). A stream's TASSNs are counted from 0, as
// the model's initiator numbers them (MODEL); one before `next` is a duplicate or a retry of a
// settled request.
std::optional<std::uint64_t> TaTarget::cqe_unwrap(const CqeStream& s, std::uint16_t t) noexcept {
  if (tassn_before(t, s.next16)) {
    return std::nullopt;
  }
  return s.next + tassn_dist(t, s.next16);
}

void TaTarget::emit_receive(const Request& r, const ReceiveCompleted& rc, bool notify, Time now) {
  if (r.completion_order && !r.compact) {
    CqeStream& s = cqe_streams_[{r.peer, r.answer_rc_id}];
    if (const auto u = cqe_unwrap(s, r.key.tassn)) {
      // Held until this request settles (process() does it next) and every earlier one has,
      // or gives up on them after cqe_order_wait (after their retry, for those answered RNR).
      Time deadline = now + cfg_.cqe_order_wait;
      for (auto it = s.retry_due.begin(); it != s.retry_due.end() && it->first < *u; ++it) {
        deadline = std::max(deadline, it->second + cfg_.cqe_order_wait);
      }
      s.held[*u] = HeldCqe{rc, notify, deadline};
      cqe_deadlines_.insert(deadline);
      ++counters_.cqe_held;
      return;
    }
  }
  receives_.push_back(rc);
  if (notify && observer_ != nullptr) {
    observer_->on_received(rc);
  }
}

// An RNR or page-fault answer (§7.3.1.1): the request comes back with Retry = 1 once its
// RNR_Timeout has passed, so the ODR[2] completions behind it wait for it that long plus
// cqe_order_wait instead of taking it as lost (§7.3.2.3: the one sent first completes first).
void TaTarget::expect_retry(const Request& r, std::uint8_t rnr_timer, Time now) {
  CqeStream& s = cqe_streams_[{r.peer, r.answer_rc_id}];
  const auto u = cqe_unwrap(s, r.key.tassn);
  if (!u) {
    return;
  }
  const Time due = now + tp::rnr_timeout(rnr_timer);
  Time& d = s.retry_due[*u];
  d = std::max(d, due);
  for (auto it = s.held.upper_bound(*u); it != s.held.end(); ++it) {
    extend_deadline(it->second, due + cfg_.cqe_order_wait);
  }
}

void TaTarget::extend_deadline(HeldCqe& h, Time deadline) {
  if (deadline <= h.deadline) {
    return;
  }
  if (auto it = cqe_deadlines_.find(h.deadline); it != cqe_deadlines_.end()) {
    cqe_deadlines_.erase(it);
  }
  h.deadline = deadline;
  cqe_deadlines_.insert(deadline);
}

void TaTarget::settle_cqe(const Request& r, Time now) {
  if (r.compact) {
    return; // the compact form has no ODR[2]
  }
  CqeStream& s = cqe_streams_[{r.peer, r.answer_rc_id}];
  const auto u = cqe_unwrap(s, r.key.tassn);
  if (!u) {
    return;
  }
  s.retry_due.erase(*u);
  s.settled.insert(*u);
  advance_cqe(s, s.next, now);
}

// Moves `next` to at least `to`, then over every settled TASSN, and releases what it passed.
void TaTarget::advance_cqe(CqeStream& s, std::uint64_t to, Time now) {
  if (to > s.next) {
    s.next16 = tassn_add(s.next16, static_cast<std::uint32_t>(to - s.next));
    s.next = to;
  }
  while (!s.settled.empty() && *s.settled.begin() <= s.next) {
    if (*s.settled.begin() == s.next) {
      ++s.next;
      s.next16 = tassn_add(s.next16, 1);
    }
    s.settled.erase(s.settled.begin());
  }
  s.retry_due.erase(s.retry_due.begin(), s.retry_due.lower_bound(s.next));
  release_cqes(s, now);
}

void TaTarget::release_cqes(CqeStream& s, Time now) {
  while (!s.held.empty() && s.held.begin()->first < s.next) {
    HeldCqe h = std::move(s.held.begin()->second);
    h.rc.t = now; // written now
    s.held.erase(s.held.begin());
    if (auto it = cqe_deadlines_.find(h.deadline); it != cqe_deadlines_.end()) {
      cqe_deadlines_.erase(it);
    }
    receives_.push_back(h.rc);
    if (h.notify && observer_ != nullptr) {
      observer_->on_received(h.rc);
    }
  }
}

std::optional<ReceiveCompleted> TaTarget::poll_receive() {
  if (receives_.empty()) {
    return std::nullopt;
  }
  ReceiveCompleted r = receives_.front();
  receives_.pop_front();
  return r;
}

bool TaTarget::idle() const noexcept {
  if (!out_.empty() || run_ || !held_.empty() || !verdicts_.empty() || !cqe_deadlines_.empty()) {
    return false;
  }
  for (const SeqContext& sc : scs_) {
    if (!sc.buffered.empty()) {
      return false;
    }
  }
  return true;
}

} // namespace ub::ta

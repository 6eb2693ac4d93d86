// The RTP adapter (transport_rtp.hpp): the TA's slices as TP messages on a TpGroup per peer.

#include "protocol/ta/transport_rtp.hpp"

#include <algorithm>

namespace ub::ta {

namespace {

constexpr std::uint32_t kTpnLimit = 1U << 24U; // TPNs are 24 bits (Table 6-2)

Status config_error(std::string_view field, std::string_view why, std::string_view clause,
                    std::uint64_t v) {
  return make_unexpected(
      Error{Errc::OutOfRange, 0, "RtpTransportConfig", field, why, clause}.with_value(v));
}

tp::LoadBalance member_lb(const RtpTransportConfig& c, std::size_t k) {
  const auto base = static_cast<std::uint16_t>(k * tp::kMaxSprayRange);
  switch (c.lb) {
  case RtpLb::PerFlow:
    return tp::PerFlow{base};
  case RtpLb::SenderSpray:
    return tp::SenderSpray{base, c.spray_range};
  case RtpLb::SwitchSpray:
    return tp::SwitchSpray{base};
  }
  return tp::PerFlow{base};
}

// The group device `self` uses towards `peer`, with member k's channel end `ends[k]`.
tp::TpGroupConfig group_config(const RtpTransportConfig& c,
                               const std::vector<tp::TpChannelConfig>& ends) {
  tp::TpGroupConfig g{};
  g.policy = c.policy;
  g.strict_spray_rules = c.strict_spray_rules;
  for (std::size_t k = 0; k < ends.size(); ++k) {
    tp::TpgMemberConfig m{};
    m.channel = ends[k];
    m.channel.deliver_packets = true; // the TA reads a message packet by packet
    m.lb = member_lb(c, k);
    g.members.push_back(m);
  }
  return g;
}

Result<tp::TpGroup> build_group(const RtpTransportConfig& c,
                                const std::vector<tp::TpChannelConfig>& ends) {
  std::vector<std::unique_ptr<tp::CongestionControl>> cc;
  std::vector<std::unique_ptr<tp::CcFeedback>> fb;
  if (c.cc != tp::CcAlgo::None) {
    for (std::size_t k = 0; k < ends.size(); ++k) {
      cc.push_back(tp::make_congestion_control(c.cc, c.cc_params));
      fb.push_back(tp::make_cc_feedback(c.cc, c.cc_params));
    }
  }
  return tp::TpGroup::make(group_config(c, ends), std::move(cc), std::move(fb));
}

} // namespace

Status validate(const RtpTransportConfig& c) {
  if (c.channels == 0 || c.channels > tp::kMaxTpgChannels) {
    return config_error("channels", "a group has 1..32 channels", "§6.5.1.1", c.channels);
  }
  if (c.lb != RtpLb::PerFlow && c.lb != RtpLb::SenderSpray && c.lb != RtpLb::SwitchSpray) {
    return config_error("lb", "must be PerFlow, SenderSpray or SwitchSpray", "Table 6-9",
                        static_cast<std::uint64_t>(c.lb));
  }
  if (c.wire != TaWire::Cna16 && c.wire != TaWire::Taid) {
    return config_error("wire", "RTP carries full TA headers (Cna16 or Taid), not compact ones",
                        "App. B.2", static_cast<std::uint64_t>(c.wire));
  }
  // The members as the mesh builds them: the group's own checks name the member and the field.
  std::vector<tp::TpChannelConfig> ends(c.channels, c.channel);
  for (std::size_t k = 0; k < ends.size(); ++k) {
    ends[k].local_tpn = static_cast<std::uint32_t>(k + 1);
    ends[k].peer_tpn = static_cast<std::uint32_t>(k + 1);
  }
  return tp::validate(group_config(c, ends));
}

bool rtp_holds_status(const RtpTransportConfig& c, std::span<const Byte> first_unit) noexcept {
  return tp::expects_ta_status(c.channel.ta_status, first_unit);
}

RtpTransport::RtpTransport(PeerId self, const RtpTransportConfig& cfg,
                           std::map<PeerId, tp::TpGroup> groups)
    : self_(self), cfg_(cfg) {
  for (auto& [id, g] : groups) {
    peers_.emplace(id, Peer{std::move(g), {}});
  }
  for (auto& [id, p] : peers_) {
    p.index = peer_ids_.size();
    peer_ids_.push_back(id);
    peer_at_.push_back(&p);
  }
  idle_.assign(peer_ids_.size(), 0);
  timers_.assign(peer_ids_.size(), kNever);
  stale_.assign(peer_ids_.size(), 1);
  stale_list_.reserve(peer_ids_.size());
  for (std::size_t i = 0; i < peer_ids_.size(); ++i) {
    stale_list_.push_back(static_cast<std::uint32_t>(i));
  }
}

const tp::TpGroup* RtpTransport::group(PeerId peer) const noexcept {
  const auto it = peers_.find(peer);
  return it == peers_.end() ? nullptr : &it->second.group;
}

// ---------------------------------------------------------------------------------------------
// Upper side

Expected<void, TaSendError> RtpTransport::send(TaSend s, Time /*now*/) {
  auto refuse = [this](TaSendError e) -> Expected<void, TaSendError> {
    ++counters_.slices_refused;
    return make_unexpected(e);
  };
  if (s.units.empty()) {
    return refuse(TaSendError::Empty);
  }
  const auto it = peers_.find(s.peer);
  if (it == peers_.end()) {
    return refuse(TaSendError::UnknownPeer);
  }
  if (s.mode == TaMode::Uno && !cfg_.allow_uno) {
    return refuse(TaSendError::NotAllowed); // Table 7-14: UNO over RTP not recommended
  }
  if (s.expects_ta_status &&
      !rtp_holds_status(cfg_, s.units.front().bytes.empty() ? s.units.front().tail.view()
                                                            : std::span(s.units.front().bytes))) {
    return refuse(TaSendError::NotAllowed); // the channels would never answer with a status
  }
  std::vector<tp::TpPacketUnit> units;
  units.reserve(s.units.size());
  for (auto& u : s.units) {
    const std::size_t size = u.bytes.size() + u.tail.length;
    if (u.header_bytes > size || !u.tail.valid()) {
      return refuse(TaSendError::BadPacketing);
    }
    if (size - u.header_bytes > cfg_.channel.mtu) {
      return refuse(TaSendError::TooLarge); // §6.7.1.1.1: the MTU bounds each payload
    }
    units.push_back(tp::TpPacketUnit{std::move(u.bytes), u.header_bytes, std::move(u.tail)});
  }
  Peer& p = it->second;
  touch(p);
  tp::SendOptions opt{};
  if (s.mode == TaMode::Rol) {
    // Table 7-14: the ordered transactions of a stream use one channel. MODEL: never
    // sprayed, so the channel's packets keep one path.
    opt.ordered_flow = s.ordered_stream;
  } else {
    opt.allow_spray = true;
  }
  const auto sent = p.group.submit_packets(units, opt);
  if (!sent) {
    switch (sent.error()) {
    case tp::GroupSendError::Empty:
      return refuse(TaSendError::Empty);
    case tp::GroupSendError::QueueFull:
      return refuse(TaSendError::QueueFull);
    case tp::GroupSendError::FlowChannelFailed: // released once its Failed events are taken
    case tp::GroupSendError::AllChannelsFailed:
      return refuse(TaSendError::PeerDown);
    case tp::GroupSendError::BadPacketing:
      return refuse(TaSendError::BadPacketing);
    }
    return refuse(TaSendError::BadPacketing);
  }
  if (opt.ordered_flow) {
    p.flows.insert(*opt.ordered_flow);
  }
  tags_.emplace(std::make_tuple(s.peer, sent->channel, sent->id), s.tag);
  ++counters_.slices_sent;
  return {};
}

std::optional<TaDelivery> RtpTransport::poll_deliver() {
  if (rx_.empty()) {
    return std::nullopt;
  }
  TaDelivery d = std::move(rx_.front());
  rx_.pop_front();
  return d;
}

std::optional<TaTxEvent> RtpTransport::poll_event() {
  if (events_.empty()) {
    return std::nullopt;
  }
  Event e = std::move(events_.front());
  events_.pop_front();
  if (e.release) {
    release(e.release->first, e.release->second);
  }
  return e.ev;
}

Status RtpTransport::verdict(std::uint64_t handle, const tp::TaVerdict& v, Time now) {
  const auto it = held_.find(handle);
  if (it == held_.end()) {
    return make_unexpected(Error{Errc::NotAllowed, 0, "RtpTransport", "handle",
                                 "no delivered message waits for a verdict with this handle",
                                 "§6.8.2"}
                               .with_value(handle));
  }
  const Held h = it->second;
  auto pit = peers_.find(h.peer);
  touch(pit->second);
  auto st = pit->second.group.ta_verdict(h.channel, h.last_psn, v, now);
  if (!st) {
    return st; // e.g. a reserved RNR_Timer: the message still waits
  }
  held_.erase(it);
  ++counters_.verdicts;
  pump(h.peer, pit->second);
  return {};
}

void RtpTransport::release(PeerId id, std::size_t channel) {
  const auto it = peers_.find(id);
  if (it == peers_.end()) {
    return;
  }
  Peer& p = it->second;
  touch(p);
  for (auto f = p.flows.begin(); f != p.flows.end();) {
    if (p.group.flow_channel(*f) == channel) {
      p.group.release_flow(*f);
      f = p.flows.erase(f);
    } else {
      ++f;
    }
  }
}

// Moves the group's deliveries and outcomes into the adapter's queues.
void RtpTransport::pump(PeerId id, Peer& p) {
  touch(p);
  while (auto d = p.group.poll_deliver()) {
    TaDelivery out;
    out.peer = id;
    out.stream = stream_id(id, d->channel);
    auto& m = d->message;
    if (!m.shared.empty()) {
      out.shared = std::move(m.shared);
    } else if (!m.packets.empty()) {
      out.packets = std::move(m.packets);
    } else {
      std::uint32_t start = 0;
      for (const std::uint32_t end : m.packet_ends) {
        out.packets.emplace_back(m.data.begin() + start, m.data.begin() + end);
        start = end;
      }
      if (m.packet_ends.empty()) {
        out.packets.push_back(m.data);
      }
    }
    if (m.needs_verdict) {
      const std::uint64_t h = next_handle_++;
      held_.emplace(h, Held{id, d->channel, m.last_psn});
      out.verdict_handle = h;
    }
    rx_.push_back(std::move(out));
    ++counters_.slices_delivered;
  }
  while (auto g = p.group.poll_event()) {
    auto take_tag = [&](tp::MsgId msg) -> std::optional<std::uint64_t> {
      const auto t = tags_.find(std::make_tuple(id, g->channel, msg));
      if (t == tags_.end()) {
        return std::nullopt;
      }
      const std::uint64_t tag = t->second;
      tags_.erase(t);
      return tag;
    };
    if (const auto* a = std::get_if<tp::MsgAcked>(&g->event)) {
      if (const auto tag = take_tag(a->id)) {
        events_.push_back(Event{TaTxEvent{*tag, TaTxEvent::Kind::Delivered, {}, Time{0}}, {}});
      }
    } else if (const auto* st = std::get_if<tp::TaStatus>(&g->event)) {
      if (const auto tag = take_tag(st->id)) {
        events_.push_back(
            Event{TaTxEvent{*tag, TaTxEvent::Kind::Status, st->verdict, st->retry_after}, {}});
      }
    } else if (const auto* f = std::get_if<tp::ChannelFailed>(&g->event)) {
      const std::size_t first = events_.size();
      for (const tp::MsgId msg : f->failed) {
        if (const auto tag = take_tag(msg)) {
          events_.push_back(Event{TaTxEvent{*tag, TaTxEvent::Kind::Failed, {}, Time{0}}, {}});
        }
      }
      if (events_.size() == first) {
        release(id, g->channel); // nothing to report first
      } else {
        events_.back().release = std::make_pair(id, g->channel);
      }
    }
    // Other TpEvent alternatives: nothing for the TA.
  }
}

// ---------------------------------------------------------------------------------------------
// Network side

std::uint64_t RtpTransport::rx_rejects(const tp::TpGroup& g) noexcept {
  std::uint64_t n = g.counters().malformed + g.counters().unknown_tpn;
  for (std::size_t i = 0; i < g.size(); ++i) {
    const auto& c = g.channel(i).counters();
    n += c.malformed + c.wrong_tpn;
  }
  return n;
}

void RtpTransport::on_receive(const NetPacket& p, Time now) {
  ++counters_.packets_received;
  Peer* const found = find_peer(p.src);
  if (p.dst != self_ || found == nullptr) {
    ++counters_.malformed;
    return;
  }
  Peer& peer = *found;
  touch(peer);
  const std::uint64_t before = rx_rejects(peer.group);
  // MODEL: the arrival port is not checked. A packet that came as a share is kept as
  // one up to the TA (TpChannel::on_receive's origin).
  peer.group.on_receive(0, p.view(), p.cci, now, p.shared.empty() ? nullptr : &p.shared);
  counters_.malformed += rx_rejects(peer.group) - before;
  pump(p.src, peer);
}

std::optional<NetPacket> RtpTransport::poll_transmit(Time now) {
  if (peers_.empty()) {
    return std::nullopt;
  }
  // Peers in id order from tx_next_, as the map orders them; an idle one (idle_) is passed by
  // as its group would pass it: a poll that gave nothing and changed nothing it would redo.
  const std::size_t n = peer_ids_.size();
  const std::size_t start = static_cast<std::size_t>(
      std::lower_bound(peer_ids_.begin(), peer_ids_.end(), tx_next_) - peer_ids_.begin());
  for (std::size_t k = 0; k < n; ++k) {
    const std::size_t i = (start + k) % n;
    if (idle_[i] != 0) {
      continue;
    }
    Peer& peer = *peer_at_[i];
    auto o = peer.group.poll_transmit(now);
    if (!o) {
      // A channel with nothing to send changes no timer (TpChannel::poll_transmit builds a
      // packet before it starts or moves one); next_timeout_scan() is there to test it.
      idle_[i] = peer.group.waits_for_input() ? 1 : 0;
      continue;
    }
    touch(peer);
    NetPacket p;
    p.src = self_;
    p.dst = peer_ids_[i];
    p.bytes = std::move(o->out.tp);
    p.shared = std::move(o->out.shared);
    p.control = o->out.control;
    p.cci = o->out.cci;
    p.entropy = o->entropy;
    p.rt = o->rt;
    p.vl = 0; // MODEL: one VL and SL for the TA's traffic
    p.sl = 0;
    ++counters_.packets_sent;
    if (p.control) {
      ++counters_.control_packets;
    }
    tx_next_ = peer_ids_[i] + 1;
    return p;
  }
  return std::nullopt;
}

Time RtpTransport::next_timeout() const noexcept {
  if (!timer_stale_) {
    return timer_;
  }
  // timer_ is still the minimum of timers_ as they were: a refreshed timer below it is the new
  // minimum; only one that may have held the minimum and moved later asks for a full scan.
  Time t = timer_;
  bool rescan = false;
  for (const std::uint32_t i : stale_list_) {
    const Time was = timers_[i];
    const Time now_due = peer_at_[i]->group.next_timeout();
    timers_[i] = now_due;
    stale_[i] = 0;
    if (now_due < t) {
      t = now_due;
    } else if (was == timer_ && now_due > was) {
      rescan = true;
    }
  }
  stale_list_.clear();
  if (rescan) {
    t = kNever;
    for (const Time x : timers_) {
      t = std::min(t, x);
    }
  }
  timer_ = t;
  timer_stale_ = false;
  return t;
}

Time RtpTransport::next_timeout_scan() const noexcept {
  Time t = kNever;
  for (const auto& [id, p] : peers_) {
    t = std::min(t, p.group.next_timeout());
  }
  return t;
}

void RtpTransport::on_timeout(Time now) {
  if (next_timeout() > now) {
    return; // (every peer's timer is fresh from here: a peer's pump touches that peer only)
  }
  for (auto& [id, p] : peers_) {
    if (timers_[p.index] <= now) {
      p.group.on_timeout(now);
      pump(id, p); // touches it
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Mesh

Result<std::vector<std::unique_ptr<TaTransport>>>
make_rtp_transports(std::size_t devices, std::span<const std::pair<PeerId, PeerId>> pairs,
                    const RtpTransportConfig& cfg, Rng& rng) {
  if (auto st = validate(cfg); !st) {
    return make_unexpected(st.error());
  }
  if (devices < 2 || devices * cfg.channels >= kTpnLimit) {
    return make_unexpected(Error{Errc::OutOfRange, 0, "make_rtp_mesh", "devices",
                                 "need 2 or more devices, and devices x channels below 2^24 "
                                 "(24-bit TPNs)",
                                 "§6.2.1"}
                               .with_value(devices));
  }
  const std::size_t n = cfg.channels;
  auto tpn = [n](std::size_t peer, std::size_t k) {
    return static_cast<std::uint32_t>(peer * n + k + 1);
  };
  std::vector<std::map<PeerId, tp::TpGroup>> groups(devices);
  for (const auto& [x, y] : pairs) {
    const PeerId i = std::min(x, y);
    const PeerId j = std::max(x, y);
    if (i == j || j >= devices || groups[i].contains(j)) {
      continue;
    }
    // Device i's end of member k towards j, and j's towards i.
    std::vector<tp::TpChannelConfig> ij;
    std::vector<tp::TpChannelConfig> ji;
    for (std::size_t k = 0; k < n; ++k) {
      const auto e = tp::connect_channel(cfg.channel, tpn(j, k), tpn(i, k), rng);
      ij.push_back(e.a);
      ji.push_back(e.b);
    }
    auto gi = build_group(cfg, ij);
    if (!gi) {
      return make_unexpected(gi.error());
    }
    auto gj = build_group(cfg, ji);
    if (!gj) {
      return make_unexpected(gj.error());
    }
    groups[i].emplace(j, std::move(*gi));
    groups[j].emplace(i, std::move(*gj));
  }
  std::vector<std::unique_ptr<TaTransport>> out;
  for (std::size_t i = 0; i < devices; ++i) {
    out.push_back(
        std::make_unique<RtpTransport>(static_cast<PeerId>(i), cfg, std::move(groups[i])));
  }
  return out;
}

Result<std::vector<std::unique_ptr<TaTransport>>>
make_rtp_mesh(std::size_t devices, const RtpTransportConfig& cfg, Rng& rng) {
  std::vector<std::pair<PeerId, PeerId>> pairs;
  for (std::size_t i = 0; i < devices; ++i) {
    for (std::size_t j = i + 1; j < devices; ++j) {
      pairs.emplace_back(static_cast<PeerId>(i), static_cast<PeerId>(j));
    }
  }
  return make_rtp_transports(devices, pairs, cfg, rng);
}

} // namespace ub::ta

#include "protocol/tp/tp_group.hpp"

#include <algorithm>
#include <array>
#include <limits>

#include "protocol/tp/psn.hpp"
#include "protocol/tp/rtph.hpp"

namespace ub::tp {

namespace {

// Error headers naming a member: Error holds string_views to literals only.
constexpr std::array<std::string_view, kMaxTpgChannels> kMemberNames = {
    "TpGroupConfig.members[0]",  "TpGroupConfig.members[1]",  "TpGroupConfig.members[2]",
    "TpGroupConfig.members[3]",  "TpGroupConfig.members[4]",  "TpGroupConfig.members[5]",
    "TpGroupConfig.members[6]",  "TpGroupConfig.members[7]",  "TpGroupConfig.members[8]",
    "TpGroupConfig.members[9]",  "TpGroupConfig.members[10]", "TpGroupConfig.members[11]",
    "TpGroupConfig.members[12]", "TpGroupConfig.members[13]", "TpGroupConfig.members[14]",
    "TpGroupConfig.members[15]", "TpGroupConfig.members[16]", "TpGroupConfig.members[17]",
    "TpGroupConfig.members[18]", "TpGroupConfig.members[19]", "TpGroupConfig.members[20]",
    "TpGroupConfig.members[21]", "TpGroupConfig.members[22]", "TpGroupConfig.members[23]",
    "TpGroupConfig.members[24]", "TpGroupConfig.members[25]", "TpGroupConfig.members[26]",
    "TpGroupConfig.members[27]", "TpGroupConfig.members[28]", "TpGroupConfig.members[29]",
    "TpGroupConfig.members[30]", "TpGroupConfig.members[31]",
};

bool sprays(const LoadBalance& lb) noexcept {
  return !std::holds_alternative<PerFlow>(lb);
}

bool has_fast_retransmit(RetxAlgo a) noexcept {
  return a == RetxAlgo::GbnFast || a == RetxAlgo::SelectiveFast;
}

} // namespace

std::string_view to_string(TpgPolicy p) noexcept {
  switch (p) {
  case TpgPolicy::RoundRobin:
    return "round-robin";
  case TpgPolicy::LeastInflight:
    return "least-inflight";
  case TpgPolicy::ShortestQueue:
    return "shortest-queue";
  }
  return "?";
}

std::string_view to_string(GroupSendError e) noexcept {
  switch (e) {
  case GroupSendError::Empty:
    return "empty message";
  case GroupSendError::QueueFull:
    return "queue full";
  case GroupSendError::FlowChannelFailed:
    return "the ordered flow's channel has failed";
  case GroupSendError::BadPacketing:
    return "the packets break the MTU rule (§6.7.1.1.1)";
  case GroupSendError::AllChannelsFailed:
    return "every channel has failed";
  }
  return "?";
}

Status validate(const TpGroupConfig& c) noexcept {
  const std::size_t n = c.members.size();
  if (n == 0 || n > kMaxTpgChannels) {
    return make_unexpected(Error{Errc::OutOfRange, 0, "TpGroupConfig", "members",
                                 "a group has 1..32 channels", "§6.5.1.1"}
                               .with_value(n));
  }
  for (std::size_t i = 0; i < n; ++i) {
    const TpgMemberConfig& m = c.members[i];
    const std::string_view who = kMemberNames[i];
    if (auto st = validate(m.channel); !st) {
      Error e = st.error();
      e.header = who; // the field stays the TpChannelConfig field's name
      return make_unexpected(e);
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (c.members[j].channel.local_tpn == m.channel.local_tpn) {
        return make_unexpected(Error{Errc::NotAllowed, 0, who, "channel.local_tpn",
                                     "two members share a TPN: received packets are told "
                                     "apart by DstTPN",
                                     "§6.7.1.2.1"}
                                   .with_value(m.channel.local_tpn));
      }
    }
    if (const auto* s = std::get_if<SenderSpray>(&m.lb)) {
      if (s->range == 0 || s->range > kMaxSprayRange) {
        return make_unexpected(Error{Errc::OutOfRange, 0, who, "lb.range",
                                     "sender spraying uses 1..8 entropy values", "§6.5.1.3"}
                                   .with_value(s->range));
      }
      if (std::uint32_t{s->base} + s->range - 1 > std::numeric_limits<std::uint16_t>::max()) {
        return make_unexpected(Error{Errc::OutOfRange, 0, who, "lb.base",
                                     "base + range - 1 must fit the 16-bit entropy", "§6.5.1.3"}
                                   .with_value(s->base));
      }
    }
    if (c.strict_spray_rules && sprays(m.lb) && has_fast_retransmit(m.channel.retx)) {
      return make_unexpected(
          Error{Errc::NotAllowed, 0, who, "channel.retx",
                "per-packet load balancing wants retransmission on timeout only (GbnRto or "
                "SelectiveRto); clear strict_spray_rules to allow it",
                "§6.5.1.4.2"}
              .with_value(static_cast<std::uint64_t>(m.channel.retx)));
    }
  }
  return {};
}

Result<TpGroup> TpGroup::make(TpGroupConfig cfg, std::vector<std::unique_ptr<CongestionControl>> cc,
                              std::vector<std::unique_ptr<CcFeedback>> feedback, Tracer* tracer) {
  if (auto st = validate(cfg); !st) {
    return make_unexpected(st.error());
  }
  std::vector<Member> members;
  members.reserve(cfg.members.size());
  for (std::size_t i = 0; i < cfg.members.size(); ++i) {
    std::unique_ptr<CongestionControl> c = i < cc.size() ? std::move(cc[i]) : nullptr;
    std::unique_ptr<CcFeedback> f = i < feedback.size() ? std::move(feedback[i]) : nullptr;
    members.push_back(Member{TpChannel(cfg.members[i].channel, std::move(c), std::move(f), tracer),
                             cfg.members[i],
                             false,
                             0,
                             {}});
  }
  return TpGroup(std::move(cfg), std::move(members), tracer);
}

TpGroup::TpGroup(TpGroupConfig cfg, std::vector<Member> members, Tracer* tracer)
    : cfg_(std::move(cfg)), members_(std::move(members)), tracer_(tracer) {
  for (std::size_t i = 0; i < members_.size(); ++i) {
    by_tpn_.emplace(members_[i].cfg.channel.local_tpn, i);
  }
}

std::size_t TpGroup::live_members() const noexcept {
  return static_cast<std::size_t>(
      std::count_if(members_.begin(), members_.end(), [](const Member& m) { return !m.failed; }));
}

// ---------------------------------------------------------------------------------------------
// Upper layer

std::optional<std::size_t> TpGroup::choose(std::uint32_t exclude) const {
  const std::size_t n = members_.size();
  std::optional<std::size_t> best;
  std::uint64_t best_load = 0;
  // Scan from the policy cursor, so that ties go to members in turn (MODEL, A-100).
  for (std::size_t k = 0; k < n; ++k) {
    const std::size_t i = (rr_next_ + k) % n;
    if (members_[i].failed || ((exclude >> i) & 1U) != 0) {
      continue;
    }
    std::uint64_t load = 0;
    switch (cfg_.policy) {
    case TpgPolicy::RoundRobin:
      return i;
    case TpgPolicy::LeastInflight:
      load = members_[i].ch.outstanding();
      break;
    case TpgPolicy::ShortestQueue:
      load = members_[i].ch.queued_messages() + members_[i].ch.unacked_messages();
      break;
    }
    if (!best || load < best_load) {
      best = i;
      best_load = load;
    }
  }
  return best;
}

Expected<GroupSent, GroupSendError> TpGroup::send(std::span<const Byte> message,
                                                  const SendOptions& opt) {
  return submit(message.empty(), opt,
                [&](TpChannel& ch, MsgId* id) { return ch.send(message, id); });
}

Expected<GroupSent, GroupSendError> TpGroup::send_packets(std::span<const TpPacketUnit> units,
                                                          const SendOptions& opt) {
  return submit(units.empty(), opt,
                [&](TpChannel& ch, MsgId* id) { return ch.send_packets(units, id); });
}

Expected<GroupSent, GroupSendError> TpGroup::submit_packets(std::span<TpPacketUnit> units,
                                                            const SendOptions& opt) {
  // A member that refuses leaves the units intact, so the next choice still has them.
  return submit(units.empty(), opt,
                [&](TpChannel& ch, MsgId* id) { return ch.submit_packets(units, id); });
}

template <class Submit>
Expected<GroupSent, GroupSendError> TpGroup::submit(bool empty, const SendOptions& opt,
                                                    Submit&& to_channel) {
  auto refuse = [this](GroupSendError e) -> Expected<GroupSent, GroupSendError> {
    ++counters_.messages_refused;
    return make_unexpected(e);
  };
  if (empty) {
    return refuse(GroupSendError::Empty);
  }
  std::optional<std::size_t> pinned;
  if (opt.ordered_flow) {
    if (auto it = flows_.find(*opt.ordered_flow); it != flows_.end()) {
      pinned = it->second;
      if (members_[*pinned].failed) {
        // Table 7-14: ROL over RTP uses one channel; moving the flow would lose its order.
        return refuse(GroupSendError::FlowChannelFailed);
      }
    }
  }
  std::uint32_t exclude = 0;
  while (true) {
    const std::optional<std::size_t> pick = pinned ? pinned : choose(exclude);
    if (!pick) {
      return refuse(live_members() == 0 ? GroupSendError::AllChannelsFailed
                                        : GroupSendError::QueueFull);
    }
    Member& m = members_[*pick];
    MsgId id = 0;
    const auto st = to_channel(m.ch, &id);
    if (st == TpChannel::SendStatus::BadPacketing) {
      return refuse(GroupSendError::BadPacketing);
    }
    if (st == TpChannel::SendStatus::Queued) {
      if (!pinned) {
        rr_next_ = (*pick + 1) % members_.size();
        if (opt.ordered_flow) {
          flows_.emplace(*opt.ordered_flow, *pick);
        }
      }
      m.msgs.push_back(MsgInfo{id, m.next_tpmsn, opt.allow_spray});
      m.next_tpmsn = (m.next_tpmsn + 1) & kPsnMask; // TPMSN is 24 bits, from 0 (Table 6-2)
      ++counters_.messages_sent;
      return GroupSent{*pick, id};
    }
    if (pinned) {
      return refuse(st == TpChannel::SendStatus::Failed ? GroupSendError::FlowChannelFailed
                                                        : GroupSendError::QueueFull);
    }
    exclude |= 1U << *pick; // full (or failed without its event yet): try the next choice
  }
}

std::optional<std::size_t> TpGroup::flow_channel(std::uint64_t flow) const {
  if (auto it = flows_.find(flow); it != flows_.end()) {
    return it->second;
  }
  return std::nullopt;
}

void TpGroup::release_flow(std::uint64_t flow) {
  flows_.erase(flow);
}

std::optional<GroupDelivery> TpGroup::poll_deliver() {
  const std::size_t n = members_.size();
  for (std::size_t k = 0; k < n; ++k) {
    const std::size_t i = (rx_next_ + k) % n;
    if (auto m = members_[i].ch.poll_deliver()) {
      rx_next_ = (i + 1) % n;
      return GroupDelivery{i, std::move(*m)};
    }
  }
  return std::nullopt;
}

std::optional<GroupEvent> TpGroup::poll_event() {
  if (events_.empty()) {
    return std::nullopt;
  }
  GroupEvent e = std::move(events_.front());
  events_.pop_front();
  return e;
}

Status TpGroup::ta_verdict(std::size_t channel, std::uint32_t handle, const TaVerdict& v,
                           Time now) {
  if (channel >= members_.size()) {
    return make_unexpected(
        Error{Errc::OutOfRange, 0, "TpGroup", "channel", "no such member", "§6.5.1.1"}.with_value(
            channel));
  }
  auto st = members_[channel].ch.ta_verdict(handle, v, now);
  drain_events(channel, now);
  return st;
}

void TpGroup::drain_events(std::size_t i, Time now) {
  Member& m = members_[i];
  while (auto ev = m.ch.poll_event()) {
    if (const auto* acked = std::get_if<MsgAcked>(&*ev)) {
      // A channel retires messages in send order: drop the bookkeeping up to this one.
      while (!m.msgs.empty() && m.msgs.front().id <= acked->id) {
        m.msgs.pop_front();
      }
    } else if (const auto* f = std::get_if<ChannelFailed>(&*ev)) {
      if (!m.failed) {
        m.failed = true;
        ++counters_.members_failed;
        trace(now, "tpg_member_failed", i, f->failed.size());
      }
      counters_.messages_failed += f->failed.size();
      m.msgs.clear();
    }
    // Other alternatives pass through untouched.
    events_.push_back(GroupEvent{i, std::move(*ev)});
  }
}

// ---------------------------------------------------------------------------------------------
// Network side

void TpGroup::on_receive(std::uint8_t /*port*/, std::span<const Byte> tp, const nl::Cci& cci,
                         Time now, const SharedBytes* origin) {
  const auto h = Codec<Rtph>::decode(tp);
  if (!h) {
    ++counters_.malformed;
    return;
  }
  const auto it = by_tpn_.find(h->dst_tpn);
  if (it == by_tpn_.end()) {
    ++counters_.unknown_tpn;
    trace(now, "tpg_unknown_tpn", h->dst_tpn);
    return;
  }
  members_[it->second].ch.on_receive(tp, cci, now, origin);
  drain_events(it->second, now);
}

bool TpGroup::spray_allowed(const Member& m, std::uint32_t tpmsn) const {
  if (m.msgs.empty()) {
    return false;
  }
  // The unacknowledged messages hold consecutive TPMSNs from the front's.
  const std::uint32_t k = psn_dist(tpmsn, m.msgs.front().tpmsn);
  return k < m.msgs.size() && m.msgs[k].tpmsn == tpmsn && m.msgs[k].spray;
}

void TpGroup::decorate(GroupOut& g) {
  const Member& m = members_[g.channel];
  g.port = m.cfg.port;
  bool spray = false;
  std::uint32_t psn = 0;
  if (!g.out.control) {
    if (const auto h = Codec<Rtph>::decode(g.out.bytes())) {
      spray = spray_allowed(m, h->tpmsn);
      psn = h->psn;
    }
  }
  // MODEL: control packets (ACKs, CNPs) always go per flow on the member's base entropy.
  std::uint8_t rt = m.cfg.shortest_paths ? 0b10 : 0b00;
  if (const auto* pf = std::get_if<PerFlow>(&m.cfg.lb)) {
    g.entropy = pf->entropy;
    spray = false;
  } else if (const auto* ss = std::get_if<SenderSpray>(&m.cfg.lb)) {
    // MODEL: the entropy is a function of the PSN, so a retransmission takes the path
    // its original took, and consecutive PSNs rotate over the range.
    g.entropy = spray ? static_cast<std::uint16_t>(ss->base + psn % ss->range) : ss->base;
  } else if (const auto* sw = std::get_if<SwitchSpray>(&m.cfg.lb)) {
    g.entropy = sw->entropy;
    if (spray) {
      rt |= 0b01; // Table 5-7: RT[0] = 1, the switches choose per packet
    }
  }
  g.rt = rt;
  if (spray) {
    ++counters_.sprayed_packets;
  }
}

std::optional<GroupOut> TpGroup::poll_transmit(Time now) {
  const std::size_t n = members_.size();
  for (std::size_t k = 0; k < n; ++k) {
    const std::size_t i = (tx_next_ + k) % n;
    if (auto o = members_[i].ch.poll_transmit(now)) {
      tx_next_ = (i + 1) % n; // MODEL: one packet per member in turn
      GroupOut g{};
      g.channel = i;
      g.out = std::move(*o);
      decorate(g);
      return g;
    }
  }
  return std::nullopt;
}

bool TpGroup::waits_for_input() const noexcept {
  return std::all_of(members_.begin(), members_.end(),
                     [](const Member& m) { return m.ch.waits_for_input(); });
}

Time TpGroup::next_timeout() const noexcept {
  Time t = kNever;
  for (const auto& m : members_) {
    t = std::min(t, m.ch.next_timeout());
  }
  return t;
}

void TpGroup::on_timeout(Time now) {
  for (std::size_t i = 0; i < members_.size(); ++i) {
    if (members_[i].ch.next_timeout() <= now) {
      members_[i].ch.on_timeout(now);
      drain_events(i, now);
    }
  }
}

void TpGroup::trace(Time now, std::string_view what, std::uint64_t a, std::uint64_t b) {
  if (tracer_ != nullptr) {
    tracer_->on_event(TraceEvent{now, "tpg", what, a, b});
  }
}

} // namespace ub::tp

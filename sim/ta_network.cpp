#include "sim/ta_network.hpp"

#include <algorithm>

namespace ub::sim {

namespace {

constexpr Time kDupGap{1'000};   // a duplicate arrives 1 ns after its original
constexpr Time kStallGap{1'000}; // a timer still due after firing is retried 1 ns later

Status bad(std::string_view field, std::string_view why, std::uint64_t v = 0) {
  return make_unexpected(Error{Errc::OutOfRange, 0, "TaNetworkConfig", field, why, "", v, v != 0});
}

bool probability(double p) noexcept {
  return p >= 0.0 && p < 1.0;
}

} // namespace

std::string_view to_string(LossMode m) noexcept {
  switch (m) {
  case LossMode::LinkRetry:
    return "link-retry";
  case LossMode::Drop:
    return "drop";
  }
  return "?";
}

Status TaNetworkConfig::validate() const {
  if (delay < Time{0}) {
    return bad("delay", "must not be negative");
  }
  if (!probability(loss)) {
    return bad("loss", "a probability in [0, 1)");
  }
  if (!probability(dup)) {
    return bad("dup", "a probability in [0, 1)");
  }
  if (!probability(reorder)) {
    return bad("reorder", "a probability in [0, 1)");
  }
  if (reorder_delay < Time{0}) {
    return bad("reorder_delay", "must not be negative");
  }
  if (link_retry_delay < Time{0}) {
    return bad("link_retry_delay", "must not be negative");
  }
  if (loss_mode != LossMode::LinkRetry && loss_mode != LossMode::Drop) {
    return bad("loss_mode", "must be LinkRetry or Drop", static_cast<std::uint64_t>(loss_mode));
  }
  return {};
}

Result<TaNetwork> TaNetwork::make(std::vector<ta::TaTransport*> transports,
                                  const TaNetworkConfig& cfg) {
  if (auto st = cfg.validate(); !st) {
    return make_unexpected(st.error());
  }
  auto refuse = [](std::string_view why, std::uint64_t v) -> Result<TaNetwork> {
    return make_unexpected(Error{Errc::OutOfRange, 0, "TaNetwork", "transports", why, "", v, true});
  };
  if (transports.empty()) {
    return refuse("needs at least one transport", 0);
  }
  std::vector<Node> nodes;
  for (std::size_t i = 0; i < transports.size(); ++i) {
    if (transports[i] == nullptr) {
      return refuse("a transport is null (the value is its index)", i);
    }
    if (transports[i]->self() != i) {
      return refuse("transport i must have self() == i (the value is i)", i);
    }
    nodes.push_back(Node{transports[i], Time{-1}});
  }
  return TaNetwork(std::move(nodes), cfg);
}

TaNetwork::TaNetwork(std::vector<Node> nodes, const TaNetworkConfig& cfg)
    : nodes_(std::move(nodes)), cfg_(cfg), rng_(cfg.seed, 11) {}

void TaNetwork::set_delay(ta::PeerId src, ta::PeerId dst, Time d) {
  delay_[{src, dst}] = d;
}

void TaNetwork::mix(std::uint64_t v) noexcept {
  for (int i = 0; i < 8; ++i) {
    digest_ ^= (v >> (8 * i)) & 0xFFU;
    digest_ *= 0x100000001b3ULL;
  }
}

Time TaNetwork::next_event_time() {
  flush();
  return earliest();
}

Time TaNetwork::earliest() const noexcept {
  Time t = wire_.empty() ? kNever : std::max(now_, wire_.begin()->first.first);
  for (const Node& n : nodes_) {
    Time due = n.t->next_timeout();
    if (due <= now_) {
      // Already due. If it fired at this very time and is due still, it made no progress: look
      // again a little later rather than spin (counted in stalled_timers).
      due = n.fired_at == now_ ? now_ + kStallGap : now_;
    }
    t = std::min(t, due);
  }
  return t;
}

bool TaNetwork::step(const Hook& hook) {
  const Time t = next_event_time(); // what the caller sent since the last step leaves now
  if (t == kNever) {
    return false;
  }
  now_ = std::max(now_, t);
  while (!wire_.empty() && wire_.begin()->first.first <= now_) {
    auto node = wire_.extract(wire_.begin());
    ta::NetPacket& p = node.mapped();
    if (p.dst >= nodes_.size()) {
      ++counters_.misaddressed;
      continue;
    }
    ++counters_.delivered;
    mix(static_cast<std::uint64_t>(now_.count()));
    mix((std::uint64_t{p.src} << 32U) | p.dst);
    mix(p.view().size());
    for (const Byte b : p.view()) {
      digest_ ^= b;
      digest_ *= 0x100000001b3ULL;
    }
    nodes_[p.dst].t->on_receive(p, now_);
  }
  for (Node& n : nodes_) {
    if (n.t->next_timeout() <= now_) {
      if (n.fired_at == now_) {
        ++counters_.stalled_timers;
      }
      n.t->on_timeout(now_);
      n.fired_at = now_;
    }
  }
  flush();
  if (hook) {
    hook(now_);
  }
  return true;
}

void TaNetwork::run_until(Time t, const Hook& hook) {
  while (true) {
    const Time next = next_event_time();
    if (next == kNever || next > t) {
      break;
    }
    step(hook);
  }
  now_ = std::max(now_, t);
}

bool TaNetwork::run_until_idle(Time limit, const Hook& hook) {
  while (true) {
    const Time next = next_event_time();
    if (next == kNever) {
      return true;
    }
    if (next > limit) {
      return false;
    }
    step(hook);
  }
}

void TaNetwork::flush() {
  for (Node& n : nodes_) {
    while (auto p = n.t->poll_transmit(now_)) {
      transmit(std::move(*p));
    }
  }
}

void TaNetwork::transmit(ta::NetPacket p) {
  ++counters_.sent;
  const Dir dir{p.src, p.dst};
  Time depart = now_;
  if (cfg_.rate_bps != 0) {
    Time& free = link_free_[dir];
    depart = std::max(depart, free) +
             BitRate{cfg_.rate_bps}.time_for_bits(std::uint64_t{p.view().size()} * 8U);
    free = depart;
  }
  const auto d = delay_.find(dir);
  Time at = depart + (d == delay_.end() ? cfg_.delay : d->second);
  // The draws happen in a fixed order for every packet, so one seed gives one run.
  const bool lost = cfg_.loss > 0 && rng_.bernoulli(cfg_.loss);
  const bool twice = cfg_.dup > 0 && rng_.bernoulli(cfg_.dup);
  const bool late = cfg_.reorder > 0 && rng_.bernoulli(cfg_.reorder);
  if (lost && (cfg_.control_loss || !p.control)) {
    if (cfg_.loss_mode == LossMode::Drop) {
      ++counters_.dropped;
      return;
    }
    ++counters_.link_retries;
    at += cfg_.link_retry_delay;
  }
  if (late) {
    ++counters_.reordered;
    at += cfg_.reorder_delay;
  }
  const bool per_flow = (p.rt & 1U) == 0;
  if (twice) {
    ++counters_.duplicated;
    ta::NetPacket copy = p;
    arrive(at, std::move(p), per_flow);
    arrive(at + kDupGap, std::move(copy), per_flow);
    return;
  }
  arrive(at, std::move(p), per_flow);
}

void TaNetwork::arrive(Time at, ta::NetPacket p, bool rt_per_flow) {
  if (rt_per_flow) {
    // One path per flow (Table 5-7 RT[0] = 0): nothing overtakes what left before it.
    Time& last = flow_last_[{p.src, p.dst, p.entropy}];
    at = std::max(at, last);
    last = at;
  }
  wire_.emplace(std::make_pair(at, seq_++), std::move(p));
}

} // namespace ub::sim

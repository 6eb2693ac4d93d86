#pragma once
// Test harness for the transaction engines: N TaEndpoints over their transports, a network that
// carries NetPackets with a fixed delay plus seeded jitter (which reorders) and loss, and a loop
// that runs until everything is quiet. Each target gets the same two memory segments.
//
// Loss (transaction-design X30): NetLoss::Drop loses the packet (RTP's TP retransmits; CTP and
// bypass lose the slice and only the TA's timeout notices); NetLoss::LinkRetry models the data
// link's retry below CTP and bypass (UB-Base-2.0 §6.3.2, §8.3): the packet arrives
// `link_retry_delay` late and every later packet of the same link (source, destination) waits
// behind it, so the link's order holds. Routing (Table 5-7): with `jitter_per_packet_only`, the
// jitter reorders only packets routed per packet (RT[0] = 1); packets routed per flow keep their
// link's order.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <vector>

#include "protocol/common/rng.hpp"
#include "protocol/ta/ta_endpoint.hpp"

namespace ub::ta::test {

inline constexpr std::uint32_t kSegToken = 1;    // data segment TokenID
inline constexpr std::uint32_t kNotifyToken = 2; // notify segment TokenID
inline constexpr std::uint64_t kSegUba = 0x10000;
inline constexpr std::uint64_t kSegSize = 1 << 20;
inline constexpr std::uint64_t kNotifyUba = 0x400000;
inline constexpr std::uint32_t kTokenValue = 0xC0FFEE;
inline constexpr std::uint32_t kJetty = 7;
inline constexpr std::uint32_t kJettyToken = 0x5EED;

enum class NetLoss : std::uint8_t { Drop, LinkRetry };

struct NetConfig {
  Time delay{100'000}; // one way (100 ns)
  Time jitter{0};      // extra uniform delay in [0, jitter): reorders packets
  double loss = 0.0;   // packets lost (dropped, or retried by the link)
  std::uint64_t seed = 1;
  NetLoss loss_mode = NetLoss::Drop;
  Time link_retry_delay{1'000'000}; // LinkRetry: how late a lost packet arrives (1 us)
  bool jitter_per_packet_only = false;
};

// Makes a target's two segments (read / write / atomic, token checked) and a receive queue.
inline void set_up_target(TaTarget& t, PeerId self, std::uint32_t rqes = 64,
                          std::uint32_t rqe_bytes = 64 * 1024, bool lazy = false) {
  auto& u = t.ummu();
  (void)u.add_entity(self);
  (void)u.add_token_context(self, kSegToken);
  (void)u.map(self, kSegToken, kSegUba, kSegSize, 0x100000, !lazy);
  PermissionEntry e;
  e.base = kSegUba;
  e.limit = kSegUba + kSegSize - 1;
  e.token_val0 = kTokenValue;
  (void)u.add_permission(self, kSegToken, e);
  (void)u.add_token_context(self, kNotifyToken);
  (void)u.map(self, kNotifyToken, kNotifyUba, 4096, 0x900000);
  PermissionEntry n = e;
  n.base = kNotifyUba;
  n.limit = kNotifyUba + 4095;
  (void)u.add_permission(self, kNotifyToken, n);
  (void)t.add_receive_queue(kJetty, ReceiveQueueConfig{kJettyToken});
  for (std::uint32_t i = 0; i < rqes; ++i) {
    (void)t.post_receive(kJetty, rqe_bytes);
  }
}

// Node: anything with on_receive / poll_transmit / next_timeout / on_timeout built from
// (transport, EndpointConfig, observer): TaEndpoint, fn::UrmaDevice.
template <class Node>
class NodeNet {
public:
  NodeNet(std::vector<std::unique_ptr<TaTransport>> transports, const EndpointConfig& ep,
          const NetConfig& net, TxnObserver* observer = nullptr)
      : net_(net), rng_(net.seed, 21) {
    for (auto& t : transports) {
      eps_.push_back(std::make_unique<Node>(std::move(t), ep, observer));
    }
  }

  Node& ep(std::size_t i) { return *eps_.at(i); }
  [[nodiscard]] std::size_t size() const noexcept { return eps_.size(); }
  [[nodiscard]] Time now() const noexcept { return now_; }
  [[nodiscard]] std::uint64_t dropped() const noexcept { return dropped_; }
  [[nodiscard]] std::uint64_t link_retries() const noexcept { return link_retries_; }
  // Called for every packet before it enters the network: return false to drop it.
  std::function<bool(const NetPacket&)> filter;
  // Called for every packet that enters the network: extra time on the wire. A delayed packet
  // leaves its link's order (later packets may overtake it).
  std::function<Time(const NetPacket&)> extra_delay;

  // Runs until nothing is in flight and no timer is due before `limit`. Returns false if the
  // limit was reached with work left.
  bool run(Time limit = Time{10'000'000'000'000}) {
    for (int guard = 0; guard < 10'000'000; ++guard) {
      flush_transmits();
      Time next = kNever;
      if (!wire_.empty()) {
        next = wire_.begin()->first.first;
      }
      for (auto& e : eps_) {
        next = std::min(next, e->next_timeout());
      }
      if (next == kNever) {
        return true;
      }
      if (next > limit) {
        return false;
      }
      now_ = std::max(now_, next);
      while (!wire_.empty() && wire_.begin()->first.first <= now_) {
        NetPacket p = std::move(wire_.begin()->second);
        wire_.erase(wire_.begin());
        if (p.dst < eps_.size()) {
          eps_[p.dst]->on_receive(p, now_);
        }
      }
      for (auto& e : eps_) {
        if (e->next_timeout() <= now_) {
          e->on_timeout(now_);
        }
      }
    }
    return false;
  }

  void flush_transmits() {
    bool any = true;
    while (any) {
      any = false;
      for (auto& e : eps_) {
        while (auto p = e->poll_transmit(now_)) {
          any = true;
          if (filter && !filter(*p)) {
            ++dropped_;
            continue;
          }
          const bool lost = net_.loss > 0 && rng_.uniform() < net_.loss;
          if (lost && net_.loss_mode == NetLoss::Drop) {
            ++dropped_;
            continue;
          }
          Time at = now_ + net_.delay;
          if (lost) {
            ++link_retries_;
            at += net_.link_retry_delay;
          }
          Time& floor = link_floor_[{p->src, p->dst}];
          const bool jittered =
              net_.jitter > Time{0} && (!net_.jitter_per_packet_only || (p->rt & 1U) != 0);
          const Time held = extra_delay ? extra_delay(*p) : Time{0};
          if (held > Time{0}) {
            at += held;
          } else if (jittered) {
            at += Time{static_cast<std::int64_t>(
                rng_.below(static_cast<std::uint64_t>(net_.jitter.count())))};
          } else {
            at = std::max(at, floor); // the link's order: behind every earlier packet
          }
          if ((!jittered && held == Time{0}) || lost) {
            floor = std::max(floor, at); // a link retry holds the link for what follows
          }
          wire_.emplace(std::make_pair(at, seq_++), std::move(*p));
        }
      }
    }
  }

private:
  NetConfig net_;
  Rng rng_;
  std::vector<std::unique_ptr<Node>> eps_;
  std::map<std::pair<Time, std::uint64_t>, NetPacket> wire_;
  std::uint64_t seq_ = 0;
  std::map<std::pair<PeerId, PeerId>, Time> link_floor_; // per link: the latest arrival so far
  std::uint64_t dropped_ = 0;
  std::uint64_t link_retries_ = 0;
  Time now_{0};
};

using TxnNet = NodeNet<TaEndpoint>;

// A transport in front of another that passes everything through: a test derives from it and
// overrides what it changes (a filter on sends, on verdicts). shares_payload() keeps its default
// (false): the TA copies payloads into the units it sends through it.
class ForwardingTransport : public TaTransport {
public:
  explicit ForwardingTransport(std::unique_ptr<TaTransport> inner) : inner_(std::move(inner)) {}

  Expected<void, TaSendError> send(TaSend s, Time now) override {
    return inner_->send(std::move(s), now);
  }
  std::optional<TaDelivery> poll_deliver() override { return inner_->poll_deliver(); }
  std::optional<TaTxEvent> poll_event() override { return inner_->poll_event(); }
  Status verdict(std::uint64_t handle, const tp::TaVerdict& v, Time now) override {
    return inner_->verdict(handle, v, now);
  }
  void on_receive(const NetPacket& p, Time now) override { inner_->on_receive(p, now); }
  std::optional<NetPacket> poll_transmit(Time now) override { return inner_->poll_transmit(now); }
  Time next_timeout() const noexcept override { return inner_->next_timeout(); }
  Time next_timer() const noexcept override { return inner_->next_timer(); }
  void on_timeout(Time now) override { inner_->on_timeout(now); }
  TransportKind kind() const noexcept override { return inner_->kind(); }
  TaWire wire() const noexcept override { return inner_->wire(); }
  PeerId self() const noexcept override { return inner_->self(); }
  std::uint32_t max_payload() const noexcept override { return inner_->max_payload(); }
  bool multi_packet() const noexcept override { return inner_->multi_packet(); }
  bool has_tp_status() const noexcept override { return inner_->has_tp_status(); }
  const TransportCounters& counters() const noexcept override { return inner_->counters(); }

private:
  std::unique_ptr<TaTransport> inner_;
};

// N ideal transports.
inline std::vector<std::unique_ptr<TaTransport>> ideal_transports(std::size_t n,
                                                                  TaWire wire = TaWire::Cna16,
                                                                  std::uint32_t mtu = 4096,
                                                                  bool multi = true) {
  std::vector<std::unique_ptr<TaTransport>> v;
  for (std::size_t i = 0; i < n; ++i) {
    IdealConfig c;
    c.self = static_cast<PeerId>(i);
    c.wire = wire;
    c.mtu = mtu;
    c.multi_packet = multi;
    v.push_back(make_ideal_transport(c));
  }
  return v;
}

} // namespace ub::ta::test

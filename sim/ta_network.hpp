#pragma once
// A deterministic test network for transaction-layer transports (protocol/ta/transport.hpp): N
// devices, each a TaTransport whose self() is its index, joined pairwise by one-way links with a
// delay per direction, optional serialization, and seeded loss, duplication and reordering.
// It moves NetPackets and fires the transports' timers; it never touches their upper side (the TA
// engines, or a test, do that between steps).
//
// Loss has two meanings (transaction-design X30):
//   LossMode::LinkRetry (default): the data link below retries a lost packet, so it arrives
//     `link_retry_delay` late instead of never (CTP and TP bypass rely on this, §6.3.2, §8.3);
//   LossMode::Drop: the packet is gone (a switch drop no link recovers; RTP's TP retransmits,
//     CTP / bypass lose the slice and only the TA's timeout notices).
// Routing (Table 5-7): a packet with RT[0] = 0 follows its flow's one path, so the packets of a
// flow (source, destination, entropy) arrive in the order they left, whatever extra delay one of
// them takes (a later one waits behind it); a packet with RT[0] = 1 travels on its own, so an
// extra delay reorders it. Reordering = an extra `reorder_delay` on a packet, with probability
// `reorder`. A duplicate arrives 1 ns after its original.
//
// Time: step() jumps to the next event (an arrival or a transport timer), delivers every arrival
// due, fires the due timers, drains every transport's poll_transmit (devices in index order),
// then calls the hook, where the caller may do its own work (poll deliveries, send): what it
// sends leaves at the start of the next step, at the same time. Events at one time are handled in
// the order (arrival time, transmit order). Everything is deterministic: one seed.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "protocol/common/error.hpp"
#include "protocol/common/rng.hpp"
#include "protocol/common/units.hpp"
#include "protocol/ta/transport.hpp"

namespace ub::sim {

enum class LossMode : std::uint8_t { LinkRetry, Drop };
[[nodiscard]] std::string_view to_string(LossMode m) noexcept;

struct TaNetworkConfig {
  Time delay = Time{1'000'000}; // one way, every direction (set_delay overrides one)
  std::uint64_t rate_bps = 0;   // serialization of NetPacket bytes per direction; 0 = none
  double loss = 0.0;            // per packet
  bool control_loss = true;     // control packets (TP ACKs, CNPs) may be lost too
  LossMode loss_mode = LossMode::LinkRetry;
  Time link_retry_delay = Time{1'000'000}; // transaction-design §10: 1 us
  double dup = 0.0;
  double reorder = 0.0;
  Time reorder_delay = Time{3'000'000};
  std::uint64_t seed = 1;

  // Ok, or an Error naming the field (header "TaNetworkConfig").
  [[nodiscard]] Status validate() const;
};

struct TaNetworkCounters {
  std::uint64_t sent = 0;         // packets the transports handed over
  std::uint64_t dropped = 0;      // lost in Drop mode
  std::uint64_t link_retries = 0; // lost in LinkRetry mode: delivered late
  std::uint64_t duplicated = 0;
  std::uint64_t reordered = 0;      // given the extra reorder delay
  std::uint64_t delivered = 0;      // handed to a transport's on_receive (duplicates included)
  std::uint64_t misaddressed = 0;   // a destination that is no device: dropped
  std::uint64_t stalled_timers = 0; // a timer still due after firing: retried 1 ns later
};

class TaNetwork {
public:
  using Hook = std::function<void(Time now)>;

  // `transports[i]` is device i (its self() must be i). They are not owned and must outlive the
  // network. Errors: cfg.validate(); OutOfRange on "transports" (none, a null one, or a self()
  // that is not its index).
  [[nodiscard]] static Result<TaNetwork> make(std::vector<ta::TaTransport*> transports,
                                              const TaNetworkConfig& cfg);

  // The one-way delay from `src` to `dst` (devices of this network).
  void set_delay(ta::PeerId src, ta::PeerId dst, Time d);

  [[nodiscard]] Time now() const noexcept { return now_; }
  [[nodiscard]] std::size_t size() const noexcept { return nodes_.size(); }
  [[nodiscard]] ta::TaTransport& transport(ta::PeerId i) const { return *nodes_.at(i).t; }
  // Sends what the caller made ready (with TaTransport::send) since the last step: it leaves now.
  void flush();
  // flush(), then the time of the next event: the earliest packet arrival or transport timer (a
  // timer already due counts as now), kNever when nothing is pending.
  [[nodiscard]] Time next_event_time();
  // Sends what the caller made ready, moves to the next event, handles it, calls `hook`. False
  // (nothing done) when no event is pending.
  bool step(const Hook& hook = {});
  // step() while the next event is at or before `t`; then now() = max(now(), t).
  void run_until(Time t, const Hook& hook = {});
  // step() until no event is pending or the next one is after `limit`. True when it went quiet.
  bool run_until_idle(Time limit, const Hook& hook = {});

  [[nodiscard]] const TaNetworkCounters& counters() const noexcept { return counters_; }
  // FNV-1a over every delivered packet (time, source, destination, bytes): equal for equal runs.
  [[nodiscard]] std::uint64_t digest() const noexcept { return digest_; }
  [[nodiscard]] std::size_t in_flight() const noexcept { return wire_.size(); }

private:
  struct Node {
    ta::TaTransport* t = nullptr;
    Time fired_at = Time{-1}; // the time its on_timeout last ran
  };
  using Dir = std::pair<ta::PeerId, ta::PeerId>;

  TaNetwork(std::vector<Node> nodes, const TaNetworkConfig& cfg);

  [[nodiscard]] Time earliest() const noexcept;
  void transmit(ta::NetPacket p);
  void arrive(Time at, ta::NetPacket p, bool rt_per_flow);
  void mix(std::uint64_t v) noexcept;

  std::vector<Node> nodes_;
  TaNetworkConfig cfg_;
  Rng rng_;
  Time now_{0};
  std::map<Dir, Time> delay_;     // overrides of cfg_.delay
  std::map<Dir, Time> link_free_; // serialization: when each direction is free again
  std::map<std::tuple<ta::PeerId, ta::PeerId, std::uint16_t>, Time> flow_last_; // RT[0] = 0
  std::map<std::pair<Time, std::uint64_t>, ta::NetPacket> wire_;
  std::uint64_t seq_ = 0;
  TaNetworkCounters counters_{};
  std::uint64_t digest_ = 0xcbf29ce484222325ULL;
};

} // namespace ub::sim

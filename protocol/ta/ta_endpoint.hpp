#pragma once
// One device's transaction layer: an initiator and a target over one transport (UB-Base-2.0
// §7.1: every UB entity may issue and serve transactions). Received slices are decoded packet by
// packet (ta_packet.hpp) and routed: answers (ATAH) to the initiator, requests (BTAH) to the
// target; the transport's events about the initiator's slices go to the initiator.
//
// Sans-I/O, as TpChannel: the network side is on_receive / poll_transmit / next_timeout /
// on_timeout; the upper side is post / poll_completion and the target's set-up.

#include <memory>
#include <optional>

#include "protocol/ta/initiator.hpp"
#include "protocol/ta/target.hpp"
#include "protocol/ta/transport.hpp"

namespace ub::ta {

struct EndpointConfig {
  InitiatorConfig initiator{};
  TargetConfig target{};
};

struct EndpointCounters {
  std::uint64_t deliveries = 0;
  std::uint64_t undecodable = 0; // a delivered packet decode_ta refused (dropped, counted)
  std::uint64_t answer_send_failures = 0;
};

class TaEndpoint {
public:
  TaEndpoint(std::unique_ptr<TaTransport> transport, const EndpointConfig& cfg,
             TxnObserver* observer = nullptr);

  // ---- upper side ----
  [[nodiscard]] Expected<void, PostError> post(std::uint32_t queue, TxnOp op, Time now) {
    return initiator_.post(queue, std::move(op), *transport_, now);
  }
  [[nodiscard]] std::optional<Completion> poll_completion() { return initiator_.poll_completion(); }

  // ---- network side ----
  void on_receive(const NetPacket& p, Time now);
  [[nodiscard]] std::optional<NetPacket> poll_transmit(Time now);
  // When the endpoint next has work of its own: on_timeout() then poll_transmit() are due.
  [[nodiscard]] Time next_timeout() const noexcept;
  // The part of next_timeout() that on_timeout() does (the transport's, the initiator's and the
  // target's timers); the rest is the target's answers and the transport's packets ready to go
  // (TaTransport::next_timer), which only poll_transmit() hands over.
  // A driver that cannot take a packet now (its port's queue is full) waits for room and the
  // timers only, not for answers it could not carry anyway.
  [[nodiscard]] Time next_timer() const noexcept;
  void on_timeout(Time now);

  // ---- parts ----
  [[nodiscard]] TaInitiator& initiator() noexcept { return initiator_; }
  [[nodiscard]] TaTarget& target() noexcept { return target_; }
  [[nodiscard]] TaTransport& transport() noexcept { return *transport_; }
  [[nodiscard]] const TaInitiator& initiator() const noexcept { return initiator_; }
  [[nodiscard]] const TaTarget& target() const noexcept { return target_; }
  [[nodiscard]] const TaTransport& transport() const noexcept { return *transport_; }
  [[nodiscard]] const EndpointCounters& counters() const noexcept { return counters_; }
  [[nodiscard]] PeerId self() const noexcept { return transport_->self(); }

private:
  void drain(Time now);

  std::unique_ptr<TaTransport> transport_;
  TaInitiator initiator_;
  TaTarget target_;
  EndpointCounters counters_;
};

} // namespace ub::ta

// The UTP adapter (transport_utp.hpp): UNO slices, one UTP packet each.

#include "protocol/ta/transport_utp.hpp"

#include <deque>

#include "protocol/ta/transport_detail.hpp"

namespace ub::ta {

namespace {

class UtpTransport final : public TaTransport {
public:
  UtpTransport(PeerId self, std::size_t devices, const UtpTransportConfig& cfg)
      : self_(self), devices_(devices), cfg_(cfg), ep_(cfg.utp) {}

  Expected<void, TaSendError> send(TaSend s, Time /*now*/) override {
    auto refuse = [this](TaSendError e) -> Expected<void, TaSendError> {
      ++counters_.slices_refused;
      return make_unexpected(e);
    };
    if (s.units.empty()) {
      return refuse(TaSendError::Empty);
    }
    if (s.mode != TaMode::Uno) {
      return refuse(TaSendError::NotAllowed); // Table 7-15: UTP carries UNO only
    }
    if (s.units.size() > 1) {
      return refuse(TaSendError::TooLarge); // a UTP message is one packet (§6.3.3)
    }
    if (s.peer >= devices_ || s.peer == self_) {
      return refuse(TaSendError::UnknownPeer);
    }
    const TaUnit& u = s.units.front();
    if (u.header_bytes > u.bytes.size()) {
      return refuse(TaSendError::BadPacketing);
    }
    if (u.bytes.size() - u.header_bytes > cfg_.utp.mtu) {
      return refuse(TaSendError::TooLarge); // §7.3.3.5: UNO data at most one TP MTU
    }
    if (auto st = ep_.send(tp::UtpSend{s.peer, tp::tph_nlp::kTah, u.bytes, u.header_bytes}); !st) {
      return refuse(st.error().error.field == "tx_queue_limit" ? TaSendError::QueueFull
                                                               : TaSendError::NotAllowed);
    }
    ++counters_.slices_sent;
    events_.push_back(TaTxEvent{s.tag, TaTxEvent::Kind::Delivered, {}, Time{0}});
    return {};
  }

  std::optional<TaDelivery> poll_deliver() override { return detail::pop(rx_); }
  std::optional<TaTxEvent> poll_event() override { return detail::pop(events_); }
  Status verdict(std::uint64_t handle, const tp::TaVerdict&, Time) override {
    return detail::no_tp_status(handle);
  }

  void on_receive(const NetPacket& p, Time now) override {
    ++counters_.packets_received;
    if (p.dst != self_ || p.src >= devices_ || p.src == self_) {
      ++counters_.malformed;
      return;
    }
    const std::uint64_t before = ep_.counters().malformed;
    ep_.on_receive(p.src, p.view(), now);
    counters_.malformed += ep_.counters().malformed - before;
    detail::take_deliveries(
        ep_, tp::tph_nlp::kTah, [](const auto& d) { return d.src; }, rx_, counters_);
  }

  std::optional<NetPacket> poll_transmit(Time now) override {
    auto o = ep_.poll_transmit(now);
    if (!o) {
      return std::nullopt;
    }
    NetPacket p;
    p.src = self_;
    p.dst = o->dst;
    p.bytes = std::move(o->tp);
    p.entropy = detail::flow_lbf(self_, p.dst);
    p.rt = kUnoRt;
    ++counters_.packets_sent;
    return p;
  }

  Time next_timeout() const noexcept override { return ep_.next_timeout(); }
  void on_timeout(Time now) override { ep_.on_timeout(now); }

  TransportKind kind() const noexcept override { return TransportKind::Utp; }
  TaWire wire() const noexcept override { return TaWire::Taid; }
  PeerId self() const noexcept override { return self_; }
  std::uint32_t max_payload() const noexcept override { return cfg_.utp.mtu; }
  bool multi_packet() const noexcept override { return false; }
  bool has_tp_status() const noexcept override { return false; }
  const TransportCounters& counters() const noexcept override { return counters_; }

private:
  // RT for UNO (Table 7-14: either; tp::ctp_bypass_rt's default is per packet).
  static constexpr std::uint8_t kUnoRt = 0b01;

  PeerId self_;
  std::size_t devices_;
  UtpTransportConfig cfg_;
  tp::UtpEndpoint ep_;
  std::deque<TaDelivery> rx_;
  std::deque<TaTxEvent> events_;
  TransportCounters counters_{};
};

} // namespace

Status validate(const UtpTransportConfig& c) {
  return tp::validate(c.utp);
}

Result<std::unique_ptr<TaTransport>> make_utp_transport(PeerId self, std::size_t devices,
                                                        const UtpTransportConfig& cfg) {
  if (auto st = validate(cfg); !st) {
    return make_unexpected(st.error());
  }
  if (self >= devices) {
    return make_unexpected(Error{Errc::OutOfRange, 0, "make_utp_transport", "devices",
                                 "self must be one of the devices", "§6.3.3"}
                               .with_value(devices));
  }
  return std::unique_ptr<TaTransport>(std::make_unique<UtpTransport>(self, devices, cfg));
}

Result<std::vector<std::unique_ptr<TaTransport>>> make_utp_mesh(std::size_t devices,
                                                                const UtpTransportConfig& cfg) {
  return detail::make_mesh(devices, "make_utp_mesh", "§6.3.3",
                           [&](PeerId id) { return make_utp_transport(id, devices, cfg); });
}

} // namespace ub::ta

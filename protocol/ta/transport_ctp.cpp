// The CTP adapter (transport_ctp.hpp): one TA unit per CTP packet, Delivered at send.

#include "protocol/ta/transport_ctp.hpp"

#include <deque>
#include <map>

#include "protocol/ta/transport_detail.hpp"

namespace ub::ta {

namespace {

constexpr std::uint8_t kMaxVl = 15;

class CtpTransport final : public TaTransport {
public:
  CtpTransport(PeerId self, std::size_t devices, const CtpTransportConfig& cfg)
      : self_(self), devices_(devices), cfg_(cfg), ep_(cfg.ctp) {}

  Expected<void, TaSendError> send(TaSend s, Time /*now*/) override {
    auto refuse = [this](TaSendError e) -> Expected<void, TaSendError> {
      ++counters_.slices_refused;
      return make_unexpected(e);
    };
    if (s.units.empty()) {
      return refuse(TaSendError::Empty);
    }
    if (s.units.size() > 1) {
      return refuse(TaSendError::TooLarge); // §6.7.2.1: one operation, one packet
    }
    if (s.peer >= devices_ || s.peer == self_) {
      return refuse(TaSendError::UnknownPeer);
    }
    const auto rt = tp::ctp_bypass_rt(s.mode, cfg_.route, cfg_.shortest_only);
    if (!rt) {
      return refuse(TaSendError::NotAllowed); // Table 7-14: ROL needs per-flow routing
    }
    const TaUnit& u = s.units.front();
    if (u.header_bytes > u.bytes.size()) {
      return refuse(TaSendError::BadPacketing);
    }
    if (u.bytes.size() - u.header_bytes > cfg_.ctp.mtu) {
      return refuse(TaSendError::TooLarge);
    }
    tp::CtpSend cs{};
    cs.dst_cna = s.peer;
    cs.vl = cfg_.vl;
    cs.sl = cfg_.sl;
    cs.nlp = tp::ctph_nlp::kTah;
    cs.ta = u.bytes;
    cs.ta_header_bytes = u.header_bytes;
    if (auto st = ep_.send(cs); !st) {
      if (st.error().error.field == "tx_queue_limit") {
        return refuse(TaSendError::QueueFull);
      }
      return refuse(st.error().size != 0 ? TaSendError::TooLarge : TaSendError::NotAllowed);
    }
    // The endpoint keeps one FIFO per (destination, VL), and every packet here uses one VL, so
    // the routing of its data packets to `peer` leaves in this order.
    rt_[s.peer].push_back(*rt);
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
    ep_.on_receive(tp::CtpIn{p.src, p.vl, p.sl, p.cci, p.view()}, now);
    counters_.malformed += ep_.counters().malformed - before;
    detail::take_deliveries(
        ep_, tp::ctph_nlp::kTah, [](const auto& d) { return d.src_cna; }, rx_, counters_);
  }

  std::optional<NetPacket> poll_transmit(Time now) override {
    auto o = ep_.poll_transmit(now);
    if (!o) {
      return std::nullopt;
    }
    NetPacket p;
    p.src = self_;
    p.dst = o->dst_cna;
    p.control = o->control;
    p.cci = o->cci;
    p.vl = o->vl;
    p.sl = o->sl;
    p.entropy = o->lbf;
    p.bytes = std::move(o->tp);
    if (!p.control) {
      auto& q = rt_[p.dst];
      p.rt = q.empty() ? std::uint8_t{0} : q.front();
      if (!q.empty()) {
        q.pop_front();
      }
      if ((p.rt & 1U) == 0) {
        p.entropy = ep_.flow_lbf(p.dst); // per flow: one LBF, so one path
      }
    }
    ++counters_.packets_sent;
    if (p.control) {
      ++counters_.control_packets;
    }
    return p;
  }

  Time next_timeout() const noexcept override { return ep_.next_timeout(); }
  Time next_timer() const noexcept override { return ep_.next_timer(); }
  void on_timeout(Time now) override { ep_.on_timeout(now); }

  TransportKind kind() const noexcept override { return TransportKind::Ctp; }
  TaWire wire() const noexcept override {
    return cfg_.ctp.nth == tp::CtpNth::Cna16 ? TaWire::Cna16 : TaWire::Taid;
  }
  PeerId self() const noexcept override { return self_; }
  std::uint32_t max_payload() const noexcept override { return cfg_.ctp.mtu; }
  bool multi_packet() const noexcept override { return false; }
  bool has_tp_status() const noexcept override { return false; }
  const TransportCounters& counters() const noexcept override { return counters_; }

private:
  PeerId self_;
  std::size_t devices_;
  CtpTransportConfig cfg_;
  tp::CtpEndpoint ep_;
  std::map<PeerId, std::deque<std::uint8_t>> rt_; // RT of the data packets queued per peer
  std::deque<TaDelivery> rx_;
  std::deque<TaTxEvent> events_;
  TransportCounters counters_{};
};

} // namespace

Status validate(const CtpTransportConfig& c) {
  if (c.vl > kMaxVl) {
    return make_unexpected(
        Error{Errc::OutOfRange, 0, "CtpTransportConfig", "vl", "VL is 4 bits", "§4.3.2.2.2"}
            .with_value(c.vl));
  }
  if (c.sl > kMaxVl) {
    return make_unexpected(
        Error{Errc::OutOfRange, 0, "CtpTransportConfig", "sl", "SL is 4 bits", "§5.2.1"}.with_value(
            c.sl));
  }
  if (c.route != tp::RoutePref::Default && c.route != tp::RoutePref::PerFlow &&
      c.route != tp::RoutePref::PerPacket) {
    return make_unexpected(Error{Errc::OutOfRange, 0, "CtpTransportConfig", "route",
                                 "must be Default, PerFlow or PerPacket", "Table 5-7"}
                               .with_value(static_cast<std::uint64_t>(c.route)));
  }
  return tp::validate(c.ctp);
}

Result<std::unique_ptr<TaTransport>> make_ctp_transport(PeerId self, std::size_t devices,
                                                        const CtpTransportConfig& cfg) {
  if (auto st = validate(cfg); !st) {
    return make_unexpected(st.error());
  }
  if (devices == 0 || devices - 1 > tp::cna_mask(cfg.ctp.nth) || self >= devices) {
    return make_unexpected(Error{Errc::OutOfRange, 0, "make_ctp_transport", "devices",
                                 "device i has CNA i: every CNA must fit the NTH, and self must "
                                 "be one of the devices",
                                 "§5.2"}
                               .with_value(devices));
  }
  CtpTransportConfig c = cfg;
  c.ctp.local_cna = self;
  return std::unique_ptr<TaTransport>(std::make_unique<CtpTransport>(self, devices, c));
}

Result<std::vector<std::unique_ptr<TaTransport>>> make_ctp_mesh(std::size_t devices,
                                                                const CtpTransportConfig& cfg) {
  return detail::make_mesh(devices, "make_ctp_mesh", "§6.3.2",
                           [&](PeerId id) { return make_ctp_transport(id, devices, cfg); });
}

} // namespace ub::ta

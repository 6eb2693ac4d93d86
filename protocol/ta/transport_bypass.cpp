// The TP-bypass adapter (transport_bypass.hpp): CFG 9 packets, NTH_CNA16 + compact TA bytes.

#include "protocol/ta/transport_bypass.hpp"

#include <algorithm>
#include <deque>

#include "protocol/dl/link_headers.hpp"
#include "protocol/nl/nth_cna.hpp"
#include "protocol/ta/transport_detail.hpp"

namespace ub::ta {

namespace {

constexpr std::size_t kNthBytes = 8; // NTH_CNA16 (§5.2.1)
constexpr std::uint8_t kMax4Bits = 15;
constexpr std::size_t kMaxCna16 = 0xFFFF;

class BypassTransport final : public TaTransport {
public:
  BypassTransport(PeerId self, std::size_t devices, const BypassTransportConfig& cfg)
      : self_(self), devices_(devices), cfg_(cfg) {}

  Expected<void, TaSendError> send(TaSend s, Time /*now*/) override {
    auto refuse = [this](TaSendError e) -> Expected<void, TaSendError> {
      ++counters_.slices_refused;
      return make_unexpected(e);
    };
    if (s.units.empty()) {
      return refuse(TaSendError::Empty);
    }
    if (s.units.size() > 1) {
      return refuse(TaSendError::TooLarge); // one packet per operation (App. B.2.6)
    }
    if (s.peer >= devices_ || s.peer == self_) {
      return refuse(TaSendError::UnknownPeer);
    }
    const TaUnit& u = s.units.front();
    if (u.header_bytes > u.bytes.size()) {
      return refuse(TaSendError::BadPacketing);
    }
    if (u.bytes.size() - u.header_bytes > cfg_.max_payload) {
      return refuse(TaSendError::TooLarge);
    }
    tp::BypassRoute r{};
    r.scna = static_cast<std::uint16_t>(self_);
    r.dcna = static_cast<std::uint16_t>(s.peer);
    r.vl = cfg_.vl;
    r.sl = cfg_.sl;
    r.lbf = detail::flow_lbf(self_, s.peer);
    r.order = s.mode;
    r.route = cfg_.route;
    r.shortest_only = cfg_.shortest_only;
    const auto h = tp::make_bypass_headers(r);
    if (!h) {
      return refuse(TaSendError::NotAllowed); // Table 7-14: ROL needs per-flow routing
    }
    NetPacket p;
    p.src = self_;
    p.dst = s.peer;
    p.bytes.resize(kNthBytes + u.bytes.size());
    (void)Codec<nl::NthCna16>::encode(h->nth, std::span<Byte>(p.bytes).first(kNthBytes));
    std::copy(u.bytes.begin(), u.bytes.end(), p.bytes.begin() + kNthBytes);
    p.entropy = h->nth.lbf;
    p.rt = h->lph.rt;
    p.vl = h->lph.vl;
    p.sl = h->nth.sl;
    tx_.push_back(std::move(p));
    ++counters_.slices_sent;
    events_.push_back(TaTxEvent{s.tag, TaTxEvent::Kind::Delivered, {}, Time{0}});
    return {};
  }

  std::optional<TaDelivery> poll_deliver() override { return detail::pop(rx_); }
  std::optional<TaTxEvent> poll_event() override { return detail::pop(events_); }
  Status verdict(std::uint64_t handle, const tp::TaVerdict&, Time) override {
    return detail::no_tp_status(handle);
  }

  void on_receive(const NetPacket& p, Time /*now*/) override {
    ++counters_.packets_received;
    dl::Lph lph{};
    lph.cfg = dl::cfg::kLoadStore;
    lph.vl = p.vl;
    lph.rt = p.rt;
    const std::span<const Byte> bytes = p.view();
    const auto info = tp::parse_bypass_headers(lph, bytes);
    // The NTH must name this device and the device it came from; a TA header must follow.
    if (!info || info->dcna != self_ || info->scna != p.src || p.src >= devices_ ||
        bytes.size() <= kNthBytes) {
      ++counters_.malformed;
      return;
    }
    TaDelivery d;
    d.peer = info->scna;
    d.stream = detail::source_stream(info->scna);
    d.packets.emplace_back(bytes.begin() + kNthBytes, bytes.end());
    rx_.push_back(std::move(d));
    ++counters_.slices_delivered;
  }

  std::optional<NetPacket> poll_transmit(Time /*now*/) override {
    auto p = detail::pop(tx_);
    if (p) {
      ++counters_.packets_sent;
    }
    return p;
  }

  Time next_timeout() const noexcept override { return kNever; }
  void on_timeout(Time /*now*/) override {}

  TransportKind kind() const noexcept override { return TransportKind::Bypass; }
  TaWire wire() const noexcept override { return TaWire::Compact; }
  PeerId self() const noexcept override { return self_; }
  std::uint32_t max_payload() const noexcept override { return cfg_.max_payload; }
  bool multi_packet() const noexcept override { return false; }
  bool has_tp_status() const noexcept override { return false; }
  const TransportCounters& counters() const noexcept override { return counters_; }

private:
  PeerId self_;
  std::size_t devices_;
  BypassTransportConfig cfg_;
  std::deque<NetPacket> tx_;
  std::deque<TaDelivery> rx_;
  std::deque<TaTxEvent> events_;
  TransportCounters counters_{};
};

} // namespace

Status validate(const BypassTransportConfig& c) {
  auto bad = [](std::string_view field, std::string_view why, std::string_view clause,
                std::uint64_t v) -> Status {
    return make_unexpected(
        Error{Errc::OutOfRange, 0, "BypassTransportConfig", field, why, clause}.with_value(v));
  };
  const std::uint32_t m = c.max_payload;
  if (m < 64 || m > 8192 || (m & (m - 1)) != 0) {
    return bad("max_payload", "a power of two, 64..8192 (compact MAETAH Length)", "§7.2.3", m);
  }
  if (c.vl > kMax4Bits) {
    return bad("vl", "VL is 4 bits", "§4.3.2.2.2", c.vl);
  }
  if (c.sl > kMax4Bits) {
    return bad("sl", "SL is 4 bits", "§5.2.1", c.sl);
  }
  if (c.route != tp::RoutePref::Default && c.route != tp::RoutePref::PerFlow &&
      c.route != tp::RoutePref::PerPacket) {
    return bad("route", "must be Default, PerFlow or PerPacket", "Table 5-7",
               static_cast<std::uint64_t>(c.route));
  }
  return {};
}

Result<std::unique_ptr<TaTransport>> make_bypass_transport(PeerId self, std::size_t devices,
                                                           const BypassTransportConfig& cfg) {
  if (auto st = validate(cfg); !st) {
    return make_unexpected(st.error());
  }
  if (devices == 0 || devices - 1 > kMaxCna16 || self >= devices) {
    return make_unexpected(Error{Errc::OutOfRange, 0, "make_bypass_transport", "devices",
                                 "device i has CNA i: every CNA must fit 16 bits, and self must "
                                 "be one of the devices",
                                 "§5.2.1"}
                               .with_value(devices));
  }
  return std::unique_ptr<TaTransport>(std::make_unique<BypassTransport>(self, devices, cfg));
}

Result<std::vector<std::unique_ptr<TaTransport>>>
make_bypass_mesh(std::size_t devices, const BypassTransportConfig& cfg) {
  return detail::make_mesh(devices, "make_bypass_mesh", "App. B.2.6",
                           [&](PeerId id) { return make_bypass_transport(id, devices, cfg); });
}

} // namespace ub::ta

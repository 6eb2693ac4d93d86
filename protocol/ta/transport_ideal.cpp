// The ideal transport (transport.hpp): MODEL, not a UB transport. Each unit goes out as one
// NetPacket framed with a small model header (slice number, unit index, unit count) so the
// receiver can put a slice back together; nothing is acknowledged or retransmitted.

#include <deque>
#include <map>

#include "protocol/common/bits.hpp"
#include "protocol/ta/transport.hpp"

namespace ub::ta {

std::string_view to_string(TransportKind k) noexcept {
  switch (k) {
  case TransportKind::Rtp:
    return "rtp";
  case TransportKind::Ctp:
    return "ctp";
  case TransportKind::Utp:
    return "utp";
  case TransportKind::Bypass:
    return "bypass";
  case TransportKind::Ideal:
    return "ideal";
  }
  return "?";
}

std::string_view to_string(TaSendError e) noexcept {
  switch (e) {
  case TaSendError::Empty:
    return "empty";
  case TaSendError::TooLarge:
    return "too large";
  case TaSendError::NotAllowed:
    return "mode not allowed over this transport";
  case TaSendError::QueueFull:
    return "queue full";
  case TaSendError::PeerDown:
    return "peer down";
  case TaSendError::UnknownPeer:
    return "unknown peer";
  case TaSendError::BadPacketing:
    return "bad packeting";
  }
  return "?";
}

namespace {

constexpr std::size_t kFrame = 8; // slice number 32, unit index 16, unit count 16

class IdealTransport final : public TaTransport {
public:
  explicit IdealTransport(const IdealConfig& cfg) : cfg_(cfg) {}

  Expected<void, TaSendError> send(TaSend s, Time) override {
    if (s.units.empty()) {
      ++counters_.slices_refused;
      return make_unexpected(TaSendError::Empty);
    }
    if ((!cfg_.multi_packet && s.units.size() > 1) || s.units.size() > 0xFFFF) {
      ++counters_.slices_refused;
      return make_unexpected(TaSendError::TooLarge);
    }
    for (const auto& u : s.units) {
      if (u.header_bytes > u.bytes.size() || u.bytes.size() - u.header_bytes > cfg_.mtu) {
        ++counters_.slices_refused;
        return make_unexpected(TaSendError::TooLarge);
      }
    }
    const std::uint32_t slice = next_slice_++;
    const auto count = static_cast<std::uint16_t>(s.units.size());
    for (std::uint16_t i = 0; i < count; ++i) {
      NetPacket p;
      p.src = cfg_.self;
      p.dst = s.peer;
      p.bytes.resize(kFrame + s.units[i].bytes.size());
      store_be32(p.bytes.data(), slice);
      store_be16(p.bytes.data() + 4, i);
      store_be16(p.bytes.data() + 6, count);
      std::copy(s.units[i].bytes.begin(), s.units[i].bytes.end(), p.bytes.begin() + kFrame);
      tx_.push_back(std::move(p));
      ++counters_.packets_sent;
    }
    ++counters_.slices_sent;
    events_.push_back(TaTxEvent{s.tag, TaTxEvent::Kind::Delivered, {}, Time{0}});
    return {};
  }

  std::optional<TaDelivery> poll_deliver() override { return pop(rx_); }
  std::optional<TaTxEvent> poll_event() override { return pop(events_); }

  Status verdict(std::uint64_t, const tp::TaVerdict&, Time) override {
    return make_unexpected(Error{Errc::NotAllowed, 0, "transport", "verdict",
                                 "the ideal transport carries no TA status", "§6.8.2"});
  }

  void on_receive(const NetPacket& p, Time) override {
    ++counters_.packets_received;
    const std::span<const Byte> bytes = p.view();
    if (bytes.size() < kFrame) {
      ++counters_.malformed;
      return;
    }
    const std::uint32_t slice = load_be32(bytes.data());
    const std::uint16_t index = load_be16(bytes.data() + 4);
    const std::uint16_t count = load_be16(bytes.data() + 6);
    if (count == 0 || index >= count) {
      ++counters_.malformed;
      return;
    }
    auto& part = partial_[{p.src, slice}];
    if (part.packets.empty()) {
      part.packets.resize(count);
      part.have.assign(count, false);
    }
    if (part.packets.size() != count || part.have[index]) {
      ++counters_.malformed; // inconsistent framing or a duplicate
      return;
    }
    part.packets[index].assign(bytes.begin() + kFrame, bytes.end());
    part.have[index] = true;
    if (++part.got == count) {
      TaDelivery d;
      d.peer = p.src;
      d.stream = p.src;
      d.packets = std::move(part.packets);
      partial_.erase({p.src, slice});
      rx_.push_back(std::move(d));
      ++counters_.slices_delivered;
    }
  }

  std::optional<NetPacket> poll_transmit(Time) override { return pop(tx_); }
  Time next_timeout() const noexcept override { return kNever; }
  void on_timeout(Time) override {}

  TransportKind kind() const noexcept override { return TransportKind::Ideal; }
  TaWire wire() const noexcept override { return cfg_.wire; }
  PeerId self() const noexcept override { return cfg_.self; }
  std::uint32_t max_payload() const noexcept override { return cfg_.mtu; }
  bool multi_packet() const noexcept override { return cfg_.multi_packet; }
  bool has_tp_status() const noexcept override { return false; }
  const TransportCounters& counters() const noexcept override { return counters_; }

private:
  template <class T>
  static std::optional<T> pop(std::deque<T>& q) {
    if (q.empty()) {
      return std::nullopt;
    }
    T v = std::move(q.front());
    q.pop_front();
    return v;
  }
  struct Partial {
    std::vector<std::vector<Byte>> packets;
    std::vector<bool> have;
    std::size_t got = 0;
  };

  IdealConfig cfg_;
  std::uint32_t next_slice_ = 0;
  std::deque<NetPacket> tx_;
  std::deque<TaDelivery> rx_;
  std::deque<TaTxEvent> events_;
  std::map<std::pair<PeerId, std::uint32_t>, Partial> partial_;
  TransportCounters counters_;
};

} // namespace

std::unique_ptr<TaTransport> make_ideal_transport(const IdealConfig& cfg) {
  return std::make_unique<IdealTransport>(cfg);
}

} // namespace ub::ta

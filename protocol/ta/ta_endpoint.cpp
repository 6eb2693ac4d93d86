// One device's transaction layer (ta_endpoint.hpp).

#include "protocol/ta/ta_endpoint.hpp"

#include <algorithm>

namespace ub::ta {

TaEndpoint::TaEndpoint(std::unique_ptr<TaTransport> transport, const EndpointConfig& cfg,
                       TxnObserver* observer)
    : transport_(std::move(transport)), initiator_(transport_->self(), cfg.initiator, observer),
      target_(transport_->self(), cfg.target, observer) {
  target_.bind(*transport_);
}

void TaEndpoint::drain(Time now) {
  while (auto d = transport_->poll_deliver()) {
    ++counters_.deliveries;
    std::vector<TaPacket> packets;
    packets.reserve(d->packets.size() + d->shared.size());
    bool bad = false;
    // Decoded where the bytes are: the delivery's own buffers, or the shared ones they arrived in.
    for (auto& bytes : d->packets) {
      auto p = decode_ta_owned(std::move(bytes), transport_->wire());
      if (!p) {
        bad = true;
        break;
      }
      packets.push_back(std::move(*p));
    }
    for (const SharedBytes& bytes : d->shared) {
      if (bad) {
        break;
      }
      auto p = decode_ta_shared(bytes, transport_->wire());
      if (!p) {
        bad = true;
        break;
      }
      packets.push_back(std::move(*p));
    }
    if (bad || packets.empty()) {
      ++counters_.undecodable;
      if (d->verdict_handle) {
        // The TP waits for a verdict: an undecodable request is an Unsupported Request.
        (void)transport_->verdict(*d->verdict_handle,
                                  tp::TaVerdict{tp::TaStatusKind::UnsupportedRequest, 0}, now);
      }
      continue;
    }
    if (packets.front().is_response()) {
      initiator_.on_response(d->peer, packets, now);
    } else {
      target_.on_request(*d, std::move(packets), now);
    }
  }
  while (auto e = transport_->poll_event()) {
    if (e->tag >= TaInitiator::kTargetTagBase) {
      if (e->kind == TaTxEvent::Kind::Failed) {
        ++counters_.answer_send_failures;
      }
      continue;
    }
    initiator_.on_tx_event(*e, now);
  }
}

void TaEndpoint::on_receive(const NetPacket& p, Time now) {
  transport_->on_receive(p, now);
  drain(now);
}

std::optional<NetPacket> TaEndpoint::poll_transmit(Time now) {
  drain(now);
  initiator_.pump(*transport_, now);
  target_.pump(*transport_, now);
  drain(now); // transports that answer at send time (Delivered events)
  initiator_.pump(*transport_, now);
  return transport_->poll_transmit(now);
}

Time TaEndpoint::next_timeout() const noexcept {
  return std::min({transport_->next_timeout(), initiator_.next_timeout(), target_.next_timeout()});
}

Time TaEndpoint::next_timer() const noexcept {
  return std::min({transport_->next_timer(), initiator_.next_timeout(), target_.next_timer()});
}

void TaEndpoint::on_timeout(Time now) {
  transport_->on_timeout(now);
  initiator_.on_timeout(now);
  target_.on_timeout(now);
  drain(now);
}

} // namespace ub::ta

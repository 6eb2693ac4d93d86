#pragma once
// The transaction layer over RTP: one TP Channel Group (tp::TpGroup) per peer, behind the
// TaTransport interface (transport.hpp). UB-Base-2.0 §6.1 (the TA over RTP), §6.3.1 (RTP), §6.5.1
// (TPG, Table 6-9), §6.7.1.1.1 (one packet per unit, the MTU bounds the payload), §6.8.2 and
// §7.3.1.1 (TA status in the TP ACK), §7.3.3 Tables 7-14 / 7-15 (which mode may use which
// channels).
//
// Mapping (transaction-design §3.2, §8.1):
//   send():   the units go to the peer's group as one TP message, one packet per unit
//             (TpGroup::send_packets, ta_header_bytes = header_bytes). ROL with an ordered stream
//             stays on one member (SendOptions::ordered_flow, Table 7-14); ROI, ROT and UNO may
//             be sprayed (allow_spray) when the members' load balancing sprays. ROL messages are
//             never sprayed (MODEL, A-150). UNO is refused (NotAllowed) unless allow_uno
//             (Table 7-14: "not recommended").
//   events:   MsgAcked -> Delivered; TaStatus -> Status (verdict, retry_after); ChannelFailed ->
//             Failed for every message it lists, in its order.
//   delivery: a received message's bytes are cut at RxMessage::packet_ends into the packets' TA
//             bytes; `stream` = stream_id(peer, member); a message whose last-packet ACK the
//             channel withholds (needs_verdict) carries a verdict_handle, answered with verdict().
//   network:  NetPacket bytes = the TP bytes (RTPH onward, padding, no ICRC); cci, entropy and rt
//             from the group; the receiver routes by NetPacket::src to that peer's group, which
//             demultiplexes by DstTPN.
//
// TA status (§6.8.2): the RTPH has no bit saying "hold this ACK", so both ends of every channel run
// with the same TaStatusMode (channel.ta_status), which decides per message from its first TA byte
// (tp::expects_ta_status). A send with expects_ta_status that the channels would not hold is
// refused (NotAllowed: its Status would never come). A message the channels hold although the
// sender did not ask (TaStatusMode::All, or a TAACK-type request over RolRequests channels) still
// gets its outcome as a Status event, since that is what the TP reports (MODEL, A-151).
//
// An ordered stream whose member fails: its sends are refused (PeerDown) until the engine has
// taken every Failed event of that failure; then the stream is released and its next message is
// placed on a live member (MODEL, A-152).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <tuple>
#include <utility>
#include <vector>

#include "protocol/common/error.hpp"
#include "protocol/common/rng.hpp"
#include "protocol/ta/transport.hpp"
#include "protocol/tp/congestion.hpp"
#include "protocol/tp/tp_group.hpp"

namespace ub::ta {

// Load balancing of every member of a peer's group (Table 6-9, §6.5.1.3).
enum class RtpLb : std::uint8_t {
  PerFlow,     // each member one fixed entropy (one path per member)
  SenderSpray, // sprayable messages: entropy base + (PSN mod spray_range)
  SwitchSpray, // sprayable messages: RT[0] = 1
};

struct RtpTransportConfig {
  std::size_t channels = 1; // TPG members per peer, 1..32 (§6.5.1.1)
  // Every member's template: mtu, ooo_window, max_outstanding, retx, rto, ack policy, ta_status.
  // The mesh sets the TPNs and draws the initial PSNs (§6.4.1).
  tp::TpChannelConfig channel{};
  tp::TpgPolicy policy = tp::TpgPolicy::RoundRobin;
  RtpLb lb = RtpLb::PerFlow;
  std::uint16_t spray_range = 4; // SenderSpray: 1..8
  // §6.5.1.4: spraying members must retransmit on timeout only (TpGroupConfig).
  bool strict_spray_rules = true;
  bool allow_uno = false; // Table 7-14: UNO over RTP is not recommended; refused unless set
  TaWire wire = TaWire::Cna16;
  tp::CcAlgo cc = tp::CcAlgo::None; // one context per member (§6.6.1.4)
  tp::CcParams cc_params{};
};

// Ok, or an Error naming the field (header "RtpTransportConfig"; a member's channel errors as
// tp::validate(TpGroupConfig) names them).
[[nodiscard]] Status validate(const RtpTransportConfig& c);

// Whether a send of these TA bytes (its first unit) gets its outcome as a Status under `c`.
[[nodiscard]] bool rtp_holds_status(const RtpTransportConfig& c,
                                    std::span<const Byte> first_unit) noexcept;

class RtpTransport final : public TaTransport {
public:
  // One group per peer (its members' TPNs and PSNs already paired with the peer's group).
  RtpTransport(PeerId self, const RtpTransportConfig& cfg, std::map<PeerId, tp::TpGroup> groups);
  // Not copyable: it keeps pointers into its own map of peers.
  RtpTransport(const RtpTransport&) = delete;
  RtpTransport& operator=(const RtpTransport&) = delete;
  RtpTransport(RtpTransport&&) = default;
  RtpTransport& operator=(RtpTransport&&) = default;

  // The `stream` of a delivery that arrived from `peer` on member `channel`.
  [[nodiscard]] static constexpr std::uint64_t stream_id(PeerId peer,
                                                         std::size_t channel) noexcept {
    return (std::uint64_t{peer} << 32U) | (channel & 0xFFFF'FFFFU);
  }

  // ---- TaTransport ----
  [[nodiscard]] Expected<void, TaSendError> send(TaSend s, Time now) override;
  [[nodiscard]] std::optional<TaDelivery> poll_deliver() override;
  [[nodiscard]] std::optional<TaTxEvent> poll_event() override;
  // Errors: NotAllowed on "handle" for an unknown handle or one already answered; those of
  // TpChannel::ta_verdict (a reserved RNR_Timer: the handle stays open).
  [[nodiscard]] Status verdict(std::uint64_t handle, const tp::TaVerdict& v, Time now) override;
  // Packets for another device, or from a device that is not a peer, are counted malformed.
  void on_receive(const NetPacket& p, Time now) override;
  // Peers in turn, one packet each.
  [[nodiscard]] std::optional<NetPacket> poll_transmit(Time now) override;
  // The earliest timer of all the peers' groups. Each peer's is cached and asked of its group
  // again only after something touched that group (send, a packet from the peer, a transmitted
  // packet, a verdict, a timeout): an endpoint with many peers asks after every input.
  [[nodiscard]] Time next_timeout() const noexcept override;
  // The same, asked of every group (what next_timeout() must equal; for tests).
  [[nodiscard]] Time next_timeout_scan() const noexcept;
  void on_timeout(Time now) override;
  [[nodiscard]] TransportKind kind() const noexcept override { return TransportKind::Rtp; }
  [[nodiscard]] TaWire wire() const noexcept override { return cfg_.wire; }
  [[nodiscard]] PeerId self() const noexcept override { return self_; }
  [[nodiscard]] std::uint32_t max_payload() const noexcept override { return cfg_.channel.mtu; }
  [[nodiscard]] bool multi_packet() const noexcept override { return true; }
  // True when the channels hold ACKs for the TA (ta_status is not Never).
  [[nodiscard]] bool has_tp_status() const noexcept override {
    return cfg_.channel.ta_status != tp::TaStatusMode::Never;
  }
  // The channels build each packet from the unit's headers and its tail (TpPacketUnit::tail).
  [[nodiscard]] bool shares_payload() const noexcept override { return true; }
  [[nodiscard]] const TransportCounters& counters() const noexcept override { return counters_; }

  // ---- observation ----
  [[nodiscard]] const tp::TpGroup* group(PeerId peer) const noexcept;
  [[nodiscard]] const RtpTransportConfig& config() const noexcept { return cfg_; }
  [[nodiscard]] std::size_t open_verdicts() const noexcept { return held_.size(); }

private:
  struct Peer {
    tp::TpGroup group;
    std::set<std::uint64_t> flows; // ordered streams placed on some member
    std::size_t index = 0;         // in peer_ids_, idle_, timers_ and stale_
  };
  struct Held {
    PeerId peer = 0;
    std::size_t channel = 0;
    std::uint32_t last_psn = 0;
  };
  struct Event {
    TaTxEvent ev;
    // Taking this event releases the streams pinned to this failed member.
    std::optional<std::pair<PeerId, std::size_t>> release;
  };

  // Something may have changed the peer's timers, and what it has to send.
  void touch(Peer& p) {
    if (stale_[p.index] == 0) {
      stale_[p.index] = 1;
      stale_list_.push_back(static_cast<std::uint32_t>(p.index));
    }
    timer_stale_ = true;
    idle_[p.index] = 0;
  }
  void pump(PeerId id, Peer& p);
  void release(PeerId id, std::size_t channel);
  [[nodiscard]] static std::uint64_t rx_rejects(const tp::TpGroup& g) noexcept;

  PeerId self_;
  RtpTransportConfig cfg_;
  std::map<PeerId, Peer> peers_;
  // Each peer's group.next_timeout() by index, unless stale_ marks it (then its index is in
  // stale_list_): next_timeout() asks only the groups touched since it last ran, and takes the
  // minimum over one contiguous array rather than over the peers' entries (a cold line each).
  mutable std::vector<Time> timers_;
  mutable std::vector<std::uint8_t> stale_;
  mutable std::vector<std::uint32_t> stale_list_;
  // peers_'s ids in order and their entries: a lookup is a binary search over a few cache
  // lines instead of a walk down the tree's nodes (one per received packet).
  std::vector<PeerId> peer_ids_;
  std::vector<Peer*> peer_at_;
  // 1: the peer's last poll gave nothing and its group waits for an input (waits_for_input),
  // so poll_transmit() passes it by without touching its group until touch() clears the mark.
  // A byte per peer in one array: asking an idle group is a cache miss per channel.
  std::vector<std::uint8_t> idle_;
  [[nodiscard]] Peer* find_peer(PeerId id) noexcept {
    const auto it = std::lower_bound(peer_ids_.begin(), peer_ids_.end(), id);
    return it == peer_ids_.end() || *it != id
               ? nullptr
               : peer_at_[static_cast<std::size_t>(it - peer_ids_.begin())];
  }
  std::map<std::tuple<PeerId, std::size_t, tp::MsgId>, std::uint64_t> tags_;
  std::map<std::uint64_t, Held> held_;
  std::uint64_t next_handle_ = 1;
  std::deque<TaDelivery> rx_;
  std::deque<Event> events_;
  PeerId tx_next_ = 0;          // transmit arbitration: the first peer to try
  mutable Time timer_ = kNever; // the minimum of the peers' timers, unless timer_stale_
  mutable bool timer_stale_ = true;
  TransportCounters counters_{};
};

// A full mesh of `devices` RTP transports (device i = PeerId i): for every pair, `channels`
// channels joined by tp::connect_channel (random initial PSNs from `rng`). Device i's TPN for
// member k towards peer j is j x channels + k + 1 (unique per device, MODEL). Member k's
// entropy base is k x 8 (the spray ranges never overlap). Errors: validate(cfg); OutOfRange on
// "devices" (fewer than 2, or TPNs above 24 bits).
[[nodiscard]] Result<std::vector<std::unique_ptr<TaTransport>>>
make_rtp_mesh(std::size_t devices, const RtpTransportConfig& cfg, Rng& rng);
// The same, with TP Channel Groups only between the given pairs (either order; repeats and
// self-pairs ignored): what a large fabric needs, where most devices never talk to each other.
// make_rtp_mesh is this with every pair, in ascending order.
[[nodiscard]] Result<std::vector<std::unique_ptr<TaTransport>>>
make_rtp_transports(std::size_t devices, std::span<const std::pair<PeerId, PeerId>> pairs,
                    const RtpTransportConfig& cfg, Rng& rng);

} // namespace ub::ta

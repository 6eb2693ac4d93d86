#pragma once
// The transaction layer's view of the transport below it: one interface for RTP, CTP, UTP and TP
// bypass (UB-Base-2.0 §6.1: the TA may run over any of them; §7.3.3 Tables 7-14 / 7-15: which
// service mode may use which, and with which routing), so the same initiator and target engines
// run over each.
//
// Upper side: send() one slice's packets (each a TA unit: TA headers + payload) to a peer;
// poll_deliver() what arrived; poll_event() what became of sent slices (delivered, answered in a
// TP ACK, failed); verdict() answers a delivered message that waits for its TA status (RTP with
// TaStatusMode, §6.8.2).
// Network side: poll_transmit() / on_receive() move NetPackets between the transports of two
// devices (a harness or simulator carries them, and may lose, duplicate, reorder or delay them);
// next_timeout() / on_timeout() drive the transport's timers. Sans-I/O like TpChannel: no clock,
// no I/O; time comes in as arguments.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "protocol/common/error.hpp"
#include "protocol/common/shared_bytes.hpp"
#include "protocol/common/units.hpp"
#include "protocol/nl/cci.hpp"
#include "protocol/ta/ta_packet.hpp"
#include "protocol/tp/bypass.hpp"
#include "protocol/tp/tp_channel.hpp"

namespace ub::ta {

using TaMode = tp::TaOrder; // ROI, ROT, ROL, UNO (§7.3.3)

enum class TransportKind : std::uint8_t {
  Rtp,    // reliable TP channels (TpGroup per peer)
  Ctp,    // compact TP (CtpEndpoint): one packet per slice, relies on link retry
  Utp,    // unreliable TP: UNO only
  Bypass, // TP bypass, CFG 9: compact TA headers, one packet per slice
  Ideal,  // MODEL: an in-memory transport that hands each slice over whole and in order
};
[[nodiscard]] std::string_view to_string(TransportKind k) noexcept;

using PeerId = std::uint32_t; // a device's index (its Entity) in the harness

// One packet's TA bytes: headers, then payload. The TP MTU bounds the payload only
// (§6.7.1.1.1), so the header length travels with it.
// One packet's TA bytes: `bytes`, then `tail`. Only a transport whose shares_payload() is true
// is given a tail (the payload as a range of the op's shared data, the headers in `bytes`);
// every other transport gets the whole packet in `bytes`.
struct TaUnit {
  std::vector<Byte> bytes;
  std::uint32_t header_bytes = 0;
  SharedBytes tail;
};

struct TaSend {
  PeerId peer = 0;
  std::vector<TaUnit> units; // one per packet: 1 for CTP / UTP / bypass, 1..n for RTP
  TaMode mode = TaMode::Roi;
  // ROL over RTP: the ordered stream (e.g. queue x peer) whose messages stay on one channel
  // (Table 7-14). Ignored by single-path transports.
  std::optional<std::uint64_t> ordered_stream;
  // RTP with TaStatusMode: the receiver holds the last packet's ACK for a TA verdict, and the
  // outcome comes back as a Status event (§6.8.2, §7.3.1.1).
  bool expects_ta_status = false;
  std::uint64_t tag = 0; // the sender's handle, echoed in this slice's events
};

enum class TaSendError : std::uint8_t {
  Empty,        // no units
  TooLarge,     // a unit's payload above max_payload(), or several units where one is allowed
  NotAllowed,   // the mode is not allowed over this transport (Table 7-15)
  QueueFull,    // try again later
  PeerDown,     // every channel to the peer has failed
  UnknownPeer,  // no such device
  BadPacketing, // RTP: the units break the MTU rule of §6.7.1.1.1
};
[[nodiscard]] std::string_view to_string(TaSendError e) noexcept;

// A received slice: its packets' TA bytes in order.
struct TaDelivery {
  PeerId peer = 0;
  std::vector<std::vector<Byte>> packets;
  // The ordered stream it arrived on (RTP: the channel; CTP / bypass: the source path), so a
  // target can keep ROL order per stream (§7.3.3.4).
  std::uint64_t stream = 0;
  // Set when the transport waits for verdict(handle, ...) before acknowledging (RTP).
  std::optional<std::uint64_t> verdict_handle;
  // Or its packets as ranges of the buffers they arrived in (RTP over a network that hands
  // packets up as shares, NetPacket::shared); `packets` is then empty.
  std::vector<SharedBytes> shared;
};

struct TaTxEvent {
  enum class Kind : std::uint8_t {
    Delivered, // the transport delivered the slice (RTP: TP-acknowledged; others: handed to the
               // network, which they trust)
    Status,    // the peer's TA answered in the TP ACK (verdict, retry_after)
    Failed,    // the transport gave up on the slice (RTP channel failure)
  };
  std::uint64_t tag = 0;
  Kind kind = Kind::Delivered;
  tp::TaVerdict verdict{};
  Time retry_after{0};
};

// What moves between the transports of two devices.
struct NetPacket {
  PeerId src = 0;
  PeerId dst = 0;
  std::vector<Byte> bytes;   // what the transport puts on the wire above the network header
  bool control = false;      // TP ACK / NAK / SACK / CNP
  std::uint16_t entropy = 0; // path choice (UDP source port / LBF)
  std::uint8_t rt = 0;       // LPH RT[1:0] (Table 5-7): bit 0 per-packet routing
  // The network-header fields an adapter needs beside its bytes (RTP, CTP, UTP; the bypass
  // adapter carries its NTH in `bytes`): the NTH's CCI (§5.3.5.1, which a switch may mark), the
  // LPH's VL (§4.3.2.2.2) and the NTH's SL (§5.2.1).
  nl::Cci cci{};
  std::uint8_t vl = 0;
  std::uint8_t sl = 0;
  // Or, from a transport whose packets are shared (RTP with TpChannelConfig::share_packets),
  // the bytes as a share of the sender's own copy; `bytes` is then empty. view() is either.
  SharedBytes shared;
  [[nodiscard]] std::span<const Byte> view() const noexcept {
    return shared.empty() ? std::span<const Byte>(bytes) : shared.view();
  }
};

struct TransportCounters {
  std::uint64_t slices_sent = 0, slices_refused = 0, slices_delivered = 0;
  std::uint64_t packets_sent = 0, packets_received = 0, control_packets = 0;
  std::uint64_t malformed = 0; // received bytes the transport could not parse (dropped)
  std::uint64_t verdicts = 0;
};

class TaTransport {
public:
  virtual ~TaTransport() = default;

  // ---- upper side ----
  [[nodiscard]] virtual Expected<void, TaSendError> send(TaSend s, Time now) = 0;
  [[nodiscard]] virtual std::optional<TaDelivery> poll_deliver() = 0;
  [[nodiscard]] virtual std::optional<TaTxEvent> poll_event() = 0;
  // The TA's verdict on a delivery that carried a verdict_handle. An unknown handle or a second
  // verdict is an Error. Transports without TP status refuse it (NotAllowed).
  [[nodiscard]] virtual Status verdict(std::uint64_t handle, const tp::TaVerdict& v, Time now) = 0;

  // ---- network side ----
  virtual void on_receive(const NetPacket& p, Time now) = 0;
  [[nodiscard]] virtual std::optional<NetPacket> poll_transmit(Time now) = 0;
  [[nodiscard]] virtual Time next_timeout() const noexcept = 0;
  // The part of next_timeout() that on_timeout() acts on. What it leaves out is work for
  // poll_transmit() (CTP: queued packets whose pacing allows them), which a driver that cannot
  // take a packet now need not wake for. By default all of next_timeout().
  [[nodiscard]] virtual Time next_timer() const noexcept { return next_timeout(); }
  virtual void on_timeout(Time now) = 0;

  // ---- properties ----
  [[nodiscard]] virtual TransportKind kind() const noexcept = 0;
  [[nodiscard]] virtual TaWire wire() const noexcept = 0;
  [[nodiscard]] virtual PeerId self() const noexcept = 0;
  // The largest TA payload one unit may carry (the TP MTU, §6.7.1.1.1).
  [[nodiscard]] virtual std::uint32_t max_payload() const noexcept = 0;
  // Whether a slice may span several packets (RTP) or must fit one (CTP, UTP, bypass).
  [[nodiscard]] virtual bool multi_packet() const noexcept = 0;
  // Whether the TA may ask for its status in the TP ACK (RTP).
  [[nodiscard]] virtual bool has_tp_status() const noexcept = 0;
  // Whether send() takes units whose payload is a tail (TaUnit::tail) rather than in `bytes`.
  // Not a protocol property: it only spares the copy of the payload before the packet is built.
  [[nodiscard]] virtual bool shares_payload() const noexcept { return false; }
  [[nodiscard]] virtual const TransportCounters& counters() const noexcept = 0;
};

// MODEL: the ideal transport. Each send() becomes one NetPacket per unit, delivered whole and in
// send order, Delivered at once; no retransmission, so a harness that drops its packets loses
// slices (the TA's own timeout then acts). For engine tests and as the bench baseline.
struct IdealConfig {
  PeerId self = 0;
  TaWire wire = TaWire::Cna16;
  std::uint32_t mtu = 4096;
  bool multi_packet = true;
};
[[nodiscard]] std::unique_ptr<TaTransport> make_ideal_transport(const IdealConfig& cfg);

// The UB transports behind this interface, each with its config, validate() and mesh factory:
// transport_rtp.hpp (RtpTransport, make_rtp_mesh), transport_ctp.hpp, transport_utp.hpp,
// transport_bypass.hpp. sim/ta_network.hpp carries their NetPackets in tests and experiments.

} // namespace ub::ta

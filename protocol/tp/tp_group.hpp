#pragma once
// A TP Channel Group (TPG) and RTP multipath load balancing. UB-Base-2.0 §6.5.1 (p.188-190),
// Table 6-9; §5.3.2 Table 5-7 (the RT bits); Table 7-14 / 7-15 and §7.3.3.4 (which ordered
// transactions may be spread); §6.6.1.4 (congestion control with multipath).
//
// A TpGroup is one end of a group of up to 32 RTP TP Channels (ub::tp::TpChannel) between one
// pair of UBPUs. Each member has its own TpChannelConfig (TPNs, PSNs, retransmission algorithm,
// window), its own congestion-control objects, the port it is bound to, and its load-balancing
// mode (Table 6-9, §6.5.1.3, Table 5-7):
//   - PerFlow{entropy}: every packet carries the member's fixed UDP source port / LBF, RT[0] = 0,
//     so the switches keep the channel on one path (per-flow multipath = one member per path);
//   - SenderSpray{base, range}: the TP sender varies the entropy per packet, base + (PSN mod
//     range), for messages the upper layer allows to be sprayed;
//   - SwitchSpray{entropy}: fixed entropy, RT[0] = 1 on the packets of such messages, so the
//     switches choose the path per packet.
//
// The upper layer hands down one transaction operation (one message) at a time with send(); the
// group picks a member by its policy and all packets of the message go on that member (§6.5.1.1).
// Ordered traffic (ROL over RTP, Table 7-14) must use one channel: a message that names an
// ordered flow goes to the member the flow was first given to. Failed members are skipped for new
// messages; their own unacknowledged messages are reported failed by their ChannelFailed event.
//
// Shape (STYLE rule 4), as TpChannel: on_receive() / poll_transmit() / next_timeout() /
// on_timeout() on the network side, send() / poll_deliver() / poll_event() on the upper side.
// Every result names the member (its index) it concerns. Sans-I/O and deterministic: no clock, no
// randomness, iteration orders fixed. Choices where the spec is silent are marked MODEL and
// listed in docs/spec-coverage.md (A-100..A-109).

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <variant>
#include <vector>

#include "protocol/common/error.hpp"
#include "protocol/common/trace.hpp"
#include "protocol/common/units.hpp"
#include "protocol/nl/cci.hpp"
#include "protocol/tp/congestion.hpp"
#include "protocol/tp/tp_channel.hpp"

namespace ub::tp {

// Channels per group: the reference software's UBCORE_MAX_TP_CNT_IN_GRP (the spec gives none).
inline constexpr std::size_t kMaxTpgChannels = 32;
// Source ports a sender-sprayed channel may use: the reference software's 4-bit UDP port range,
// at most 8 (MODEL, A-102).
inline constexpr std::uint16_t kMaxSprayRange = 8;

// How the group picks a member for a message that is not pinned by an ordered flow (§6.5.1.1
// names round robin and "least congested first"; §6.5.1.2 queue depth). MODEL.
enum class TpgPolicy : std::uint8_t {
  RoundRobin,    // members in turn
  LeastInflight, // fewest packets sent and not yet acknowledged
  ShortestQueue, // fewest messages queued or unacknowledged
};
[[nodiscard]] std::string_view to_string(TpgPolicy p) noexcept;

// Load balancing of one member (Table 6-9, §6.5.1.3, Table 5-7).
struct PerFlow {
  std::uint16_t entropy = 0; // UDP source port / LBF of every packet
};
struct SenderSpray {
  std::uint16_t base = 0;  // entropy of control packets and of messages that may not be sprayed
  std::uint16_t range = 4; // data packets of sprayable messages: base + (PSN mod range), 1..8
};
struct SwitchSpray {
  std::uint16_t entropy = 0; // fixed; RT[0] = 1 on data packets of sprayable messages
};
using LoadBalance = std::variant<PerFlow, SenderSpray, SwitchSpray>;

struct TpgMemberConfig {
  TpChannelConfig channel{};
  std::uint8_t port = 0; // the UBPU port the member sends on (members may share a port)
  LoadBalance lb = PerFlow{};
  bool shortest_paths = false; // RT[1]: route over the shortest-path set only (Table 5-7)
};

struct TpGroupConfig {
  std::vector<TpgMemberConfig> members; // 1..32
  TpgPolicy policy = TpgPolicy::RoundRobin;
  // MODEL: §6.5.1.4 recommends, for per-packet load balancing, retransmission on timeout
  // only (so that reordering is not taken for loss) and a send window within the receive window.
  // When set, validate() refuses a spraying member whose algorithm has fast retransmission
  // (GbnFast, SelectiveFast); the window bound is always enforced by TpChannelConfig's own check.
  bool strict_spray_rules = true;
};

// Ok, or an Error whose header names the member ("TpGroupConfig.members[3]") and whose field is
// the offending field (a TpChannelConfig field, "lb.range", "channel.local_tpn",
// "channel.retx"), or header "TpGroupConfig", field "members" for a bad member count.
[[nodiscard]] Status validate(const TpGroupConfig& c) noexcept;

// What the upper layer says about one transaction operation.
struct SendOptions {
  // Ordered traffic (ROL over RTP): every message of the flow goes on one member (Table 7-14).
  std::optional<std::uint64_t> ordered_flow;
  // The TA allows this operation's packets to take different paths (§6.5.1.3). Without it the
  // packets keep the member's fixed entropy and RT[0] = 0 whatever the member's mode.
  bool allow_spray = false;
};

// A queued message: the member it went to and its id there (the id its events carry).
struct GroupSent {
  std::size_t channel = 0;
  MsgId id = 0;
};

enum class GroupSendError : std::uint8_t {
  Empty,             // an empty message
  QueueFull,         // the chosen member's queue is full (ordered flow), or every live member's
  FlowChannelFailed, // the ordered flow's member has failed; release_flow() lets it re-pin
  AllChannelsFailed, // no live member left
  BadPacketing,      // send_packets() units that break the MTU rule (TpChannel::send_packets)
};
[[nodiscard]] std::string_view to_string(GroupSendError e) noexcept;

// A packet for the network layer: the member's TpOut plus what the NTH and LPH must carry.
struct GroupOut {
  std::size_t channel = 0;
  std::uint8_t port = 0;
  TpOut out;
  std::uint16_t entropy = 0; // UDP source port (IP NTHs) or LBF (CNA NTHs)
  std::uint8_t rt = 0;       // LPH RT[1:0] (Table 5-7): bit 0 per-packet, bit 1 shortest set
};

struct GroupDelivery {
  std::size_t channel = 0;
  RxMessage message;
};

struct GroupEvent {
  std::size_t channel = 0;
  TpEvent event; // MsgIds are those GroupSent gave for this member
};

struct TpGroupCounters {
  std::uint64_t messages_sent = 0;    // queued on some member
  std::uint64_t messages_refused = 0; // send() errors
  std::uint64_t messages_failed = 0;  // listed in a member's ChannelFailed
  std::uint64_t members_failed = 0;
  std::uint64_t unknown_tpn = 0;     // received packets whose DstTPN is no member's
  std::uint64_t malformed = 0;       // received packets without a decodable RTPH
  std::uint64_t sprayed_packets = 0; // data packets sent with per-packet entropy or RT[0] = 1
};

class TpGroup {
public:
  // A group with `cfg.members.size()` members. `cc[i]` / `feedback[i]` are member i's
  // congestion-control objects (§6.6.1.4: one CC context per channel); either vector may be
  // shorter than the member list (or empty): the missing ones are null (no CC). Errors: those of
  // validate(cfg).
  [[nodiscard]] static Result<TpGroup> make(TpGroupConfig cfg,
                                            std::vector<std::unique_ptr<CongestionControl>> cc = {},
                                            std::vector<std::unique_ptr<CcFeedback>> feedback = {},
                                            Tracer* tracer = nullptr);

  // ---- upper layer ----
  // Queues one message on one member: the flow's member for an ordered flow (chosen by the policy
  // the first time), otherwise the policy's choice among the live members whose queue has room.
  [[nodiscard]] Expected<GroupSent, GroupSendError> send(std::span<const Byte> message,
                                                         const SendOptions& opt = {});
  // The same with the packets cut by the caller, each with its own TA headers
  // (TpChannel::send_packets).
  [[nodiscard]] Expected<GroupSent, GroupSendError>
  send_packets(std::span<const TpPacketUnit> units, const SendOptions& opt = {});
  // send_packets() that moves the units' contents into the member that queues the message, and
  // leaves them as they were on a refusal (TpChannel::submit_packets).
  [[nodiscard]] Expected<GroupSent, GroupSendError> submit_packets(std::span<TpPacketUnit> units,
                                                                   const SendOptions& opt = {});
  // The member an ordered flow is pinned to, if it is.
  [[nodiscard]] std::optional<std::size_t> flow_channel(std::uint64_t flow) const;
  // Forgets a flow's pin (after the upper layer has dealt with a failure, or the flow ended);
  // its next message is placed by the policy again.
  void release_flow(std::uint64_t flow);
  // Received messages, members in turn, each member's in its PSN order.
  [[nodiscard]] std::optional<GroupDelivery> poll_deliver();
  // Outcomes of sent messages, in the order the members reported them.
  [[nodiscard]] std::optional<GroupEvent> poll_event();
  // The TA's verdict on a message member `channel` delivered with needs_verdict (handle = its
  // last_psn): forwarded to that member's TpChannel::ta_verdict (§6.8.2), whose errors it
  // returns; OutOfRange on "channel" when there is no such member.
  [[nodiscard]] Status ta_verdict(std::size_t channel, std::uint32_t handle, const TaVerdict& v,
                                  Time now);

  // ---- network side ----
  // A TP packet (RTPH onward) that arrived on `port`; it goes to the member whose local TPN is
  // its DstTPN (§6.7.1.2.1). Unknown TPNs and undecodable headers are counted and dropped.
  // MODEL: the arrival port is not checked (the peer picks its own ports).
  // `origin`: as TpChannel::on_receive's.
  void on_receive(std::uint8_t port, std::span<const Byte> tp, const nl::Cci& cci, Time now,
                  const SharedBytes* origin = nullptr);
  // The next packet of the member whose turn it is among those with something to send (round
  // robin over members, starting after the last one served).
  [[nodiscard]] std::optional<GroupOut> poll_transmit(Time now);
  [[nodiscard]] Time next_timeout() const noexcept;
  // TpChannel::waits_for_input() of every member (after a poll_transmit() that gave nothing).
  [[nodiscard]] bool waits_for_input() const noexcept;
  void on_timeout(Time now);

  // ---- observation ----
  [[nodiscard]] std::size_t size() const noexcept { return members_.size(); }
  [[nodiscard]] const TpChannel& channel(std::size_t i) const { return members_.at(i).ch; }
  [[nodiscard]] const TpgMemberConfig& member_config(std::size_t i) const {
    return members_.at(i).cfg;
  }
  [[nodiscard]] bool failed(std::size_t i) const { return members_.at(i).failed; }
  [[nodiscard]] std::size_t live_members() const noexcept;
  [[nodiscard]] const TpGroupCounters& counters() const noexcept { return counters_; }
  [[nodiscard]] const TpGroupConfig& config() const noexcept { return cfg_; }

private:
  template <class Submit>
  Expected<GroupSent, GroupSendError> submit(bool empty, const SendOptions& opt,
                                             Submit&& to_channel);
  struct MsgInfo {
    MsgId id = 0;
    std::uint32_t tpmsn = 0;
    bool spray = false;
  };
  struct Member {
    TpChannel ch;
    TpgMemberConfig cfg;
    bool failed = false;
    std::uint32_t next_tpmsn = 0; // TPMSN the member gives its next message (Table 6-2)
    std::deque<MsgInfo> msgs;     // unacknowledged messages, send order (consecutive TPMSNs)
  };

  TpGroup(TpGroupConfig cfg, std::vector<Member> members, Tracer* tracer);

  [[nodiscard]] std::optional<std::size_t> choose(std::uint32_t exclude) const;
  [[nodiscard]] bool spray_allowed(const Member& m, std::uint32_t tpmsn) const;
  void decorate(GroupOut& g);
  void drain_events(std::size_t i, Time now);
  void trace(Time now, std::string_view what, std::uint64_t a = 0, std::uint64_t b = 0);

  TpGroupConfig cfg_;
  std::vector<Member> members_;
  Tracer* tracer_;
  std::map<std::uint32_t, std::size_t> by_tpn_; // local TPN -> member
  std::map<std::uint64_t, std::size_t> flows_;  // ordered flow -> member
  std::size_t rr_next_ = 0;                     // policy cursor
  std::size_t tx_next_ = 0;                     // transmit arbitration cursor
  std::size_t rx_next_ = 0;                     // delivery cursor
  std::deque<GroupEvent> events_;
  TpGroupCounters counters_{};
};

} // namespace ub::tp

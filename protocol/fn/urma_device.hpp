#pragma once
// The function layer of one device: Jettys, JFS / JFR, Jetty Groups and JFCs over the device's
// transaction endpoint. UB-Base-2.0 §8.2.2.1 (the objects), §8.2.2.2 (many-to-many and
// one-to-one), §8.2.2.3 (Jetty states Reset / Ready / Suspend / Error and the exception modes),
// §8.2.3 (queues), §8.3 (synchronous load/store), §9.5 (the UB Decoder), Table 10-12 (statuses).
//
// A Jetty's send side is a transaction queue of the initiator (INI_RC_ID = the Jetty id); its
// receive side is a receive queue of the target (MTETAH TGT_TC_ID = the Jetty id). Completions
// land on the Jetty's JFCs as CQEs; Jetty errors and JFC overflows are asynchronous events
// (JFAE). The state machine, per §8.2.2.3:
//   Reset   posting fails; incoming requests for its receive queue are dropped silently
//   Ready   normal
//   Suspend posting succeeds but nothing new is scheduled; requests are still served
//   Error   posting fails; every outstanding request is flushed; incoming ones dropped
//   transitions: any -> Reset, Reset -> Ready, Ready -> Suspend, Ready -> Error,
//   Suspend -> Ready, Suspend -> Error, Error -> Reset; others are refused.
// With exception mode Suspend, a failed request moves its Jetty Ready -> Suspend and raises a
// JFAE event when the transaction layer reports it, and stops the Jetty's queue (again: a modify
// to Ready between the failure and its report resumed it); with Continue it only reports the
// error CQE.
//
// The load/store unit (§8.3) turns a core's loads, stores and atomics at physical addresses into
// transactions through the UB Decoder (PA -> UBMD). Over TP bypass (compact headers) a load reads
// the enclosing 64 B x 2^L block, a store that is not such a block becomes a Write_with_be over
// it, and only 64-byte atomics exist (design reading X29).

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "protocol/fn/work_request.hpp"
#include "protocol/ta/ta_endpoint.hpp"

namespace ub::fn {

enum class JettyKind : std::uint8_t { Standard, Jfs, Jfr };
enum class JettyState : std::uint8_t { Reset, Ready, Suspend, Error };
[[nodiscard]] std::string_view to_string(JettyState s) noexcept;

struct JettyConfig {
  JettyKind kind = JettyKind::Standard;
  ta::TaMode mode = ta::TaMode::Roi;
  ta::ExceptionMode on_error = ta::ExceptionMode::Suspend;
  JfcId send_jfc = 0;
  JfcId recv_jfc = 0;
  std::optional<std::uint32_t> token;            // receive side: requests must carry it
  std::optional<RemoteJetty> bound;              // one-to-one: the only peer Jetty (§8.2.2.2)
  std::map<ta::PeerId, std::uint32_t> static_sc; // ROT: configured SCs per target
};

struct AsyncEvent {
  enum class Kind : std::uint8_t { JettySuspended, JettyError, JfcOverflow };
  Kind kind = Kind::JettySuspended;
  JettyId jetty = 0;
  JfcId jfc = 0;
};

// The UB Decoder (§9.5): a physical address range of the User that names a remote segment.
struct DecoderEntry {
  std::uint64_t pa = 0;
  std::uint64_t size = 0;
  RemoteSegment seg{}; // the range starts at seg.uba
};

struct LsConfig {
  ta::TaMode mode = ta::TaMode::Rol;
  std::uint32_t max_outstanding = 16; // MODEL
};

enum class LsError : std::uint8_t {
  NoMapping,      // no decoder entry holds the whole access
  Busy,           // max_outstanding reached
  NotExpressible, // e.g. an 8-byte atomic over bypass (only 64-byte ones exist)
  Refused,        // the transaction layer refused it (post rules)
};
[[nodiscard]] std::string_view to_string(LsError e) noexcept;

struct LsCompletion {
  std::uint64_t ticket = 0;
  CqeStatus status = CqeStatus::Success;
  std::vector<Byte> data; // load: the bytes asked for; atomic: the old value
};

struct DeviceCounters {
  std::uint64_t cqes = 0, recv_cqes = 0, jfc_overflows = 0, async_events = 0;
  std::uint64_t nops = 0;
};

class UrmaDevice {
public:
  UrmaDevice(std::unique_ptr<ta::TaTransport> transport, const ta::EndpointConfig& cfg,
             ta::TxnObserver* observer = nullptr);

  // ---- control ----
  [[nodiscard]] Result<JfcId> create_jfc(std::uint32_t depth = 1024);
  // A Jetty in state Reset; ids start at 1024 (0..1023 are the well-known ones, §8.2.5).
  [[nodiscard]] Result<JettyId> create_jetty(const JettyConfig& cfg);
  [[nodiscard]] Result<JettyId> create_jetty_group(std::vector<JettyId> members,
                                                   ta::GroupPolicy policy);
  [[nodiscard]] Status modify(JettyId j, JettyState to, Time now);
  [[nodiscard]] std::optional<JettyState> state(JettyId j) const;

  // ---- data path ----
  [[nodiscard]] Expected<void, WrError> post_send(JettyId j, const WorkRequest& wr, Time now);
  [[nodiscard]] Status post_recv(JettyId j, std::uint32_t capacity);
  [[nodiscard]] std::optional<Cqe> poll_jfc(JfcId c);
  [[nodiscard]] std::optional<AsyncEvent> poll_async();

  // ---- load / store (§8.3) ----
  [[nodiscard]] Status add_decoder_entry(const DecoderEntry& e);
  [[nodiscard]] Status enable_load_store(const LsConfig& cfg);
  [[nodiscard]] Expected<std::uint64_t, LsError> load(std::uint64_t pa, std::uint32_t n,
                                                      ta::ExecOrder order, Time now);
  [[nodiscard]] Expected<std::uint64_t, LsError> store(std::uint64_t pa, std::vector<Byte> bytes,
                                                       ta::ExecOrder order, Time now);
  [[nodiscard]] Expected<std::uint64_t, LsError> atomic(std::uint64_t pa, ta::TaOpcode op,
                                                        std::vector<Byte> operands,
                                                        std::uint32_t size, Time now);
  [[nodiscard]] std::optional<LsCompletion> poll_ls();

  // ---- network side (the endpoint's, then completions are collected) ----
  void on_receive(const ta::NetPacket& p, Time now);
  [[nodiscard]] std::optional<ta::NetPacket> poll_transmit(Time now);
  [[nodiscard]] Time next_timeout() const noexcept { return ep_.next_timeout(); }
  void on_timeout(Time now);

  [[nodiscard]] ta::TaEndpoint& endpoint() noexcept { return ep_; }
  [[nodiscard]] const DeviceCounters& counters() const noexcept { return counters_; }
  // Requests (work requests and load/store accesses) the device still waits on the transaction
  // layer for: 0 once everything posted has completed.
  [[nodiscard]] std::size_t outstanding_requests() const noexcept {
    return pending_.size() + ls_pending_.size();
  }

  static constexpr JettyId kFirstDynamicJetty = 1024;

private:
  struct Jetty {
    JettyConfig cfg;
    JettyState state = JettyState::Reset;
  };
  struct Jfc {
    std::uint32_t depth = 0;
    std::deque<Cqe> cqes;
  };
  struct PendingWr {
    JettyId jetty = 0;
    WrOpcode opcode = WrOpcode::Write;
    std::uint64_t user_ctx = 0;
    bool complete_enable = true;
    ta::PeerId remote = 0;
    std::uint32_t length = 0;
  };
  struct LsOp {
    std::uint64_t ticket = 0;
    std::uint64_t skip = 0; // bytes of the block before the access (loads)
    std::uint32_t n = 0;
  };

  void collect(Time now);
  void push_cqe(JfcId c, Cqe cqe);
  void raise(AsyncEvent e);
  Expected<std::uint64_t, LsError> ls_post(ta::TxnOp op, LsOp meta, Time now);
  std::optional<std::pair<RemoteSegment, std::uint64_t>> decode(std::uint64_t pa,
                                                                std::uint64_t n) const;

  ta::TaEndpoint ep_;
  std::map<JettyId, Jetty> jettys_;
  std::map<JfcId, Jfc> jfcs_;
  std::map<std::uint64_t, PendingWr> pending_; // op id -> the WR's bookkeeping
  std::deque<AsyncEvent> async_;
  std::vector<DecoderEntry> decoder_;
  std::optional<LsConfig> ls_;
  std::map<std::uint64_t, LsOp> ls_pending_;
  std::deque<LsCompletion> ls_done_;
  JettyId next_jetty_ = kFirstDynamicJetty;
  JfcId next_jfc_ = 1;
  std::uint64_t next_op_ = 1; // set from the device's PeerId (constructor)
  std::uint64_t next_ticket_ = 1;
  DeviceCounters counters_;

  static constexpr std::uint32_t kLsQueue = 1000; // the load/store unit's transaction queue
};

} // namespace ub::fn

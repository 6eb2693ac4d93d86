#pragma once
// Import of the ns-3 UB simulator's case folders (module src/unified-bus of ns-3.44, mirror
// SpriteL1207/ns3-ub commit acda802; formats and defaults in ../shared/spec/ns3ub-formats.md
// sections 2 and 3). A case is a folder of node.csv, topology.csv, routing_table.csv,
// transport_channel.csv, traffic.csv, network_attribute.txt and an optional fault.csv.
//
// This is the parsing and validation layer only: plain structs that keep everything the files
// carry, in the simulator's own terms (node ids, port indices, TPNs). Converting them into a
// fabric (CNA assignment, switches, routing tables) is the simulator's job. Every refusal is an
// ImportError naming `file:line: field: reason`; nothing is truncated silently.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "protocol/common/expected.hpp"
#include "protocol/common/units.hpp"

namespace ub::sim {

// Where and why an import failed. `line` is 1-based (the header is line 1); 0 means the whole
// file (missing, unreadable, empty). `field` is the column (by the format's own name) or the
// attribute key; empty when the whole line is wrong.
struct ImportError {
  std::string file;
  std::size_t line = 0;
  std::string field;
  std::string reason;
};

// "node.csv:3: portNum: not a number (\"x\")"; "traffic.csv: missing file" when line is 0.
[[nodiscard]] std::string to_string(const ImportError& e);

// Warnings have the same shape (an unknown attribute key, a setting ns-3 ignores).
using ImportWarning = ImportError;

template <class T>
using ImportResult = Expected<T, ImportError>;

// The file names of a case folder.
inline constexpr std::string_view kNs3NodeFile = "node.csv";
inline constexpr std::string_view kNs3TopologyFile = "topology.csv";
inline constexpr std::string_view kNs3RoutingFile = "routing_table.csv";
inline constexpr std::string_view kNs3ChannelFile = "transport_channel.csv";
inline constexpr std::string_view kNs3TrafficFile = "traffic.csv";
inline constexpr std::string_view kNs3AttributeFile = "network_attribute.txt";
inline constexpr std::string_view kNs3FaultFile = "fault.csv";

// MODEL: bounds that keep a hostile file from allocating without limit (an 8,192-NPU SuperPoD
// with its switches fits many times over).
inline constexpr std::size_t kNs3MaxNodes = std::size_t{1} << 20;
inline constexpr std::uint32_t kNs3MaxPorts = 4096;

// ---- node.csv: nodeId,nodeType,portNum[,forwardDelay[,systemId]] ----

enum class Ns3NodeKind : std::uint8_t {
  Device, // a host: UB controller with function and transaction layers (it can also forward)
  Switch,
};

struct Ns3Node {
  std::uint32_t id = 0;
  Ns3NodeKind kind = Ns3NodeKind::Device;
  std::uint32_t ports = 0;
  std::optional<Time> forward_delay;      // overrides UbSwitchAllocator::AllocationTime
  std::optional<std::uint32_t> system_id; // MPI rank
  std::size_t line = 0;
};

// ---- topology.csv: nodeId1,portId1,nodeId2,portId2,bandwidth,delay (one full-duplex link) ----

struct Ns3Link {
  std::uint32_t node1 = 0;
  std::uint32_t port1 = 0;
  std::uint32_t node2 = 0;
  std::uint32_t port2 = 0;
  BitRate bandwidth{}; // set on both ports
  Time delay{};        // propagation delay
  std::size_t line = 0;
};

// ---- routing_table.csv: nodeId,dstNodeId,dstPortId,outPorts,metrics ----

struct Ns3Route {
  std::uint32_t node = 0;
  std::uint32_t dst_node = 0;
  std::uint32_t dst_port = 0;
  std::vector<std::uint32_t> out_ports; // same length as metrics, at least one
  std::vector<std::uint32_t> metrics;
  std::size_t line = 0;
};

// ---- transport_channel.csv: nodeId1,portId1,tpn1,nodeId2,portId2,tpn2,priority[,metric] ----

struct Ns3Channel {
  std::uint32_t node1 = 0;
  std::uint32_t port1 = 0;
  std::uint32_t tpn1 = 0;
  std::uint32_t node2 = 0;
  std::uint32_t port2 = 0;
  std::uint32_t tpn2 = 0;
  std::uint32_t priority = 0;
  std::optional<std::uint32_t> metric; // lower is preferred
  std::size_t line = 0;
};

// ---- traffic.csv: taskId,sourceNode,destNode,dataSize(Byte),opType,priority,delay,phaseId,
//      dependOnPhases ----

enum class Ns3OpType : std::uint8_t {
  UrmaWrite,
  UrmaRead,
  MemStore,
  MemLoad,
  UrmaWriteNotify, // parsed by ns-3 but never run there (its quirk 1); ubmodel can run it
};

[[nodiscard]] std::string_view to_string(Ns3OpType op) noexcept;

struct Ns3Task {
  std::uint32_t id = 0;
  std::uint32_t src = 0;
  std::uint32_t dst = 0;
  std::uint64_t bytes = 0;
  Ns3OpType op = Ns3OpType::UrmaWrite;
  std::uint32_t priority = 0;
  Time delay{}; // start offset once the phases it depends on have completed
  std::uint32_t phase = 0;
  std::vector<std::uint32_t> depends_on; // phase ids; empty for a first phase
  std::size_t line = 0;
};

// ---- fault.csv: taskId,faultType,dropRate(%),delay(ns),lowerDataRate(node port Mbps),
//      shutdownDropPackets(start end),OccasionalDropRate(%) ----

enum class Ns3FaultType : std::uint8_t {
  Drop = 0,       // drop the task's packets at dropRate
  Delay = 1,      // extra delay on the task's packets
  Congestion = 2, // set a port's rate (once, at load)
  Shutdown = 3,   // drop packet numbers start..end (ns-3 never parses the column: inert there)
  LowerRate = 4,  // set a port's rate (once, at load)
  ErrorDrop = 5,  // random error drops at OccasionalDropRate
};

struct Ns3PortRate {
  std::uint32_t node = 0;
  std::uint32_t port = 0;
  BitRate rate{};
};

struct Ns3Fault {
  std::uint32_t task_id = 0;
  Ns3FaultType type = Ns3FaultType::Drop;
  double drop_percent = 0;
  Time delay{};
  std::optional<Ns3PortRate> port_rate;
  std::optional<std::pair<std::uint64_t, std::uint64_t>> shutdown_packets; // inclusive
  double occasional_drop_percent = 0;
  std::size_t line = 0;
};

// ---- network_attribute.txt: `default ns3::Class::Attribute "value"`, `global NAME "value"` ----

enum class Ns3FlowControl : std::uint8_t { None, Cbfc, CbfcShared, PfcFixed, PfcDynamic };
enum class Ns3VlScheduler : std::uint8_t { Sp, Dwrr };
enum class Ns3RoutingAlgorithm : std::uint8_t { Hash, Adaptive };

// The settings the simulator would run with: each is the file's value, or the ns-3 default of
// ns3ub-formats.md section 3 when the file does not set it.
struct Ns3Settings {
  // link and port
  BitRate data_rate{};   // ns3::UbPort::UbDataRate (topology.csv overrides it per link)
  Time link_delay{};     // ns3::UbLink::Delay
  Time interframe_gap{}; // ns3::UbPort::UbInterframeGap
  // switch
  Time allocation_time{}; // ns3::UbSwitchAllocator::AllocationTime (node.csv overrides it)
  std::uint64_t reserve_per_queue_bytes = 0;
  std::uint64_t shared_pool_bytes = 0;
  std::uint64_t headroom_per_port_bytes = 0;
  std::uint64_t alpha_shift = 0;
  std::uint64_t resume_offset_bytes = 0;
  Ns3FlowControl flow_control = Ns3FlowControl::Cbfc;
  Ns3VlScheduler vl_scheduler = Ns3VlScheduler::Sp;
  std::uint64_t dwrr_default_quantum = 0;
  std::vector<std::pair<std::uint32_t, std::uint64_t>> dwrr_vl_quantums; // (VL, bytes)
  // CBFC / PFC
  std::uint64_t cbfc_flit_bytes = 0;
  std::uint64_t cbfc_flits_per_cell = 0;
  std::uint64_t cbfc_init_credit_cells = 0;
  std::uint64_t cbfc_shared_init_credit_cells = 0;
  std::uint64_t cbfc_ret_grain_data = 0;
  std::uint64_t cbfc_ret_grain_control = 0;
  std::uint64_t pfc_up_bytes = 0;
  std::uint64_t pfc_low_bytes = 0;
  // transport
  bool enable_retrans = false;
  Time initial_rto{};
  std::uint64_t max_retrans_attempts = 0;
  std::uint64_t retrans_exponent_factor = 0;
  std::uint64_t max_inflight_packets = 0;
  std::uint64_t max_wqe_segments = 0;
  std::uint64_t tp_ooo_threshold = 0;
  bool use_packet_spray = false;
  bool use_shortest_paths = true;
  // jetty and app
  std::uint64_t jetty_inflight_max = 0;
  std::uint64_t jetty_ooo_ack_threshold = 0;
  bool enable_multipath = false;
  bool app_use_shortest_paths = true;
  // routing
  Ns3RoutingAlgorithm routing = Ns3RoutingAlgorithm::Hash;
  // congestion control (C-AQM)
  bool cc_enabled = false;
  std::string cc_algo;
  double caqm_alpha = 0;
  double caqm_beta = 0;
  double caqm_gamma = 0;
  double caqm_lambda = 0;
  double caqm_theta = 0;
  std::uint64_t caqm_qt_bytes = 0;
  std::uint64_t caqm_cc_unit_bytes = 0;
  double caqm_mark_probability = 0;
  std::uint64_t caqm_cwnd_bytes = 0;
  Time caqm_update_period{};
  // load/store
  std::uint64_t ldst_threads = 0;
  std::uint64_t ldst_queue_priority = 0;
  std::uint64_t ldst_store_request_bytes = 0;
  std::uint64_t ldst_load_request_bytes = 0;
  std::uint64_t ldst_load_response_bytes = 0;
  std::uint64_t ldst_store_outstanding = 0;
  std::uint64_t ldst_load_outstanding = 0;
  bool ldst_use_packet_spray = true;
  bool ldst_use_shortest_paths = true;
  bool fault_use_packet_spray = true;
  // globals
  bool fault_enable = false;
  std::uint32_t priorities = 16; // UB_PRIORITY_NUM
  std::uint32_t vls = 16;        // UB_VL_NUM
  bool trace = true;
  bool task_trace = true;
  bool packet_trace = true;
  bool port_trace = true;
  bool record_packet_trace = false;
  bool parse_trace = true;
  std::string python_script_path;
  // compiled into the simulator, not settable: kept here so a converter finds them in one place
  std::uint64_t mtu_bytes = 4096;                // UB_MTU_BYTE
  std::uint64_t ta_segment_bytes = 65536;        // UB_WQE_TA_SEGMENT_BYTE
  std::uint64_t egress_queue_bytes = 512 * 1024; // UbEgressQueue::MaxEgressBytes
};

enum class Ns3AttributeScope : std::uint8_t { Default, Global };

struct Ns3Attribute {
  Ns3AttributeScope scope = Ns3AttributeScope::Default;
  std::string key;      // "ns3::UbPort::UbDataRate" or "UB_FAULT_ENABLE"
  std::string value;    // as written (or the default's text), quotes removed
  std::size_t line = 0; // 0: not in the file, the default applies
  bool known = false;   // a key the importer reads into Ns3Settings
};

struct Ns3Attributes {
  // Every known key (from the file or its default, in the table's order), then the file's
  // unknown keys in file order. A key set twice keeps its last value (Config::SetDefault).
  std::vector<Ns3Attribute> entries;
  Ns3Settings settings;
  std::vector<ImportWarning> warnings;

  [[nodiscard]] const Ns3Attribute* find(std::string_view key) const;
};

// ---- the whole case ----

struct Ns3Case {
  std::vector<Ns3Node> nodes; // sorted by id after validation
  std::vector<Ns3Link> links;
  std::vector<Ns3Route> routes;
  std::vector<Ns3Channel> channels;
  std::vector<Ns3Task> tasks;
  std::vector<Ns3Fault> faults;  // loaded whenever fault.csv exists; ns-3 applies them only with
                                 // settings.fault_enable
  bool has_channel_file = false; // transport_channel.csv is optional in ns-3 (TPs on demand)
  bool has_fault_file = false;
  Ns3Attributes attributes;
  std::vector<ImportWarning> warnings; // the attribute warnings plus the case's own

  [[nodiscard]] const Ns3Node* node(std::uint32_t id) const; // nullptr when absent
  [[nodiscard]] const Ns3Settings& settings() const { return attributes.settings; }
};

// ---- parsers: (file name for messages, text) ----

[[nodiscard]] ImportResult<std::vector<Ns3Node>> parse_node_csv(std::string_view file,
                                                                std::string_view text);
[[nodiscard]] ImportResult<std::vector<Ns3Link>> parse_topology_csv(std::string_view file,
                                                                    std::string_view text);
[[nodiscard]] ImportResult<std::vector<Ns3Route>> parse_routing_table_csv(std::string_view file,
                                                                          std::string_view text);
[[nodiscard]] ImportResult<std::vector<Ns3Channel>>
parse_transport_channel_csv(std::string_view file, std::string_view text);
[[nodiscard]] ImportResult<std::vector<Ns3Task>> parse_traffic_csv(std::string_view file,
                                                                   std::string_view text);
[[nodiscard]] ImportResult<std::vector<Ns3Fault>> parse_fault_csv(std::string_view file,
                                                                  std::string_view text);
[[nodiscard]] ImportResult<Ns3Attributes> parse_network_attributes(std::string_view file,
                                                                   std::string_view text);

// Unit strings in ns-3 syntax: times ("20ns", "+10ns", "1.5us", a bare number is seconds) and
// data rates ("400Gbps", "1.2Tbps", "100MB/s", "10Kibps"). The reason on failure is short.
[[nodiscard]] Expected<Time, std::string> parse_ns3_time(std::string_view text);
[[nodiscard]] Expected<BitRate, std::string> parse_ns3_rate(std::string_view text);

// The files of a case by name (network_attribute.txt, node.csv, ...). Every file but
// transport_channel.csv and fault.csv is required.
using Ns3CaseFiles = std::map<std::string, std::string, std::less<>>;

// Parses every file in the order ns-3 reads them, then checks the case as a whole: every node
// a link, route, channel, task or fault names exists and has the port named; no port carries two
// links; TPNs are unique per (node, port); tasks run between distinct devices, at a priority
// below UB_PRIORITY_NUM, and depend only on phases that exist, without cycles.
[[nodiscard]] ImportResult<Ns3Case> assemble_ns3_case(const Ns3CaseFiles& files);

// Reads the folder and assembles it. An unreadable folder or file is an ImportError too.
[[nodiscard]] ImportResult<Ns3Case> load_ns3_case(const std::filesystem::path& dir);

// Counts for the command line to print.
struct Ns3CaseSummary {
  std::size_t hosts = 0;
  std::size_t switches = 0;
  std::size_t links = 0;
  std::size_t routes = 0;      // routing_table.csv lines
  std::size_t route_ports = 0; // out-port candidates over all routes
  std::size_t channels = 0;    // TP pairs
  std::size_t tasks = 0;
  std::size_t phases = 0;
  std::uint64_t total_bytes = 0;
  std::size_t faults = 0;
  bool faults_enabled = false;
  std::size_t warnings = 0;
};

[[nodiscard]] Ns3CaseSummary describe(const Ns3Case& c);
// "32 hosts, 12 switches, 64 links, 1376 routes, 992 channels, 8 tasks in 1 phase,
//  3200000 bytes, 0 faults"
[[nodiscard]] std::string to_string(const Ns3CaseSummary& s);

} // namespace ub::sim

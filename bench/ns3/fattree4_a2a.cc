// The ns-3 baseline of ubmodel's fattree4-a2a benchmark (bench/ns3/README.md): a k=4 fat-tree
// of ns-3 nodes joined by point-to-point links (100 Gbit/s, 1 us), IPv4 global routing with
// per-packet random ECMP, and an all-to-all of 1 MB UDP flows in 1,000-byte datagrams. Each host
// paces its datagrams at its link's line rate, round-robin over its destinations. Prints the
// packet-hops (link transmissions, counted at every device's PhyTxEnd), the wall time of the
// run, the simulator's event count and the simulated time, in one line:
//   ns3 fattree4-a2a: wall_s=... packet_hops=... hops_per_s=... events=... sim_time_us=...
// preceded by a detail line (topology, deliveries, drops, the analytic hop count, setup time).

#include <chrono>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <sys/resource.h>
#include <vector>

#include "ns3/applications-module.h"
#include "ns3/core-module.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"
#include "ns3/point-to-point-module.h"
#include "ns3/traffic-control-module.h"

using namespace ns3;

namespace {

constexpr std::uint16_t kUdpPort = 9;
// Wire bytes of one datagram on a point-to-point link: payload + UDP 8 + IPv4 20 + PPP 2.
constexpr std::uint32_t kHeaderBytes = 8 + 20 + 2;

struct Counters {
  std::uint64_t tx_end = 0;    // PhyTxEnd on any device: one link transmission
  std::uint64_t delivered = 0; // datagrams received by the destination socket
  std::uint64_t drops = 0;     // queue, MAC, PHY or IP drops
};
Counters g_count; // the trace sinks below are plain functions

void on_tx_end(Ptr<const Packet>) {
  ++g_count.tx_end;
}
void on_drop(Ptr<const Packet>) {
  ++g_count.drops;
}
void on_ip_drop(const Ipv4Header&, Ptr<const Packet>, Ipv4L3Protocol::DropReason, Ptr<Ipv4>,
                std::uint32_t) {
  ++g_count.drops;
}
void on_receive(Ptr<Socket> socket) {
  while (Ptr<Packet> p = socket->Recv()) {
    ++g_count.delivered;
  }
}

// Sends `per_peer` datagrams of `payload` bytes to each peer, round-robin over the peers, one
// every `gap` (the link's serialisation time of one datagram: line rate, no queue at the host).
class A2aSender : public Application {
public:
  void setup(std::vector<InetSocketAddress> peers, std::uint32_t per_peer, std::uint32_t payload,
             Time gap) {
    peers_ = std::move(peers);
    per_peer_ = per_peer;
    payload_ = payload;
    gap_ = gap;
  }

private:
  void StartApplication() override {
    socket_ = Socket::CreateSocket(GetNode(), UdpSocketFactory::GetTypeId());
    socket_->Bind();
    send_next();
  }
  void StopApplication() override {
    Simulator::Cancel(next_);
    if (socket_) {
      socket_->Close();
    }
  }
  void send_next() {
    const std::uint64_t total = std::uint64_t{per_peer_} * peers_.size();
    if (sent_ == total) {
      return;
    }
    socket_->SendTo(Create<Packet>(payload_), 0, peers_[sent_ % peers_.size()]);
    ++sent_;
    next_ = Simulator::Schedule(gap_, &A2aSender::send_next, this);
  }

  std::vector<InetSocketAddress> peers_;
  std::uint32_t per_peer_ = 0;
  std::uint32_t payload_ = 0;
  Time gap_;
  Ptr<Socket> socket_;
  std::uint64_t sent_ = 0;
  EventId next_;
};

// CPU seconds (user + system) this process has used: unlike wall time, not stretched by other
// processes sharing the cores.
double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  const auto s = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return s(u.ru_utime) + s(u.ru_stime);
}

} // namespace

int main(int argc, char* argv[]) {
  // Picoseconds, as ubmodel: a 1,030-byte datagram at 100 Gbit/s lasts 82.4 ns.
  Time::SetResolution(Time::PS);

  std::uint32_t k = 4;
  std::uint64_t flow_bytes = 1'000'000;
  std::uint32_t payload = 1000;
  std::string rate = "100Gbps";
  std::string delay = "1us";
  std::string queue = "100000p"; // drop-tail, deep enough that nothing is dropped (checked)
  CommandLine cmd(__FILE__);
  cmd.AddValue("k", "fat-tree arity (even)", k);
  cmd.AddValue("flowBytes", "payload bytes per flow", flow_bytes);
  cmd.AddValue("payload", "UDP payload bytes per datagram", payload);
  cmd.AddValue("rate", "link rate", rate);
  cmd.AddValue("delay", "link propagation delay", delay);
  cmd.AddValue("queue", "drop-tail queue size of every device", queue);
  cmd.Parse(argc, argv);
  if (k < 2 || k % 2 != 0 || payload == 0 || flow_bytes % payload != 0) {
    std::fprintf(stderr, "k must be even and at least 2, flowBytes a multiple of payload\n");
    return 2;
  }
  const auto wall_start = std::chrono::steady_clock::now();

  const std::uint32_t half = k / 2;
  const std::uint32_t hosts = k * k * k / 4;
  const std::uint32_t edges = k * half; // per pod: half edge, half aggregation
  const std::uint32_t aggs = k * half;
  const std::uint32_t cores = half * half;
  NodeContainer host_nodes, edge_nodes, agg_nodes, core_nodes;
  host_nodes.Create(hosts);
  edge_nodes.Create(edges);
  agg_nodes.Create(aggs);
  core_nodes.Create(cores);

  Config::SetDefault("ns3::Ipv4GlobalRouting::RandomEcmpRouting", BooleanValue(true));
  InternetStackHelper stack;
  stack.InstallAll();

  PointToPointHelper p2p;
  p2p.SetDeviceAttribute("DataRate", StringValue(rate));
  p2p.SetChannelAttribute("Delay", StringValue(delay));
  p2p.SetQueue("ns3::DropTailQueue<Packet>", "MaxSize", StringValue(queue));
  Ipv4AddressHelper address("10.0.0.0", "255.255.255.252");
  NetDeviceContainer all_devices;
  std::vector<Ipv4Address> host_address(hosts);
  std::uint32_t links = 0;
  const auto join = [&](Ptr<Node> a, Ptr<Node> b) {
    NetDeviceContainer d = p2p.Install(a, b);
    Ipv4InterfaceContainer ifs = address.Assign(d);
    address.NewNetwork();
    all_devices.Add(d);
    ++links;
    return ifs;
  };
  // Al-Fares et al., as ubmodel's make_fat_tree: host (pod p, edge e, index i) = p*k*k/4 +
  // e*k/2 + i; edge (p, e) joins every aggregation switch of pod p; aggregation (p, a) joins
  // cores a*k/2 .. a*k/2 + k/2 - 1.
  for (std::uint32_t p = 0; p < k; ++p) {
    for (std::uint32_t e = 0; e < half; ++e) {
      Ptr<Node> edge = edge_nodes.Get(p * half + e);
      for (std::uint32_t i = 0; i < half; ++i) {
        const std::uint32_t h = p * half * half + e * half + i;
        host_address[h] = join(host_nodes.Get(h), edge).GetAddress(0);
      }
      for (std::uint32_t a = 0; a < half; ++a) {
        join(edge, agg_nodes.Get(p * half + a));
      }
    }
    for (std::uint32_t a = 0; a < half; ++a) {
      for (std::uint32_t j = 0; j < half; ++j) {
        join(agg_nodes.Get(p * half + a), core_nodes.Get(a * half + j));
      }
    }
  }
  // Ipv4AddressHelper::Assign installs fq_codel on every device: take it off, so that each
  // device's drop-tail queue is the only queue (as in ubmodel: one output queue per port).
  TrafficControlHelper::Default().Uninstall(all_devices);
  Ipv4GlobalRoutingHelper::PopulateRoutingTables();

  // Sinks, then one paced sender per host: destinations h+1, h+2, ... (mod hosts).
  const std::uint32_t per_peer = static_cast<std::uint32_t>(flow_bytes / payload);
  const Time gap = DataRate(rate).CalculateBytesTxTime(payload + kHeaderBytes);
  std::uint64_t analytic_hops = 0;
  for (std::uint32_t h = 0; h < hosts; ++h) {
    Ptr<Socket> sink = Socket::CreateSocket(host_nodes.Get(h), UdpSocketFactory::GetTypeId());
    sink->Bind(InetSocketAddress(Ipv4Address::GetAny(), kUdpPort));
    sink->SetRecvCallback(MakeCallback(&on_receive));
  }
  for (std::uint32_t h = 0; h < hosts; ++h) {
    std::vector<InetSocketAddress> peers;
    for (std::uint32_t s = 1; s < hosts; ++s) {
      const std::uint32_t d = (h + s) % hosts;
      peers.emplace_back(host_address[d], kUdpPort);
      const bool same_edge = h / half == d / half;
      const bool same_pod = h / (half * half) == d / (half * half);
      analytic_hops += std::uint64_t{per_peer} * (same_edge ? 2 : same_pod ? 4 : 6);
    }
    Ptr<A2aSender> app = CreateObject<A2aSender>();
    app->setup(std::move(peers), per_peer, payload, gap);
    host_nodes.Get(h)->AddApplication(app);
    app->SetStartTime(Seconds(0));
  }

  Config::ConnectWithoutContext("/NodeList/*/DeviceList/*/$ns3::PointToPointNetDevice/PhyTxEnd",
                                MakeCallback(&on_tx_end));
  for (const char* drop : {"MacTxDrop", "PhyTxDrop", "PhyRxDrop", "TxQueue/Drop"}) {
    Config::ConnectWithoutContext(
        std::string("/NodeList/*/DeviceList/*/$ns3::PointToPointNetDevice/") + drop,
        MakeCallback(&on_drop));
  }
  Config::ConnectWithoutContext("/NodeList/*/$ns3::Ipv4L3Protocol/Drop", MakeCallback(&on_ip_drop));

  const double cpu_start = cpu_seconds();
  const auto run_start = std::chrono::steady_clock::now();
  Simulator::Run();
  const auto run_end = std::chrono::steady_clock::now();
  const double cpu_s = cpu_seconds() - cpu_start;
  const double wall_s = std::chrono::duration<double>(run_end - run_start).count();
  const double setup_s = std::chrono::duration<double>(run_start - wall_start).count();
  const double sim_time_us = Simulator::Now().GetSeconds() * 1e6;
  const std::uint64_t events = Simulator::GetEventCount();
  Simulator::Destroy();

  const std::uint64_t datagrams = std::uint64_t{hosts} * (hosts - 1) * per_peer;
  std::printf("ns3 fattree4-a2a detail: k=%" PRIu32 " hosts=%" PRIu32 " switches=%" PRIu32
              " links=%" PRIu32 " flows=%" PRIu32 " datagrams=%" PRIu64 " delivered=%" PRIu64
              " drops=%" PRIu64 " analytic_hops=%" PRIu64 " setup_s=%.3f cpu_s=%.3f\n",
              k, hosts, edges + aggs + cores, links, hosts * (hosts - 1), datagrams,
              g_count.delivered, g_count.drops, analytic_hops, setup_s, cpu_s);
  std::printf("ns3 fattree4-a2a: wall_s=%.3f packet_hops=%" PRIu64
              " hops_per_s=%.0f events=%" PRIu64 " sim_time_us=%.3f\n",
              wall_s, g_count.tx_end, static_cast<double>(g_count.tx_end) / wall_s, events,
              sim_time_us);
  return g_count.delivered == datagrams && g_count.drops == 0 ? 0 : 1;
}

#include "sim/scenario/scenario_names.hpp"

#include <array>

namespace ub::sim {

namespace {

constexpr std::array<Named<TopologyKind>, 8> kTopologyKinds{{
    {"fat_tree", TopologyKind::FatTree},
    {"full_mesh_1d", TopologyKind::FullMesh1d},
    {"full_mesh_2d", TopologyKind::FullMesh2d},
    {"ub_mesh", TopologyKind::UbMesh},
    {"clos", TopologyKind::Clos},
    {"ring", TopologyKind::Ring},
    {"torus", TopologyKind::Torus2d},
    {"custom", TopologyKind::File},
}};
constexpr std::array<Named<Selector>, 3> kSelectors{{
    {"hash", Selector::Hash},
    {"adaptive", Selector::Adaptive},
    {"pinned", Selector::Pinned},
}};
constexpr std::array<Named<Arbitration>, 2> kArbitrations{{
    {"strict_priority", Arbitration::StrictPriority},
    {"dwrr", Arbitration::Dwrr},
}};
constexpr std::array<Named<TransportKind>, 4> kTransports{{
    {"rtp", TransportKind::Rtp},
    {"ctp", TransportKind::Ctp},
    {"utp", TransportKind::Utp},
    {"bypass", TransportKind::Bypass},
}};
constexpr std::array<Named<EndpointModel>, 2> kEndpointModels{{
    {"full", EndpointModel::Full},
    {"packet", EndpointModel::Packet},
}};
constexpr std::array<Named<RetxChoice>, 5> kRetx{{
    {"auto", RetxChoice::Auto},
    {"gbn_fast", RetxChoice::GbnFast},
    {"gbn_rto", RetxChoice::GbnRto},
    {"selective_fast", RetxChoice::SelectiveFast},
    {"selective_rto", RetxChoice::SelectiveRto},
}};
constexpr std::array<Named<FaultKind>, 6> kFaultKinds{{
    {"link_down", FaultKind::LinkDown},
    {"link_up", FaultKind::LinkUp},
    {"ber", FaultKind::Ber},
    {"lanes", FaultKind::Lanes},
    {"switch_down", FaultKind::SwitchDown},
    {"switch_up", FaultKind::SwitchUp},
}};
constexpr std::array<Named<PatternKind>, 10> kPatterns{{
    {"uniform", PatternKind::Uniform},
    {"permutation", PatternKind::Permutation},
    {"incast", PatternKind::Incast},
    {"all_to_all", PatternKind::AllToAll},
    {"ring_allreduce", PatternKind::RingAllReduce},
    {"tree_allreduce", PatternKind::TreeAllReduce},
    {"moe_dispatch", PatternKind::MoeDispatch},
    {"moe_combine", PatternKind::MoeCombine},
    {"load_store", PatternKind::LoadStore},
    {"explicit", PatternKind::Explicit},
}};
constexpr std::array<Named<SizeDist>, 4> kSizeDists{{
    {"fixed", SizeDist::Fixed},
    {"uniform", SizeDist::Uniform},
    {"exponential", SizeDist::Exponential},
    {"cdf", SizeDist::Cdf},
}};
constexpr std::array<Named<OpKind>, 6> kOps{{
    {"write", OpKind::Write},
    {"read", OpKind::Read},
    {"send", OpKind::Send},
    {"load", OpKind::Load},
    {"store", OpKind::Store},
    {"fetch_add", OpKind::FetchAdd},
}};
constexpr std::array<Named<std::uint8_t>, 4> kRt{{
    {"per_flow_all", 0b00},
    {"per_packet_all", 0b01},
    {"per_flow_shortest", 0b10},
    {"per_packet_shortest", 0b11},
}};

template <class E, std::size_t N>
std::string_view name_of(const std::array<Named<E>, N>& names, E v) noexcept {
  for (const auto& n : names) {
    if (n.value == v) {
      return n.name;
    }
  }
  return "?";
}

} // namespace

std::span<const Named<TopologyKind>> topology_kind_names() noexcept {
  return kTopologyKinds;
}
std::span<const Named<Selector>> selector_names() noexcept {
  return kSelectors;
}
std::span<const Named<Arbitration>> arbitration_names() noexcept {
  return kArbitrations;
}
std::span<const Named<TransportKind>> transport_names() noexcept {
  return kTransports;
}
std::span<const Named<EndpointModel>> endpoint_model_names() noexcept {
  return kEndpointModels;
}
std::span<const Named<RetxChoice>> retx_names() noexcept {
  return kRetx;
}
std::span<const Named<FaultKind>> fault_kind_names() noexcept {
  return kFaultKinds;
}
std::span<const Named<PatternKind>> pattern_names() noexcept {
  return kPatterns;
}
std::span<const Named<SizeDist>> size_dist_names() noexcept {
  return kSizeDists;
}
std::span<const Named<OpKind>> op_names() noexcept {
  return kOps;
}
std::span<const Named<std::uint8_t>> rt_names() noexcept {
  return kRt;
}

std::string_view to_string(TopologyKind k) noexcept {
  return name_of(kTopologyKinds, k);
}
std::string_view to_string(Selector s) noexcept {
  return name_of(kSelectors, s);
}
std::string_view to_string(Arbitration a) noexcept {
  return name_of(kArbitrations, a);
}
std::string_view to_string(TransportKind t) noexcept {
  return name_of(kTransports, t);
}
std::string_view to_string(EndpointModel m) noexcept {
  return name_of(kEndpointModels, m);
}
std::string_view to_string(FaultKind k) noexcept {
  return name_of(kFaultKinds, k);
}
std::string_view to_string(PatternKind k) noexcept {
  return name_of(kPatterns, k);
}
std::string_view to_string(SizeDist d) noexcept {
  return name_of(kSizeDists, d);
}

} // namespace ub::sim

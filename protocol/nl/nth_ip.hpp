#pragma once
// The IP-based NTH of CFG 3 (IPv4) and CFG 4 (IPv6). UB-Base-2.0 §5.2.3 (Fig. 5-4, Tables 5-3 to
// 5-6): a 6-byte UB prefix (CCI 16, RSVD 7, NPI 25), a standard IPv4 (20 bytes, no options) or
// IPv6 (40 bytes, no extension headers) header, then a UDP header. A packet is a UB packet when
// it is UDP to port 4792 (App. B Table B-1); otherwise it is an ordinary TCP/IP packet carried
// on the UB link and the bytes after the IP header are opaque.
//
// In the tool this is one header, NTH_IP, whose field set follows the IP Version (4 or 6) and
// whose UDP fields exist only when the IP protocol is UDP (17).

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <tuple>

#include "protocol/common/field.hpp"

namespace ub::nl {

inline constexpr std::uint16_t kUbUdpPort = 4792; // IANA-registered UB port (Table 5-6)
inline constexpr std::uint8_t kIpProtoUdp = 17;

// UB-Base-2.0 §5.2.3 Table 5-3: the UB prefix. NPI[24] is the permission bit (0 = high,
// 1 = low), NPI[23:0] the partition ID (§5.3.3.1).
struct UbPrefix {
  std::uint16_t cci = 0;
  std::uint8_t rsvd = 0;
  std::uint32_t npi = 0;

  friend constexpr bool operator==(const UbPrefix&, const UbPrefix&) = default;
};

// IPv4 header as RFC 791 lays it out; UB constrains IHL = 5, Flags = 010 (DF), no fragments,
// Protocol = 17 for UB packets (Table 5-4).
struct Ipv4Header {
  std::uint8_t version = 4;
  std::uint8_t ihl = 5;
  std::uint8_t tos = 0; // DSCP + ECN; masked in the ICRC
  std::uint16_t total_length = 0;
  std::uint16_t identification = 0;
  std::uint8_t flags = 0b010;
  std::uint16_t fragment_offset = 0;
  std::uint8_t ttl = 64; // masked in the ICRC
  std::uint8_t protocol = kIpProtoUdp;
  std::uint16_t header_checksum = 0; // masked in the ICRC
  std::uint32_t src = 0;
  std::uint32_t dst = 0;

  friend constexpr bool operator==(const Ipv4Header&, const Ipv4Header&) = default;
};

// IPv6 header as RFC 8200 lays it out; UB constrains Next Header = 17 for UB packets (Table 5-5).
struct Ipv6Header {
  std::uint8_t version = 6;
  std::uint8_t traffic_class = 0; // masked in the ICRC
  std::uint32_t flow_label = 0;   // masked in the ICRC
  std::uint16_t payload_length = 0;
  std::uint8_t next_header = kIpProtoUdp;
  std::uint8_t hop_limit = 64; // masked in the ICRC
  Wide<16> src{};
  Wide<16> dst{};

  friend constexpr bool operator==(const Ipv6Header&, const Ipv6Header&) = default;
};

// UDP header (RFC 768); UB: destination port 4792, checksum 0 (Table 5-6).
struct UdpHeader {
  std::uint16_t src_port = 0; // load-balance entropy
  std::uint16_t dst_port = kUbUdpPort;
  std::uint16_t length = 0;
  std::uint16_t checksum = 0; // masked in the ICRC

  friend constexpr bool operator==(const UdpHeader&, const UdpHeader&) = default;
};

struct NthIp {
  UbPrefix prefix{};
  std::uint8_t ip_version = 4; // 4 or 6; selects v4 or v6
  Ipv4Header v4{};
  Ipv6Header v6{};
  UdpHeader udp{};

  [[nodiscard]] constexpr std::uint8_t ip_protocol() const noexcept {
    return ip_version == 6 ? v6.next_header : v4.protocol;
  }
  [[nodiscard]] constexpr bool has_udp() const noexcept { return ip_protocol() == kIpProtoUdp; }
  [[nodiscard]] constexpr bool is_ub() const noexcept {
    return has_udp() && udp.dst_port == kUbUdpPort;
  }
  [[nodiscard]] constexpr std::size_t ip_header_size() const noexcept {
    return ip_version == 6 ? 40 : 20;
  }
  [[nodiscard]] constexpr std::size_t size() const noexcept {
    return 6 + ip_header_size() + (has_udp() ? 8 : 0);
  }

  // Equal when the wire would be: only the active IP header, and UDP only when present.
  friend constexpr bool operator==(const NthIp& a, const NthIp& b) noexcept {
    if (!(a.prefix == b.prefix) || a.ip_version != b.ip_version) {
      return false;
    }
    if (a.ip_version == 6 ? !(a.v6 == b.v6) : !(a.v4 == b.v4)) {
      return false;
    }
    return !a.has_udp() || a.udp == b.udp;
  }
};

// RFC 1071 checksum over the 20-byte IPv4 header, with the checksum field taken as zero.
[[nodiscard]] std::uint16_t ipv4_header_checksum(const Ipv4Header& h) noexcept;

} // namespace ub::nl

namespace ub {

template <>
struct Layout<nl::UbPrefix> {
  static constexpr std::string_view kName = "UB_PREFIX";
  static constexpr std::string_view kClause = "§5.2.3";
  static constexpr std::size_t kSize = 6;
  static constexpr auto kFields = std::tuple{
      Field<&nl::UbPrefix::cci, 0, 16>{"CCI"},
      Field<&nl::UbPrefix::rsvd, 16, 7>{"RSVD", FieldRole::Reserved},
      Field<&nl::UbPrefix::npi, 23, 25>{"NPI"},
  };
};

template <>
struct Layout<nl::Ipv4Header> {
  static constexpr std::string_view kName = "IPv4";
  static constexpr std::string_view kClause = "§5.2.3";
  static constexpr std::size_t kSize = 20;
  static constexpr auto kFields = std::tuple{
      Field<&nl::Ipv4Header::version, 0, 4>{"Version"},
      Field<&nl::Ipv4Header::ihl, 4, 4>{"IHL"},
      Field<&nl::Ipv4Header::tos, 8, 8>{"ToS"},
      Field<&nl::Ipv4Header::total_length, 16, 16>{"Total_Length", FieldRole::Derived},
      Field<&nl::Ipv4Header::identification, 32, 16>{"Identification"},
      Field<&nl::Ipv4Header::flags, 48, 3>{"Flags"},
      Field<&nl::Ipv4Header::fragment_offset, 51, 13>{"Fragment_Offset"},
      Field<&nl::Ipv4Header::ttl, 64, 8>{"TTL"},
      Field<&nl::Ipv4Header::protocol, 72, 8>{"Protocol"},
      Field<&nl::Ipv4Header::header_checksum, 80, 16>{"Header_Checksum"},
      Field<&nl::Ipv4Header::src, 96, 32>{"Source_Address"},
      Field<&nl::Ipv4Header::dst, 128, 32>{"Destination_Address"},
  };
};

template <>
struct Layout<nl::Ipv6Header> {
  static constexpr std::string_view kName = "IPv6";
  static constexpr std::string_view kClause = "§5.2.3";
  static constexpr std::size_t kSize = 40;
  static constexpr auto kFields = std::tuple{
      Field<&nl::Ipv6Header::version, 0, 4>{"Version"},
      Field<&nl::Ipv6Header::traffic_class, 4, 8>{"Traffic_Class"},
      Field<&nl::Ipv6Header::flow_label, 12, 20>{"Flow_Label"},
      Field<&nl::Ipv6Header::payload_length, 32, 16>{"Payload_Length", FieldRole::Derived},
      Field<&nl::Ipv6Header::next_header, 48, 8>{"Next_Header"},
      Field<&nl::Ipv6Header::hop_limit, 56, 8>{"Hop_Limit"},
      Field<&nl::Ipv6Header::src, 64, 128>{"Source_Address"},
      Field<&nl::Ipv6Header::dst, 192, 128>{"Destination_Address"},
  };
};

template <>
struct Layout<nl::UdpHeader> {
  static constexpr std::string_view kName = "UDP";
  static constexpr std::string_view kClause = "§5.2.3";
  static constexpr std::size_t kSize = 8;
  static constexpr auto kFields = std::tuple{
      Field<&nl::UdpHeader::src_port, 0, 16>{"UDP_Source_Port"},
      Field<&nl::UdpHeader::dst_port, 16, 16>{"UDP_Destination_Port"},
      Field<&nl::UdpHeader::length, 32, 16>{"UDP_Length", FieldRole::Derived},
      Field<&nl::UdpHeader::checksum, 48, 16>{"UDP_Checksum"},
  };
};

template <>
struct Codec<nl::NthIp> {
  static constexpr std::string_view kName = "NTH_IP";
  static constexpr std::string_view kClause = "§5.2.3";

  // Errors: Truncated; ReservedValue (IP Version not 4 or 6); NotAllowed (IPv4 options,
  // fragments, or a DF-less IPv4 header, Table 5-4).
  [[nodiscard]] static Result<nl::NthIp> decode(std::span<const Byte> in) noexcept;
  [[nodiscard]] static std::size_t size(const nl::NthIp& h) noexcept { return h.size(); }
  [[nodiscard]] static Status validate(const nl::NthIp& h) noexcept;
  [[nodiscard]] static Result<std::size_t> encode(const nl::NthIp& h, std::span<Byte> out) noexcept;
  // "Version" selects the IP header; set it before the other IP fields.
  [[nodiscard]] static Status set(nl::NthIp& h, std::string_view name,
                                  const FieldValue& v) noexcept;

  template <class Fn>
  static void visit(const nl::NthIp& h, Fn&& fn) {
    // Offsets are reported relative to the NTH, so shift the sub-header descriptors.
    auto shifted = [&](std::size_t base_bits) {
      return [&fn, base_bits](const FieldDesc& d, const FieldValue& v) {
        FieldDesc s = d;
        s.offset = static_cast<std::uint16_t>(d.offset + base_bits);
        fn(s, v);
      };
    };
    visit_fields(Layout<nl::UbPrefix>::kFields, h.prefix, shifted(0));
    if (h.ip_version == 6) {
      visit_fields(Layout<nl::Ipv6Header>::kFields, h.v6, shifted(48));
    } else {
      visit_fields(Layout<nl::Ipv4Header>::kFields, h.v4, shifted(48));
    }
    if (h.has_udp()) {
      visit_fields(Layout<nl::UdpHeader>::kFields, h.udp, shifted(48 + 8 * h.ip_header_size()));
    }
  }
};

} // namespace ub

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include "protocol/nl/codec_test_support.hpp"
#include "protocol/nl/nth_ip.hpp"

using namespace ub;
using namespace ub::nl;
using ub::test::Xorshift64;

namespace {

// IPv4 UB packet NTH, 34 bytes, built by hand from Fig. 5-4 and RFC 791/768:
//   UB prefix: CCI = 0x8003 (FECN mode, severe); byte 2 = RSVD(7)=0 | NPI[24]=1 -> 0x01;
//              NPI[23:0] = AB CD EF.
//   IPv4: 0x45 (Version 4, IHL 5), ToS 0x2E, Total Length 0x0054, ID 0x1C46,
//         Flags 010 + Fragment Offset 0 -> 0x40 0x00, TTL 0x40, Protocol 0x11,
//         checksum 0x0A23 (RFC 1071, worked below), src 10.0.0.1, dst 10.0.0.2.
//   UDP: src port 0xC0DE, dst port 4792 = 0x12B8, length 0x0040, checksum 0.
constexpr std::array<Byte, 34> kIpv4Wire{
    0x80, 0x03, 0x01, 0xAB, 0xCD, 0xEF,                         // UB prefix
    0x45, 0x2E, 0x00, 0x54, 0x1C, 0x46, 0x40, 0x00, 0x40, 0x11, // IPv4 0..9
    0x0A, 0x23, 0x0A, 0x00, 0x00, 0x01, 0x0A, 0x00, 0x00, 0x02, // IPv4 10..19
    0xC0, 0xDE, 0x12, 0xB8, 0x00, 0x40, 0x00, 0x00,             // UDP
};

// IPv6 UB packet NTH, 54 bytes:
//   UB prefix: CCI = 0x15A5 (CAQM), NPI = 0x0000001 (high permission, default partition 1).
//   IPv6 word 0: Version 0110 | Traffic Class 1010 0101 | Flow Label 1011 0001 1100 0010 1101
//     = 0110 1010 0101 1011 0001 1100 0010 1101 = 6A 5B 1C 2D.
//   Payload Length 0x0030, Next Header 0x11, Hop Limit 0x7F,
//   src 2001:db8::1, dst fe80::abcd.
//   UDP: src 0x1234, dst 0x12B8, length 0x0030, checksum 0.
constexpr std::array<Byte, 54> kIpv6Wire{
    0x15, 0xA5, 0x00, 0x00, 0x00, 0x01,             // UB prefix
    0x6A, 0x5B, 0x1C, 0x2D, 0x00, 0x30, 0x11, 0x7F, // IPv6 0..7
    0x20, 0x01, 0x0D, 0xB8, 0x00, 0x00, 0x00, 0x00, // src
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, //
    0xFE, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // dst
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xAB, 0xCD, //
    0x12, 0x34, 0x12, 0xB8, 0x00, 0x30, 0x00, 0x00, // UDP
};

std::vector<Byte> ipv4_tcp_wire() {
  // The IPv4 vector with Protocol 6 (TCP) and its checksum adjusted by hand:
  // sum of the words becomes 0xF5DC - 0x4011 + 0x4006 = 0xF5D1, so the checksum is 0x0A2E.
  std::vector<Byte> w(kIpv4Wire.begin(), kIpv4Wire.begin() + 26);
  w[15] = 0x06;
  w[17] = 0x2E;
  return w;
}

} // namespace

TEST_CASE("NTH_IP IPv4 known answer", "[nl][nth_ip][spec:§5.2.3]") {
  auto h = Codec<NthIp>::decode(kIpv4Wire);
  REQUIRE(h);
  CHECK(h->prefix.cci == 0x8003);
  CHECK(h->prefix.rsvd == 0);
  CHECK(h->prefix.npi == 0x1ABCDEF);
  CHECK(h->ip_version == 4);
  CHECK(h->v4.version == 4);
  CHECK(h->v4.ihl == 5);
  CHECK(h->v4.tos == 0x2E);
  CHECK(h->v4.total_length == 0x0054);
  CHECK(h->v4.identification == 0x1C46);
  CHECK(h->v4.flags == 0b010);
  CHECK(h->v4.fragment_offset == 0);
  CHECK(h->v4.ttl == 0x40);
  CHECK(h->v4.protocol == kIpProtoUdp);
  CHECK(h->v4.header_checksum == 0x0A23);
  CHECK(h->v4.src == 0x0A000001);
  CHECK(h->v4.dst == 0x0A000002);
  CHECK(h->udp.src_port == 0xC0DE);
  CHECK(h->udp.dst_port == 4792);
  CHECK(h->udp.length == 0x0040);
  CHECK(h->udp.checksum == 0);
  CHECK(h->has_udp());
  CHECK(h->is_ub());
  CHECK(h->ip_header_size() == 20);
  CHECK(h->size() == 34);
  CHECK(Codec<NthIp>::size(*h) == 34);

  std::array<Byte, 34> out{};
  auto n = Codec<NthIp>::encode(*h, out);
  REQUIRE(n);
  CHECK(*n == 34);
  CHECK(out == kIpv4Wire);
}

TEST_CASE("NTH_IP IPv6 known answer", "[nl][nth_ip][spec:§5.2.3]") {
  auto h = Codec<NthIp>::decode(kIpv6Wire);
  REQUIRE(h);
  CHECK(h->prefix.cci == 0x15A5);
  CHECK(h->prefix.npi == 1);
  CHECK(h->ip_version == 6);
  CHECK(h->v6.version == 6);
  CHECK(h->v6.traffic_class == 0xA5);
  CHECK(h->v6.flow_label == 0xB1C2D);
  CHECK(h->v6.payload_length == 0x0030);
  CHECK(h->v6.next_header == kIpProtoUdp);
  CHECK(h->v6.hop_limit == 0x7F);
  CHECK(h->v6.src[0] == 0x20);
  CHECK(h->v6.src[3] == 0xB8);
  CHECK(h->v6.src[15] == 0x01);
  CHECK(h->v6.dst[0] == 0xFE);
  CHECK(h->v6.dst[14] == 0xAB);
  CHECK(h->v6.dst[15] == 0xCD);
  CHECK(h->udp.src_port == 0x1234);
  CHECK(h->udp.dst_port == 4792);
  CHECK(h->udp.length == 0x0030);
  CHECK(h->is_ub());
  CHECK(h->ip_header_size() == 40);
  CHECK(h->size() == 54);

  std::array<Byte, 54> out{};
  auto n = Codec<NthIp>::encode(*h, out);
  REQUIRE(n);
  CHECK(*n == 54);
  CHECK(out == kIpv6Wire);
}

TEST_CASE("IPv4 header checksum is RFC 1071", "[nl][nth_ip][spec:§5.2.3]") {
  // kIpv4Wire's header, checksum field taken as zero, as 16-bit words:
  //   452E + 0054 + 1C46 + 4000 + 4011 + 0000 + 0A00 + 0001 + 0A00 + 0002 = F5DC (no carry);
  //   one's complement: 0A23.
  auto h = Codec<NthIp>::decode(kIpv4Wire);
  REQUIRE(h);
  CHECK(ipv4_header_checksum(h->v4) == 0x0A23);
  // The checksum field's own value does not enter the sum.
  Ipv4Header v4 = h->v4;
  v4.header_checksum = 0xFFFF;
  CHECK(ipv4_header_checksum(v4) == 0x0A23);

  // A sum with carries (the classic example): 4500 0073 0000 4000 4011 [0000] C0A8 0001 C0A8 00C7
  //   = 0x2479C; fold: 0x479C + 0x2 = 0x479E; complement: 0xB861.
  Ipv4Header c{};
  c.tos = 0;
  c.total_length = 0x0073;
  c.identification = 0;
  c.flags = 0b010;
  c.ttl = 0x40;
  c.protocol = 0x11;
  c.src = 0xC0A80001;
  c.dst = 0xC0A800C7;
  CHECK(ipv4_header_checksum(c) == 0xB861);

  // TCP variant: F5DC - 4011 + 4006 = F5D1 -> 0A2E.
  auto t = Codec<NthIp>::decode(ipv4_tcp_wire());
  REQUIRE(t);
  CHECK(ipv4_header_checksum(t->v4) == 0x0A2E);
  CHECK(t->v4.header_checksum == 0x0A2E);
}

TEST_CASE("NTH_IP visit: IPv4 and IPv6 field lists with NTH-relative offsets",
          "[nl][nth_ip][spec:§5.2.3]") {
  auto v4 = Codec<NthIp>::decode(kIpv4Wire);
  REQUIRE(v4);
  CHECK(ub::test::field_names(*v4) ==
        std::vector<std::string_view>{"CCI", "RSVD", "NPI", "Version", "IHL", "ToS", "Total_Length",
                                      "Identification", "Flags", "Fragment_Offset", "TTL",
                                      "Protocol", "Header_Checksum", "Source_Address",
                                      "Destination_Address", "UDP_Source_Port",
                                      "UDP_Destination_Port", "UDP_Length", "UDP_Checksum"});
  const auto f4 = ub::test::fields_of(*v4);
  REQUIRE(f4.size() == 19);
  CHECK(f4[2].offset == 23); // NPI: byte 2 bit 0
  CHECK(f4[2].width == 25);
  CHECK(f4[3].offset == 48);   // Version: byte 6
  CHECK(f4[8].offset == 96);   // Flags: byte 12
  CHECK(f4[12].offset == 128); // Header_Checksum: byte 16
  CHECK(f4[15].offset == 208); // UDP at byte 26
  CHECK(f4[16].offset == 224);
  CHECK(ub::test::visited_scalar(*v4, "UDP_Destination_Port") ==
        std::optional<std::uint64_t>{4792});
  CHECK(ub::test::visited_scalar(*v4, "Header_Checksum") == std::optional<std::uint64_t>{0x0A23});

  auto v6 = Codec<NthIp>::decode(kIpv6Wire);
  REQUIRE(v6);
  CHECK(ub::test::field_names(*v6) ==
        std::vector<std::string_view>{"CCI", "RSVD", "NPI", "Version", "Traffic_Class",
                                      "Flow_Label", "Payload_Length", "Next_Header", "Hop_Limit",
                                      "Source_Address", "Destination_Address", "UDP_Source_Port",
                                      "UDP_Destination_Port", "UDP_Length", "UDP_Checksum"});
  const auto f6 = ub::test::fields_of(*v6);
  REQUIRE(f6.size() == 15);
  CHECK(f6[5].offset == 60); // Flow_Label: byte 7 bit 4
  CHECK(f6[5].width == 20);
  CHECK(f6[9].offset == 112); // src address at byte 14
  CHECK(f6[9].width == 128);
  CHECK(f6[11].offset == 368); // UDP at byte 46
}

TEST_CASE("NTH_IP UDP fields exist only when the IP protocol is 17", "[nl][nth_ip][spec:§5.2.3]") {
  const auto wire = ipv4_tcp_wire();
  auto h = Codec<NthIp>::decode(wire);
  REQUIRE(h);
  CHECK(h->v4.protocol == 6);
  CHECK_FALSE(h->has_udp());
  CHECK_FALSE(h->is_ub());
  CHECK(h->size() == 26);
  for (const auto name : ub::test::field_names(*h)) {
    CHECK(name.substr(0, 4) != "UDP_");
  }
  CHECK(ub::test::field_names(*h).size() == 15);
  std::vector<Byte> out(26);
  auto n = Codec<NthIp>::encode(*h, out);
  REQUIRE(n);
  CHECK(*n == 26);
  CHECK(out == wire);

  // IPv6 with Next Header 6 (TCP): 46 bytes and no UDP.
  std::vector<Byte> w6(kIpv6Wire.begin(), kIpv6Wire.begin() + 46);
  w6[12] = 0x06;
  auto h6 = Codec<NthIp>::decode(w6);
  REQUIRE(h6);
  CHECK_FALSE(h6->has_udp());
  CHECK(h6->size() == 46);
  CHECK(ub::test::field_names(*h6).size() == 11);

  // Encoding a non-UDP header with UDP fields set is refused.
  NthIp bad = *h;
  bad.udp.src_port = 1;
  std::vector<Byte> big(64);
  UB_CHECK_ERROR(Codec<NthIp>::encode(bad, big), Errc::NotAllowed, "UDP_Length", 26);
}

TEST_CASE("NTH_IP is_ub only for UDP destination port 4792", "[nl][nth_ip][spec:App.B]") {
  for (std::uint16_t port : {std::uint16_t{0}, std::uint16_t{4791}, std::uint16_t{4793},
                             std::uint16_t{0xB812}, std::uint16_t{0xFFFF}, std::uint16_t{4792}}) {
    auto wire = kIpv4Wire;
    wire[28] = static_cast<Byte>(port >> 8);
    wire[29] = static_cast<Byte>(port & 0xFF);
    auto h = Codec<NthIp>::decode(wire);
    REQUIRE(h);
    CHECK(h->has_udp());
    CHECK(h->udp.dst_port == port);
    CHECK(h->is_ub() == (port == 4792));
  }
  // The source port is entropy and does not matter.
  auto wire = kIpv4Wire;
  wire[26] = 0x12;
  wire[27] = 0xB8;
  wire[28] = 0x12;
  wire[29] = 0xB7; // 4791 (RoCEv2)
  auto h = Codec<NthIp>::decode(wire);
  REQUIRE(h);
  CHECK_FALSE(h->is_ub());
}

TEST_CASE("NTH_IP decode errors: truncation", "[nl][nth_ip][spec:§5.2.3]") {
  ub::test::check_truncation<NthIp>(kIpv4Wire);
  ub::test::check_truncation<NthIp>(kIpv6Wire);
  ub::test::check_truncation<NthIp>(ipv4_tcp_wire());
}

TEST_CASE("NTH_IP decode errors: Version, IHL, Flags, Fragment Offset",
          "[nl][nth_ip][spec:§5.2.3]") {
  for (int version = 0; version < 16; ++version) {
    if (version == 4 || version == 6) {
      continue;
    }
    auto wire = kIpv4Wire;
    wire[6] = static_cast<Byte>((version << 4) | 5);
    auto h = Codec<NthIp>::decode(wire);
    UB_CHECK_ERROR(h, Errc::ReservedValue, "Version", 6);
    CHECK(h.error().header == "NTH_IP");
    CHECK(h.error().value == static_cast<std::uint64_t>(version));
  }
  // Table 5-4: no options (IHL must be 5).
  for (int ihl = 0; ihl < 16; ++ihl) {
    if (ihl == 5) {
      continue;
    }
    auto wire = kIpv4Wire;
    wire[6] = static_cast<Byte>(0x40 | ihl);
    UB_CHECK_ERROR(Codec<NthIp>::decode(wire), Errc::NotAllowed, "IHL", 6);
  }
  // Flags must be 010 (DF).
  for (int flags = 0; flags < 8; ++flags) {
    if (flags == 0b010) {
      continue;
    }
    auto wire = kIpv4Wire;
    wire[12] = static_cast<Byte>(flags << 5);
    UB_CHECK_ERROR(Codec<NthIp>::decode(wire), Errc::NotAllowed, "Flags", 12);
  }
  // Fragment offset must be 0 (its 13 bits are byte 12 bits 4:0 and byte 13).
  for (int fo : {1, 0x80, 0x100, 0x1000, 0x1FFF}) {
    auto wire = kIpv4Wire;
    wire[12] = static_cast<Byte>(0x40 | (fo >> 8));
    wire[13] = static_cast<Byte>(fo & 0xFF);
    auto h = Codec<NthIp>::decode(wire);
    UB_CHECK_ERROR(h, Errc::NotAllowed, "Fragment_Offset", 12);
    CHECK(h.error().value == static_cast<std::uint64_t>(fo));
  }
}

TEST_CASE("NTH_IP encode errors", "[nl][nth_ip][spec:§5.2.3]") {
  auto base = Codec<NthIp>::decode(kIpv4Wire);
  REQUIRE(base);
  std::array<Byte, 64> out{};

  NthIp h = *base;
  h.ip_version = 5;
  UB_CHECK_ERROR(Codec<NthIp>::encode(h, out), Errc::ReservedValue, "Version", 6);
  h = *base;
  h.v4.version = 6; // an IPv4 header claiming another version
  UB_CHECK_ERROR(Codec<NthIp>::encode(h, out), Errc::NotAllowed, "Version", 6);
  h = *base;
  h.v4.ihl = 16;
  UB_CHECK_ERROR(Codec<NthIp>::encode(h, out), Errc::OutOfRange, "IHL", 6);
  h.v4.ihl = 6;
  UB_CHECK_ERROR(Codec<NthIp>::encode(h, out), Errc::NotAllowed, "IHL", 6);
  h = *base;
  h.v4.flags = 0b011;
  UB_CHECK_ERROR(Codec<NthIp>::encode(h, out), Errc::NotAllowed, "Flags", 12);
  h.v4.flags = 8;
  UB_CHECK_ERROR(Codec<NthIp>::encode(h, out), Errc::OutOfRange, "Flags", 12);
  h = *base;
  h.v4.fragment_offset = 0x2000;
  UB_CHECK_ERROR(Codec<NthIp>::encode(h, out), Errc::OutOfRange, "Fragment_Offset", 12);
  h.v4.fragment_offset = 8;
  UB_CHECK_ERROR(Codec<NthIp>::encode(h, out), Errc::NotAllowed, "Fragment_Offset", 12);
  h = *base;
  h.prefix.npi = 1U << 25;
  UB_CHECK_ERROR(Codec<NthIp>::encode(h, out), Errc::OutOfRange, "NPI", 2);
  h = *base;
  h.prefix.rsvd = 0x80;
  UB_CHECK_ERROR(Codec<NthIp>::encode(h, out), Errc::OutOfRange, "RSVD", 2);

  auto base6 = Codec<NthIp>::decode(kIpv6Wire);
  REQUIRE(base6);
  h = *base6;
  h.v6.flow_label = 1U << 20;
  UB_CHECK_ERROR(Codec<NthIp>::encode(h, out), Errc::OutOfRange, "Flow_Label", 7);
  h = *base6;
  h.v6.version = 4;
  UB_CHECK_ERROR(Codec<NthIp>::encode(h, out), Errc::NotAllowed, "Version", 6);

  // Buffer one byte short of the size the version and protocol give.
  h = *base;
  UB_CHECK_ERROR(Codec<NthIp>::encode(h, std::span<Byte>(out).first(33)), Errc::BufferTooSmall, "",
                 0);
  ub::test::check_buffer_too_small(*base);
  ub::test::check_buffer_too_small(*base6);
}

TEST_CASE("NTH_IP set: Version switches the IP header, errors name the field",
          "[nl][nth_ip][spec:§5.2.3]") {
  NthIp h{};
  UB_CHECK_ERROR(Codec<NthIp>::set(h, "Version", FieldValue{5, {}}), Errc::ReservedValue, "Version",
                 6);
  REQUIRE(Codec<NthIp>::set(h, "TTL", FieldValue{0xFF, {}}));
  CHECK(h.v4.ttl == 0xFF);
  UB_CHECK_ERROR(Codec<NthIp>::set(h, "TTL", FieldValue{0x100, {}}), Errc::OutOfRange, "TTL", 14);
  UB_CHECK_ERROR(Codec<NthIp>::set(h, "UDP_Destination_Port", FieldValue{0x10000, {}}),
                 Errc::OutOfRange, "UDP_Destination_Port", 28);
  UB_CHECK_ERROR(Codec<NthIp>::set(h, "NPI", FieldValue{1U << 25, {}}), Errc::OutOfRange, "NPI", 2);
  CHECK(Codec<NthIp>::set(h, "Hop_Limit", FieldValue{1, {}}).error().code == Errc::UnknownField);

  REQUIRE(Codec<NthIp>::set(h, "Version", FieldValue{6, {}}));
  CHECK(h.ip_version == 6);
  CHECK(h.size() == 54);
  REQUIRE(Codec<NthIp>::set(h, "Hop_Limit", FieldValue{3, {}}));
  CHECK(h.v6.hop_limit == 3);
  UB_CHECK_ERROR(Codec<NthIp>::set(h, "Flow_Label", FieldValue{1U << 20, {}}), Errc::OutOfRange,
                 "Flow_Label", 7);
  UB_CHECK_ERROR(Codec<NthIp>::set(h, "UDP_Source_Port", FieldValue{0x10000, {}}), Errc::OutOfRange,
                 "UDP_Source_Port", 46);
  CHECK(Codec<NthIp>::set(h, "TTL", FieldValue{1, {}}).error().code == Errc::UnknownField);
  const std::vector<Byte> addr{0x20, 0x01, 0x0D, 0xB8};
  REQUIRE(Codec<NthIp>::set(h, "Destination_Address", FieldValue{0, addr}));
  CHECK(h.v6.dst[12] == 0x20);
  CHECK(h.v6.dst[15] == 0xB8);
}

TEST_CASE("NTH_IP round-trips random field values", "[nl][nth_ip]") {
  auto pick = [](const FieldDesc& d, Xorshift64& rng) -> std::optional<std::uint64_t> {
    if (d.name == "Version") {
      return rng.chance(1, 2) ? 4 : 6;
    }
    if (d.name == "IHL" && rng.chance(7, 8)) {
      return 5;
    }
    if (d.name == "Flags" && rng.chance(7, 8)) {
      return 0b010;
    }
    if (d.name == "Fragment_Offset" && rng.chance(7, 8)) {
      return 0;
    }
    if ((d.name == "Protocol" || d.name == "Next_Header") && rng.chance(3, 4)) {
      return kIpProtoUdp;
    }
    if (d.name == "UDP_Destination_Port" && rng.chance(1, 2)) {
      return kUbUdpPort;
    }
    return std::nullopt;
  };
  const auto stats = ub::test::random_round_trips<NthIp>(0x1B1B, 500, pick);
  CHECK(stats.accepted > 250);
  CHECK(stats.rejected > 20);
}

#include "protocol/nl/nth_ip.hpp"

namespace ub::nl {

std::uint16_t ipv4_header_checksum(const Ipv4Header& h) noexcept {
  Ipv4Header z = h;
  z.header_checksum = 0;
  std::array<Byte, 20> b{};
  FixedCodec<Ipv4Header>::pack(z, b.data());
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i < b.size(); i += 2) {
    sum += load_be16(b.data() + i);
  }
  while ((sum >> 16) != 0) {
    sum = (sum & 0xFFFF) + (sum >> 16);
  }
  return static_cast<std::uint16_t>(~sum & 0xFFFF);
}

} // namespace ub::nl

namespace ub {

namespace {

constexpr Error nth_ip_error(Errc code, std::size_t byte, std::string_view field,
                             std::string_view reason) {
  return Error{code, byte, Codec<nl::NthIp>::kName, field, reason, Codec<nl::NthIp>::kClause};
}

// Table 5-4: no options, no fragmentation, DF set.
Status check_ipv4(const nl::Ipv4Header& v4) noexcept {
  if (v4.ihl != 5) {
    return make_unexpected(
        nth_ip_error(Errc::NotAllowed, 6, "IHL", "IPv4 options are not supported (IHL must be 5)")
            .with_value(v4.ihl));
  }
  if (v4.flags != 0b010) {
    return make_unexpected(nth_ip_error(Errc::NotAllowed, 12, "Flags",
                                        "Flags must be 010 (DF): fragmentation is not supported")
                               .with_value(v4.flags));
  }
  if (v4.fragment_offset != 0) {
    return make_unexpected(
        nth_ip_error(Errc::NotAllowed, 12, "Fragment_Offset", "fragmentation is not supported")
            .with_value(v4.fragment_offset));
  }
  return {};
}

} // namespace

Result<nl::NthIp> Codec<nl::NthIp>::decode(std::span<const Byte> in) noexcept {
  if (in.size() < 7) {
    return make_unexpected(
        nth_ip_error(Errc::Truncated, in.size(), {}, "input ends inside the UB prefix"));
  }
  nl::NthIp h{};
  h.prefix = FixedCodec<nl::UbPrefix>::unpack(in.data());
  const auto version = static_cast<std::uint8_t>(in[6] >> 4);
  if (version != 4 && version != 6) {
    return make_unexpected(
        nth_ip_error(Errc::ReservedValue, 6, "Version", "IP version must be 4 or 6")
            .with_value(version));
  }
  h.ip_version = version;
  const std::size_t ip_size = h.ip_header_size();
  if (in.size() < 6 + ip_size) {
    return make_unexpected(
        nth_ip_error(Errc::Truncated, in.size(), {}, "input ends inside the IP header"));
  }
  if (version == 4) {
    h.v4 = FixedCodec<nl::Ipv4Header>::unpack(in.data() + 6);
    if (auto st = check_ipv4(h.v4); !st) {
      return make_unexpected(st.error());
    }
  } else {
    h.v6 = FixedCodec<nl::Ipv6Header>::unpack(in.data() + 6);
  }
  if (h.has_udp()) {
    if (in.size() < 6 + ip_size + 8) {
      return make_unexpected(
          nth_ip_error(Errc::Truncated, in.size(), {}, "input ends inside the UDP header"));
    }
    h.udp = FixedCodec<nl::UdpHeader>::unpack(in.data() + 6 + ip_size);
  }
  return h;
}

Status Codec<nl::NthIp>::validate(const nl::NthIp& h) noexcept {
  if (h.ip_version != 4 && h.ip_version != 6) {
    return make_unexpected(
        nth_ip_error(Errc::ReservedValue, 6, "Version", "IP version must be 4 or 6")
            .with_value(h.ip_version));
  }
  if (auto bad = first_misfit(Layout<nl::UbPrefix>::kFields, h.prefix)) {
    return make_unexpected(nth_ip_error(Errc::OutOfRange, bad->offset / 8U, bad->name,
                                        "value does not fit the field"));
  }
  if (h.ip_version == 4) {
    if (auto bad = first_misfit(Layout<nl::Ipv4Header>::kFields, h.v4)) {
      return make_unexpected(nth_ip_error(Errc::OutOfRange, 6 + bad->offset / 8U, bad->name,
                                          "value does not fit the field"));
    }
    if (h.v4.version != 4) {
      return make_unexpected(
          nth_ip_error(Errc::NotAllowed, 6, "Version", "IPv4 header with another version"));
    }
    if (auto st = check_ipv4(h.v4); !st) {
      return st;
    }
  } else {
    if (auto bad = first_misfit(Layout<nl::Ipv6Header>::kFields, h.v6)) {
      return make_unexpected(nth_ip_error(Errc::OutOfRange, 6 + bad->offset / 8U, bad->name,
                                          "value does not fit the field"));
    }
    if (h.v6.version != 6) {
      return make_unexpected(
          nth_ip_error(Errc::NotAllowed, 6, "Version", "IPv6 header with another version"));
    }
  }
  if (!h.has_udp() && h.udp != nl::UdpHeader{}) {
    return make_unexpected(nth_ip_error(Errc::NotAllowed, 6 + h.ip_header_size(), "UDP_Length",
                                        "UDP fields given but the IP protocol is not UDP (17)"));
  }
  return {};
}

Result<std::size_t> Codec<nl::NthIp>::encode(const nl::NthIp& h, std::span<Byte> out) noexcept {
  const std::size_t n = h.size();
  if (out.size() < n) {
    return make_unexpected(nth_ip_error(Errc::BufferTooSmall, 0, {}, "output buffer too small"));
  }
  if (auto st = validate(h); !st) {
    return make_unexpected(st.error());
  }
  FixedCodec<nl::UbPrefix>::pack(h.prefix, out.data());
  if (h.ip_version == 4) {
    FixedCodec<nl::Ipv4Header>::pack(h.v4, out.data() + 6);
  } else {
    FixedCodec<nl::Ipv6Header>::pack(h.v6, out.data() + 6);
  }
  if (h.has_udp()) {
    FixedCodec<nl::UdpHeader>::pack(h.udp, out.data() + 6 + h.ip_header_size());
  }
  return n;
}

Status Codec<nl::NthIp>::set(nl::NthIp& h, std::string_view name, const FieldValue& v) noexcept {
  if (name == "Version") {
    if (v.scalar != 4 && v.scalar != 6) {
      return make_unexpected(
          nth_ip_error(Errc::ReservedValue, 6, "Version", "IP version must be 4 or 6")
              .with_value(v.scalar));
    }
    h.ip_version = static_cast<std::uint8_t>(v.scalar);
    h.v4.version = 4;
    h.v6.version = 6;
    return {};
  }
  auto fail = [](const SetOutcome& r, std::size_t base) {
    return make_unexpected(nth_ip_error(Errc::OutOfRange, base + r.desc.offset / 8U, r.desc.name,
                                        "value does not fit the field"));
  };
  if (auto r = set_field(Layout<nl::UbPrefix>::kFields, h.prefix, name, v)) {
    return r->fit ? Status{} : fail(*r, 0);
  }
  if (auto r = set_field(Layout<nl::UdpHeader>::kFields, h.udp, name, v)) {
    return r->fit ? Status{} : fail(*r, 6 + h.ip_header_size());
  }
  std::optional<SetOutcome> r;
  if (h.ip_version == 6) {
    r = set_field(Layout<nl::Ipv6Header>::kFields, h.v6, name, v);
  } else {
    r = set_field(Layout<nl::Ipv4Header>::kFields, h.v4, name, v);
  }
  if (!r) {
    return make_unexpected(nth_ip_error(Errc::UnknownField, 0, {},
                                        h.ip_version == 6 ? "no such field in NTH_IP (IPv6)"
                                                          : "no such field in NTH_IP (IPv4)"));
  }
  return r->fit ? Status{} : fail(*r, 6);
}

} // namespace ub

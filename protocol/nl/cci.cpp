#include "protocol/nl/cci.hpp"

namespace ub::nl {

Cci unpack_cci(std::uint16_t raw) noexcept {
  std::array<Byte, 2> b{};
  store_be16(b.data(), raw);
  Cci c{};
  c.mode = static_cast<std::uint8_t>(raw >> 13);
  switch (c.mode) {
  case cci_mode::kCaqm:
    unpack_fields(Codec<Cci>::kCaqmFields, b.data(), c);
    break;
  case cci_mode::kFecnRtt:
    unpack_fields(Codec<Cci>::kFecnRttFields, b.data(), c);
    break;
  default:
    // FECN, and reserved modes (kept with the FECN split so that nothing is lost).
    unpack_fields(Codec<Cci>::kFecnFields, b.data(), c);
    break;
  }
  return c;
}

std::uint16_t pack_cci(const Cci& c) noexcept {
  std::array<Byte, 2> b{};
  switch (c.mode) {
  case cci_mode::kCaqm:
    pack_fields(Codec<Cci>::kCaqmFields, c, b.data());
    break;
  case cci_mode::kFecnRtt:
    pack_fields(Codec<Cci>::kFecnRttFields, c, b.data());
    break;
  default:
    pack_fields(Codec<Cci>::kFecnFields, c, b.data());
    break;
  }
  return load_be16(b.data());
}

} // namespace ub::nl

namespace ub {

namespace {

constexpr Error cci_error(Errc code, std::string_view field, std::string_view reason,
                          std::size_t byte) {
  return Error{code, byte, Codec<nl::Cci>::kName, field, reason, Codec<nl::Cci>::kClause};
}

// The members each mode leaves off the wire must be zero, or encoding would lose them.
Status unused_members_zero(const nl::Cci& c) noexcept {
  const bool caqm = c.mode == nl::cci_mode::kCaqm;
  const bool rtt = c.mode == nl::cci_mode::kFecnRtt;
  if (!caqm && (c.enable || c.c || c.i)) {
    return make_unexpected(cci_error(Errc::NotAllowed, c.i ? "I" : (c.c ? "C" : "Enable"),
                                     "field is only carried in CAQM mode (000)", 0));
  }
  if (!caqm && c.hint != 0) {
    return make_unexpected(
        cci_error(Errc::NotAllowed, "Hint", "field is only carried in CAQM mode (000)", 1));
  }
  if (!rtt && c.timestamp != 0) {
    return make_unexpected(cci_error(Errc::NotAllowed, "Timestamp",
                                     "field is only carried in FECN_RTT mode (010)", 0));
  }
  if (caqm && c.fecn != 0) {
    return make_unexpected(
        cci_error(Errc::NotAllowed, "FECN", "field is not carried in CAQM mode (000)", 1));
  }
  if (rtt && c.rsvd != 0) {
    return make_unexpected(
        cci_error(Errc::NotAllowed, "RSVD", "FECN_RTT mode has no reserved bits", 0));
  }
  return {};
}

} // namespace

Result<nl::Cci> Codec<nl::Cci>::decode(std::span<const Byte> in) noexcept {
  if (in.size() < kSize) {
    return make_unexpected(
        cci_error(Errc::Truncated, {}, "input ends inside the header", in.size()).with_value(2));
  }
  const nl::Cci c = nl::unpack_cci(load_be16(in.data()));
  if (!nl::is_defined_cci_mode(c.mode)) {
    return make_unexpected(
        cci_error(Errc::ReservedValue, "Mode", "CCI modes are 000, 010 and 100", 0)
            .with_value(c.mode));
  }
  return c;
}

Status Codec<nl::Cci>::validate(const nl::Cci& c) noexcept {
  if (!nl::is_defined_cci_mode(c.mode)) {
    return make_unexpected(cci_error(c.mode > 7 ? Errc::OutOfRange : Errc::ReservedValue, "Mode",
                                     "CCI modes are 000, 010 and 100", 0)
                               .with_value(c.mode));
  }
  std::optional<FieldDesc> bad;
  switch (c.mode) {
  case nl::cci_mode::kCaqm:
    bad = first_misfit(kCaqmFields, c);
    break;
  case nl::cci_mode::kFecnRtt:
    bad = first_misfit(kFecnRttFields, c);
    break;
  default:
    bad = first_misfit(kFecnFields, c);
    break;
  }
  if (bad) {
    return make_unexpected(
        cci_error(Errc::OutOfRange, bad->name, "value does not fit the field", bad->offset / 8U));
  }
  return unused_members_zero(c);
}

Result<std::size_t> Codec<nl::Cci>::encode(const nl::Cci& c, std::span<Byte> out) noexcept {
  if (out.size() < kSize) {
    return make_unexpected(cci_error(Errc::BufferTooSmall, {}, "output buffer too small", 0));
  }
  if (auto st = validate(c); !st) {
    return make_unexpected(st.error());
  }
  store_be16(out.data(), nl::pack_cci(c));
  return kSize;
}

Status Codec<nl::Cci>::set(nl::Cci& c, std::string_view name, const FieldValue& v) noexcept {
  // Any field of any mode may be set; validate() later refuses members the final Mode lacks.
  auto r = set_field(kCaqmFields, c, name, v);
  if (!r) {
    r = set_field(kFecnRttFields, c, name, v);
  }
  if (!r && name == "RSVD") {
    r = set_field(kFecnFields, c, name, v);
  }
  if (!r) {
    return make_unexpected(cci_error(Errc::UnknownField, {}, "no such field in CCI", 0));
  }
  if (!r->fit && !(name == "RSVD" && set_field(kFecnFields, c, name, v)->fit)) {
    return make_unexpected(cci_error(Errc::OutOfRange, r->desc.name, "value does not fit the field",
                                     r->desc.offset / 8U));
  }
  return {};
}

} // namespace ub

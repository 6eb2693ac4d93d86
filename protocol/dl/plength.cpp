#include "protocol/dl/plength.hpp"

namespace ub::dl {

namespace {

constexpr std::string_view kClause = "§4.3.2.2.2";

Error plength_error(Errc code, std::string_view reason, std::uint64_t value) {
  return Error{code, 2, "LPH", "PLENGTH", reason, kClause}.with_value(value);
}

} // namespace

Result<PacketGeometry> geometry_for_payload(std::size_t n, BlockMode m) noexcept {
  if (n == 0 || n > max_payload(m)) {
    return make_unexpected(
        Error{Errc::OutOfRange, 0, "LPH", "PLENGTH",
              "a DLLDP carries 1 to 10,142 (CRC30), 10,078 (CRC62) or 10,205 (non-CRC) bytes after "
              "its LPH",
              kClause}
            .with_value(n));
  }
  // Capacity never exceeds 20F - 4, so start there and step up to the smallest F that fits.
  auto flits = static_cast<unsigned>((n + 4 + kFlitBytes - 1) / kFlitBytes);
  while (prefix_capacity(flits, flits, m) < n) {
    ++flits;
  }
  unsigned end_flit = flits - 1;
  if (flits >= 2 && prefix_capacity(flits - 1, flits, m) >= n) {
    end_flit = flits - 2;
  }
  const auto in_flit = static_cast<unsigned>(n - prefix_capacity(end_flit, flits, m));
  unsigned p = 0;
  if (end_flit == flits - 1) {
    p = in_flit <= 16 ? in_flit - 1 : in_flit + 11;
  } else {
    p = in_flit >= 17 ? in_flit - 1 : in_flit + 11;
  }
  PacketGeometry g;
  g.flits = static_cast<std::uint16_t>(flits);
  g.blocks = static_cast<std::uint8_t>((flits + kMaxBlockFlits - 1) / kMaxBlockFlits);
  g.last_block_flits = static_cast<std::uint8_t>(flits - kMaxBlockFlits * (g.blocks - 1U));
  g.plength =
      static_cast<std::uint16_t>(((g.blocks - 1U) << 10) | ((g.last_block_flits - 1U) << 5) | p);
  g.payload = n;
  return g;
}

Result<PacketGeometry> geometry_from_plength(std::uint16_t plength, BlockMode m) noexcept {
  if (plength > 0x3FFF) {
    return make_unexpected(plength_error(Errc::OutOfRange, "PLENGTH is 14 bits", plength));
  }
  const unsigned blocks = (plength >> 10U) + 1U;
  const unsigned last = ((plength >> 5U) & 31U) + 1U;
  const unsigned p = plength & 31U;
  if (!is_valid_p(p, m)) {
    return make_unexpected(
        plength_error(Errc::ReservedValue, "PLENGTH[4:0] code is reserved in this block mode", p));
  }
  const unsigned flits = kMaxBlockFlits * (blocks - 1) + last;
  const bool ends_in_last = p <= 15 || (m == BlockMode::NonCrc && p >= 28 && p <= 30);
  const unsigned in_flit = p <= 19 ? p + 1 : p - 11;
  if (!ends_in_last && flits < 2) {
    return make_unexpected(
        plength_error(Errc::LengthMismatch,
                      "payload cannot end in the second-to-last flit of a 1-flit packet", plength));
  }
  const unsigned end_flit = ends_in_last ? flits - 1 : flits - 2;
  if (in_flit > flit_capacity(end_flit, flits, m)) {
    return make_unexpected(
        plength_error(Errc::LengthMismatch,
                      "PLENGTH puts more payload in a flit than the flit can hold", plength));
  }
  const std::size_t n = prefix_capacity(end_flit, flits, m) + in_flit;
  auto canonical = geometry_for_payload(n, m);
  if (!canonical || canonical->plength != plength) {
    return make_unexpected(plength_error(Errc::LengthMismatch,
                                         "PLENGTH is not the minimal encoding of its payload "
                                         "length (a sender uses the fewest flits)",
                                         plength));
  }
  return *canonical;
}

} // namespace ub::dl

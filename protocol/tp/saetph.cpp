#include "protocol/tp/saetph.hpp"

#include <cstring>

namespace ub {

namespace {

constexpr Error saetph_error(Errc code, std::size_t byte, std::string_view field,
                             std::string_view reason) {
  return Error{code, byte, Codec<tp::Saetph>::kName, field, reason, Codec<tp::Saetph>::kClause};
}

} // namespace

Result<tp::Saetph> Codec<tp::Saetph>::decode(std::span<const Byte> in) noexcept {
  if (in.size() < 4) {
    return make_unexpected(
        saetph_error(Errc::Truncated, in.size(), {}, "input ends inside the header"));
  }
  tp::Saetph h{};
  unpack_fields(kPrefixFields, in.data(), h);
  if (h.bitmap_size > 4) {
    return make_unexpected(
        saetph_error(Errc::ReservedValue, 0, "BitMapSize", "BitMapSize 5..7 are reserved")
            .with_value(h.bitmap_size));
  }
  if (in.size() < h.size()) {
    return make_unexpected(
        saetph_error(Errc::Truncated, in.size(), "BitMap", "input ends inside the BitMap")
            .with_value(h.size()));
  }
  std::memcpy(h.bitmap.data(), in.data() + 4, h.bitmap_bytes());
  return h;
}

Status Codec<tp::Saetph>::validate(const tp::Saetph& h) noexcept {
  if (auto bad = first_misfit(kPrefixFields, h)) {
    return make_unexpected(saetph_error(Errc::OutOfRange, bad->offset / 8U, bad->name,
                                        "value does not fit the field"));
  }
  if (h.bitmap_size > 4) {
    return make_unexpected(
        saetph_error(Errc::ReservedValue, 0, "BitMapSize", "BitMapSize 5..7 are reserved")
            .with_value(h.bitmap_size));
  }
  for (std::size_t i = h.bitmap_bytes(); i < h.bitmap.size(); ++i) {
    if (h.bitmap[i] != 0) {
      return make_unexpected(saetph_error(Errc::OutOfRange, 4, "BitMap",
                                          "bits set beyond the width BitMapSize gives"));
    }
  }
  return {};
}

Result<std::size_t> Codec<tp::Saetph>::encode(const tp::Saetph& h, std::span<Byte> out) noexcept {
  if (auto st = validate(h); !st) {
    return make_unexpected(st.error());
  }
  if (out.size() < h.size()) {
    return make_unexpected(saetph_error(Errc::BufferTooSmall, 0, {}, "output buffer too small"));
  }
  std::memset(out.data(), 0, 4);
  pack_fields(kPrefixFields, h, out.data());
  std::memcpy(out.data() + 4, h.bitmap.data(), h.bitmap_bytes());
  return h.size();
}

Status Codec<tp::Saetph>::set(tp::Saetph& h, std::string_view name, const FieldValue& v) noexcept {
  if (name == "BitMap") {
    const std::size_t width = h.bitmap_bytes();
    std::array<Byte, 8> scalar_bytes{};
    std::span<const Byte> src = v.wide;
    if (src.empty()) {
      store_be32(scalar_bytes.data(), static_cast<std::uint32_t>(v.scalar >> 32));
      store_be32(scalar_bytes.data() + 4, static_cast<std::uint32_t>(v.scalar));
      src = scalar_bytes;
    }
    // Right-align into `width` bytes; extra leading bytes must be zero.
    std::size_t skip = 0;
    while (src.size() - skip > width) {
      if (src[skip] != 0) {
        return make_unexpected(saetph_error(Errc::OutOfRange, 4, "BitMap",
                                            "value wider than the BitMap BitMapSize gives"));
      }
      ++skip;
    }
    src = src.subspan(skip);
    h.bitmap.fill(0);
    std::memcpy(h.bitmap.data() + (width - src.size()), src.data(), src.size());
    return {};
  }
  auto r = set_field(kPrefixFields, h, name, v);
  if (!r) {
    return make_unexpected(saetph_error(Errc::UnknownField, 0, {}, "no such field in SAETPH"));
  }
  if (!r->fit) {
    return make_unexpected(saetph_error(Errc::OutOfRange, r->desc.offset / 8U, r->desc.name,
                                        "value does not fit the field"));
  }
  return {};
}

} // namespace ub

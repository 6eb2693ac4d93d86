#include "protocol/ta/beetah.hpp"

#include <cstring>

namespace ub {

namespace {

constexpr Error be_error(Errc code, std::size_t byte, std::string_view reason) {
  return Error{code, byte, Codec<ta::Beetah>::kName, "BE", reason, Codec<ta::Beetah>::kClause};
}

} // namespace

Result<ta::Beetah> Codec<ta::Beetah>::decode(std::span<const Byte> in,
                                             unsigned width_bits) noexcept {
  if (!ta::is_valid_be_width(width_bits)) {
    return make_unexpected(
        be_error(Errc::OutOfRange, 0, "BE width must be 64, 128, 256, 512 or 1024 bits")
            .with_value(width_bits));
  }
  ta::Beetah h{};
  h.width_bits = static_cast<std::uint16_t>(width_bits);
  if (in.size() < h.size()) {
    return make_unexpected(be_error(Errc::Truncated, in.size(), "input ends inside the BE field")
                               .with_value(h.size()));
  }
  std::memcpy(h.be.data(), in.data(), h.size());
  return h;
}

Result<ta::Beetah> Codec<ta::Beetah>::decode(std::span<const Byte> in) noexcept {
  if (!ta::is_valid_be_width(static_cast<unsigned>(in.size() * 8))) {
    return make_unexpected(
        be_error(Errc::LengthMismatch, 0, "a BEETAH is 8, 16, 32, 64 or 128 bytes")
            .with_value(in.size()));
  }
  return decode(in, static_cast<unsigned>(in.size() * 8));
}

Status Codec<ta::Beetah>::validate(const ta::Beetah& h) noexcept {
  if (!ta::is_valid_be_width(h.width_bits)) {
    return make_unexpected(
        be_error(Errc::OutOfRange, 0, "BE width must be 64, 128, 256, 512 or 1024 bits")
            .with_value(h.width_bits));
  }
  for (std::size_t i = h.size(); i < h.be.size(); ++i) {
    if (h.be[i] != 0) {
      return make_unexpected(be_error(Errc::OutOfRange, 0, "bits set beyond the BE width"));
    }
  }
  return {};
}

Result<std::size_t> Codec<ta::Beetah>::encode(const ta::Beetah& h, std::span<Byte> out) noexcept {
  if (auto st = validate(h); !st) {
    return make_unexpected(st.error());
  }
  if (out.size() < h.size()) {
    return make_unexpected(be_error(Errc::BufferTooSmall, 0, "output buffer too small"));
  }
  std::memcpy(out.data(), h.be.data(), h.size());
  return h.size();
}

Status Codec<ta::Beetah>::set(ta::Beetah& h, std::string_view name, const FieldValue& v) noexcept {
  if (name != "BE") {
    return make_unexpected(
        Error{Errc::UnknownField, 0, kName, {}, "no such field in BEETAH", kClause});
  }
  std::array<Byte, 8> scalar_bytes{};
  std::span<const Byte> src = v.wide;
  if (src.empty()) {
    store_be32(scalar_bytes.data(), static_cast<std::uint32_t>(v.scalar >> 32));
    store_be32(scalar_bytes.data() + 4, static_cast<std::uint32_t>(v.scalar));
    src = scalar_bytes;
  }
  if (src.size() > ta::kMaxBeBytes) {
    return make_unexpected(be_error(Errc::OutOfRange, 0, "BE is at most 1024 bits"));
  }
  const unsigned width = ta::be_width_for_length(src.size() * 8);
  h.width_bits = static_cast<std::uint16_t>(width);
  h.be.fill(0);
  std::memcpy(h.be.data() + (h.size() - src.size()), src.data(), src.size());
  return {};
}

} // namespace ub

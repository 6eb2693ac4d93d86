#include "protocol/dl/control_blocks.hpp"

#include <type_traits>
#include <utility>

#include "protocol/dl/crc.hpp"

namespace ub::dl {

namespace {

constexpr std::string_view kCrcClause = "§4.7.2";
constexpr std::string_view kUnknownType = "DLLCB";

// Trailer positions inside the last flit (UB-Base-2.0 §4.3.2.2.4 Tables 4-3/4-4, §4.3.2.3
// Table 4-5): the CRC30 field's byte in CRC modes (its bits 7:6 are Reserved and ERROR_FLAG),
// or the END byte in non-CRC mode.
constexpr std::size_t kCrc30TrailerByte = 16;
constexpr std::size_t kCrc62TrailerByte = 12;
constexpr std::size_t kEndByte = 19;

[[nodiscard]] constexpr std::size_t trailer_byte(BlockMode m) noexcept {
  switch (m) {
  case BlockMode::Crc30:
    return kCrc30TrailerByte;
  case BlockMode::Crc62:
    return kCrc62TrailerByte;
  case BlockMode::NonCrc:
    return kEndByte;
  }
  return kEndByte;
}

// The Table 4-7 rows, in variant order.
template <class V>
struct TypeTable;
template <class... Ts>
struct TypeTable<std::variant<Ts...>> {
  static constexpr std::array<ControlBlockType, sizeof...(Ts)> kRows{Ts::kType...};
};
constexpr auto kTypes = TypeTable<ControlBlock>::kRows;

// Index into kTypes of the type with this LCH byte 2, or kTypes.size().
[[nodiscard]] constexpr std::size_t type_index(Byte byte2) noexcept {
  for (std::size_t i = 0; i < kTypes.size(); ++i) {
    if (kTypes[i].lch_byte2() == byte2) {
      return i;
    }
  }
  return kTypes.size();
}

// ---- per-type placement -------------------------------------------------------------------

template <class T>
inline constexpr bool kHasLayout = FixedLayout<T>;

// Which bits of block byte i the type defines (LCH bytes 0-2 count as defined: their fixed bits
// are checked as errors). Derived from the field tables, so the canonical check cannot drift
// from the layout.
constexpr void mark_bits(Byte* mask, std::size_t off, std::size_t width) noexcept {
  for (std::size_t b = off; b < off + width; ++b) {
    mask[b / 8] = static_cast<Byte>(mask[b / 8] | (0x80U >> (b % 8)));
  }
}

template <class Tuple>
constexpr void mark_fields(Byte* mask, const Tuple& fields) noexcept {
  std::apply([&](const auto&... f) { (mark_bits(mask, f.kOffset, f.kWidth), ...); }, fields);
}

template <class T>
constexpr auto make_layout_mask() noexcept {
  std::array<Byte, Layout<T>::kSize> m{};
  m[0] = m[1] = m[2] = 0xFF;
  mark_fields(m.data(), Layout<T>::kFields);
  return m;
}
template <class T>
inline constexpr auto kLayoutMask = make_layout_mask<T>();

using InitCodec = Codec<InitBlock>;
constexpr std::size_t kInitParamBytes = 4 * kFlitBytes; // flits 0-3 carry the parameters

constexpr auto make_init_mask() noexcept {
  std::array<Byte, kInitParamBytes> m{};
  m[0] = m[1] = m[2] = 0xFF;
  mark_fields(m.data(), InitCodec::kHeadFields);
  mark_fields(m.data(), InitCodec::kTailFields);
  for (std::size_t i = 0; i < 16; ++i) {
    m[InitCodec::kCtrlCreditBytes[i]] = 0xFF;
    m[InitCodec::kDataCreditBytes[i]] = 0xFF;
  }
  return m;
}
constexpr auto kInitMask = make_init_mask();

// Param_Exchg: PARAM_EXCHG_DATA in bytes 8-11 of every flit (§4.3.3.6).
constexpr std::size_t kParamWordByte = 8;

template <class T>
[[nodiscard]] constexpr Byte defined_bits(std::size_t i) noexcept {
  if constexpr (std::is_same_v<T, ParamExchg>) {
    const std::size_t in_flit = i % kFlitBytes;
    return (i < 3 || (in_flit >= kParamWordByte && in_flit < kParamWordByte + 4)) ? Byte{0xFF}
                                                                                  : Byte{0};
  } else if constexpr (std::is_same_v<T, InitBlock>) {
    return i < kInitMask.size() ? kInitMask[i] : Byte{0};
  } else {
    constexpr auto& m = kLayoutMask<T>;
    return i < m.size() ? m[i] : Byte{0};
  }
}

template <class T>
[[nodiscard]] constexpr std::size_t flits_of(const T& h) noexcept {
  if constexpr (std::is_same_v<T, ParamExchg>) {
    return h.flits;
  } else if constexpr (std::is_same_v<T, InitBlock>) {
    return std::size_t{h.clength} + 1;
  } else {
    return std::size_t{T::kType.min_clength} + 1;
  }
}

// Reads the type's fields from a whole block (flits * 20 bytes at blk).
template <class T>
void unpack_body(const Byte* blk, std::size_t flits, T& h) noexcept {
  if constexpr (std::is_same_v<T, ParamExchg>) {
    h.flits = static_cast<std::uint8_t>(flits);
    for (std::size_t f = 0; f < flits; ++f) {
      for (std::size_t k = 0; k < 4; ++k) {
        h.data[4 * f + k] = blk[f * kFlitBytes + kParamWordByte + k];
      }
    }
  } else if constexpr (std::is_same_v<T, InitBlock>) {
    unpack_fields(InitCodec::kHeadFields, blk, h);
    unpack_fields(InitCodec::kTailFields, blk, h);
    for (std::size_t i = 0; i < 16; ++i) {
      h.ctrl_credit_grain_size[i] = blk[InitCodec::kCtrlCreditBytes[i]];
      h.data_credit_grain_size[i] = blk[InitCodec::kDataCreditBytes[i]];
    }
  } else {
    unpack_fields(Layout<T>::kFields, blk, h);
  }
}

// Writes the type's fields into a zeroed block whose LCH is already in place.
template <class T>
void pack_body(const T& h, Byte* blk) noexcept {
  if constexpr (std::is_same_v<T, ParamExchg>) {
    for (std::size_t f = 0; f < h.flits; ++f) {
      for (std::size_t k = 0; k < 4; ++k) {
        blk[f * kFlitBytes + kParamWordByte + k] = h.data[4 * f + k];
      }
    }
  } else if constexpr (std::is_same_v<T, InitBlock>) {
    pack_fields(InitCodec::kHeadFields, h, blk);
    pack_fields(InitCodec::kTailFields, h, blk);
    for (std::size_t i = 0; i < 16; ++i) {
      blk[InitCodec::kCtrlCreditBytes[i]] = h.ctrl_credit_grain_size[i];
      blk[InitCodec::kDataCreditBytes[i]] = h.data_credit_grain_size[i];
    }
  } else {
    pack_fields(Layout<T>::kFields, h, blk);
  }
}

[[nodiscard]] constexpr Error type_error(const ControlBlockType& ty, Errc code, std::size_t offset,
                                         std::string_view field, std::string_view reason) noexcept {
  return Error{code, offset, ty.name, field, reason, ty.clause};
}

// Encode-side checks: every value fits its field, lengths are legal, no reserved values.
template <class T>
[[nodiscard]] Status validate_for_encode(const T& h) noexcept {
  constexpr const ControlBlockType& ty = T::kType;
  if constexpr (std::is_same_v<T, ParamExchg>) {
    if (h.flits < 1 || h.flits > kMaxParamWords) {
      return make_unexpected(type_error(ty, Errc::OutOfRange, 0, "CLENGTH",
                                        "Param_Exchg carries 1 to 32 flits (one word each)")
                                 .with_value(h.flits));
    }
    return {};
  } else if constexpr (std::is_same_v<T, InitBlock>) {
    std::optional<FieldDesc> bad = first_misfit(InitCodec::kHeadFields, h);
    if (!bad) {
      bad = first_misfit(InitCodec::kTailFields, h);
    }
    if (bad) {
      return make_unexpected(type_error(ty, Errc::OutOfRange, bad->offset / 8U, bad->name,
                                        "value does not fit the field"));
    }
    if (h.clength < ty.min_clength || h.clength > ty.max_clength) {
      return make_unexpected(
          type_error(ty, Errc::OutOfRange, 0, "CLENGTH", "Init is 5 to 32 flits (CLENGTH 4..31)")
              .with_value(h.clength));
    }
    return {};
  } else {
    return FixedCodec<T>::validate(h);
  }
}

// Decode-side semantic checks of the unpacked fields (reserved values).
template <class T>
[[nodiscard]] Status check_decoded(const T& h) noexcept {
  if constexpr (kHasLayout<T>) {
    return FixedCodec<T>::check(h);
  } else {
    (void)h;
    return {};
  }
}

// ---- trailer ----------------------------------------------------------------------------

// UB-Base-2.0 §4.7.2: the CRC input is every bit before the CRC30 field: the whole bytes before
// the trailer's first byte, then that byte's two top bits (Reserved, ERROR_FLAG) (ambiguity A3).
void write_trailer(std::span<Byte> blk, BlockMode m) noexcept {
  const std::size_t last = blk.size() - kFlitBytes;
  const std::size_t at = last + trailer_byte(m);
  switch (m) {
  case BlockMode::Crc30:
    // Reserved and ERROR_FLAG are 0 in a DLLCB (ambiguity A15); the block is zeroed already.
    store_be32(&blk[at], crc30(blk.first(at), blk[at], 2));
    return;
  case BlockMode::Crc62: {
    const std::uint32_t c30 = crc30(blk.first(at), blk[at], 2);
    const std::uint32_t c32 = crc32_dl(blk.first(at), blk[at], 2);
    store_be32(&blk[at], c30);
    store_be32(&blk[at + 4], c32);
    return;
  }
  case BlockMode::NonCrc:
    blk[at] = 0; // END: Reserved, ERROR_FLAG = 0, Reserved
    return;
  }
}

[[nodiscard]] Status check_trailer(std::span<const Byte> blk, BlockMode m,
                                   const ControlBlockType& ty) noexcept {
  const std::size_t last = blk.size() - kFlitBytes;
  const std::size_t at = last + trailer_byte(m);
  const auto mismatch = [&](std::uint32_t got) {
    return make_unexpected(Error{Errc::CrcMismatch, at, ty.name, "BCRC",
                                 "block CRC does not match the block", kCrcClause}
                               .with_value(got));
  };
  switch (m) {
  case BlockMode::Crc30: {
    const std::uint32_t got = load_be32(&blk[at]) & 0x3FFFFFFFU;
    if (crc30(blk.first(at), blk[at], 2) != got) {
      return mismatch(got);
    }
    return {};
  }
  case BlockMode::Crc62: {
    const std::uint32_t got30 = load_be32(&blk[at]) & 0x3FFFFFFFU;
    const std::uint32_t got32 = load_be32(&blk[at + 4]);
    if (crc30(blk.first(at), blk[at], 2) != got30) {
      return mismatch(got30);
    }
    if (crc32_dl(blk.first(at), blk[at], 2) != got32) {
      return mismatch(got32);
    }
    return {};
  }
  case BlockMode::NonCrc:
    return {};
  }
  return {};
}

// True if every reserved bit of the block is 0, including the trailer's Reserved and ERROR_FLAG
// bits (CRC modes) or the END byte and last-flit bytes 16-18 (non-CRC mode).
template <class T>
[[nodiscard]] bool reserved_bits_clear(std::span<const Byte> blk, BlockMode m) noexcept {
  const std::size_t last = blk.size() - kFlitBytes;
  const std::size_t end = last + trailer_byte(m);
  for (std::size_t i = 0; i < end; ++i) {
    if ((blk[i] & static_cast<Byte>(~defined_bits<T>(i))) != 0) {
      return false;
    }
  }
  return m == BlockMode::NonCrc ? blk[end] == 0 : (blk[end] & 0xC0U) == 0;
}

// ---- decode / encode of one type ------------------------------------------------------------

template <class T>
[[nodiscard]] Result<ControlBlock> decode_as(std::span<const Byte> in, BlockMode m,
                                             bool* canonical) noexcept {
  constexpr const ControlBlockType& ty = T::kType;
  const auto clength = static_cast<std::uint8_t>((in[0] >> 2) & 0x1FU);
  if (clength < ty.min_clength || clength > ty.max_clength) {
    return make_unexpected(type_error(ty, Errc::LengthMismatch, 0, "CLENGTH",
                                      ty.min_clength == ty.max_clength
                                          ? "CLENGTH differs from this block type's fixed length"
                                          : "CLENGTH outside the range this block type allows")
                               .with_value(clength));
  }
  const std::size_t flits = std::size_t{clength} + 1;
  const std::size_t need = flits * kFlitBytes;
  if (in.size() < need) {
    return make_unexpected(type_error(ty, Errc::Truncated, in.size(), "CLENGTH",
                                      "input ends before the CLENGTH+1 flits of the block")
                               .with_value(need));
  }
  if (in.size() > need) {
    return make_unexpected(type_error(ty, Errc::TrailingBytes, need, "CLENGTH",
                                      "input continues past the CLENGTH+1 flits of the block")
                               .with_value(in.size()));
  }
  if (auto st = check_trailer(in, m, ty); !st) {
    return make_unexpected(st.error());
  }
  T h{};
  unpack_body(in.data(), flits, h);
  if (auto st = check_decoded(h); !st) {
    return make_unexpected(st.error());
  }
  if (canonical != nullptr) {
    *canonical = reserved_bits_clear<T>(in, m);
  }
  return ControlBlock{std::in_place_type<T>, h};
}

template <std::size_t... I>
[[nodiscard]] Result<ControlBlock> decode_index(std::size_t index, std::span<const Byte> in,
                                                BlockMode m, bool* canonical,
                                                std::index_sequence<I...> /*unused*/) noexcept {
  Result<ControlBlock> r = ControlBlock{};
  (void)((index == I
              ? (r = decode_as<std::variant_alternative_t<I, ControlBlock>>(in, m, canonical), true)
              : false) ||
         ...);
  return r;
}

template <class T>
[[nodiscard]] Result<std::size_t> encode_as(const T& h, BlockMode m, std::span<Byte> out) noexcept {
  constexpr const ControlBlockType& ty = T::kType;
  if (auto st = validate_for_encode(h); !st) {
    return make_unexpected(st.error());
  }
  const std::size_t flits = flits_of(h);
  const std::size_t need = flits * kFlitBytes;
  if (out.size() < need) {
    return make_unexpected(
        type_error(ty, Errc::BufferTooSmall, 0, {}, "output buffer too small").with_value(need));
  }
  const std::span<Byte> blk = out.first(need);
  for (Byte& b : blk) {
    b = 0;
  }
  // LCH, Table 4-6: 0, CLENGTH, fixed 100000, CFG 0, CTRL, SUB_CTRL.
  blk[0] = static_cast<Byte>(((flits - 1) << 2) | 0x02U);
  blk[1] = 0x00;
  blk[2] = ty.lch_byte2();
  pack_body(h, blk.data());
  write_trailer(blk, m);
  return need;
}

} // namespace

std::size_t control_block_flits(const ControlBlock& cb) noexcept {
  return std::visit([](const auto& h) { return flits_of(h); }, cb);
}

std::string_view control_block_name(const ControlBlock& cb) noexcept {
  return kTypes[cb.index()].name;
}

bool is_retry_buffered(const ControlBlock& cb) noexcept {
  return !(std::holds_alternative<NullBlock>(cb) || std::holds_alternative<RetryIdle>(cb) ||
           std::holds_alternative<RetryReq>(cb) || std::holds_alternative<RetryAck>(cb));
}

Result<ControlBlock> decode_control_block(std::span<const Byte> in, BlockMode mode,
                                          bool* canonical) noexcept {
  if (canonical != nullptr) {
    *canonical = false;
  }
  const std::size_t index = in.size() >= 3 ? type_index(in[2]) : kTypes.size();
  const std::string_view header = index < kTypes.size() ? kTypes[index].name : kUnknownType;
  if (in.size() < 4) {
    return make_unexpected(
        Error{Errc::Truncated, in.size(), header, "LCH", "input ends inside the LCH", kLchClause}
            .with_value(kFlitBytes));
  }
  // LCH, Table 4-6: byte 0 = 0 CLENGTH[4:0] 1 0; byte 1 = 0000 CFG(0).
  if ((in[0] & 0x80U) != 0 || (in[0] & 0x03U) != 0x02U) {
    return make_unexpected(Error{Errc::ReservedValue, 0, header, "LCH",
                                 "byte 0 must be 0, CLENGTH, then the fixed bits 10", kLchClause}
                               .with_value(in[0]));
  }
  if (in[1] != 0) {
    return make_unexpected(Error{Errc::ReservedValue, 1, header, "LCH",
                                 (in[1] & 0x0FU) != 0
                                     ? "CFG is not 0, so this is not a DLLCB"
                                     : "byte 1 bits 7:4 must be the fixed bits 0000",
                                 kLchClause}
                               .with_value(in[1]));
  }
  if (index == kTypes.size()) {
    return make_unexpected(Error{Errc::ReservedValue, 2, header, "CTRL",
                                 "CTRL/SUB_CTRL is not a DLLCB type of Table 4-7", kLchClause}
                               .with_value(in[2]));
  }
  return decode_index(index, in, mode, canonical,
                      std::make_index_sequence<std::variant_size_v<ControlBlock>>{});
}

Result<std::size_t> encode_control_block(const ControlBlock& cb, BlockMode mode,
                                         std::span<Byte> out) noexcept {
  return std::visit([&](const auto& h) { return encode_as(h, mode, out); }, cb);
}

} // namespace ub::dl

namespace ub {

Status Codec<dl::ParamExchg>::set(dl::ParamExchg& h, std::string_view name,
                                  const FieldValue& v) noexcept {
  const auto out_of_range = [&](std::size_t offset, std::string_view field,
                                std::string_view reason) {
    return make_unexpected(Error{Errc::OutOfRange, offset, kName, field, reason, kClause});
  };
  const auto clear_from = [&](std::size_t flits) {
    for (std::size_t i = 4 * flits; i < h.data.size(); ++i) {
      h.data[i] = 0;
    }
  };
  if (name == "CLENGTH") {
    std::uint64_t c = v.scalar;
    if (!v.wide.empty()) {
      c = 0;
      for (const Byte b : v.wide) {
        if (c > 0xFF) {
          return out_of_range(0, "CLENGTH", "Param_Exchg CLENGTH is 0..31");
        }
        c = (c << 8) | b;
      }
    }
    if (c > 31) {
      return out_of_range(0, "CLENGTH", "Param_Exchg CLENGTH is 0..31");
    }
    h.flits = static_cast<std::uint8_t>(c + 1);
    clear_from(h.flits);
    return {};
  }
  if (name == "PARAM_EXCHG_DATA") {
    if (!v.wide.empty()) {
      if (v.wide.size() > h.data.size()) {
        return out_of_range(8, "PARAM_EXCHG_DATA", "at most 32 words (128 bytes)");
      }
      const std::size_t flits = (v.wide.size() + 3) / 4;
      const std::size_t pad = 4 * flits - v.wide.size();
      for (std::size_t i = 0; i < 4 * flits; ++i) {
        h.data[i] = i < pad ? Byte{0} : v.wide[i - pad];
      }
      h.flits = static_cast<std::uint8_t>(flits);
      clear_from(flits);
      return {};
    }
    const std::size_t flits =
        h.flits < 1 ? 1 : (h.flits > dl::kMaxParamWords ? dl::kMaxParamWords : h.flits);
    if (flits == 1 && (v.scalar >> 32) != 0) {
      return out_of_range(8, "PARAM_EXCHG_DATA", "value wider than the words present");
    }
    std::uint64_t s = v.scalar;
    for (std::size_t i = 4 * flits; i-- > 0;) {
      h.data[i] = static_cast<Byte>(s & 0xFFU);
      s >>= 8;
    }
    h.flits = static_cast<std::uint8_t>(flits);
    clear_from(flits);
    return {};
  }
  return make_unexpected(
      Error{Errc::UnknownField, 0, kName, {}, "no such field in this block", kClause});
}

Status Codec<dl::InitBlock>::set(dl::InitBlock& h, std::string_view name,
                                 const FieldValue& v) noexcept {
  dl::InitBlock tmp = h;
  auto r = set_field(kHeadFields, tmp, name, v);
  if (!r) {
    r = set_field(kSplitFields, tmp, name, v);
  }
  if (!r) {
    r = set_field(kTailFields, tmp, name, v);
  }
  if (!r) {
    return make_unexpected(
        Error{Errc::UnknownField, 0, kName, {}, "no such field in this block", kClause});
  }
  if (!r->fit) {
    return make_unexpected(Error{Errc::OutOfRange, static_cast<std::size_t>(r->desc.offset / 8),
                                 kName, r->desc.name, "value does not fit the field", kClause});
  }
  if (name == "CLENGTH" && tmp.clength < dl::InitBlock::kType.min_clength) {
    return make_unexpected(Error{Errc::OutOfRange, 0, kName, "CLENGTH",
                                 "Init is 5 to 32 flits (CLENGTH 4..31)", kClause}
                               .with_value(tmp.clength));
  }
  h = tmp;
  return {};
}

} // namespace ub

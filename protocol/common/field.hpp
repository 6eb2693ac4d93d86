#pragma once
// Field tables: one constexpr description per fixed-size header, from which decode, encode and
// field reflection (for the tool's JSON and pretty-printer) are generated. A header's layout is
// written once, next to its spec citation, as a list of (member, bit offset, bit width, name),
// in the order of the spec's field table; the codec unrolls it at compile time.
//
// Usage, for a header struct Foo:
//   template <> struct Layout<Foo> {
//     static constexpr std::string_view kName = "FOO";
//     static constexpr std::string_view kClause = "§x.y";
//     static constexpr std::size_t kSize = 4;
//     static constexpr auto kFields = std::tuple{Field<&Foo::a, 0, 4>{"A"}, ...};
//     // optional: static std::optional<FieldIssue> check(const Foo&);  (reserved values etc.)
//   };
// after which Codec<Foo> provides decode, encode, size, visit and set.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <tuple>
#include <type_traits>

#include "protocol/common/bits.hpp"
#include "protocol/common/error.hpp"

namespace ub {

enum class FieldRole : std::uint8_t {
  Data,     // a field the spec defines
  Reserved, // reserved bits: written as given (zero by default), ignored on receive
  Derived,  // computed by the whole-packet encoder from the rest of the packet (PLENGTH, Padding)
};

struct FieldDesc {
  std::string_view name;
  std::uint16_t offset = 0; // bit offset from the first bit of the header
  std::uint16_t width = 0;  // bits
  FieldRole role = FieldRole::Data;
};

// A field value with its type erased, for tools. Fields of up to 64 bits use `scalar`; wider
// fields use `wide` (most significant byte first). Setting a wide field from a scalar is allowed.
struct FieldValue {
  std::uint64_t scalar = 0;
  std::span<const Byte> wide{};
};

// What a header's semantic check reports; the codec turns it into an Error with the field's offset.
struct FieldIssue {
  std::string_view field;
  Errc code = Errc::ReservedValue;
  std::string_view reason;
  std::uint64_t value = 0;
};

namespace detail {
template <class T>
struct MemberOf;
template <class C, class M>
struct MemberOf<M C::*> {
  using Class = C;
  using Type = M;
};
template <class T>
struct IsWide : std::false_type {};
template <std::size_t N>
struct IsWide<Wide<N>> : std::true_type {};

template <class T>
constexpr unsigned storage_bits() {
  if constexpr (std::is_same_v<T, bool>) {
    return 1;
  } else if constexpr (std::is_enum_v<T>) {
    return 8 * sizeof(std::underlying_type_t<T>);
  } else {
    return 8 * sizeof(T);
  }
}
template <class T, unsigned Off, unsigned W>
constexpr bool width_matches() {
  if constexpr (IsWide<T>::value) {
    return Off % 8 == 0 && W == 8 * std::tuple_size_v<T>;
  } else {
    return W >= 1 && W <= 64 && W <= storage_bits<T>();
  }
}
} // namespace detail

template <auto Member, unsigned Off, unsigned W>
struct Field {
  using Class = typename detail::MemberOf<decltype(Member)>::Class;
  using Type = typename detail::MemberOf<decltype(Member)>::Type;
  static constexpr unsigned kOffset = Off;
  static constexpr unsigned kWidth = W;
  static constexpr bool kWide = detail::IsWide<Type>::value;

  std::string_view name;
  FieldRole role = FieldRole::Data;

  [[nodiscard]] constexpr FieldDesc desc() const noexcept {
    return FieldDesc{name, static_cast<std::uint16_t>(Off), static_cast<std::uint16_t>(W), role};
  }

  [[nodiscard]] static constexpr std::uint64_t scalar(const Class& h) noexcept requires(!kWide) {
    if constexpr (std::is_enum_v<Type>) {
      return static_cast<std::uint64_t>(static_cast<std::underlying_type_t<Type>>(h.*Member));
    } else {
      return static_cast<std::uint64_t>(h.*Member);
    }
  }

  static constexpr void assign(Class& h, std::uint64_t v) noexcept requires(!kWide) {
    if constexpr (std::is_same_v<Type, bool>) {
      h.*Member = v != 0;
    } else if constexpr (std::is_enum_v<Type>) {
      h.*Member = static_cast<Type>(static_cast<std::underlying_type_t<Type>>(v));
    } else {
      h.*Member = static_cast<Type>(v);
    }
  }

  static constexpr void load(const Byte* p, Class& h) noexcept {
    if constexpr (kWide) {
      for (std::size_t i = 0; i < W / 8; ++i) {
        (h.*Member)[i] = p[Off / 8 + i];
      }
    } else {
      assign(h, load_bits<Off, W>(p));
    }
  }

  // The same as load(), from a header already read into big-endian words.
  template <std::size_t Bytes>
  static constexpr void load_words(const BeWords<Bytes>& words, const Byte* p, Class& h) noexcept {
    if constexpr (kWide) {
      for (std::size_t i = 0; i < W / 8; ++i) {
        (h.*Member)[i] = p[Off / 8 + i];
      }
    } else {
      assign(h, words.template get<Off, W>());
    }
  }

  static constexpr void store(const Class& h, Byte* p) noexcept {
    if constexpr (kWide) {
      for (std::size_t i = 0; i < W / 8; ++i) {
        p[Off / 8 + i] = (h.*Member)[i];
      }
    } else {
      or_bits<Off, W>(p, scalar(h));
    }
  }

  [[nodiscard]] static constexpr bool fits(const Class& h) noexcept {
    if constexpr (kWide) {
      return true;
    } else {
      return (scalar(h) & ~low_mask(W)) == 0;
    }
  }

  [[nodiscard]] static constexpr FieldValue value(const Class& h) noexcept {
    if constexpr (kWide) {
      return FieldValue{0, std::span<const Byte>(h.*Member)};
    } else {
      return FieldValue{scalar(h), {}};
    }
  }

  // Sets the field from a type-erased value; false if it does not fit.
  [[nodiscard]] static constexpr bool set(Class& h, const FieldValue& v) noexcept {
    if constexpr (kWide) {
      auto& dst = h.*Member;
      if (!v.wide.empty()) {
        if (v.wide.size() > dst.size()) {
          // Accept leading zero bytes only.
          const std::size_t extra = v.wide.size() - dst.size();
          for (std::size_t i = 0; i < extra; ++i) {
            if (v.wide[i] != 0) {
              return false;
            }
          }
          for (std::size_t i = 0; i < dst.size(); ++i) {
            dst[i] = v.wide[extra + i];
          }
          return true;
        }
        const std::size_t pad = dst.size() - v.wide.size();
        for (std::size_t i = 0; i < dst.size(); ++i) {
          dst[i] = i < pad ? Byte{0} : v.wide[i - pad];
        }
        return true;
      }
      std::uint64_t s = v.scalar;
      for (std::size_t i = dst.size(); i-- > 0;) {
        dst[i] = static_cast<Byte>(s & 0xFF);
        s >>= 8;
      }
      return true;
    } else {
      if (!v.wide.empty()) {
        std::uint64_t s = 0;
        for (const Byte b : v.wide) {
          if ((s >> 56) != 0) {
            return false;
          }
          s = (s << 8) | b;
        }
        if ((s & ~low_mask(W)) != 0) {
          return false;
        }
        assign(h, s);
        return true;
      }
      if ((v.scalar & ~low_mask(W)) != 0) {
        return false;
      }
      assign(h, v.scalar);
      return true;
    }
  }

  static_assert(detail::width_matches<Type, Off, W>(), "field width does not match its member");
};

template <class H>
struct Layout; // specialised per fixed-size header

template <class H>
concept FixedLayout = requires {
  { Layout<H>::kSize } -> std::convertible_to<std::size_t>;
  Layout<H>::kFields;
  { Layout<H>::kName } -> std::convertible_to<std::string_view>;
  { Layout<H>::kClause } -> std::convertible_to<std::string_view>;
};

template <class H>
concept HasCheck = requires(const H& h) {
  { Layout<H>::check(h) } -> std::same_as<std::optional<FieldIssue>>;
};

// Builds an Error for field `name` of a fixed-layout header, with the field's byte offset.
template <FixedLayout H>
[[nodiscard]] constexpr Error field_error(std::string_view name, Errc code,
                                          std::string_view reason) noexcept {
  std::size_t byte = 0;
  std::apply([&](const auto&... f) { ((f.name == name ? (byte = f.kOffset / 8, 0) : 0), ...); },
             Layout<H>::kFields);
  return Error{code, byte, Layout<H>::kName, name, reason, Layout<H>::kClause};
}

// Helpers over a tuple of Fields, shared by FixedCodec and by headers whose layout depends on a
// mode field (CCI) and so keep several field tuples.
template <class H, class Tuple>
constexpr void unpack_fields(const Tuple& fields, const Byte* p, H& h) noexcept {
  std::apply([&](const auto&... f) { (f.load(p, h), ...); }, fields);
}

template <class H, class Tuple>
constexpr void pack_fields(const Tuple& fields, const H& h, Byte* p) noexcept {
  std::apply([&](const auto&... f) { (f.store(h, p), ...); }, fields);
}

template <class H, class Tuple, class Fn>
constexpr void visit_fields(const Tuple& fields, const H& h, Fn&& fn) {
  std::apply([&](const auto&... f) { (fn(f.desc(), f.value(h)), ...); }, fields);
}

// Range check of every field; on failure returns the offending field's descriptor.
template <class H, class Tuple>
[[nodiscard]] constexpr std::optional<FieldDesc> first_misfit(const Tuple& fields,
                                                              const H& h) noexcept {
  std::optional<FieldDesc> bad;
  std::apply([&](const auto&... f) { (void)((f.fits(h) || (bad = f.desc(), false)) && ...); },
             fields);
  return bad;
}

// Looks `name` up in `fields`: nullopt if absent, else whether the value fit, and the descriptor.
struct SetOutcome {
  bool fit = false;
  FieldDesc desc{};
};
template <class H, class Tuple>
[[nodiscard]] constexpr std::optional<SetOutcome>
set_field(const Tuple& fields, H& h, std::string_view name, const FieldValue& v) noexcept {
  std::optional<SetOutcome> out;
  std::apply(
      [&](const auto&... f) {
        (void)((f.name == name ? (out = SetOutcome{f.set(h, v), f.desc()}, true) : false) || ...);
      },
      fields);
  return out;
}

// Decode, encode and reflection for any header with a Layout.
template <FixedLayout H>
struct FixedCodec {
  using L = Layout<H>;
  static constexpr std::string_view kName = L::kName;
  static constexpr std::string_view kClause = L::kClause;
  static constexpr std::size_t kSize = L::kSize;

  // Reads the fields from p[0..kSize); no checks.
  [[nodiscard]] static constexpr H unpack(const Byte* p) noexcept {
    H h{};
    const BeWords<kSize> words(p);
    std::apply([&](const auto&... f) { (f.load_words(words, p, h), ...); }, L::kFields);
    return h;
  }

  // Writes p[0..kSize); fields are assumed to fit (see validate).
  static constexpr void pack(const H& h, Byte* p) noexcept {
    for (std::size_t i = 0; i < kSize; ++i) {
      p[i] = 0;
    }
    pack_fields(L::kFields, h, p);
  }

  [[nodiscard]] static constexpr std::size_t size(const H& /*h*/) noexcept { return kSize; }

  // Semantic check (reserved values), shared by decode and encode.
  [[nodiscard]] static constexpr Status check(const H& h) noexcept {
    if constexpr (HasCheck<H>) {
      if (auto issue = L::check(h)) {
        return make_unexpected(
            field_error<H>(issue->field, issue->code, issue->reason).with_value(issue->value));
      }
    }
    return {};
  }

  // Decodes the header at the start of `in`. Errors: Truncated, and whatever check() reports.
  [[nodiscard]] static constexpr Result<H> decode(std::span<const Byte> in) noexcept {
    if (in.size() < kSize) {
      return make_unexpected(
          Error{Errc::Truncated, in.size(), kName, {}, "input ends inside the header", kClause}
              .with_value(kSize));
    }
    H h = unpack(in.data());
    if (auto st = check(h); !st) {
      return make_unexpected(st.error());
    }
    return h;
  }

  // Range check of every field against its width, then check().
  [[nodiscard]] static constexpr Status validate(const H& h) noexcept {
    if (auto bad = first_misfit(L::kFields, h)) {
      return make_unexpected(Error{Errc::OutOfRange, static_cast<std::size_t>(bad->offset / 8),
                                   kName, bad->name, "value does not fit the field", kClause});
    }
    return check(h);
  }

  // Encodes into out[0..kSize). Errors: BufferTooSmall, OutOfRange, and check().
  [[nodiscard]] static constexpr Result<std::size_t> encode(const H& h,
                                                            std::span<Byte> out) noexcept {
    if (out.size() < kSize) {
      return make_unexpected(
          Error{Errc::BufferTooSmall, 0, kName, {}, "output buffer too small", kClause});
    }
    if (auto st = validate(h); !st) {
      return make_unexpected(st.error());
    }
    pack(h, out.data());
    return kSize;
  }

  // Calls fn(FieldDesc, FieldValue) for each field in wire order.
  template <class Fn>
  static constexpr void visit(const H& h, Fn&& fn) {
    visit_fields(L::kFields, h, fn);
  }

  // Sets the field named `name`. Errors: UnknownField, OutOfRange. The Error names the field by
  // the layout's own (static) spelling.
  [[nodiscard]] static constexpr Status set(H& h, std::string_view name, const FieldValue& v) {
    auto r = set_field(L::kFields, h, name, v);
    if (!r) {
      return make_unexpected(
          Error{Errc::UnknownField, 0, kName, {}, "no such field in this header", kClause});
    }
    if (!r->fit) {
      return make_unexpected(Error{Errc::OutOfRange, static_cast<std::size_t>(r->desc.offset / 8),
                                   kName, r->desc.name, "value does not fit the field", kClause});
    }
    return {};
  }
};

// Codec<H>: the uniform interface every header offers (decode, encode, size, visit, set,
// kName, kClause). Fixed layouts get it from their Layout; variable headers specialise it.
template <class H>
struct Codec;

template <class H>
requires FixedLayout<H>
struct Codec<H> : FixedCodec<H> {
};

} // namespace ub

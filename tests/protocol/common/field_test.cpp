#include <array>
#include <vector>

#include <catch2/catch.hpp>

#include "protocol/common/field.hpp"

using namespace ub;

namespace {

enum class Colour : std::uint8_t { Red = 1, Blue = 2 };

struct Toy {
  bool flag = false;
  Colour colour = Colour::Red;
  std::uint16_t n = 0;
  std::uint16_t rsvd = 0;
  Wide<4> tag{};
};

} // namespace

namespace ub {
template <>
struct Layout<Toy> {
  static constexpr std::string_view kName = "TOY";
  static constexpr std::string_view kClause = "§0";
  static constexpr std::size_t kSize = 7;
  static constexpr auto kFields = std::tuple{
      Field<&Toy::flag, 0, 1>{"Flag"}, Field<&Toy::colour, 1, 2>{"Colour"},
      Field<&Toy::n, 3, 12>{"N"},      Field<&Toy::rsvd, 15, 9>{"RSVD", FieldRole::Reserved},
      Field<&Toy::tag, 24, 32>{"Tag"},
  };
  static constexpr std::optional<FieldIssue> check(const Toy& t) noexcept {
    if (t.colour != Colour::Red && t.colour != Colour::Blue) {
      return FieldIssue{"Colour", Errc::ReservedValue, "no such colour",
                        static_cast<std::uint64_t>(t.colour)};
    }
    return std::nullopt;
  }
};
} // namespace ub

TEST_CASE("a Layout generates decode, encode, visit and set", "[common][field]") {
  // Flag 1, Colour 10, N 0xABC, RSVD 0, Tag DE AD BE EF:
  // 1 10 1010 1011 1100 0 | 00000000 | DE AD BE EF
  const std::array<Byte, 7> wire{0xD5, 0x78, 0x00, 0xDE, 0xAD, 0xBE, 0xEF};
  auto t = Codec<Toy>::decode(wire);
  REQUIRE(t);
  CHECK(t->flag);
  CHECK(t->colour == Colour::Blue);
  CHECK(t->n == 0xABC);
  CHECK(t->tag == Wide<4>{0xDE, 0xAD, 0xBE, 0xEF});
  std::array<Byte, 7> out{};
  REQUIRE(Codec<Toy>::encode(*t, out));
  CHECK(out == wire);

  std::vector<FieldDesc> seen;
  Codec<Toy>::visit(*t, [&](const FieldDesc& d, const FieldValue& v) {
    seen.push_back(d);
    if (d.name == "Tag") {
      CHECK(v.wide.size() == 4);
    }
  });
  REQUIRE(seen.size() == 5);
  CHECK(seen[2].offset == 3);
  CHECK(seen[2].width == 12);
  CHECK(seen[3].role == FieldRole::Reserved);
}

TEST_CASE("check() refuses a reserved value on decode and on encode", "[common][field]") {
  const std::array<Byte, 7> wire{0x60, 0, 0, 0, 0, 0, 0}; // Colour 11
  auto t = Codec<Toy>::decode(wire);
  REQUIRE_FALSE(t);
  CHECK(t.error().code == Errc::ReservedValue);
  CHECK(t.error().field == "Colour");
  CHECK(t.error().header == "TOY");
  CHECK(t.error().value == 3);
  Toy bad{};
  bad.colour = static_cast<Colour>(3);
  std::array<Byte, 7> out{};
  CHECK(Codec<Toy>::encode(bad, out).error().code == Errc::ReservedValue);
}

TEST_CASE("set() takes scalars and byte strings, and refuses what does not fit",
          "[common][field]") {
  Toy t{};
  REQUIRE(Codec<Toy>::set(t, "N", FieldValue{0xFFF, {}}));
  CHECK(t.n == 0xFFF);
  CHECK(Codec<Toy>::set(t, "N", FieldValue{0x1000, {}}).error().code == Errc::OutOfRange);
  const std::array<Byte, 2> two{0x0A, 0xBC};
  REQUIRE(Codec<Toy>::set(t, "N", FieldValue{0, two}));
  CHECK(t.n == 0xABC);
  const std::array<Byte, 2> big{0x1A, 0xBC};
  CHECK(Codec<Toy>::set(t, "N", FieldValue{0, big}).error().code == Errc::OutOfRange);
  // A wide field from a scalar (right-aligned) and from fewer bytes.
  REQUIRE(Codec<Toy>::set(t, "Tag", FieldValue{0x1234, {}}));
  CHECK(t.tag == Wide<4>{0, 0, 0x12, 0x34});
  const std::array<Byte, 5> five{0, 1, 2, 3, 4};
  REQUIRE(Codec<Toy>::set(t, "Tag", FieldValue{0, five})); // leading zero byte dropped
  CHECK(t.tag == Wide<4>{1, 2, 3, 4});
  const std::array<Byte, 5> five_big{9, 1, 2, 3, 4};
  CHECK(Codec<Toy>::set(t, "Tag", FieldValue{0, five_big}).error().code == Errc::OutOfRange);
  CHECK(Codec<Toy>::set(t, "Nope", FieldValue{}).error().code == Errc::UnknownField);
  REQUIRE(Codec<Toy>::set(t, "Flag", FieldValue{1, {}}));
  CHECK(t.flag);
  CHECK(Codec<Toy>::set(t, "Flag", FieldValue{2, {}}).error().code == Errc::OutOfRange);
}

TEST_CASE("encode refuses a struct value wider than its field, naming it", "[common][field]") {
  Toy t{};
  t.rsvd = 0;   // fine
  t.n = 0x1000; // 13 bits in a 12-bit field
  std::array<Byte, 7> out{};
  auto r = Codec<Toy>::encode(t, out);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Errc::OutOfRange);
  CHECK(r.error().field == "N");
  CHECK(r.error().offset == 0);
  std::array<Byte, 6> small{};
  t.n = 1;
  CHECK(Codec<Toy>::encode(t, small).error().code == Errc::BufferTooSmall);
  const std::array<Byte, 6> short_in{};
  CHECK(Codec<Toy>::decode(short_in).error().code == Errc::Truncated);
}

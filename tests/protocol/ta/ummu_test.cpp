// The Home's UMMU check (UB-Base-2.0 §9.4.1, §9.4.4, §7.2.5, §11.4.4): each step of the pipeline
// refuses what it should and nothing else, a refused request never gets an address, tokens rotate
// through the secondary value, zero length passes unchecked, and bad set-up calls name the field.
#include <catch2/catch.hpp>

#include "protocol/ta/ummu.hpp"

using namespace ub;
using namespace ub::ta;

namespace {

constexpr std::uint32_t kEid = 0x10;
constexpr std::uint32_t kTid = 0x123;
constexpr std::uint64_t kUba = 0x1'0000'0000;
constexpr std::uint64_t kPa = 0x8000'0000;

// A 64 KiB segment: read+write+atomic in its first half, read only in the second, token 0xAA.
Ummu segment() {
  Ummu u;
  REQUIRE(u.add_entity(kEid));
  REQUIRE(u.add_token_context(kEid, kTid));
  REQUIRE(u.map(kEid, kTid, kUba, 0x10000, kPa));
  PermissionEntry rw{};
  rw.base = kUba;
  rw.limit = kUba + 0x7FFF;
  rw.token_val0 = 0xAA;
  REQUIRE(u.add_permission(kEid, kTid, rw));
  PermissionEntry ro = rw;
  ro.base = kUba + 0x8000;
  ro.limit = kUba + 0xFFFF;
  ro.perm = mapt_perm::kRead;
  REQUIRE(u.add_permission(kEid, kTid, ro));
  return u;
}

UmmuRequest req(std::uint64_t uba, std::uint64_t len, MemAccess a,
                std::optional<std::uint32_t> tv = 0xAA) {
  UmmuRequest r{};
  r.eid = kEid;
  r.token_id = kTid;
  r.uba = uba;
  r.length = len;
  r.access = a;
  r.token_value = tv;
  return r;
}

} // namespace

TEST_CASE("UMMU: an allowed access gets its physical address", "[ta][ummu]") {
  const Ummu u = segment();
  for (const MemAccess a : {MemAccess::Read, MemAccess::Write, MemAccess::Atomic}) {
    const auto pa = u.check(req(kUba + 0x40, 64, a));
    REQUIRE(pa.has_value());
    CHECK(*pa == kPa + 0x40);
  }
  CHECK(u.check(req(kUba + 0x8000, 8, MemAccess::Read)).value() == kPa + 0x8000);
  CHECK(u.check(req(kUba, 0x8000, MemAccess::Write)).has_value()); // exactly the first half
}

TEST_CASE("UMMU: each step of the pipeline refuses with its own fault", "[ta][ummu]") {
  Ummu u = segment();
  struct Case {
    const char* what;
    UmmuRequest r;
    UmmuFault fault;
  };
  UmmuRequest other_eid = req(kUba, 8, MemAccess::Read);
  other_eid.eid = kEid + 1;
  UmmuRequest other_tid = req(kUba, 8, MemAccess::Read);
  other_tid.token_id = kTid + 1;
  const Case cases[] = {
      {"unknown EID", other_eid, UmmuFault::EntityConfig},
      {"unknown TokenID", other_tid, UmmuFault::TokenContext},
      {"below the segment", req(kUba - 8, 8, MemAccess::Read), UmmuFault::Translation},
      {"past the segment", req(kUba + 0xFFF8, 16, MemAccess::Read), UmmuFault::Translation},
      {"range wraps 2^64", req(~std::uint64_t{0} - 3, 8, MemAccess::Read), UmmuFault::Translation},
      {"write to the read-only half", req(kUba + 0x8000, 8, MemAccess::Write),
       UmmuFault::Permission},
      {"atomic to the read-only half", req(kUba + 0x9000, 8, MemAccess::Atomic),
       UmmuFault::Permission},
      {"range across two entries", req(kUba + 0x7FF8, 16, MemAccess::Read), UmmuFault::Permission},
      {"wrong token", req(kUba, 8, MemAccess::Read, 0xAB), UmmuFault::Token},
      {"no token (TV_EN = 0)", req(kUba, 8, MemAccess::Read, std::nullopt), UmmuFault::Token},
  };
  for (const Case& c : cases) {
    CAPTURE(c.what);
    const auto r = u.check(c.r);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error() == c.fault);
  }
}

TEST_CASE("UMMU: lazy memory faults until the Home makes it present", "[ta][ummu]") {
  Ummu u;
  REQUIRE(u.add_entity(kEid, false)); // MAPT off for the entity: translation only
  REQUIRE(u.add_token_context(kEid, kTid));
  REQUIRE(u.map(kEid, kTid, kUba, 0x1000, kPa, false));
  const auto r = req(kUba + 0x10, 4, MemAccess::Write, std::nullopt);
  REQUIRE_FALSE(u.check(r).has_value());
  CHECK(u.check(r).error() == UmmuFault::PageFault);
  REQUIRE(u.make_present(kEid, kTid, kUba + 0x800));
  CHECK(u.check(r).value() == kPa + 0x10);
  CHECK_FALSE(u.make_present(kEid, kTid, kUba + 0x1000).has_value()); // outside the mapping
}

TEST_CASE("UMMU: exclusive contexts and entries admit only E_bit requests", "[ta][ummu]") {
  Ummu u;
  REQUIRE(u.add_entity(kEid));
  REQUIRE(u.add_token_context(kEid, kTid, true));
  REQUIRE(u.add_token_context(kEid, kTid + 1));
  REQUIRE(u.map(kEid, kTid, kUba, 0x1000, kPa));
  REQUIRE(u.map(kEid, kTid + 1, kUba, 0x1000, kPa));
  PermissionEntry owner{};
  owner.base = kUba;
  owner.limit = kUba + 0xFFF;
  owner.exclusive = true;
  owner.token_check = false; // the exclusive owner carries only the TokenID (§10.1)
  REQUIRE(u.add_permission(kEid, kTid, owner));
  REQUIRE(u.add_permission(kEid, kTid + 1, owner));
  UmmuRequest r = req(kUba, 8, MemAccess::Write, std::nullopt);
  CHECK(u.check(r).error() == UmmuFault::Exclusive); // the context refuses
  r.e_bit = true;
  CHECK(u.check(r).has_value());
  r.token_id = kTid + 1;
  CHECK(u.check(r).has_value());
  r.e_bit = false;
  CHECK(u.check(r).error() == UmmuFault::Exclusive); // the entry refuses
}

TEST_CASE("UMMU: token rotation through the secondary value", "[ta][ummu]") {
  Ummu u = segment();
  // The Home installs B as secondary; holders of A and B both pass; then B becomes primary and A
  // is dropped (§11.4.4).
  REQUIRE(u.set_token_values(kEid, kTid, kUba, 0xAA, 0xBB));
  CHECK(u.check(req(kUba, 8, MemAccess::Read, 0xAA)).has_value());
  CHECK(u.check(req(kUba, 8, MemAccess::Read, 0xBB)).has_value());
  REQUIRE(u.set_token_values(kEid, kTid, kUba, 0xBB, 0xBB));
  CHECK(u.check(req(kUba, 8, MemAccess::Read, 0xAA)).error() == UmmuFault::Token);
  CHECK(u.check(req(kUba, 8, MemAccess::Read, 0xBB)).has_value());
  CHECK_FALSE(u.set_token_values(kEid, kTid, kUba + 4, 1, 2).has_value()); // no entry starts there
}

TEST_CASE("UMMU: zero length is not checked and bad set-up calls name the field", "[ta][ummu]") {
  Ummu u = segment();
  UmmuRequest zero = req(0xDEAD'0000, 0, MemAccess::Write, std::nullopt);
  zero.eid = 999; // nothing about it is valid, and nothing is accessed
  CHECK(u.check(zero).has_value());
  struct Bad {
    const char* what;
    Status s;
    std::string_view field;
  };
  PermissionEntry inverted{};
  inverted.base = 10;
  inverted.limit = 5;
  PermissionEntry reserved{};
  reserved.perm = 0x08;
  PermissionEntry overlap{};
  overlap.base = kUba + 0x7000;
  overlap.limit = kUba + 0x8FFF;
  const Bad cases[] = {
      {"entity twice", u.add_entity(kEid), "eid"},
      {"context for an unknown entity", u.add_token_context(7, 1), "eid"},
      {"TokenID above 20 bits", u.add_token_context(kEid, 1U << 20), "token_id"},
      {"context twice", u.add_token_context(kEid, kTid), "token_id"},
      {"map without a context", u.map(kEid, 5, 0, 16, 0), "token_id"},
      {"empty mapping", u.map(kEid, kTid, 0, 0, 0), "size"},
      {"mapping past 2^64", u.map(kEid, kTid, ~std::uint64_t{0}, 2, 0), "size"},
      {"overlapping mapping", u.map(kEid, kTid, kUba + 0xFFFF, 16, 0), "uba"},
      {"overlapping mapping below", u.map(kEid, kTid, kUba - 8, 16, 0), "uba"},
      {"limit below base", u.add_permission(kEid, kTid, inverted), "limit"},
      {"reserved permission bits", u.add_permission(kEid, kTid, reserved), "perm"},
      {"overlapping entry", u.add_permission(kEid, kTid, overlap), "base"},
  };
  for (const Bad& b : cases) {
    CAPTURE(b.what);
    REQUIRE_FALSE(b.s.has_value());
    CHECK(b.s.error().field == b.field);
    CHECK(b.s.error().header == "UMMU");
  }
  CHECK(u.map(kEid, kTid, kUba + 0x10000, 16, 0).has_value()); // adjacent is fine
}

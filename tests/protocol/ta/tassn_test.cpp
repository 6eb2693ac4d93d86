// TASSN arithmetic (16 bits, wrap), TAACK coalescing coverage (N..N+k, k <= 31) and a stream's
// outstanding window. UB-Base-2.0 Table 7-1, Table 7-3, §7.3.1.1.
#include <catch2/catch.hpp>

#include "protocol/ta/tassn.hpp"

using namespace ub::ta;

TEST_CASE("TASSN arithmetic wraps at 2^16", "[ta][tassn]") {
  CHECK(tassn_add(0xFFFF, 1) == 0);
  CHECK(tassn_add(0xFFF0, 0x20) == 0x10);
  CHECK(tassn_dist(0x10, 0xFFF0) == 0x20);
  CHECK(tassn_before(0xFFF0, 0x10));
  CHECK_FALSE(tassn_before(0x10, 0xFFF0));
  CHECK_FALSE(tassn_before(5, 5));
  CHECK(tassn_before(0, 0x7FFF));
  CHECK_FALSE(tassn_before(0, 0x8000)); // half the space away: not "before"
}

TEST_CASE("A coalesced TAACK answers N..N+k, across the wrap", "[ta][tassn]") {
  // The spec's example: INI_TASSN N with RSPINFO 9 answers ten requests.
  int covered = 0;
  for (std::uint32_t t = 0; t < 0x10000; ++t) {
    covered += taack_covers(100, 9, static_cast<std::uint16_t>(t)) ? 1 : 0;
  }
  CHECK(covered == 10);
  CHECK(taack_covers(0xFFFE, 3, 0xFFFE));
  CHECK(taack_covers(0xFFFE, 3, 0x0001));
  CHECK_FALSE(taack_covers(0xFFFE, 3, 0x0002));
  CHECK_FALSE(taack_covers(0xFFFE, 3, 0xFFFD));
  CHECK(taack_covers(7, 0, 7));
  CHECK_FALSE(taack_covers(7, 0, 8));
}

TEST_CASE("A TASSN stream keeps at most the window outstanding", "[ta][tassn]") {
  TassnStream s(0xFFF0); // starts near the wrap
  for (std::uint32_t i = 0; i < kTassnWindow; ++i) {
    REQUIRE(s.can_issue());
    CHECK(s.issue() == tassn_add(0xFFF0, i));
  }
  CHECK_FALSE(s.can_issue());
  CHECK(s.outstanding() == kTassnWindow);
  s.retire_through(tassn_add(0xFFF0, 9)); // ten done
  CHECK(s.outstanding() == kTassnWindow - 10);
  CHECK(s.can_issue());
  s.retire_through(0xFFF0); // stale: behind the oldest, nothing moves
  CHECK(s.outstanding() == kTassnWindow - 10);
  s.retire_through(tassn_add(s.next(), 5)); // not yet issued: ignored
  CHECK(s.outstanding() == kTassnWindow - 10);
  s.retire_through(tassn_add(s.next(), 0xFFFF)); // the newest: everything done
  CHECK(s.outstanding() == 0);
  CHECK(s.oldest() == s.next());
}

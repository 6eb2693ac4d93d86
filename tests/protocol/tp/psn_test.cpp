// PSN arithmetic and receive classification. UB-Base-2.0 §6.4.1.
#include <catch2/catch.hpp>

#include "protocol/tp/psn.hpp"

using namespace ub::tp;

TEST_CASE("PSN arithmetic wraps at 2^24", "[tp][psn]") {
  CHECK(psn_next(0xFFFFFF) == 0);
  CHECK(psn_add(0xFFFFF0, 0x20) == 0x10);
  CHECK(psn_dist(0x10, 0xFFFFF0) == 0x20);
  CHECK(psn_dist(5, 5) == 0);
  CHECK(psn_before(0xFFFFFF, 0));
  CHECK_FALSE(psn_before(0, 0xFFFFFF));
  CHECK_FALSE(psn_before(7, 7));
  // 2^23 - 1 ahead is still "after"; 2^23 is ambiguous and counts as neither.
  CHECK(psn_before(100, psn_add(100, kPsnHalf - 1)));
  CHECK_FALSE(psn_before(100, psn_add(100, kPsnHalf)));
  CHECK_FALSE(psn_before(psn_add(100, kPsnHalf), 100));
}

TEST_CASE("PSN classification follows Fig. 6-16 at and across the wrap", "[tp][psn]") {
  for (const std::uint32_t epsn : {0U, 1000U, 0xFFFFFFU, 0xFFFF80U}) {
    CAPTURE(epsn);
    CHECK(classify_psn(epsn, epsn, 256) == PsnClass::InOrder);
    CHECK(classify_psn(psn_add(epsn, 1), epsn, 256) == PsnClass::InWindow);
    CHECK(classify_psn(psn_add(epsn, 256), epsn, 256) == PsnClass::InWindow);
    CHECK(classify_psn(psn_add(epsn, 257), epsn, 256) == PsnClass::Invalid);
    CHECK(classify_psn(psn_add(epsn, kPsnHalf - 1), epsn, 256) == PsnClass::Invalid);
    CHECK(classify_psn(psn_add(epsn, kPsnHalf), epsn, 256) == PsnClass::Duplicate);
    CHECK(classify_psn(psn_add(epsn, kPsnMask), epsn, 256) == PsnClass::Duplicate); // EPSN - 1
  }
  CHECK(is_ooo_window(128));
  CHECK(is_ooo_window(2048));
  CHECK_FALSE(is_ooo_window(100));
  CHECK_FALSE(is_ooo_window(4096));
}

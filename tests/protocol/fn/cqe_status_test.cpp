// Completion statuses: the table is indexed by the enum, and each A-class error of Table 10-12
// carries its hardware status/sub-status pair and its URMA code, both unique.
#include <set>

#include <catch2/catch.hpp>

#include "protocol/fn/cqe_status.hpp"

using namespace ub::fn;

TEST_CASE("CQE status table: indexed by the enum, codes unique both ways", "[fn][cqe]") {
  std::set<int> hw, urma;
  for (std::size_t i = 0; i < std::size(kCqeStatusTable); ++i) {
    const auto& e = kCqeStatusTable[i];
    CAPTURE(e.name);
    CHECK(static_cast<std::size_t>(e.status) == i);
    CHECK(&info(e.status) == &e);
    CHECK(hw.insert(e.hw_status * 16 + e.hw_sub).second);
    CHECK(urma.insert(e.urma).second);
    CHECK(from_urma(e.urma) == e.status);
  }
  // Table 10-12 spot checks: A.3.2 Remote Access Abort is hardware 0x03/2, URMA 8; A.5 is 0x05,
  // URMA 9 (ACK_TIMEOUT_ERR); A.4 is 0x04, URMA 10.
  CHECK(info(CqeStatus::RemoteAccessAbort).spec == "A.3.2");
  CHECK(info(CqeStatus::RemoteAccessAbort).hw_status == 0x03);
  CHECK(info(CqeStatus::RemoteAccessAbort).hw_sub == 2);
  CHECK(info(CqeStatus::RemoteAccessAbort).urma == 8);
  CHECK(info(CqeStatus::TransactionAckTimeout).urma == 9);
  CHECK(info(CqeStatus::TransactionRetryExceeded).hw_status == 0x04);
  CHECK_FALSE(from_urma(12).has_value());
}

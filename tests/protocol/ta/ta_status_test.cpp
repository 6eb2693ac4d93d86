// Transaction outcomes (Table 7-3, Table 6-2, §7.3.1.1): every RSPST / compact Status / TP-ACK
// status maps to done, retry after RNR_Timeout or a final completion error; UMMU refusals map to
// the Target's answer, and that answer classifies back to the right outcome.
#include <catch2/catch.hpp>

#include "protocol/ta/ta_status.hpp"

using namespace ub;
using namespace ub::ta;
using fn::CqeStatus;

namespace {

CqeStatus failed(const TaOutcome& o) {
  REQUIRE(std::holds_alternative<Fail>(o));
  return std::get<Fail>(o).status;
}

} // namespace

TEST_CASE("ATAH RSPST: done, retried after RNR_Timeout, or a final error", "[ta][status]") {
  const auto ok = classify_atah(0b000, 9);
  REQUIRE(std::holds_alternative<Done>(ok));
  CHECK(std::get<Done>(ok).persisted);
  CHECK(std::get<Done>(ok).coalesced == 9); // a TAACK for N answers N..N+9
  const auto accepted = classify_atah(0b101, 0);
  REQUIRE(std::holds_alternative<Done>(accepted));
  CHECK_FALSE(std::get<Done>(accepted).persisted);
  for (const std::uint8_t st : {std::uint8_t{0b001}, std::uint8_t{0b010}}) {
    const auto r = classify_atah(st, 4);
    REQUIRE(std::holds_alternative<Retry>(r));
    CHECK(std::get<Retry>(r).after == Time{32'000'000}); // 2 us x 2^4
  }
  CHECK(std::get<Retry>(classify_atah(0b001, 25)).after == tp::rnr_timeout(19)); // reserved
  CHECK(failed(classify_atah(0b011, 0b00001)) == CqeStatus::RemoteUnsupportedRequest);
  CHECK(failed(classify_atah(0b011, 0b00010)) == CqeStatus::RemoteAccessAbort);
  for (const std::uint8_t st : {std::uint8_t{0b100}, std::uint8_t{0b110}, std::uint8_t{0b111}}) {
    CHECK(failed(classify_atah(st, 0)) == CqeStatus::RemoteAccessAbort);
  }
}

TEST_CASE("Compact Status and TP-ACK statuses classify like the ATAH", "[ta][status]") {
  CHECK(std::holds_alternative<Done>(classify_compact(0b00)));
  CHECK(failed(classify_compact(0b01)) == CqeStatus::RemoteAccessAbort);
  CHECK(failed(classify_compact(0b11)) == CqeStatus::RemoteAccessAbort);
  using K = tp::TaStatusKind;
  CHECK(std::holds_alternative<Done>(classify_tp_status({K::Ok, 0})));
  CHECK(std::get<Retry>(classify_tp_status({K::AbnormalRetryable, 0})).after ==
        kAbnormalRetryDelay);
  CHECK(std::get<Retry>(classify_tp_status({K::ReceiverNotReady, 3})).after == Time{16'000'000});
  CHECK(std::get<Retry>(classify_tp_status({K::PageFault, 0})).after == Time{2'000'000});
  CHECK(failed(classify_tp_status({K::AbnormalUnrecoverable, 0})) == CqeStatus::RemoteAccessAbort);
  CHECK(failed(classify_tp_status({K::UnsupportedRequest, 0})) ==
        CqeStatus::RemoteUnsupportedRequest);
  CHECK(failed(classify_tp_status({K::RemoteAbort, 0})) == CqeStatus::RemoteAccessAbort);
}

TEST_CASE("A UMMU refusal becomes the Target's answer and classifies back", "[ta][status]") {
  const TaAnswer pf = answer_for(UmmuFault::PageFault, 5);
  CHECK(pf.rspst == 0b010);
  CHECK(pf.rspinfo == 5);
  CHECK(std::get<Retry>(classify_atah(pf.rspst, pf.rspinfo)).after == tp::rnr_timeout(5));
  CHECK(answer_for(UmmuFault::PageFault, 30).rspinfo == 19);
  for (const UmmuFault f : {UmmuFault::EntityConfig, UmmuFault::TokenContext, UmmuFault::Exclusive,
                            UmmuFault::Translation, UmmuFault::Permission, UmmuFault::Token}) {
    CAPTURE(to_string(f));
    const TaAnswer a = answer_for(f);
    CHECK(a.rspst == 0b011);
    CHECK(a.rspinfo == 0b00010);
    // Never retried: a bad token or permission is final (§7.3.1.1).
    CHECK(failed(classify_atah(a.rspst, a.rspinfo)) == CqeStatus::RemoteAccessAbort);
  }
}

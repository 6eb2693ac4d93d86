#include <array>
#include <cstdint>
#include <optional>
#include <set>
#include <string_view>

#include <catch2/catch.hpp>

#include "protocol/ta/ta_opcode.hpp"

using namespace ub;
using namespace ub::ta;

namespace {

// Table 7-1 (UB 2.0.1), spelled as the spec spells it; written out here, not taken from the
// table under test.
struct Expected {
  int code;
  std::string_view name;
  TaShape shape;
};
constexpr std::array<Expected, 23> kSpec{{
    {0x00, "Send", TaShape::SendLike},
    {0x01, "Send_with_immediate", TaShape::SendImmediate},
    {0x03, "Write", TaShape::WriteLike},
    {0x04, "Write_with_immediate", TaShape::WriteImmediate},
    {0x05, "Write_with_notify", TaShape::WriteNotify},
    {0x06, "Read", TaShape::ReadRequest},
    {0x07, "Atomic_compare_swap", TaShape::AtomicRequest},
    {0x08, "Atomic_swap", TaShape::AtomicRequest},
    {0x09, "Atomic_store", TaShape::AtomicRequest},
    {0x0A, "Atomic_load", TaShape::AtomicRequest},
    {0x0B, "Atomic_fetch_add", TaShape::AtomicRequest},
    {0x0C, "Atomic_fetch_sub", TaShape::AtomicRequest},
    {0x0D, "Atomic_fetch_and", TaShape::AtomicRequest},
    {0x0E, "Atomic_fetch_or", TaShape::AtomicRequest},
    {0x0F, "Atomic_fetch_xor", TaShape::AtomicRequest},
    {0x10, "Management", TaShape::Management},
    {0x11, "Transaction_ACK", TaShape::Ack},
    {0x12, "Read_response", TaShape::ReadResponse},
    {0x13, "Atomic_response", TaShape::AtomicResponse},
    {0x14, "Write_with_be", TaShape::WriteBe},
    {0x15, "Prefetch_tgt", TaShape::Prefetch},
    {0x17, "Writeback", TaShape::WriteLike},
    {0x18, "Writeback_with_be", TaShape::WriteBe},
}};

const Expected* spec_row(int code) {
  for (const auto& row : kSpec) {
    if (row.code == code) {
      return &row;
    }
  }
  return nullptr;
}

} // namespace

TEST_CASE("TAOpcode: every code 0x00..0xFF classified", "[ta][ta_opcode][spec:§7.2.1]") {
  int defined = 0;
  for (int op = 0; op < 256; ++op) {
    INFO("TAOpcode 0x" << std::hex << op);
    const auto info = ta_opcode_info(static_cast<std::uint8_t>(op));
    const bool reserved = op == 0x02 || op == 0x16 || op >= 0x19;
    const bool response = op >= 0x11 && op <= 0x13;
    const bool compact = op == 0x03 || (op >= 0x06 && op <= 0x0F) || (op >= 0x11 && op <= 0x15) ||
                         op == 0x17 || op == 0x18;
    if (reserved) {
      CHECK_FALSE(info.has_value());
      CHECK(spec_row(op) == nullptr);
      continue;
    }
    REQUIRE(info.has_value());
    ++defined;
    const Expected* row = spec_row(op);
    REQUIRE(row != nullptr);
    CHECK(static_cast<int>(info->op) == op);
    CHECK(info->name == row->name);
    CHECK(info->shape == row->shape);
    CHECK(info->response == response);
    CHECK(info->compact_allowed == compact);
    CHECK(is_atomic_request(static_cast<std::uint8_t>(op)) == (op >= 0x07 && op <= 0x0F));
  }
  CHECK(defined == 23);
  for (int op = 0x10; op < 256; ++op) {
    CHECK_FALSE(is_atomic_request(static_cast<std::uint8_t>(op)));
  }
}

TEST_CASE("TAOpcode table rows are unique and in code order", "[ta][ta_opcode][spec:§7.2.1]") {
  std::set<int> codes;
  std::set<std::string_view> names;
  int prev = -1;
  for (const auto& row : kTaOpcodeTable) {
    const int code = static_cast<int>(row.op);
    CHECK(code > prev);
    prev = code;
    codes.insert(code);
    names.insert(row.name);
  }
  CHECK(codes.size() == kTaOpcodeTable.size());
  CHECK(names.size() == kTaOpcodeTable.size());
  // Enumerator values are the wire codes.
  CHECK(static_cast<int>(TaOpcode::Send) == 0x00);
  CHECK(static_cast<int>(TaOpcode::Write) == 0x03);
  CHECK(static_cast<int>(TaOpcode::Read) == 0x06);
  CHECK(static_cast<int>(TaOpcode::AtomicFetchXor) == 0x0F);
  CHECK(static_cast<int>(TaOpcode::Management) == 0x10);
  CHECK(static_cast<int>(TaOpcode::TransactionAck) == 0x11);
  CHECK(static_cast<int>(TaOpcode::PrefetchTgt) == 0x15);
  CHECK(static_cast<int>(TaOpcode::Writeback) == 0x17);
  CHECK(static_cast<int>(TaOpcode::WritebackWithBe) == 0x18);
}

TEST_CASE("Atomic_store / Atomic_load sub-operation codes", "[ta][ta_opcode][spec:§7.4.2.3.2]") {
  // ADD, CLR, EOR, SET, SMAX, SMIN, UMAX, UMIN = 0..7 (the ARMv8.1 LSE order; ambiguity A7).
  CHECK(atomic_subop::kAdd == 0);
  CHECK(atomic_subop::kClr == 1);
  CHECK(atomic_subop::kEor == 2);
  CHECK(atomic_subop::kSet == 3);
  CHECK(atomic_subop::kSmax == 4);
  CHECK(atomic_subop::kSmin == 5);
  CHECK(atomic_subop::kUmax == 6);
  CHECK(atomic_subop::kUmin == 7);
}

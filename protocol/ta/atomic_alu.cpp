#include "protocol/ta/atomic_alu.hpp"

#include <algorithm>

namespace ub::ta {

namespace {

using Bytes = std::span<Byte>;
using CBytes = std::span<const Byte>;

// Little-endian n-byte arithmetic, wrapping modulo 2^(8n).
void add_le(Bytes m, CBytes a) {
  unsigned carry = 0;
  for (std::size_t i = 0; i < m.size(); ++i) {
    const unsigned s = unsigned{m[i]} + unsigned{a[i]} + carry;
    m[i] = static_cast<Byte>(s & 0xFFU);
    carry = s >> 8;
  }
}

void sub_le(Bytes m, CBytes a) {
  int borrow = 0;
  for (std::size_t i = 0; i < m.size(); ++i) {
    int d = int{m[i]} - int{a[i]} - borrow;
    borrow = d < 0 ? 1 : 0;
    if (d < 0) {
      d += 256;
    }
    m[i] = static_cast<Byte>(d);
  }
}

// -1, 0, 1 as unsigned a < b, a == b, a > b (most significant byte last).
int compare_unsigned(CBytes a, CBytes b) {
  for (std::size_t i = a.size(); i-- > 0;) {
    const auto x = a[i];
    const auto y = b[i];
    if (x != y) {
      return x < y ? -1 : 1;
    }
  }
  return 0;
}

int compare_signed(CBytes a, CBytes b) {
  const bool na = (unsigned{a.back()} & 0x80U) != 0;
  const bool nb = (unsigned{b.back()} & 0x80U) != 0;
  if (na != nb) {
    return na ? -1 : 1;
  }
  return compare_unsigned(a, b); // same sign: two's complement orders like unsigned
}

template <class F>
void bytewise(Bytes m, CBytes a, F f) {
  for (std::size_t i = 0; i < m.size(); ++i) {
    m[i] = f(m[i], a[i]);
  }
}

void apply_subop(std::uint8_t f, Bytes m, CBytes op) {
  switch (f) {
  case atomic_subop::kAdd:
    add_le(m, op);
    break;
  case atomic_subop::kClr:
    bytewise(m, op, [](Byte x, Byte y) { return static_cast<Byte>(x & ~y); });
    break;
  case atomic_subop::kEor:
    bytewise(m, op, [](Byte x, Byte y) { return static_cast<Byte>(x ^ y); });
    break;
  case atomic_subop::kSet:
    bytewise(m, op, [](Byte x, Byte y) { return static_cast<Byte>(x | y); });
    break;
  case atomic_subop::kSmax:
    if (compare_signed(op, m) > 0) {
      std::copy(op.begin(), op.end(), m.begin());
    }
    break;
  case atomic_subop::kSmin:
    if (compare_signed(op, m) < 0) {
      std::copy(op.begin(), op.end(), m.begin());
    }
    break;
  case atomic_subop::kUmax:
    if (compare_unsigned(op, m) > 0) {
      std::copy(op.begin(), op.end(), m.begin());
    }
    break;
  case atomic_subop::kUmin:
    if (compare_unsigned(op, m) < 0) {
      std::copy(op.begin(), op.end(), m.begin());
    }
    break;
  default:
    break; // reserved codes are refused before
  }
}

} // namespace

Result<std::vector<Byte>> apply_atomic(TaOpcode op, std::span<Byte> mem,
                                       std::span<const Byte> payload,
                                       std::optional<std::uint8_t> subop,
                                       std::optional<std::uint64_t> address) {
  auto bad = [](std::string_view field, std::string_view why, std::uint64_t v) {
    return make_unexpected(
        Error{Errc::NotAllowed, 0, "Atomic", field, why, "§7.4.2.3"}.with_value(v));
  };
  const auto code = static_cast<std::uint8_t>(op);
  if (!is_atomic_request(code)) {
    return bad("TAOpcode", "not an atomic operation (0x07..0x0F)", code);
  }
  const std::size_t n = mem.size();
  if (!is_atomic_size(n)) {
    return bad("Length", "operand size must be 1, 2, 4, 8, 16, 32 or 64 bytes", n);
  }
  if (address && (*address % n) != 0) {
    return bad("Address", "must be aligned to the operand size (§7.2.3)", *address);
  }
  if (payload.size() != 2 * n) {
    return bad("payload", "must be Operand1 and Operand2, the operand size each", payload.size());
  }
  const CBytes op1 = payload.first(n);
  const CBytes op2 = payload.subspan(n, n);
  std::uint8_t f = 0;
  if (op == TaOpcode::AtomicStore || op == TaOpcode::AtomicLoad) {
    if (!subop) {
      return bad("UD", "Atomic_store and Atomic_load need a sub-operation in UD[23:20]", 0);
    }
    if (*subop > 7) {
      return bad("UD", "sub-operations 8..15 are reserved (§7.2.11)", *subop);
    }
    f = *subop;
  }
  std::vector<Byte> old(mem.begin(), mem.end());
  switch (op) {
  case TaOpcode::AtomicCompareSwap:
    if (compare_unsigned(mem, op2) == 0) {
      std::copy(op1.begin(), op1.end(), mem.begin());
    }
    break;
  case TaOpcode::AtomicSwap:
    std::copy(op1.begin(), op1.end(), mem.begin());
    break;
  case TaOpcode::AtomicStore:
  case TaOpcode::AtomicLoad:
    apply_subop(f, mem, op1);
    break;
  case TaOpcode::AtomicFetchAdd:
    add_le(mem, op1);
    break;
  case TaOpcode::AtomicFetchSub:
    sub_le(mem, op1);
    break;
  case TaOpcode::AtomicFetchAnd:
    bytewise(mem, op1, [](Byte x, Byte y) { return static_cast<Byte>(x & y); });
    break;
  case TaOpcode::AtomicFetchOr:
    bytewise(mem, op1, [](Byte x, Byte y) { return static_cast<Byte>(x | y); });
    break;
  case TaOpcode::AtomicFetchXor:
    bytewise(mem, op1, [](Byte x, Byte y) { return static_cast<Byte>(x ^ y); });
    break;
  case TaOpcode::Send:
  case TaOpcode::SendWithImmediate:
  case TaOpcode::Write:
  case TaOpcode::WriteWithImmediate:
  case TaOpcode::WriteWithNotify:
  case TaOpcode::Read:
  case TaOpcode::Management:
  case TaOpcode::TransactionAck:
  case TaOpcode::ReadResponse:
  case TaOpcode::AtomicResponse:
  case TaOpcode::WriteWithBe:
  case TaOpcode::PrefetchTgt:
  case TaOpcode::Writeback:
  case TaOpcode::WritebackWithBe:
    return bad("TAOpcode", "not an atomic operation (0x07..0x0F)", code);
  }
  if (op == TaOpcode::AtomicStore) {
    old.clear(); // Atomic_store's response carries no payload
  }
  return old;
}

} // namespace ub::ta

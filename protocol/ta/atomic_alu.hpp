#pragma once
// What an atomic transaction does to target memory. UB-Base-2.0 §7.4.2.3 (Table 7-16), §7.2.3
// (alignment), §7.2.11 (UDETAH UD[23:20], the Atomic_store / Atomic_load sub-operation), §7.2.13
// (byte order).
//
// The operand is n = MAETAH.Length bytes, n in {1, 2, 4, 8, 16, 32, 64}; the request payload is
// Operand1 then Operand2, n bytes each (Operand2 present even when unused); memory, operands and
// the returned value are little-endian (byte 0 = bits 7:0). Arithmetic wraps modulo 2^(8n)
// (MODEL for n >= 16: the spec does not say how a 128..512-bit add carries; whole-width
// wrap-around is the natural reading). SMAX/SMIN compare two's-complement values of 8n bits.
//
//   compare_swap  M = (M == Operand2) ? Operand1 : M    returns the old M
//   swap          M = Operand1                          returns the old M
//   store         M = f(M, Operand1)                    returns nothing
//   load          M = f(M, Operand1)                    returns the old M
//   fetch_add/sub/and/or/xor   M = M op Operand1        returns the old M
// f = UD[23:20] (ta_opcode.hpp atomic_subop::k*): 0 ADD, 1 CLR (M & ~op), 2 EOR, 3 SET (M | op),
// 4 SMAX, 5 SMIN, 6 UMAX, 7 UMIN; 8..15 reserved. Store and load without a sub-operation (no
// UDETAH) are refused (MODEL).
//
// Pure: the caller owns the memory bytes and executes the operation once, atomically.

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "protocol/common/bits.hpp"
#include "protocol/common/error.hpp"
#include "protocol/ta/ta_opcode.hpp"

namespace ub::ta {

// Whether n is a legal atomic operand size (§7.4.2.3).
[[nodiscard]] constexpr bool is_atomic_size(std::size_t n) noexcept {
  return n == 1 || n == 2 || n == 4 || n == 8 || n == 16 || n == 32 || n == 64;
}

// Executes `op` on `mem` (n bytes, n = mem.size()) with the request `payload` (2n bytes) and the
// sub-operation code (UD[23:20]) for store and load. Returns the bytes the Atomic_response carries
// (the old value, n bytes; empty for Atomic_store). On an Error (header "Atomic", naming the
// field: TAOpcode, Length, payload, UD) `mem` is untouched: a target answers Unsupported Request.
// `address` is checked for alignment to n (§7.2.3) when given.
[[nodiscard]] Result<std::vector<Byte>> apply_atomic(TaOpcode op, std::span<Byte> mem,
                                                     std::span<const Byte> payload,
                                                     std::optional<std::uint8_t> subop,
                                                     std::optional<std::uint64_t> address = {});

} // namespace ub::ta

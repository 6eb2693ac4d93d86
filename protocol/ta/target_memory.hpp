#pragma once
// A Target's physical memory, as the transaction layer executes on it: a sparse byte store keyed
// by physical address, in 4 KiB pages created zero-filled on first touch (MODEL). Each call is one
// execution, atomic with respect to every other call (a Target executes one slice packet at a
// time; an atomic is indivisible, UB-Base-2.0 §7.4.2.3). Whether an address may be touched at all
// is the UMMU's business (ummu.hpp), decided before any call here.

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "protocol/common/bits.hpp"
#include "protocol/common/error.hpp"
#include "protocol/ta/atomic_alu.hpp"

namespace ub::ta {

class TargetMemory {
public:
  static constexpr std::uint64_t kPageBytes = 4096;

  // Copies `out.size()` bytes from `pa` (untouched memory reads as zero).
  void read(std::uint64_t pa, std::span<Byte> out);
  [[nodiscard]] std::vector<Byte> read(std::uint64_t pa, std::size_t len);
  void write(std::uint64_t pa, std::span<const Byte> data);
  // One atomic on the n = `size` bytes at `pa` (apply_atomic's rules; the address must be
  // aligned to n, so the operand never crosses a page). Returns the response payload.
  [[nodiscard]] Result<std::vector<Byte>> atomic(TaOpcode op, std::uint64_t pa, std::size_t size,
                                                 std::span<const Byte> payload,
                                                 std::optional<std::uint8_t> subop);
  // Pages touched so far.
  [[nodiscard]] std::size_t pages() const noexcept { return pages_.size(); }

private:
  using Page = std::array<Byte, kPageBytes>;
  Page& page(std::uint64_t number);

  std::map<std::uint64_t, std::unique_ptr<Page>> pages_;
};

} // namespace ub::ta

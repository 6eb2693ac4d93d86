#pragma once
// A Target's physical memory, as the transaction layer executes on it: a sparse byte store keyed
// by physical address, in 4 KiB pages created zero-filled on first touch (MODEL). Each call is one
// execution, atomic with respect to every other call (a Target executes one slice packet at a
// time; an atomic is indivisible, UB-Base-2.0 §7.4.2.3). Whether an address may be touched at all
// is the UMMU's business (ummu.hpp), decided before any call here.

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <unordered_map>
#include <utility>
#include <vector>

#include "protocol/common/bits.hpp"
#include "protocol/common/error.hpp"
#include "protocol/ta/atomic_alu.hpp"

namespace ub::ta {

class TargetMemory {
public:
  static constexpr std::uint64_t kPageBytes = 4096;

  TargetMemory() = default;
  // A move leaves the source empty, without remembered pages.
  TargetMemory(TargetMemory&& o) noexcept
      : pages_(std::move(o.pages_)), recent_(o.recent_), recent_next_(o.recent_next_) {
    o.pages_.clear();
    o.forget();
  }
  TargetMemory& operator=(TargetMemory&& o) noexcept {
    pages_ = std::move(o.pages_);
    recent_ = o.recent_;
    recent_next_ = o.recent_next_;
    o.pages_.clear();
    o.forget();
    return *this;
  }
  TargetMemory(const TargetMemory&) = delete;
  TargetMemory& operator=(const TargetMemory&) = delete;
  ~TargetMemory() = default;

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
  Page* find(std::uint64_t number);

  void remember(std::uint64_t number, Page* p) noexcept;
  void forget() noexcept { recent_ = {}; }

  // Hashed, with the last two pages looked up remembered: an execution touches its pages a few
  // times in a row (its "before", the write, its "after"), and a packet often straddles two.
  // Pages are never freed, so the pointers stay valid.
  struct Recent {
    std::uint64_t number = 0;
    Page* page = nullptr;
  };
  std::unordered_map<std::uint64_t, std::unique_ptr<Page>> pages_;
  std::array<Recent, 2> recent_{};
  unsigned recent_next_ = 0;
};

} // namespace ub::ta

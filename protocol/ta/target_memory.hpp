#pragma once
// A Target's physical memory, as the transaction layer executes on it: a sparse byte store keyed
// by physical address, in 4 KiB pages created zero-filled on first touch (MODEL). Each call is one
// execution, atomic with respect to every other call (a Target executes one slice packet at a
// time; an atomic is indivisible, UB-Base-2.0 §7.4.2.3). Whether an address may be touched at all
// is the UMMU's business (ummu.hpp), decided before any call here.
//
// A page that one write covers whole, from bytes held in a shared buffer (write_shared: the
// received packet), refers to those bytes instead of copying them: a large fabric writes much of
// its memory once, and every fresh page costs the kernel's clearing as well as the copy (MODEL;
// not visible to a reader). Any other access to such a page gives it its own bytes first. Each
// such page keeps one packet's buffer alive, no more.

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
#include "protocol/common/shared_bytes.hpp"
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
  // write(pa, data.view()), keeping a reference to `data` for every page it covers whole.
  void write_shared(std::uint64_t pa, const SharedBytes& data);
  // One atomic on the n = `size` bytes at `pa` (apply_atomic's rules; the address must be
  // aligned to n, so the operand never crosses a page). Returns the response payload.
  [[nodiscard]] Result<std::vector<Byte>> atomic(TaOpcode op, std::uint64_t pa, std::size_t size,
                                                 std::span<const Byte> payload,
                                                 std::optional<std::uint8_t> subop);
  // The bytes at [pa, pa + len) held rather than copied, when they lie in one page that refers
  // to a shared buffer (write_shared) or is untouched (a page of zeros); otherwise empty. They
  // stay as they are while held: a later write gives the page other bytes or its own copy, never
  // changes the shared buffer.
  [[nodiscard]] SharedBytes shared_range(std::uint64_t pa, std::size_t len);
  // Pages touched so far.
  [[nodiscard]] std::size_t pages() const noexcept { return pages_.size(); }
  // Of those, the pages that refer to a shared buffer (write_shared) rather than hold a copy.
  [[nodiscard]] std::size_t shared_pages() const noexcept;

private:
  using Page = std::array<Byte, kPageBytes>;
  // A touched page: its own bytes, or (`own` empty) kPageBytes bytes of a shared buffer.
  struct Slot {
    std::unique_ptr<Page> own;
    SharedBytes shared;
  };
  // The page's own bytes, made (zero-filled, or from its shared bytes) when it has none.
  Page& page(std::uint64_t number);
  Slot* find(std::uint64_t number);
  Slot& slot(std::uint64_t number);

  void remember(std::uint64_t number, Slot* s) noexcept;
  void forget() noexcept { recent_ = {}; }

  // Hashed, with the last two pages looked up remembered: an execution touches its pages a few
  // times in a row (its "before", the write, its "after"), and a packet often straddles two.
  // Slots are never removed (an unordered_map's elements stay where they are), so the pointers
  // stay valid.
  struct Recent {
    std::uint64_t number = 0;
    Slot* slot = nullptr;
  };
  std::unordered_map<std::uint64_t, Slot> pages_;
  std::array<Recent, 2> recent_{};
  unsigned recent_next_ = 0;
};

} // namespace ub::ta

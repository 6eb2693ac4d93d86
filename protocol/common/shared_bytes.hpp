#pragma once
// ubmodel: bytes that several owners read without copying.
//
// A posted op's data is read by the initiator (to build its packets), by the oracle (to judge
// what the target did with it) and by the RTP send buffer (until the packets are built). A
// SharedBytes is a range of one such buffer with the buffer kept alive, so a megabyte Write
// exists once in memory rather than once per reader. Not a wire format: nothing here appears on
// a link; the codecs still see whole packets.

#include <cstddef>
#include <memory>
#include <span>
#include <vector>

#include "protocol/common/bits.hpp"

namespace ub {

struct SharedBytes {
  std::shared_ptr<const std::vector<Byte>> owner;
  std::size_t offset = 0;
  std::size_t length = 0;

  // The range is inside its owner (an empty range always is).
  [[nodiscard]] bool valid() const noexcept {
    return length == 0 || (owner && offset <= owner->size() && length <= owner->size() - offset);
  }
  // The bytes; empty when the range is empty or not valid().
  [[nodiscard]] std::span<const Byte> view() const noexcept {
    if (length == 0 || !valid()) {
      return {};
    }
    return std::span<const Byte>(*owner).subspan(offset, length);
  }
  [[nodiscard]] bool empty() const noexcept { return length == 0; }
  // The part of this range that `inner` (a subspan of view()) covers, sharing the same owner.
  // An `inner` outside the range gives an empty range.
  [[nodiscard]] SharedBytes narrow(std::span<const Byte> inner) const noexcept {
    const std::span<const Byte> all = view();
    if (inner.empty() || all.empty() || inner.data() < all.data() ||
        inner.data() + inner.size() > all.data() + all.size()) {
      return {};
    }
    return SharedBytes{owner, offset + static_cast<std::size_t>(inner.data() - all.data()),
                       inner.size()};
  }
};

} // namespace ub

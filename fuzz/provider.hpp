#pragma once
// A small FuzzedDataProvider: takes integers and byte runs off the front of the input, and
// returns zeros once it is used up (so every target terminates and consumes its input).

#include <algorithm>
#include <cstdint>
#include <span>

namespace ub::fuzz {

class Provider {
public:
  Provider(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}

  [[nodiscard]] std::size_t remaining() const noexcept { return size_ - pos_; }

  std::uint8_t byte() noexcept { return pos_ < size_ ? data_[pos_++] : 0; }

  std::uint64_t u64() noexcept {
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) {
      v = (v << 8) | byte();
    }
    return v;
  }

  // A value in [0, n) (n > 0).
  std::size_t pick(std::size_t n) noexcept {
    const std::uint32_t v = (std::uint32_t{byte()} << 8) | byte();
    return n == 0 ? 0 : v % n;
  }

  std::span<const std::uint8_t> bytes(std::size_t n) noexcept {
    const std::size_t take = std::min(n, remaining());
    const std::span<const std::uint8_t> out(data_ + pos_, take);
    pos_ += take;
    return out;
  }

private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

} // namespace ub::fuzz

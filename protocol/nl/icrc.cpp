#include "protocol/nl/icrc.hpp"

#include <algorithm>
#include <array>
#include <cstring>

namespace ub::nl {

namespace {

constexpr std::array<std::uint32_t, 256> make_table() {
  std::array<std::uint32_t, 256> t{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) {
      c = (c & 1U) != 0 ? 0xEDB88320U ^ (c >> 1) : c >> 1;
    }
    t[i] = c;
  }
  return t;
}
constexpr std::array<std::uint32_t, 256> kTable = make_table();

// Slicing-by-8 (eight tables, each the previous one advanced by a zero byte): the same CRC,
// eight bytes per step. The fabric simulator checks an ICRC on every delivered packet.
constexpr std::array<std::array<std::uint32_t, 256>, 8> make_slices() {
  std::array<std::array<std::uint32_t, 256>, 8> t{};
  t[0] = make_table();
  for (std::size_t k = 1; k < 8; ++k) {
    for (std::size_t i = 0; i < 256; ++i) {
      t[k][i] = (t[k - 1][i] >> 8) ^ t[0][t[k - 1][i] & 0xFF];
    }
  }
  return t;
}
constexpr auto kSlices = make_slices();

// 64 zero bytes move the (inverted) CRC register by a fixed linear map; applied byte-wise from
// four tables. Payloads are often long runs of zeros (padding, zero-filled buffers): such a run
// then costs four lookups per 64 bytes.
constexpr std::uint32_t kZeroRun = 64;
constexpr std::uint32_t advance_zeros(std::uint32_t c) {
  for (std::uint32_t i = 0; i < kZeroRun; ++i) {
    c = kTable[c & 0xFF] ^ (c >> 8);
  }
  return c;
}
constexpr std::array<std::array<std::uint32_t, 256>, 4> make_zero_tables() {
  std::array<std::uint32_t, 32> basis{};
  for (std::uint32_t j = 0; j < 32; ++j) {
    basis[j] = advance_zeros(std::uint32_t{1} << j);
  }
  std::array<std::array<std::uint32_t, 256>, 4> z{};
  for (std::uint32_t k = 0; k < 4; ++k) {
    for (std::uint32_t b = 0; b < 256; ++b) {
      std::uint32_t v = 0;
      for (std::uint32_t i = 0; i < 8; ++i) {
        if (((b >> i) & 1U) != 0) {
          v ^= basis[8 * k + i];
        }
      }
      z[k][b] = v;
    }
  }
  return z;
}
constexpr auto kZeros = make_zero_tables();

bool all_zero_64(const Byte* p) noexcept {
  std::uint64_t acc = 0;
  for (unsigned i = 0; i < kZeroRun; i += 8) {
    std::uint64_t w = 0;
    std::memcpy(&w, p + i, 8);
    acc |= w;
  }
  return acc == 0;
}

// Sets `n` bytes (or nibble masks) at `at` to ones in the masked copy, if they are in range.
void mask(std::span<Byte> b, std::size_t at, Byte m = 0xFF) noexcept {
  if (at < b.size()) {
    b[at] = static_cast<Byte>(b[at] | m);
  }
}

} // namespace

std::uint32_t crc32_ieee(std::span<const Byte> bytes, std::uint32_t crc) noexcept {
  std::uint32_t c = ~crc;
  const Byte* p = bytes.data();
  std::size_t n = bytes.size();
  while (n >= 8) {
    if (n >= kZeroRun && p[0] == 0 && all_zero_64(p)) {
      c = kZeros[0][c & 0xFF] ^ kZeros[1][(c >> 8) & 0xFF] ^ kZeros[2][(c >> 16) & 0xFF] ^
          kZeros[3][c >> 24];
      p += kZeroRun;
      n -= kZeroRun;
      continue;
    }
    const std::uint32_t lo = c ^ (std::uint32_t{p[0]} | (std::uint32_t{p[1]} << 8) |
                                  (std::uint32_t{p[2]} << 16) | (std::uint32_t{p[3]} << 24));
    c = kSlices[7][lo & 0xFF] ^ kSlices[6][(lo >> 8) & 0xFF] ^ kSlices[5][(lo >> 16) & 0xFF] ^
        kSlices[4][lo >> 24] ^ kSlices[3][p[4]] ^ kSlices[2][p[5]] ^ kSlices[1][p[6]] ^
        kSlices[0][p[7]];
    p += 8;
    n -= 8;
  }
  for (; n > 0; --n, ++p) {
    c = kTable[(c ^ *p) & 0xFF] ^ (c >> 8);
  }
  return ~c;
}

std::uint32_t compute_icrc(std::uint8_t cfg, std::span<const Byte> net, unsigned ip_version,
                           bool has_udp) noexcept {
  // The masked fields all sit in the first 58 bytes of the covered range; copy that much, mask
  // it, and run the rest unmasked.
  std::array<Byte, 64> head{};
  std::size_t start = 0;
  if (cfg == 3 || cfg == 4) {
    start = 6; // after the UB prefix
  } else if (cfg != 6 && cfg != 7) {
    return 0;
  }
  if (net.size() < start) {
    return 0;
  }
  const auto covered = net.subspan(start);
  const std::size_t n = std::min(covered.size(), head.size());
  std::memcpy(head.data(), covered.data(), n);
  auto h = std::span<Byte>(head.data(), n);
  if (cfg == 6) {
    mask(h, 4);
    mask(h, 5); // CCI
    mask(h, 6); // LBF
  } else if (cfg == 7) {
    mask(h, 6);
    mask(h, 7); // CCI
    mask(h, 8); // LBF
  } else if (ip_version == 6) {
    mask(h, 0, 0x0F); // traffic class [7:4]
    mask(h, 1, 0xFF); // traffic class [3:0] and flow label [19:16]
    mask(h, 2);
    mask(h, 3); // flow label
    mask(h, 7); // hop limit
    if (has_udp) {
      mask(h, 40 + 6);
      mask(h, 40 + 7); // UDP checksum
    }
  } else {
    mask(h, 1); // ToS
    mask(h, 8); // TTL
    mask(h, 10);
    mask(h, 11); // header checksum
    if (has_udp) {
      mask(h, 20 + 6);
      mask(h, 20 + 7);
    }
  }
  const std::uint32_t c = crc32_ieee(h);
  return crc32_ieee(covered.subspan(n), c);
}

} // namespace ub::nl

#include "protocol/dl/frame.hpp"

#include <cstring>

#include "protocol/dl/crc.hpp"

namespace ub::dl {

namespace {

constexpr std::string_view kFrameClause = "§4.3.2";

// Where the payload bytes of flit i sit inside the flit: [begin, end).
struct FlitSpan {
  unsigned begin;
  unsigned end;
};

constexpr FlitSpan payload_span(unsigned i, unsigned flits, BlockMode m) noexcept {
  unsigned begin = 0;
  if (i == 0) {
    begin = 4;
  } else if (i % kMaxBlockFlits == 0) {
    begin = 2;
  }
  return FlitSpan{begin, begin + flit_capacity(i, flits, m)};
}

// The BCRC of one block: computes and compares (check) or writes (store).
// `blk` is the whole block; its last flit holds the trailer.
struct TrailerCheck {
  bool ok = true;
  std::size_t at = 0; // byte offset inside the block of the failing CRC field
};

TrailerCheck check_bcrc(std::span<const Byte> blk, BlockMode m) noexcept {
  const std::size_t tb = trailer_bytes(m);
  const std::size_t crc_at = blk.size() - tb;
  const Byte first = blk[crc_at];
  const std::uint32_t want30 = ((std::uint32_t{first} & 0x3FU) << 24) |
                               (std::uint32_t{blk[crc_at + 1]} << 16) |
                               (std::uint32_t{blk[crc_at + 2]} << 8) | blk[crc_at + 3];
  const auto covered = blk.first(crc_at);
  if (crc30(covered, first, 2) != want30) {
    return TrailerCheck{false, crc_at};
  }
  if (m == BlockMode::Crc62) {
    if (crc32_dl(covered, first, 2) != load_be32(blk.data() + crc_at + 4)) {
      return TrailerCheck{false, crc_at + 4};
    }
  }
  return {};
}

void store_bcrc(std::span<Byte> blk, BlockMode m, bool error_flag) noexcept {
  const std::size_t tb = trailer_bytes(m);
  const std::size_t crc_at = blk.size() - tb;
  const auto first = static_cast<Byte>(error_flag ? 0x40 : 0x00);
  const auto covered = std::span<const Byte>(blk.data(), crc_at);
  const std::uint32_t c30 = crc30(covered, first, 2);
  blk[crc_at] = static_cast<Byte>(first | ((c30 >> 24) & 0x3F));
  blk[crc_at + 1] = static_cast<Byte>(c30 >> 16);
  blk[crc_at + 2] = static_cast<Byte>(c30 >> 8);
  blk[crc_at + 3] = static_cast<Byte>(c30);
  if (m == BlockMode::Crc62) {
    store_be32(blk.data() + crc_at + 4, crc32_dl(covered, first, 2));
  }
}

} // namespace

Result<std::size_t> framed_size(std::size_t payload, BlockMode m) noexcept {
  auto g = geometry_for_payload(payload, m);
  if (!g) {
    return make_unexpected(g.error());
  }
  return std::size_t{g->flits} * kFlitBytes;
}

Result<DataFrame> decode_frame(std::span<const Byte> in, BlockMode m,
                               std::span<Byte> scratch) noexcept {
  auto lph = Codec<Lph>::decode(in);
  if (!lph) {
    return make_unexpected(lph.error());
  }
  auto g = geometry_from_plength(lph->plength, m);
  if (!g) {
    return make_unexpected(g.error());
  }
  const std::size_t total = std::size_t{g->flits} * kFlitBytes;
  if (in.size() < total) {
    return make_unexpected(Error{Errc::Truncated, in.size(), "LPH", "PLENGTH",
                                 "input ends before the flits PLENGTH announces", kFrameClause}
                               .with_value(total));
  }
  if (in.size() > total) {
    return make_unexpected(Error{Errc::TrailingBytes, total, "LPH", "PLENGTH",
                                 "input continues past the flits PLENGTH announces", kFrameClause}
                               .with_value(in.size()));
  }
  DataFrame f{};
  f.lph = *lph;
  f.lbh_count = static_cast<std::uint8_t>(g->blocks - 1U);
  const unsigned flits = g->flits;
  const unsigned tb = trailer_bytes(m);

  // Blocks: LBH, BCRC, ERROR_FLAG.
  for (unsigned b = 0; b < g->blocks; ++b) {
    const unsigned first_flit = b * kMaxBlockFlits;
    const unsigned nflits = b + 1U == g->blocks ? g->last_block_flits : kMaxBlockFlits;
    const auto blk =
        in.subspan(std::size_t{first_flit} * kFlitBytes, std::size_t{nflits} * kFlitBytes);
    if (b > 0) {
      f.lbh[b - 1U] = FixedCodec<Lbh>::unpack(blk.data());
    }
    const bool last_block = b + 1U == g->blocks;
    if (m != BlockMode::NonCrc) {
      if (auto c = check_bcrc(blk, m); !c.ok) {
        return make_unexpected(
            Error{Errc::CrcMismatch, std::size_t{first_flit} * kFlitBytes + c.at, "BCRC",
                  m == BlockMode::Crc62 && c.at + 4 == blk.size() ? "CRC32" : "CRC30",
                  "block CRC does not match its contents", "§4.3.2.2.4"});
      }
      const Byte flags = blk[blk.size() - tb];
      if ((flags & 0x80) != 0) {
        f.canonical = false; // Reserved bit
      }
      if (last_block) {
        f.error_flag = (flags & 0x40) != 0;
      } else if ((flags & 0x40) != 0) {
        f.canonical = false; // ERROR_FLAG counts only in the last block (A15)
      }
    }
  }
  if (m == BlockMode::NonCrc) {
    const Byte end = in[total - 1];
    f.error_flag = (end & 0x40) != 0;
    if ((end & 0xBF) != 0) {
      f.canonical = false;
    }
  }

  // Payload and padding.
  const std::size_t n = g->payload;
  if (g->blocks == 1) {
    f.payload = in.subspan(4, n);
  } else {
    if (scratch.size() < n) {
      return make_unexpected(Error{Errc::BufferTooSmall, 0, "LPH", "PLENGTH",
                                   "scratch buffer too small for a multi-block payload",
                                   kFrameClause}
                                 .with_value(n));
    }
    std::size_t got = 0;
    for (unsigned i = 0; i < flits && got < n; ++i) {
      const FlitSpan s = payload_span(i, flits, m);
      const std::size_t take = std::min<std::size_t>(s.end - s.begin, n - got);
      std::memcpy(scratch.data() + got, in.data() + std::size_t{i} * kFlitBytes + s.begin, take);
      got += take;
    }
    f.payload = scratch.first(n);
  }
  // Padding: the payload positions past byte n.
  std::size_t seen = 0;
  for (unsigned i = 0; i < flits; ++i) {
    const FlitSpan s = payload_span(i, flits, m);
    const std::size_t cap = s.end - s.begin;
    if (seen + cap > n) {
      const std::size_t from = n > seen ? n - seen : 0;
      for (std::size_t k = s.begin + from; k < s.end; ++k) {
        if (in[std::size_t{i} * kFlitBytes + k] != 0) {
          f.canonical = false;
        }
      }
    }
    seen += cap;
  }
  return f;
}

Result<std::size_t> encode_frame(const Lph& lph, std::span<const Lbh> lbhs, bool error_flag,
                                 std::span<const Byte> payload, BlockMode m,
                                 std::span<Byte> out) noexcept {
  auto g = geometry_for_payload(payload.size(), m);
  if (!g) {
    return make_unexpected(g.error());
  }
  if (lbhs.size() > g->blocks - 1U) {
    return make_unexpected(Error{Errc::OutOfRange,
                                 0,
                                 "LBH",
                                 {},
                                 "more LBHs given than the packet has later blocks",
                                 kFrameClause}
                               .with_value(lbhs.size()));
  }
  const std::size_t total = std::size_t{g->flits} * kFlitBytes;
  if (out.size() < total) {
    return make_unexpected(
        Error{Errc::BufferTooSmall, 0, "LPH", {}, "output buffer too small", kFrameClause}
            .with_value(total));
  }
  Lph head = lph;
  head.plength = g->plength;
  if (auto st = Codec<Lph>::validate(head); !st) {
    return make_unexpected(st.error());
  }
  for (const Lbh& l : lbhs) {
    if (auto st = Codec<Lbh>::validate(l); !st) {
      return make_unexpected(st.error());
    }
  }
  std::memset(out.data(), 0, total);
  Codec<Lph>::pack(head, out.data());
  const unsigned flits = g->flits;
  for (unsigned b = 1; b < g->blocks; ++b) {
    Lbh l{};
    if (b - 1U < lbhs.size()) {
      l = lbhs[b - 1U];
    } else {
      l.vl = head.vl;
      l.cfg = head.cfg;
    }
    Codec<Lbh>::pack(l, out.data() + std::size_t{b} * kMaxBlockFlits * kFlitBytes);
  }
  std::size_t put = 0;
  for (unsigned i = 0; i < flits && put < payload.size(); ++i) {
    const FlitSpan s = payload_span(i, flits, m);
    const std::size_t take = std::min<std::size_t>(s.end - s.begin, payload.size() - put);
    std::memcpy(out.data() + std::size_t{i} * kFlitBytes + s.begin, payload.data() + put, take);
    put += take;
  }
  if (m == BlockMode::NonCrc) {
    out[total - 1] = static_cast<Byte>(error_flag ? 0x40 : 0x00);
  } else {
    for (unsigned b = 0; b < g->blocks; ++b) {
      const unsigned nflits = b + 1U == g->blocks ? g->last_block_flits : kMaxBlockFlits;
      auto blk = out.subspan(std::size_t{b} * kMaxBlockFlits * kFlitBytes,
                             std::size_t{nflits} * kFlitBytes);
      store_bcrc(blk, m, error_flag && b + 1U == g->blocks);
    }
  }
  return total;
}

} // namespace ub::dl

namespace ub::dl {

void seal_block(std::span<Byte> block, BlockMode m, bool error_flag) noexcept {
  if (m != BlockMode::NonCrc) {
    store_bcrc(block, m, error_flag);
  }
}

bool block_crc_ok(std::span<const Byte> block, BlockMode m) noexcept {
  return m == BlockMode::NonCrc || check_bcrc(block, m).ok;
}

std::size_t wire_offset(std::size_t n, unsigned flits, BlockMode m) noexcept {
  for (unsigned i = 0; i < flits; ++i) {
    const FlitSpan s = payload_span(i, flits, m);
    const std::size_t cap = s.end - s.begin;
    if (n < cap) {
      return std::size_t{i} * kFlitBytes + s.begin + n;
    }
    n -= cap;
  }
  return std::size_t{flits} * kFlitBytes + n; // past the last payload byte
}

} // namespace ub::dl

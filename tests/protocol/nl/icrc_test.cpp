#include <array>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include "protocol/nl/icrc.hpp"

using namespace ub;
using namespace ub::nl;

namespace {

std::vector<Byte> ramp(std::size_t n, unsigned mul = 1) {
  std::vector<Byte> v(n);
  for (std::size_t i = 0; i < n; ++i) {
    v[i] = static_cast<Byte>((i * mul) & 0xFF);
  }
  return v;
}

std::span<const Byte> as_bytes(std::string_view s) {
  return {reinterpret_cast<const Byte*>(s.data()), s.size()};
}

struct IcrcInput {
  std::uint8_t cfg;
  unsigned ip_version;
  bool has_udp;
};

std::uint32_t icrc_of(const IcrcInput& in, const std::vector<Byte>& net) {
  return compute_icrc(in.cfg, net, in.ip_version, in.has_udp);
}

// Changing byte `at` under `bits` leaves the ICRC alone.
void check_masked(const IcrcInput& in, const std::vector<Byte>& net, std::size_t at,
                  Byte bits = 0xFF) {
  INFO("masked net byte " << at << " bits 0x" << std::hex << unsigned{bits});
  const std::uint32_t base = icrc_of(in, net);
  for (const Byte x : {Byte{0x01}, Byte{0x80}, Byte{0xFF}, Byte{0x5A}}) {
    std::vector<Byte> b = net;
    b[at] = static_cast<Byte>(b[at] ^ (x & bits));
    CHECK(icrc_of(in, b) == base);
  }
}

// Changing byte `at` under `bits` changes the ICRC (a CRC detects every single-byte change).
void check_covered(const IcrcInput& in, const std::vector<Byte>& net, std::size_t at,
                   Byte bits = 0xFF) {
  INFO("covered net byte " << at << " bits 0x" << std::hex << unsigned{bits});
  const std::uint32_t base = icrc_of(in, net);
  std::vector<Byte> b = net;
  b[at] = static_cast<Byte>(b[at] ^ bits);
  CHECK(icrc_of(in, b) != base);
}

} // namespace

TEST_CASE("crc32_ieee is the reflected CRC-32 of IEEE 802.3 / zlib", "[nl][icrc][spec:§5.3.7]") {
  // The standard check value of CRC-32 (zlib crc32(b"123456789") == 0xCBF43926).
  CHECK(crc32_ieee(as_bytes("123456789")) == 0xCBF43926U);
  CHECK(crc32_ieee({}) == 0U);
  // python3 -c "import zlib; print(hex(zlib.crc32(b'a')))" -> 0xe8b7be43
  CHECK(crc32_ieee(as_bytes("a")) == 0xE8B7BE43U);
}

TEST_CASE("crc32_ieee continues from a previous value", "[nl][icrc][spec:§5.3.7]") {
  const auto all = ramp(300, 13);
  const auto whole = crc32_ieee(all);
  for (const std::size_t cut :
       {std::size_t{0}, std::size_t{1}, std::size_t{64}, std::size_t{299}, std::size_t{300}}) {
    INFO("split at " << cut);
    const std::span<const Byte> s(all);
    CHECK(crc32_ieee(s.subspan(cut), crc32_ieee(s.first(cut))) == whole);
  }
  CHECK(crc32_ieee(as_bytes("56789"), crc32_ieee(as_bytes("1234"))) == 0xCBF43926U);
}

TEST_CASE("ICRC known answers computed with zlib", "[nl][icrc][spec:§5.3.7]") {
  SECTION("CFG 7: NTH byte 0 onward, CCI (6-7) and LBF (8) taken as ones") {
    // b = bytearray(range(28)); b[6] = b[7] = b[8] = 0xFF; zlib.crc32(bytes(b)) -> 0xa753a380
    const auto net = ramp(28);
    CHECK(compute_icrc(7, net) == 0xA753A380U);
  }
  SECTION("CFG 3: from the IPv4 header (net byte 6); ToS, TTL, checksum, UDP checksum masked") {
    // b = bytearray((i * 7) & 0xFF for i in range(38)); cov = b[6:];
    // cov[1] = cov[8] = cov[10] = cov[11] = cov[26] = cov[27] = 0xFF; zlib.crc32(bytes(cov))
    //   -> 0x0afe7437
    const auto net = ramp(38, 7);
    CHECK(compute_icrc(3, net, 4, true) == 0x0AFE7437U);
  }
}

TEST_CASE("ICRC coverage starts after the UB prefix in CFG 3/4 and at the NTH in CFG 6/7",
          "[nl][icrc][spec:§5.3.7]") {
  const auto net = ramp(96, 5);
  SECTION("CFG 3 and 4 skip the 6-byte UB prefix (CCI, NPI)") {
    for (const IcrcInput in : {IcrcInput{3, 4, true}, IcrcInput{4, 6, true}}) {
      INFO("cfg " << unsigned{in.cfg});
      for (std::size_t i = 0; i < 6; ++i) {
        check_masked(in, net, i);
      }
      // The first covered byte is the IP Version/IHL byte.
      check_covered(in, net, 6, 0xF0);
      // And the value is the plain CRC of the covered range when nothing masked differs
      // from ones: prefix bytes do not enter the register at all.
      std::vector<Byte> reprefixed = net;
      for (std::size_t i = 0; i < 6; ++i) {
        reprefixed[i] = 0xEE;
      }
      CHECK(icrc_of(in, reprefixed) == icrc_of(in, net));
    }
  }
  SECTION("CFG 6 and 7 cover NTH byte 0") {
    for (const IcrcInput in : {IcrcInput{6, 4, true}, IcrcInput{7, 4, true}}) {
      INFO("cfg " << unsigned{in.cfg});
      for (std::size_t i = 0; i < 4; ++i) {
        check_covered(in, net, i);
      }
    }
  }
  SECTION("the last covered byte is the one before the ICRC") {
    for (const IcrcInput in : {IcrcInput{3, 4, true}, IcrcInput{4, 6, true}, IcrcInput{6, 4, true},
                               IcrcInput{7, 4, true}}) {
      INFO("cfg " << unsigned{in.cfg});
      check_covered(in, net, net.size() - 1);
      check_covered(in, net, 70); // past the 64-byte masked window
    }
  }
}

TEST_CASE("ICRC masks of the CNA NTHs: CCI and LBF", "[nl][icrc][spec:§5.3.7]") {
  const auto net = ramp(40, 3);
  SECTION("CFG 6 (NTH_CNA16): CCI bytes 4-5, LBF byte 6") {
    const IcrcInput in{6, 4, true};
    check_masked(in, net, 4);
    check_masked(in, net, 5);
    check_masked(in, net, 6);
    check_covered(in, net, 3); // DCNA
    check_covered(in, net, 7); // SL, Mgmt, NLP: SL rewriting is not ICRC-safe
  }
  SECTION("CFG 7 (NTH_CNA24): CCI bytes 6-7, LBF byte 8") {
    const IcrcInput in{7, 4, true};
    check_masked(in, net, 6);
    check_masked(in, net, 7);
    check_masked(in, net, 8);
    check_covered(in, net, 5); // DCNA
    check_covered(in, net, 9); // SL, NLP
    // CFG 6's mask positions are covered in CFG 7.
    check_covered(in, net, 4);
  }
}

TEST_CASE("ICRC masks of IPv4 and UDP", "[nl][icrc][spec:§5.3.7]") {
  const auto net = ramp(64, 11);
  const IcrcInput in{3, 4, true};
  // Net offsets: IPv4 header at 6, UDP at 26.
  check_masked(in, net, 6 + 1);  // ToS
  check_masked(in, net, 6 + 8);  // TTL
  check_masked(in, net, 6 + 10); // Header checksum
  check_masked(in, net, 6 + 11);
  check_masked(in, net, 26 + 6); // UDP checksum
  check_masked(in, net, 26 + 7);
  check_covered(in, net, 6 + 0);  // Version/IHL
  check_covered(in, net, 6 + 2);  // Total length
  check_covered(in, net, 6 + 7);  // Fragment offset
  check_covered(in, net, 6 + 9);  // Protocol
  check_covered(in, net, 6 + 12); // Source address
  check_covered(in, net, 26 + 0); // UDP source port (entropy, not masked)
  check_covered(in, net, 26 + 5); // UDP length
  check_covered(in, net, 26 + 8); // the TPH
  SECTION("without UDP the UDP checksum position is covered") {
    const IcrcInput tcp{3, 4, false};
    check_covered(tcp, net, 26 + 6);
    check_covered(tcp, net, 26 + 7);
    check_masked(tcp, net, 6 + 8); // TTL is still masked
  }
}

TEST_CASE("ICRC masks of IPv6 and UDP", "[nl][icrc][spec:§5.3.7]") {
  const auto net = ramp(80, 13);
  const IcrcInput in{4, 6, true};
  // Net offsets: IPv6 header at 6, UDP at 46.
  check_masked(in, net, 6 + 0, 0x0F);  // Traffic Class [7:4]
  check_covered(in, net, 6 + 0, 0xF0); // Version
  check_masked(in, net, 6 + 1);        // Traffic Class [3:0], Flow Label [19:16]
  check_masked(in, net, 6 + 2);        // Flow Label
  check_masked(in, net, 6 + 3);        // Flow Label
  check_covered(in, net, 6 + 4);       // Payload Length
  check_covered(in, net, 6 + 6);       // Next Header
  check_masked(in, net, 6 + 7);        // Hop Limit
  check_covered(in, net, 6 + 8);       // Source address
  check_masked(in, net, 46 + 6);       // UDP checksum
  check_masked(in, net, 46 + 7);       //
  check_covered(in, net, 46 + 4);      // UDP length
  check_covered(in, net, 46 + 8);      // the TPH
  check_covered(in, net, 6 + 1 + 20);  // IPv4 TTL position means nothing in IPv6
  SECTION("IPv4 mask positions are covered in IPv6") {
    check_covered(in, net, 6 + 10);
    check_covered(in, net, 6 + 11);
    check_covered(in, net, 26 + 6);
  }
  SECTION("without UDP the UDP checksum position is covered") {
    const IcrcInput raw{4, 6, false};
    check_covered(raw, net, 46 + 6);
    check_masked(raw, net, 6 + 7);
  }
}

TEST_CASE("ICRC equals zlib crc32 over the masked copy", "[nl][icrc][spec:§5.3.7]") {
  // An independent model of §5.3.7: copy the covered range, set the masked bytes to ones, run
  // the plain CRC-32. (crc32_ieee is checked against the zlib check value above.) Short and
  // long packets: from 128 covered bytes on, the masked head and the rest are folded together.
  const std::size_t len = GENERATE(std::size_t{120}, std::size_t{133}, std::size_t{1100});
  CAPTURE(len);
  const auto net = ramp(len, 29);
  SECTION("CFG 7") {
    std::vector<Byte> m(net.begin(), net.end() - 4);
    m[6] = m[7] = m[8] = 0xFF;
    CHECK(compute_icrc(7, std::span<const Byte>(net).first(net.size() - 4)) == crc32_ieee(m));
  }
  SECTION("CFG 6") {
    std::vector<Byte> m(net.begin(), net.end());
    m[4] = m[5] = m[6] = 0xFF;
    CHECK(compute_icrc(6, net) == crc32_ieee(m));
  }
  SECTION("CFG 4 (IPv6)") {
    std::vector<Byte> m(net.begin() + 6, net.end());
    m[0] = static_cast<Byte>(m[0] | 0x0F);
    m[1] = m[2] = m[3] = m[7] = 0xFF;
    m[46] = m[47] = 0xFF;
    CHECK(compute_icrc(4, net, 6, true) == crc32_ieee(m));
  }
}

TEST_CASE("CFG 5 and CFG 9 have no ICRC", "[nl][icrc][spec:§5.3.7][spec:App.B.2.6]") {
  const auto net = ramp(64, 3);
  CHECK(compute_icrc(5, net) == 0U);
  CHECK(compute_icrc(9, net) == 0U);
  CHECK(compute_icrc(0, net) == 0U);
  // A CFG 3 input shorter than the UB prefix cannot be covered.
  CHECK(compute_icrc(3, std::span<const Byte>(net).first(4)) == 0U);
}

TEST_CASE("load_icrc and store_icrc are little-endian", "[nl][icrc][spec:§5.3.7]") {
  // Ambiguity A2, reading (a): the CRC value least significant byte first, like Ethernet's FCS.
  std::array<Byte, 6> b{0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA};
  store_icrc(b.data() + 1, 0x11223344U);
  CHECK(b == std::array<Byte, 6>{0xAA, 0x44, 0x33, 0x22, 0x11, 0xAA});
  CHECK(load_icrc(b.data() + 1) == 0x11223344U);
  const std::array<Byte, 4> c{0x26, 0x39, 0xF4, 0xCB};
  CHECK(load_icrc(c.data()) == 0xCBF43926U);
  static constexpr std::array<Byte, 4> kOrder{1, 2, 3, 4};
  static_assert(load_icrc(kOrder.data()) == 0x04030201U);
}

TEST_CASE("crc32_ieee, eight bytes, a zero run or 64 folded bytes at a time, equals the bitwise "
          "CRC for every length and split",
          "[nl][icrc]") {
  auto bitwise = [](std::span<const Byte> b, std::uint32_t crc) {
    std::uint32_t c = ~crc;
    for (const Byte x : b) {
      c ^= x;
      for (int k = 0; k < 8; ++k) {
        c = (c & 1U) != 0 ? 0xEDB88320U ^ (c >> 1) : c >> 1;
      }
    }
    return ~c;
  };
  // Long enough for the carry-less folding path (128 bytes and more, several 64-byte rounds and
  // a 16-byte tail) where the CPU has it.
  std::vector<Byte> data(1200);
  std::uint32_t x = 12345;
  for (auto& b : data) {
    x = x * 1103515245U + 12345U;
    b = static_cast<Byte>(x >> 16);
  }
  // Runs of zeros (the 64-byte shortcut), one cut by a lone non-zero byte.
  std::fill(data.begin() + 20, data.begin() + 150, Byte{0});
  data[100] = 7;
  std::fill(data.begin() + 170, data.begin() + 290, Byte{0});
  std::fill(data.begin() + 400, data.begin() + 1100, Byte{0});
  for (std::size_t len = 0; len <= data.size(); ++len) {
    const std::span<const Byte> s(data.data(), len);
    // And from every start inside the zero runs.
    REQUIRE(crc32_ieee(std::span<const Byte>(data).subspan(len % 160)) ==
            bitwise(std::span<const Byte>(data).subspan(len % 160), 0));
    REQUIRE(crc32_ieee(s) == bitwise(s, 0));
    // Continued from a split point: the same as in one go.
    const std::size_t cut = len / 3;
    REQUIRE(crc32_ieee(s.subspan(cut), crc32_ieee(s.first(cut))) == bitwise(s, 0));
  }
}

TEST_CASE("ICRC of a packet held in two parts equals that of the joined bytes, at every split",
          "[nl][icrc][spec:§5.3.7]") {
  // The fabric simulator keeps a packet's LPH and NTH apart from the rest. Every split point of
  // packets around the 64-byte masked copy and the 128-byte CLMUL threshold, for every CFG
  // with an ICRC (and one without), in both IP versions and with and without UDP.
  const IcrcInput inputs[] = {{6, 4, true}, {7, 4, true},  {3, 4, true}, {4, 4, false},
                              {3, 6, true}, {4, 6, false}, {5, 4, true}};
  int checked = 0;
  for (const IcrcInput& in : inputs) {
    for (const std::size_t size :
         {0UL, 3UL, 6UL, 7UL, 63UL, 64UL, 70UL, 127UL, 128UL, 134UL, 200UL, 1000UL}) {
      const std::vector<Byte> net = ramp(size, 37);
      const std::uint32_t whole = icrc_of(in, net);
      for (std::size_t cut = 0; cut <= size; ++cut) {
        INFO("cfg " << unsigned{in.cfg} << " IPv" << in.ip_version << " size " << size << " cut "
                    << cut);
        const std::span<const Byte> all(net);
        CHECK(compute_icrc(in.cfg, all.first(cut), all.subspan(cut), in.ip_version, in.has_udp) ==
              whole);
        ++checked;
      }
    }
  }
  CHECK(checked > 10'000);
}

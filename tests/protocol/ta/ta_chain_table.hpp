#pragma once
// Test-only known answer: UB-Base-2.0 Table 7-2 / 7-4 (and App. B.2.6 for CFG 9) written out by
// hand, one row per TAOpcode, for the three wire forms. Shared by ta_chain_test.cpp and
// ta_packet_test.cpp; nothing here is derived from the code under test.
//
// A chain is the extension headers after the base header, in wire order, separated by spaces.
// "UD?" stands for UDETAH when UD_Flag = 1, "TV?" for TVETAH when TV_EN = 1. "-" marks a form
// the opcode may not use (compact: App. B.2.6 plus A-18 for the Writeback forms).

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ub::test {

struct ChainRow {
  std::uint8_t op;
  std::string_view cna16;   // CFG 6: full BTAH/ATAH, no TAIDETAH / OFSTETAH
  std::string_view taid;    // CFG 3/4/7: full BTAH/ATAH with TAIDETAH (+ OFSTETAH for Read)
  std::string_view compact; // CFG 9
  bool tv_allowed;          // TV_EN may be 1 (not for Management or Prefetch_tgt, A-24)
};

inline constexpr std::array<ChainRow, 23> kChainTable{{
    {0x00, "UD? MTETAH OFSTETAH TV?", "UD? MTETAH OFSTETAH TV?", "-", true},
    {0x01, "UD? MTETAH OFSTETAH IMMETAH TV?", "UD? MTETAH OFSTETAH IMMETAH TV?", "-", true},
    {0x03, "UD? MAETAH TV?", "UD? MAETAH TV?", "UD? MAETAH_COMPACT TV?", true},
    {0x04, "UD? MTETAH MAETAH IMMETAH TV?", "UD? MTETAH MAETAH IMMETAH TV?", "-", true},
    {0x05, "UD? MAETAH NTFETAH TV?", "UD? MAETAH NTFETAH TV?", "-", true},
    {0x06, "UD? MAETAH TV?", "UD? TAIDETAH OFSTETAH MAETAH TV?", "UD? MAETAH_COMPACT TV?", true},
    {0x07, "UD? MAETAH TV?", "UD? TAIDETAH MAETAH TV?", "UD? MAETAH_COMPACT TV?", true},
    {0x08, "UD? MAETAH TV?", "UD? TAIDETAH MAETAH TV?", "UD? MAETAH_COMPACT TV?", true},
    {0x09, "UD? MAETAH TV?", "UD? TAIDETAH MAETAH TV?", "UD? MAETAH_COMPACT TV?", true},
    {0x0A, "UD? MAETAH TV?", "UD? TAIDETAH MAETAH TV?", "UD? MAETAH_COMPACT TV?", true},
    {0x0B, "UD? MAETAH TV?", "UD? TAIDETAH MAETAH TV?", "UD? MAETAH_COMPACT TV?", true},
    {0x0C, "UD? MAETAH TV?", "UD? TAIDETAH MAETAH TV?", "UD? MAETAH_COMPACT TV?", true},
    {0x0D, "UD? MAETAH TV?", "UD? TAIDETAH MAETAH TV?", "UD? MAETAH_COMPACT TV?", true},
    {0x0E, "UD? MAETAH TV?", "UD? TAIDETAH MAETAH TV?", "UD? MAETAH_COMPACT TV?", true},
    {0x0F, "UD? MAETAH TV?", "UD? TAIDETAH MAETAH TV?", "UD? MAETAH_COMPACT TV?", true},
    {0x10, "UD? MGMTETAH", "UD? MGMTETAH", "-", false},
    {0x11, "", "", "", false},
    {0x12, "", "TAIDETAH OFSTETAH", "", false},
    {0x13, "", "TAIDETAH", "", false},
    {0x14, "UD? MAETAH TV? BEETAH", "UD? MAETAH TV? BEETAH", "UD? MAETAH_COMPACT TV? BEETAH", true},
    {0x15, "UD? MAETAH", "UD? MAETAH", "UD? MAETAH_COMPACT", false},
    {0x17, "UD? MAETAH TV?", "UD? MAETAH TV?", "UD? MAETAH_COMPACT TV?", true},
    {0x18, "UD? MAETAH TV? BEETAH", "UD? MAETAH TV? BEETAH", "UD? MAETAH_COMPACT TV? BEETAH", true},
}};

// Form index: 0 = CFG 6 (Cna16), 1 = CFG 3/4/7 (Taid), 2 = CFG 9 (Compact).
[[nodiscard]] inline std::string_view chain_column(const ChainRow& r, int form) {
  return form == 0 ? r.cna16 : (form == 1 ? r.taid : r.compact);
}

// The header names of a chain with the flags applied.
[[nodiscard]] inline std::vector<std::string> expand_chain(std::string_view chain, bool ud,
                                                           bool tv) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < chain.size()) {
    const std::size_t end = std::min(chain.find(' ', i), chain.size());
    const std::string_view tok = chain.substr(i, end - i);
    if (tok == "UD?") {
      if (ud) {
        out.emplace_back("UDETAH");
      }
    } else if (tok == "TV?") {
      if (tv) {
        out.emplace_back("TVETAH");
      }
    } else if (!tok.empty()) {
      out.emplace_back(tok);
    }
    i = end + 1;
  }
  return out;
}

} // namespace ub::test

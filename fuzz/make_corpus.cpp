// Writes the seed corpora of the fuzz targets from the built-in samples (the same units
// `ubmodel samples` prints): fuzz/corpus/<target>/<name>. Deterministic; run by
// fuzz/make_corpus.sh, whose output is committed.

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "protocol/common/rng.hpp"
#include "protocol/packet/registry.hpp"
#include "protocol/packet/samples.hpp"

using namespace ub;

namespace {

void write(const std::filesystem::path& dir, const std::string& name,
           const std::vector<std::uint8_t>& bytes) {
  std::filesystem::create_directories(dir);
  std::ofstream f(dir / name, std::ios::binary);
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

std::size_t registry_index(std::string_view name) {
  const auto reg = pkt::header_registry();
  for (std::size_t i = 0; i < reg.size(); ++i) {
    if (reg[i].name == name) {
      return i;
    }
  }
  return 0;
}

template <class H>
std::vector<std::uint8_t> encode_one(const H& h) {
  std::vector<std::uint8_t> out(Codec<H>::size(h));
  if (auto n = Codec<H>::encode(h, out)) {
    out.resize(*n);
    return out;
  }
  return {};
}

bool is_tah(const pkt::Header& h) {
  return std::holds_alternative<ta::Btah>(h) || std::holds_alternative<ta::Atah>(h) ||
         std::holds_alternative<ta::BtahCompact>(h) || std::holds_alternative<ta::AtahCompact>(h);
}

// A ta_decode seed: the wire-form byte (0 CFG 6, 1 CFG 3/4/7, 2 CFG 9), then the sample's TA
// bytes (its headers from the TAH on, each through its own codec, and its payload).
std::vector<std::uint8_t> ta_seed(const pkt::Packet& p) {
  const std::uint8_t form =
      p.lph.cfg == dl::cfg::kLoadStore ? 2 : (p.lph.cfg == dl::cfg::kCna16 ? 0 : 1);
  std::vector<std::uint8_t> out{form};
  bool in_ta = false;
  for (const auto& h : p.header_list()) {
    in_ta = in_ta || is_tah(h);
    if (in_ta) {
      pkt::Header d = h;
      if (auto* m = std::get_if<ta::Mgmtetah>(&d)) {
        m->pdu_length = static_cast<std::uint16_t>(p.payload.size()); // derived by encode_network
      }
      const auto b = std::visit([](const auto& x) { return encode_one(x); }, d);
      out.insert(out.end(), b.begin(), b.end());
    }
  }
  out.insert(out.end(), p.payload.begin(), p.payload.end());
  return out;
}

// The samples whose TA bytes seed fuzz_ta_decode: each wire form, requests and responses, every
// kind of extension header.
constexpr std::string_view kTaSeeds[] = {
    "cfg6-ctp-write",        "cfg7-rtp-send-imm",   "cfg7-rtp-write-notify",  "cfg7-rtp-read",
    "cfg7-rtp-atomic-store", "cfg7-rtp-management", "cfg7-rtp-read-response", "cfg7-rtp-write-be",
    "cfg9-atomic-fetch-add", "cfg9-load-response",
};

// fuzz_txn_program seeds, in the input format fuzz/README.md describes: a header, the targets'
// segments and receive queues, the initiators' queues, a program drawn from a few opcodes (with
// time advances), then a fault schedule.
struct TxnRecipe {
  std::string_view name;
  std::array<std::uint8_t, 6> header;
  std::vector<std::uint8_t> targets; // per target: t0, then g0 g1 tv per segment
  std::vector<std::uint8_t> queues;  // per initiator: q0, then a mode byte per further queue
  std::vector<std::uint8_t> opcodes; // indices into the opcode table the program draws from
  std::vector<std::uint8_t> lengths; // length classes the program draws from
  unsigned wrs = 32;
  unsigned bad_every = 0;            // every n-th work request has a bad token (0: none)
  bool ordered = true;               // RO / SO orders drawn, else NO only
  std::uint8_t flags = 0;            // OR-ed into every other work request's flag byte
  std::vector<std::uint8_t> actions; // Jetty-layer items (0xF0-0xFE, queue byte) after half
  std::vector<std::uint8_t> faults;
};

std::vector<std::uint8_t> txn_seed(const TxnRecipe& r, std::uint64_t seed) {
  Rng rng(seed, 41);
  std::vector<std::uint8_t> out(r.header.begin(), r.header.end());
  out.insert(out.end(), r.targets.begin(), r.targets.end());
  out.insert(out.end(), r.queues.begin(), r.queues.end());
  auto pick = [&](const std::vector<std::uint8_t>& v) { return v[rng.below(v.size())]; };
  auto byte = [&] { return static_cast<std::uint8_t>(rng.next()); };
  for (unsigned i = 0; i < r.wrs; ++i) {
    if (i % 6 == 5) {
      out.push_back(static_cast<std::uint8_t>(0xD0U + rng.below(6))); // a time advance
    }
    if (i == r.wrs / 2) {
      out.insert(out.end(), r.actions.begin(), r.actions.end());
    }
    out.push_back(pick(r.opcodes));
    const auto order = static_cast<std::uint8_t>(r.ordered ? rng.below(4) : 0);
    out.push_back(static_cast<std::uint8_t>((byte() & 0x3FU) | (unsigned{order} << 6U)));
    auto flags = static_cast<std::uint8_t>(i % 2 == 1 ? r.flags : 0); // odd ones: no CQE
    if (r.bad_every != 0 && i % r.bad_every == r.bad_every - 1) {
      flags |= 0x04;
    }
    if (rng.below(8) == 0) {
      flags |= 0x01; // fence
    }
    if (rng.below(8) == 0) {
      flags |= 0x02; // comp_order
    }
    out.push_back(flags);
    out.push_back(static_cast<std::uint8_t>((byte() & 3U) | (unsigned{pick(r.lengths)} << 2U)));
    out.push_back(static_cast<std::uint8_t>(byte() & 0x3FU)); // aligned slots
    out.push_back(byte());
    out.push_back(static_cast<std::uint8_t>(byte() & 0x1FU)); // no deliberately refused forms
  }
  out.push_back(0xFF);
  out.insert(out.end(), r.faults.begin(), r.faults.end());
  return out;
}

// Opcode-table indices (fuzz/txn_program.cpp kOpcodes): 0 Send, 1 Send_with_immediate,
// 3 Write, 4 Write_with_immediate, 5 Write_with_notify, 6 Read, 7-15 atomics, 16 Management,
// 19 Write_with_be, 20 Prefetch_tgt, 22 Writeback, 23 Writeback_with_be; 2, 17, 18, 21, 30
// are refused at post.
const std::vector<TxnRecipe>& txn_recipes() {
  static const std::vector<TxnRecipe> r = {
      {"ideal-roi-mixed",
       {0x05, 0x03, 0x01, 0x3F, 0x15, 0x00},
       {0xBD, 0x02, 0x00, 0x11, 0x01, 0x00, 0x22, 0xBD, 0x02, 0x00, 0x33, 0x01, 0x00, 0x44},
       {0x01, 0x05, 0x00},
       {3, 3, 6, 6, 7, 8, 11, 0, 1, 19},
       {3, 4, 6, 7, 8, 9, 10},
       48,
       0,
       true,
       0,
       {},
       {}},
      {"rtp-rot-burst-loss",
       {0x11, 0x07, 0x06, 0x1F, 0x00, 0x00},
       {0x79, 0x02, 0x00, 0x01, 0x00, 0x00, 0x02},
       {0x05, 0x05, 0x04},
       {3, 3, 6, 11, 24, 25},
       {6, 7, 8, 9, 12, 13},
       64,
       0,
       true,
       0,
       {},
       {0x01, 0x00, 0x10, 0x08, 0x00, 0x00, 0x40, 0x00}},
      {"rtp-rol-tp-status",
       {0x11, 0x47, 0x01, 0x3F, 0x15, 0x00},
       {0xFD, 0x02, 0x00, 0x05, 0x02, 0x00, 0x06},
       {0x09, 0x02, 0x08},
       {3, 4, 5, 6, 0, 1, 19, 22, 11},
       {4, 6, 8, 12, 13},
       40,
       0,
       true,
       0,
       {},
       {0x02, 0x03, 0x05, 0x02, 0x07, 0x4A, 0x03, 0x0C}},
      {"ctp-rot-link-retry",
       {0x21, 0x02, 0x01, 0x3F, 0x15, 0x00},
       {0x39, 0x03, 0x00, 0x07, 0x01, 0x00, 0x08},
       {0x05, 0x01, 0x04},
       {3, 6, 7, 11, 19},
       {4, 6, 8, 10},
       48,
       0,
       true,
       0,
       {},
       {0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x09, 0x0A, 0x00, 0x00, 0x10, 0x02, 0x01, 0x00, 0x20,
        0x04}},
      {"ctp-drop-timeouts",
       {0xA1, 0x02, 0x01, 0x0B, 0x00, 0x80},
       {0x38, 0x02, 0x00, 0x09},
       {0x20, 0x08},
       {3, 6, 11, 19},
       {4, 6, 8},
       40,
       0,
       true,
       0,
       {},
       {0x00, 0x00, 0x03, 0x00, 0x01, 0x00, 0x07, 0x04, 0x00, 0x00, 0x30, 0x00}},
      {"bypass-rol-compact",
       {0x31, 0x03, 0x01, 0x3F, 0x25, 0x00},
       {0x39, 0x02, 0x00, 0x0B, 0x06, 0x00, 0x0C},
       {0x08, 0x08},
       {3, 3, 6, 6, 7, 11, 19, 22},
       {6, 7, 8, 9, 10, 12, 14},
       48,
       0,
       true,
       0,
       {},
       {0x02, 0x02, 0x85, 0x02, 0x07, 0x06}},
      {"utp-uno-sends",
       {0x45, 0x03, 0x00, 0x3F, 0x00, 0x00},
       {0x84, 0x02, 0x00, 0x0D, 0x84, 0x02, 0x00, 0x0E},
       {0x0F, 0x0F},
       {0, 1, 0, 20, 16},
       {1, 4, 6, 8, 10},
       40,
       0,
       false,
       0,
       {},
       {0x23, 0x08, 0x43, 0x11, 0x83, 0x1C}},
      {"ideal-compact",
       {0x01, 0x23, 0x01, 0x3F, 0x00, 0x00},
       {0x38, 0x02, 0x00, 0x0F},
       {0x01, 0x09, 0x00},
       {3, 6, 7, 11, 19, 23, 22},
       {6, 8, 10, 12},
       40,
       0,
       true,
       0,
       {},
       {}},
      {"ideal-taid-denied",
       {0x05, 0x13, 0x01, 0x3F, 0x00, 0x00},
       {0xBF, 0x02, 0x00, 0x10, 0x3A, 0x00, 0x11, 0x82, 0x00, 0x12,
        0x01, 0x07, 0x13, 0xBD, 0x02, 0x00, 0x14, 0x01, 0x38, 0x15},
       {0x01, 0x01, 0x00},
       {2, 3, 4, 5, 6, 7, 9, 10, 17, 18, 19, 21, 22, 23, 30, 1},
       {0, 3, 6, 8, 9, 11},
       48,
       3,
       true,
       0,
       {},
       {}},
      {"rtp-spray-faults",
       {0x11, 0x2F, 0x02, 0x3F, 0x15, 0x07},
       {0x78, 0x03, 0x00, 0x17},
       {0x01, 0x05, 0x00},
       {3, 6, 6, 11, 0},
       {8, 11, 12, 13, 14, 15},
       32,
       0,
       true,
       0,
       {},
       {0x00, 0x00, 0x04, 0x01, 0x00, 0x00, 0x09, 0x0A, 0x00, 0x00, 0x14, 0x16, 0x02, 0x05, 0x03,
        0x02, 0x09, 0x46}},
      {"rot-small-sc-drop-policy",
       {0x03, 0x03, 0xE0, 0x3F, 0x55, 0x00},
       {0x38, 0x02, 0x00, 0x18},
       {0x06, 0x01, 0x05, 0x06, 0x01, 0x05, 0x06, 0x01, 0x05, 0x06, 0x01, 0x05},
       {3, 6, 11, 24},
       {4, 6, 8},
       64,
       0,
       true,
       0,
       {},
       {}},
      {"jetty-actions-suspend",
       {0x80, 0x03, 0x01, 0x2B, 0x00, 0x00},
       {0x3D, 0x02, 0x00, 0x19, 0x01, 0x00, 0x1A},
       {0x21, 0x20},
       {3, 6, 7, 11, 0, 16},
       {4, 6, 8, 9},
       40,
       4,
       true,
       0x30,
       {0xF1, 0x00, 0xD5, 0xF0, 0x00, 0xF2, 0x04, 0xD3, 0xF3, 0x04},
       {0x02, 0x04, 0x07}},
      // One ROT queue whose RO and SO requests meet RNRs and page faults (a lazily mapped
      // segment; RNRs injected into the RO ones, work requests 8, 10, 12, 23 and 26 of this
      // seed): an SO request must wait for the earlier RO ones that were refused and are
      // retried (§7.3.3.3).
      {"rot-ro-retried-before-so",
       {0x00, 0x01, 0x01, 0x1F, 0x01, 0x00},
       {0x38, 0x05, 0x00, 0x21},
       {0x04},
       {3, 3, 3, 6},
       {4, 6, 8},
       40,
       0,
       true,
       0,
       {},
       {0x02, 0x08, 0x08, 0x02, 0x0A, 0x08, 0x02, 0x0C, 0x08, 0x02, 0x17, 0x08, 0x02, 0x1A, 0x08,
        0x02, 0x02, 0x0C}},
      // Reads longer than the MTU in slices of 4 KiB over a 256-byte MTU: every answer is a
      // Read_response of several packets, each placed after the one before (§7.4.2.2).
      {"ideal-multi-packet-reads",
       {0x00, 0x00, 0x02, 0x1F, 0x00, 0x00},
       {0x38, 0x02, 0x00, 0x30},
       {0x00},
       {6, 6, 6, 3},
       {10, 11, 12, 13, 14},
       24,
       0,
       true,
       0,
       {},
       {}},
      // Runs of writes answered by coalesced TAACKs (up to 8 per TAACK, Table 7-3), on an ROI
      // and an ROT queue.
      {"ideal-taack-coalescing",
       {0x00, 0x01, 0x11, 0x1F, 0x00, 0x00},
       {0x38, 0x02, 0x00, 0x40},
       {0x01, 0x01},
       {3, 3, 3, 19},
       {4, 6, 8},
       48,
       0,
       true,
       0,
       {},
       {}},
  };
  return r;
}

// libFuzzer dictionaries (fuzz/dict/<target>.dict): the encoded bytes of every header the
// samples hold (its first kDictBytes), so mutations splice whole, valid headers (opcodes, NLP
// chains, magic values) where random bytes would rarely hit them.
constexpr std::size_t kDictBytes = 16;
// Byte strings in lexicographic order, spelled out: std::less<std::vector<std::uint8_t>>'s
// inlined compare draws a false -Wstringop-overread from GCC 12.
struct LexLess {
  bool operator()(const std::vector<std::uint8_t>& a,
                  const std::vector<std::uint8_t>& b) const noexcept {
    const std::size_t n = std::min(a.size(), b.size());
    for (std::size_t i = 0; i < n; ++i) {
      if (a[i] != b[i]) {
        return a[i] < b[i];
      }
    }
    return a.size() < b.size();
  }
};
using Dict = std::set<std::vector<std::uint8_t>, LexLess>;

void add_token(Dict& d, const std::vector<std::uint8_t>& bytes) {
  if (bytes.size() >= 2) { // a single byte is what the mutator tries anyway
    d.insert(std::vector<std::uint8_t>(
        bytes.begin(),
        bytes.begin() + static_cast<std::ptrdiff_t>(std::min(bytes.size(), kDictBytes))));
  }
}

void write_dict(const std::filesystem::path& file, const Dict& d) {
  std::filesystem::create_directories(file.parent_path());
  std::ofstream f(file);
  f << "# Generated by fuzz/make_corpus.sh from the built-in samples; do not edit.\n";
  std::size_t k = 0;
  for (const auto& t : d) {
    f << "kw" << k++ << "=\"";
    for (const std::uint8_t b : t) {
      static constexpr char kHex[] = "0123456789ABCDEF";
      f << "\\x" << kHex[b >> 4U] << kHex[b & 0xFU];
    }
    f << "\"\n";
  }
}

} // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_corpus OUT_DIR\n");
    return 2;
  }
  const std::filesystem::path root(argv[1]);
  const dl::BlockMode modes[] = {dl::BlockMode::Crc30, dl::BlockMode::Crc62, dl::BlockMode::NonCrc};
  std::vector<std::uint8_t> scratch(pkt::kMaxNetBytes);
  const auto samples = pkt::packet_samples();
  Dict headers; // header_decode and packet_decode
  Dict ta;      // ta_decode: the headers from the TAH on
  // The UDP destination port of IP-based UB (4792, §5.1), big-endian on the wire.
  headers.insert({0x12, 0xB8});
  for (std::size_t si = 0; si < samples.size(); ++si) {
    const auto& s = samples[si];
    for (std::uint8_t mi = 0; mi < 3; ++mi) {
      pkt::Packet p = s.packet;
      p.mode = modes[mi];
      std::vector<std::uint8_t> wire(pkt::kMaxWireBytes);
      auto n = pkt::encode_packet(p, wire, scratch);
      if (!n) {
        std::fprintf(stderr, "sample %s does not encode\n", std::string(s.name).c_str());
        return 1;
      }
      wire.resize(*n);
      std::vector<std::uint8_t> in{mi};
      in.insert(in.end(), wire.begin(), wire.end());
      write(root / "packet_decode",
            std::string(s.name) + "-" + std::string(dl::to_string(modes[mi])), in);
    }
    if (std::find(std::begin(kTaSeeds), std::end(kTaSeeds), s.name) != std::end(kTaSeeds)) {
      write(root / "ta_decode", std::string(s.name), ta_seed(s.packet));
    }
    write(root / "packet_roundtrip", std::string(s.name),
          {static_cast<std::uint8_t>(si >> 8), static_cast<std::uint8_t>(si), 0, 0});
    bool in_ta = false;
    for (const auto& h : s.packet.header_list()) {
      std::vector<std::uint8_t> bytes = std::visit([](const auto& x) { return encode_one(x); }, h);
      if (bytes.empty()) {
        continue;
      }
      add_token(headers, bytes);
      in_ta = in_ta || is_tah(h);
      if (in_ta) {
        add_token(ta, bytes);
      }
      std::vector<std::uint8_t> in{static_cast<std::uint8_t>(registry_index(pkt::header_name(h))),
                                   0};
      in.insert(in.end(), bytes.begin(), bytes.end());
      write(root / "header_decode", std::string(s.name) + "-" + std::string(pkt::header_name(h)),
            in);
    }
    std::vector<std::uint8_t> lph{static_cast<std::uint8_t>(registry_index("LPH")), 0};
    const auto lb = encode_one(s.packet.lph);
    add_token(headers, lb);
    lph.insert(lph.end(), lb.begin(), lb.end());
    write(root / "header_decode", std::string(s.name) + "-LPH", lph);
  }
  for (const auto& c : pkt::control_samples()) {
    for (std::uint8_t mi = 0; mi < 3; ++mi) {
      std::vector<std::uint8_t> wire(dl::control_block_flits(c.block) * dl::kFlitBytes);
      if (!dl::encode_control_block(c.block, modes[mi], wire)) {
        return 1;
      }
      const std::string tag = std::string(c.name) + "-" + std::string(dl::to_string(modes[mi]));
      std::vector<std::uint8_t> in{mi};
      in.insert(in.end(), wire.begin(), wire.end());
      write(root / "packet_decode", tag, in);
      std::vector<std::uint8_t> hin{
          static_cast<std::uint8_t>(registry_index(dl::control_block_name(c.block))), mi};
      hin.insert(hin.end(), wire.begin(), wire.end());
      write(root / "header_decode", tag, hin);
    }
  }
  write_dict(root.parent_path() / "dict" / "packet_decode.dict", headers);
  write_dict(root.parent_path() / "dict" / "header_decode.dict", headers);
  write_dict(root.parent_path() / "dict" / "ta_decode.dict", ta);
  std::uint64_t seed = 1;
  for (const TxnRecipe& r : txn_recipes()) {
    write(root / "txn_program", std::string(r.name), txn_seed(r, seed++));
  }
  return 0;
}

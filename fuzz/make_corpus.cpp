// Writes the seed corpora of the fuzz targets from the built-in samples (the same units
// `ubmodel samples` prints): fuzz/corpus/<target>/<name>. Deterministic; run by
// fuzz/make_corpus.sh, whose output is committed.

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

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
    for (const auto& h : s.packet.header_list()) {
      std::vector<std::uint8_t> bytes = std::visit([](const auto& x) { return encode_one(x); }, h);
      if (bytes.empty()) {
        continue;
      }
      std::vector<std::uint8_t> in{static_cast<std::uint8_t>(registry_index(pkt::header_name(h))),
                                   0};
      in.insert(in.end(), bytes.begin(), bytes.end());
      write(root / "header_decode", std::string(s.name) + "-" + std::string(pkt::header_name(h)),
            in);
    }
    std::vector<std::uint8_t> lph{static_cast<std::uint8_t>(registry_index("LPH")), 0};
    const auto lb = encode_one(s.packet.lph);
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
  return 0;
}

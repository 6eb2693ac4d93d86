// Codec throughput, each case beside a memcpy of the same bytes measured in the same run.
//   rtp_write   : CFG 7 RTP Write, header stack NTH_CNA24 | RTPH | BTAH | MAETAH | TVETAH, 64 B
//   cfg9_store  : CFG 9 load/store Write, NTH_CNA16 | BTAH_COMPACT | MAETAH_COMPACT, 64 B
// For each:
//   HeaderStack/decode  decode_network with the ICRC check off: header parsing alone
//   Packet/decode       decode_packet: flits, LPH, BCRC (CRC30), headers, ICRC
//   Packet/encode       encode_packet: headers, padding, ICRC, framing, BCRC
//   Memcpy/<n>          memcpy of the header-stack bytes (n) or of the whole wire unit
// Goal: header-stack decode under 25 ns and within 10x of the memcpy of the same bytes.

#include <cstring>
#include <vector>

#include <benchmark/benchmark.h>

#include "protocol/packet/samples.hpp"

using namespace ub;

namespace {

struct Case {
  pkt::Packet packet;
  std::vector<Byte> wire;
  std::vector<Byte> net; // bytes after the LPH, ICRC included
};

Case make_case(std::string_view name) {
  Case c;
  for (const auto& s : pkt::packet_samples()) {
    if (s.name == name) {
      c.packet = s.packet;
    }
  }
  // A 64-byte payload for both cases.
  static const std::vector<Byte> payload(64, 0x5A);
  c.packet.payload = payload;
  if (auto* m = c.packet.find<ta::Maetah>()) {
    m->length = 64;
  }
  c.wire.resize(pkt::kMaxWireBytes);
  c.net.resize(pkt::kMaxNetBytes);
  std::vector<Byte> scratch(pkt::kMaxNetBytes);
  auto n = pkt::encode_packet(c.packet, c.wire, scratch);
  auto m = pkt::encode_network(c.packet, c.net);
  if (!n || !m) {
    std::abort();
  }
  c.wire.resize(*n);
  c.net.resize(*m);
  return c;
}

std::size_t stack_bytes(const pkt::Packet& p) {
  std::size_t n = 4; // LPH
  for (const auto& h : p.header_list()) {
    n += std::visit([](const auto& x) { return Codec<std::decay_t<decltype(x)>>::size(x); }, h);
  }
  return n;
}

const Case& rtp_write() {
  static const Case c = make_case("cfg7-rtp-write");
  return c;
}
const Case& cfg9_store() {
  static const Case c = make_case("cfg9-store");
  return c;
}

void header_stack_decode(benchmark::State& st, const Case& c) {
  pkt::DecodeOptions opts{};
  opts.verify_icrc = false;
  pkt::Packet p;
  for (auto _ : st) {
    auto r = pkt::decode_network(c.packet.lph, c.net, opts, p);
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(p.header_count);
  }
  st.counters["header_bytes"] = static_cast<double>(stack_bytes(c.packet));
}

void packet_decode(benchmark::State& st, const Case& c) {
  pkt::DecodeOptions opts{};
  std::vector<Byte> scratch(pkt::kMaxNetBytes);
  pkt::Packet p;
  for (auto _ : st) {
    auto r = pkt::decode_packet(c.wire, opts, scratch, p);
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(p.header_count);
  }
  st.SetBytesProcessed(static_cast<std::int64_t>(st.iterations()) *
                       static_cast<std::int64_t>(c.wire.size()));
}

void packet_encode(benchmark::State& st, const Case& c) {
  std::vector<Byte> out(pkt::kMaxWireBytes);
  std::vector<Byte> scratch(pkt::kMaxNetBytes);
  for (auto _ : st) {
    auto r = pkt::encode_packet(c.packet, out, scratch);
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(out.data());
  }
  st.SetBytesProcessed(static_cast<std::int64_t>(st.iterations()) *
                       static_cast<std::int64_t>(c.wire.size()));
}

void memcpy_bytes(benchmark::State& st, std::size_t n) {
  std::vector<Byte> src(n, 0x33);
  std::vector<Byte> dst(n);
  for (auto _ : st) {
    benchmark::DoNotOptimize(src.data());
    std::memcpy(dst.data(), src.data(), n);
    benchmark::ClobberMemory();
  }
  st.SetBytesProcessed(static_cast<std::int64_t>(st.iterations()) * static_cast<std::int64_t>(n));
}

void register_all() {
  for (auto [name, get] :
       {std::pair{"rtp_write", &rtp_write}, std::pair{"cfg9_store", &cfg9_store}}) {
    const Case& c = get();
    const std::string n(name);
    benchmark::RegisterBenchmark((n + "/HeaderStack/decode").c_str(),
                                 [&c](benchmark::State& st) { header_stack_decode(st, c); });
    benchmark::RegisterBenchmark((n + "/HeaderStack/memcpy").c_str(), [&c](benchmark::State& st) {
      memcpy_bytes(st, stack_bytes(c.packet));
    });
    benchmark::RegisterBenchmark((n + "/Packet/decode").c_str(),
                                 [&c](benchmark::State& st) { packet_decode(st, c); });
    benchmark::RegisterBenchmark((n + "/Packet/encode").c_str(),
                                 [&c](benchmark::State& st) { packet_encode(st, c); });
    benchmark::RegisterBenchmark((n + "/Packet/memcpy").c_str(),
                                 [&c](benchmark::State& st) { memcpy_bytes(st, c.wire.size()); });
  }
}

} // namespace

int main(int argc, char** argv) {
  register_all();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) {
    return 1;
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

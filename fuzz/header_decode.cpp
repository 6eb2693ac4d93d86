// Arbitrary bytes into one header's decoder, chosen by name from the registry (byte 0), in a
// block mode chosen by byte 1 (for control blocks). Property: what decodes re-encodes from its
// field list, and that encoding decodes to the same fields; for headers that keep their
// reserved bits (all but control blocks) the bytes come back exactly.

#include <cstdint>
#include <cstring>
#include <vector>

#include "fuzz_check.hpp"
#include "protocol/packet/registry.hpp"

using namespace ub;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) {
    return 0;
  }
  const auto reg = pkt::header_registry();
  const pkt::HeaderEntry& e = reg[data[0] % reg.size()];
  pkt::DecodeOptions opts{};
  opts.mode = data[1] % 3 == 0 ? dl::BlockMode::Crc30
                               : (data[1] % 3 == 1 ? dl::BlockMode::Crc62 : dl::BlockMode::NonCrc);
  const std::span<const std::uint8_t> in(data + 2, size - 2);
  auto fields = e.decode(in, opts);
  if (!fields) {
    UB_FUZZ_CHECK(!to_string(fields.error()).empty());
    return 0;
  }
  std::vector<pkt::NamedValue> values;
  for (const auto& f : *fields) {
    pkt::NamedValue nv;
    nv.name = std::string(f.name);
    nv.scalar = f.scalar;
    nv.wide = f.wide;
    values.push_back(std::move(nv));
  }
  auto bytes = e.encode(values, opts);
  if (!bytes) {
    std::fprintf(stderr, "%.*s: decoded fields do not encode: %s\n",
                 static_cast<int>(e.name.size()), e.name.data(), to_string(bytes.error()).c_str());
  }
  UB_FUZZ_CHECK(bytes.has_value());
  if (!e.control_block) {
    UB_FUZZ_CHECK(bytes->size() == in.size());
    UB_FUZZ_CHECK(std::memcmp(bytes->data(), in.data(), in.size()) == 0);
  }
  auto again = e.decode(*bytes, opts);
  UB_FUZZ_CHECK(again.has_value());
  UB_FUZZ_CHECK(again->size() == fields->size());
  for (std::size_t i = 0; i < fields->size(); ++i) {
    UB_FUZZ_CHECK((*again)[i].name == (*fields)[i].name);
    UB_FUZZ_CHECK((*again)[i].scalar == (*fields)[i].scalar);
    UB_FUZZ_CHECK((*again)[i].wide == (*fields)[i].wide);
  }
  return 0;
}

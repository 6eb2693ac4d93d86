// Arbitrary bytes into the per-packet TA decoder (protocol/ta/ta_packet.hpp), in the wire form
// byte 0 chooses (mod 3: CFG 6, CFG 3/4/7, CFG 9). Properties: the decoder fails cleanly or
// returns a packet whose headers and payload account for every byte; what decodes encodes again,
// to the very same bytes (every reserved field is kept, so there is no non-canonical input to
// normalise), and those bytes decode to an equal packet.

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <span>

#include "fuzz_check.hpp"
#include "protocol/ta/ta_packet.hpp"

using namespace ub;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) {
    return 0;
  }
  const auto w = static_cast<ta::TaWire>(data[0] % 3);
  const std::span<const std::uint8_t> in(data + 1, size - 1);
  auto p = ta::decode_ta(in, w);
  if (!p) {
    UB_FUZZ_CHECK(!to_string(p.error()).empty());
    UB_FUZZ_CHECK(p.error().offset <= in.size());
    return 0;
  }
  UB_FUZZ_CHECK(p->opcode() == in[0]);
  UB_FUZZ_CHECK(ta::ta_header_size(*p, w) + p->payload.size() == in.size());
  auto bytes = ta::encode_ta(*p, w);
  if (!bytes) {
    std::fprintf(stderr, "decoded TA packet does not encode: %s\n",
                 to_string(bytes.error()).c_str());
  }
  UB_FUZZ_CHECK(bytes.has_value());
  UB_FUZZ_CHECK(std::equal(bytes->begin(), bytes->end(), in.begin(), in.end()));
  auto again = ta::decode_ta(*bytes, w);
  UB_FUZZ_CHECK(again.has_value());
  UB_FUZZ_CHECK(*again == *p);
  return 0;
}

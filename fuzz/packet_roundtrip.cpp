// Structure-aware round trip: start from one of the built-in samples, let the input mutate
// header fields, the LPH, the LBHs, ERROR_FLAG, the payload and the block mode, then encode.
// Property: whatever the encoder accepts, the decoder accepts and gives back (same headers apart
// from the fields the encoder derives, same payload), and re-encoding that gives the same bytes.
// Whatever the encoder refuses, it refuses with an Error that names a header. And the ICRC
// leaves out the variant fields (§5.3.7): changing one of them keeps it.

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <optional>
#include <span>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "fuzz_check.hpp"
#include "protocol/nl/icrc.hpp"
#include "protocol/packet/registry.hpp"
#include "protocol/packet/samples.hpp"
#include "provider.hpp"

using namespace ub;

namespace {

// A new value for a field of `width` bits now holding `current`: mostly small edits, sometimes
// any value; both reach reserved codes and boundaries.
std::uint64_t random_scalar(unsigned width, std::uint64_t current, fuzz::Provider& in) {
  const std::uint64_t mask = width >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << width) - 1;
  return (in.byte() & 1) != 0 ? (current + in.byte()) & mask : in.u64() & mask;
}

pkt::NamedValue random_value(const pkt::FieldEntry& f, fuzz::Provider& in) {
  pkt::NamedValue nv;
  nv.name = std::string(f.name);
  if (f.is_wide()) {
    const auto b = in.bytes((f.width + 7U) / 8U);
    nv.wide.assign(b.begin(), b.end());
    if (nv.wide.empty()) {
      nv.wide.push_back(0);
    }
  } else {
    nv.scalar = random_scalar(f.width, f.scalar, in);
  }
  return nv;
}

// §5.3.7: the fields the ICRC leaves out (masked), which a switch may rewrite on the way: CCI
// and LBF of the CNA NTHs (the UB prefix's CCI lies outside the covered range), IPv4 ToS, TTL
// and header checksum, IPv6 traffic class, flow label and hop limit, UDP checksum.
bool icrc_variant(std::string_view field) {
  static constexpr std::string_view kVariant[] = {
      "CCI",           "LBF",        "ToS",       "TTL",         "Header_Checksum",
      "Traffic_Class", "Flow_Label", "Hop_Limit", "UDP_Checksum"};
  return std::find(std::begin(kVariant), std::end(kVariant), field) != std::end(kVariant);
}

// `nth` with one of its ICRC-variant fields (picked by the input) given a new value, and that
// field's name; nothing if the header has no such field or its codec refuses the value. Every
// variant field is a plain scalar that no other field's layout depends on, so setting it on a
// copy through the header's codec is what make_header would build from the full field list, without
// listing (and allocating) every field: this runs on nearly every input.
std::optional<std::pair<pkt::Header, std::string_view>> with_variant_changed(const pkt::Header& nth,
                                                                             fuzz::Provider& in) {
  return std::visit(
      [&](const auto& h) -> std::optional<std::pair<pkt::Header, std::string_view>> {
        using H = std::decay_t<decltype(h)>;
        std::size_t variants = 0;
        Codec<H>::visit(h, [&](const FieldDesc& d, const FieldValue&) {
          variants += icrc_variant(d.name) ? 1U : 0U;
        });
        if (variants == 0) {
          return std::nullopt;
        }
        std::size_t k = in.pick(variants);
        std::optional<std::pair<FieldDesc, std::uint64_t>> pick;
        Codec<H>::visit(h, [&](const FieldDesc& d, const FieldValue& v) {
          if (!pick && icrc_variant(d.name) && k-- == 0) {
            pick.emplace(d, v.scalar);
          }
        });
        UB_FUZZ_CHECK(pick.has_value() && pick->first.width <= 64);
        H changed = h;
        const FieldValue v{random_scalar(pick->first.width, pick->second, in), {}};
        if (!Codec<H>::set(changed, pick->first.name, v)) {
          return std::nullopt;
        }
        return std::pair{pkt::Header{changed}, pick->first.name};
      },
      nth);
}

std::vector<pkt::NamedValue> as_values(const std::vector<pkt::FieldEntry>& fields) {
  std::vector<pkt::NamedValue> out;
  out.reserve(fields.size()); // one allocation, not one per doubling: this runs on most inputs
  for (const auto& f : fields) {
    pkt::NamedValue& nv = out.emplace_back();
    nv.name = std::string(f.name);
    nv.scalar = f.scalar;
    nv.wide = f.wide;
  }
  return out;
}

// Gives field `fi` of `h` a new value from the input, as make_header / make_lph would build the
// header from its full field list with that one value changed; keeps `h` if the codec refuses
// the value. A field that decides the layout (is_layout_selector) goes through that full
// rebuild, `rebuild`, so that the fields the new layout hides are back at their defaults, as
// in a decoded header. Any other field is set on a copy: the same header, without listing
// every field as named values (allocations ASan makes expensive; this runs on most inputs).
// Both paths read the same input bytes.
template <class H, class Rebuild>
void edit_field(H& h, std::size_t fi, fuzz::Provider& in, Rebuild&& rebuild) {
  std::optional<std::pair<FieldDesc, std::uint64_t>> pick;
  bool wide = false;
  std::size_t k = fi;
  Codec<H>::visit(h, [&](const FieldDesc& d, const FieldValue& v) {
    if (!pick && k-- == 0) {
      pick.emplace(d, v.scalar);
      wide = d.width > 64 || !v.wide.empty();
    }
  });
  UB_FUZZ_CHECK(pick.has_value());
  if (pkt::is_layout_selector(pick->first.name)) {
    rebuild();
    return;
  }
  static constexpr Byte kZero[1] = {0};
  FieldValue v{};
  if (wide) {
    v.wide = in.bytes((pick->first.width + 7U) / 8U);
    if (v.wide.empty()) {
      v.wide = kZero;
    }
  } else {
    v.scalar = random_scalar(pick->first.width, pick->second, in);
  }
  H changed = h;
  if (Codec<H>::set(changed, pick->first.name, v)) {
    h = changed;
  }
}

template <class H>
std::size_t field_count(const H& h) {
  std::size_t n = 0;
  Codec<H>::visit(h, [&](const FieldDesc&, const FieldValue&) { ++n; });
  return n;
}

} // namespace

// Buffers: static, so that a run does not allocate and ASan does not fill ~50 KB per run. They
// carry nothing from one run to the next: every byte a run reads from one of them was written
// by the same run (an encoder returns how many bytes it wrote, and the checks below read only
// those; the decoder reads only the span it is given). The decoded Packet is a local, rebuilt
// on every run, for the same reason.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::vector<pkt::PacketSample> samples = pkt::packet_samples();
  fuzz::Provider in(data, size);
  pkt::Packet p = samples[in.pick(samples.size())].packet;
  const std::uint8_t m = in.byte() % 3;
  p.mode = m == 0 ? dl::BlockMode::Crc30 : (m == 1 ? dl::BlockMode::Crc62 : dl::BlockMode::NonCrc);
  // The payload is a view: of the sample's static bytes, or of the input itself (which lives
  // until this function returns, in an exact-size buffer, so ASan sees any over-read).
  std::span<const std::uint8_t> payload = p.payload;

  const std::size_t steps = in.byte() % 8;
  for (std::size_t s = 0; s < steps && in.remaining() > 0; ++s) {
    switch (in.byte() % 5) {
    case 0: { // one field of one header
      if (p.header_count == 0) {
        break;
      }
      const std::size_t hi = in.pick(p.header_count);
      std::visit(
          [&](auto& h) {
            const std::size_t count = field_count(h);
            if (count == 0) {
              return;
            }
            const std::size_t fi = in.pick(count);
            edit_field(h, fi, in, [&] {
              const auto fields = pkt::fields_of(p.headers[hi]);
              auto values = as_values(fields);
              values[fi] = random_value(fields[fi], in);
              if (auto r = pkt::make_header(pkt::header_name(p.headers[hi]), values)) {
                p.headers[hi] = *r;
              }
            });
          },
          p.headers[hi]);
      break;
    }
    case 1: { // the LPH
      const std::size_t fi = in.pick(field_count(p.lph));
      edit_field(p.lph, fi, in, [&] {
        const auto fields = pkt::fields_of(p.lph);
        auto values = as_values(fields);
        values[fi] = random_value(fields[fi], in);
        if (auto l = pkt::make_lph(values)) {
          p.lph = *l;
        }
      });
      break;
    }
    case 2: // the payload
      payload = in.bytes(in.pick(2048));
      break;
    case 3:
      p.error_flag = !p.error_flag;
      break;
    default: { // an LBH
      const std::size_t i = in.pick(p.lbh.size());
      dl::Lbh l{};
      l.crd = (in.byte() & 1) != 0;
      l.ack = (in.byte() & 1) != 0;
      l.crd_vl = in.byte() & 0xF;
      l.vl = in.byte() & 0xF;
      l.cfg = in.byte() & 0xF;
      p.lbh[i] = l;
      p.lbh_count = static_cast<std::uint8_t>(std::max<std::size_t>(p.lbh_count, i + 1));
      break;
    }
    }
  }
  p.payload = payload;

  static std::vector<std::uint8_t> wire(pkt::kMaxWireBytes);
  static std::vector<std::uint8_t> scratch(pkt::kMaxNetBytes);
  auto n = pkt::encode_packet(p, wire, scratch);
  if (!n) {
    // A refusal names the header (or LPH, LBH, ICRC, packet) and says why.
    const Error& e = n.error();
    if (e.header.empty() || e.reason.empty()) {
      std::fprintf(stderr, "refusal without a header or reason: %s\n", to_string(e).c_str());
    }
    UB_FUZZ_CHECK(!e.header.empty() && !e.reason.empty());
    return 0;
  }
  pkt::DecodeOptions opts{};
  opts.mode = p.mode;
  opts.cetph =
      p.find<ub::tp::CetphCaqm>() != nullptr ? ub::tp::CetphForm::Caqm : ub::tp::CetphForm::Ldcp;
  static std::vector<std::uint8_t> scratch2(pkt::kMaxNetBytes);
  pkt::Packet d;
  auto st = pkt::decode_packet(std::span<const std::uint8_t>(wire.data(), *n), opts, scratch2, d);
  if (!st) {
    std::fprintf(stderr, "encoded packet does not decode: %s\n", to_string(st.error()).c_str());
  }
  UB_FUZZ_CHECK(st.has_value());
  UB_FUZZ_CHECK(d.canonical);
  UB_FUZZ_CHECK(d.header_count == p.header_count);
  for (std::size_t i = 0; i < p.header_count; ++i) {
    UB_FUZZ_CHECK(pkt::without_derived(d.headers[i]) == pkt::without_derived(p.headers[i]));
  }
  UB_FUZZ_CHECK(d.payload.size() == payload.size());
  UB_FUZZ_CHECK(payload.empty() ||
                std::memcmp(d.payload.data(), payload.data(), payload.size()) == 0);
  UB_FUZZ_CHECK(d.error_flag == p.error_flag);
  static std::vector<std::uint8_t> again(pkt::kMaxWireBytes);
  auto n2 = pkt::encode_packet(d, again, scratch);
  UB_FUZZ_CHECK(n2.has_value() && *n2 == *n);
  UB_FUZZ_CHECK(std::memcmp(again.data(), wire.data(), *n) == 0);

  // The ICRC must not depend on the variant fields: the same packet with one of them changed
  // (by a switch on the way) carries the same ICRC, the network packet's last 4 bytes.
  if (d.has_icrc) {
    // The NTH (one per packet: NTH_CNA16, NTH_CNA24 or NTH_IP, always the first header when
    // there is an ICRC) holds every variant field; pick one of them.
    std::size_t hi = 0;
    while (hi < p.header_count && !pkt::header_name(p.headers[hi]).starts_with("NTH")) {
      ++hi;
    }
    if (hi == p.header_count) {
      return 0;
    }
    auto changed = with_variant_changed(p.headers[hi], in);
    if (!changed) {
      return 0;
    }
    pkt::Packet q = p;
    q.headers[hi] = changed->first;
    // p's ICRC is the one its wire bytes carry, which the decoder read (and checked) into
    // d.icrc: only q's network packet is encoded again.
    static std::vector<std::uint8_t> net_q(pkt::kMaxNetBytes);
    const auto nq = pkt::encode_network(q, net_q);
    if (!nq) {
      return 0; // the new value is refused (a reserved CCI form, say)
    }
    UB_FUZZ_CHECK(*nq >= 4);
    const std::uint32_t before = d.icrc;
    const std::uint32_t after = nl::load_icrc(net_q.data() + *nq - 4);
    if (before != after) {
      const std::string_view hn = pkt::header_name(p.headers[hi]);
      std::fprintf(stderr, "ICRC changed with %.*s.%.*s: %08x -> %08x\n",
                   static_cast<int>(hn.size()), hn.data(), static_cast<int>(changed->second.size()),
                   changed->second.data(), before, after);
    }
    UB_FUZZ_CHECK(before == after);
  }
  return 0;
}

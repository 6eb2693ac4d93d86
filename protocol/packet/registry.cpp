#include "protocol/packet/registry.hpp"

#include <algorithm>
#include <array>

namespace ub::pkt {

namespace {

template <class H>
std::vector<FieldEntry> collect(const H& h) {
  // Counted first, so the vector is allocated once rather than grown (and its entries moved)
  // four or five times: fuzz/packet_roundtrip lists a header's fields on most of its runs.
  std::size_t count = 0;
  Codec<H>::visit(h, [&](const FieldDesc&, const FieldValue&) { ++count; });
  std::vector<FieldEntry> out;
  out.reserve(count);
  Codec<H>::visit(h, [&](const FieldDesc& d, const FieldValue& v) {
    FieldEntry e;
    e.name = d.name;
    e.offset = d.offset;
    e.width = d.width;
    e.role = d.role;
    e.scalar = v.scalar;
    e.wide.assign(v.wide.begin(), v.wide.end());
    out.push_back(std::move(e));
  });
  return out;
}

// Fields that decide the layout of the others are set first, whatever order the user gave.
constexpr std::array<std::string_view, 5> kSelectors{"Version", "Mode", "BitMapSize", "CLENGTH",
                                                     "TAOpcode"};

template <class H>
Result<H> build(std::span<const NamedValue> values, std::size_t* bad_field, H h = H{}) {
  std::vector<std::size_t> order;
  order.reserve(values.size());
  for (std::string_view sel : kSelectors) {
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (values[i].name == sel) {
        order.push_back(i);
      }
    }
  }
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (std::find(kSelectors.begin(), kSelectors.end(), values[i].name) == kSelectors.end()) {
      order.push_back(i);
    }
  }
  for (std::size_t i : order) {
    const NamedValue& nv = values[i];
    const FieldValue fv{nv.scalar, std::span<const Byte>(nv.wide)};
    if (auto st = Codec<H>::set(h, nv.name, fv); !st) {
      if (bad_field != nullptr) {
        *bad_field = i;
      }
      return make_unexpected(st.error());
    }
  }
  if (bad_field != nullptr) {
    *bad_field = values.size();
  }
  return h;
}

Error trailing(std::string_view name, std::string_view clause, std::size_t used, std::size_t have) {
  return Error{Errc::TrailingBytes, used, name, {}, "input is longer than the header", clause}
      .with_value(have);
}

// Decode/encode of a header with a Codec<H> decode(span) and encode(h, span).
template <class H>
Result<std::vector<FieldEntry>> decode_plain(std::span<const Byte> in, const DecodeOptions&) {
  auto h = Codec<H>::decode(in);
  if (!h) {
    return make_unexpected(h.error());
  }
  const std::size_t used = Codec<H>::size(*h);
  if (used != in.size()) {
    return make_unexpected(trailing(Codec<H>::kName, Codec<H>::kClause, used, in.size()));
  }
  return collect(*h);
}

template <class H>
Result<std::vector<Byte>> encode_plain(std::span<const NamedValue> values, const DecodeOptions&) {
  auto h = build<H>(values, nullptr);
  if (!h) {
    return make_unexpected(h.error());
  }
  std::vector<Byte> out(Codec<H>::size(*h));
  auto n = Codec<H>::encode(*h, out);
  if (!n) {
    return make_unexpected(n.error());
  }
  out.resize(*n);
  return out;
}

template <class T>
Result<std::vector<FieldEntry>> decode_block(std::span<const Byte> in, const DecodeOptions& opts) {
  auto cb = dl::decode_control_block(in, opts.mode);
  if (!cb) {
    return make_unexpected(cb.error());
  }
  const T* t = std::get_if<T>(&*cb);
  if (t == nullptr) {
    return make_unexpected(Error{Errc::NotAllowed, 2, "LCH", "CTRL",
                                 "the block is of another DLLCB type", dl::kLchClause});
  }
  return collect(*t);
}

template <class T>
Result<std::vector<Byte>> encode_block(std::span<const NamedValue> values,
                                       const DecodeOptions& opts) {
  auto t = build<T>(values, nullptr);
  if (!t) {
    return make_unexpected(t.error());
  }
  const dl::ControlBlock cb = *t;
  std::vector<Byte> out(dl::control_block_flits(cb) * dl::kFlitBytes);
  auto n = dl::encode_control_block(cb, opts.mode, out);
  if (!n) {
    return make_unexpected(n.error());
  }
  out.resize(*n);
  return out;
}

template <class H>
constexpr HeaderEntry plain(std::string_view summary) {
  return HeaderEntry{Codec<H>::kName, Codec<H>::kClause, summary,
                     false,           &decode_plain<H>,  &encode_plain<H>};
}

template <class T>
constexpr HeaderEntry block(std::string_view summary) {
  return HeaderEntry{Codec<T>::kName,  Codec<T>::kClause, summary, true,
                     &decode_block<T>, &encode_block<T>};
}

const std::array kRegistry{
    plain<dl::Lph>("link packet header, first 4 bytes of every data packet"),
    plain<dl::Lbh>("link block header, first 2 bytes of every later block"),
    plain<nl::Cci>("congestion control information (CAQM / FECN_RTT / FECN)"),
    plain<nl::NthCna16>("network header with 16-bit CNAs (CFG 6 and 9)"),
    plain<nl::NthCna24>("network header with 24-bit CNAs (CFG 7)"),
    plain<nl::NthIp>("UB prefix + IPv4/IPv6 + UDP (CFG 3 and 4)"),
    plain<mgmt::NetMgmtHeader>("UB-link network management header (CFG 5)"),
    plain<nl::Upih16>("16-bit user partition ID header"),
    plain<nl::Upih32>("32-bit user partition ID header"),
    plain<nl::Eidh40>("20-bit source and destination EIDs"),
    plain<nl::Eidh256>("128-bit source and destination EIDs"),
    plain<mgmt::ScanHeader>("enumeration padding and Scan Header word"),
    plain<tp::Rtph>("reliable transport header"),
    plain<tp::Utph>("unreliable transport header"),
    plain<tp::Ctph>("compact transport header"),
    plain<tp::CetphLdcp>("congestion extension header, LDCP form"),
    plain<tp::CetphCaqm>("congestion extension header, CAQM form"),
    plain<tp::Saetph>("selective-ACK extension header"),
    plain<tp::CnpCetph>("congestion notification packet header"),
    plain<ta::Btah>("base transaction header"),
    plain<ta::BtahCompact>("base transaction header, compact (CFG 9)"),
    plain<ta::Atah>("acknowledge transaction header"),
    plain<ta::AtahCompact>("acknowledge transaction header, compact (CFG 9)"),
    plain<ta::Maetah>("memory access extension header"),
    plain<ta::MaetahCompact>("memory access extension header, compact (CFG 9)"),
    plain<ta::Mtetah>("message target extension header"),
    plain<ta::Tvetah>("token value extension header"),
    plain<ta::Taidetah>("task ID extension header"),
    plain<ta::Ofstetah>("offset extension header"),
    plain<ta::Immetah>("immediate data extension header"),
    plain<ta::Ntfetah>("notify extension header"),
    plain<ta::Beetah>("byte-enable extension header"),
    plain<ta::Udetah>("user-defined extension header"),
    plain<ta::Mgmtetah>("management extension header"),
    block<dl::NullBlock>("Null control block"),
    block<dl::NoOperation>("No_Operation control block"),
    block<dl::RetryIdle>("Retry_Idle control block"),
    block<dl::RetryReq>("Retry_Req control block"),
    block<dl::RetryAck>("Retry_Ack control block"),
    block<dl::CrdAck>("Crd_Ack control block (credit and ACK return)"),
    block<dl::ParamExchg>("Param_Exchg control block"),
    block<dl::LaneManage>("Lane_Manage control block"),
    block<dl::BlockModeChg>("Block_Mode_Chg control block"),
    block<dl::InitBlock>("Init control block (parameter negotiation)"),
};

// Header alternatives by name, for make_header.
template <std::size_t I = 0>
Result<Header> make_by_index(std::string_view name, std::span<const NamedValue> values,
                             std::size_t* bad_field) {
  if constexpr (I == std::variant_size_v<Header>) {
    if (bad_field != nullptr) {
      *bad_field = values.size();
    }
    return make_unexpected(Error{Errc::UnknownField,
                                 0,
                                 {},
                                 {},
                                 "not the name of a header that can follow the LPH",
                                 "App. B"});
  } else {
    using H = std::variant_alternative_t<I, Header>;
    if (Codec<H>::kName == name) {
      auto h = build<H>(values, bad_field);
      if (!h) {
        return make_unexpected(h.error());
      }
      return Header{*h};
    }
    return make_by_index<I + 1>(name, values, bad_field);
  }
}

template <std::size_t I = 0>
Result<dl::ControlBlock> make_block_by_index(std::string_view name,
                                             std::span<const NamedValue> values,
                                             std::size_t* bad_field) {
  if constexpr (I == std::variant_size_v<dl::ControlBlock>) {
    if (bad_field != nullptr) {
      *bad_field = values.size();
    }
    return make_unexpected(
        Error{Errc::UnknownField, 0, {}, {}, "not the name of a DLLCB type", dl::kLchClause});
  } else {
    using T = std::variant_alternative_t<I, dl::ControlBlock>;
    if (Codec<T>::kName == name) {
      auto t = build<T>(values, bad_field);
      if (!t) {
        return make_unexpected(t.error());
      }
      return dl::ControlBlock{*t};
    }
    return make_block_by_index<I + 1>(name, values, bad_field);
  }
}

} // namespace

std::span<const HeaderEntry> header_registry() noexcept {
  return kRegistry;
}

const HeaderEntry* find_header(std::string_view name) noexcept {
  for (const auto& e : kRegistry) {
    if (e.name == name) {
      return &e;
    }
  }
  return nullptr;
}

std::vector<FieldEntry> fields_of(const Header& h) {
  return std::visit([](const auto& x) { return collect(x); }, h);
}
std::vector<FieldEntry> fields_of(const dl::Lph& h) {
  return collect(h);
}
std::vector<FieldEntry> fields_of(const dl::Lbh& h) {
  return collect(h);
}
std::vector<FieldEntry> fields_of(const nl::Cci& h) {
  return collect(h);
}
std::vector<FieldEntry> fields_of(const dl::ControlBlock& cb) {
  return std::visit([](const auto& x) { return collect(x); }, cb);
}

Result<Header> make_header(std::string_view name, std::span<const NamedValue> values,
                           std::size_t* bad_field) {
  return make_by_index(name, values, bad_field);
}

Result<dl::Lph> make_lph(std::span<const NamedValue> values, std::size_t* bad_field) {
  return build<dl::Lph>(values, bad_field);
}

Result<dl::Lbh> make_lbh(std::span<const NamedValue> values, std::size_t* bad_field) {
  return build<dl::Lbh>(values, bad_field);
}

Result<dl::ControlBlock> make_control_block(std::string_view name,
                                            std::span<const NamedValue> values,
                                            std::size_t* bad_field) {
  return make_block_by_index(name, values, bad_field);
}

bool is_layout_selector(std::string_view field) noexcept {
  return std::find(kSelectors.begin(), kSelectors.end(), field) != kSelectors.end();
}

bool is_control_block_name(std::string_view name) noexcept {
  const HeaderEntry* e = find_header(name);
  return e != nullptr && e->control_block;
}

} // namespace ub::pkt

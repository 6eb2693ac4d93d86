#include "tools/ubmodel/json_io.hpp"

#include <cstring>

#include <fmt/format.h>

#include "tools/ubmodel/hex.hpp"

namespace ub::tool {

namespace {

ToolError from(const Error& e, std::string_view where = {}) {
  if (where.empty()) {
    return ToolError{to_string(e)};
  }
  return ToolError{fmt::format("{}: {}", where, to_string(e))};
}

json field_value(const pkt::FieldEntry& f) {
  if (f.is_wide()) {
    return json("0x" + to_hex(f.wide));
  }
  return json(f.scalar);
}

// Big-endian bytes of a value given as a number or a hex string.
ToolResult<pkt::NamedValue> value_from_json(const std::string& name, const json& v,
                                            const std::string& where) {
  pkt::NamedValue nv;
  nv.name = name;
  if (v.is_boolean()) {
    nv.scalar = v.get<bool>() ? 1 : 0;
    return nv;
  }
  if (v.is_number_unsigned()) {
    nv.scalar = v.get<std::uint64_t>();
    return nv;
  }
  if (v.is_number_integer()) {
    const auto s = v.get<std::int64_t>();
    if (s < 0) {
      return make_unexpected(
          ToolError{fmt::format("{}.{}: negative value {} (fields are unsigned)", where, name, s)});
    }
    nv.scalar = static_cast<std::uint64_t>(s);
    return nv;
  }
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    if (s.size() < 3 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) {
      return make_unexpected(ToolError{fmt::format(
          "{}.{}: string values must be hex with a 0x prefix, got \"{}\"", where, name, s)});
    }
    std::string digits = s.substr(2);
    if (digits.size() % 2 != 0) {
      digits.insert(digits.begin(), '0');
    }
    auto bytes = parse_hex(digits);
    if (!bytes) {
      return make_unexpected(
          ToolError{fmt::format("{}.{}: character {}: {}", where, name, bytes.error().position + 2,
                                bytes.error().reason)});
    }
    nv.wide = std::move(*bytes);
    return nv;
  }
  return make_unexpected(
      ToolError{fmt::format("{}.{}: expected an unsigned integer or a \"0x...\" string, got {}",
                            where, name, v.type_name())});
}

ToolResult<std::string> mode_from(const json& link, std::string_view where) {
  if (!link.contains("mode")) {
    return std::string{};
  }
  const json& m = link["mode"];
  if (!m.is_string() || !dl::block_mode_from_string(m.get<std::string>())) {
    return make_unexpected(
        ToolError{fmt::format("{}.mode: expected \"crc30\", \"crc62\" or \"noncrc\"", where)});
  }
  return m.get<std::string>();
}

bool same_value(const pkt::FieldEntry& decoded, const json& given) {
  auto nv = value_from_json(std::string(decoded.name), given, "");
  if (!nv) {
    return false;
  }
  if (!decoded.is_wide() && nv->wide.empty()) {
    return decoded.scalar == nv->scalar;
  }
  // Compare as big-endian numbers, ignoring leading zero bytes.
  std::vector<std::uint8_t> a = decoded.wide;
  if (!decoded.is_wide()) {
    a.resize(8);
    for (int i = 0; i < 8; ++i) {
      a[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(decoded.scalar >> (56 - 8 * i));
    }
  }
  std::vector<std::uint8_t> b = nv->wide;
  if (b.empty()) {
    b.resize(8);
    for (int i = 0; i < 8; ++i) {
      b[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(nv->scalar >> (56 - 8 * i));
    }
  }
  auto strip = [](std::vector<std::uint8_t>& v) {
    std::size_t z = 0;
    while (z < v.size() && v[z] == 0) {
      ++z;
    }
    v.erase(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(z));
  };
  strip(a);
  strip(b);
  return a == b;
}

ToolResult<void> check_fields(const json& given, const std::vector<pkt::FieldEntry>& decoded,
                              const std::string& where) {
  if (!given.is_object()) {
    return {};
  }
  for (const auto& [k, v] : given.items()) {
    const pkt::FieldEntry* f = nullptr;
    for (const auto& d : decoded) {
      if (d.name == k) {
        f = &d;
      }
    }
    if (f == nullptr) {
      continue; // a field the mode does not carry; building would have refused a non-zero one
    }
    if (!same_value(*f, v)) {
      return make_unexpected(ToolError{fmt::format(
          "{}.{}: given {}, but the encoded packet has {}{}", where, k, v.dump(),
          field_value(*f).dump(),
          f->role == FieldRole::Derived ? " (a derived field: omit it to have it computed)" : "")});
    }
  }
  return {};
}

} // namespace

json fields_to_json(const std::vector<pkt::FieldEntry>& fields) {
  json o = json::object();
  for (const auto& f : fields) {
    o[std::string(f.name)] = field_value(f);
  }
  return o;
}

ToolResult<std::vector<pkt::NamedValue>> fields_from_json(const json& fields,
                                                          const std::string& where) {
  std::vector<pkt::NamedValue> out;
  if (fields.is_null()) {
    return out;
  }
  if (!fields.is_object()) {
    return make_unexpected(ToolError{fmt::format("{}: \"fields\" must be an object", where)});
  }
  for (const auto& [k, v] : fields.items()) {
    auto nv = value_from_json(k, v, where);
    if (!nv) {
      return make_unexpected(nv.error());
    }
    out.push_back(std::move(*nv));
  }
  return out;
}

ToolResult<Unit> decode_unit(std::span<const std::uint8_t> wire, const pkt::DecodeOptions& opts) {
  Unit u;
  u.mode = opts.mode;
  if (wire.size() < 2) {
    return make_unexpected(ToolError{fmt::format(
        "byte {}: truncated: a data-link unit starts with at least 2 header bytes", wire.size())});
  }
  if ((wire[1] & 0x0F) == dl::cfg::kControl) {
    bool canonical = true;
    auto cb = dl::decode_control_block(wire, opts.mode, &canonical);
    if (!cb) {
      return make_unexpected(from(cb.error()));
    }
    u.is_control = true;
    u.block = *cb;
    u.canonical = canonical;
    return u;
  }
  u.buffer.resize(pkt::kMaxNetBytes);
  if (auto st = pkt::decode_packet(wire, opts, u.buffer, u.packet); !st) {
    return make_unexpected(from(st.error()));
  }
  u.canonical = u.packet.canonical;
  return u;
}

ToolResult<std::vector<std::uint8_t>> encode_unit(const Unit& u) {
  if (u.is_control) {
    std::vector<std::uint8_t> out(dl::control_block_flits(u.block) * dl::kFlitBytes);
    auto n = dl::encode_control_block(u.block, u.mode, out);
    if (!n) {
      return make_unexpected(from(n.error()));
    }
    out.resize(*n);
    return out;
  }
  std::vector<std::uint8_t> out(pkt::kMaxWireBytes);
  std::vector<std::uint8_t> scratch(pkt::kMaxNetBytes);
  auto n = pkt::encode_packet(u.packet, out, scratch);
  if (!n) {
    return make_unexpected(from(n.error()));
  }
  out.resize(*n);
  return out;
}

json unit_to_json(const Unit& u) {
  json j;
  json link;
  link["mode"] = std::string(dl::to_string(u.mode));
  if (u.is_control) {
    link["canonical"] = u.canonical;
    j["link"] = link;
    j["headers"] = json::array({json{{"name", std::string(dl::control_block_name(u.block))},
                                     {"fields", fields_to_json(pkt::fields_of(u.block))}}});
    return j;
  }
  const pkt::Packet& p = u.packet;
  link["ERROR_FLAG"] = p.error_flag ? 1 : 0;
  json lbhs = json::array();
  for (std::size_t i = 0; i < p.lbh_count; ++i) {
    lbhs.push_back(fields_to_json(pkt::fields_of(p.lbh[i])));
  }
  link["LBH"] = lbhs;
  link["canonical"] = u.canonical;
  j["link"] = link;
  json headers = json::array();
  headers.push_back(json{{"name", "LPH"}, {"fields", fields_to_json(pkt::fields_of(p.lph))}});
  for (const auto& h : p.header_list()) {
    headers.push_back(json{{"name", std::string(pkt::header_name(h))},
                           {"fields", fields_to_json(pkt::fields_of(h))}});
  }
  j["headers"] = headers;
  j["payload"] = to_hex(p.payload);
  if (p.has_icrc) {
    j["ICRC"] = p.icrc;
  }
  return j;
}

ToolResult<Unit> unit_from_json(const json& j, const pkt::DecodeOptions& defaults) {
  if (!j.is_object()) {
    return make_unexpected(ToolError{"input: expected a JSON object with \"headers\""});
  }
  Unit u;
  u.mode = defaults.mode;
  json link = j.contains("link") ? j["link"] : json::object();
  if (!link.is_object()) {
    return make_unexpected(ToolError{"link: expected an object"});
  }
  auto mode = mode_from(link, "link");
  if (!mode) {
    return make_unexpected(mode.error());
  }
  if (!mode->empty()) {
    u.mode = *dl::block_mode_from_string(*mode);
  }
  if (!j.contains("headers") || !j["headers"].is_array() || j["headers"].empty()) {
    return make_unexpected(
        ToolError{"headers: expected a non-empty array starting with LPH or a DLLCB type"});
  }
  const json& headers = j["headers"];
  auto parse_header = [&](std::size_t i, std::string& name,
                          std::vector<pkt::NamedValue>& values) -> ToolResult<void> {
    const std::string where = fmt::format("headers[{}]", i);
    const json& h = headers[i];
    if (!h.is_object() || !h.contains("name") || !h["name"].is_string()) {
      return make_unexpected(ToolError{where + ": expected {\"name\": ..., \"fields\": {...}}"});
    }
    name = h["name"].get<std::string>();
    auto vals = fields_from_json(h.contains("fields") ? h["fields"] : json(), where + ".fields");
    if (!vals) {
      return make_unexpected(vals.error());
    }
    values = std::move(*vals);
    return {};
  };
  auto field_error = [&](const Error& e, std::size_t i, const std::vector<pkt::NamedValue>& vals,
                         std::size_t bad) {
    std::string where = fmt::format("headers[{}]", i);
    if (bad < vals.size()) {
      where += ".fields." + vals[bad].name;
    }
    return from(e, where);
  };

  std::string name;
  std::vector<pkt::NamedValue> values;
  if (auto st = parse_header(0, name, values); !st) {
    return make_unexpected(st.error());
  }
  if (pkt::is_control_block_name(name)) {
    if (headers.size() != 1) {
      return make_unexpected(ToolError{"headers: a control block is a single header"});
    }
    std::size_t bad = values.size();
    auto cb = pkt::make_control_block(name, values, &bad);
    if (!cb) {
      return make_unexpected(field_error(cb.error(), 0, values, bad));
    }
    u.is_control = true;
    u.block = *cb;
    return u;
  }
  if (name != "LPH") {
    return make_unexpected(ToolError{
        fmt::format("headers[0].name: \"{}\": a unit starts with LPH or a DLLCB type name", name)});
  }
  std::size_t bad = values.size();
  auto lph = pkt::make_lph(values, &bad);
  if (!lph) {
    return make_unexpected(field_error(lph.error(), 0, values, bad));
  }
  pkt::Packet& p = u.packet;
  p.mode = u.mode;
  p.lph = *lph;
  for (std::size_t i = 1; i < headers.size(); ++i) {
    if (auto st = parse_header(i, name, values); !st) {
      return make_unexpected(st.error());
    }
    auto h = pkt::make_header(name, values, &bad);
    if (!h) {
      if (h.error().code == Errc::UnknownField && bad >= values.size()) {
        return make_unexpected(ToolError{fmt::format(
            "headers[{}].name: \"{}\" is not a header that can follow the LPH", i, name)});
      }
      return make_unexpected(field_error(h.error(), i, values, bad));
    }
    if (!p.push(*h)) {
      return make_unexpected(ToolError{
          fmt::format("headers[{}]: more than {} headers after the LPH", i, pkt::kMaxHeaders)});
    }
  }
  if (link.contains("ERROR_FLAG")) {
    auto ef = value_from_json("ERROR_FLAG", link["ERROR_FLAG"], "link");
    if (!ef) {
      return make_unexpected(ef.error());
    }
    if (ef->scalar > 1 || !ef->wide.empty()) {
      return make_unexpected(ToolError{"link.ERROR_FLAG: must be 0 or 1"});
    }
    p.error_flag = ef->scalar == 1;
  }
  if (link.contains("LBH")) {
    if (!link["LBH"].is_array() || link["LBH"].size() > p.lbh.size()) {
      return make_unexpected(ToolError{"link.LBH: expected an array of at most 15 LBH objects"});
    }
    for (std::size_t i = 0; i < link["LBH"].size(); ++i) {
      const std::string where = fmt::format("link.LBH[{}]", i);
      auto vals = fields_from_json(link["LBH"][i], where);
      if (!vals) {
        return make_unexpected(vals.error());
      }
      std::size_t bad_lbh = vals->size();
      auto l = pkt::make_lbh(*vals, &bad_lbh);
      if (!l) {
        return make_unexpected(
            from(l.error(), bad_lbh < vals->size() ? where + "." + (*vals)[bad_lbh].name : where));
      }
      p.lbh[i] = *l;
    }
    p.lbh_count = static_cast<std::uint8_t>(link["LBH"].size());
  }
  if (j.contains("payload")) {
    if (!j["payload"].is_string()) {
      return make_unexpected(ToolError{"payload: expected a hex string"});
    }
    auto bytes = parse_hex(j["payload"].get<std::string>());
    if (!bytes) {
      return make_unexpected(ToolError{
          fmt::format("payload: character {}: {}", bytes.error().position, bytes.error().reason)});
    }
    u.buffer = std::move(*bytes);
    p.payload = u.buffer;
  }
  p.omit_icrc = !defaults.enumeration_icrc && pkt::is_enumeration(p);
  return u;
}

ToolResult<void> check_given_fields(const json& input, const Unit& decoded) {
  const json& headers = input["headers"];
  if (decoded.is_control) {
    return check_fields(headers[0].value("fields", json::object()), pkt::fields_of(decoded.block),
                        "headers[0].fields");
  }
  const pkt::Packet& p = decoded.packet;
  if (auto st = check_fields(headers[0].value("fields", json::object()), pkt::fields_of(p.lph),
                             "headers[0].fields");
      !st) {
    return st;
  }
  for (std::size_t i = 1; i < headers.size() && i - 1 < p.header_count; ++i) {
    if (auto st =
            check_fields(headers[i].value("fields", json::object()),
                         pkt::fields_of(p.headers[i - 1]), fmt::format("headers[{}].fields", i));
        !st) {
      return st;
    }
  }
  if (input.contains("ICRC")) {
    pkt::FieldEntry icrc{"ICRC", 0, 32, FieldRole::Derived, p.icrc, {}};
    if (!p.has_icrc || !same_value(icrc, input["ICRC"])) {
      return make_unexpected(ToolError{fmt::format(
          "ICRC: given {}, but the encoded packet has {} (a derived field: omit it to have it "
          "computed)",
          input["ICRC"].dump(), p.has_icrc ? std::to_string(p.icrc) : std::string("none"))});
    }
  }
  return {};
}

ToolResult<json> decode_header_json(std::string_view name, std::span<const std::uint8_t> bytes,
                                    const pkt::DecodeOptions& opts) {
  const pkt::HeaderEntry* e = pkt::find_header(name);
  if (e == nullptr) {
    return make_unexpected(ToolError{
        fmt::format("--header: unknown header name \"{}\" (see `ubmodel headers`)", name)});
  }
  auto fields = e->decode(bytes, opts);
  if (!fields) {
    return make_unexpected(from(fields.error()));
  }
  return json{{"name", std::string(e->name)}, {"fields", fields_to_json(*fields)}};
}

ToolResult<std::vector<std::uint8_t>> encode_header_json(std::string_view name, const json& j,
                                                         const pkt::DecodeOptions& opts) {
  const pkt::HeaderEntry* e = pkt::find_header(name);
  if (e == nullptr) {
    return make_unexpected(ToolError{
        fmt::format("--header: unknown header name \"{}\" (see `ubmodel headers`)", name)});
  }
  if (!j.is_object()) {
    return make_unexpected(ToolError{"input: expected {\"name\": ..., \"fields\": {...}}"});
  }
  if (j.contains("name") && (!j["name"].is_string() || j["name"].get<std::string>() != name)) {
    return make_unexpected(ToolError{fmt::format("name: the JSON names {} but --header says {}",
                                                 j["name"].dump(), std::string(name))});
  }
  auto values = fields_from_json(j.contains("fields") ? j["fields"] : json(), "fields");
  if (!values) {
    return make_unexpected(values.error());
  }
  auto bytes = e->encode(*values, opts);
  if (!bytes) {
    std::string where = "fields";
    if (bytes.error().code == Errc::UnknownField) {
      for (const auto& v : *values) {
        // Unknown names are refused by the header's setter; find which one to name it.
        auto probe = e->encode(std::vector<pkt::NamedValue>{v}, opts);
        if (!probe && probe.error().code == Errc::UnknownField) {
          return make_unexpected(ToolError{
              fmt::format("fields.{}: {} has no field of that name", v.name, std::string(name))});
        }
      }
    } else if (!bytes.error().field.empty()) {
      where += "." + std::string(bytes.error().field);
    }
    return make_unexpected(from(bytes.error(), where));
  }
  return *bytes;
}

} // namespace ub::tool

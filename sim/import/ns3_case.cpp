// Import of ns-3 UB simulator case folders: see ns3_case.hpp and ../shared/spec/ns3ub-formats.md.

#include "sim/import/ns3_case.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <fstream>
#include <iterator>
#include <limits>
#include <set>
#include <span>
#include <stdexcept>
#include <system_error>
#include <tuple>

#include <fmt/format.h>

// Unwraps an ImportResult or returns its error from the enclosing function.
#define UB_IMPORT_TRY(var, expr)                                                                   \
  auto var##_result = (expr);                                                                      \
  if (!var##_result) {                                                                             \
    return ::ub::make_unexpected(std::move(var##_result).error());                                 \
  }                                                                                                \
  auto var = std::move(*var##_result)

namespace ub::sim {

namespace {

using Reason = std::string;

ImportError make_error(std::string_view file, std::size_t line, std::string_view field,
                       std::string reason) {
  return ImportError{std::string(file), line, std::string(field), std::move(reason)};
}

std::string_view trim(std::string_view s) {
  constexpr std::string_view kSpace = " \t\r\n\v\f";
  const auto b = s.find_first_not_of(kSpace);
  if (b == std::string_view::npos) {
    return {};
  }
  const auto e = s.find_last_not_of(kSpace);
  return s.substr(b, e - b + 1);
}

// The offending text, quoted and cut to a readable length.
std::string quoted(std::string_view s) {
  constexpr std::size_t kMax = 40;
  std::string out = "\"";
  for (const char c : s.substr(0, kMax)) {
    out += (c >= 0x20 && c < 0x7F) ? c : '?';
  }
  if (s.size() > kMax) {
    out += "...";
  }
  out += '"';
  return out;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (true) {
    const auto pos = s.find(sep, start);
    if (pos == std::string_view::npos) {
      out.push_back(trim(s.substr(start)));
      return out;
    }
    out.push_back(trim(s.substr(start, pos - start)));
    start = pos + 1;
  }
}

// Space-separated words (empty words dropped).
std::vector<std::string_view> words(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) {
      ++i;
    }
    const std::size_t b = i;
    while (i < s.size() && s[i] != ' ' && s[i] != '\t') {
      ++i;
    }
    if (i > b) {
      out.push_back(s.substr(b, i - b));
    }
  }
  return out;
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

Expected<std::uint64_t, Reason> parse_u64(std::string_view s) {
  s = trim(s);
  if (s.empty()) {
    return make_unexpected(Reason{"empty"});
  }
  if (s.front() == '-' && s.size() > 1 && is_digit(s[1])) {
    return make_unexpected(fmt::format("negative value {}", quoted(s)));
  }
  if (!std::all_of(s.begin(), s.end(), is_digit)) {
    return make_unexpected(fmt::format("not a number {}", quoted(s)));
  }
  std::uint64_t v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size()) {
    return make_unexpected(fmt::format("out of range {}", quoted(s)));
  }
  return v;
}

Expected<std::uint32_t, Reason> parse_u32(std::string_view s) {
  auto v = parse_u64(s);
  if (!v) {
    return make_unexpected(v.error());
  }
  if (*v > std::numeric_limits<std::uint32_t>::max()) {
    return make_unexpected(fmt::format("out of range {}", quoted(trim(s))));
  }
  return static_cast<std::uint32_t>(*v);
}

// A finite, non-negative decimal.
Expected<double, Reason> parse_double(std::string_view s) {
  s = trim(s);
  if (s.empty()) {
    return make_unexpected(Reason{"empty"});
  }
  if (s.front() == '+') {
    s.remove_prefix(1);
  }
  double v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size() || !std::isfinite(v)) {
    return make_unexpected(fmt::format("not a number {}", quoted(s)));
  }
  if (v < 0) {
    return make_unexpected(fmt::format("negative value {}", quoted(s)));
  }
  return v;
}

// "123.456" at the front of s: integer part, fraction digits (trailing zeros dropped), rest.
struct Decimal {
  std::uint64_t integer = 0;
  std::uint64_t fraction = 0; // the digits after the point, as an integer
  int fraction_digits = 0;
  std::string_view rest;
};

Expected<Decimal, Reason> parse_decimal(std::string_view s) {
  Decimal d;
  std::size_t i = 0;
  while (i < s.size() && is_digit(s[i])) {
    ++i;
  }
  const std::string_view int_part = s.substr(0, i);
  std::string_view frac_part;
  if (i < s.size() && s[i] == '.') {
    const std::size_t b = ++i;
    while (i < s.size() && is_digit(s[i])) {
      ++i;
    }
    frac_part = s.substr(b, i - b);
  }
  if (int_part.empty() && frac_part.empty()) {
    return make_unexpected(fmt::format("not a number {}", quoted(s)));
  }
  if (!int_part.empty()) {
    const auto [p, ec] =
        std::from_chars(int_part.data(), int_part.data() + int_part.size(), d.integer);
    if (ec != std::errc{}) {
      return make_unexpected(fmt::format("out of range {}", quoted(s)));
    }
  }
  while (!frac_part.empty() && frac_part.back() == '0') {
    frac_part.remove_suffix(1);
  }
  if (frac_part.size() > 18) {
    return make_unexpected(fmt::format("too many decimal places {}", quoted(s)));
  }
  for (const char c : frac_part) {
    d.fraction = d.fraction * 10 + static_cast<std::uint64_t>(c - '0');
  }
  d.fraction_digits = static_cast<int>(frac_part.size());
  d.rest = s.substr(i);
  return d;
}

std::uint64_t pow10(int n) {
  std::uint64_t v = 1;
  for (int i = 0; i < n; ++i) {
    v *= 10;
  }
  return v;
}

// value = (integer + fraction / 10^digits) * mantissa * 10^exponent, exactly, in u64.
Expected<std::uint64_t, Reason> scale_exact(const Decimal& d, std::uint64_t mantissa, int exponent,
                                            std::string_view text, std::string_view finer) {
  const auto overflow = [&] {
    return make_unexpected(fmt::format("out of range {}", quoted(text)));
  };
  std::uint64_t whole = 0;
  if (__builtin_mul_overflow(d.integer, mantissa, &whole)) {
    return overflow();
  }
  std::uint64_t frac = 0;
  if (__builtin_mul_overflow(d.fraction, mantissa, &frac)) {
    return overflow();
  }
  // whole * 10^exponent + frac * 10^(exponent - digits)
  if (exponent >= 0) {
    if (exponent > 19 || __builtin_mul_overflow(whole, pow10(exponent), &whole)) {
      return overflow();
    }
  } else {
    const std::uint64_t div = pow10(-exponent);
    if (whole % div != 0) {
      return make_unexpected(fmt::format("{} {}", finer, quoted(text)));
    }
    whole /= div;
  }
  const int shift = exponent - d.fraction_digits;
  if (shift >= 0) {
    if (shift > 19 || __builtin_mul_overflow(frac, pow10(shift), &frac)) {
      return overflow();
    }
  } else {
    const std::uint64_t div = pow10(-shift);
    if (frac % div != 0) {
      return make_unexpected(fmt::format("{} {}", finer, quoted(text)));
    }
    frac /= div;
  }
  std::uint64_t total = 0;
  if (__builtin_add_overflow(whole, frac, &total)) {
    return overflow();
  }
  return total;
}

} // namespace

// ---- units ----

Expected<Time, std::string> parse_ns3_time(std::string_view text) {
  std::string_view s = trim(text);
  if (s.empty()) {
    return make_unexpected(Reason{"empty"});
  }
  bool negative = false;
  if (s.front() == '+' || s.front() == '-') {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  auto d = parse_decimal(s);
  if (!d) {
    return make_unexpected(d.error());
  }
  // ns-3 time units, as mantissa * 10^exponent picoseconds; no unit means seconds.
  struct Unit {
    std::string_view name;
    std::uint64_t mantissa;
    int exponent;
  };
  static constexpr std::array<Unit, 10> kUnits{{{"", 1, 12},
                                                {"s", 1, 12},
                                                {"ms", 1, 9},
                                                {"us", 1, 6},
                                                {"ns", 1, 3},
                                                {"ps", 1, 0},
                                                {"fs", 1, -3},
                                                {"min", 6, 13},
                                                {"h", 36, 14},
                                                {"d", 864, 14}}};
  const auto* unit =
      std::find_if(kUnits.begin(), kUnits.end(), [&](const Unit& u) { return u.name == d->rest; });
  if (unit == kUnits.end()) {
    return make_unexpected(
        fmt::format("unknown time unit {} (s, ms, us, ns, ps, fs, min, h, d)", quoted(d->rest)));
  }
  auto ps = scale_exact(*d, unit->mantissa, unit->exponent, text, "finer than 1 ps");
  if (!ps) {
    return make_unexpected(ps.error());
  }
  if (*ps > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return make_unexpected(fmt::format("out of range {}", quoted(text)));
  }
  if (negative && *ps != 0) {
    return make_unexpected(fmt::format("negative time {}", quoted(text)));
  }
  return Time{static_cast<std::int64_t>(*ps)};
}

Expected<BitRate, std::string> parse_ns3_rate(std::string_view text) {
  const std::string_view s = trim(text);
  if (s.empty()) {
    return make_unexpected(Reason{"empty"});
  }
  if (s.front() == '-') {
    return make_unexpected(fmt::format("negative rate {}", quoted(s)));
  }
  auto d = parse_decimal(s);
  if (!d) {
    return make_unexpected(d.error());
  }
  std::string_view u = d->rest;
  if (u.empty()) {
    return make_unexpected(
        fmt::format("missing rate unit in {} (bps, Kbps, Mbps, Gbps, Tbps)", quoted(s)));
  }
  // [k|K|m|M|g|G|t|T][i] then bps, b/s (bits) or Bps, B/s (bytes).
  std::uint64_t mantissa = 1;
  int exponent = 0;
  int power = 0;
  switch (u.front()) {
  case 'k':
  case 'K':
    power = 1;
    break;
  case 'm':
  case 'M':
    power = 2;
    break;
  case 'g':
  case 'G':
    power = 3;
    break;
  case 't':
  case 'T':
    power = 4;
    break;
  default:
    break;
  }
  if (power > 0) {
    u.remove_prefix(1);
    if (!u.empty() && u.front() == 'i') {
      u.remove_prefix(1);
      for (int i = 0; i < power; ++i) {
        mantissa *= 1024;
      }
    } else {
      exponent = 3 * power;
    }
  }
  if (u == "Bps" || u == "B/s") {
    mantissa *= 8;
  } else if (u != "bps" && u != "b/s") {
    return make_unexpected(
        fmt::format("unknown rate unit {} (bps, Kbps, Mbps, Gbps, Tbps)", quoted(d->rest)));
  }
  auto bps = scale_exact(*d, mantissa, exponent, s, "not a whole number of bits per second");
  if (!bps) {
    return make_unexpected(bps.error());
  }
  if (*bps == 0) {
    return make_unexpected(fmt::format("rate must be positive {}", quoted(s)));
  }
  return BitRate{*bps};
}

std::string to_string(const ImportError& e) {
  std::string out = e.file;
  if (e.line > 0) {
    out += fmt::format(":{}", e.line);
  }
  out += ": ";
  if (!e.field.empty()) {
    out += e.field;
    out += ": ";
  }
  out += e.reason;
  return out;
}

std::string_view to_string(Ns3OpType op) noexcept {
  switch (op) {
  case Ns3OpType::UrmaWrite:
    return "URMA_WRITE";
  case Ns3OpType::UrmaRead:
    return "URMA_READ";
  case Ns3OpType::MemStore:
    return "MEM_STORE";
  case Ns3OpType::MemLoad:
    return "MEM_LOAD";
  case Ns3OpType::UrmaWriteNotify:
    return "URMA_WRITE_NOTIFY";
  }
  return "?";
}

namespace {

// ---- CSV rows ----

struct Row {
  std::size_t line = 0;
  std::vector<std::string_view> cells;
};

// The data rows of a CSV text: the first line that is neither blank nor a '#' comment is the
// header and is skipped (ns3ub-formats.md §2), as are later blank and comment lines. Each row
// must have between `required` and `columns.size()` cells; an empty optional cell is absent.
ImportResult<std::vector<Row>> csv_rows(std::string_view file, std::string_view text,
                                        std::span<const std::string_view> columns,
                                        std::size_t required) {
  std::vector<Row> rows;
  bool header_seen = false;
  std::size_t line_no = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string_view::npos) {
      end = text.size();
    }
    const std::string_view line = trim(text.substr(start, end - start));
    start = end + 1;
    ++line_no;
    if (line.empty() || line.front() == '#') {
      continue;
    }
    if (!header_seen) {
      header_seen = true;
      continue;
    }
    Row r{line_no, split(line, ',')};
    while (r.cells.size() > required && r.cells.back().empty()) {
      r.cells.pop_back();
    }
    if (r.cells.size() < required) {
      return make_unexpected(make_error(file, line_no, columns[r.cells.size()], "missing column"));
    }
    if (r.cells.size() > columns.size()) {
      return make_unexpected(make_error(
          file, line_no, "",
          fmt::format("{} columns, at most {} expected", r.cells.size(), columns.size())));
    }
    for (std::size_t i = 0; i < required; ++i) {
      if (r.cells[i].empty()) {
        return make_unexpected(make_error(file, line_no, columns[i], "empty"));
      }
    }
    rows.push_back(std::move(r));
  }
  return rows;
}

// Reads the cells of one row, naming the column in every error.
class Cells {
public:
  Cells(std::string_view file, const Row& row, std::span<const std::string_view> columns)
      : file_(file), row_(row), columns_(columns) {}

  [[nodiscard]] bool has(std::size_t col) const {
    return col < row_.cells.size() && !row_.cells[col].empty();
  }
  [[nodiscard]] std::string_view text(std::size_t col) const {
    return col < row_.cells.size() ? row_.cells[col] : std::string_view{};
  }
  [[nodiscard]] ImportError error(std::size_t col, std::string reason) const {
    return make_error(file_, row_.line, columns_[col], std::move(reason));
  }
  template <class T>
  ImportResult<T> wrap(std::size_t col, Expected<T, Reason> v) const {
    if (!v) {
      return make_unexpected(error(col, std::move(v).error()));
    }
    return std::move(*v);
  }
  ImportResult<std::uint32_t> u32(std::size_t col) const { return wrap(col, parse_u32(text(col))); }
  ImportResult<std::uint64_t> u64(std::size_t col) const { return wrap(col, parse_u64(text(col))); }
  ImportResult<double> percent(std::size_t col) const {
    auto v = parse_double(text(col));
    if (v && *v > 100) {
      return make_unexpected(error(col, fmt::format("above 100% {}", quoted(text(col)))));
    }
    return wrap(col, std::move(v));
  }
  ImportResult<Time> time(std::size_t col) const { return wrap(col, parse_ns3_time(text(col))); }
  ImportResult<BitRate> rate(std::size_t col) const { return wrap(col, parse_ns3_rate(text(col))); }
  // A space-separated list of unsigned numbers.
  ImportResult<std::vector<std::uint32_t>> u32_list(std::size_t col) const {
    std::vector<std::uint32_t> out;
    for (const auto w : words(text(col))) {
      auto v = parse_u32(w);
      if (!v) {
        return make_unexpected(error(col, v.error()));
      }
      out.push_back(*v);
    }
    return out;
  }
  [[nodiscard]] std::size_t line() const { return row_.line; }

private:
  std::string_view file_;
  const Row& row_;
  std::span<const std::string_view> columns_;
};

constexpr std::array<std::string_view, 5> kNodeColumns{"nodeId", "nodeType", "portNum",
                                                       "forwardDelay", "systemId"};
constexpr std::array<std::string_view, 6> kTopologyColumns{"nodeId1", "portId1",   "nodeId2",
                                                           "portId2", "bandwidth", "delay"};
constexpr std::array<std::string_view, 5> kRoutingColumns{"nodeId", "dstNodeId", "dstPortId",
                                                          "outPorts", "metrics"};
constexpr std::array<std::string_view, 8> kChannelColumns{
    "nodeId1", "portId1", "tpn1", "nodeId2", "portId2", "tpn2", "priority", "metric"};
constexpr std::array<std::string_view, 9> kTrafficColumns{
    "taskId",   "sourceNode", "destNode", "dataSize(Byte)", "opType",
    "priority", "delay",      "phaseId",  "dependOnPhases"};
constexpr std::array<std::string_view, 7> kFaultColumns{
    "taskId",        "faultType",           "dropRate(%)",          "delay(ns)",
    "lowerDataRate", "shutdownDropPackets", "OccasionalDropRate(%)"};

} // namespace

// ---- node.csv ----

ImportResult<std::vector<Ns3Node>> parse_node_csv(std::string_view file, std::string_view text) {
  UB_IMPORT_TRY(rows, csv_rows(file, text, kNodeColumns, 3));
  std::vector<Ns3Node> nodes;
  for (const Row& row : rows) {
    const Cells c(file, row, kNodeColumns);
    // nodeId: a number or an inclusive range a..b
    const std::string_view id_text = c.text(0);
    std::uint32_t first = 0;
    std::uint32_t last = 0;
    if (const auto dots = id_text.find(".."); dots != std::string_view::npos) {
      auto a = parse_u32(id_text.substr(0, dots));
      auto b = parse_u32(id_text.substr(dots + 2));
      if (!a || !b) {
        return make_unexpected(c.error(
            0, fmt::format("bad range {}: {}", quoted(id_text), !a ? a.error() : b.error())));
      }
      if (*a > *b) {
        return make_unexpected(c.error(0, fmt::format("empty range {}", quoted(id_text))));
      }
      first = *a;
      last = *b;
    } else {
      UB_IMPORT_TRY(id, c.u32(0));
      first = last = id;
    }
    Ns3Node n;
    n.line = row.line;
    if (c.text(1) == "DEVICE") {
      n.kind = Ns3NodeKind::Device;
    } else if (c.text(1) == "SWITCH") {
      n.kind = Ns3NodeKind::Switch;
    } else {
      return make_unexpected(
          c.error(1, fmt::format("unknown node type {} (DEVICE or SWITCH)", quoted(c.text(1)))));
    }
    UB_IMPORT_TRY(ports, c.u32(2));
    if (ports == 0 || ports > kNs3MaxPorts) {
      return make_unexpected(
          c.error(2, fmt::format("{} ports, 1 to {} allowed", ports, kNs3MaxPorts)));
    }
    n.ports = ports;
    if (c.has(3)) {
      UB_IMPORT_TRY(fd, c.time(3));
      n.forward_delay = fd;
    }
    if (c.has(4)) {
      UB_IMPORT_TRY(sys, c.u32(4));
      n.system_id = sys;
    }
    const std::uint64_t count = std::uint64_t{last} - first + 1;
    if (nodes.size() + count > kNs3MaxNodes) {
      return make_unexpected(c.error(0, fmt::format("more than {} nodes", kNs3MaxNodes)));
    }
    for (std::uint64_t id = first; id <= last; ++id) {
      n.id = static_cast<std::uint32_t>(id);
      nodes.push_back(n);
    }
  }
  if (nodes.empty()) {
    return make_unexpected(make_error(file, 0, "", "no nodes"));
  }
  std::stable_sort(nodes.begin(), nodes.end(),
                   [](const Ns3Node& a, const Ns3Node& b) { return a.id < b.id; });
  for (std::size_t i = 1; i < nodes.size(); ++i) {
    if (nodes[i].id == nodes[i - 1].id) {
      const std::size_t line = std::max(nodes[i].line, nodes[i - 1].line);
      return make_unexpected(
          make_error(file, line, "nodeId",
                     fmt::format("duplicate node {} (also on line {})", nodes[i].id,
                                 std::min(nodes[i].line, nodes[i - 1].line))));
    }
  }
  return nodes;
}

// ---- topology.csv ----

ImportResult<std::vector<Ns3Link>> parse_topology_csv(std::string_view file,
                                                      std::string_view text) {
  UB_IMPORT_TRY(rows, csv_rows(file, text, kTopologyColumns, 6));
  std::vector<Ns3Link> links;
  links.reserve(rows.size());
  for (const Row& row : rows) {
    const Cells c(file, row, kTopologyColumns);
    Ns3Link l;
    l.line = row.line;
    UB_IMPORT_TRY(n1, c.u32(0));
    UB_IMPORT_TRY(p1, c.u32(1));
    UB_IMPORT_TRY(n2, c.u32(2));
    UB_IMPORT_TRY(p2, c.u32(3));
    UB_IMPORT_TRY(bw, c.rate(4));
    UB_IMPORT_TRY(delay, c.time(5));
    l.node1 = n1;
    l.port1 = p1;
    l.node2 = n2;
    l.port2 = p2;
    l.bandwidth = bw;
    l.delay = delay;
    links.push_back(l);
  }
  return links;
}

// ---- routing_table.csv ----

ImportResult<std::vector<Ns3Route>> parse_routing_table_csv(std::string_view file,
                                                            std::string_view text) {
  UB_IMPORT_TRY(rows, csv_rows(file, text, kRoutingColumns, 5));
  std::vector<Ns3Route> routes;
  routes.reserve(rows.size());
  std::set<std::tuple<std::uint32_t, std::uint32_t, std::uint32_t>> seen;
  for (const Row& row : rows) {
    const Cells c(file, row, kRoutingColumns);
    Ns3Route r;
    r.line = row.line;
    UB_IMPORT_TRY(node, c.u32(0));
    UB_IMPORT_TRY(dst, c.u32(1));
    UB_IMPORT_TRY(dst_port, c.u32(2));
    UB_IMPORT_TRY(out_ports, c.u32_list(3));
    UB_IMPORT_TRY(metrics, c.u32_list(4));
    if (out_ports.empty()) {
      return make_unexpected(c.error(3, "no out-port"));
    }
    if (metrics.size() != out_ports.size()) {
      return make_unexpected(
          c.error(4, fmt::format("{} metrics for {} out-ports", metrics.size(), out_ports.size())));
    }
    if (!seen.insert({node, dst, dst_port}).second) {
      return make_unexpected(c.error(
          2, fmt::format("duplicate route at node {} to node {} port {}", node, dst, dst_port)));
    }
    r.node = node;
    r.dst_node = dst;
    r.dst_port = dst_port;
    r.out_ports = std::move(out_ports);
    r.metrics = std::move(metrics);
    routes.push_back(std::move(r));
  }
  return routes;
}

// ---- transport_channel.csv ----

ImportResult<std::vector<Ns3Channel>> parse_transport_channel_csv(std::string_view file,
                                                                  std::string_view text) {
  UB_IMPORT_TRY(rows, csv_rows(file, text, kChannelColumns, 7));
  std::vector<Ns3Channel> channels;
  channels.reserve(rows.size());
  std::set<std::tuple<std::uint32_t, std::uint32_t, std::uint32_t>> tpns;
  for (const Row& row : rows) {
    const Cells c(file, row, kChannelColumns);
    Ns3Channel ch;
    ch.line = row.line;
    UB_IMPORT_TRY(n1, c.u32(0));
    UB_IMPORT_TRY(p1, c.u32(1));
    UB_IMPORT_TRY(t1, c.u32(2));
    UB_IMPORT_TRY(n2, c.u32(3));
    UB_IMPORT_TRY(p2, c.u32(4));
    UB_IMPORT_TRY(t2, c.u32(5));
    UB_IMPORT_TRY(prio, c.u32(6));
    if (c.has(7)) {
      UB_IMPORT_TRY(metric, c.u32(7));
      ch.metric = metric;
    }
    if (n1 == n2) {
      return make_unexpected(c.error(3, fmt::format("a TP pair from node {} to itself", n1)));
    }
    if (!tpns.insert({n1, p1, t1}).second) {
      return make_unexpected(
          c.error(2, fmt::format("TPN {} used twice on node {} port {}", t1, n1, p1)));
    }
    if (!tpns.insert({n2, p2, t2}).second) {
      return make_unexpected(
          c.error(5, fmt::format("TPN {} used twice on node {} port {}", t2, n2, p2)));
    }
    ch.node1 = n1;
    ch.port1 = p1;
    ch.tpn1 = t1;
    ch.node2 = n2;
    ch.port2 = p2;
    ch.tpn2 = t2;
    ch.priority = prio;
    channels.push_back(ch);
  }
  return channels;
}

// ---- traffic.csv ----

ImportResult<std::vector<Ns3Task>> parse_traffic_csv(std::string_view file, std::string_view text) {
  UB_IMPORT_TRY(rows, csv_rows(file, text, kTrafficColumns, 8));
  std::vector<Ns3Task> tasks;
  tasks.reserve(rows.size());
  std::map<std::uint32_t, std::size_t> ids; // task id -> line
  for (const Row& row : rows) {
    const Cells c(file, row, kTrafficColumns);
    Ns3Task t;
    t.line = row.line;
    UB_IMPORT_TRY(id, c.u32(0));
    if (const auto [it, fresh] = ids.emplace(id, row.line); !fresh) {
      return make_unexpected(
          c.error(0, fmt::format("duplicate task {} (also on line {})", id, it->second)));
    }
    UB_IMPORT_TRY(src, c.u32(1));
    UB_IMPORT_TRY(dst, c.u32(2));
    UB_IMPORT_TRY(bytes, c.u64(3));
    if (bytes == 0) {
      return make_unexpected(c.error(3, "size must be positive"));
    }
    const std::string_view op = c.text(4);
    if (op == "URMA_WRITE") {
      t.op = Ns3OpType::UrmaWrite;
    } else if (op == "URMA_READ") {
      t.op = Ns3OpType::UrmaRead;
    } else if (op == "MEM_STORE") {
      t.op = Ns3OpType::MemStore;
    } else if (op == "MEM_LOAD") {
      t.op = Ns3OpType::MemLoad;
    } else if (op == "URMA_WRITE_NOTIFY") {
      t.op = Ns3OpType::UrmaWriteNotify;
    } else {
      return make_unexpected(
          c.error(4, fmt::format("unknown op type {} (URMA_WRITE, URMA_READ, MEM_STORE, MEM_LOAD)",
                                 quoted(op))));
    }
    UB_IMPORT_TRY(prio, c.u32(5));
    UB_IMPORT_TRY(delay, c.time(6));
    UB_IMPORT_TRY(phase, c.u32(7));
    UB_IMPORT_TRY(deps, c.u32_list(8));
    std::sort(deps.begin(), deps.end());
    deps.erase(std::unique(deps.begin(), deps.end()), deps.end());
    t.id = id;
    t.src = src;
    t.dst = dst;
    t.bytes = bytes;
    t.priority = prio;
    t.delay = delay;
    t.phase = phase;
    t.depends_on = std::move(deps);
    tasks.push_back(std::move(t));
  }
  return tasks;
}

// ---- fault.csv ----

ImportResult<std::vector<Ns3Fault>> parse_fault_csv(std::string_view file, std::string_view text) {
  UB_IMPORT_TRY(rows, csv_rows(file, text, kFaultColumns, 7));
  std::vector<Ns3Fault> faults;
  for (const Row& row : rows) {
    const Cells c(file, row, kFaultColumns);
    Ns3Fault f;
    f.line = row.line;
    UB_IMPORT_TRY(task, c.u32(0));
    UB_IMPORT_TRY(type, c.u32(1));
    if (type > 5) {
      return make_unexpected(c.error(1, fmt::format("unknown fault type {} (0 to 5)", type)));
    }
    UB_IMPORT_TRY(drop, c.percent(2));
    UB_IMPORT_TRY(delay_ns, c.u64(3));
    if (delay_ns > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max() / 1000)) {
      return make_unexpected(c.error(3, "out of range"));
    }
    // lowerDataRate: "node port Mbps", or a single 0 for none
    const auto rate_words = words(c.text(4));
    if (rate_words.size() == 3) {
      auto node = parse_u32(rate_words[0]);
      auto port = parse_u32(rate_words[1]);
      auto mbps = parse_u64(rate_words[2]);
      if (!node || !port || !mbps) {
        return make_unexpected(c.error(4, !node   ? node.error()
                                          : !port ? port.error()
                                                  : mbps.error()));
      }
      if (*mbps == 0 || *mbps > std::numeric_limits<std::uint64_t>::max() / 1'000'000) {
        return make_unexpected(c.error(4, fmt::format("rate {} Mbps out of range", *mbps)));
      }
      f.port_rate = Ns3PortRate{*node, *port, BitRate{*mbps * 1'000'000}};
    } else if (!(rate_words.size() == 1 && rate_words[0] == "0")) {
      return make_unexpected(
          c.error(4, fmt::format("expected \"node port Mbps\" or 0, got {}", quoted(c.text(4)))));
    }
    // shutdownDropPackets: "start end", or a single 0 for none
    const auto shut_words = words(c.text(5));
    if (shut_words.size() == 2) {
      auto a = parse_u64(shut_words[0]);
      auto b = parse_u64(shut_words[1]);
      if (!a || !b) {
        return make_unexpected(c.error(5, !a ? a.error() : b.error()));
      }
      if (*a > *b) {
        return make_unexpected(c.error(5, fmt::format("empty packet range {}", quoted(c.text(5)))));
      }
      f.shutdown_packets = std::pair{*a, *b};
    } else if (!(shut_words.size() == 1 && shut_words[0] == "0")) {
      return make_unexpected(
          c.error(5, fmt::format("expected \"start end\" or 0, got {}", quoted(c.text(5)))));
    }
    UB_IMPORT_TRY(occasional, c.percent(6));
    f.task_id = task;
    f.type = static_cast<Ns3FaultType>(type);
    f.drop_percent = drop;
    f.delay = Time{static_cast<std::int64_t>(delay_ns) * 1000};
    f.occasional_drop_percent = occasional;
    if ((f.type == Ns3FaultType::Congestion || f.type == Ns3FaultType::LowerRate) && !f.port_rate) {
      return make_unexpected(
          c.error(4, fmt::format("fault type {} needs \"node port Mbps\"", type)));
    }
    faults.push_back(f);
  }
  return faults;
}

// ---- network_attribute.txt ----

namespace {

using Apply = std::optional<Reason> (*)(Ns3Settings&, std::string_view);

template <auto M>
std::optional<Reason> set_u64(Ns3Settings& s, std::string_view v) {
  auto r = parse_u64(v);
  if (!r) {
    return r.error();
  }
  s.*M = *r;
  return std::nullopt;
}

template <auto M, std::uint32_t Lo, std::uint32_t Hi>
std::optional<Reason> set_u32_in(Ns3Settings& s, std::string_view v) {
  auto r = parse_u32(v);
  if (!r) {
    return r.error();
  }
  if (*r < Lo || *r > Hi) {
    return fmt::format("{} is outside {}..{}", *r, Lo, Hi);
  }
  s.*M = *r;
  return std::nullopt;
}

template <auto M>
std::optional<Reason> set_double(Ns3Settings& s, std::string_view v) {
  auto r = parse_double(v);
  if (!r) {
    return r.error();
  }
  s.*M = *r;
  return std::nullopt;
}

template <auto M>
std::optional<Reason> set_bool(Ns3Settings& s, std::string_view v) {
  if (v == "true" || v == "1") {
    s.*M = true;
  } else if (v == "false" || v == "0") {
    s.*M = false;
  } else {
    return fmt::format("not a boolean {} (true or false)", quoted(v));
  }
  return std::nullopt;
}

template <auto M>
std::optional<Reason> set_time(Ns3Settings& s, std::string_view v) {
  auto r = parse_ns3_time(v);
  if (!r) {
    return r.error();
  }
  s.*M = *r;
  return std::nullopt;
}

template <auto M>
std::optional<Reason> set_rate(Ns3Settings& s, std::string_view v) {
  auto r = parse_ns3_rate(v);
  if (!r) {
    return r.error();
  }
  s.*M = *r;
  return std::nullopt;
}

template <auto M>
std::optional<Reason> set_text(Ns3Settings& s, std::string_view v) {
  s.*M = std::string(v);
  return std::nullopt;
}

std::optional<Reason> set_flow_control(Ns3Settings& s, std::string_view v) {
  if (v == "NONE") {
    s.flow_control = Ns3FlowControl::None;
  } else if (v == "CBFC") {
    s.flow_control = Ns3FlowControl::Cbfc;
  } else if (v == "CBFC_SHARED") {
    s.flow_control = Ns3FlowControl::CbfcShared;
  } else if (v == "PFC_FIXED") {
    s.flow_control = Ns3FlowControl::PfcFixed;
  } else if (v == "PFC_DYNAMIC") {
    s.flow_control = Ns3FlowControl::PfcDynamic;
  } else {
    return fmt::format("unknown flow control {} (NONE, CBFC, CBFC_SHARED, PFC_FIXED, PFC_DYNAMIC)",
                       quoted(v));
  }
  return std::nullopt;
}

std::optional<Reason> set_vl_scheduler(Ns3Settings& s, std::string_view v) {
  if (v == "SP") {
    s.vl_scheduler = Ns3VlScheduler::Sp;
  } else if (v == "DWRR") {
    s.vl_scheduler = Ns3VlScheduler::Dwrr;
  } else {
    return fmt::format("unknown VL scheduler {} (SP or DWRR)", quoted(v));
  }
  return std::nullopt;
}

std::optional<Reason> set_routing(Ns3Settings& s, std::string_view v) {
  if (v == "HASH") {
    s.routing = Ns3RoutingAlgorithm::Hash;
  } else if (v == "ADAPTIVE") {
    s.routing = Ns3RoutingAlgorithm::Adaptive;
  } else {
    return fmt::format("unknown routing algorithm {} (HASH or ADAPTIVE)", quoted(v));
  }
  return std::nullopt;
}

std::optional<Reason> set_cc_algo(Ns3Settings& s, std::string_view v) {
  // C-AQM is the one algorithm of this ns-3 commit (ns3ub-formats.md §1).
  if (v != "CAQM") {
    return fmt::format("unknown congestion control {} (CAQM)", quoted(v));
  }
  s.cc_algo = std::string(v);
  return std::nullopt;
}

// "7:6000,8:6000": (VL, quantum bytes) pairs, VL below 16.
std::optional<Reason> set_vl_quantums(Ns3Settings& s, std::string_view v) {
  std::vector<std::pair<std::uint32_t, std::uint64_t>> out;
  if (!trim(v).empty()) {
    for (const auto item : split(v, ',')) {
      const auto colon = item.find(':');
      if (colon == std::string_view::npos) {
        return fmt::format("expected VL:bytes, got {}", quoted(item));
      }
      auto vl = parse_u32(item.substr(0, colon));
      auto q = parse_u64(item.substr(colon + 1));
      if (!vl || !q) {
        return fmt::format("bad VL:bytes {}: {}", quoted(item), !vl ? vl.error() : q.error());
      }
      if (*vl >= 16) {
        return fmt::format("VL {} out of range (0 to 15)", *vl);
      }
      out.emplace_back(*vl, *q);
    }
  }
  s.dwrr_vl_quantums = std::move(out);
  return std::nullopt;
}

struct KnownKey {
  Ns3AttributeScope scope;
  std::string_view key;
  std::string_view default_value; // ns3ub-formats.md §3
  Apply apply;
};

using S = Ns3Settings;
constexpr auto D = Ns3AttributeScope::Default;
constexpr auto G = Ns3AttributeScope::Global;

const std::array kKnownKeys{
    KnownKey{D, "ns3::UbPort::UbDataRate", "400Gbps", &set_rate<&S::data_rate>},
    KnownKey{D, "ns3::UbLink::Delay", "+0ns", &set_time<&S::link_delay>},
    KnownKey{D, "ns3::UbPort::UbInterframeGap", "+0ns", &set_time<&S::interframe_gap>},
    KnownKey{D, "ns3::UbSwitchAllocator::AllocationTime", "+10ns", &set_time<&S::allocation_time>},
    KnownKey{D, "ns3::UbQueueManager::ReservePerQueueBytes", "1048576",
             &set_u64<&S::reserve_per_queue_bytes>},
    KnownKey{D, "ns3::UbQueueManager::SharedPoolBytes", "0", &set_u64<&S::shared_pool_bytes>},
    KnownKey{D, "ns3::UbQueueManager::HeadroomPerPortBytes", "0",
             &set_u64<&S::headroom_per_port_bytes>},
    KnownKey{D, "ns3::UbQueueManager::AlphaShift", "1", &set_u64<&S::alpha_shift>},
    KnownKey{D, "ns3::UbQueueManager::ResumeOffset", "4096", &set_u64<&S::resume_offset_bytes>},
    KnownKey{D, "ns3::UbSwitch::FlowControl", "CBFC", &set_flow_control},
    KnownKey{D, "ns3::UbSwitch::VlScheduler", "SP", &set_vl_scheduler},
    KnownKey{D, "ns3::UbDwrrAllocator::DefaultQuantum", "1500", &set_u64<&S::dwrr_default_quantum>},
    KnownKey{D, "ns3::UbDwrrAllocator::VlQuantums", "", &set_vl_quantums},
    KnownKey{D, "ns3::UbPort::CbfcFlitLenByte", "20", &set_u64<&S::cbfc_flit_bytes>},
    KnownKey{D, "ns3::UbPort::CbfcFlitsPerCell", "8", &set_u64<&S::cbfc_flits_per_cell>},
    KnownKey{D, "ns3::UbPort::CbfcInitCreditCell", "6553", &set_u64<&S::cbfc_init_credit_cells>},
    KnownKey{D, "ns3::UbPort::CbfcSharedInitCreditCell", "4096",
             &set_u64<&S::cbfc_shared_init_credit_cells>},
    KnownKey{D, "ns3::UbPort::CbfcRetCellGrainDataPacket", "4", &set_u64<&S::cbfc_ret_grain_data>},
    KnownKey{D, "ns3::UbPort::CbfcRetCellGrainControlPacket", "1",
             &set_u64<&S::cbfc_ret_grain_control>},
    KnownKey{D, "ns3::UbPort::PfcUpThld", "819200", &set_u64<&S::pfc_up_bytes>},
    KnownKey{D, "ns3::UbPort::PfcLowThld", "655360", &set_u64<&S::pfc_low_bytes>},
    KnownKey{D, "ns3::UbTransportChannel::EnableRetrans", "false", &set_bool<&S::enable_retrans>},
    KnownKey{D, "ns3::UbTransportChannel::InitialRTO", "+25600ns", &set_time<&S::initial_rto>},
    KnownKey{D, "ns3::UbTransportChannel::MaxRetransAttempts", "7",
             &set_u64<&S::max_retrans_attempts>},
    KnownKey{D, "ns3::UbTransportChannel::RetransExponentFactor", "1",
             &set_u64<&S::retrans_exponent_factor>},
    KnownKey{D, "ns3::UbTransportChannel::DefaultMaxInflightPacketSize", "1000",
             &set_u64<&S::max_inflight_packets>},
    KnownKey{D, "ns3::UbTransportChannel::DefaultMaxWqeSegNum", "1000",
             &set_u64<&S::max_wqe_segments>},
    KnownKey{D, "ns3::UbTransportChannel::TpOooThreshold", "2048", &set_u64<&S::tp_ooo_threshold>},
    KnownKey{D, "ns3::UbTransportChannel::UsePacketSpray", "false",
             &set_bool<&S::use_packet_spray>},
    KnownKey{D, "ns3::UbTransportChannel::UseShortestPaths", "true",
             &set_bool<&S::use_shortest_paths>},
    KnownKey{D, "ns3::UbJetty::UbInflightMax", "10000", &set_u64<&S::jetty_inflight_max>},
    KnownKey{D, "ns3::UbJetty::JettyOooAckThreshold", "2048",
             &set_u64<&S::jetty_ooo_ack_threshold>},
    KnownKey{D, "ns3::UbApp::EnableMultiPath", "false", &set_bool<&S::enable_multipath>},
    // MODEL: not in §3's table; every shipped case sets it to true.
    KnownKey{D, "ns3::UbApp::UseShortestPaths", "true", &set_bool<&S::app_use_shortest_paths>},
    KnownKey{D, "ns3::UbRoutingProcess::RoutingAlgorithm", "HASH", &set_routing},
    KnownKey{D, "ns3::UbCaqm::UbCaqmAlpha", "0.5", &set_double<&S::caqm_alpha>},
    KnownKey{D, "ns3::UbCaqm::UbCaqmBeta", "0.5", &set_double<&S::caqm_beta>},
    KnownKey{D, "ns3::UbCaqm::UbCaqmGamma", "0.5", &set_double<&S::caqm_gamma>},
    KnownKey{D, "ns3::UbCaqm::UbCaqmLambda", "0.5", &set_double<&S::caqm_lambda>},
    KnownKey{D, "ns3::UbCaqm::UbCaqmTheta", "10", &set_double<&S::caqm_theta>},
    KnownKey{D, "ns3::UbCaqm::UbCaqmQt", "40960", &set_u64<&S::caqm_qt_bytes>},
    KnownKey{D, "ns3::UbCaqm::UbCaqmCcUint", "32", &set_u64<&S::caqm_cc_unit_bytes>},
    KnownKey{D, "ns3::UbCaqm::UbMarkProbability", "0.1", &set_double<&S::caqm_mark_probability>},
    KnownKey{D, "ns3::UbHostCaqm::UbCaqmCwnd", "40960", &set_u64<&S::caqm_cwnd_bytes>},
    KnownKey{D, "ns3::UbSwitchCaqm::UbCcUpdatePeriod", "+500ns", &set_time<&S::caqm_update_period>},
    KnownKey{D, "ns3::UbLdstInstance::ThreadNum", "48", &set_u64<&S::ldst_threads>},
    KnownKey{D, "ns3::UbLdstInstance::QueuePriority", "1", &set_u64<&S::ldst_queue_priority>},
    KnownKey{D, "ns3::UbLdstThread::StoreRequestSize", "512",
             &set_u64<&S::ldst_store_request_bytes>},
    KnownKey{D, "ns3::UbLdstThread::LoadRequestSize", "64", &set_u64<&S::ldst_load_request_bytes>},
    KnownKey{D, "ns3::UbLdstThread::LoadResponseSize", "512",
             &set_u64<&S::ldst_load_response_bytes>},
    KnownKey{D, "ns3::UbLdstThread::StoreOutstanding", "64", &set_u64<&S::ldst_store_outstanding>},
    KnownKey{D, "ns3::UbLdstThread::LoadOutstanding", "64", &set_u64<&S::ldst_load_outstanding>},
    // MODEL: the next three are not in §3's table; the shipped cases set them to true.
    KnownKey{D, "ns3::UbLdstApi::UsePacketSpray", "true", &set_bool<&S::ldst_use_packet_spray>},
    KnownKey{D, "ns3::UbLdstApi::UseShortestPaths", "true", &set_bool<&S::ldst_use_shortest_paths>},
    KnownKey{D, "ns3::UbFault::UbFaultUsePacketSpray", "true",
             &set_bool<&S::fault_use_packet_spray>},
    KnownKey{G, "UB_FAULT_ENABLE", "false", &set_bool<&S::fault_enable>},
    // 16 priorities and 16 VLs at most: the spec's VL field is 4 bits (UB-Base-2.0 §5).
    KnownKey{G, "UB_PRIORITY_NUM", "16", &set_u32_in<&S::priorities, 1, 16>},
    KnownKey{G, "UB_VL_NUM", "16", &set_u32_in<&S::vls, 1, 16>},
    KnownKey{G, "UB_CC_ALGO", "CAQM", &set_cc_algo},
    KnownKey{G, "UB_CC_ENABLED", "false", &set_bool<&S::cc_enabled>},
    KnownKey{G, "UB_TRACE_ENABLE", "true", &set_bool<&S::trace>},
    KnownKey{G, "UB_TASK_TRACE_ENABLE", "true", &set_bool<&S::task_trace>},
    KnownKey{G, "UB_PACKET_TRACE_ENABLE", "true", &set_bool<&S::packet_trace>},
    KnownKey{G, "UB_PORT_TRACE_ENABLE", "true", &set_bool<&S::port_trace>},
    KnownKey{G, "UB_RECORD_PKT_TRACE", "false", &set_bool<&S::record_packet_trace>},
    KnownKey{G, "UB_PARSE_TRACE_ENABLE", "true", &set_bool<&S::parse_trace>},
    KnownKey{G, "UB_PYTHON_SCRIPT_PATH", "", &set_text<&S::python_script_path>},
};

const KnownKey* find_known(Ns3AttributeScope scope, std::string_view key) {
  const auto* it = std::find_if(kKnownKeys.begin(), kKnownKeys.end(), [&](const KnownKey& k) {
    return k.scope == scope && k.key == key;
  });
  return it == kKnownKeys.end() ? nullptr : it;
}

} // namespace

const Ns3Attribute* Ns3Attributes::find(std::string_view key) const {
  const auto it = std::find_if(entries.begin(), entries.end(),
                               [&](const Ns3Attribute& a) { return a.key == key; });
  return it == entries.end() ? nullptr : &*it;
}

ImportResult<Ns3Attributes> parse_network_attributes(std::string_view file, std::string_view text) {
  Ns3Attributes out;
  // Defaults first, through the same parsers as the file's values.
  for (const KnownKey& k : kKnownKeys) {
    if (auto why = k.apply(out.settings, k.default_value)) {
      throw std::logic_error(fmt::format("ns-3 default of {} does not parse: {}", k.key, *why));
    }
  }
  std::vector<Ns3Attribute> from_file;
  std::size_t line_no = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string_view::npos) {
      end = text.size();
    }
    const std::string_view line = trim(text.substr(start, end - start));
    start = end + 1;
    ++line_no;
    if (line.empty() || line.front() == '#') {
      continue;
    }
    const auto bad = [&](std::string_view field, std::string reason) {
      return make_unexpected(make_error(file, line_no, field, std::move(reason)));
    };
    // directive, key, then a quoted value (or one bare word)
    const auto sp1 = line.find_first_of(" \t");
    const std::string_view directive = line.substr(0, sp1);
    Ns3Attribute a;
    if (directive == "default") {
      a.scope = Ns3AttributeScope::Default;
    } else if (directive == "global") {
      a.scope = Ns3AttributeScope::Global;
    } else {
      return bad("", fmt::format("expected `default` or `global`, got {}", quoted(directive)));
    }
    const std::string_view after =
        sp1 == std::string_view::npos ? std::string_view{} : trim(line.substr(sp1));
    const auto sp2 = after.find_first_of(" \t");
    const std::string_view key = after.substr(0, sp2);
    if (key.empty()) {
      return bad("", "missing key");
    }
    std::string_view rest =
        sp2 == std::string_view::npos ? std::string_view{} : trim(after.substr(sp2));
    std::string_view value;
    if (rest.empty()) {
      return bad(key, "missing value");
    }
    if (rest.front() == '"') {
      const auto close = rest.find('"', 1);
      if (close == std::string_view::npos) {
        return bad(key, "unterminated quoted value");
      }
      value = rest.substr(1, close - 1);
      rest = trim(rest.substr(close + 1));
    } else {
      const auto sp3 = rest.find_first_of(" \t");
      value = rest.substr(0, sp3);
      rest = sp3 == std::string_view::npos ? std::string_view{} : trim(rest.substr(sp3));
    }
    if (!rest.empty()) {
      return bad(key, fmt::format("unexpected text after the value: {}", quoted(rest)));
    }
    a.key = std::string(key);
    a.value = std::string(value);
    a.line = line_no;
    const KnownKey* known = find_known(a.scope, key);
    a.known = known != nullptr;
    if (known != nullptr) {
      if (auto why = known->apply(out.settings, value)) {
        return bad(key, *why);
      }
    } else {
      out.warnings.push_back(
          make_error(file, line_no, key, "unknown attribute, kept but not used"));
    }
    const auto prev = std::find_if(from_file.begin(), from_file.end(), [&](const Ns3Attribute& p) {
      return p.scope == a.scope && p.key == a.key;
    });
    if (prev != from_file.end()) {
      out.warnings.push_back(make_error(
          file, line_no, key,
          fmt::format("set again (first on line {}); the last value applies", prev->line)));
      *prev = a;
    } else {
      from_file.push_back(std::move(a));
    }
  }
  for (const KnownKey& k : kKnownKeys) {
    const auto it = std::find_if(from_file.begin(), from_file.end(), [&](const Ns3Attribute& p) {
      return p.scope == k.scope && p.key == k.key;
    });
    if (it != from_file.end()) {
      out.entries.push_back(*it);
    } else {
      out.entries.push_back(
          Ns3Attribute{k.scope, std::string(k.key), std::string(k.default_value), 0, true});
    }
  }
  for (const Ns3Attribute& a : from_file) {
    if (!a.known) {
      out.entries.push_back(a);
    }
  }
  return out;
}

// ---- the case as a whole ----

const Ns3Node* Ns3Case::node(std::uint32_t id) const {
  const auto it = std::lower_bound(nodes.begin(), nodes.end(), id,
                                   [](const Ns3Node& n, std::uint32_t v) { return n.id < v; });
  return it != nodes.end() && it->id == id ? &*it : nullptr;
}

namespace {

std::string_view kind_name(Ns3NodeKind k) {
  return k == Ns3NodeKind::Device ? "DEVICE" : "SWITCH";
}

// A node reference in column `col` of a row: it must exist and, when `port` is given, have it.
std::optional<ImportError> check_node(const Ns3Case& c, std::string_view file, std::size_t line,
                                      std::string_view node_col, std::uint32_t id,
                                      std::string_view port_col = {},
                                      std::optional<std::uint32_t> port = std::nullopt) {
  const Ns3Node* n = c.node(id);
  if (n == nullptr) {
    return make_error(file, line, node_col, fmt::format("unknown node {}", id));
  }
  if (port && *port >= n->ports) {
    return make_error(file, line, port_col,
                      fmt::format("node {} has {} ports, no port {}", id, n->ports, *port));
  }
  return std::nullopt;
}

std::optional<ImportError> check_device(const Ns3Case& c, std::string_view file, std::size_t line,
                                        std::string_view col, std::uint32_t id,
                                        std::string_view what) {
  const Ns3Node* n = c.node(id);
  if (n != nullptr && n->kind != Ns3NodeKind::Device) {
    return make_error(
        file, line, col,
        fmt::format("{} must be a DEVICE, node {} is a {}", what, id, kind_name(n->kind)));
  }
  return std::nullopt;
}

ImportResult<bool> validate(Ns3Case& c) {
  const Ns3Settings& s = c.settings();
  // links: both ends exist with the port, no port carries two links
  std::map<std::pair<std::uint32_t, std::uint32_t>, std::size_t> port_use;
  for (const Ns3Link& l : c.links) {
    const std::string_view f = kNs3TopologyFile;
    if (auto e = check_node(c, f, l.line, "nodeId1", l.node1, "portId1", l.port1)) {
      return make_unexpected(*e);
    }
    if (auto e = check_node(c, f, l.line, "nodeId2", l.node2, "portId2", l.port2)) {
      return make_unexpected(*e);
    }
    if (const auto [it, fresh] = port_use.emplace(std::pair{l.node1, l.port1}, l.line); !fresh) {
      return make_unexpected(make_error(
          f, l.line, "portId1",
          fmt::format("node {} port {} already linked on line {}", l.node1, l.port1, it->second)));
    }
    if (const auto [it, fresh] = port_use.emplace(std::pair{l.node2, l.port2}, l.line); !fresh) {
      return make_unexpected(make_error(
          f, l.line, "portId2",
          fmt::format("node {} port {} already linked on line {}", l.node2, l.port2, it->second)));
    }
  }
  // routes: the node, the destination and its port exist; out-ports are the node's
  for (const Ns3Route& r : c.routes) {
    const std::string_view f = kNs3RoutingFile;
    if (auto e = check_node(c, f, r.line, "nodeId", r.node)) {
      return make_unexpected(*e);
    }
    if (auto e = check_node(c, f, r.line, "dstNodeId", r.dst_node, "dstPortId", r.dst_port)) {
      return make_unexpected(*e);
    }
    for (const std::uint32_t p : r.out_ports) {
      if (auto e = check_node(c, f, r.line, "nodeId", r.node, "outPorts", p)) {
        return make_unexpected(*e);
      }
    }
  }
  // channels: between host ports, at a priority that exists
  for (const Ns3Channel& ch : c.channels) {
    const std::string_view f = kNs3ChannelFile;
    if (auto e = check_node(c, f, ch.line, "nodeId1", ch.node1, "portId1", ch.port1)) {
      return make_unexpected(*e);
    }
    if (auto e = check_node(c, f, ch.line, "nodeId2", ch.node2, "portId2", ch.port2)) {
      return make_unexpected(*e);
    }
    if (auto e = check_device(c, f, ch.line, "nodeId1", ch.node1, "a TP end")) {
      return make_unexpected(*e);
    }
    if (auto e = check_device(c, f, ch.line, "nodeId2", ch.node2, "a TP end")) {
      return make_unexpected(*e);
    }
    if (ch.priority >= s.priorities) {
      return make_unexpected(make_error(
          f, ch.line, "priority",
          fmt::format("priority {} not below UB_PRIORITY_NUM {}", ch.priority, s.priorities)));
    }
  }
  // tasks: between distinct devices, a priority that exists, a total that fits
  std::set<std::uint32_t> phases;
  std::uint64_t total = 0;
  for (const Ns3Task& t : c.tasks) {
    const std::string_view f = kNs3TrafficFile;
    if (auto e = check_node(c, f, t.line, "sourceNode", t.src)) {
      return make_unexpected(*e);
    }
    if (auto e = check_node(c, f, t.line, "destNode", t.dst)) {
      return make_unexpected(*e);
    }
    if (auto e = check_device(c, f, t.line, "sourceNode", t.src, "a task's source")) {
      return make_unexpected(*e);
    }
    if (auto e = check_device(c, f, t.line, "destNode", t.dst, "a task's destination")) {
      return make_unexpected(*e);
    }
    if (t.src == t.dst) {
      return make_unexpected(make_error(f, t.line, "destNode",
                                        fmt::format("source and destination are node {}", t.src)));
    }
    if (t.priority >= s.priorities) {
      return make_unexpected(make_error(
          f, t.line, "priority",
          fmt::format("priority {} not below UB_PRIORITY_NUM {}", t.priority, s.priorities)));
    }
    if (__builtin_add_overflow(total, t.bytes, &total)) {
      return make_unexpected(
          make_error(f, t.line, "dataSize(Byte)", "total size overflows 64 bits"));
    }
    if (t.op == Ns3OpType::UrmaWriteNotify) {
      c.warnings.push_back(make_error(f, t.line, "opType",
                                      "URMA_WRITE_NOTIFY never starts in ns-3 (its quirk 1); "
                                      "ubmodel runs it as Write_with_notify"));
    }
    phases.insert(t.phase);
  }
  // phases: dependencies name phases that have tasks, and form no cycle (Kahn's algorithm)
  std::map<std::uint32_t, std::set<std::uint32_t>> deps; // phase -> phases it waits for
  std::map<std::pair<std::uint32_t, std::uint32_t>, std::size_t> dep_line; // first task line
  for (const Ns3Task& t : c.tasks) {
    deps[t.phase];
    for (const std::uint32_t d : t.depends_on) {
      if (phases.count(d) == 0) {
        return make_unexpected(make_error(kNs3TrafficFile, t.line, "dependOnPhases",
                                          fmt::format("phase {} has no task", d)));
      }
      if (d == t.phase) {
        return make_unexpected(make_error(kNs3TrafficFile, t.line, "dependOnPhases",
                                          fmt::format("phase {} depends on itself", d)));
      }
      deps[t.phase].insert(d);
      dep_line.emplace(std::pair{t.phase, d}, t.line);
    }
  }
  {
    std::map<std::uint32_t, std::size_t> waiting; // unresolved dependencies per phase
    std::map<std::uint32_t, std::vector<std::uint32_t>> dependents;
    for (const auto& [p, ds] : deps) {
      waiting[p] = ds.size();
      for (const std::uint32_t d : ds) {
        dependents[d].push_back(p);
      }
    }
    std::vector<std::uint32_t> ready;
    for (const auto& [p, n] : waiting) {
      if (n == 0) {
        ready.push_back(p);
      }
    }
    std::size_t done = 0;
    while (!ready.empty()) {
      const std::uint32_t p = ready.back();
      ready.pop_back();
      ++done;
      for (const std::uint32_t q : dependents[p]) {
        if (--waiting[q] == 0) {
          ready.push_back(q);
        }
      }
    }
    if (done != waiting.size()) {
      // the smallest phase left waits, directly or not, on itself; name one of its edges
      for (const auto& [p, n] : waiting) {
        if (n == 0) {
          continue;
        }
        for (const std::uint32_t d : deps[p]) {
          if (waiting[d] != 0) {
            return make_unexpected(make_error(
                kNs3TrafficFile, dep_line[{p, d}], "dependOnPhases",
                fmt::format("phase {} waits on phase {}, which waits on it (a cycle)", p, d)));
          }
        }
      }
    }
  }
  // faults: the task exists for per-task faults; a rate change names a port that exists
  bool shutdown_warned = false;
  for (const Ns3Fault& flt : c.faults) {
    const std::string_view f = kNs3FaultFile;
    const bool per_task = flt.type == Ns3FaultType::Drop || flt.type == Ns3FaultType::Delay ||
                          flt.type == Ns3FaultType::Shutdown || flt.type == Ns3FaultType::ErrorDrop;
    if (per_task && std::none_of(c.tasks.begin(), c.tasks.end(),
                                 [&](const Ns3Task& t) { return t.id == flt.task_id; })) {
      return make_unexpected(
          make_error(f, flt.line, "taskId", fmt::format("unknown task {}", flt.task_id)));
    }
    if (flt.port_rate) {
      if (auto e = check_node(c, f, flt.line, "lowerDataRate", flt.port_rate->node, "lowerDataRate",
                              flt.port_rate->port)) {
        return make_unexpected(*e);
      }
      const Ns3Node* n = c.node(flt.port_rate->node);
      if (n->kind != Ns3NodeKind::Switch) {
        c.warnings.push_back(make_error(f, flt.line, "lowerDataRate",
                                        fmt::format("node {} is a DEVICE; ns-3 applies faults "
                                                    "only at switches",
                                                    n->id)));
      }
    }
    if (flt.type == Ns3FaultType::Shutdown && !shutdown_warned) {
      shutdown_warned = true;
      c.warnings.push_back(make_error(f, flt.line, "faultType",
                                      "type 3 is inert in ns-3 (it never parses the shutdown "
                                      "column)"));
    }
  }
  if (c.has_fault_file && !s.fault_enable) {
    c.warnings.push_back(
        make_error(kNs3FaultFile, 0, "", "present but UB_FAULT_ENABLE is false: ns-3 ignores it"));
  }
  return true;
}

} // namespace

ImportResult<Ns3Case> assemble_ns3_case(const Ns3CaseFiles& files) {
  const auto text_of = [&](std::string_view name) -> const std::string* {
    const auto it = files.find(name);
    return it == files.end() ? nullptr : &it->second;
  };
  const auto required = [&](std::string_view name) -> ImportResult<const std::string*> {
    const std::string* t = text_of(name);
    if (t == nullptr) {
      return make_unexpected(make_error(name, 0, "", "missing file"));
    }
    return t;
  };
  Ns3Case c;
  // The order ns-3 reads them (ns3ub-formats.md §2).
  UB_IMPORT_TRY(attr_text, required(kNs3AttributeFile));
  UB_IMPORT_TRY(attrs, parse_network_attributes(kNs3AttributeFile, *attr_text));
  c.attributes = std::move(attrs);
  c.warnings = c.attributes.warnings;
  UB_IMPORT_TRY(node_text, required(kNs3NodeFile));
  UB_IMPORT_TRY(nodes, parse_node_csv(kNs3NodeFile, *node_text));
  c.nodes = std::move(nodes);
  UB_IMPORT_TRY(topo_text, required(kNs3TopologyFile));
  UB_IMPORT_TRY(links, parse_topology_csv(kNs3TopologyFile, *topo_text));
  c.links = std::move(links);
  UB_IMPORT_TRY(route_text, required(kNs3RoutingFile));
  UB_IMPORT_TRY(routes, parse_routing_table_csv(kNs3RoutingFile, *route_text));
  c.routes = std::move(routes);
  if (const std::string* t = text_of(kNs3ChannelFile)) {
    c.has_channel_file = true;
    UB_IMPORT_TRY(channels, parse_transport_channel_csv(kNs3ChannelFile, *t));
    c.channels = std::move(channels);
  }
  UB_IMPORT_TRY(traffic_text, required(kNs3TrafficFile));
  UB_IMPORT_TRY(tasks, parse_traffic_csv(kNs3TrafficFile, *traffic_text));
  c.tasks = std::move(tasks);
  if (const std::string* t = text_of(kNs3FaultFile)) {
    c.has_fault_file = true;
    UB_IMPORT_TRY(faults, parse_fault_csv(kNs3FaultFile, *t));
    c.faults = std::move(faults);
  }
  UB_IMPORT_TRY(ok, validate(c));
  (void)ok;
  return c;
}

ImportResult<Ns3Case> load_ns3_case(const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status st = fs::status(dir, ec);
  if (st.type() == fs::file_type::not_found) {
    return make_unexpected(make_error(dir.string(), 0, "", "no such folder"));
  }
  if (ec) {
    return make_unexpected(
        make_error(dir.string(), 0, "", fmt::format("cannot read: {}", ec.message())));
  }
  if (!fs::is_directory(st)) {
    return make_unexpected(make_error(dir.string(), 0, "", "not a directory"));
  }
  Ns3CaseFiles files;
  for (const std::string_view name :
       {kNs3AttributeFile, kNs3NodeFile, kNs3TopologyFile, kNs3RoutingFile, kNs3ChannelFile,
        kNs3TrafficFile, kNs3FaultFile}) {
    const fs::path p = dir / name;
    if (!fs::exists(p, ec)) {
      continue;
    }
    std::ifstream in(p, std::ios::binary);
    if (!in || !fs::is_regular_file(p, ec)) {
      return make_unexpected(make_error(p.string(), 0, "", "cannot read"));
    }
    std::string text((std::istreambuf_iterator<char>(in)), {});
    if (in.bad()) {
      return make_unexpected(make_error(p.string(), 0, "", "cannot read"));
    }
    files.emplace(std::string(name), std::move(text));
  }
  auto c = assemble_ns3_case(files);
  // Name files by their path, so a command line can point at them.
  const auto locate = [&](ImportError& e) { e.file = (dir / e.file).string(); };
  if (!c) {
    ImportError e = c.error();
    locate(e);
    return make_unexpected(std::move(e));
  }
  for (auto& w : c->warnings) {
    locate(w);
  }
  for (auto& w : c->attributes.warnings) {
    locate(w);
  }
  return c;
}

Ns3CaseSummary describe(const Ns3Case& c) {
  Ns3CaseSummary s;
  for (const Ns3Node& n : c.nodes) {
    (n.kind == Ns3NodeKind::Device ? s.hosts : s.switches) += 1;
  }
  s.links = c.links.size();
  s.routes = c.routes.size();
  for (const Ns3Route& r : c.routes) {
    s.route_ports += r.out_ports.size();
  }
  s.channels = c.channels.size();
  s.tasks = c.tasks.size();
  std::set<std::uint32_t> phases;
  for (const Ns3Task& t : c.tasks) {
    phases.insert(t.phase);
    if (__builtin_add_overflow(s.total_bytes, t.bytes, &s.total_bytes)) {
      s.total_bytes = std::numeric_limits<std::uint64_t>::max();
    }
  }
  s.phases = phases.size();
  s.faults = c.faults.size();
  s.faults_enabled = c.has_fault_file && c.settings().fault_enable;
  s.warnings = c.warnings.size();
  return s;
}

std::string to_string(const Ns3CaseSummary& s) {
  return fmt::format("{} hosts, {} switches, {} links, {} routes, {} channels, {} tasks in {} "
                     "phase{}, {} bytes, {} faults{}",
                     s.hosts, s.switches, s.links, s.routes, s.channels, s.tasks, s.phases,
                     s.phases == 1 ? "" : "s", s.total_bytes, s.faults,
                     s.faults == 0 ? "" : (s.faults_enabled ? " (enabled)" : " (disabled)"));
}

} // namespace ub::sim

#undef UB_IMPORT_TRY

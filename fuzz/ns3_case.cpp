// Arbitrary text into the ns-3 UB case importer (sim/import/ns3_case.hpp). The input is the files
// of a case, each introduced by a line `==> NAME <==` (what `tail -n +1 FILES...` prints; text
// before the first marker is ignored, a name given twice keeps its last text). Property: either
// a clean ImportError naming one of the case's files and a line inside that file's text (0 for
// the whole file; 0 when the file is absent), or a case whose describe() counts match its
// contents, every node referenced by a link, route, channel, task or fault exists with the port
// named, and every entry's line lies inside its file.

#include "sim/import/ns3_case.hpp"

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"

using namespace ub;
using namespace ub::sim;

namespace {

constexpr std::string_view kOpen = "==> ";
constexpr std::string_view kClose = " <==";

Ns3CaseFiles split_files(std::string_view in) {
  Ns3CaseFiles files;
  std::string* current = nullptr;
  std::size_t start = 0;
  while (start < in.size()) {
    auto end = in.find('\n', start);
    const bool last = end == std::string_view::npos;
    if (last) {
      end = in.size();
    }
    std::string_view line = in.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    if (line.size() > kOpen.size() + kClose.size() && line.starts_with(kOpen) &&
        line.ends_with(kClose)) {
      const std::string name(line.substr(kOpen.size(), line.size() - kOpen.size() - kClose.size()));
      current = &files[name];
      current->clear();
    } else if (current != nullptr) {
      current->append(in.substr(start, end - start));
      if (!last) {
        current->push_back('\n');
      }
    }
    start = end + 1;
  }
  return files;
}

std::size_t line_count(const Ns3CaseFiles& files, std::string_view name) {
  const auto it = files.find(name);
  if (it == files.end()) {
    return 0;
  }
  const std::string& t = it->second;
  std::size_t n = 0;
  for (const char c : t) {
    n += c == '\n' ? 1 : 0;
  }
  return n + ((!t.empty() && t.back() != '\n') ? 1 : 0);
}

bool is_case_file(std::string_view f) {
  return f == kNs3NodeFile || f == kNs3TopologyFile || f == kNs3RoutingFile ||
         f == kNs3ChannelFile || f == kNs3TrafficFile || f == kNs3AttributeFile ||
         f == kNs3FaultFile;
}

// A data row lies after its file's header line and inside the file.
bool row_inside(const Ns3CaseFiles& files, std::string_view name, std::size_t line) {
  return line >= 2 && line <= line_count(files, name);
}

bool port_ok(const Ns3Case& c, std::uint32_t node, std::uint32_t port) {
  const Ns3Node* n = c.node(node);
  return n != nullptr && port < n->ports;
}

bool is_device(const Ns3Case& c, std::uint32_t node) {
  const Ns3Node* n = c.node(node);
  return n != nullptr && n->kind == Ns3NodeKind::Device;
}

void check_case(const Ns3Case& c, const Ns3CaseFiles& files) {
  const Ns3CaseSummary s = describe(c);
  UB_FUZZ_CHECK(s.hosts + s.switches == c.nodes.size());
  UB_FUZZ_CHECK(s.hosts + s.switches >= 1);
  for (std::size_t i = 0; i < c.nodes.size(); ++i) {
    const Ns3Node& n = c.nodes[i];
    UB_FUZZ_CHECK(i == 0 || c.nodes[i - 1].id < n.id);
    UB_FUZZ_CHECK(c.node(n.id) == &n);
    UB_FUZZ_CHECK(n.ports >= 1 && n.ports <= kNs3MaxPorts);
    UB_FUZZ_CHECK(row_inside(files, kNs3NodeFile, n.line));
  }
  UB_FUZZ_CHECK(s.links == c.links.size());
  for (const Ns3Link& l : c.links) {
    UB_FUZZ_CHECK(port_ok(c, l.node1, l.port1) && port_ok(c, l.node2, l.port2));
    UB_FUZZ_CHECK(l.bandwidth.bps > 0 && l.delay.count() >= 0);
    UB_FUZZ_CHECK(row_inside(files, kNs3TopologyFile, l.line));
  }
  UB_FUZZ_CHECK(s.routes == c.routes.size());
  std::size_t route_ports = 0;
  for (const Ns3Route& r : c.routes) {
    UB_FUZZ_CHECK(c.node(r.node) != nullptr && port_ok(c, r.dst_node, r.dst_port));
    UB_FUZZ_CHECK(!r.out_ports.empty() && r.out_ports.size() == r.metrics.size());
    for (const std::uint32_t p : r.out_ports) {
      UB_FUZZ_CHECK(port_ok(c, r.node, p));
    }
    route_ports += r.out_ports.size();
    UB_FUZZ_CHECK(row_inside(files, kNs3RoutingFile, r.line));
  }
  UB_FUZZ_CHECK(s.route_ports == route_ports);
  UB_FUZZ_CHECK(s.channels == c.channels.size());
  for (const Ns3Channel& ch : c.channels) {
    UB_FUZZ_CHECK(port_ok(c, ch.node1, ch.port1) && port_ok(c, ch.node2, ch.port2));
    UB_FUZZ_CHECK(is_device(c, ch.node1) && is_device(c, ch.node2) && ch.node1 != ch.node2);
    UB_FUZZ_CHECK(ch.priority < c.settings().priorities);
    UB_FUZZ_CHECK(row_inside(files, kNs3ChannelFile, ch.line));
  }
  UB_FUZZ_CHECK(s.tasks == c.tasks.size());
  std::uint64_t total = 0;
  for (const Ns3Task& t : c.tasks) {
    UB_FUZZ_CHECK(is_device(c, t.src) && is_device(c, t.dst) && t.src != t.dst);
    UB_FUZZ_CHECK(t.bytes > 0 && t.priority < c.settings().priorities);
    for (const std::uint32_t d : t.depends_on) {
      UB_FUZZ_CHECK(d != t.phase);
      bool found = false;
      for (const Ns3Task& u : c.tasks) {
        found = found || u.phase == d;
      }
      UB_FUZZ_CHECK(found);
    }
    total += t.bytes; // validation refuses a total that overflows
    UB_FUZZ_CHECK(total >= t.bytes);
    UB_FUZZ_CHECK(row_inside(files, kNs3TrafficFile, t.line));
  }
  UB_FUZZ_CHECK(s.total_bytes == total);
  UB_FUZZ_CHECK(s.phases <= s.tasks);
  UB_FUZZ_CHECK(s.faults == c.faults.size());
  for (const Ns3Fault& f : c.faults) {
    if (f.port_rate) {
      UB_FUZZ_CHECK(port_ok(c, f.port_rate->node, f.port_rate->port));
    }
    UB_FUZZ_CHECK(f.drop_percent >= 0 && f.drop_percent <= 100);
    UB_FUZZ_CHECK(row_inside(files, kNs3FaultFile, f.line));
  }
  for (const Ns3Attribute& a : c.attributes.entries) {
    UB_FUZZ_CHECK(a.line <= line_count(files, kNs3AttributeFile));
  }
  for (const ImportWarning& w : c.warnings) {
    UB_FUZZ_CHECK(is_case_file(w.file) && w.line <= line_count(files, w.file));
  }
  UB_FUZZ_CHECK(!to_string(s).empty());
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const Ns3CaseFiles files = split_files(in);
  auto c = assemble_ns3_case(files);
  if (!c) {
    const ImportError& e = c.error();
    if (!is_case_file(e.file) || e.reason.empty() || e.line > line_count(files, e.file)) {
      std::fprintf(stderr, "unclean error: %s\n", to_string(e).c_str());
    }
    UB_FUZZ_CHECK(is_case_file(e.file));
    UB_FUZZ_CHECK(!e.reason.empty());
    UB_FUZZ_CHECK(e.line <= line_count(files, e.file));
    UB_FUZZ_CHECK(files.count(e.file) != 0 || (e.line == 0 && e.reason == "missing file"));
    UB_FUZZ_CHECK(to_string(e).starts_with(e.file));
    return 0;
  }
  check_case(*c, files);
  return 0;
}

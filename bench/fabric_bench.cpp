// fabric_bench: whole runs of the fabric simulator (issue 6, "Proof": events/s, packet-hops/s,
// peak memory and bytes per endpoint of the benchmark scenarios, and the ns-3 baseline's ratio).
// Not a Google Benchmark microbenchmark: each case is one complete `ubmodel sim` run of a
// scenario in scenarios/bench/, repeated, each repetition in a child process of its own (this
// program executed again with the internal `--run-one NAME`), so that the peak RSS the kernel
// reports for the child (wait4) is that case's alone.
//
//   build/release/bench/fabric_bench                      3 repetitions of every case
//   build/release/bench/fabric_bench --quick              1 repetition of shortened runs
//   build/release/bench/fabric_bench --only fattree4-a2a --ns3 build/release/bench/ns3_fattree4_a2a
//   build/release/bench/fabric_bench --json out.json      also the JSON (- = standard output)
//   build/release/bench/fabric_bench --set run.oracle=false   an override for every case
//
// scripts/fabric_bench.sh configures, builds and runs it (with the ns-3 baseline when ns-3 is
// installed). The table goes to standard output, progress to standard error. Exit status 0 when
// every run completed with no oracle violation and every case gave one fingerprint over its
// repetitions; 1 otherwise; 2 for bad arguments or a scenario the simulator refuses.

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "sim/fabric/fabric_sim.hpp"
#include "sim/fabric/sim_setup.hpp"
#include "sim/huge_pages.hpp"

using namespace ub;
using Json = nlohmann::ordered_json;

namespace {

constexpr int kBadArgs = 2;

struct Case {
  std::string_view name;
  std::string_view file;      // under the scenarios folder
  std::string_view quick_set; // the override that shortens the run under --quick
  bool ns3_baseline;          // the ns-3 program runs the same case
  std::string_view set = {};  // an override every run of the case takes (none: "")
};

// The cases: the two fat-trees, the 1,024- and 8,192-endpoint fabrics, and the ns-3 UB
// simulator's Clos all-to-all as its case folder (its traffic cannot be shortened by an
// override: --quick runs it with packet endpoints). `fattree4-a2a-packet` is the k=4 case with
// packet endpoints: the same fabric, data link on every hop and traffic, without the
// transaction and transport layers and the oracle, which is what the ns-3 baseline (UDP over
// point-to-point links) models; its packet-hops are the ns-3 program's to the packet.
constexpr std::array<Case, 6> kCases{{
    {"fattree4-a2a", "bench/fattree4-a2a.toml", "traffic[0].bytes=100KB", true},
    {"fattree4-a2a-packet", "bench/fattree4-a2a.toml", "traffic[0].bytes=100KB", false,
     "endpoint.model=packet"},
    {"fattree8-perm", "bench/fattree8-perm.toml", "traffic[0].bytes=100KB", false},
    {"ub-mesh-1024", "bench/ub-mesh-1024.toml", "traffic[0].bytes=32KiB", false},
    {"superpod-8192", "bench/superpod-8192.toml", "traffic[0].bytes=4KiB", false},
    {"ns3-clos-a2a", "bench/ns3-clos-a2a", "endpoint.model=packet", false},
}};
// The ns-3 program's option that shortens its run as quick_set shortens fattree4-a2a's.
constexpr std::string_view kNs3Quick = "--flowBytes=100000";

struct Options {
  bool quick = false;
  unsigned reps = 3;
  bool reps_given = false;
  std::vector<std::string> only;
  std::vector<std::string> set;
  std::string ns3;
  std::string json;
  std::filesystem::path scenarios = UB_SOURCE_DIR "/scenarios";
  std::string run_one; // internal: run this case once, print one JSON line
  bool list = false;
};

void usage(std::ostream& o) {
  o << "usage: fabric_bench [--quick] [--reps N] [--only NAME]... [--set KEY=VALUE]...\n"
       "                    [--ns3 PATH] [--json PATH|-] [--scenarios DIR] [--list]\n"
       "  --quick        1 repetition of shortened runs (default: 3 repetitions, full runs)\n"
       "  --reps N       repetitions (1..100)\n"
       "  --only NAME    run only this case (repeatable); --list names them\n"
       "  --set K=V      a scenario override for every case (as ubmodel sim --set)\n"
       "  --ns3 PATH     the ns-3 baseline program (ns3_fattree4_a2a): run it as often, and\n"
       "                 print the ratio of ubmodel's hops/s to its hops/s for fattree4-a2a\n"
       "  --json PATH    write the results as JSON too (- = standard output, table to stderr)\n"
       "  --scenarios D  the scenarios folder (default: the source tree's)\n";
}

std::optional<Options> parse_args(int argc, char** argv) {
  Options o;
  const std::vector<std::string> a(argv + 1, argv + argc);
  auto fail = [](const std::string& m) -> std::optional<Options> {
    std::cerr << "fabric_bench: " << m << '\n';
    usage(std::cerr);
    return std::nullopt;
  };
  for (std::size_t i = 0; i < a.size(); ++i) {
    const std::string& k = a[i];
    auto value = [&]() -> const std::string* { return i + 1 < a.size() ? &a[++i] : nullptr; };
    if (k == "--quick") {
      o.quick = true;
    } else if (k == "--list") {
      o.list = true;
    } else if (k == "--help" || k == "-h") {
      usage(std::cout);
      std::exit(0);
    } else if (k == "--reps" || k == "--only" || k == "--set" || k == "--ns3" || k == "--json" ||
               k == "--scenarios" || k == "--run-one") {
      const std::string* v = value();
      if (v == nullptr || v->empty()) {
        return fail(k + ": needs a value");
      }
      if (k == "--reps") {
        char* end = nullptr;
        const unsigned long n = std::strtoul(v->c_str(), &end, 10);
        if (*end != '\0' || n < 1 || n > 100) {
          return fail("--reps: '" + *v + "' is not a whole number from 1 to 100");
        }
        o.reps = static_cast<unsigned>(n);
        o.reps_given = true;
      } else if (k == "--only" || k == "--run-one") {
        const bool known =
            std::any_of(kCases.begin(), kCases.end(), [&](const Case& c) { return c.name == *v; });
        if (!known) {
          std::string names;
          for (const Case& c : kCases) {
            names += names.empty() ? "" : ", ";
            names += c.name;
          }
          return fail(k + ": no case named '" + *v + "' (" + names + ")");
        }
        (k == "--only" ? o.only.push_back(*v) : void(o.run_one = *v));
      } else if (k == "--set") {
        if (v->find('=') == std::string::npos) {
          return fail("--set: '" + *v + "' is not KEY=VALUE");
        }
        o.set.push_back(*v);
      } else if (k == "--ns3") {
        o.ns3 = *v;
      } else if (k == "--json") {
        o.json = *v;
      } else {
        o.scenarios = *v;
      }
    } else {
      return fail("unknown argument '" + k + "'");
    }
  }
  if (o.quick && !o.reps_given) {
    o.reps = 1;
  }
  if (!o.ns3.empty() && access(o.ns3.c_str(), X_OK) != 0) {
    return fail("--ns3: '" + o.ns3 + "' is not an executable program");
  }
  if (!std::filesystem::is_directory(o.scenarios)) {
    return fail("--scenarios: '" + o.scenarios.string() + "' is not a folder");
  }
  return o;
}

const Case& find_case(std::string_view name) {
  return *std::find_if(kCases.begin(), kCases.end(), [&](const Case& c) { return c.name == name; });
}

// /proc/self/status field in kB (VmRSS now, VmHWM the peak so far).
std::uint64_t status_kb(std::string_view field) {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind(field, 0) == 0 && line.size() > field.size() && line[field.size()] == ':') {
      return std::strtoull(line.c_str() + field.size() + 1, nullptr, 10);
    }
  }
  return 0;
}

double cpu_seconds(const rusage& ru) {
  auto s = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return s(ru.ru_utime) + s(ru.ru_stime);
}

// The 1-minute load average (the machine is shared: each run notes it).
double load_average() {
  std::ifstream f("/proc/loadavg");
  double l = 0;
  f >> l;
  return l;
}

// ---- the child: one run of one case ----

int run_one(const Options& o) {
  const Case& c = find_case(o.run_one);
  std::vector<std::string> overrides;
  if (!c.set.empty()) {
    overrides.emplace_back(c.set);
  }
  if (o.quick) {
    overrides.emplace_back(c.quick_set);
  }
  overrides.insert(overrides.end(), o.set.begin(), o.set.end());
  const auto path = o.scenarios / c.file;
  using Clock = std::chrono::steady_clock;
  const auto t0 = Clock::now();
  auto in = sim::prepare(path, overrides);
  if (!in) {
    std::cerr << "fabric_bench: " << c.name << ": " << sim::to_string(in.error()) << '\n';
    return kBadArgs;
  }
  auto fabric = sim::FabricSim::make(in->scenario, in->topology, in->flows);
  if (!fabric) {
    sim::ConfigError e = fabric.error();
    if (e.file.empty()) {
      e.file = path.string();
    }
    std::cerr << "fabric_bench: " << c.name << ": " << sim::to_string(e) << '\n';
    return kBadArgs;
  }
  const double build_s = std::chrono::duration<double>(Clock::now() - t0).count();
  const std::uint64_t rss_build_kb = status_kb("VmRSS");
  rusage before{};
  (void)getrusage(RUSAGE_SELF, &before);
  const sim::SimResult r = (*fabric)->run();
  rusage after{};
  (void)getrusage(RUSAGE_SELF, &after);
  const bool ok = r.stop == sim::SimStop::Completed && r.oracle_violations == 0;
  Json j;
  j["ok"] = ok;
  j["stop"] = std::string(to_string(r.stop));
  j["oracle_violations"] = r.oracle_violations;
  j["fingerprint"] = fmt::format("{:016x}", r.fingerprint);
  j["endpoints"] = r.endpoints;
  j["nodes"] = in->topology.node_count();
  j["links"] = in->topology.link_count();
  j["flows"] = in->flows.size();
  j["events"] = r.events;
  j["packet_hops"] = r.net.packet_hops;
  j["packets"] = r.net.injected;
  j["sim_time_us"] = to_us(r.sim_time);
  j["build_s"] = build_s;
  j["wall_s"] = r.wall_s;
  j["run_cpu_s"] = cpu_seconds(after) - cpu_seconds(before);
  j["rss_build_kb"] = rss_build_kb;
  j["vm_hwm_kb"] = status_kb("VmHWM");
  std::cout << j.dump() << '\n';
  return ok ? 0 : 1;
}

// ---- the parent: child processes ----

struct Child {
  int status = -1; // wait status
  std::string out; // its standard output
  std::uint64_t maxrss_kb = 0;
  double cpu_s = 0;
  double elapsed_s = 0;
};

// Runs `argv` with its standard output in a pipe, standard error passed through; waits for it.
std::optional<Child> spawn(const std::vector<std::string>& argv) {
  int fd[2];
  if (pipe(fd) != 0) {
    std::cerr << "fabric_bench: pipe: " << std::strerror(errno) << '\n';
    return std::nullopt;
  }
  const auto t0 = std::chrono::steady_clock::now();
  const pid_t pid = fork();
  if (pid < 0) {
    std::cerr << "fabric_bench: fork: " << std::strerror(errno) << '\n';
    return std::nullopt;
  }
  if (pid == 0) {
    (void)dup2(fd[1], STDOUT_FILENO);
    (void)close(fd[0]);
    (void)close(fd[1]);
    std::vector<char*> args;
    for (const std::string& s : argv) {
      args.push_back(const_cast<char*>(s.c_str())); // NOLINT: execv's signature
    }
    args.push_back(nullptr);
    execv(args[0], args.data());
    std::fprintf(stderr, "fabric_bench: exec %s: %s\n", args[0], std::strerror(errno));
    _exit(127);
  }
  (void)close(fd[1]);
  Child c;
  std::array<char, 4096> buf{};
  while (true) {
    const ssize_t n = read(fd[0], buf.data(), buf.size());
    if (n > 0) {
      c.out.append(buf.data(), static_cast<std::size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  (void)close(fd[0]);
  rusage ru{};
  while (wait4(pid, &c.status, 0, &ru) < 0 && errno == EINTR) {
  }
  c.elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  c.maxrss_kb = static_cast<std::uint64_t>(ru.ru_maxrss); // kB on Linux
  c.cpu_s = cpu_seconds(ru);
  return c;
}

std::string self_path() {
  std::error_code ec;
  return std::filesystem::read_symlink("/proc/self/exe", ec).string();
}

// One repetition of one case, as the table needs it.
struct Run {
  bool ok = false;
  bool bad_scenario = false; // the child refused the scenario (exit status 2)
  double load = 0;
  Json j; // the child's line, with peak_rss_kb (wait4) and cpu_s (the whole child) added
};

Run run_case(const Options& o, const Case& c) {
  std::vector<std::string> argv{self_path(), "--run-one", std::string(c.name), "--scenarios",
                                o.scenarios.string()};
  if (o.quick) {
    argv.emplace_back("--quick");
  }
  for (const std::string& s : o.set) {
    argv.emplace_back("--set");
    argv.push_back(s);
  }
  Run r;
  r.load = load_average();
  const auto ch = spawn(argv);
  if (!ch) {
    return r;
  }
  r.bad_scenario = WIFEXITED(ch->status) && WEXITSTATUS(ch->status) == kBadArgs;
  const auto nl = ch->out.find('\n');
  r.j = Json::parse(ch->out.substr(0, nl), nullptr, false);
  if (r.j.is_discarded() || !r.j.is_object()) {
    std::cerr << "fabric_bench: " << c.name << ": the run printed no result (exit status "
              << (WIFEXITED(ch->status) ? WEXITSTATUS(ch->status) : -1) << ")\n";
    r.j = Json::object();
    return r;
  }
  r.j["peak_rss_kb"] = ch->maxrss_kb;
  r.j["cpu_s"] = ch->cpu_s;
  r.j["load_avg_1min"] = r.load;
  r.ok = WIFEXITED(ch->status) && WEXITSTATUS(ch->status) == 0 && r.j.value("ok", false);
  return r;
}

// The ns-3 program's two lines ("ns3 fattree4-a2a detail: k=4 ..." and "ns3 fattree4-a2a:
// wall_s=... packet_hops=..."), as key=value pairs.
std::map<std::string, std::string> ns3_fields(const std::string& out) {
  std::map<std::string, std::string> f;
  std::istringstream lines(out);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("ns3 fattree4-a2a", 0) != 0) {
      continue;
    }
    std::istringstream words(line);
    std::string w;
    while (words >> w) {
      if (const auto eq = w.find('='); eq != std::string::npos && eq > 0) {
        f[w.substr(0, eq)] = w.substr(eq + 1);
      }
    }
  }
  return f;
}

Run run_ns3(const Options& o) {
  std::vector<std::string> argv{o.ns3};
  if (o.quick) {
    argv.emplace_back(kNs3Quick);
  }
  Run r;
  r.load = load_average();
  const auto ch = spawn(argv);
  if (!ch) {
    return r;
  }
  const auto f = ns3_fields(ch->out);
  auto num = [&f](const char* k) {
    const auto it = f.find(k);
    return it == f.end() ? -1.0 : std::strtod(it->second.c_str(), nullptr);
  };
  for (const char* k : {"wall_s", "packet_hops", "events", "sim_time_us", "hosts", "flows",
                        "datagrams", "delivered", "drops", "setup_s", "cpu_s"}) {
    if (num(k) < 0) {
      std::cerr << "fabric_bench: ns-3: no " << k << "= in its output:\n" << ch->out;
      r.j = Json::object();
      return r;
    }
  }
  r.j["endpoints"] = static_cast<std::uint64_t>(num("hosts"));
  r.j["flows"] = static_cast<std::uint64_t>(num("flows"));
  r.j["events"] = static_cast<std::uint64_t>(num("events"));
  r.j["packet_hops"] = static_cast<std::uint64_t>(num("packet_hops"));
  r.j["packets"] = static_cast<std::uint64_t>(num("datagrams"));
  r.j["sim_time_us"] = num("sim_time_us");
  r.j["build_s"] = num("setup_s");
  r.j["wall_s"] = num("wall_s");
  r.j["run_cpu_s"] = num("cpu_s");
  r.j["drops"] = static_cast<std::uint64_t>(num("drops"));
  r.j["peak_rss_kb"] = ch->maxrss_kb;
  r.j["cpu_s"] = ch->cpu_s;
  r.j["load_avg_1min"] = r.load;
  r.ok = WIFEXITED(ch->status) && WEXITSTATUS(ch->status) == 0;
  return r;
}

// ---- summaries and the table ----

double median(std::vector<double> v) {
  if (v.empty()) {
    return 0;
  }
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

struct Summary {
  std::string name;
  std::vector<Run> runs;
  bool ok = true;
  bool same_fingerprint = true;
  Json row; // the figures of the table
};

Summary summarise(std::string name, std::vector<Run> runs, bool has_fingerprint) {
  Summary s{std::move(name), std::move(runs), true, true, Json::object()};
  std::vector<double> wall, build, cpu, load;
  std::uint64_t peak = 0;
  for (const Run& r : s.runs) {
    s.ok = s.ok && r.ok;
    if (!r.ok || !r.j.contains("wall_s")) {
      continue;
    }
    wall.push_back(r.j["wall_s"].get<double>());
    build.push_back(r.j["build_s"].get<double>());
    cpu.push_back(r.j["run_cpu_s"].get<double>());
    load.push_back(r.load);
    peak = std::max(peak, r.j["peak_rss_kb"].get<std::uint64_t>());
    if (has_fingerprint && r.j["fingerprint"] != s.runs.front().j["fingerprint"]) {
      s.same_fingerprint = false;
    }
  }
  if (wall.empty()) {
    s.ok = false;
    return s;
  }
  // Counts are the same in every run (deterministic): take them from the first good one.
  const Json& first = std::find_if(s.runs.begin(), s.runs.end(), [](const Run& r) {
                        return r.ok && r.j.contains("wall_s");
                      })->j;
  const auto events = first["events"].get<std::uint64_t>();
  const auto hops = first["packet_hops"].get<std::uint64_t>();
  const auto eps = first["endpoints"].get<std::uint64_t>();
  const double wmin = *std::min_element(wall.begin(), wall.end());
  const double wmed = median(wall);
  Json& row = s.row;
  row["endpoints"] = eps;
  row["flows"] = first["flows"];
  row["packets"] = first["packets"];
  row["events"] = events;
  row["packet_hops"] = hops;
  row["sim_time_us"] = first["sim_time_us"];
  row["build_s_median"] = median(build);
  row["wall_s_min"] = wmin;
  row["wall_s_median"] = wmed;
  row["run_cpu_s_median"] = median(cpu);
  row["events_per_s_median"] = static_cast<double>(events) / wmed;
  row["hops_per_s_median"] = static_cast<double>(hops) / wmed;
  row["hops_per_s_best"] = static_cast<double>(hops) / wmin;
  row["hops_per_cpu_s_median"] = static_cast<double>(hops) / median(cpu);
  row["peak_rss_kb"] = peak;
  row["bytes_per_endpoint"] = static_cast<double>(peak) * 1024.0 / static_cast<double>(eps);
  row["load_avg_1min"] = load;
  row["runs_ok"] = wall.size();
  if (has_fingerprint) {
    row["fingerprint"] = first["fingerprint"];
    row["same_fingerprint"] = s.same_fingerprint;
  }
  return s;
}

std::string grouped(std::uint64_t v) {
  const std::string d = std::to_string(v);
  std::string g;
  for (std::size_t i = 0; i < d.size(); ++i) {
    if (i != 0 && (d.size() - i) % 3 == 0) {
      g += ',';
    }
    g += d[i];
  }
  return g;
}

std::string grouped(double v) {
  return grouped(static_cast<std::uint64_t>(std::llround(std::max(v, 0.0))));
}

std::string bytes_text(double b) {
  if (b >= 1024.0 * 1024 * 1024) {
    return fmt::format("{:.2f} GiB", b / (1024.0 * 1024 * 1024));
  }
  if (b >= 1024.0 * 1024) {
    return fmt::format("{:.1f} MiB", b / (1024.0 * 1024));
  }
  return fmt::format("{:.1f} KiB", b / 1024.0);
}

std::string table(const std::vector<Summary>& all) {
  std::string t =
      "| scenario | endpoints | flows | events | packet-hops | sim time | build s | wall s min | "
      "wall s median | CPU s | events/s | hops/s | hops/s best | peak RSS | per endpoint |\n"
      "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n";
  for (const Summary& s : all) {
    if (s.row.empty()) {
      t += fmt::format("| {} | failed | | | | | | | | | | | | | |\n", s.name);
      continue;
    }
    const Json& r = s.row;
    t += fmt::format(
        "| {} | {} | {} | {} | {} | {:.1f} us | {:.2f} | {:.2f} | {:.2f} | {:.2f} | {} | {} | {} | "
        "{} | {} |\n",
        s.name, grouped(r["endpoints"].get<std::uint64_t>()),
        grouped(r["flows"].get<std::uint64_t>()), grouped(r["events"].get<std::uint64_t>()),
        grouped(r["packet_hops"].get<std::uint64_t>()), r["sim_time_us"].get<double>(),
        r["build_s_median"].get<double>(), r["wall_s_min"].get<double>(),
        r["wall_s_median"].get<double>(), r["run_cpu_s_median"].get<double>(),
        grouped(r["events_per_s_median"].get<double>()),
        grouped(r["hops_per_s_median"].get<double>()), grouped(r["hops_per_s_best"].get<double>()),
        bytes_text(static_cast<double>(r["peak_rss_kb"].get<std::uint64_t>()) * 1024.0),
        bytes_text(r["bytes_per_endpoint"].get<double>()));
  }
  return t;
}

std::string run_line(const std::string& name, const Run& r) {
  if (!r.j.contains("wall_s")) {
    return fmt::format("{}: FAILED", name);
  }
  const double wall = r.j["wall_s"].get<double>();
  return fmt::format(
      "{}: {}wall {:.2f} s (cpu {:.2f} s), {} hops/s, {} events, peak RSS {}{}", name,
      r.j.contains("stop") ? r.j["stop"].get<std::string>() + ", " : "", wall,
      r.j["run_cpu_s"].get<double>(),
      grouped(static_cast<double>(r.j["packet_hops"].get<std::uint64_t>()) / wall),
      grouped(r.j["events"].get<std::uint64_t>()),
      bytes_text(static_cast<double>(r.j["peak_rss_kb"].get<std::uint64_t>()) * 1024.0),
      r.ok ? "" : "  FAILED");
}

int run_all(const Options& o) {
  std::vector<const Case*> cases;
  for (const Case& c : kCases) {
    if (o.only.empty() || std::find(o.only.begin(), o.only.end(), c.name) != o.only.end()) {
      cases.push_back(&c);
    }
  }
  const bool with_ns3 =
      !o.ns3.empty() &&
      std::any_of(cases.begin(), cases.end(), [](const Case* c) { return c->ns3_baseline; });
  std::vector<std::vector<Run>> runs(cases.size());
  std::vector<Run> ns3_runs;
  // Repetitions outermost: a change of the machine's load spreads over every case.
  for (unsigned rep = 0; rep < o.reps; ++rep) {
    for (std::size_t i = 0; i < cases.size(); ++i) {
      const Case& c = *cases[i];
      std::cerr << fmt::format("[{}/{}] {} (load average {:.2f}) ...\n", rep + 1, o.reps, c.name,
                               load_average());
      runs[i].push_back(run_case(o, c));
      if (runs[i].back().bad_scenario) {
        return kBadArgs; // the same refusal would follow in every repetition
      }
      std::cerr << "  " << run_line(std::string(c.name), runs[i].back()) << '\n';
      if (c.ns3_baseline && with_ns3) {
        std::cerr << fmt::format("[{}/{}] ns-3 {} (load average {:.2f}) ...\n", rep + 1, o.reps,
                                 c.name, load_average());
        ns3_runs.push_back(run_ns3(o));
        std::cerr << "  " << run_line("ns-3 " + std::string(c.name), ns3_runs.back()) << '\n';
      }
    }
  }
  std::vector<Summary> all;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    all.push_back(summarise(std::string(cases[i]->name), std::move(runs[i]), true));
  }
  std::optional<Summary> ns3;
  if (with_ns3) {
    ns3 = summarise("ns-3 fattree4-a2a", std::move(ns3_runs), false);
  }
  std::vector<Summary> rows = all;
  if (ns3) {
    rows.push_back(*ns3);
  }
  std::string out = fmt::format("fabric_bench: {} repetition{}{}{}; {} cores; heap: {}\n\n", o.reps,
                                o.reps == 1 ? "" : "s", o.quick ? ", quick (shortened runs)" : "",
                                o.set.empty() ? "" : ", overrides given",
                                sysconf(_SC_NPROCESSORS_ONLN), sim::heap_description());
  out += table(rows);
  out += "\nbuild s: scenario to a ready simulator (topology, routing, traffic, controllers);\n"
         "wall s and CPU s: the run alone (CPU s is the median); events/s and hops/s: at the\n"
         "median wall time, best: at the minimum; peak RSS: the whole child process (wait4);\n"
         "per endpoint: peak RSS / endpoints.\n";
  out += "\nload average (1 min) before each run:\n";
  for (const Summary& s : rows) {
    std::string l;
    for (const Run& r : s.runs) {
      l += fmt::format(" {:.2f}", r.load);
    }
    out += fmt::format("  {}:{}\n", s.name, l);
  }
  Json ratio;
  if (ns3 && !ns3->row.empty()) {
    const auto ub = std::find_if(all.begin(), all.end(),
                                 [](const Summary& s) { return s.name == "fattree4-a2a"; });
    if (ub != all.end() && !ub->row.empty()) {
      const Json& a = ub->row;
      const Json& b = ns3->row;
      ratio["hops_per_s_median"] =
          a["hops_per_s_median"].get<double>() / b["hops_per_s_median"].get<double>();
      ratio["hops_per_s_best"] =
          a["hops_per_s_best"].get<double>() / b["hops_per_s_best"].get<double>();
      ratio["ns3_wall_over_ubmodel_wall_median"] =
          b["wall_s_median"].get<double>() / a["wall_s_median"].get<double>();
      out += fmt::format(
          "\nfattree4-a2a, ubmodel hops/s / ns-3 hops/s: {:.3f} (medians), {:.3f} (best runs)\n"
          "  ubmodel counts every link transmission (data, transport ACKs, TA responses: {} "
          "packets),\n  ns-3 only its {} UDP datagrams; for the same traffic ns-3 wall / "
          "ubmodel wall = {:.3f} (medians)\n",
          ratio["hops_per_s_median"].get<double>(), ratio["hops_per_s_best"].get<double>(),
          grouped(a["packets"].get<std::uint64_t>()), grouped(b["packets"].get<std::uint64_t>()),
          ratio["ns3_wall_over_ubmodel_wall_median"].get<double>());
    }
    const auto pk = std::find_if(all.begin(), all.end(),
                                 [](const Summary& s) { return s.name == "fattree4-a2a-packet"; });
    if (pk != all.end() && !pk->row.empty()) {
      const Json& a = pk->row;
      const Json& b = ns3->row;
      Json& r = ratio["packet_endpoints"];
      r["hops_per_s_median"] =
          a["hops_per_s_median"].get<double>() / b["hops_per_s_median"].get<double>();
      r["hops_per_s_best"] =
          a["hops_per_s_best"].get<double>() / b["hops_per_s_best"].get<double>();
      out += fmt::format("fattree4-a2a-packet, ubmodel hops/s / ns-3 hops/s: {:.3f} (medians), "
                         "{:.3f} (best runs); the same {} packets\n",
                         r["hops_per_s_median"].get<double>(), r["hops_per_s_best"].get<double>(),
                         grouped(a["packets"].get<std::uint64_t>()));
    }
  }
  bool ok = true;
  for (const Summary& s : rows) {
    if (!s.ok) {
      out += fmt::format("\n{}: a run failed (see above)\n", s.name);
      ok = false;
    }
    if (!s.same_fingerprint) {
      out += fmt::format("\n{}: the repetitions gave different fingerprints\n", s.name);
      ok = false;
    }
  }
  if (!o.json.empty()) {
    Json j;
    j["quick"] = o.quick;
    j["reps"] = o.reps;
    j["overrides"] = o.set;
    j["cores"] = sysconf(_SC_NPROCESSORS_ONLN);
    j["heap"] = sim::heap_description();
    j["cases"] = Json::array();
    for (const Summary& s : rows) {
      Json c;
      c["name"] = s.name;
      c["ok"] = s.ok;
      c["summary"] = s.row;
      c["runs"] = Json::array();
      for (const Run& r : s.runs) {
        c["runs"].push_back(r.j);
      }
      j["cases"].push_back(c);
    }
    if (!ratio.empty()) {
      j["ns3_ratio_fattree4_a2a"] = ratio;
    }
    if (o.json == "-") {
      std::cerr << out;
      std::cout << j.dump(1) << '\n';
      return ok ? 0 : 1;
    }
    std::ofstream f(o.json);
    f << j.dump(1) << '\n';
    if (!f) {
      std::cerr << "fabric_bench: --json: cannot write '" << o.json << "'\n";
      ok = false;
    }
  }
  std::cout << out;
  return ok ? 0 : 1;
}

} // namespace

int main(int argc, char** argv) {
  // As `ubmodel sim` does (sim/huge_pages.hpp); the --run-one children do the same.
  // UBMODEL_HUGE_PAGES=0 measures the runs without huge pages.
  sim::setup_heap(argv);
  const auto o = parse_args(argc, argv);
  if (!o) {
    return kBadArgs;
  }
  if (o->list) {
    for (const Case& c : kCases) {
      std::cout << c.name << "  scenarios/" << c.file << (c.set.empty() ? "" : "  --set ") << c.set
                << "  (--quick: " << c.quick_set << ")\n";
    }
    return 0;
  }
  if (!o->run_one.empty()) {
    return run_one(*o);
  }
  return run_all(*o);
}

#include "tools/ubmodel/sim_cmd.hpp"

#include <cstdio>
#include <iostream>

#include <fmt/format.h>

#include "sim/fabric/fabric_sim.hpp"
#include "sim/fabric/report.hpp"
#include "sim/fabric/sim_setup.hpp"

namespace ub::tool {

void add_sim_options(CLI::App* cmd, SimOptions& o) {
  cmd->add_option("scenario", o.scenario,
                  "a scenario file (TOML, docs/scenario-format.md) or an ns-3 UB case folder; "
                  "none = the built-in default (scenarios/default.toml)");
  cmd->add_option("--seed", o.seed, "run seed (overrides the scenario's `seed`)");
  cmd->add_option("--set", o.set, "override a scenario key: --set switch.selector=adaptive")
      ->allow_extra_args(false);
  cmd->add_option("--out", o.out,
                  "output folder (default ./ubmodel-out/<scenario name>): stats.json, flows.csv, "
                  "links.csv, series.csv, summary.txt");
  cmd->add_flag("--no-out", o.no_out, "write no files, print the summary only");
  cmd->add_flag("--quiet", o.quiet, "no progress line on stderr");
}

int run_sim(const SimOptions& o) {
  std::vector<std::string> overrides = o.set;
  if (o.seed) {
    overrides.push_back(fmt::format("seed={}", *o.seed));
  }
  auto in = sim::prepare(o.scenario, overrides);
  if (!in) {
    std::cerr << "ubmodel: error: sim: " << sim::to_string(in.error()) << '\n';
    return 2;
  }
  auto fabric = sim::FabricSim::make(in->scenario, in->topology, in->flows);
  if (!fabric) {
    sim::ConfigError e = fabric.error();
    if (e.file.empty() && !o.scenario.empty()) {
      e.file = o.scenario;
    }
    std::cerr << "ubmodel: error: sim: " << sim::to_string(e) << '\n';
    return 2;
  }
  bool progress_shown = false;
  sim::ProgressFn progress;
  if (!o.quiet) {
    progress = [&progress_shown](const sim::SimProgress& p) {
      const double rate = p.wall_s > 0 ? static_cast<double>(p.events) / p.wall_s : 0.0;
      const double eta = p.fraction > 0 ? p.wall_s * (1 - p.fraction) / p.fraction : 0.0;
      std::fprintf(stderr, "\rsim %.1f us  %.0f%% of flows  %.2fM events/s  ETA %.0f s   ",
                   to_us(p.now), p.fraction * 100, rate / 1e6, eta);
      progress_shown = true;
    };
  }
  const sim::SimResult r = (*fabric)->run(progress);
  if (progress_shown) {
    std::fprintf(stderr, "\n");
  }
  if (!o.no_out) {
    const std::string dir = o.out.empty() ? "ubmodel-out/" + in->scenario.name : o.out;
    if (auto w = sim::write_outputs(dir, *in, r); !w) {
      std::cerr << "ubmodel: error: sim: " << sim::to_string(w.error()) << '\n';
      return 2;
    }
    std::cerr << "ubmodel: sim: outputs in " << dir << "/\n";
  }
  std::cout << sim::summary(*in, r);
  const bool ok = r.stop == sim::SimStop::Completed && r.oracle_violations == 0;
  return ok ? 0 : 1;
}

} // namespace ub::tool

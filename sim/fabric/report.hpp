#pragma once
// What a fabric run reports (issue 6 outputs): `stats.json`, CSV time series and a summary
// table that ends with the `fingerprint:` line. Pure functions of the run's result (and the
// topology, for link names): the same run gives the same bytes, except `wall_s` (and the
// `wall_s`/events-per-second lines of the summary), which are the only wall-clock values.

#include <filesystem>
#include <string>

#include "sim/config_error.hpp"
#include "sim/fabric/fabric_sim.hpp"
#include "sim/fabric/sim_setup.hpp"

namespace ub::sim {

// Latency percentiles of a sample (nearest rank); 0 for an empty one.
struct Percentiles {
  double p50 = 0, p99 = 0, p999 = 0, max = 0;
};
[[nodiscard]] Percentiles percentiles(std::vector<double> v);

// stats.json (schema in docs/fabric-simulator.md).
[[nodiscard]] std::string stats_json(const SimInput& in, const SimResult& r);
// links.csv: one row per link direction (totals); series.csv: one row per (interval, link
// direction) with traffic: time_us, link, from, to, gbps, queue_bytes.
[[nodiscard]] std::string links_csv(const SimInput& in, const SimResult& r);
[[nodiscard]] std::string series_csv(const SimInput& in, const SimResult& r);
// flows.csv: the `flows` entries as CSV.
[[nodiscard]] std::string flows_csv(const SimResult& r);
// The human summary; its last line is `fingerprint: <16 hex digits>`. With `timing` false the
// wall-clock line is left out (golden tests).
[[nodiscard]] std::string summary(const SimInput& in, const SimResult& r, bool timing = true);

// Writes stats.json, flows.csv, links.csv, series.csv and summary.txt into `dir` (created).
[[nodiscard]] ConfigResult<void> write_outputs(const std::filesystem::path& dir, const SimInput& in,
                                               const SimResult& r);

} // namespace ub::sim

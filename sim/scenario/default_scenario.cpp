#include "sim/scenario/default_scenario.hpp"

namespace ub::sim {

// Keep identical to scenarios/default.toml ("the built-in scenario is scenarios/default.toml").
std::string_view default_scenario_toml() noexcept {
  return R"toml(# The built-in scenario: what `ubmodel sim` runs when no scenario is given (this file is the
# same text, checked by a test). Format: docs/scenario-format.md.
#
# One UB-Mesh rack: 64 NPUs in an 8x8 2D full mesh, each NPU linked directly to the 7 others of
# its row and the 7 of its column (x4 lanes at 400 Gbit/s, 100 ns). Three jobs share it:
# a ring AllReduce over all 64 NPUs (URMA Writes), load/store streams from the first row with
# 16 loads outstanding each, and random URMA Writes between all NPUs. The row link npu0.0 -
# npu1.0, which the AllReduce ring uses, fails at 50 us and comes back at 150 us.

name = "default"
seed = 1

[run]
end_time = "10ms"       # a guard only: the traffic completes well before
series_interval = "10us"

[topology]
kind = "full_mesh_2d"

[topology.full_mesh_2d]
x = 8
y = 8

[topology.link]
lanes = 4
rate = "400Gbps"
latency = "100ns"

[link]
vls = 2
retry = true

[switch]
rt = "per_flow_shortest"
selector = "hash"

[endpoint]
transport = "rtp"
mtu = "4KiB"

# 2 MiB per NPU: reduce-scatter then all-gather, 126 steps of 32 KiB around the ring.
[[traffic]]
name = "allreduce"
pattern = "ring_allreduce"
op = "write"
bytes = "2MiB"

# NPUs 0..7 (the first row) each read 64 KiB in 64 B loads, 16 outstanding.
[[traffic]]
name = "loads"
pattern = "load_store"
op = "load"
endpoints = "0..7"
bytes = "64KiB"
window = 16

# Every NPU writes 256 KiB to a random other NPU twice, 20 us apart on average, from 10 us.
[[traffic]]
name = "writes"
pattern = "uniform"
op = "write"
count = 2
bytes = "256KiB"
start = "10us"
interarrival = "20us"

[[fault]]
at = "50us"
kind = "link_down"
a = "npu0.0"
b = "npu1.0"

[[fault]]
at = "150us"
kind = "link_up"
a = "npu0.0"
b = "npu1.0"
)toml";
}

} // namespace ub::sim

#pragma once
// The fault-schedule operations the two-ended transport targets (tp_pair, tpg_pair) share: run a
// burst of steps with the invariants checked after each, script drops of the next data or control
// packets in one direction, and set the random data / control loss. One definition, so the
// targets read their input the same way.

#include <array>
#include <cstdint>

#include "provider.hpp"

namespace ub::fuzz {

struct ScriptedDrops {
  std::array<unsigned, 2> data{}, ctrl{};
  // Whether the next packet of this kind in direction `dir` is scripted to vanish (and count it).
  bool take(std::size_t dir, bool control) {
    unsigned& n = control ? ctrl[dir] : data[dir];
    if (n > 0) {
      --n;
      return true;
    }
    return false;
  }
};

// Op kinds 2..5 of the targets' op byte; returns false for any other kind (the target's own).
template <class Net, class Check>
bool shared_net_op(unsigned kind, std::size_t dir, Provider& in, Net& net, ScriptedDrops& drops,
                   std::uint64_t& steps, Check&& check) {
  switch (kind) {
  case 2: {
    const unsigned n = 1U + in.byte() % 200U;
    for (unsigned i = 0; i < n; ++i, ++steps) {
      net.step();
      check(net);
    }
    return true;
  }
  case 3:
    drops.data[dir] = in.byte() % 8U;
    return true;
  case 4:
    drops.ctrl[dir] = in.byte() % 8U;
    return true;
  case 5:
    net.loss_data = (in.byte() % 16U) / 100.0; // up to 15%
    net.loss_ctrl = (in.byte() % 16U) / 100.0;
    return true;
  default:
    return false;
  }
}

} // namespace ub::fuzz

#pragma once
// The run loop the transport test networks share (TestNet, MultipathNet): step until every
// message has an outcome (the network's done()) or `limit` model time, calling `after_step`
// (typically an invariant check) after each step. A network derives from RunLoop<Itself> and
// provides now(), step() and done().

#include <functional>

#include "protocol/common/units.hpp"

namespace ub::tp::test {

template <class Net>
class RunLoop {
public:
  bool run_until_done(Time limit, const std::function<void()>& after_step = {}) {
    Net& n = static_cast<Net&>(*this);
    while (n.now() < limit) {
      n.step();
      if (after_step) {
        after_step();
      }
      if (n.done()) {
        return true;
      }
    }
    return false;
  }
};

} // namespace ub::tp::test

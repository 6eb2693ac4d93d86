// Prints every declared transition with a count of 0 (TransitionCounter::to_text format):
// scripts/fuzz_coverage.sh starts its sums from this, so machines no run reaches still count
// in the totals.

#include <cstdio>
#include <string>

#include "protocol/common/transitions.hpp"
#include "protocol/transition_tables.hpp"

int main() {
  const std::string text =
      ub::transitions::TransitionCounter{}.to_text(ub::transitions::kAllMachines);
  std::fwrite(text.data(), 1, text.size(), stdout);
  return 0;
}

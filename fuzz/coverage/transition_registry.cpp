// The process-wide transition counter behind UB_TRANSITION in coverage builds
// (protocol/common/transitions.hpp). Linked into ub_protocol only when UB_COVERAGE is on, so
// the protocol core keeps no global state in any other build. At exit the counts of every
// machine in protocol/transition_tables.hpp are appended to $UB_TRANSITION_FILE (if set), in
// TransitionCounter::to_text's format; fuzz/coverage/report.py sums them.

#include <cstdio>
#include <cstdlib>
#include <string>

#include "protocol/common/transitions.hpp"
#include "protocol/transition_tables.hpp"

namespace ub::transitions {

namespace {

struct Registry {
  TransitionCounter counter;
  Registry() = default;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;
  ~Registry() {
    const char* path = std::getenv("UB_TRANSITION_FILE");
    if (path == nullptr || *path == '\0') {
      return;
    }
    std::FILE* f = std::fopen(path, "a");
    if (f == nullptr) {
      std::fprintf(stderr, "transition coverage: cannot write %s\n", path);
      return;
    }
    const std::string text = counter.to_text(kAllMachines);
    std::fwrite(text.data(), 1, text.size(), f);
    std::fclose(f);
  }
};

Registry& registry() {
  static Registry r; // coverage builds only (see the file comment)
  return r;
}

} // namespace

void record(const Machine& m, std::string_view state, std::string_view event) noexcept {
  registry().counter.hit(m, state, event);
}

const TransitionCounter& recorded() noexcept {
  return registry().counter;
}

} // namespace ub::transitions

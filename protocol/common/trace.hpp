#pragma once
// Observation without printing (STYLE rule 24): protocol code reports events of interest to an
// injected Tracer. The default does nothing. A tracer must not change protocol state.

#include <cstdint>
#include <string_view>

#include "protocol/common/units.hpp"

namespace ub {

struct TraceEvent {
  Time time{};
  std::string_view component; // e.g. "dl"
  std::string_view what;      // e.g. "retry_req_sent", static text
  std::uint64_t a = 0;        // event-specific values, documented where the event is raised
  std::uint64_t b = 0;
};

class Tracer {
public:
  virtual ~Tracer() = default;
  virtual void on_event(const TraceEvent& /*e*/) {}
};

} // namespace ub

#include "sim/engine/event_queue.hpp"

namespace ub::sim {

std::string_view to_string(StopReason r) noexcept {
  switch (r) {
  case StopReason::Empty:
    return "empty";
  case StopReason::EndTime:
    return "end_time";
  case StopReason::MaxEvents:
    return "max_events";
  case StopReason::Stopped:
    return "stopped";
  }
  return "?";
}

} // namespace ub::sim

#include "sim/engine/event_queue.hpp"

#include <stdexcept>
#include <utility>

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

Result<std::uint64_t> EventQueue::schedule(Time at, EventBody body, std::uint8_t priority) {
  if (at < now_) {
    return make_unexpected(Error{Errc::OutOfRange, 0, "EventQueue", "time",
                                 "before the current time: the queue never runs backwards", "",
                                 static_cast<std::uint64_t>(at.count()), true});
  }
  if (at == kNever) {
    return make_unexpected(Error{Errc::OutOfRange, 0, "EventQueue", "time",
                                 "kNever is not a time to schedule at", "", 0, false});
  }
  if (next_seq_ > kMaxSeq) {
    return make_unexpected(Error{Errc::OutOfRange, 0, "EventQueue", "seq",
                                 "sequence numbers exhausted", "", 0, false});
  }
  const std::uint64_t seq = next_seq_++;
  heap_.push_back(
      Entry{at, (std::uint64_t{priority} << 56U) | seq, body.target, body.kind, body.payload});
  sift_up(heap_.size() - 1);
  return seq;
}

Event EventQueue::pop() {
  if (heap_.empty()) {
    throw std::logic_error("EventQueue::pop on an empty queue");
  }
  const Entry first = heap_.front();
  // Monotonic time (STYLE rule 12): schedule() refuses the past, so this holds unless the heap
  // is broken.
  if (first.time < now_) {
    throw std::logic_error("EventQueue: time went backwards");
  }
  const Entry last = heap_.back();
  heap_.pop_back();
  if (!heap_.empty()) {
    // Floyd's pop: walk the hole down to a leaf along the smallest children, then let the last
    // entry rise from there. The last entry nearly always belongs near the bottom, so this saves
    // most of the comparisons against it that a plain sift-down makes.
    const std::size_t hole = sift_hole_to_leaf();
    heap_[hole] = last;
    sift_up(hole);
  }
  now_ = first.time;
  ++popped_;
  return first.event();
}

void EventQueue::sift_up(std::size_t i) noexcept {
  const Entry e = heap_[i];
  while (i > 0) {
    const std::size_t parent = (i - 1) / kArity;
    if (!e.before(heap_[parent])) {
      break;
    }
    heap_[i] = heap_[parent];
    i = parent;
  }
  heap_[i] = e;
}

std::size_t EventQueue::sift_hole_to_leaf() noexcept {
  const std::size_t n = heap_.size();
  std::size_t i = 0;
  while (true) {
    const std::size_t first_child = i * kArity + 1;
    if (first_child >= n) {
      return i;
    }
    std::size_t best = first_child;
    const std::size_t last = first_child + kArity < n ? first_child + kArity : n;
    for (std::size_t c = first_child + 1; c < last; ++c) {
      if (heap_[c].before(heap_[best])) {
        best = c;
      }
    }
    heap_[i] = heap_[best];
    i = best;
  }
}

} // namespace ub::sim

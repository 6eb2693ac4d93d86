#pragma once
// The fabric simulator's discrete-event queue (STYLE rule 12). An event is a small plain value
// ordered by (time in integer picoseconds, priority, insertion sequence) and nothing else, so two
// runs of the same scenario pop the same events in the same order on every machine.
//
// Events carry no callback: an event is (kind, target, payload), three integers that its owner
// dispatches (for example kind = "frame arrives", target = a link end, payload = an index into
// the owner's own frame pool). Nothing is allocated per event; the queue is a 4-ary heap of
// 32-byte entries.
//
// Cancelling is the owner's business: re-arming a timer schedules a new event and the owner
// ignores the stale one (keep an epoch in the payload), which is cheaper than deleting from a heap.

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "protocol/common/error.hpp"
#include "protocol/common/units.hpp"

namespace ub::sim {

// What the owner dispatches on; the queue never looks inside.
struct EventBody {
  std::uint16_t kind = 0;    // the owner's event type
  std::uint32_t target = 0;  // the owner's component id (a node, a port, a link end)
  std::uint64_t payload = 0; // the owner's data: an index into a pool, an epoch, a small value
};

struct Event {
  Time time{};
  std::uint8_t priority = 0; // lower runs first among events at the same time
  std::uint64_t seq = 0;     // insertion order, unique within a queue
  EventBody body;
};

// Why EventQueue::run returned.
enum class StopReason : std::uint8_t {
  Empty,     // no event left
  EndTime,   // the next event lies after Guards::end_time (it stays queued)
  MaxEvents, // Guards::max_events events ran in this call
  Stopped,   // the handler called stop()
};
[[nodiscard]] std::string_view to_string(StopReason r) noexcept;

// Run guards (STYLE rule 12): every run has both; the defaults mean "no limit".
struct Guards {
  Time end_time = kNever;                // events at a later time do not run
  std::uint64_t max_events = UINT64_MAX; // at most this many events run in one call
};

struct RunOutcome {
  StopReason reason = StopReason::Empty;
  std::uint64_t events = 0; // events run by this call
  Time now{};               // the queue's time when the call returned
};

class EventQueue {
public:
  // Priorities fit in 8 bits; the sequence number in the remaining 56 (7e16 events).
  static constexpr std::uint64_t kMaxSeq = (std::uint64_t{1} << 56U) - 1;

  // Queues `body` at time `at` with `priority`. Returns the event's sequence number.
  // Errors (nothing is queued): `at` before now() (OutOfRange, field "time": the queue never
  // runs backwards); `at` == kNever (OutOfRange, field "time": use no event instead).
  [[nodiscard]] Result<std::uint64_t> schedule(Time at, EventBody body, std::uint8_t priority = 0);
  // Same, `delay` after now(); a negative delay is refused like a time in the past.
  [[nodiscard]] Result<std::uint64_t> schedule_in(Time delay, EventBody body,
                                                  std::uint8_t priority = 0) {
    return schedule(now_ + delay, body, priority);
  }

  // Removes and returns the first event and advances now() to its time. Precondition: !empty().
  Event pop();
  // The first event, without removing it. Precondition: !empty().
  [[nodiscard]] Event top() const noexcept { return heap_.front().event(); }

  // Pops and hands events to `handler(const Event&)` (which may schedule more and call stop())
  // until a guard, an empty queue or stop() ends the run. With an end_time guard, now() is
  // advanced to end_time when the run stops there (later events stay queued), so a following
  // run(…) continues where this one ended.
  template <class Handler>
  RunOutcome run(Handler&& handler, Guards g = {}) {
    stop_ = false;
    RunOutcome out;
    while (true) {
      if (stop_) {
        out.reason = StopReason::Stopped;
        break;
      }
      if (heap_.empty()) {
        out.reason = StopReason::Empty;
        break;
      }
      if (out.events >= g.max_events) {
        out.reason = StopReason::MaxEvents;
        break;
      }
      if (heap_.front().time > g.end_time) {
        out.reason = StopReason::EndTime;
        now_ = g.end_time > now_ ? g.end_time : now_; // an end time already passed moves nothing
        break;
      }
      const Event e = pop();
      ++out.events;
      handler(e);
    }
    out.now = now_;
    return out;
  }

  // Asks run() to return after the event being handled (StopReason::Stopped).
  void stop() noexcept { stop_ = true; }

  [[nodiscard]] Time now() const noexcept { return now_; }
  [[nodiscard]] bool empty() const noexcept { return heap_.empty(); }
  [[nodiscard]] std::size_t size() const noexcept { return heap_.size(); }
  // Events popped over the queue's life.
  [[nodiscard]] std::uint64_t popped() const noexcept { return popped_; }
  void reserve(std::size_t n) { heap_.reserve(n); }

private:
  __extension__ typedef unsigned __int128 U128; // (__extension__: -Wpedantic knows no __int128)
  // 32 bytes: the key (time, priority << 56 | seq) and the body. Ordered by the key only.
  struct Entry {
    Time time;
    std::uint64_t order; // priority in the top 8 bits, sequence in the low 56
    std::uint32_t target;
    std::uint16_t kind;
    std::uint64_t payload;

    // (time, order) read as one unsigned 128-bit number: time is never negative (schedule()
    // refuses the past, and the queue starts at 0), so the comparison is the lexicographic
    // one, without a branch on equal times.
    [[nodiscard]] bool before(const Entry& o) const noexcept { return key() < o.key(); }
    [[nodiscard]] U128 key() const noexcept {
      return (U128{static_cast<std::uint64_t>(time.count())} << 64U) | order;
    }
    [[nodiscard]] Event event() const noexcept {
      return Event{time, static_cast<std::uint8_t>(order >> 56U), order & kMaxSeq,
                   EventBody{kind, target, payload}};
    }
  };
  static constexpr std::size_t kArity = 4;

  // Lets `e` rise from the hole at `i` and stores it where it stops. Taking the entry as a value
  // (not reading it back from the heap after a store) avoids a store-to-load forwarding stall
  // that cost about a fifth of the fabric's sending path.
  void sift_up(std::size_t i, const Entry& e) noexcept;
  std::size_t sift_hole_to_leaf() noexcept; // moves children up from the root; returns the hole

  std::vector<Entry> heap_;
  Time now_{};
  std::uint64_t next_seq_ = 0;
  std::uint64_t popped_ = 0;
  bool stop_ = false;
};

// Defined here so that a driver's event loop inlines them (about 20% faster on small queues).

inline Result<std::uint64_t> EventQueue::schedule(Time at, EventBody body, std::uint8_t priority) {
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
  const std::size_t hole = heap_.size();
  heap_.emplace_back();
  sift_up(hole,
          Entry{at, (std::uint64_t{priority} << 56U) | seq, body.target, body.kind, body.payload});
  return seq;
}

inline Event EventQueue::pop() {
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
    sift_up(sift_hole_to_leaf(), last);
  }
  now_ = first.time;
  ++popped_;
  return first.event();
}

inline void EventQueue::sift_up(std::size_t i, const Entry& e) noexcept {
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

inline std::size_t EventQueue::sift_hole_to_leaf() noexcept {
  const std::size_t n = heap_.size();
  std::size_t i = 0;
  while (true) {
    const std::size_t first_child = i * kArity + 1;
    if (first_child + kArity <= n) {
      // All four children: the smallest by a two-round tournament, each round free of
      // branches (keys are unique, so any order of comparing finds the same child).
      static_assert(kArity == 4);
      const std::size_t c = first_child;
      const std::size_t a = heap_[c + 1].before(heap_[c]) ? c + 1 : c;
      const std::size_t b = heap_[c + 3].before(heap_[c + 2]) ? c + 3 : c + 2;
      const std::size_t best = heap_[b].before(heap_[a]) ? b : a;
      heap_[i] = heap_[best];
      i = best;
      continue;
    }
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

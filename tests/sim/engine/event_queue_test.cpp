// The fabric simulator's event queue (sim/engine/event_queue): the (time, priority, insertion)
// order and nothing else, refused past scheduling, run guards.
#include <catch2/catch.hpp>

#include "protocol/common/rng.hpp"
#include "sim/engine/event_queue.hpp"

using namespace ub;
using namespace ub::literals;
using namespace ub::sim;

namespace {

std::vector<std::uint64_t> drain(EventQueue& q) {
  std::vector<std::uint64_t> out;
  while (!q.empty()) {
    out.push_back(q.pop().body.payload);
  }
  return out;
}

} // namespace

TEST_CASE("event queue orders by time, then priority, then insertion", "[sim][engine]") {
  EventQueue q;
  REQUIRE(q.schedule(5_ns, {0, 0, 1}, 2));
  REQUIRE(q.schedule(5_ns, {0, 0, 2}, 1));
  REQUIRE(q.schedule(5_ns, {0, 0, 3}, 2));
  REQUIRE(q.schedule(3_ns, {0, 0, 4}, 9));
  REQUIRE(q.schedule(5_ns, {0, 0, 5}, 1));
  REQUIRE(q.schedule(7_ns, {0, 0, 6}, 0));
  CHECK(drain(q) == std::vector<std::uint64_t>{4, 2, 5, 1, 3, 6});
  CHECK(q.now() == 7_ns);
  CHECK(q.popped() == 6);
}

TEST_CASE("event queue carries kind, target and payload unchanged", "[sim][engine]") {
  EventQueue q;
  const auto seq = q.schedule(1_ns, EventBody{7, 0xABCDEF01U, 0x1122334455667788ULL}, 200);
  REQUIRE(seq);
  const Event e = q.pop();
  CHECK(e.time == 1_ns);
  CHECK(e.priority == 200);
  CHECK(e.seq == *seq);
  CHECK(e.body.kind == 7);
  CHECK(e.body.target == 0xABCDEF01U);
  CHECK(e.body.payload == 0x1122334455667788ULL);
}

TEST_CASE("event queue matches a sorted reference on random input", "[sim][engine]") {
  Rng rng{42};
  EventQueue q;
  struct Ref {
    std::int64_t t;
    std::uint8_t prio;
    std::uint64_t seq;
  };
  std::vector<Ref> ref;
  for (std::uint64_t i = 0; i < 5000; ++i) {
    const auto t = static_cast<std::int64_t>(rng.below(200));
    const auto prio = static_cast<std::uint8_t>(rng.below(3));
    REQUIRE(q.schedule(Time{t}, {0, 0, i}, prio));
    ref.push_back({t, prio, i});
  }
  std::stable_sort(ref.begin(), ref.end(), [](const Ref& a, const Ref& b) {
    return a.t != b.t ? a.t < b.t : a.prio < b.prio;
  });
  std::vector<std::uint64_t> want;
  for (const auto& r : ref) {
    want.push_back(r.seq);
  }
  CHECK(drain(q) == want);
}

TEST_CASE("event queue refuses scheduling in the past", "[sim][engine]") {
  EventQueue q;
  REQUIRE(q.schedule(10_ns, {}));
  (void)q.pop();
  REQUIRE(q.now() == 10_ns);
  const auto past = q.schedule(9_ns, {});
  REQUIRE_FALSE(past);
  CHECK(past.error().field == "time");
  CHECK(past.error().value == 9'000);
  CHECK(q.empty());
  CHECK_FALSE(q.schedule_in(Time{-1}, {}));
  CHECK_FALSE(q.schedule(kNever, {}));
  CHECK(q.schedule(10_ns, {})); // now itself is allowed
  CHECK(q.schedule_in(0_ns, {}));
  CHECK(q.size() == 2);
  EventQueue empty;
  CHECK_THROWS(empty.pop());
}

TEST_CASE("event queue run stops at the end time guard", "[sim][engine]") {
  EventQueue q;
  for (std::uint64_t i = 1; i <= 10; ++i) {
    REQUIRE(q.schedule(Time{static_cast<std::int64_t>(i) * 1000}, {0, 0, i}));
  }
  std::vector<std::uint64_t> seen;
  const auto out =
      q.run([&](const Event& e) { seen.push_back(e.body.payload); }, Guards{.end_time = 4_ns});
  CHECK(out.reason == StopReason::EndTime);
  CHECK(out.events == 4);
  CHECK(seen == std::vector<std::uint64_t>{1, 2, 3, 4});
  CHECK(q.now() == 4_ns);
  CHECK(q.size() == 6);
  const auto rest = q.run([&](const Event& e) { seen.push_back(e.body.payload); });
  CHECK(rest.reason == StopReason::Empty);
  CHECK(rest.events == 6);
  CHECK(seen.size() == 10);
  CHECK(to_string(out.reason) == "end_time");
  // An end time already passed runs nothing and never moves the clock back.
  EventQueue late;
  REQUIRE(late.schedule(5_ns, {}));
  REQUIRE(late.schedule(9_ns, {}));
  (void)late.pop();
  const auto none = late.run([](const Event&) {}, Guards{.end_time = 2_ns});
  CHECK(none.reason == StopReason::EndTime);
  CHECK(none.events == 0);
  CHECK(late.now() == 5_ns);
}

TEST_CASE("event queue run stops at the max events guard and on stop", "[sim][engine]") {
  EventQueue q;
  // A self-rescheduling event: would run forever without a guard.
  REQUIRE(q.schedule(0_ns, {1, 0, 0}));
  std::uint64_t handled = 0;
  const auto handler = [&](const Event& e) {
    ++handled;
    REQUIRE(q.schedule_in(1_ns, {1, 0, e.body.payload + 1}));
  };
  const auto out = q.run(handler, Guards{.max_events = 100});
  CHECK(out.reason == StopReason::MaxEvents);
  CHECK(out.events == 100);
  CHECK(handled == 100);
  CHECK(q.now() == 99_ns);
  const auto stopped = q.run([&](const Event& e) {
    if (e.body.payload == 150) {
      q.stop();
    } else {
      REQUIRE(q.schedule_in(1_ns, {1, 0, e.body.payload + 1}));
    }
  });
  CHECK(stopped.reason == StopReason::Stopped);
  CHECK(stopped.events == 51);
  CHECK(stopped.now == 150_ns);
}

// Traffic generators (sim/traffic/traffic): the exact structure of each pattern, phases and
// repetitions, determinism and stream independence, op defaults, and every refusal by field.
// The collectives are in collectives_test.cpp, size distributions in size_dist_test.cpp.

#include <cmath>
#include <map>
#include <set>
#include <string>

#include <catch2/catch.hpp>

#include "sim/traffic/flow_checks.hpp"
#include "sim/traffic/traffic.hpp"

using namespace ub;
using namespace ub::literals;
using namespace ub::sim;

namespace {

std::vector<Flow> make_ok(const TrafficSpec& spec, std::uint32_t endpoints,
                          std::uint64_t seed = 1) {
  auto flows = make_traffic(spec, endpoints, seed);
  INFO((flows ? std::string{} : to_string(flows.error())));
  REQUIRE(flows);
  test::check_flow_invariants(*flows, endpoints);
  return std::move(*flows);
}

TrafficSpec one(const PatternSpec& p) {
  return TrafficSpec{{p}};
}

PatternSpec pattern(PatternKind kind) {
  PatternSpec p;
  p.kind = kind;
  return p;
}

// (src, dst) of every flow.
std::vector<std::pair<std::uint32_t, std::uint32_t>> pairs_of(const std::vector<Flow>& flows) {
  std::vector<std::pair<std::uint32_t, std::uint32_t>> out;
  for (const Flow& f : flows) {
    out.emplace_back(f.src, f.dst);
  }
  return out;
}

bool same_flows(const std::vector<Flow>& a, const std::vector<Flow>& b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    const Flow& x = a[i];
    const Flow& y = b[i];
    if (x.src != y.src || x.dst != y.dst || x.bytes != y.bytes || x.start != y.start ||
        x.after != y.after || x.after_phases != y.after_phases || x.phase != y.phase ||
        x.op != y.op || x.op_bytes != y.op_bytes || x.task != y.task || x.group != y.group) {
      return false;
    }
  }
  return true;
}

} // namespace

TEST_CASE("traffic: an empty spec makes no flows", "[traffic]") {
  CHECK(make_ok(TrafficSpec{}, 4).empty());
}

TEST_CASE("traffic: uniform makes count flows per source to other endpoints of its set",
          "[traffic]") {
  PatternSpec p = pattern(PatternKind::Uniform);
  p.endpoints = {3, 7, 1, 5, 9};
  p.count = 400;
  p.bytes = 1000;
  p.op = OpKind::Read;
  p.op_bytes = 2048;
  p.rate_bps = 100'000'000'000;
  p.window = 5;
  p.priority = 3;
  p.start = 2_us;
  const auto flows = make_ok(one(p), 12);
  REQUIRE(flows.size() == 5 * 400);
  const std::set<std::uint32_t> set(p.endpoints.begin(), p.endpoints.end());
  std::map<std::uint32_t, std::map<std::uint32_t, int>> hits; // src -> dst -> flows
  for (std::size_t i = 0; i < flows.size(); ++i) {
    const Flow& f = flows[i];
    CHECK(f.src == p.endpoints[i / 400]); // source-major, in the set's order
    CHECK(set.count(f.dst) == 1);
    CHECK(f.bytes == 1000);
    CHECK(f.op == OpKind::Read);
    CHECK(f.op_bytes == 2048);
    CHECK(f.rate_bps == 100'000'000'000);
    CHECK(f.window == 5);
    CHECK(f.priority == 3);
    CHECK(f.group == 0);
    CHECK(f.phase == 0);
    CHECK(f.task == kNoTask);
    CHECK(f.start == 2_us); // no interarrival: all together at `start`
    CHECK(f.after.empty());
    CHECK(f.after_phases.empty());
    ++hits[f.src][f.dst];
  }
  // Each of the 4 other endpoints gets about 100 of a source's 400 flows (binomial, sd ~8.7).
  for (const auto& [src, dsts] : hits) {
    CHECK(dsts.size() == 4);
    for (const auto& [dst, n] : dsts) {
      CHECK(n > 60);
      CHECK(n < 140);
    }
  }
}

TEST_CASE("traffic: uniform interarrival gives exponential gaps between a source's starts",
          "[traffic]") {
  PatternSpec p = pattern(PatternKind::Uniform);
  p.count = 2000;
  p.interarrival = 1_us;
  p.start = 5_us;
  const auto flows = make_ok(one(p), 4);
  REQUIRE(flows.size() == 8000);
  double sum = 0;
  double sum_sq = 0;
  for (std::uint32_t s = 0; s < 4; ++s) {
    Time prev = p.start;
    for (std::uint32_t c = 0; c < 2000; ++c) {
      const Flow& f = flows[s * 2000 + c];
      REQUIRE(f.src == s);
      REQUIRE(f.start >= prev); // a Poisson process begun at `start`
      const double gap = static_cast<double>((f.start - prev).count());
      sum += gap;
      sum_sq += gap * gap;
      prev = f.start;
    }
  }
  const double mean = sum / 8000;
  const double var = sum_sq / 8000 - mean * mean;
  CHECK(mean == Approx(1e6).epsilon(0.04));           // 1 us in ps, sd of the mean ~1.1%
  CHECK(std::sqrt(var) == Approx(1e6).epsilon(0.08)); // exponential: sd = mean
  CHECK(flows[0].start > p.start);
}

TEST_CASE("traffic: permutation is a derangement of the pattern's endpoints", "[traffic]") {
  for (const std::uint32_t n : {2U, 3U, 5U, 64U}) {
    for (std::uint64_t seed = 1; seed <= 50; ++seed) {
      PatternSpec p = pattern(PatternKind::Permutation);
      p.endpoints.clear();
      for (std::uint32_t k = 0; k < n; ++k) {
        p.endpoints.push_back(2 * k + 1); // odd endpoints only
      }
      const auto flows = make_ok(one(p), 2 * n + 1, seed);
      REQUIRE(flows.size() == n);
      std::set<std::uint32_t> dsts;
      for (std::size_t i = 0; i < n; ++i) {
        CHECK(flows[i].src == p.endpoints[i]);
        CHECK(flows[i].dst != flows[i].src); // no fixed point
        CHECK(flows[i].dst % 2 == 1);
        dsts.insert(flows[i].dst);
      }
      CHECK(dsts.size() == n); // a permutation
    }
  }
  // Over seeds, the derangements of 3 are both 3-cycles, about half each.
  int forward = 0;
  for (std::uint64_t seed = 1; seed <= 400; ++seed) {
    const auto flows = make_ok(one(pattern(PatternKind::Permutation)), 3, seed);
    forward += flows[0].dst == 1 ? 1 : 0;
  }
  CHECK(forward > 150);
  CHECK(forward < 250);
}

TEST_CASE("traffic: incast sends from the first fan_in endpoints besides the target", "[traffic]") {
  PatternSpec p = pattern(PatternKind::Incast);
  p.endpoints = {6, 2, 9, 4, 1};
  p.target = 9;
  p.fan_in = 3;
  p.bytes = 777;
  const auto flows = make_ok(one(p), 10);
  CHECK(pairs_of(flows) ==
        std::vector<std::pair<std::uint32_t, std::uint32_t>>{{6, 9}, {2, 9}, {4, 9}});
  for (const Flow& f : flows) {
    CHECK(f.bytes == 777);
  }
  p.fan_in = 4; // all of the others
  CHECK(make_ok(one(p), 10).size() == 4);
}

TEST_CASE("traffic: all-to-all covers every ordered pair once in source-major order", "[traffic]") {
  PatternSpec p = pattern(PatternKind::AllToAll);
  p.endpoints = {4, 0, 2};
  const auto flows = make_ok(one(p), 5);
  CHECK(pairs_of(flows) == std::vector<std::pair<std::uint32_t, std::uint32_t>>{
                               {4, 0}, {4, 2}, {0, 4}, {0, 2}, {2, 4}, {2, 0}});
  const auto all = make_ok(one(pattern(PatternKind::AllToAll)), 16);
  CHECK(all.size() == 16 * 15);
  std::set<std::pair<std::uint32_t, std::uint32_t>> unique;
  for (const Flow& f : all) {
    unique.emplace(f.src, f.dst);
  }
  CHECK(unique.size() == 16 * 15);
}

TEST_CASE("traffic: moe dispatch sends each token holder to top_k distinct experts", "[traffic]") {
  PatternSpec p = pattern(PatternKind::MoeDispatch);
  p.experts = 8;
  p.top_k = 3;
  p.bytes = 4096;
  const std::uint32_t n = 408; // 400 holders, experts 400..407
  const auto flows = make_ok(one(p), n);
  REQUIRE(flows.size() == 400 * 3);
  std::map<std::uint32_t, int> per_expert;
  for (std::uint32_t h = 0; h < 400; ++h) {
    std::set<std::uint32_t> experts;
    for (std::uint32_t j = 0; j < 3; ++j) {
      const Flow& f = flows[h * 3 + j];
      CHECK(f.src == h);
      CHECK(f.dst >= 400);
      CHECK(f.bytes == 4096);
      experts.insert(f.dst);
      ++per_expert[f.dst];
      if (j > 0) {
        CHECK(flows[h * 3 + j - 1].dst < f.dst); // a holder's experts ascending
      }
    }
    CHECK(experts.size() == 3);
  }
  // 1,200 choices over 8 experts: about 150 each (sd ~11).
  CHECK(per_expert.size() == 8);
  for (const auto& [e, k] : per_expert) {
    CHECK(k > 100);
    CHECK(k < 200);
  }
}

TEST_CASE("traffic: moe combine reverses the draws of the matching dispatch", "[traffic]") {
  PatternSpec d = pattern(PatternKind::MoeDispatch);
  d.name = "dispatch";
  d.endpoints = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
  d.experts = 4;
  d.top_k = 2;
  d.repeat = 3;
  PatternSpec other = pattern(PatternKind::Uniform); // in between: no effect on the draws
  other.name = "compute";
  other.after = {"dispatch"};
  PatternSpec c = d;
  c.kind = PatternKind::MoeCombine;
  c.name = "combine";
  c.endpoints = {}; // all 12: the same set as the dispatch's
  c.after = {"compute"};
  for (std::uint64_t seed : {1U, 2U, 99U}) {
    const auto flows = make_ok(TrafficSpec{{d, other, c}}, 12, seed);
    const std::size_t per = 8 * 2;
    REQUIRE(flows.size() == 3 * per + 12 + 3 * per);
    const std::size_t combine_at = 3 * per + 12;
    for (std::size_t k = 0; k < 3 * per; ++k) {
      CHECK(flows[combine_at + k].src == flows[k].dst);
      CHECK(flows[combine_at + k].dst == flows[k].src);
      CHECK(flows[combine_at + k].group == 2);
    }
    // The repetitions draw anew.
    CHECK(pairs_of({flows.begin(), flows.begin() + per}) !=
          pairs_of({flows.begin() + per, flows.begin() + 2 * per}));
  }
  // A combine with a different top_k matches no dispatch and draws for itself.
  PatternSpec lone = c;
  lone.top_k = 1;
  lone.after = {};
  const auto flows = make_ok(TrafficSpec{{d, lone}}, 12);
  REQUIRE(flows.size() == 3 * 16 + 3 * 8);
  for (std::size_t k = 3 * 16; k < flows.size(); ++k) {
    CHECK(flows[k].src >= 8);
    CHECK(flows[k].dst < 8);
  }
}

TEST_CASE("traffic: load_store streams load or store ops with small default op sizes",
          "[traffic]") {
  PatternSpec p = pattern(PatternKind::LoadStore);
  p.bytes = 1 << 20;
  p.window = 16;
  SECTION("the default write op is a store of 64-byte ops to a drawn endpoint") {
    const auto flows = make_ok(one(p), 6);
    REQUIRE(flows.size() == 6);
    for (std::uint32_t i = 0; i < 6; ++i) {
      CHECK(flows[i].src == i);
      CHECK(flows[i].op == OpKind::Store);
      CHECK(flows[i].op_bytes == 64);
      CHECK(flows[i].bytes == 1 << 20);
      CHECK(flows[i].window == 16);
    }
  }
  SECTION("read is a load, and given pairs are the destinations") {
    p.op = OpKind::Read;
    p.pairs = {{0, 5}, {2, 5}};
    const auto flows = make_ok(one(p), 6);
    CHECK(pairs_of(flows) == std::vector<std::pair<std::uint32_t, std::uint32_t>>{{0, 5}, {2, 5}});
    CHECK(flows[0].op == OpKind::Load);
    CHECK(flows[0].op_bytes == 64);
  }
  SECTION("load, store and fetch_add keep their op; an op size given is kept") {
    p.op = OpKind::FetchAdd;
    CHECK(make_ok(one(p), 4)[0].op_bytes == 8);
    p.op = OpKind::Load;
    p.op_bytes = 128;
    const auto flows = make_ok(one(p), 4);
    CHECK(flows[0].op == OpKind::Load);
    CHECK(flows[0].op_bytes == 128);
  }
  SECTION("a store in another pattern gets the same default op size") {
    PatternSpec u = pattern(PatternKind::Uniform);
    u.op = OpKind::Store;
    CHECK(make_ok(one(u), 4)[0].op_bytes == 64);
    u.op = OpKind::Write;
    CHECK(make_ok(one(u), 4)[0].op_bytes == 4096);
  }
}

TEST_CASE("traffic: explicit makes the listed pairs in order", "[traffic]") {
  PatternSpec p = pattern(PatternKind::Explicit);
  p.pairs = {{3, 0}, {0, 3}, {1, 2}, {3, 0}};
  p.endpoints = {0, 1}; // not used by an explicit pattern
  const auto flows = make_ok(one(p), 4);
  CHECK(pairs_of(flows) == p.pairs);
}

TEST_CASE("traffic: after makes a phase barrier on the named patterns", "[traffic]") {
  PatternSpec a = pattern(PatternKind::Permutation); // "traffic0"
  a.start = 1_us;
  PatternSpec b = pattern(PatternKind::AllToAll);
  b.name = "b";
  PatternSpec c = pattern(PatternKind::Incast);
  c.after = {"b", "traffic0", "b"};
  c.start = 3_us;
  c.fan_in = 2;
  const auto flows = make_ok(TrafficSpec{{a, b, c}}, 4);
  REQUIRE(flows.size() == 4 + 12 + 2);
  for (std::size_t i = 0; i < flows.size(); ++i) {
    const Flow& f = flows[i];
    const std::uint32_t g = i < 4 ? 0 : i < 16 ? 1 : 2;
    CHECK(f.group == g);
    CHECK(f.phase == g);
    if (g == 2) {
      CHECK(f.after_phases == std::vector<std::uint32_t>{0, 1});
      CHECK(f.start == 3_us); // after both complete
    } else {
      CHECK(f.after_phases.empty());
      CHECK(f.start == (g == 0 ? 1_us : Time{}));
    }
    CHECK(f.after.empty());
  }
}

TEST_CASE("traffic: repeat runs a pattern back to back, one phase per repetition", "[traffic]") {
  PatternSpec a = pattern(PatternKind::Permutation);
  a.name = "perm";
  a.repeat = 3;
  a.start = 2_us;
  PatternSpec u = pattern(PatternKind::Uniform);
  u.count = 2;
  u.interarrival = 1_us;
  u.repeat = 2;
  u.after = {"perm"};
  const auto flows = make_ok(TrafficSpec{{a, u}}, 8);
  REQUIRE(flows.size() == 3 * 8 + 2 * 16);
  for (std::uint32_t r = 0; r < 3; ++r) {
    for (std::uint32_t k = 0; k < 8; ++k) {
      const Flow& f = flows[r * 8 + k];
      CHECK(f.phase == r);
      CHECK(f.group == 0);
      if (r == 0) {
        CHECK(f.after_phases.empty());
        CHECK(f.start == 2_us);
      } else {
        CHECK(f.after_phases == std::vector<std::uint32_t>{r - 1});
        CHECK(f.start == Time{}); // back to back: no second `start`
      }
    }
  }
  // Each repetition draws a new permutation (8 endpoints: 14,833 derangements).
  CHECK(pairs_of({flows.begin(), flows.begin() + 8}) !=
        pairs_of({flows.begin() + 8, flows.begin() + 16}));
  // The uniform pattern waits for the last repetition of "perm"; its second repetition for its
  // first; both keep their gaps, the second without `start`.
  for (std::size_t k = 24; k < flows.size(); ++k) {
    const bool second = k >= 40;
    CHECK(flows[k].phase == (second ? 4U : 3U));
    CHECK(flows[k].after_phases == std::vector<std::uint32_t>{second ? 3U : 2U});
    CHECK(flows[k].start > Time{});
  }
}

TEST_CASE("traffic: every pattern kind together keeps ids dense and dependencies backward",
          "[traffic]") {
  TrafficSpec spec;
  for (const PatternKind k :
       {PatternKind::Uniform, PatternKind::Permutation, PatternKind::Incast, PatternKind::AllToAll,
        PatternKind::RingAllReduce, PatternKind::TreeAllReduce, PatternKind::MoeDispatch,
        PatternKind::MoeCombine, PatternKind::LoadStore, PatternKind::Explicit}) {
    PatternSpec p = pattern(k);
    p.experts = 4;
    p.fan_in = 5;
    p.pairs = {{1, 2}};
    p.repeat = 2;
    if (!spec.patterns.empty()) {
      p.after = {"traffic0"};
    }
    spec.patterns.push_back(p);
  }
  const auto flows = make_ok(spec, 16);
  // Per repetition: 16 + 16 + 5 + 240 + 480 + 30 + 24 + 24 + 1 + 1 flows (load_store takes the
  // pairs given).
  CHECK(flows.size() == 2 * (16 + 16 + 5 + 240 + 480 + 30 + 24 + 24 + 1 + 1));
  CHECK(flows.back().phase == 19);
  for (const Flow& f : flows) {
    CHECK(f.phase / 2 == f.group);
  }
}

TEST_CASE("traffic: the same seed gives the same flows, another seed other flows", "[traffic]") {
  for (const PatternKind k : {PatternKind::Uniform, PatternKind::Permutation,
                              PatternKind::MoeDispatch, PatternKind::LoadStore}) {
    PatternSpec p = pattern(k);
    p.size = SizeDist::Exponential;
    p.count = 4;
    p.interarrival = k == PatternKind::Uniform ? 100_ns : Time{};
    const TrafficSpec spec = one(p);
    const auto a = make_ok(spec, 32, 7);
    const auto b = make_ok(spec, 32, 7);
    const auto c = make_ok(spec, 32, 8);
    CHECK(same_flows(a, b));
    CHECK_FALSE(same_flows(a, c));
    CHECK(pairs_of(a) != pairs_of(c));
  }
  // The deterministic patterns do not depend on the seed at all.
  PatternSpec ring = pattern(PatternKind::RingAllReduce);
  CHECK(same_flows(make_ok(one(ring), 8, 1), make_ok(one(ring), 8, 2)));
}

TEST_CASE("traffic: a pattern's draws do not depend on other patterns or its own sizes",
          "[traffic]") {
  PatternSpec first = pattern(PatternKind::Uniform);
  PatternSpec second = pattern(PatternKind::Uniform);
  second.count = 3;
  const auto base = make_ok(TrafficSpec{{first, second}}, 16, 5);
  first.count = 9; // pattern 0 draws many more destinations
  first.size = SizeDist::Exponential;
  const auto changed = make_ok(TrafficSpec{{first, second}}, 16, 5);
  const std::vector<Flow> tail_a(base.begin() + 16, base.end());
  const std::vector<Flow> tail_b(changed.begin() + 9 * 16, changed.end());
  CHECK(pairs_of(tail_a) == pairs_of(tail_b));
  // Sizes come from their own stream: the destinations stay when the distribution changes.
  PatternSpec u = pattern(PatternKind::Uniform);
  u.count = 5;
  const auto fixed = make_ok(one(u), 16, 5);
  u.size = SizeDist::Uniform;
  u.min_bytes = 1;
  u.max_bytes = 1000;
  const auto drawn = make_ok(one(u), 16, 5);
  CHECK(pairs_of(fixed) == pairs_of(drawn));
  CHECK(fixed[0].bytes != drawn[0].bytes);
}

TEST_CASE("traffic: every bad spec is refused with the field named", "[traffic]") {
  struct Case {
    const char* what;
    std::function<void(TrafficSpec&)> edit;
    std::uint32_t endpoints;
    std::string key;
  };
  const auto with = [](PatternKind k, std::function<void(PatternSpec&)> f) {
    return [k, f](TrafficSpec& s) {
      PatternSpec p;
      p.kind = k;
      f(p);
      s.patterns.push_back(p);
    };
  };
  const auto nothing = [](PatternSpec&) {};
  const std::vector<Case> cases{
      {"fewer than 2 endpoints in the fabric", with(PatternKind::Uniform, nothing), 1,
       "traffic[0].endpoints"},
      {"fewer than 2 endpoints in the set",
       with(PatternKind::Uniform, [](PatternSpec& p) { p.endpoints = {3}; }), 8,
       "traffic[0].endpoints"},
      {"endpoint out of range",
       with(PatternKind::AllToAll,
            [](PatternSpec& p) {
              p.endpoints = {0, 8};
            }),
       8, "traffic[0].endpoints[1]"},
      {"endpoint listed twice",
       with(PatternKind::AllToAll,
            [](PatternSpec& p) {
              p.endpoints = {0, 2, 0};
            }),
       8, "traffic[0].endpoints[2]"},
      {"fan_in too large", with(PatternKind::Incast, [](PatternSpec& p) { p.fan_in = 8; }), 8,
       "traffic[0].fan_in"},
      {"fan_in zero", with(PatternKind::Incast, [](PatternSpec& p) { p.fan_in = 0; }), 8,
       "traffic[0].fan_in"},
      {"target out of range", with(PatternKind::Incast, [](PatternSpec& p) { p.target = 8; }), 8,
       "traffic[0].target"},
      {"target outside the set",
       with(PatternKind::Incast,
            [](PatternSpec& p) {
              p.endpoints = {1, 2, 3};
              p.fan_in = 2;
            }),
       8, "traffic[0].target"},
      {"experts as many as the endpoints",
       with(PatternKind::MoeDispatch, [](PatternSpec& p) { p.experts = 8; }), 8,
       "traffic[0].experts"},
      {"no experts", with(PatternKind::MoeCombine, [](PatternSpec& p) { p.experts = 0; }), 8,
       "traffic[0].experts"},
      {"top_k above the experts",
       with(PatternKind::MoeDispatch, [](PatternSpec& p) { p.top_k = 9; }), 16, "traffic[0].top_k"},
      {"top_k zero", with(PatternKind::MoeDispatch, [](PatternSpec& p) { p.top_k = 0; }), 16,
       "traffic[0].top_k"},
      {"bytes 0", with(PatternKind::Uniform, [](PatternSpec& p) { p.bytes = 0; }), 8,
       "traffic[0].bytes"},
      {"op_bytes 0", with(PatternKind::Uniform, [](PatternSpec& p) { p.op_bytes = 0; }), 8,
       "traffic[0].op_bytes"},
      {"bad cdf",
       with(PatternKind::Uniform,
            [](PatternSpec& p) {
              p.size = SizeDist::Cdf;
              p.cdf = {{100, 0.5}, {200, 0.9}};
            }),
       8, "traffic[0].cdf[1].p"},
      {"count 0", with(PatternKind::Uniform, [](PatternSpec& p) { p.count = 0; }), 8,
       "traffic[0].count"},
      {"repeat 0", with(PatternKind::Uniform, [](PatternSpec& p) { p.repeat = 0; }), 8,
       "traffic[0].repeat"},
      {"negative start", with(PatternKind::Uniform, [](PatternSpec& p) { p.start = Time{-1}; }), 8,
       "traffic[0].start"},
      {"negative interarrival",
       with(PatternKind::Uniform, [](PatternSpec& p) { p.interarrival = Time{-1}; }), 8,
       "traffic[0].interarrival"},
      {"interarrival on a pattern that has none",
       with(PatternKind::Incast, [](PatternSpec& p) { p.interarrival = 1_us; }), 8,
       "traffic[0].interarrival"},
      {"ring allreduce bytes below the ranks",
       with(PatternKind::RingAllReduce, [](PatternSpec& p) { p.bytes = 7; }), 8,
       "traffic[0].bytes"},
      {"a collective with a drawn size",
       with(PatternKind::TreeAllReduce, [](PatternSpec& p) { p.size = SizeDist::Exponential; }), 8,
       "traffic[0].size"},
      {"send in a load_store pattern",
       with(PatternKind::LoadStore, [](PatternSpec& p) { p.op = OpKind::Send; }), 8,
       "traffic[0].op"},
      {"explicit with no pairs", with(PatternKind::Explicit, nothing), 8, "traffic[0].pairs"},
      {"explicit pair out of range",
       with(PatternKind::Explicit,
            [](PatternSpec& p) {
              p.pairs = {{0, 1}, {2, 8}};
            }),
       8, "traffic[0].pairs[1]"},
      {"explicit pair to itself",
       with(PatternKind::Explicit,
            [](PatternSpec& p) {
              p.pairs = {{3, 3}};
            }),
       8, "traffic[0].pairs[0]"},
      {"load_store pair out of range",
       with(PatternKind::LoadStore,
            [](PatternSpec& p) {
              p.pairs = {{9, 1}};
            }),
       8, "traffic[0].pairs[0]"},
      {"unknown after name", with(PatternKind::Uniform, [](PatternSpec& p) { p.after = {"nope"}; }),
       8, "traffic[0].after[0]"},
      {"after itself",
       with(PatternKind::Uniform,
            [](PatternSpec& p) {
              p.name = "me";
              p.after = {"me"};
            }),
       8, "traffic[0].after[0]"},
      {"unknown kind", with(static_cast<PatternKind>(42), nothing), 8, "traffic[0].kind"},
      {"unknown size distribution",
       with(PatternKind::Uniform, [](PatternSpec& p) { p.size = static_cast<SizeDist>(9); }), 8,
       "traffic[0].size"},
      {"too many flows", with(PatternKind::AllToAll, nothing), 8192, "traffic[0]"},
      {"a fabric too large for traffic", with(PatternKind::Incast, nothing),
       kMaxTrafficEndpoints + 1, "traffic[0].endpoints"},
      {"too many flows by repetition",
       with(PatternKind::Uniform,
            [](PatternSpec& p) {
              p.count = 1000;
              p.repeat = 100'000;
            }),
       8, "traffic[0]"},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    TrafficSpec spec;
    c.edit(spec);
    const auto r = make_traffic(spec, c.endpoints, 1);
    REQUIRE_FALSE(r);
    CHECK(r.error().key == c.key);
    CHECK(r.error().file.empty());
    CHECK(r.error().line == 0);
    CHECK_FALSE(r.error().reason.empty());
  }
}

TEST_CASE("traffic: names are unique and after may name only earlier patterns", "[traffic]") {
  PatternSpec a = pattern(PatternKind::Uniform);
  a.name = "x";
  PatternSpec b = pattern(PatternKind::Uniform);
  b.name = "x";
  auto r = make_traffic(TrafficSpec{{a, b}}, 4, 1);
  REQUIRE_FALSE(r);
  CHECK(r.error().key == "traffic[1].name");
  // A given name may collide with another's default name.
  b.name = "traffic0";
  a.name = "";
  r = make_traffic(TrafficSpec{{a, b}}, 4, 1);
  REQUIRE_FALSE(r);
  CHECK(r.error().key == "traffic[1].name");
  // A forward reference.
  a.name = "first";
  b.name = "second";
  a.after = {"second"};
  r = make_traffic(TrafficSpec{{a, b}}, 4, 1);
  REQUIRE_FALSE(r);
  CHECK(r.error().key == "traffic[0].after[0]");
  CHECK(r.error().reason.find("later") != std::string::npos);
  // The error names the pattern at fault, later patterns included.
  a.after = {};
  b.fan_in = 0;
  b.kind = PatternKind::Incast;
  r = make_traffic(TrafficSpec{{a, b}}, 4, 1);
  REQUIRE_FALSE(r);
  CHECK(r.error().key == "traffic[1].fan_in");
  CHECK(to_string(r.error()).rfind("traffic[1].fan_in: ", 0) == 0);
}

TEST_CASE("traffic: start times saturate instead of overflowing", "[traffic]") {
  PatternSpec p = pattern(PatternKind::Uniform);
  p.count = 3;
  p.start = kNever - Time{10};
  p.interarrival = Time{std::int64_t{1} << 61U};
  const auto flows = make_ok(one(p), 2);
  for (const Flow& f : flows) {
    CHECK(f.start >= p.start); // no wrap to a negative time
  }
  CHECK(flows.back().start == kNever);
}

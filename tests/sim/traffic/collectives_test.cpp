// Collective traffic (sim/traffic/collectives.cpp through make_traffic): ring AllReduce steps,
// chunks and dependencies, the binary tree's reduce and broadcast, their dependency depth.

#include <map>
#include <numeric>
#include <set>
#include <string>

#include <catch2/catch.hpp>

#include "sim/traffic/flow_checks.hpp"
#include "sim/traffic/traffic.hpp"

using namespace ub;
using namespace ub::literals;
using namespace ub::sim;

namespace {

std::vector<Flow> collective(PatternKind kind, std::vector<std::uint32_t> endpoints,
                             std::uint64_t bytes, std::uint32_t fabric) {
  PatternSpec p;
  p.kind = kind;
  p.endpoints = std::move(endpoints);
  p.bytes = bytes;
  p.start = 1_us;
  auto flows = make_traffic(TrafficSpec{{p}}, fabric, 1);
  INFO((flows ? std::string{} : to_string(flows.error())));
  REQUIRE(flows);
  test::check_flow_invariants(*flows, fabric);
  return std::move(*flows);
}

} // namespace

TEST_CASE("traffic: ring allreduce is 2(n-1) steps of n flows to the next rank", "[traffic]") {
  for (const std::uint32_t n : {2U, 3U, 8U, 13U}) {
    for (const std::uint64_t bytes : {std::uint64_t{n} * 1000, std::uint64_t{n} * 1000 + n - 1,
                                      std::uint64_t{n} * 1000 + 1, std::uint64_t{n}}) {
      INFO("n " << n << " bytes " << bytes);
      // Ranks in a shuffled order of the fabric's endpoints: ring order is the set's order.
      std::vector<std::uint32_t> ranks(n);
      for (std::uint32_t i = 0; i < n; ++i) {
        ranks[i] = (i * 5 + 3) % n;
      }
      if (std::set<std::uint32_t>(ranks.begin(), ranks.end()).size() != n) {
        std::iota(ranks.begin(), ranks.end(), 0U);
        std::reverse(ranks.begin(), ranks.end());
      }
      const auto flows = collective(PatternKind::RingAllReduce, ranks, bytes, n);
      const std::uint32_t steps = 2 * (n - 1);
      REQUIRE(flows.size() == std::size_t{steps} * n);
      std::map<std::uint32_t, std::uint64_t> sent; // by sending endpoint
      std::uint64_t total = 0;
      std::uint64_t smallest = ~std::uint64_t{0};
      std::uint64_t largest = 0;
      for (std::uint32_t s = 0; s < steps; ++s) {
        for (std::uint32_t i = 0; i < n; ++i) {
          const Flow& f = flows[s * n + i];
          CHECK(f.src == ranks[i]);
          CHECK(f.dst == ranks[(i + 1) % n]);
          CHECK(f.task == s);
          if (s == 0) {
            CHECK(f.after.empty());
            CHECK(f.start == 1_us);
          } else {
            // The flow that brought rank i the chunk it now reduces or forwards.
            REQUIRE(f.after.size() == 1);
            const Flow& in = flows[f.after[0]];
            CHECK(in.task == s - 1);
            CHECK(in.dst == f.src);
            CHECK(f.start == Time{});
          }
          sent[f.src] += f.bytes;
          total += f.bytes;
          smallest = std::min(smallest, f.bytes);
          largest = std::max(largest, f.bytes);
        }
      }
      // Chunks of bytes/n rounded down or up; every rank sends 2(n-1) of the n chunks.
      CHECK(smallest == bytes / n);
      CHECK(largest == (bytes + n - 1) / n);
      CHECK(total == 2 * std::uint64_t{n - 1} * bytes);
      for (const auto& [rank, b] : sent) {
        if (bytes % n == 0) {
          CHECK(b == 2 * (n - 1) * (bytes / n)); // exactly 2(n-1)/n x bytes
        } else {
          CHECK(b >= 2 * (n - 1) * (bytes / n));
          CHECK(b <= 2 * (n - 1) * ((bytes + n - 1) / n));
        }
      }
      CHECK(test::longest_chain(flows) == steps);
    }
  }
}

TEST_CASE("traffic: ring allreduce chunks follow reduce-scatter then all-gather", "[traffic]") {
  // With 5 ranks and 5 * 1000 + 2 bytes, chunks 0 and 1 are 1001 bytes and chunks 2..4 are 1000,
  // so a flow's size tells which chunk it may carry. Rank i sends chunk i - s at reduce-scatter
  // step s, and chunk i + 1 - t at all-gather step t: it never sends chunk i + 1 while reducing
  // nor chunk i + 2 while gathering.
  const std::uint32_t n = 5;
  const auto flows = collective(PatternKind::RingAllReduce, {0, 1, 2, 3, 4}, 5002, n);
  for (const Flow& f : flows) {
    const std::uint32_t i = f.src;
    const std::uint32_t s = f.task;
    const std::uint32_t chunk = s < n - 1 ? (i + n - s) % n : (i + 1 + n - (s - (n - 1))) % n;
    CHECK(f.bytes == (chunk < 2 ? 1001U : 1000U));
  }
  // Per rank: 2 x 5002 minus the two chunks it does not send.
  std::map<std::uint32_t, std::uint64_t> sent;
  for (const Flow& f : flows) {
    sent[f.src] += f.bytes;
  }
  for (std::uint32_t i = 0; i < n; ++i) {
    const auto c = [](std::uint32_t k) { return k < 2 ? 1001U : 1000U; };
    CHECK(sent[i] == 2 * 5002 - c((i + 1) % n) - c((i + 2) % n));
  }
}

TEST_CASE("traffic: tree allreduce reduces up a binary tree and broadcasts down", "[traffic]") {
  for (const std::uint32_t n : {2U, 3U, 6U, 7U, 12U}) {
    INFO("n " << n);
    // Rank r is endpoint ranks[r]; ranks[0] is the root.
    std::vector<std::uint32_t> ranks(n);
    for (std::uint32_t r = 0; r < n; ++r) {
      ranks[r] = n - 1 - r;
    }
    std::map<std::uint32_t, std::uint32_t> rank_of;
    for (std::uint32_t r = 0; r < n; ++r) {
      rank_of[ranks[r]] = r;
    }
    const auto flows = collective(PatternKind::TreeAllReduce, ranks, 3000, n);
    REQUIRE(flows.size() == 2 * std::size_t{n - 1});
    std::uint32_t depth = 0;
    for (std::uint32_t x = n; x > 1; x >>= 1U) {
      ++depth;
    }
    std::map<std::uint32_t, std::uint32_t> up;   // rank -> its reduce flow
    std::map<std::uint32_t, std::uint32_t> down; // rank -> the broadcast flow into it
    for (std::size_t k = 0; k < flows.size(); ++k) {
      const Flow& f = flows[k];
      CHECK(f.bytes == 3000);
      const std::uint32_t src = rank_of.at(f.src);
      const std::uint32_t dst = rank_of.at(f.dst);
      if (k < n - 1) { // reduce: child to parent
        CHECK(dst == (src - 1) / 2);
        CHECK(up.emplace(src, f.id).second);
        std::vector<std::uint32_t> want; // the children's reduce flows
        for (const std::uint32_t c : {2 * src + 1, 2 * src + 2}) {
          if (c < n) {
            want.push_back(up.at(c));
          }
        }
        CHECK(f.after == want);
        CHECK(f.after.empty() == (2 * src + 1 >= n));
        CHECK(f.start == (f.after.empty() ? 1_us : Time{}));
      } else { // broadcast: parent to child
        CHECK(src == (dst - 1) / 2);
        CHECK(down.emplace(dst, f.id).second);
        if (src == 0) {
          std::vector<std::uint32_t> want{up.at(1)};
          if (n > 2) {
            want.push_back(up.at(2));
          }
          CHECK(f.after == want);
        } else {
          CHECK(f.after == std::vector<std::uint32_t>{down.at(src)});
        }
        CHECK(f.start == Time{});
      }
    }
    CHECK(up.size() == n - 1);   // every rank but the root reduces once
    CHECK(down.size() == n - 1); // and receives the result once
    CHECK(test::longest_chain(flows) == 2 * depth);
    // Step labels: reduce 0..depth-1 from the leaves, broadcast depth..2 depth-1 from the root.
    CHECK(flows.front().task == 0); // a deepest rank's reduce flow first
    CHECK(flows.back().task == 2 * depth - 1);
  }
}

// Traffic generators: a scenario's patterns turned into flows (traffic.hpp). The semantics of
// each pattern are in sim/README.md ("Fabric simulator: traffic") and docs/spec-coverage.md
// A-200..A-208.

#include "sim/traffic/traffic.hpp"

#include <algorithm>
#include <map>
#include <numeric>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "sim/traffic/size_dist.hpp"
#include "sim/traffic/traffic_detail.hpp"

namespace ub::sim {

namespace {

using traffic_detail::FlowEmitter;
using traffic_detail::MoeRouter;
using traffic_detail::pattern_rng;
using traffic_detail::Stream;

// MODEL: op_bytes left at the PatternSpec default means a cache line for a load or store and a
// 64-bit word for an atomic.
const std::uint32_t kDefaultOpBytes = PatternSpec{}.op_bytes;
constexpr std::uint32_t kLoadStoreOpBytes = 64;
constexpr std::uint32_t kAtomicOpBytes = 8;

std::string_view kind_name(PatternKind k) {
  switch (k) {
  case PatternKind::Uniform:
    return "uniform";
  case PatternKind::Permutation:
    return "permutation";
  case PatternKind::Incast:
    return "incast";
  case PatternKind::AllToAll:
    return "all_to_all";
  case PatternKind::RingAllReduce:
    return "ring_allreduce";
  case PatternKind::TreeAllReduce:
    return "tree_allreduce";
  case PatternKind::MoeDispatch:
    return "moe_dispatch";
  case PatternKind::MoeCombine:
    return "moe_combine";
  case PatternKind::LoadStore:
    return "load_store";
  case PatternKind::Explicit:
    return "explicit";
  }
  return "?";
}

std::uint64_t sat_mul(std::uint64_t a, std::uint64_t b) {
  std::uint64_t r = 0;
  return __builtin_mul_overflow(a, b, &r) ? ~std::uint64_t{0} : r;
}

// A pattern checked and resolved, ready to generate.
struct Prepared {
  std::string key;                   // "traffic[i]"
  std::vector<std::uint32_t> listed; // the pattern's endpoints; empty: all of the fabric's
  std::uint64_t n = 0;               // how many endpoints the pattern uses
  std::vector<std::size_t> after;    // indexes of the patterns named in `after`, ascending
  OpKind op = OpKind::Write;
  std::uint32_t op_bytes = 0;
  std::optional<SizeSampler> sizes;
  std::uint64_t flows_per_repeat = 0;
  std::size_t choice_stream = 0; // Moe*: the pattern whose expert draws this one replays
};

class PatternChecker {
public:
  PatternChecker(const PatternSpec& p, std::size_t index, std::uint32_t endpoints)
      : p_(p), endpoints_(endpoints), key_(fmt::format("traffic[{}]", index)) {}

  ConfigError error(std::string_view field, std::string reason) const {
    return ConfigError{{}, 0, fmt::format("{}.{}", key_, field), std::move(reason)};
  }

  // The endpoints the pattern lists, each in range and listed once (none: all of them).
  ConfigResult<std::vector<std::uint32_t>> endpoint_set() const {
    std::vector<std::uint32_t> set;
    std::vector<bool> seen(endpoints_, false);
    for (std::size_t k = 0; k < p_.endpoints.size(); ++k) {
      const std::uint32_t e = p_.endpoints[k];
      if (e >= endpoints_) {
        return make_unexpected(
            error(fmt::format("endpoints[{}]", k),
                  fmt::format("endpoint {} is out of range ({} endpoints)", e, endpoints_)));
      }
      if (seen[e]) {
        return make_unexpected(
            error(fmt::format("endpoints[{}]", k), fmt::format("endpoint {} is listed twice", e)));
      }
      seen[e] = true;
      set.push_back(e);
    }
    return set;
  }

  // A (src, dst) pair of endpoint indexes.
  std::optional<ConfigError> check_pairs() const {
    for (std::size_t k = 0; k < p_.pairs.size(); ++k) {
      const auto [src, dst] = p_.pairs[k];
      const std::string field = fmt::format("pairs[{}]", k);
      if (src >= endpoints_ || dst >= endpoints_) {
        return error(field, fmt::format("endpoint {} is out of range ({} endpoints)",
                                        src >= endpoints_ ? src : dst, endpoints_));
      }
      if (src == dst) {
        return error(field, fmt::format("a flow from endpoint {} to itself", src));
      }
    }
    return std::nullopt;
  }

  const std::string& key() const { return key_; }

private:
  const PatternSpec& p_;
  std::uint32_t endpoints_;
  std::string key_;
};

// Whether two patterns use the same endpoints in the same order ("all" is 0, 1, ...).
bool same_set(const Prepared& a, const Prepared& b) {
  if (a.n != b.n) {
    return false;
  }
  if (a.listed.empty() != b.listed.empty()) {
    const std::vector<std::uint32_t>& l = a.listed.empty() ? b.listed : a.listed;
    for (std::size_t k = 0; k < l.size(); ++k) {
      if (l[k] != k) {
        return false;
      }
    }
    return true;
  }
  return a.listed == b.listed;
}

ConfigResult<Prepared> prepare(const TrafficSpec& spec, std::size_t index, std::uint32_t endpoints,
                               const std::map<std::string, std::size_t, std::less<>>& names,
                               std::span<const Prepared> earlier) {
  const PatternSpec& p = spec.patterns[index];
  const PatternChecker check(p, index, endpoints);
  Prepared out;
  out.key = check.key();

  if (static_cast<unsigned>(p.kind) > static_cast<unsigned>(PatternKind::Explicit)) {
    return make_unexpected(check.error("kind", "unknown traffic pattern"));
  }
  // `after`: names of earlier patterns.
  for (std::size_t k = 0; k < p.after.size(); ++k) {
    const auto it = names.find(p.after[k]);
    const std::string field = fmt::format("after[{}]", k);
    if (it == names.end()) {
      return make_unexpected(
          check.error(field, fmt::format("no traffic pattern is named \"{}\"", p.after[k])));
    }
    if (it->second >= index) {
      return make_unexpected(check.error(
          field, it->second == index
                     ? fmt::format("\"{}\" is this pattern itself", p.after[k])
                     : fmt::format("\"{}\" is a later pattern (traffic[{}]): a pattern may only "
                                   "wait for earlier ones",
                                   p.after[k], it->second)));
    }
    out.after.push_back(it->second);
  }
  std::sort(out.after.begin(), out.after.end());
  out.after.erase(std::unique(out.after.begin(), out.after.end()), out.after.end());

  if (p.repeat == 0) {
    return make_unexpected(check.error("repeat", "must be at least 1"));
  }
  if (p.start < Time{}) {
    return make_unexpected(check.error("start", "must not be negative"));
  }
  if (p.interarrival < Time{}) {
    return make_unexpected(check.error("interarrival", "must not be negative"));
  }
  if (p.interarrival > Time{} && p.kind != PatternKind::Uniform) {
    return make_unexpected(
        check.error("interarrival",
                    fmt::format("only a uniform pattern takes one, not {}", kind_name(p.kind))));
  }
  if (endpoints < 2) {
    return make_unexpected(check.error(
        "endpoints",
        fmt::format("traffic needs at least 2 endpoints, the fabric has {}", endpoints)));
  }
  if (endpoints > kMaxTrafficEndpoints) {
    return make_unexpected(check.error(
        "endpoints", fmt::format("the fabric's {} endpoints are more than traffic takes ({})",
                                 endpoints, kMaxTrafficEndpoints)));
  }
  auto set = check.endpoint_set();
  if (!set) {
    return make_unexpected(set.error());
  }
  out.listed = std::move(*set);
  out.n = out.listed.empty() ? endpoints : out.listed.size();
  const bool uses_set =
      p.kind != PatternKind::Explicit && !(p.kind == PatternKind::LoadStore && !p.pairs.empty());
  const std::uint64_t n = out.n;
  if (uses_set && n < 2) {
    return make_unexpected(
        check.error("endpoints",
                    fmt::format("{} needs at least 2 endpoints, {} listed", kind_name(p.kind), n)));
  }

  // The op and its size.
  out.op = p.op;
  if (static_cast<unsigned>(p.op) > static_cast<unsigned>(OpKind::FetchAdd)) {
    return make_unexpected(check.error("op", "unknown op"));
  }
  if (p.kind == PatternKind::LoadStore) {
    // MODEL: the URMA op names read as their load/store counterparts.
    if (p.op == OpKind::Write) {
      out.op = OpKind::Store;
    } else if (p.op == OpKind::Read) {
      out.op = OpKind::Load;
    } else if (p.op == OpKind::Send) {
      return make_unexpected(
          check.error("op", "a load_store pattern takes load, store or fetch_add, not send"));
    }
  }
  if (p.op_bytes == 0) {
    return make_unexpected(check.error("op_bytes", "must be at least 1"));
  }
  out.op_bytes = p.op_bytes;
  if (p.op_bytes == kDefaultOpBytes) {
    if (out.op == OpKind::Load || out.op == OpKind::Store) {
      out.op_bytes = kLoadStoreOpBytes;
    } else if (out.op == OpKind::FetchAdd) {
      out.op_bytes = kAtomicOpBytes;
    }
  }

  auto sizes = SizeSampler::make(p, out.key);
  if (!sizes) {
    return make_unexpected(sizes.error());
  }
  out.sizes = std::move(*sizes);

  // The kind's own fields, and how many flows one repetition makes.
  switch (p.kind) {
  case PatternKind::Uniform:
    if (p.count == 0) {
      return make_unexpected(check.error("count", "must be at least 1"));
    }
    out.flows_per_repeat = sat_mul(n, p.count);
    break;
  case PatternKind::Permutation:
    out.flows_per_repeat = n;
    break;
  case PatternKind::Incast: {
    if (p.target >= endpoints) {
      return make_unexpected(
          check.error("target", fmt::format("endpoint {} is out of range ({} endpoints)", p.target,
                                            endpoints)));
    }
    if (!out.listed.empty() &&
        std::find(out.listed.begin(), out.listed.end(), p.target) == out.listed.end()) {
      return make_unexpected(check.error(
          "target", fmt::format("endpoint {} is not among the pattern's endpoints", p.target)));
    }
    if (p.fan_in == 0 || p.fan_in > n - 1) {
      return make_unexpected(
          check.error("fan_in", fmt::format("{} senders, but 1 to {} endpoints besides the target",
                                            p.fan_in, n - 1)));
    }
    out.flows_per_repeat = p.fan_in;
    break;
  }
  case PatternKind::AllToAll:
    out.flows_per_repeat = sat_mul(n, n - 1);
    break;
  case PatternKind::RingAllReduce:
  case PatternKind::TreeAllReduce:
    if (p.size != SizeDist::Fixed) {
      return make_unexpected(check.error(
          "size", fmt::format("{} takes a fixed size (bytes per rank)", kind_name(p.kind))));
    }
    if (p.kind == PatternKind::RingAllReduce && p.bytes < n) {
      return make_unexpected(check.error(
          "bytes",
          fmt::format("{} bytes cannot be cut into {} chunks of at least one byte", p.bytes, n)));
    }
    out.flows_per_repeat =
        p.kind == PatternKind::RingAllReduce ? sat_mul(2 * (n - 1), n) : 2 * (n - 1);
    break;
  case PatternKind::MoeDispatch:
  case PatternKind::MoeCombine: {
    if (p.experts == 0 || p.experts >= n) {
      return make_unexpected(check.error(
          "experts", fmt::format("{} experts, but 1 to {} (the pattern has {} endpoints and needs "
                                 "a token holder)",
                                 p.experts, n - 1, n)));
    }
    if (p.top_k == 0 || p.top_k > p.experts) {
      return make_unexpected(
          check.error("top_k", fmt::format("{}, but 1 to {} (the experts)", p.top_k, p.experts)));
    }
    out.flows_per_repeat = sat_mul(n - p.experts, p.top_k);
    out.choice_stream = index;
    if (p.kind == PatternKind::MoeCombine) {
      // The latest earlier dispatch over the same endpoints, experts and top_k.
      for (std::size_t j = index; j-- > 0;) {
        const PatternSpec& q = spec.patterns[j];
        if (q.kind == PatternKind::MoeDispatch && q.experts == p.experts && q.top_k == p.top_k &&
            same_set(earlier[j], out)) {
          out.choice_stream = j;
          break;
        }
      }
    }
    break;
  }
  case PatternKind::LoadStore:
    if (auto e = check.check_pairs()) {
      return make_unexpected(std::move(*e));
    }
    out.flows_per_repeat = p.pairs.empty() ? n : p.pairs.size();
    break;
  case PatternKind::Explicit:
    if (p.pairs.empty()) {
      return make_unexpected(check.error("pairs", "an explicit pattern lists at least one pair"));
    }
    if (auto e = check.check_pairs()) {
      return make_unexpected(std::move(*e));
    }
    out.flows_per_repeat = p.pairs.size();
    break;
  }
  return out;
}

// A uniformly drawn member of `set` other than set[self].
std::uint32_t other_than(Rng& rng, std::span<const std::uint32_t> set, std::size_t self) {
  const std::uint64_t k = rng.below(set.size() - 1);
  return set[k >= self ? k + 1 : k];
}

// A uniformly random derangement of 0..n-1 (n >= 2): Fisher-Yates shuffles until one has no
// fixed point (e tries on average).
void derangement(Rng& rng, std::vector<std::uint32_t>& perm) {
  const std::size_t n = perm.size();
  while (true) {
    std::iota(perm.begin(), perm.end(), 0U);
    for (std::size_t i = n - 1; i > 0; --i) {
      std::swap(perm[i], perm[rng.below(i + 1)]);
    }
    bool fixed = false;
    for (std::size_t i = 0; i < n && !fixed; ++i) {
      fixed = perm[i] == i;
    }
    if (!fixed) {
      return;
    }
  }
}

// An exponential gap of mean `mean`, in whole picoseconds.
Time exponential_gap(Rng& rng, Time mean) {
  const double x = -static_cast<double>(mean.count()) * portable_log_one_minus(rng.uniform()) + 0.5;
  constexpr double kMax = 0x1.0p62;
  return Time{x >= kMax ? std::int64_t{1} << 62U : static_cast<std::int64_t>(x)};
}

// Every flow of one pattern, all repetitions.
class PatternGenerator {
public:
  PatternGenerator(const PatternSpec& p, const Prepared& prep, std::span<const std::uint32_t> set,
                   std::size_t index, std::uint64_t seed)
      : p_(p), prep_(prep), set_(set), pairs_(pattern_rng(seed, index, Stream::Pairs)),
        sizes_(pattern_rng(seed, index, Stream::Sizes)),
        gaps_(pattern_rng(seed, index, Stream::Gaps)) {
    if (p.kind == PatternKind::MoeDispatch || p.kind == PatternKind::MoeCombine) {
      router_.emplace(pattern_rng(seed, prep.choice_stream, Stream::Pairs), p.experts, p.top_k);
    }
  }

  // One repetition into `emit`.
  void repetition(FlowEmitter& emit) {
    const std::span<const std::uint32_t> set = set_;
    const SizeSampler& sizes = *prep_.sizes;
    const auto draw = [&] { return sizes.draw(sizes_); };
    switch (p_.kind) {
    case PatternKind::Uniform:
      for (std::size_t i = 0; i < set.size(); ++i) {
        Time at{};
        for (std::uint32_t c = 0; c < p_.count; ++c) {
          if (p_.interarrival > Time{}) {
            at = traffic_detail::saturating_add(at, exponential_gap(gaps_, p_.interarrival));
          }
          const std::uint32_t dst = other_than(pairs_, set, i);
          emit.open(set[i], dst, draw(), at);
        }
      }
      break;
    case PatternKind::Permutation: {
      std::vector<std::uint32_t> perm(set.size());
      derangement(pairs_, perm);
      for (std::size_t i = 0; i < set.size(); ++i) {
        emit.open(set[i], set[perm[i]], draw());
      }
      break;
    }
    case PatternKind::Incast: {
      std::uint32_t sent = 0;
      for (std::size_t i = 0; i < set.size() && sent < p_.fan_in; ++i) {
        if (set[i] != p_.target) {
          emit.open(set[i], p_.target, draw());
          ++sent;
        }
      }
      break;
    }
    case PatternKind::AllToAll:
      for (const std::uint32_t src : set) {
        for (const std::uint32_t dst : set) {
          if (src != dst) {
            emit.open(src, dst, draw());
          }
        }
      }
      break;
    case PatternKind::RingAllReduce:
      traffic_detail::ring_allreduce(emit, set, draw());
      break;
    case PatternKind::TreeAllReduce:
      traffic_detail::tree_allreduce(emit, set, draw());
      break;
    case PatternKind::MoeDispatch:
    case PatternKind::MoeCombine:
      router_->draw(static_cast<std::uint32_t>(set.size() - p_.experts), choices_);
      traffic_detail::moe(emit, set, p_.experts, choices_, p_.top_k,
                          p_.kind == PatternKind::MoeCombine, sizes, sizes_);
      break;
    case PatternKind::LoadStore:
      if (p_.pairs.empty()) {
        for (std::size_t i = 0; i < set.size(); ++i) {
          emit.open(set[i], other_than(pairs_, set, i), draw());
        }
      } else {
        for (const auto& [src, dst] : p_.pairs) {
          emit.open(src, dst, draw());
        }
      }
      break;
    case PatternKind::Explicit:
      for (const auto& [src, dst] : p_.pairs) {
        emit.open(src, dst, draw());
      }
      break;
    }
  }

private:
  const PatternSpec& p_;
  const Prepared& prep_;
  std::span<const std::uint32_t> set_;
  Rng pairs_;
  Rng sizes_;
  Rng gaps_;
  std::optional<MoeRouter> router_;
  std::vector<std::uint32_t> choices_;
};

} // namespace

ConfigResult<std::vector<Flow>> make_traffic(const TrafficSpec& spec, std::uint32_t endpoints,
                                             std::uint64_t seed) {
  const std::size_t count = spec.patterns.size();
  // Names: given or "traffic<i>", unique.
  std::map<std::string, std::size_t, std::less<>> names;
  for (std::size_t i = 0; i < count; ++i) {
    const std::string& given = spec.patterns[i].name;
    std::string name = given.empty() ? fmt::format("traffic{}", i) : given;
    const auto [it, inserted] = names.emplace(name, i);
    if (!inserted) {
      return make_unexpected(
          ConfigError{{},
                      0,
                      fmt::format("traffic[{}].name", i),
                      fmt::format("\"{}\" already names traffic[{}]", name, it->second)});
    }
  }

  std::vector<Prepared> prepared;
  prepared.reserve(count);
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < count; ++i) {
    auto prep = prepare(spec, i, endpoints, names, prepared);
    if (!prep) {
      return make_unexpected(std::move(prep).error());
    }
    const std::uint64_t flows = sat_mul(prep->flows_per_repeat, spec.patterns[i].repeat);
    total = flows > kMaxTrafficFlows ? flows : total + flows;
    if (total > kMaxTrafficFlows) {
      return make_unexpected(ConfigError{
          {},
          0,
          prep->key,
          fmt::format(
              "the traffic would make {} flows with this pattern, above the limit of {} (A-208)",
              total, kMaxTrafficFlows)});
    }
    prepared.push_back(std::move(*prep));
  }

  std::vector<std::uint32_t> all(count == 0 ? 0 : endpoints); // the set of a pattern listing none
  std::iota(all.begin(), all.end(), 0U);
  std::vector<Flow> flows;
  flows.reserve(static_cast<std::size_t>(total));
  std::vector<std::uint32_t> last_phase(count, 0); // each pattern's last repetition
  std::uint32_t phase = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const PatternSpec& p = spec.patterns[i];
    const Prepared& prep = prepared[i];
    const FlowEmitter::Shared shared{prep.op,  prep.op_bytes, p.rate_bps,
                                     p.window, p.priority,    static_cast<std::uint32_t>(i)};
    const std::span<const std::uint32_t> set =
        prep.listed.empty() ? std::span<const std::uint32_t>(all) : prep.listed;
    PatternGenerator gen(p, prep, set, i, seed);
    for (std::uint32_t r = 0; r < p.repeat; ++r, ++phase) {
      // The first repetition waits for the patterns named in `after` (their last repetitions)
      // and starts `start` after them, or at `start`; each later one starts when the one before
      // completed, back to back.
      std::vector<std::uint32_t> barrier;
      Time start{};
      if (r == 0) {
        for (const std::size_t j : prep.after) {
          barrier.push_back(last_phase[j]);
        }
        start = p.start;
      } else {
        barrier.push_back(phase - 1);
      }
      FlowEmitter emit(flows, shared, phase, std::move(barrier), start);
      gen.repetition(emit);
    }
    last_phase[i] = phase - 1;
  }
  return flows;
}

} // namespace ub::sim

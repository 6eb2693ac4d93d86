#include "protocol/ta/oracle.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <deque>
#include <limits>
#include <map>
#include <set>
#include <tuple>
#include <unordered_map>
#include <utility>

#include <fmt/format.h>

#include "protocol/ta/atomic_alu.hpp"

namespace ub::ta {

std::string_view to_string(OracleCheck c) noexcept {
  switch (c) {
  case OracleCheck::W1:
    return "W1";
  case OracleCheck::W2:
    return "W2";
  case OracleCheck::W3:
    return "W3";
  case OracleCheck::W4:
    return "W4";
  case OracleCheck::W5:
    return "W5";
  case OracleCheck::W6:
    return "W6";
  case OracleCheck::W7:
    return "W7";
  case OracleCheck::W8:
    return "W8";
  case OracleCheck::W9:
    return "W9";
  case OracleCheck::W10:
    return "W10";
  case OracleCheck::B1:
    return "B1";
  case OracleCheck::B2:
    return "B2";
  case OracleCheck::Input:
    return "input";
  }
  return "?";
}

namespace {

constexpr std::uint64_t kInf = std::numeric_limits<std::uint64_t>::max();
constexpr std::uint64_t kBlock = 64; // black-box locations are kept in 64-byte blocks of UBA
constexpr std::uint64_t kPage = 4096;

// Every byte zero: the first against all the others shifted by one, in one memcmp rather than a
// loop per byte (a large fabric asks it of each page's first write, 4 KiB at a time).
[[nodiscard]] bool all_zero(std::span<const Byte> b) noexcept {
  return b.empty() || (b[0] == 0 && std::memcmp(b.data(), b.data() + 1, b.size() - 1) == 0);
}
constexpr std::uint32_t kMaxPackets = 1U << 16; // packets per slice the oracle will track
constexpr std::uint32_t kMaxSlices = 1U << 20;

bool is_read_op(TaOpcode op) {
  return op == TaOpcode::Read;
}
bool is_atomic_op(TaOpcode op) {
  return is_atomic_request(static_cast<std::uint8_t>(op));
}
bool is_send_op(TaOpcode op) {
  return op == TaOpcode::Send || op == TaOpcode::SendWithImmediate;
}
bool is_memory_write_op(TaOpcode op) {
  return op == TaOpcode::Write || op == TaOpcode::WriteWithImmediate ||
         op == TaOpcode::WriteWithNotify || op == TaOpcode::WriteWithBe ||
         op == TaOpcode::Writeback || op == TaOpcode::WritebackWithBe;
}
// Ops that read target memory and bring bytes back (the black-box judges them).
bool returns_value(TaOpcode op) {
  return is_read_op(op) || (is_atomic_op(op) && op != TaOpcode::AtomicStore);
}
bool ordered_mode(TaMode m) {
  return m != TaMode::Uno;
}

std::string hex_bytes(std::span<const Byte> b, std::size_t max = 16) {
  std::string s;
  for (std::size_t i = 0; i < b.size() && i < max; ++i) {
    s += fmt::format("{:02x}", unsigned{b[i]});
  }
  if (b.size() > max) {
    s += "..";
  }
  return s.empty() ? std::string{"(none)"} : s;
}

// The op's fields that relations need, shared by every history entry the op left.
struct OpMeta {
  OpId op = 0;
  PeerId initiator = 0;
  std::uint32_t queue = 0;
  std::uint64_t seq = 0;
  ExecOrder order = ExecOrder::No;
  TaMode mode = TaMode::Roi;
  std::uint64_t sent = kInf;    // event index of its first send
  std::uint64_t exec_by = kInf; // it executed (if at all) before this event
  std::uint64_t done = kInf;    // event index of its completion
  bool success = false;
  bool unconfirmed = false;
  bool late = false; // failed, and may still execute (late_execution, or OpCompleted::abandoned)
  [[nodiscard]] bool completed() const { return done != kInf; }
  // Known to have executed: completed successfully with a response.
  [[nodiscard]] bool certain() const { return completed() && success && !unconfirmed; }
  [[nodiscard]] bool failed() const { return completed() && !success; }
};

// One op's writes to one 64-byte block of (target, TokenID, UBA).
struct Entry {
  std::shared_ptr<OpMeta> w;
  std::uint64_t mask = 0;  // bytes it writes
  std::uint64_t known = 0; // bytes whose value is known (atomics: once they succeeded)
  std::array<Byte, kBlock> val{};
};

// Orders values of an atomic word (all of its size): by length, then bytes. Spelled out rather
// than std::less<std::vector<Byte>>, whose inlined three-way compare GCC 12 flags with a false
// -Wstringop-overread; the order is the same for values of one length.
struct BytesLess {
  bool operator()(const std::vector<Byte>& a, const std::vector<Byte>& b) const noexcept {
    if (a.size() != b.size()) {
      return a.size() < b.size();
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (a[i] != b[i]) {
        return a[i] < b[i];
      }
    }
    return false;
  }
};

// B2 state of one atomic word: counts of produced minus consumed values.
struct AtomicWord {
  unsigned off = 0;
  unsigned size = 0;
  std::map<std::vector<Byte>, std::int64_t, BytesLess> balance;
  std::uint64_t deficit = 0;   // sum over values of the consumptions not yet produced
  std::uint64_t wildcards = 0; // productions of unknown value
  std::uint64_t inflight = 0;  // atomics sent and not completed: each may have produced anything
  [[nodiscard]] std::uint64_t mask() const {
    return (size >= 64 ? ~std::uint64_t{0} : ((std::uint64_t{1} << size) - 1)) << off;
  }
};

struct Block {
  std::vector<Entry> hist;
  std::array<std::uint16_t, kBlock> depth{};
  std::uint64_t init_known = 0;
  std::array<Byte, kBlock> init{};
  bool degraded = false; // history limit reached: no longer judged
  std::vector<AtomicWord> words;
};

// The 64 blocks of one 4 KiB stretch of (target, TokenID, UBA), made as they are touched.
struct BlockPage {
  std::array<std::unique_ptr<Block>, 64> blocks;
};
constexpr std::uint64_t kBlocksPerPage = 64;

struct BlockKey {
  PeerId target = 0;
  std::uint32_t token = 0;
  std::uint64_t page = 0;
  friend bool operator==(const BlockKey&, const BlockKey&) = default;
};
struct BlockKeyHash {
  std::size_t operator()(const BlockKey& k) const noexcept {
    std::uint64_t h = k.page ^ (std::uint64_t{k.token} << 40) ^ (std::uint64_t{k.target} << 20);
    h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9ULL; // splitmix64 finaliser
    h = (h ^ (h >> 27)) * 0x94D049BB133111EBULL;
    return static_cast<std::size_t>(h ^ (h >> 31));
  }
};

// A plain write's bytes in one 4 KiB stretch of (target, TokenID, UBA), not yet turned into
// history entries. A write is recorded when first sent, but its entries only matter to a later
// access of the same bytes: most bulk writes are never read back, and making 64-byte entries for
// every one of their blocks was most of the oracle's time and memory. So a write parks its
// per-page parts here, and the first access to the page (block_page) turns them into entries, in
// the order they were recorded and before the access does anything, so each block's history is
// the same sequence it would have been.
struct PendingWrite {
  std::shared_ptr<OpMeta> meta;
  std::shared_ptr<const OpPosted> src; // data and BE mask, indexed from src->uba
  std::uint64_t lo = 0;                // UBA range within the page
  std::uint64_t hi = 0;
};
// Parts parked per page before the page is materialised anyway: bounds the memory of a location
// written over and over, and the entries one materialisation adds before pruning catches up
// (half the default history limit).
constexpr std::size_t kMaxPendingPerPage = 32;

struct PageKey {
  PeerId target = 0;
  std::uint64_t page = 0;
  friend bool operator==(const PageKey&, const PageKey&) = default;
};
struct PageKeyHash {
  std::size_t operator()(const PageKey& k) const noexcept {
    return static_cast<std::size_t>((k.page * 0x9E3779B97F4A7C15ULL) ^ k.target);
  }
};
// The white-box shadow of one 4 KiB page of a target: each byte's value once known. A byte
// becomes known at the first access that shows it (its "before", W2) or that writes it.
struct ShadowPage {
  std::array<Byte, kPage> v{};
  std::array<std::uint64_t, kPage / 64> known{}; // one bit per byte
  std::uint32_t known_count = 0; // == kPage: every byte known, no per-byte test needed

  void set_all_known() noexcept {
    known.fill(~std::uint64_t{0});
    known_count = kPage;
  }
  // Marks byte o known with value b (a write, or a preset).
  void store(std::size_t o, Byte b) noexcept {
    v[o] = b;
    const std::uint64_t bit = std::uint64_t{1} << (o % 64);
    if ((known[o / 64] & bit) == 0) {
      known[o / 64] |= bit;
      ++known_count;
    }
  }
  // Gives the bytes [o, o + len) still unknown their value from src[0, len): what the first
  // access that reached them found there. Word at a time, since a long write meets whole
  // pages of bytes not seen before.
  void seed(std::size_t o, std::size_t len, const Byte* src) noexcept {
    if (known_count == kPage) {
      return;
    }
    const std::size_t end = o + len;
    for (std::size_t k = o; k < end;) {
      const std::size_t w = k / 64;
      const std::size_t b = k % 64;
      const std::size_t n = std::min<std::size_t>(64 - b, end - k);
      const std::uint64_t m = (n == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << n) - 1) << b;
      std::uint64_t miss = m & ~known[w];
      if (miss == m) {
        std::copy_n(src + (k - o), n, v.begin() + static_cast<std::ptrdiff_t>(k));
      } else {
        for (std::uint64_t x = miss; x != 0; x &= x - 1) {
          const std::size_t i = w * 64 + static_cast<std::size_t>(std::countr_zero(x));
          v[i] = src[i - o];
        }
      }
      known_count += static_cast<std::uint32_t>(std::popcount(miss));
      known[w] |= m;
      k += n;
    }
  }
};

struct SliceRec {
  bool seen = false;
  std::uint64_t offset = 0;
  std::uint32_t length = 0;
  bool notify = false;
  std::uint64_t first_sent = kInf;
  std::vector<WireKey> keys;
  std::vector<std::uint8_t> packets; // executions per packet index
};

struct OpRec {
  std::shared_ptr<const OpPosted> p; // shared with the op's pending writes (their values)
  std::shared_ptr<OpMeta> meta;
  std::vector<SliceRec> slices;
  bool reserved_opcode = false;
  bool completed = false;
  fn::CqeStatus status = fn::CqeStatus::Success;
  std::optional<std::uint64_t> expected_bytes; // data bytes that must execute (none: unchecked)
  bool expects_notify = false;
  bool expects_receive = false;
  bool receive_seen = false;
  std::uint64_t executed_bytes = 0;
  std::uint32_t notify_execs = 0;
  bool exec_started = false;
  bool early = false;
  // W5 deferred: later SO ops that started executing while this op had not fully executed and
  // had not failed. If this op executes more later, each is a violation; if it fails, none is
  // (the target refused the rest with a final error and went on, which the order allows).
  struct LaterSo {
    OpId op = 0;
    Time t{0};
    std::string where;
  };
  std::vector<LaterSo> w5_waiting;
  std::vector<Byte> returned;
  std::vector<bool> returned_mask;
  Block* word_block = nullptr; // B2: the atomic's word
  std::size_t word = 0;
  bool word_inflight = false;
  bool reader = false; // registered among the outstanding readers
  Time posted_t{0};

  [[nodiscard]] bool fully_executed() const {
    return (!expected_bytes || executed_bytes >= *expected_bytes) &&
           (!expects_notify || notify_execs > 0);
  }
};

struct PendingRead {
  OpId op = 0;
  std::shared_ptr<OpMeta> meta;
  PeerId target = 0;
  std::uint32_t token = 0;
  std::uint64_t uba = 0;
  std::vector<Byte> data;
  Time t{0};
};

struct QueueState {
  bool any = false;
  std::uint64_t last_seq = 0;
  std::map<std::uint64_t, OpId> open_all;      // not completed
  std::map<std::uint64_t, OpId> open_ordered;  // RO/SO, not completed
  std::map<std::uint64_t, OpId> open_readlike; // Read/Atomic, not completed
  std::map<std::uint64_t, OpId> open_cqe;      // completion not reported (W8)
  std::deque<PendingRead> pending;             // completed SO reads waiting for earlier ops
};

using QueueKey = std::pair<PeerId, std::uint32_t>;
using StreamKey = std::tuple<PeerId, std::uint32_t, PeerId>;

// The slice keys are only looked up, never walked in order: a hash table, not a tree (a lookup
// per executed packet and per answer; the tree's walk was a cache miss per level).
struct WireKeyHash {
  std::size_t operator()(const WireKey& k) const noexcept {
    std::uint64_t h = ((std::uint64_t{k.initiator} << 32U) | k.target) * 0x9E3779B97F4A7C15ULL;
    h ^= (std::uint64_t{k.rc_id} << 24U) | (std::uint64_t{k.rc_type} << 16U) | k.tassn;
    h ^= h >> 31U; // splitmix64's finaliser
    h *= 0xBF58476D1CE4E5B9ULL;
    h ^= h >> 29U;
    h *= 0x94D049BB133111EBULL;
    h ^= h >> 32U;
    return static_cast<std::size_t>(h);
  }
};

} // namespace

struct Oracle::Impl {
  OracleConfig cfg;
  OracleCounters n;
  std::vector<Violation> out;
  std::uint64_t ev = 0;
  Time last_t{0};
  bool finished = false;

  std::unordered_map<OpId, OpRec> ops;
  std::unordered_map<WireKey, std::pair<OpId, std::uint32_t>, WireKeyHash> keys;
  std::map<WireKey, OpId> failed_keys; // keys of retired failed ops (late_execution off)
  std::map<QueueKey, QueueState> queues;
  std::map<StreamKey, std::uint64_t> target_cqe_order; // W8: last send index per stream
  struct Unreported {
    QueueKey queue{};
    std::uint64_t seq = 0;
    bool comp_order = false;
  };
  std::unordered_map<OpId, Unreported> unreported; // W8: posted, completion not yet reported
  // A shadow page: its own ShadowPage, or (`page` empty) the bytes a whole-page plain write left
  // there, every one known, kept as the range of the target's shared buffer it was written from
  // (Executed::after_share) rather than copied: a large fabric writes much of its memory once.
  struct ShadowSlot {
    std::unique_ptr<ShadowPage> page;
    SharedBytes bytes;
  };
  std::unordered_map<PageKey, ShadowSlot, PageKeyHash> shadow;
  struct RecentPage {
    PageKey key{};
    ShadowPage* page = nullptr;
  };
  std::array<RecentPage, 2> recent_pages{};
  unsigned recent_next = 0;
  std::unordered_map<BlockKey, std::unique_ptr<BlockPage>, BlockKeyHash> blocks;
  BlockKey last_key{0, 0, kInf}; // the last page looked up (pages are never removed)
  BlockPage* last_page = nullptr;
  std::unordered_map<BlockKey, std::vector<PendingWrite>, BlockKeyHash> pending_writes;
  std::multiset<std::uint64_t> readers; // first-send event of every sent, unjudged read
  std::size_t entries = 0;
  std::vector<std::uint64_t> vis_; // judge_read scratch: per entry, the bytes r may see
  // judge_read scratch: (first send, mask) of the certain writes before r; the SO ones
  std::vector<std::pair<std::uint64_t, std::uint64_t>> cb_;
  std::vector<std::size_t> cb_so_;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> shadowers_; // prune scratch, as cb_
  std::vector<std::size_t> shadowers_so_;
  std::vector<char> drop_;

  explicit Impl(OracleConfig c) : cfg(c) {
    cfg.history_limit = std::min<std::uint32_t>(cfg.history_limit, 65000); // depth is 16-bit
  }

  // ---------------------------------------------------------------------------------------
  // Bookkeeping

  void report(OracleCheck c, OpId op, std::optional<OpId> other, Time t, std::string msg) {
    ++n.violations;
    if (out.size() < cfg.max_violations) {
      out.push_back(Violation{c, op, other, t, std::move(msg)});
    }
  }

  void tick(Time t) {
    ++ev;
    ++n.events;
    if (t < last_t) {
      report(OracleCheck::Input, 0, std::nullopt, t,
             fmt::format("event at {} ns is earlier than the previous one at {} ns", to_ns(t),
                         to_ns(last_t)));
    } else {
      last_t = t;
    }
  }

  OpRec* find_op(OpId id) {
    const auto it = ops.find(id);
    return it == ops.end() ? nullptr : &it->second;
  }

  QueueState& queue_of(const OpPosted& p) { return queues[QueueKey{p.initiator, p.queue}]; }

  // a's execution (if it executes at all) precedes b's: a was known executed before b was first
  // sent, or the queue orders them (a RO/SO, b a later SO).
  [[nodiscard]] static bool rt_before(const OpMeta& a, const OpMeta& b) {
    return a.exec_by != kInf && a.exec_by < b.sent;
  }
  [[nodiscard]] bool queue_before(const OpMeta& a, const OpMeta& b) const {
    return a.initiator == b.initiator && a.queue == b.queue && a.seq < b.seq &&
           a.order != ExecOrder::No && b.order == ExecOrder::So && ordered_mode(b.mode) &&
           !(a.late && a.failed());
  }
  [[nodiscard]] bool hb(const OpMeta& a, const OpMeta& b) const {
    return rt_before(a, b) || queue_before(a, b);
  }

  // Retires an op whose record can no longer matter (its history entries keep its OpMeta).
  void maybe_retire(OpRec& r) {
    if (!r.completed || r.early) {
      return;
    }
    if (r.meta->unconfirmed) {
      if (!r.fully_executed() || (r.expects_receive && !r.receive_seen)) {
        return; // it may still execute
      }
    } else if (!r.meta->success) {
      if (r.meta->late) {
        return;
      }
    } else if (r.expects_receive && !r.receive_seen) {
      return;
    }
    const OpId id = r.p->op;
    const bool failed = !r.meta->success;
    for (std::uint32_t s = 0; s < r.slices.size(); ++s) {
      for (const WireKey& k : r.slices[s].keys) {
        const auto it = keys.find(k);
        if (it != keys.end() && it->second == std::pair{id, s}) {
          keys.erase(it);
          if (failed) {
            failed_keys[k] = id;
          }
        }
      }
    }
    ops.erase(id);
  }

  // ---------------------------------------------------------------------------------------
  // Shadow memory (witness)

  // An execution asks for the same pages again and again (write_matches, then the copy; a
  // packet often straddles two pages), so the last two are remembered. A ShadowPage is freed
  // only by share_page(), which forgets it here.
  ShadowPage& page(PeerId target, std::uint64_t number) {
    const PageKey k{target, number};
    for (const RecentPage& r : recent_pages) {
      if (r.page != nullptr && r.key == k) {
        return *r.page;
      }
    }
    ShadowSlot& slot = shadow[k];
    if (!slot.page) {
      slot.page = std::make_unique<ShadowPage>();
      if (!slot.bytes.empty()) {
        const auto v = slot.bytes.view();
        std::copy(v.begin(), v.end(), slot.page->v.begin());
        slot.page->set_all_known();
        slot.bytes = {};
      } else if (cfg.zero_initial) {
        slot.page->set_all_known();
      }
    }
    recent_pages[recent_next] = RecentPage{k, slot.page.get()};
    recent_next ^= 1U;
    return *slot.page;
  }
  // The page's slot, if it was ever touched, as it is (no ShadowPage made).
  const ShadowSlot* peek(PeerId target, std::uint64_t number) const {
    const auto it = shadow.find(PageKey{target, number});
    return it == shadow.end() ? nullptr : &it->second;
  }
  // The whole page now holds `bytes` (kPage of them, all known).
  void share_page(PeerId target, std::uint64_t number, SharedBytes bytes) {
    const PageKey k{target, number};
    ShadowSlot& slot = shadow[k];
    if (slot.page) {
      for (RecentPage& r : recent_pages) {
        if (r.page == slot.page.get()) {
          r = RecentPage{};
        }
      }
      slot.page.reset();
    }
    slot.bytes = std::move(bytes);
    ++n.pages_shared;
  }

  // ---------------------------------------------------------------------------------------
  // Black-box history

  BlockPage* block_page(PeerId target, std::uint32_t token, std::uint64_t page_no, bool make) {
    const BlockKey k{target, token, page_no};
    if (last_page != nullptr && k == last_key) {
      return last_page;
    }
    if (!pending_writes.empty()) {
      if (const auto it = pending_writes.find(k); it != pending_writes.end()) {
        std::vector<PendingWrite> parts = std::move(it->second);
        pending_writes.erase(it);
        for (const PendingWrite& w : parts) {
          materialise(target, token, w);
        }
        make = true; // the entries made it
      }
    }
    BlockPage* pg = nullptr;
    if (make) {
      auto& slot = blocks[k];
      if (!slot) {
        slot = std::make_unique<BlockPage>();
      }
      pg = slot.get();
    } else if (const auto it = blocks.find(k); it != blocks.end()) {
      pg = it->second.get();
    }
    if (pg != nullptr) {
      last_key = k;
      last_page = pg;
    }
    return pg;
  }
  Block& block(PeerId target, std::uint32_t token, std::uint64_t index) {
    BlockPage* pg = block_page(target, token, index / kBlocksPerPage, true);
    auto& b = pg->blocks[static_cast<std::size_t>(index % kBlocksPerPage)];
    if (!b) {
      b = std::make_unique<Block>();
      if (cfg.zero_initial) {
        b->init_known = ~std::uint64_t{0};
      }
    }
    return *b;
  }
  Block* find_block(PeerId target, std::uint32_t token, std::uint64_t index) {
    BlockPage* pg = block_page(target, token, index / kBlocksPerPage, false);
    return pg == nullptr ? nullptr
                         : pg->blocks[static_cast<std::size_t>(index % kBlocksPerPage)].get();
  }

  // Drops entries no read can still see: each of their bytes is covered by a certain later write
  // that completed before every outstanding read was sent (later reads are sent later still).
  void prune(Block& b) {
    if (b.hist.size() < 2) {
      return;
    }
    const std::uint64_t oldest_reader = readers.empty() ? kInf : *readers.begin();
    shadowers_.clear();
    shadowers_so_.clear();
    for (std::size_t k = 0; k < b.hist.size(); ++k) {
      const OpMeta& w = *b.hist[k].w;
      if (w.certain() && w.exec_by < oldest_reader) {
        shadowers_.emplace_back(w.sent, b.hist[k].mask);
        if (w.order == ExecOrder::So) {
          shadowers_so_.push_back(k);
        }
      }
    }
    if (shadowers_.empty()) {
      return;
    }
    std::sort(shadowers_.begin(), shadowers_.end());
    for (std::size_t k = shadowers_.size(); k-- > 1;) {
      shadowers_[k - 1].second |= shadowers_[k].second;
    }
    drop_.assign(b.hist.size(), 0);
    for (std::size_t i = 0; i < b.hist.size(); ++i) {
      const Entry& e = b.hist[i];
      drop_[i] = (e.mask & ~later_certain(e, b, shadowers_, shadowers_so_)) == 0 ? 1 : 0;
    }
    std::size_t kept = 0;
    for (std::size_t i = 0; i < b.hist.size(); ++i) {
      if (drop_[i] != 0) {
        for (std::uint64_t m = b.hist[i].mask; m != 0; m &= m - 1) {
          --b.depth[static_cast<std::size_t>(std::countr_zero(m))];
        }
        --entries;
        ++n.history_dropped;
      } else {
        if (kept != i) {
          b.hist[kept] = std::move(b.hist[i]);
        }
        ++kept;
      }
    }
    b.hist.resize(kept);
  }

  // The bytes of the certain writes in `rt` (first send, suffix union of masks, sorted) and `so`
  // (entry indexes of SO ones) that e's op precedes.
  [[nodiscard]] std::uint64_t
  later_certain(const Entry& e, const Block& b,
                const std::vector<std::pair<std::uint64_t, std::uint64_t>>& rt,
                const std::vector<std::size_t>& so) const {
    std::uint64_t covered = 0;
    if (e.w->exec_by != kInf) { // first sent after e was known executed
      const auto it =
          std::upper_bound(rt.begin(), rt.end(), e.w->exec_by,
                           [](std::uint64_t x, const std::pair<std::uint64_t, std::uint64_t>& c) {
                             return x < c.first;
                           });
      if (it != rt.end()) {
        covered |= it->second;
      }
    }
    for (const std::size_t k : so) {
      const Entry& e2 = b.hist[k];
      if (e2.w != e.w && queue_before(*e.w, *e2.w)) {
        covered |= e2.mask;
      }
    }
    return covered;
  }

  // B2 is not judged on a word with this many wildcards.
  static constexpr std::uint64_t kUnjudged = std::uint64_t{1} << 48;

  // B2: a production of unknown value on every word that `mask` overlaps, except `self`.
  static void touch_words(Block& b, std::uint64_t mask, const AtomicWord* self) {
    for (AtomicWord& w : b.words) {
      if (&w != self && (w.mask() & mask) != 0) {
        ++w.wildcards;
      }
    }
  }

  void add_entry(Block& b, Entry e) {
    if (b.degraded) {
      return;
    }
    const std::uint64_t mask = e.mask;
    for (std::uint64_t m = mask; m != 0; m &= m - 1) {
      ++b.depth[static_cast<std::size_t>(std::countr_zero(m))];
    }
    b.hist.push_back(std::move(e));
    ++entries;
    prune(b);
    bool over = false; // only the new entry's bytes grew
    for (std::uint64_t m = mask; m != 0; m &= m - 1) {
      over = over || b.depth[static_cast<std::size_t>(std::countr_zero(m))] > cfg.history_limit;
    }
    if (over) {
      ++n.history_overflows;
      entries -= b.hist.size();
      b.hist.clear();
      b.hist.shrink_to_fit();
      b.degraded = true;
    }
  }

  // Records `len` bytes written by `meta` at (target, token, uba..): values from `value(i)`
  // (nullopt = unknown), enabled by `enabled(i)`.
  template <class ValueFn, class EnabledFn>
  void record_write(const std::shared_ptr<OpMeta>& meta, PeerId target, std::uint32_t token,
                    std::uint64_t uba, std::uint64_t len, ValueFn&& value, EnabledFn&& enabled,
                    const AtomicWord* self_word = nullptr) {
    std::uint64_t i = 0;
    while (i < len) {
      const std::uint64_t a = uba + i;
      const std::uint64_t idx = a / kBlock;
      const auto off = static_cast<unsigned>(a % kBlock);
      const std::uint64_t n_here = std::min<std::uint64_t>(len - i, kBlock - off);
      Entry e;
      e.w = meta;
      for (std::uint64_t k = 0; k < n_here; ++k) {
        if (!enabled(i + k)) {
          continue;
        }
        const unsigned bit = off + static_cast<unsigned>(k);
        e.mask |= std::uint64_t{1} << bit;
        if (const std::optional<Byte> v = value(i + k)) {
          e.known |= std::uint64_t{1} << bit;
          e.val[bit] = *v;
        }
      }
      if (e.mask != 0) {
        Block& b = block(target, token, idx);
        touch_words(b, e.mask, self_word);
        add_entry(b, std::move(e));
      }
      i += n_here;
    }
  }

  // A plain write's history, from what it posted: parked per page (PendingWrite) when it spans
  // more than one block, so pages nothing else touches never get entries.
  void record_posted_write(const std::shared_ptr<OpMeta>& meta,
                           const std::shared_ptr<const OpPosted>& src) {
    const OpPosted& p = *src;
    const std::uint64_t end = p.uba + p.length;
    if (p.length <= kBlock) {
      materialise(p.target, p.token_id, PendingWrite{meta, src, p.uba, end});
      return;
    }
    for (std::uint64_t lo = p.uba; lo < end;) {
      const std::uint64_t page_no = lo / (kBlock * kBlocksPerPage);
      const std::uint64_t hi = std::min(end, (page_no + 1) * kBlock * kBlocksPerPage);
      const BlockKey k{p.target, p.token_id, page_no};
      auto& parts = pending_writes[k];
      parts.push_back(PendingWrite{meta, src, lo, hi});
      if (last_page != nullptr && k == last_key) {
        last_page = nullptr; // the next look-up of this page must materialise the part
      }
      if (parts.size() >= kMaxPendingPerPage) {
        block_page(p.target, p.token_id, page_no, true);
      }
      lo = hi;
    }
  }

  void materialise(PeerId target, std::uint32_t token, const PendingWrite& w) {
    const OpPosted& p = *w.src;
    const std::vector<Byte>& data = p.payload();
    const std::uint64_t base = w.lo - p.uba;
    record_write(
        w.meta, target, token, w.lo, w.hi - w.lo,
        [&](std::uint64_t i) -> std::optional<Byte> {
          return base + i < data.size() ? std::optional<Byte>{data[base + i]} : std::nullopt;
        },
        [&](std::uint64_t i) {
          return !p.be || p.be->enabled(static_cast<std::size_t>(base + i));
        });
  }

  // The byte's initial value allows v.
  [[nodiscard]] bool initial_allows(const Block* b, unsigned bit, Byte v) const {
    if (b == nullptr) {
      return !cfg.zero_initial || v == 0;
    }
    return ((b->init_known >> bit) & 1U) == 0 || b->init[bit] == v;
  }

  // Entry e at byte `bit` may be what read r saw.
  [[nodiscard]] bool visible(const Block& b, const Entry& e, std::uint64_t m,
                             const OpMeta& r) const {
    if (hb(r, *e.w)) {
      return false; // r executed before e's op
    }
    for (const Entry& e2 : b.hist) {
      if ((e2.mask & m) == 0 || e2.w == e.w || e2.w.get() == &r || !e2.w->certain()) {
        continue;
      }
      if (hb(*e.w, *e2.w) && hb(*e2.w, r)) {
        return false; // overwritten before r executed
      }
    }
    return true;
  }

  [[nodiscard]] bool initial_visible(const Block* b, std::uint64_t m, const OpMeta& r) const {
    if (b == nullptr) {
      return true;
    }
    return std::none_of(b->hist.begin(), b->hist.end(), [&](const Entry& e) {
      return (e.mask & m) != 0 && e.w.get() != &r && e.w->certain() && hb(*e.w, r);
    });
  }

  // The allowed set, for a message.
  [[nodiscard]] std::string allowed_set(const Block* b, unsigned bit, const OpMeta& r) const {
    const std::uint64_t m = std::uint64_t{1} << bit;
    std::string s;
    auto add = [&](const std::string& x) { s += s.empty() ? x : ", " + x; };
    if (b != nullptr) {
      for (const Entry& e : b->hist) {
        if ((e.mask & m) == 0 || e.w.get() == &r || !visible(*b, e, m, r)) {
          continue;
        }
        add((e.known & m) != 0 ? fmt::format("{:02x} (op {})", unsigned{e.val[bit]}, e.w->op)
                               : fmt::format("any (op {})", e.w->op));
      }
    }
    if (initial_visible(b, m, r)) {
      const bool known = b != nullptr ? ((b->init_known >> bit) & 1U) != 0 : cfg.zero_initial;
      add(known ? fmt::format("{:02x} (initial)", b != nullptr ? unsigned{b->init[bit]} : 0U)
                : std::string{"any (initial)"});
    }
    return "{" + s + "}";
  }

  // B1 for one read: per block, which entries it may see (O(h^2) once), then per byte O(h).
  void judge_read(const PendingRead& pr) {
    const OpMeta& r = *pr.meta;
    ++n.reads_checked;
    std::uint64_t bad = 0;
    std::uint64_t first = 0;
    Byte got = 0;
    const Block* b = nullptr;
    std::uint64_t i = 0;
    while (i < pr.data.size()) {
      const std::uint64_t a0 = pr.uba + i;
      const auto off = static_cast<unsigned>(a0 % kBlock);
      const std::uint64_t n_here = std::min<std::uint64_t>(pr.data.size() - i, kBlock - off);
      b = find_block(pr.target, pr.token, a0 / kBlock);
      if (b != nullptr && b->degraded) {
        n.bytes_unchecked += n_here;
        i += n_here;
        continue;
      }
      n.bytes_checked += n_here;
      std::uint64_t init_hidden = 0; // bytes a certain write before r covers
      const std::size_t h = b != nullptr ? b->hist.size() : 0;
      vis_.assign(h, 0);
      // The certain writes before r, by first send, with the union of the masks of those sent
      // later (suffix), so "hidden by a write known to come after e" is one binary search;
      // queue-ordered ones (SO) are few and checked one by one.
      cb_.clear();
      cb_so_.clear();
      for (std::size_t k = 0; k < h; ++k) {
        const Entry& e = b->hist[k];
        if (e.w.get() != &r && e.w->certain() && hb(*e.w, r)) {
          cb_.emplace_back(e.w->sent, e.mask);
          init_hidden |= e.mask;
          if (e.w->order == ExecOrder::So) {
            cb_so_.push_back(k);
          }
        }
      }
      std::sort(cb_.begin(), cb_.end());
      for (std::size_t k = cb_.size(); k-- > 1;) {
        cb_[k - 1].second |= cb_[k].second;
      }
      for (std::size_t k = 0; k < h; ++k) {
        const Entry& e = b->hist[k];
        if (e.w.get() == &r || hb(r, *e.w)) {
          continue; // its own write, or one that ran after r
        }
        vis_[k] = e.mask & ~later_certain(e, *b, cb_, cb_so_);
      }
      for (std::uint64_t k = 0; k < n_here; ++k) {
        const unsigned bit = off + static_cast<unsigned>(k);
        const std::uint64_t m = std::uint64_t{1} << bit;
        const Byte v = pr.data[i + k];
        bool allowed = (init_hidden & m) == 0 && initial_allows(b, bit, v);
        for (std::size_t e = h; e-- > 0 && !allowed;) { // the newest are the likeliest
          const Entry& en = b->hist[e];
          allowed = (vis_[e] & m) != 0 && ((en.known & m) == 0 || en.val[bit] == v);
        }
        if (!allowed && bad++ == 0) {
          first = a0 + k;
          got = v;
        }
      }
      i += n_here;
    }
    if (bad != 0) {
      b = find_block(pr.target, pr.token, first / kBlock);
      report(OracleCheck::B1, pr.op, std::nullopt, pr.t,
             fmt::format("target {} token {} uba {:#x}: read {:02x}, allowed {} ({} of {} bytes "
                         "not allowed)",
                         pr.target, pr.token, first, unsigned{got},
                         allowed_set(b, static_cast<unsigned>(first % kBlock), r), bad,
                         pr.data.size()));
    }
    if (r.sent != kInf) {
      if (const auto it = readers.find(r.sent); it != readers.end()) {
        readers.erase(it);
      }
    }
  }

  // Judges the queue's waiting reads whose earlier RO/SO ops have all completed.
  void run_pending(QueueState& q) {
    while (!q.pending.empty()) {
      const PendingRead& pr = q.pending.front();
      if (!q.open_ordered.empty() && q.open_ordered.begin()->first < pr.meta->seq) {
        break;
      }
      judge_read(pr);
      q.pending.pop_front();
    }
  }

  // ---------------------------------------------------------------------------------------
  // B2

  AtomicWord& word_for(Block& b, unsigned off, unsigned size, std::uint64_t init_mask) {
    for (AtomicWord& w : b.words) {
      if (w.off == off && w.size == size) {
        return w;
      }
    }
    AtomicWord w;
    w.off = off;
    w.size = size;
    // The word's value now: the initial one if never written; else the value of the one certain
    // write every other overlapping write precedes, if all of them are certain; else unknown.
    // A write not yet known to have executed may also run later, after atomics on the word read
    // it: each is one more production of unknown value (found by fuzz_txn_program: a plain write
    // in flight when the word's first atomic went out, read by a later atomic).
    bool written = false;
    bool all_certain = true;
    std::uint64_t pending = 0;
    const Entry* top = nullptr;
    for (const Entry& e : b.hist) {
      if ((e.mask & init_mask) == 0) {
        continue;
      }
      written = true;
      all_certain = all_certain && e.w->certain();
      pending += e.w->certain() ? 0U : 1U;
      if ((e.mask & init_mask) != init_mask || (e.known & init_mask) != init_mask) {
        continue;
      }
      const bool latest = std::all_of(b.hist.begin(), b.hist.end(), [&](const Entry& o) {
        return &o == &e || (o.mask & init_mask) == 0 || hb(*o.w, *e.w);
      });
      if (latest) {
        top = &e;
      }
    }
    if (b.degraded) {
      w.wildcards = kUnjudged; // the block's history is gone: what ran before is not known
    } else if (!written && (b.init_known & init_mask) == init_mask) {
      w.balance[std::vector<Byte>(b.init.begin() + off, b.init.begin() + off + size)] = 1;
    } else if (written && all_certain && top != nullptr) {
      w.balance[std::vector<Byte>(top->val.begin() + off, top->val.begin() + off + size)] = 1;
    } else {
      w.wildcards = 1 + pending; // the starting value is not known, and those writes may follow
    }
    b.words.push_back(std::move(w));
    return b.words.back();
  }

  static void adjust(AtomicWord& w, const std::vector<Byte>& v, std::int64_t delta) {
    auto& c = w.balance[v];
    const std::int64_t before = c;
    c += delta;
    const auto neg = [](std::int64_t x) { return x < 0 ? static_cast<std::uint64_t>(-x) : 0U; };
    w.deficit = w.deficit + neg(c) - neg(before);
    if (c == 0) {
      w.balance.erase(v);
    }
  }

  // ---------------------------------------------------------------------------------------
  // Events

  void posted(const OpPosted& p) {
    tick(p.t);
    if (ops.contains(p.op)) {
      report(OracleCheck::Input, p.op, std::nullopt, p.t, "op id posted twice");
      return;
    }
    ++n.ops_posted;
    QueueState& q = queue_of(p);
    if (q.any && p.seq <= q.last_seq) {
      report(OracleCheck::Input, p.op, std::nullopt, p.t,
             fmt::format("queue {} of initiator {}: seq {} after seq {}", p.queue, p.initiator,
                         p.seq, q.last_seq));
    }
    q.any = true;
    q.last_seq = std::max(q.last_seq, p.seq);

    OpRec r;
    r.p = std::make_shared<const OpPosted>(p);
    r.posted_t = p.t;
    r.meta = std::make_shared<OpMeta>();
    r.meta->op = p.op;
    r.meta->initiator = p.initiator;
    r.meta->queue = p.queue;
    r.meta->seq = p.seq;
    r.meta->order = p.order;
    r.meta->mode = p.mode;
    r.reserved_opcode = !ta_opcode_info(static_cast<std::uint8_t>(p.opcode)).has_value();
    if (!r.reserved_opcode) {
      if (is_memory_write_op(p.opcode) || is_read_op(p.opcode) || is_atomic_op(p.opcode) ||
          (is_send_op(p.opcode) && cfg.sends_execute)) {
        r.expected_bytes = p.length;
      }
      r.expects_notify = p.opcode == TaOpcode::WriteWithNotify && p.notify_uba.has_value();
      r.expects_receive = is_send_op(p.opcode) || p.opcode == TaOpcode::WriteWithImmediate;
      if ((is_memory_write_op(p.opcode) || is_send_op(p.opcode)) &&
          p.payload().size() != p.length) {
        report(OracleCheck::Input, p.op, std::nullopt, p.t,
               fmt::format("length {} but {} data bytes", p.length, p.payload().size()));
      }
    }
    q.open_all.emplace(p.seq, p.op);
    q.open_cqe.emplace(p.seq, p.op);
    unreported[p.op] = Unreported{QueueKey{p.initiator, p.queue}, p.seq, p.comp_order};
    if (p.order != ExecOrder::No) {
      q.open_ordered.emplace(p.seq, p.op);
    }
    if (is_read_op(p.opcode) || is_atomic_op(p.opcode)) {
      q.open_readlike.emplace(p.seq, p.op);
    }
    ops.emplace(p.op, std::move(r));
  }

  void first_send(OpRec& r, const SliceSent& s) {
    const OpPosted& p = *r.p;
    r.meta->sent = ev;
    QueueState& q = queue_of(p);
    // W6: ROI sends an SO op only after the responses of its earlier RO/SO ops.
    if (p.mode == TaMode::Roi && p.order == ExecOrder::So && !q.open_ordered.empty() &&
        q.open_ordered.begin()->first < p.seq) {
      const OpId dep = q.open_ordered.begin()->second;
      report(OracleCheck::W6, p.op, dep, s.t,
             fmt::format("ROI SO op sent before earlier RO/SO op {} of queue {} completed", dep,
                         p.queue));
    }
    // W6: a fence waits for the earlier Reads and Atomics (note to Table 7-13).
    if (p.fence && !q.open_readlike.empty() && q.open_readlike.begin()->first < p.seq) {
      const OpId dep = q.open_readlike.begin()->second;
      report(OracleCheck::W6, p.op, dep, s.t,
             fmt::format("fenced op sent before earlier read/atomic op {} of queue {} completed",
                         dep, p.queue));
    }
    if (p.expect_denied || r.reserved_opcode) {
      return;
    }
    if (returns_value(p.opcode)) {
      readers.insert(ev);
      r.reader = true;
    }
    // Black-box history: what this op may write, from what it posted.
    if (is_memory_write_op(p.opcode)) {
      record_posted_write(r.meta, r.p);
      if (r.expects_notify) {
        record_write(
            r.meta, p.target, p.notify_token_id, *p.notify_uba, 8,
            [&](std::uint64_t i) -> std::optional<Byte> {
              return static_cast<Byte>(p.notify_data >> (8 * i));
            },
            [](std::uint64_t) { return true; });
      }
    } else if (is_atomic_op(p.opcode) && p.length > 0 && p.length <= kBlock &&
               p.uba % p.length == 0) {
      Block& b = block(p.target, p.token_id, p.uba / kBlock);
      const auto off = static_cast<unsigned>(p.uba % kBlock);
      const std::uint64_t wmask =
          (p.length >= 64 ? ~std::uint64_t{0} : ((std::uint64_t{1} << p.length) - 1)) << off;
      AtomicWord& w = word_for(b, off, p.length, wmask);
      ++w.inflight;
      r.word_block = &b;
      r.word = static_cast<std::size_t>(&w - b.words.data());
      r.word_inflight = true;
      record_write(
          r.meta, p.target, p.token_id, p.uba, p.length,
          [](std::uint64_t) { return std::optional<Byte>{}; }, [](std::uint64_t) { return true; },
          &w);
    }
  }

  void sent(const SliceSent& s) {
    tick(s.t);
    OpRec* rp = find_op(s.op);
    if (rp == nullptr) {
      report(OracleCheck::Input, s.op, std::nullopt, s.t, "slice sent for an unknown op");
      return;
    }
    OpRec& r = *rp;
    if (r.reserved_opcode) {
      report(OracleCheck::W10, s.op, std::nullopt, s.t,
             fmt::format("reserved opcode {:#x} sent", static_cast<unsigned>(r.p->opcode)));
    }
    if (r.completed && !r.meta->unconfirmed) { // completing at send may be reported first
      report(OracleCheck::W10, s.op, std::nullopt, s.t,
             fmt::format("slice {} sent after the op completed", s.slice));
    }
    if (s.key.target != r.p->target || s.key.initiator != r.p->initiator) {
      report(OracleCheck::Input, s.op, std::nullopt, s.t,
             fmt::format("slice key names initiator {} target {}, the op {} -> {}", s.key.initiator,
                         s.key.target, r.p->initiator, r.p->target));
    }
    if (s.slice >= kMaxSlices) {
      report(OracleCheck::Input, s.op, std::nullopt, s.t,
             fmt::format("slice index {} too large", s.slice));
      return;
    }
    if (r.meta->sent == kInf) {
      first_send(r, s);
    }
    if (r.slices.size() <= s.slice) {
      r.slices.resize(s.slice + 1);
    }
    SliceRec& sl = r.slices[s.slice];
    if (!sl.seen) {
      sl.seen = true;
      sl.offset = s.offset;
      sl.length = s.length;
      sl.notify = s.notify;
      sl.first_sent = ev;
    }
    if (std::find(sl.keys.begin(), sl.keys.end(), s.key) == sl.keys.end()) {
      sl.keys.push_back(s.key);
    }
    keys[s.key] = {s.op, s.slice};
    failed_keys.erase(s.key);
  }

  // W2 (and the location part of W9): replays one execution on the shadow memory.
  void replay(OpRec& r, const SliceRec& sl, const Executed& e) {
    const OpPosted& p = *r.p;
    const std::span<const Byte> before = e.before_bytes();
    const std::span<const Byte> after = e.after_bytes();
    const std::size_t nb = before.size();
    const bool read_op = is_read_op(p.opcode) || p.opcode == TaOpcode::PrefetchTgt;
    const MemAccess want = e.notify                 ? MemAccess::Write
                           : read_op                ? MemAccess::Read
                           : is_atomic_op(p.opcode) ? MemAccess::Atomic
                                                    : MemAccess::Write;
    const PeerId tgt = e.key.target;
    if (e.access != want) {
      report(OracleCheck::W2, p.op, std::nullopt, e.t,
             fmt::format("target {} pa {:#x}: executed as {}, the op is a {}", tgt, e.pa,
                         to_string(e.access), to_string(want)));
    }
    // Location (W9): the access is at the (TokenID, UBA) the op addresses.
    if (!is_send_op(p.opcode)) {
      const std::uint32_t tok = e.notify ? p.notify_token_id : p.token_id;
      const std::uint64_t uba = e.notify ? p.notify_uba.value_or(0) : p.uba + sl.offset + e.offset;
      if (e.token_id != tok || e.uba != uba) {
        report(OracleCheck::W9, p.op, std::nullopt, e.t,
               fmt::format("target {}: executed at token {} uba {:#x}, the op addresses token {} "
                           "uba {:#x}",
                           tgt, e.token_id, e.uba, tok, uba));
      }
    }
    const bool writes = e.access != MemAccess::Read;
    if (writes && after.size() != nb) {
      report(OracleCheck::W2, p.op, std::nullopt, e.t,
             fmt::format("target {} pa {:#x}: before has {} bytes, after {}", tgt, e.pa, nb,
                         after.size()));
      return;
    }
    // A plain write (most of the bytes a run moves) is judged in place, page by page: its
    // "before" must be the shadow and its "after" the op's data. Anything else, or a mismatch,
    // takes the general path below, which finds the same shadow (seeding is idempotent) and
    // reports what differs.
    if (e.access == MemAccess::Write && want == MemAccess::Write && !e.notify && !p.be &&
        e.returned.empty() && sl.offset + e.offset + nb <= p.payload().size()) {
      const auto data = std::span<const Byte>(p.payload()).subspan(sl.offset + e.offset, nb);
      if (write_matches(tgt, e, data)) {
        // Whole pages keep the target's shared bytes, once they are checked to be the data.
        // (write_matches found "after" equal to the data: the same bytes need no second look.)
        const std::span<const Byte> shared = e.after_share.view();
        const bool share = shared.size() == nb &&
                           (shared.data() == after.data() ||
                            std::equal(shared.begin(), shared.end(), data.begin(), data.end()));
        for_each_page_chunk(
            e.pa, nb, [&](std::uint64_t pno, std::size_t o, std::size_t i, std::size_t len) {
              if (share && len == kPage) {
                share_page(tgt, pno, e.after_share.narrow(shared.subspan(i, len)));
              } else {
                ShadowPage& pg = page(tgt, pno);
                std::copy_n(after.begin() + static_cast<std::ptrdiff_t>(i), len,
                            pg.v.begin() + static_cast<std::ptrdiff_t>(o));
                if (len == kPage) {
                  pg.set_all_known(); // write_matches made no ShadowPage for it: all written now
                }
              }
            });
        return;
      }
    }
    // The shadow ("cur"), seeded from "before" where unknown.
    std::vector<Byte> cur(nb);
    for_each_page_chunk(e.pa, nb,
                        [&](std::uint64_t pno, std::size_t o, std::size_t i, std::size_t len) {
                          ShadowPage& pg = page(tgt, pno);
                          pg.seed(o, len, before.data() + i);
                          std::copy_n(pg.v.begin() + static_cast<std::ptrdiff_t>(o), len,
                                      cur.begin() + static_cast<std::ptrdiff_t>(i));
                        });
    std::size_t before_bad = 0;
    std::size_t before_first = 0;
    if (!std::equal(before.begin(), before.end(), cur.begin(), cur.end())) {
      for (std::size_t i = 0; i < nb; ++i) {
        if (before[i] != cur[i] && before_bad++ == 0) {
          before_first = i;
        }
      }
    }
    if (before_bad != 0) {
      report(OracleCheck::W2, p.op, std::nullopt, e.t,
             fmt::format("target {} pa {:#x}: before {:02x}, shadow {:02x} ({} of {} bytes "
                         "differ)",
                         tgt, e.pa + before_first, unsigned{before[before_first]},
                         unsigned{cur[before_first]}, before_bad, nb));
    }
    // What the access should have done.
    std::vector<Byte> want_after = cur;
    std::vector<Byte> want_ret;
    bool computable = true;
    if (e.access == MemAccess::Read) {
      want_ret = cur;
      if (!after.empty() && !std::equal(after.begin(), after.end(), before.begin(), before.end())) {
        report(OracleCheck::W2, p.op, std::nullopt, e.t,
               fmt::format("target {} pa {:#x}: a read changed memory", tgt, e.pa));
      }
    } else if (e.access == MemAccess::Atomic) {
      const auto res = apply_atomic(p.opcode, want_after, p.payload(), p.subop, p.uba);
      if (!res) {
        report(OracleCheck::W2, p.op, std::nullopt, e.t,
               fmt::format("target {} pa {:#x}: executed an atomic the ALU refuses: {}", tgt, e.pa,
                           to_string(res.error())));
        computable = false;
      } else {
        want_ret = *res;
      }
    } else if (e.notify) {
      if (nb != 8) {
        report(OracleCheck::W2, p.op, std::nullopt, e.t,
               fmt::format("target {} pa {:#x}: notify write of {} bytes, not 8", tgt, e.pa, nb));
        computable = false;
      } else {
        for (std::size_t i = 0; i < 8; ++i) {
          want_after[i] = static_cast<Byte>(p.notify_data >> (8 * i));
        }
      }
    } else {
      const std::uint64_t base = sl.offset + e.offset;
      for (std::size_t i = 0; i < nb && computable; ++i) {
        const std::uint64_t j = base + i;
        if (j >= p.payload().size()) {
          report(OracleCheck::W2, p.op, std::nullopt, e.t,
                 fmt::format("target {} pa {:#x}: wrote op byte {}, beyond its {} data bytes", tgt,
                             e.pa + i, j, p.payload().size()));
          computable = false;
        } else if (!p.be || p.be->enabled(static_cast<std::size_t>(j))) {
          want_after[i] = p.payload()[j];
        }
      }
    }
    if (computable) {
      if (writes && !std::equal(after.begin(), after.end(), want_after.begin(), want_after.end())) {
        std::size_t i = 0;
        while (after[i] == want_after[i]) {
          ++i;
        }
        report(OracleCheck::W2, p.op, std::nullopt, e.t,
               fmt::format("target {} pa {:#x}: after {:02x}, expected {:02x}", tgt, e.pa + i,
                           unsigned{after[i]}, unsigned{want_after[i]}));
      }
      if (e.returned != want_ret) {
        report(OracleCheck::W2, p.op, std::nullopt, e.t,
               fmt::format("target {} pa {:#x}: returned {}, expected {}", tgt, e.pa,
                           hex_bytes(e.returned), hex_bytes(want_ret)));
      }
    }
    if (writes) {
      for_each_page_chunk(e.pa, nb,
                          [&](std::uint64_t pno, std::size_t o, std::size_t i, std::size_t len) {
                            std::copy_n(after.begin() + static_cast<std::ptrdiff_t>(i), len,
                                        page(tgt, pno).v.begin() + static_cast<std::ptrdiff_t>(o));
                          });
    }
  }

  // Calls f(page number, offset in the page, offset in the access, length) for each part of
  // the access [pa, pa + nb) that one shadow page holds.
  template <class F>
  static void for_each_page_chunk(std::uint64_t pa, std::size_t nb, F&& f) {
    for (std::size_t i = 0; i < nb;) {
      const std::uint64_t a = pa + i;
      const auto o = static_cast<std::size_t>(a % kPage);
      const std::size_t len = std::min<std::size_t>(nb - i, kPage - o);
      f(a / kPage, o, i, len);
      i += len;
    }
  }

  // The plain write's checks of replay() without building copies: the shadow (seeded from
  // "before" where unknown) equals "before", and "after" equals the op's data.
  bool write_matches(PeerId tgt, const Executed& e, std::span<const Byte> data) {
    const std::span<const Byte> after = e.after_bytes();
    if (!std::equal(after.begin(), after.end(), data.begin(), data.end())) {
      return false;
    }
    const std::span<const Byte> before_all = e.before_bytes();
    bool same = true;
    for_each_page_chunk(
        e.pa, before_all.size(),
        [&](std::uint64_t pno, std::size_t o, std::size_t i, std::size_t len) {
          if (len == kPage) {
            // A whole page that has no ShadowPage is judged without one (the
            // write replaces all of it): never touched, or shared bytes.
            const ShadowSlot* slot = peek(tgt, pno);
            const auto before = before_all.subspan(i, len);
            if (slot == nullptr || (!slot->page && slot->bytes.empty())) {
              same = same && (!cfg.zero_initial || all_zero(before));
              return;
            }
            if (!slot->page) {
              // The shadow's bytes and the target's are often the same packet's (both kept
              // it): then they are equal without a look.
              const auto v = slot->bytes.view();
              same = same && ((v.data() == before.data() && v.size() == before.size()) ||
                              std::equal(v.begin(), v.end(), before.begin(), before.end()));
              return;
            }
          }
          ShadowPage& pg = page(tgt, pno);
          pg.seed(o, len, before_all.data() + i);
          same = same && std::equal(pg.v.begin() + static_cast<std::ptrdiff_t>(o),
                                    pg.v.begin() + static_cast<std::ptrdiff_t>(o + len),
                                    before_all.begin() + static_cast<std::ptrdiff_t>(i));
        });
    return same;
  }

  void executed(const Executed& e) {
    tick(e.t);
    ++n.executions;
    const auto kit = keys.find(e.key);
    if (kit == keys.end()) {
      // Keep the shadow in step with the target, so one stray access is reported once.
      if (e.access != MemAccess::Read) {
        const std::span<const Byte> after = e.after_bytes();
        for (std::size_t i = 0; i < after.size(); ++i) {
          const std::uint64_t a = e.pa + i;
          page(e.key.target, a / kPage).store(static_cast<std::size_t>(a % kPage), after[i]);
        }
      }
      if (const auto f = failed_keys.find(e.key); f != failed_keys.end()) {
        report(OracleCheck::W1, f->second, std::nullopt, e.t,
               fmt::format("target {} pa {:#x}: executed after its op had failed (with "
                           "late_execution off a failed op must not run later)",
                           e.key.target, e.pa));
        return;
      }
      report(OracleCheck::W1, 0, std::nullopt, e.t,
             fmt::format("target {} pa {:#x}: executed key (initiator {}, rc {}/{}, tassn {}) "
                         "that no outstanding slice was sent with",
                         e.key.target, e.pa, e.key.initiator, e.key.rc_type, e.key.rc_id,
                         e.key.tassn));
      return;
    }
    const auto [id, slice] = kit->second;
    OpRec* rp = find_op(id);
    if (rp == nullptr || rp->slices.size() <= slice) {
      keys.erase(kit);
      return;
    }
    OpRec& r = *rp;
    const OpPosted& p = *r.p;
    SliceRec& sl = r.slices[slice];

    if (p.expect_denied) {
      report(OracleCheck::W9, id, std::nullopt, e.t,
             fmt::format("target {} token {} uba {:#x}: executed although its access must be "
                         "refused",
                         e.key.target, e.token_id, e.uba));
    }
    // W1: each packet at most once.
    if (e.notify) {
      if (++r.notify_execs > 1) {
        report(
            OracleCheck::W1, id, std::nullopt, e.t,
            fmt::format("target {}: notify write executed {} times", e.key.target, r.notify_execs));
      }
    } else if (e.packet >= kMaxPackets) {
      report(OracleCheck::Input, id, std::nullopt, e.t,
             fmt::format("packet index {} too large", e.packet));
    } else {
      if (sl.packets.size() <= e.packet) {
        sl.packets.resize(e.packet + 1);
      }
      if (++sl.packets[e.packet] > 1) {
        report(OracleCheck::W1, id, std::nullopt, e.t,
               fmt::format("target {} pa {:#x}: slice {} packet {} executed {} times", e.key.target,
                           e.pa, slice, e.packet, unsigned{sl.packets[e.packet]}));
        sl.packets[e.packet] = 2; // saturate
      }
    }
    // W5: an SO op starts only after its earlier RO/SO ops executed or finally failed.
    if (!r.exec_started) {
      r.exec_started = true;
      if (p.order == ExecOrder::So && ordered_mode(p.mode)) {
        const QueueState& q = queue_of(p);
        for (const auto& [seq, dep] : q.open_ordered) {
          if (seq >= p.seq) {
            break;
          }
          OpRec* a = find_op(dep);
          if (a != nullptr && !a->fully_executed()) {
            std::string where = fmt::format("target {} pa {:#x}: SO op executed before earlier "
                                            "RO/SO op {} of queue {} executed or failed",
                                            e.key.target, e.pa, dep, p.queue);
            // Judged once the earlier op executes more (a violation) or fails (none): also when
            // part of it has run, since its last slices may have been refused for good before
            // this op started (a multi-slice op whose tail meets a final error).
            a->w5_waiting.push_back({id, e.t, std::move(where)});
          }
        }
      }
    }
    // W5 deferred: this op executes after a later SO op of its queue started.
    for (auto& later : r.w5_waiting) {
      report(OracleCheck::W5, later.op, id, later.t, std::move(later.where));
    }
    r.w5_waiting.clear();
    // W7: the notify write only after all the data.
    if (e.notify && r.expected_bytes && r.executed_bytes < *r.expected_bytes) {
      report(OracleCheck::W7, id, std::nullopt, e.t,
             fmt::format("target {} pa {:#x}: notify written after {} of {} data bytes",
                         e.key.target, e.pa, r.executed_bytes, *r.expected_bytes));
    }
    replay(r, sl, e);
    if (!e.notify) {
      const std::size_t nb =
          e.access == MemAccess::Write ? e.after_bytes().size() : e.before_bytes().size();
      r.executed_bytes += nb;
      if (r.expected_bytes && r.executed_bytes > *r.expected_bytes) {
        report(OracleCheck::W1, id, std::nullopt, e.t,
               fmt::format("target {}: {} bytes executed for an op of {}", e.key.target,
                           r.executed_bytes, *r.expected_bytes));
      }
      // Keep what a read returned, at its op offset, for W3.
      if (returns_value(p.opcode)) {
        const std::uint64_t base = sl.offset + e.offset;
        const std::uint64_t len = p.length;
        if (r.returned.size() < len) {
          r.returned.resize(len);
          r.returned_mask.resize(len);
        }
        for (std::size_t i = 0; i < e.returned.size() && base + i < len; ++i) {
          r.returned[base + i] = e.returned[i];
          r.returned_mask[base + i] = true;
        }
      }
      // A Send's bytes land where the target chose: learn them for the black-box.
      if (is_send_op(p.opcode) && !p.expect_denied && e.access == MemAccess::Write) {
        const std::uint64_t base = sl.offset + e.offset;
        const std::vector<Byte>& data = p.payload();
        record_write(
            r.meta, e.key.target, e.token_id, e.uba, e.after_bytes().size(),
            [&](std::uint64_t i) -> std::optional<Byte> {
              return base + i < data.size() ? std::optional<Byte>{data[base + i]} : std::nullopt;
            },
            [](std::uint64_t) { return true; });
      }
    }
    maybe_retire(r);
  }

  void completed(const OpCompleted& c) {
    tick(c.t);
    OpRec* rp = find_op(c.op);
    if (rp == nullptr) {
      report(OracleCheck::W10, c.op, std::nullopt, c.t,
             "completion of an op that is unknown or already completed");
      return;
    }
    OpRec& r = *rp;
    const OpPosted& p = *r.p;
    if (r.completed) {
      report(OracleCheck::W10, c.op, std::nullopt, c.t,
             fmt::format("completed twice ({}, then {})", fn::to_string(r.status),
                         fn::to_string(c.status)));
      return;
    }
    ++n.ops_checked;
    r.completed = true;
    r.status = c.status;
    r.w5_waiting.clear(); // a failed op never executes after this (W1 otherwise)
    OpMeta& m = *r.meta;
    m.done = ev;
    m.success = c.status == fn::CqeStatus::Success;
    // Requests that get no answer (UNO, Prefetch_tgt, Management: §7.4) complete at send; that
    // says nothing of when they, or the ops before them, executed.
    m.unconfirmed = c.unconfirmed || p.mode == TaMode::Uno || p.opcode == TaOpcode::PrefetchTgt ||
                    p.opcode == TaOpcode::Management;

    QueueState& q = queue_of(p);
    q.open_all.erase(p.seq);
    q.open_ordered.erase(p.seq);
    q.open_readlike.erase(p.seq);

    // W9 / W10: the status the harness can predict. A denied op whose request never reached
    // the permission check (flushed before it went out, lost, or refused RNR / page fault until
    // the retry limit: those come first, §9.4.1) completes with that instead.
    const bool unchecked = c.status == fn::CqeStatus::Flushed ||
                           c.status == fn::CqeStatus::TransactionAckTimeout ||
                           c.status == fn::CqeStatus::TransactionRetryExceeded;
    if (p.expect_denied && c.status != fn::CqeStatus::RemoteAccessAbort && !unchecked) {
      report(OracleCheck::W9, c.op, std::nullopt, c.t,
             fmt::format("completed '{}', expected 'remote access abort' (bad token or "
                         "permission)",
                         fn::to_string(c.status)));
    } else if (!p.expect_denied && c.status == fn::CqeStatus::RemoteAccessAbort) {
      report(OracleCheck::W9, c.op, std::nullopt, c.t,
             fmt::format("completed 'remote access abort' at target {} token {} uba {:#x}, but "
                         "its access was allowed",
                         p.target, p.token_id, p.uba));
    }
    if (r.reserved_opcode && c.status != fn::CqeStatus::UnsupportedOpcode) {
      report(OracleCheck::W10, c.op, std::nullopt, c.t,
             fmt::format("reserved opcode {:#x} completed '{}', expected 'unsupported opcode'",
                         static_cast<unsigned>(p.opcode), fn::to_string(c.status)));
    }

    // When it is known to have executed.
    m.late = !m.success && (cfg.late_execution || c.abandoned);
    if (m.certain() || (!m.success && !m.late)) {
      m.exec_by = std::min(m.exec_by, ev);
    } else if (!m.success) {
      m.exec_by = kInf; // late_execution: a failed op may still run
    }
    if (m.certain() && p.order == ExecOrder::So && ordered_mode(p.mode)) {
      for (const auto& [seq, dep] : q.open_ordered) {
        if (seq >= p.seq) {
          break;
        }
        if (OpRec* a = find_op(dep); a != nullptr && a->meta->sent != kInf) {
          a->meta->exec_by = std::min(a->meta->exec_by, ev); // after its first send: ev is now
        }
      }
    }

    // W4: success only after every packet of every slice executed.
    if (m.certain() && !p.expect_denied && !r.fully_executed()) {
      r.early = true;
      report(OracleCheck::W4, c.op, std::nullopt, c.t,
             fmt::format("completed with {} of {} data bytes executed{}", r.executed_bytes,
                         r.expected_bytes.value_or(0),
                         r.expects_notify && r.notify_execs == 0 ? " and no notify write" : ""));
    }

    // W3: the data the initiator got.
    if (m.success && is_read_op(p.opcode)) {
      if (c.data.size() != p.length) {
        report(OracleCheck::W3, c.op, std::nullopt, c.t,
               fmt::format("read of {} bytes completed with {} bytes", p.length, c.data.size()));
      }
      for (std::size_t i = 0; i < c.data.size() && i < r.returned.size(); ++i) {
        if (r.returned_mask[i] && c.data[i] != r.returned[i]) {
          report(OracleCheck::W3, c.op, std::nullopt, c.t,
                 fmt::format("target {} uba {:#x}: completion byte {:02x}, executed {:02x}",
                             p.target, p.uba + i, unsigned{c.data[i]}, unsigned{r.returned[i]}));
          break;
        }
      }
    } else if (m.success && is_atomic_op(p.opcode)) {
      if (p.opcode == TaOpcode::AtomicStore) {
        if (!c.data.empty()) {
          report(OracleCheck::W3, c.op, std::nullopt, c.t,
                 fmt::format("Atomic_store completed with {} bytes of data", c.data.size()));
        }
      } else if (c.data.size() != p.length) {
        report(OracleCheck::W3, c.op, std::nullopt, c.t,
               fmt::format("atomic of {} bytes returned {}", p.length, hex_bytes(c.data)));
      } else if (r.returned.size() == p.length &&
                 std::all_of(r.returned_mask.begin(), r.returned_mask.end(),
                             [](bool b) { return b; }) &&
                 c.data != r.returned) {
        report(OracleCheck::W3, c.op, std::nullopt, c.t,
               fmt::format("target {} uba {:#x}: atomic old value {}, executed {}", p.target, p.uba,
                           hex_bytes(c.data), hex_bytes(r.returned)));
      }
    }

    // Black-box: the atomic's new value is known now; B2 chain.
    if (r.word_inflight) {
      // Writes parked on the word's page since the atomic was sent produced values the chain
      // must count (touch_words) before it is judged.
      block_page(p.target, p.token_id, p.uba / kBlock / kBlocksPerPage, true);
      AtomicWord& w = r.word_block->words[r.word];
      --w.inflight;
      r.word_inflight = false;
      std::optional<std::vector<Byte>> produced;
      if (m.success && p.opcode != TaOpcode::AtomicStore && c.data.size() == p.length) {
        std::vector<Byte> v = c.data;
        if (apply_atomic(p.opcode, v, p.payload(), p.subop).has_value()) {
          produced = v;
        }
        adjust(w, c.data, -1);
      }
      if (produced) {
        adjust(w, *produced, +1);
        for (Entry& e : r.word_block->hist) {
          if (e.w == r.meta) {
            for (unsigned i = 0; i < w.size; ++i) {
              e.val[w.off + i] = (*produced)[i];
            }
            e.known = e.mask;
          }
        }
      } else {
        ++w.wildcards;
      }
      if (w.deficit > w.wildcards + w.inflight) {
        report(OracleCheck::B2, c.op, std::nullopt, c.t,
               fmt::format("target {} token {} uba {:#x}: old value {} consumed more often than "
                           "any write or atomic produced it (lost update)",
                           p.target, p.token_id, p.uba, hex_bytes(c.data)));
        w.wildcards += w.deficit; // report once
      }
    }

    // Black-box: judge the read, now or once its earlier RO/SO ops are done.
    if (r.reader) {
      r.reader = false;
      PendingRead pr{c.op, r.meta, p.target, p.token_id, p.uba, {}, c.t};
      if (m.success) {
        pr.data.assign(c.data.begin(),
                       c.data.begin() + static_cast<std::ptrdiff_t>(
                                            std::min<std::size_t>(c.data.size(), p.length)));
        if (p.order == ExecOrder::So && ordered_mode(p.mode) && !q.open_ordered.empty() &&
            q.open_ordered.begin()->first < p.seq) {
          q.pending.push_back(std::move(pr));
        } else {
          judge_read(pr);
        }
      } else if (const auto it = readers.find(m.sent); it != readers.end()) {
        readers.erase(it);
      }
    }
    run_pending(q);
    maybe_retire(r);
  }

  // W8: a comp_order op's completion is reported after every earlier op's of its queue (the
  // op may finish earlier: its CQE waits, §7.3.2.3).
  void reported(const OpReported& e) {
    tick(e.t);
    const auto it = unreported.find(e.op);
    if (it == unreported.end()) {
      report(OracleCheck::W10, e.op, std::nullopt, e.t,
             "completion reported for an op that is unknown or already reported");
      return;
    }
    const Unreported u = it->second;
    unreported.erase(it);
    if (const OpRec* r = find_op(e.op); r != nullptr && !r->completed) {
      report(OracleCheck::W10, e.op, std::nullopt, e.t, "completion reported before it finished");
    }
    QueueState& q = queues[u.queue];
    q.open_cqe.erase(u.seq);
    if (u.comp_order && !q.open_cqe.empty() && q.open_cqe.begin()->first < u.seq) {
      const OpId dep = q.open_cqe.begin()->second;
      report(OracleCheck::W8, e.op, dep, e.t,
             fmt::format("comp_order op's completion reported before earlier op {} of queue {}",
                         dep, u.queue.second));
    }
  }

  void received(const ReceiveCompleted& rc) {
    tick(rc.t);
    const auto kit = keys.find(rc.key);
    if (kit == keys.end()) {
      if (const auto f = failed_keys.find(rc.key); f != failed_keys.end()) {
        // The op failed (its answer was lost or came after the ACK timeout) once the target had
        // taken its request: the target still writes the receive completion, late when it was
        // held for completion order (X35). Once: a second one for the key is reported below.
        failed_keys.erase(f);
        return;
      }
      report(OracleCheck::W10, 0, std::nullopt, rc.t,
             fmt::format("target {}: receive completion for key (initiator {}, tassn {}) no "
                         "outstanding slice was sent with",
                         rc.key.target, rc.key.initiator, rc.key.tassn));
      return;
    }
    const auto [id, slice] = kit->second;
    OpRec* rp = find_op(id);
    if (rp == nullptr || rp->slices.size() <= slice) {
      keys.erase(kit);
      return;
    }
    OpRec& r = *rp;
    const OpPosted& p = *r.p;
    if (r.receive_seen) {
      report(OracleCheck::W10, id, std::nullopt, rc.t,
             fmt::format("target {}: a second receive completion", rc.key.target));
    }
    r.receive_seen = true;
    // W8: target CQEs of ODR[2] requests in the initiator's send order; not in UNO, which
    // orders nothing (§7.3.3.5), nor for an op that failed and may run late (its CQE then comes
    // when it runs).
    if ((p.comp_order || p.opcode == TaOpcode::WriteWithImmediate) && p.mode != TaMode::Uno &&
        !(r.completed && r.meta->late)) {
      auto& last = target_cqe_order[StreamKey{p.initiator, p.queue, rc.key.target}];
      const std::uint64_t mine = r.slices[slice].first_sent;
      if (mine < last) {
        report(OracleCheck::W8, id, std::nullopt, rc.t,
               fmt::format("target {}: receive completion out of the initiator's send order",
                           rc.key.target));
      }
      last = std::max(last, mine);
    }
    if (rc.status == fn::CqeStatus::Success) {
      if (r.expected_bytes && r.executed_bytes < *r.expected_bytes) {
        report(OracleCheck::W7, id, std::nullopt, rc.t,
               fmt::format("target {}: receive completion after {} of {} data bytes executed",
                           rc.key.target, r.executed_bytes, *r.expected_bytes));
      }
      if (p.immediate && rc.immediate != p.immediate) {
        report(OracleCheck::W3, id, std::nullopt, rc.t,
               fmt::format("target {}: immediate {}, posted {:#x}", rc.key.target,
                           rc.immediate ? fmt::format("{:#x}", *rc.immediate) : "none",
                           *p.immediate));
      }
      if (is_send_op(p.opcode) && rc.length != p.length) {
        report(OracleCheck::W3, id, std::nullopt, rc.t,
               fmt::format("target {}: receive completion of {} bytes for a Send of {}",
                           rc.key.target, rc.length, p.length));
      }
    }
    maybe_retire(r);
  }

  void finish_run(Time t) {
    if (finished) {
      return;
    }
    finished = true;
    std::vector<OpId> open;
    std::vector<OpId> no_cqe;
    for (const auto& [id, r] : ops) {
      if (!r.completed) {
        open.push_back(id);
      } else if (r.meta->certain() && r.expects_receive && !r.receive_seen) {
        no_cqe.push_back(id);
      }
    }
    std::sort(open.begin(), open.end());
    std::sort(no_cqe.begin(), no_cqe.end());
    for (const OpId id : open) {
      report(OracleCheck::W10, id, std::nullopt, t, "never completed");
    }
    for (const OpId id : no_cqe) {
      report(OracleCheck::W7, id, std::nullopt, t,
             "completed successfully but the target wrote no receive completion");
    }
    for (auto& [key, q] : queues) {
      while (!q.pending.empty()) {
        judge_read(q.pending.front());
        q.pending.pop_front();
      }
    }
  }
};

Oracle::Oracle(OracleConfig cfg) : impl_(std::make_unique<Impl>(cfg)) {}
Oracle::~Oracle() = default;

void Oracle::on_posted(const OpPosted& e) {
  impl_->posted(e);
}
void Oracle::on_sent(const SliceSent& e) {
  impl_->sent(e);
}
void Oracle::on_executed(const Executed& e) {
  impl_->executed(e);
}
void Oracle::on_completed(const OpCompleted& e) {
  impl_->completed(e);
}
void Oracle::on_reported(const OpReported& e) {
  impl_->reported(e);
}
void Oracle::on_received(const ReceiveCompleted& e) {
  impl_->received(e);
}

void Oracle::preset(PeerId target, std::uint32_t token_id, std::uint64_t uba, std::uint64_t pa,
                    std::span<const Byte> bytes) {
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    impl_->page(target, (pa + i) / kPage)
        .store(static_cast<std::size_t>((pa + i) % kPage), bytes[i]);
    Block& b = impl_->block(target, token_id, (uba + i) / kBlock);
    const auto bit = static_cast<unsigned>((uba + i) % kBlock);
    b.init[bit] = bytes[i];
    b.init_known |= std::uint64_t{1} << bit;
  }
}

void Oracle::finish(Time t) {
  impl_->finish_run(t);
}

const std::vector<Violation>& Oracle::violations() const noexcept {
  return impl_->out;
}
bool Oracle::ok() const noexcept {
  return impl_->n.violations == 0;
}
const OracleCounters& Oracle::counters() const noexcept {
  return impl_->n;
}
std::size_t Oracle::history_entries() const noexcept {
  return impl_->entries;
}
std::size_t Oracle::ops_held() const noexcept {
  return impl_->ops.size();
}

std::string Oracle::summary() const {
  const OracleCounters& c = impl_->n;
  std::string s = fmt::format(
      "oracle: {} events, {} ops posted, {} completions checked, {} executions, {} reads "
      "checked ({} bytes), {} violations",
      c.events, c.ops_posted, c.ops_checked, c.executions, c.reads_checked, c.bytes_checked,
      c.violations);
  if (c.history_overflows != 0) {
    s += fmt::format("; history limit reached in {} blocks, {} read bytes not judged",
                     c.history_overflows, c.bytes_unchecked);
  }
  for (const Violation& v : impl_->out) {
    s += fmt::format("\n  {} op {}", to_string(v.check), v.op);
    if (v.other) {
      s += fmt::format(" (other {})", *v.other);
    }
    s += fmt::format(" at {:.3f} ns: {}", to_ns(v.t), v.message);
  }
  if (impl_->out.size() < c.violations) {
    s += fmt::format("\n  ... {} more", c.violations - impl_->out.size());
  }
  return s;
}

} // namespace ub::ta

#pragma once
// The Home's UMMU: from a request's UB memory descriptor (EID, TokenID, UBA) to a target physical
// address, with the permission check. UB-Base-2.0 §8.2.1 (segments), §9.3 (UBMD), §9.4.1 (the
// check pipeline), §9.4.4 (MAPT: permission bits, TokenValue with a primary and a secondary
// value, E_bit), §7.2.5 (zero length), §11.4 (tokens).
//
// The model keeps the tables as maps rather than their bit layouts (MODEL): the entity table
// (TECT) by EID, the token context table (TCT) by (EID, TokenID), translations as UBA ranges per
// context (a range may be mapped but not yet present: lazy allocation, the source of page
// faults), and the permission table (MAPT) as [Base, Limit] entries per context. There is no
// permission lookaside buffer: every check walks the tables.
//
// check() runs the pipeline in the order of §9.4.1 and stops at the first failure:
//   1. the entity's context exists                        else EntityConfig
//   2. the token context exists; an exclusive context     else TokenContext
//      admits only requests with E_bit = 1                else Exclusive
//   3. the whole range is mapped                          else Translation
//      and present                                        else PageFault (lazy allocation)
//   4. with MAPT on for the entity and the context: one valid entry holds the whole range
//                                                         else Permission
//      its TOKEN_CHK wants a TokenValue equal to TokenVal0 or TokenVal1   else Token
//      its E_Bit = 1 admits only E_bit = 1 requests       else Exclusive
//      its permission bit for the access is set           else Permission
// A zero-length request accesses nothing and is not checked (§7.2.5): it passes.
// A failed check never yields an address: the target answers with the error, never an access.

#include <cstdint>
#include <map>
#include <optional>
#include <string_view>
#include <utility>

#include "protocol/common/error.hpp"

namespace ub::ta {

enum class MemAccess : std::uint8_t { Read, Write, Atomic };
[[nodiscard]] std::string_view to_string(MemAccess a) noexcept;

// MAPT permission bits (Table 9-5): bit 0 write, bit 1 read, bit 2 atomic.
namespace mapt_perm {
inline constexpr std::uint8_t kWrite = 1U << 0;
inline constexpr std::uint8_t kRead = 1U << 1;
inline constexpr std::uint8_t kAtomic = 1U << 2;
inline constexpr std::uint8_t kAll = kWrite | kRead | kAtomic;
} // namespace mapt_perm

enum class UmmuFault : std::uint8_t {
  EntityConfig, // no (valid) entity context for the EID
  TokenContext, // no (valid) token context for the TokenID
  Exclusive,    // an exclusive context or entry, and the request's E_bit is 0
  Translation,  // some byte of the range has no translation
  PageFault,    // translated but not present yet (lazy allocation): the Initiator may retry
  Permission,   // no MAPT entry holds the range, or its bit for the access is clear
  Token,        // the entry checks tokens and the TokenValue is missing or matches neither value
};
[[nodiscard]] std::string_view to_string(UmmuFault f) noexcept;

struct UmmuRequest {
  std::uint32_t eid = 0;
  std::uint32_t token_id = 0; // 20 bits
  std::uint64_t uba = 0;
  std::uint64_t length = 0;
  MemAccess access = MemAccess::Read;
  std::optional<std::uint32_t> token_value; // TVETAH (absent when TV_EN = 0)
  bool e_bit = false;                       // BTAH E_bit
};

struct PermissionEntry {
  std::uint64_t base = 0;
  std::uint64_t limit = 0; // inclusive
  std::uint8_t perm = mapt_perm::kAll;
  bool token_check = true;
  std::uint32_t token_val0 = 0; // primary
  std::uint32_t token_val1 = 0; // secondary (rotation, §11.4.4)
  bool exclusive = false;       // E_Bit
  bool valid = true;
};

class Ummu {
public:
  // ---- the Home sets up (each returns an Error naming the field on a bad call) ----
  Status add_entity(std::uint32_t eid, bool mapt_enabled = true);
  Status add_token_context(std::uint32_t eid, std::uint32_t token_id, bool exclusive = false,
                           bool mapt_enabled = true);
  // Maps [uba, uba + size) of a context to [pa, pa + size); `present` = false models memory
  // allocated at first access. Overlapping an existing mapping is an Error.
  Status map(std::uint32_t eid, std::uint32_t token_id, std::uint64_t uba, std::uint64_t size,
             std::uint64_t pa, bool present = true);
  // The Home allocated the memory behind a mapping (after a page fault).
  Status make_present(std::uint32_t eid, std::uint32_t token_id, std::uint64_t uba);
  Status add_permission(std::uint32_t eid, std::uint32_t token_id, const PermissionEntry& e);
  // Token rotation (§11.4.4): new values for the entry whose Base is `base`.
  Status set_token_values(std::uint32_t eid, std::uint32_t token_id, std::uint64_t base,
                          std::uint32_t primary, std::uint32_t secondary);

  // ---- the target asks ----
  // The physical address of the request's first byte, or the fault.
  [[nodiscard]] Expected<std::uint64_t, UmmuFault> check(const UmmuRequest& r) const;

private:
  struct Mapping {
    std::uint64_t size = 0;
    std::uint64_t pa = 0;
    bool present = true;
  };
  struct Context {
    bool exclusive = false;
    bool mapt_enabled = true;
    std::map<std::uint64_t, Mapping> maps;         // by UBA start
    std::map<std::uint64_t, PermissionEntry> mapt; // by Base
  };
  using Key = std::pair<std::uint32_t, std::uint32_t>;
  Context* context(std::uint32_t eid, std::uint32_t token_id);

  std::map<std::uint32_t, bool> entities_; // EID -> MAPT enabled
  std::map<Key, Context> contexts_;
};

} // namespace ub::ta

#include "protocol/ta/ummu.hpp"

#include <iterator>

namespace ub::ta {

namespace {

Status bad(std::string_view field, std::string_view why, std::uint64_t v) {
  return make_unexpected(Error{Errc::NotAllowed, 0, "UMMU", field, why, "§9.4"}.with_value(v));
}

constexpr std::uint32_t kTokenIdMax = (1U << 20) - 1;

// Whether [a, a + n) fits below 2^64 (n > 0).
bool fits(std::uint64_t a, std::uint64_t n) {
  return n != 0 && a + (n - 1) >= a;
}

} // namespace

std::string_view to_string(MemAccess a) noexcept {
  switch (a) {
  case MemAccess::Read:
    return "read";
  case MemAccess::Write:
    return "write";
  case MemAccess::Atomic:
    return "atomic";
  }
  return "?";
}

std::string_view to_string(UmmuFault f) noexcept {
  switch (f) {
  case UmmuFault::EntityConfig:
    return "no entity context for the EID";
  case UmmuFault::TokenContext:
    return "no token context for the TokenID";
  case UmmuFault::Exclusive:
    return "exclusive memory and the request is not exclusive";
  case UmmuFault::Translation:
    return "no translation for the address range";
  case UmmuFault::PageFault:
    return "page fault: the memory is not present yet";
  case UmmuFault::Permission:
    return "no permission for this access";
  case UmmuFault::Token:
    return "TokenValue missing or wrong";
  }
  return "?";
}

Ummu::Context* Ummu::context(std::uint32_t eid, std::uint32_t token_id) {
  const auto it = contexts_.find(Key{eid, token_id});
  return it == contexts_.end() ? nullptr : &it->second;
}

Status Ummu::add_entity(std::uint32_t eid, bool mapt_enabled) {
  if (!entities_.emplace(eid, mapt_enabled).second) {
    return bad("eid", "the entity already has a context", eid);
  }
  return {};
}

Status Ummu::add_token_context(std::uint32_t eid, std::uint32_t token_id, bool exclusive,
                               bool mapt_enabled) {
  if (!entities_.contains(eid)) {
    return bad("eid", "no entity context for this EID", eid);
  }
  if (token_id > kTokenIdMax) {
    return bad("token_id", "TokenIDs are 20 bits", token_id);
  }
  Context c{};
  c.exclusive = exclusive;
  c.mapt_enabled = mapt_enabled;
  if (!contexts_.emplace(Key{eid, token_id}, std::move(c)).second) {
    return bad("token_id", "the token context already exists", token_id);
  }
  return {};
}

Status Ummu::map(std::uint32_t eid, std::uint32_t token_id, std::uint64_t uba, std::uint64_t size,
                 std::uint64_t pa, bool present) {
  Context* c = context(eid, token_id);
  if (c == nullptr) {
    return bad("token_id", "no token context for this EID and TokenID", token_id);
  }
  if (!fits(uba, size) || !fits(pa, size)) {
    return bad("size", "must be above 0 and stay below 2^64", size);
  }
  // Overlap with the mapping at or before uba, or the one after it.
  auto next = c->maps.lower_bound(uba);
  if (next != c->maps.end() && next->first <= uba + (size - 1)) {
    return bad("uba", "overlaps an existing mapping", uba);
  }
  if (next != c->maps.begin()) {
    const auto prev = std::prev(next);
    if (prev->first + (prev->second.size - 1) >= uba) {
      return bad("uba", "overlaps an existing mapping", uba);
    }
  }
  c->maps.emplace(uba, Mapping{size, pa, present});
  return {};
}

Status Ummu::make_present(std::uint32_t eid, std::uint32_t token_id, std::uint64_t uba) {
  Context* c = context(eid, token_id);
  if (c == nullptr) {
    return bad("token_id", "no token context for this EID and TokenID", token_id);
  }
  auto it = c->maps.upper_bound(uba);
  if (it == c->maps.begin()) {
    return bad("uba", "no mapping holds this address", uba);
  }
  --it;
  if (uba - it->first >= it->second.size) {
    return bad("uba", "no mapping holds this address", uba);
  }
  it->second.present = true;
  return {};
}

Status Ummu::add_permission(std::uint32_t eid, std::uint32_t token_id, const PermissionEntry& e) {
  Context* c = context(eid, token_id);
  if (c == nullptr) {
    return bad("token_id", "no token context for this EID and TokenID", token_id);
  }
  if (e.limit < e.base) {
    return bad("limit", "must not be below base", e.limit);
  }
  if ((e.perm & ~mapt_perm::kAll) != 0) {
    return bad("perm", "bits 5:3 are reserved (Table 9-5)", e.perm);
  }
  auto next = c->mapt.lower_bound(e.base);
  if ((next != c->mapt.end() && next->first <= e.limit) ||
      (next != c->mapt.begin() && std::prev(next)->second.limit >= e.base)) {
    return bad("base", "overlaps an existing permission entry", e.base);
  }
  c->mapt.emplace(e.base, e);
  return {};
}

Status Ummu::set_token_values(std::uint32_t eid, std::uint32_t token_id, std::uint64_t base,
                              std::uint32_t primary, std::uint32_t secondary) {
  Context* c = context(eid, token_id);
  if (c == nullptr) {
    return bad("token_id", "no token context for this EID and TokenID", token_id);
  }
  const auto it = c->mapt.find(base);
  if (it == c->mapt.end()) {
    return bad("base", "no permission entry starts here", base);
  }
  it->second.token_val0 = primary;
  it->second.token_val1 = secondary;
  return {};
}

Expected<std::uint64_t, UmmuFault> Ummu::check(const UmmuRequest& r) const {
  using F = UmmuFault;
  if (r.length == 0) {
    return std::uint64_t{0}; // §7.2.5: nothing is accessed, nothing is checked
  }
  // 1. Entity context.
  const auto ent = entities_.find(r.eid);
  if (ent == entities_.end()) {
    return make_unexpected(F::EntityConfig);
  }
  // 2. Token context.
  const auto ctx = contexts_.find(Key{r.eid, r.token_id});
  if (ctx == contexts_.end()) {
    return make_unexpected(F::TokenContext);
  }
  const Context& c = ctx->second;
  if (c.exclusive && !r.e_bit) {
    return make_unexpected(F::Exclusive);
  }
  // 3. Translation of the whole range: one mapping must hold it (MODEL: a segment is mapped as
  // one range).
  if (!fits(r.uba, r.length)) {
    return make_unexpected(F::Translation);
  }
  const std::uint64_t last = r.uba + (r.length - 1);
  auto m = c.maps.upper_bound(r.uba);
  if (m == c.maps.begin()) {
    return make_unexpected(F::Translation);
  }
  --m;
  const std::uint64_t map_last = m->first + (m->second.size - 1);
  if (r.uba > map_last || last > map_last) {
    return make_unexpected(F::Translation);
  }
  if (!m->second.present) {
    return make_unexpected(F::PageFault);
  }
  // 4. MAPT.
  if (ent->second && c.mapt_enabled) {
    auto e = c.mapt.upper_bound(r.uba);
    if (e == c.mapt.begin()) {
      return make_unexpected(F::Permission);
    }
    --e;
    const PermissionEntry& p = e->second;
    if (!p.valid || r.uba > p.limit || last > p.limit) {
      return make_unexpected(F::Permission);
    }
    if (p.token_check &&
        (!r.token_value || (*r.token_value != p.token_val0 && *r.token_value != p.token_val1))) {
      return make_unexpected(F::Token);
    }
    if (p.exclusive && !r.e_bit) {
      return make_unexpected(F::Exclusive);
    }
    const std::uint8_t need = r.access == MemAccess::Read    ? mapt_perm::kRead
                              : r.access == MemAccess::Write ? mapt_perm::kWrite
                                                             : mapt_perm::kAtomic;
    if ((p.perm & need) == 0) {
      return make_unexpected(F::Permission);
    }
  }
  return m->second.pa + (r.uba - m->first);
}

} // namespace ub::ta

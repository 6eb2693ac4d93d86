#include "protocol/ta/target_memory.hpp"

#include <algorithm>

namespace ub::ta {

void TargetMemory::remember(std::uint64_t number, Slot* s) noexcept {
  recent_[recent_next_] = Recent{number, s};
  recent_next_ ^= 1U;
}

TargetMemory::Slot* TargetMemory::find(std::uint64_t number) {
  for (const Recent& r : recent_) {
    if (r.slot != nullptr && r.number == number) {
      return r.slot;
    }
  }
  const auto it = pages_.find(number);
  if (it == pages_.end()) {
    return nullptr;
  }
  remember(number, &it->second);
  return &it->second;
}

TargetMemory::Slot& TargetMemory::slot(std::uint64_t number) {
  if (Slot* s = find(number)) {
    return *s;
  }
  Slot& s = pages_[number];
  remember(number, &s);
  return s;
}

TargetMemory::Page& TargetMemory::page(std::uint64_t number) {
  Slot& s = slot(number);
  if (!s.own) {
    s.own = std::make_unique<Page>(); // value-initialised: zero-filled
    if (!s.shared.empty()) {
      const auto v = s.shared.view();
      std::copy(v.begin(), v.end(), s.own->begin());
      s.shared = {};
    }
  }
  return *s.own;
}

std::size_t TargetMemory::shared_pages() const noexcept {
  return static_cast<std::size_t>(
      std::count_if(pages_.begin(), pages_.end(), [](const auto& kv) { return !kv.second.own; }));
}

void TargetMemory::read(std::uint64_t pa, std::span<Byte> out) {
  std::size_t done = 0;
  while (done < out.size()) {
    const std::uint64_t a = pa + done;
    const std::uint64_t off = a % kPageBytes;
    const std::size_t n = std::min<std::size_t>(out.size() - done, kPageBytes - off);
    const auto to = out.begin() + static_cast<std::ptrdiff_t>(done);
    if (const Slot* s = find(a / kPageBytes); s == nullptr) {
      std::fill_n(to, n, Byte{0});
    } else if (s->own) {
      std::copy_n(s->own->begin() + static_cast<std::ptrdiff_t>(off), n, to);
    } else {
      std::copy_n(s->shared.view().begin() + static_cast<std::ptrdiff_t>(off), n, to);
    }
    done += n;
  }
}

SharedBytes TargetMemory::shared_range(std::uint64_t pa, std::size_t len) {
  const std::uint64_t off = pa % kPageBytes;
  if (len == 0 || len > kPageBytes - off) {
    return {};
  }
  const Slot* s = find(pa / kPageBytes);
  if (s == nullptr) {
    // Untouched memory reads as zero: one page of zeros stands for all of it, in every target
    // of the process (a SuperPoD has 8,192 of them). It is constant, so sharing it is not
    // state; the pointer owns nothing (the aliasing constructor), so copies count nothing.
    static const std::vector<Byte> zeros(kPageBytes, Byte{0});
    return SharedBytes{std::shared_ptr<const std::vector<Byte>>(
                           std::shared_ptr<const std::vector<Byte>>{}, &zeros),
                       static_cast<std::size_t>(off), len};
  }
  if (s->own || s->shared.empty()) {
    return {};
  }
  return s->shared.narrow(s->shared.view().subspan(static_cast<std::size_t>(off), len));
}

std::vector<Byte> TargetMemory::read(std::uint64_t pa, std::size_t len) {
  std::vector<Byte> v(len);
  read(pa, v);
  return v;
}

void TargetMemory::write(std::uint64_t pa, std::span<const Byte> data) {
  std::size_t done = 0;
  while (done < data.size()) {
    const std::uint64_t a = pa + done;
    const std::uint64_t off = a % kPageBytes;
    const std::size_t n = std::min<std::size_t>(data.size() - done, kPageBytes - off);
    Page& p = page(a / kPageBytes);
    std::copy_n(data.begin() + static_cast<std::ptrdiff_t>(done), n,
                p.begin() + static_cast<std::ptrdiff_t>(off));
    done += n;
  }
}

void TargetMemory::write_shared(std::uint64_t pa, const SharedBytes& data) {
  const std::span<const Byte> bytes = data.view();
  std::size_t done = 0;
  while (done < bytes.size()) {
    const std::uint64_t a = pa + done;
    const std::uint64_t off = a % kPageBytes;
    const std::size_t n = std::min<std::size_t>(bytes.size() - done, kPageBytes - off);
    if (n == kPageBytes) {
      // The whole page: its bytes are now these, whatever it held.
      Slot& s = slot(a / kPageBytes);
      s.own.reset();
      s.shared = data.narrow(bytes.subspan(done, n));
    } else {
      Page& p = page(a / kPageBytes);
      std::copy_n(bytes.begin() + static_cast<std::ptrdiff_t>(done), n,
                  p.begin() + static_cast<std::ptrdiff_t>(off));
    }
    done += n;
  }
}

Result<std::vector<Byte>> TargetMemory::atomic(TaOpcode op, std::uint64_t pa, std::size_t size,
                                               std::span<const Byte> payload,
                                               std::optional<std::uint8_t> subop) {
  if (!is_atomic_size(size)) {
    return make_unexpected(Error{Errc::NotAllowed, 0, "Atomic", "Length",
                                 "operand size must be 1, 2, 4, 8, 16, 32 or 64 bytes", "§7.4.2.3"}
                               .with_value(size));
  }
  if (pa % size != 0) {
    return make_unexpected(Error{Errc::NotAllowed, 0, "Atomic", "Address",
                                 "must be aligned to the operand size (§7.2.3)", "§7.4.2.3"}
                               .with_value(pa));
  }
  Page& p = page(pa / kPageBytes);
  const auto mem = std::span<Byte>(p).subspan(pa % kPageBytes, size);
  return apply_atomic(op, mem, payload, subop, pa);
}

} // namespace ub::ta

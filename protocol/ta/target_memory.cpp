#include "protocol/ta/target_memory.hpp"

#include <algorithm>

namespace ub::ta {

void TargetMemory::remember(std::uint64_t number, Page* p) noexcept {
  recent_[recent_next_] = Recent{number, p};
  recent_next_ ^= 1U;
}

TargetMemory::Page* TargetMemory::find(std::uint64_t number) {
  for (const Recent& r : recent_) {
    if (r.page != nullptr && r.number == number) {
      return r.page;
    }
  }
  const auto it = pages_.find(number);
  if (it == pages_.end()) {
    return nullptr;
  }
  remember(number, it->second.get());
  return it->second.get();
}

TargetMemory::Page& TargetMemory::page(std::uint64_t number) {
  if (Page* p = find(number)) {
    return *p;
  }
  auto& p = pages_[number];
  p = std::make_unique<Page>(); // value-initialised: zero-filled
  remember(number, p.get());
  return *p;
}

void TargetMemory::read(std::uint64_t pa, std::span<Byte> out) {
  std::size_t done = 0;
  while (done < out.size()) {
    const std::uint64_t a = pa + done;
    const std::uint64_t off = a % kPageBytes;
    const std::size_t n = std::min<std::size_t>(out.size() - done, kPageBytes - off);
    if (const Page* p = find(a / kPageBytes); p == nullptr) {
      std::fill_n(out.begin() + static_cast<std::ptrdiff_t>(done), n, Byte{0});
    } else {
      std::copy_n(p->begin() + static_cast<std::ptrdiff_t>(off), n,
                  out.begin() + static_cast<std::ptrdiff_t>(done));
    }
    done += n;
  }
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

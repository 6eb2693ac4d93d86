#include "sim/huge_pages.hpp"

#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>
#include <unistd.h>

#include <fmt/format.h>

#if defined(UB_MIMALLOC)
#include <mimalloc.h>
#endif

namespace ub::sim {

namespace {

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer) ||                         \
    __has_feature(thread_sanitizer)
constexpr bool kSanitizerMalloc = true;
#else
constexpr bool kSanitizerMalloc = false;
#endif
#elif defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kSanitizerMalloc = true;
#else
constexpr bool kSanitizerMalloc = false;
#endif

std::string thp_mode() {
  std::ifstream f("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string line;
  return std::getline(f, line) ? line : std::string{};
}

} // namespace

std::optional<std::string> huge_page_tunables(const char* tunables, const char* opt_out,
                                              const std::string& thp_mode, bool sanitizer_malloc) {
  if (sanitizer_malloc || (opt_out != nullptr && std::string{opt_out} == "0")) {
    return std::nullopt;
  }
  // The kernel's mode is the bracketed word of "always [madvise] never": with "always" every
  // large mapping gets huge pages anyway, with "never" none can.
  if (thp_mode.find("[madvise]") == std::string::npos) {
    return std::nullopt;
  }
  std::string with = tunables == nullptr ? std::string{} : std::string{tunables};
  if (with.find("glibc.malloc.hugetlb") != std::string::npos) {
    return std::nullopt;
  }
  auto add = [&](std::string_view key, std::string_view value) {
    if (with.find(key) == std::string::npos) {
      with += fmt::format("{}{}={}", with.empty() ? "" : ":", key, value);
    }
  };
  add("glibc.malloc.hugetlb", "1");
  // Freed memory stays in the heap for the next allocation instead of going back to the kernel
  // at every free of the heap's top (128 KiB by default), which is to be faulted in and
  // cleared again a moment later: a huge page's clearing is 2 MiB of work.
  add("glibc.malloc.trim_threshold", "4294967296");
  return with;
}

void reexec_with_huge_pages(char** argv) {
#if defined(__GLIBC__)
  if (argv == nullptr || argv[0] == nullptr) {
    return;
  }
  const char* old = std::getenv("GLIBC_TUNABLES");
  const std::string tunables = old == nullptr ? std::string{} : std::string{old};
  const std::optional<std::string> with =
      huge_page_tunables(old, std::getenv("UBMODEL_HUGE_PAGES"), thp_mode(), kSanitizerMalloc);
  if (!with || setenv("GLIBC_TUNABLES", with->c_str(), 1) != 0) {
    return;
  }
  execv("/proc/self/exe", argv);
  // The exec failed: put the environment back and go on with small pages.
  if (old == nullptr) {
    unsetenv("GLIBC_TUNABLES");
  } else {
    setenv("GLIBC_TUNABLES", tunables.c_str(), 1);
  }
#else
  (void)argv;
#endif
}

void setup_heap(char** argv) {
#if defined(UB_MIMALLOC)
  (void)argv;
  const char* opt_out = std::getenv("UBMODEL_HUGE_PAGES");
  // Read at every request for memory from the kernel, so setting it here covers the run.
  mi_option_set_enabled(mi_option_large_os_pages,
                        opt_out == nullptr || std::string_view{opt_out} != "0");
#else
  reexec_with_huge_pages(argv);
#endif
}

std::string heap_description() {
  if (kSanitizerMalloc) {
    return "sanitizer allocator";
  }
#if defined(UB_MIMALLOC)
  void* probe = std::malloc(64);
  const bool ours = mi_is_in_heap_region(probe);
  std::free(probe);
  if (ours) {
    const int v = mi_version();
    return fmt::format("mimalloc {}.{}.{}, {} pages", v / 100, v / 10 % 10, v % 10,
                       mi_option_is_enabled(mi_option_large_os_pages) ? "large" : "small");
  }
#endif
  const char* t = std::getenv("GLIBC_TUNABLES");
  const bool huge =
      t != nullptr && std::string_view{t}.find("glibc.malloc.hugetlb=1") != std::string_view::npos;
  return fmt::format("glibc malloc, {} pages", huge ? "huge" : "small");
}

} // namespace ub::sim

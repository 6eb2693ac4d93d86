// When `ubmodel sim` and fabric_bench execute themselves again to get transparent huge pages
// (sim/huge_pages.hpp): the decision alone, since a sanitizer build (the test build) never does.
// And which allocator serves the process: a mimalloc build must really run on mimalloc.
#include <cstdlib>
#include <string>

#include <catch2/catch.hpp>

#include "sim/huge_pages.hpp"

using ub::sim::huge_page_tunables;

TEST_CASE("huge pages: re-executed only in madvise mode, once, and never against the user's choice",
          "[sim][huge_pages]") {
  const std::string madvise = "always [madvise] never";
  const std::string ours = "glibc.malloc.hugetlb=1:glibc.malloc.trim_threshold=4294967296";
  CHECK(huge_page_tunables(nullptr, nullptr, madvise, false) == std::optional<std::string>{ours});
  // Other tunables are kept, a trim threshold of the user's too.
  CHECK(huge_page_tunables("glibc.malloc.check=3", nullptr, madvise, false) ==
        std::optional<std::string>{"glibc.malloc.check=3:" + ours});
  CHECK(huge_page_tunables("glibc.malloc.trim_threshold=0", nullptr, madvise, false) ==
        std::optional<std::string>{"glibc.malloc.trim_threshold=0:glibc.malloc.hugetlb=1"});
  CHECK(huge_page_tunables("", "1", madvise, false) == std::optional<std::string>{ours});
  // Already set, by the user or by the first execution: no second re-exec.
  CHECK_FALSE(huge_page_tunables("glibc.malloc.hugetlb=1", nullptr, madvise, false));
  CHECK_FALSE(huge_page_tunables("glibc.malloc.hugetlb=0", nullptr, madvise, false));
  CHECK_FALSE(
      huge_page_tunables("glibc.malloc.check=3:glibc.malloc.hugetlb=0", nullptr, madvise, false));
  // Opted out, or pointless.
  CHECK_FALSE(huge_page_tunables(nullptr, "0", madvise, false));
  CHECK_FALSE(huge_page_tunables(nullptr, nullptr, "[always] madvise never", false));
  CHECK_FALSE(huge_page_tunables(nullptr, nullptr, "always madvise [never]", false));
  CHECK_FALSE(huge_page_tunables(nullptr, nullptr, "", false)); // no such file
  CHECK_FALSE(huge_page_tunables(nullptr, nullptr, madvise, true));
}

TEST_CASE("heap: a mimalloc build runs on mimalloc, with large pages unless opted out",
          "[sim][huge_pages]") {
  using ub::sim::heap_description;
  const char* old = std::getenv("UBMODEL_HUGE_PAGES");
  const std::string saved = old == nullptr ? std::string{} : std::string{old};
  const std::string d = heap_description();
#if defined(UB_MIMALLOC)
  // The build linked mimalloc: its malloc must be the one in use, not glibc's.
  REQUIRE(d.rfind("mimalloc 2.", 0) == 0);
  setenv("UBMODEL_HUGE_PAGES", "0", 1);
  ub::sim::setup_heap(nullptr);
  CHECK(heap_description().ends_with(", small pages"));
  unsetenv("UBMODEL_HUGE_PAGES");
  ub::sim::setup_heap(nullptr);
  CHECK(heap_description().ends_with(", large pages"));
#else
  // glibc or a sanitizer's allocator (setup_heap would execute the test binary again: not here).
  CHECK((d == "sanitizer allocator" || d.rfind("glibc malloc, ", 0) == 0));
#endif
  if (old == nullptr) {
    unsetenv("UBMODEL_HUGE_PAGES");
  } else {
    setenv("UBMODEL_HUGE_PAGES", saved.c_str(), 1);
  }
}

#pragma once
// Transparent huge pages for the simulator's heap. A large fabric run touches gigabytes once
// (operation data, transport buffers, target memory, the oracle's shadow), and on a kernel whose
// transparent huge pages are in "madvise" mode (Debian 12's default) every 4 KiB of it is a page
// fault: about a third of the ns-3 Clos all-to-all's run time on a 2-core VM. glibc's malloc
// asks for huge pages when the tunable glibc.malloc.hugetlb=1 is set, but tunables are read when
// the process starts, so the only way to set it from inside is to execute the program again.
// Simulation results do not depend on it (the fingerprint is the same either way). A build with
// mimalloc (setup_heap) asks mimalloc for large pages instead.

#include <optional>
#include <string>

namespace ub::sim {

// The decision, apart from the process: the GLIBC_TUNABLES value to execute again with, or none.
// `tunables` and `opt_out` are the environment's GLIBC_TUNABLES and UBMODEL_HUGE_PAGES (nullptr
// when unset), `thp_mode` the first line of /sys/kernel/mm/transparent_hugepage/enabled.
[[nodiscard]] std::optional<std::string> huge_page_tunables(const char* tunables,
                                                            const char* opt_out,
                                                            const std::string& thp_mode,
                                                            bool sanitizer_malloc);

// Executes this program again (same arguments, /proc/self/exe) with glibc.malloc.hugetlb=1 (and a
// 4 GiB glibc.malloc.trim_threshold, unless one is set) added to GLIBC_TUNABLES, when all of these
// hold: glibc; not a sanitizer build (its allocator ignores the tunable); the kernel's transparent
// huge pages are in "madvise" mode; GLIBC_TUNABLES does not mention glibc.malloc.hugetlb already
// (the user's choice, and what stops a second re-exec); and the environment variable
// UBMODEL_HUGE_PAGES is not "0". Returns when it did not re-execute, including when the exec failed
// (the run then goes on with small pages).
void reexec_with_huge_pages(char** argv);

// The heap set up for a fabric run, at the start of main(). Built with mimalloc (CMake's
// UB_MALLOC, the default where libmimalloc-dev is installed): turns on its large OS pages (2 MiB,
// through madvise) unless UBMODEL_HUGE_PAGES is "0", and never re-executes. Otherwise:
// reexec_with_huge_pages(argv).
void setup_heap(char** argv);

// What serves this process's allocations, for reports: "mimalloc 2.0.9, large pages",
// "glibc malloc, huge pages", "glibc malloc, small pages" or "sanitizer allocator". It asks the
// allocator (a mimalloc build whose malloc did not replace glibc's says so) rather than trusting
// the build.
[[nodiscard]] std::string heap_description();

} // namespace ub::sim

#pragma once
// A check that stays on in every build type (fuzz targets must not depend on NDEBUG).

#include <cstdio>
#include <cstdlib>

#define UB_FUZZ_CHECK(cond)                                                                        \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      std::fprintf(stderr, "fuzz check failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__);          \
      std::abort();                                                                                \
    }                                                                                              \
  } while (false)

#pragma once
// The source tree, for tests that read shipped files: $UB_SOURCE_DIR (ctest sets it), else found
// from the working directory upwards (the folder holding scenarios/default.toml).
#include <cstdlib>
#include <filesystem>

#include <catch2/catch.hpp>

namespace ub::test {

inline std::filesystem::path source_dir() {
  if (const char* src = std::getenv("UB_SOURCE_DIR"); src != nullptr && *src != '\0') {
    return std::filesystem::path(src);
  }
  for (auto p = std::filesystem::current_path(); !p.empty(); p = p.parent_path()) {
    if (std::filesystem::exists(p / "scenarios" / "default.toml")) {
      return p;
    }
    if (p == p.parent_path()) {
      break;
    }
  }
  FAIL("the source tree was not found: set UB_SOURCE_DIR or run from inside it");
  return {};
}

} // namespace ub::test

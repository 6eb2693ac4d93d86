#pragma once
// Shared by the ns-3 case tests (import, convert, compare, traffic): where the shipped case
// folders are, and assembling a case that must be valid.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>

#include <catch2/catch.hpp>

#include "sim/import/ns3_case.hpp"

namespace ub::test {

// $UB_NS3_CASES, else $UB_SOURCE_DIR/scenarios/ns3ub (ctest sets it), else scenarios/ns3ub
// below the working directory. Callers skip with a warning when it is no folder.
inline std::filesystem::path shipped_cases_dir() {
  if (const char* env = std::getenv("UB_NS3_CASES"); env != nullptr && *env != '\0') {
    return env;
  }
  if (const char* src = std::getenv("UB_SOURCE_DIR"); src != nullptr && *src != '\0') {
    return std::filesystem::path(src) / "scenarios" / "ns3ub";
  }
  return "scenarios/ns3ub";
}

inline sim::Ns3Case assemble_ok(const sim::Ns3CaseFiles& files) {
  auto c = sim::assemble_ns3_case(files);
  INFO((c ? std::string{} : sim::to_string(c.error())));
  REQUIRE(c);
  return std::move(*c);
}

// The files of a case folder by name, for tests that change one of them.
inline sim::Ns3CaseFiles read_folder(const std::filesystem::path& dir) {
  sim::Ns3CaseFiles files;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(e.path(), std::ios::binary);
    files.emplace(e.path().filename().string(),
                  std::string((std::istreambuf_iterator<char>(in)), {}));
  }
  return files;
}

} // namespace ub::test

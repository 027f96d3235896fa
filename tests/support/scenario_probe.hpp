// Helpers for tests that load scenario text from a file (so relative model
// paths resolve beside it) and look at what loading or building reports.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "simulacra/engine/errors.hpp"
#include "simulacra/engine/runner.hpp"
#include "simulacra/engine/scenario.hpp"

namespace simulacra::testing {

/// A folder under the system's temporary directory, with a models/ folder
/// inside, removed when the test program ends.
struct ScratchDir {
  explicit ScratchDir(const std::string& prefix)
      : path(std::filesystem::temp_directory_path() / (prefix + "-" + std::to_string(::getpid()))) {
    std::filesystem::create_directories(path / "models");
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::filesystem::path path;
};

/// Writes `text` to `file` and loads it. Throws ScenarioError.
inline Scenario load_text_as(const std::filesystem::path& file, const std::string& text, const Registry& reg) {
  std::ofstream(file) << text;
  return load_scenario(file.string(), {}, reg);
}

/// The issue lines loading `text` (written to `file`) reports; empty if it loads.
inline std::vector<std::string> issues_of(const std::filesystem::path& file, const std::string& text,
                                          const Registry& reg) {
  try {
    load_text_as(file, text, reg);
  } catch (const ScenarioError& e) {
    std::vector<std::string> out;
    for (const auto& i : e.issues()) out.push_back(i.text());
    return out;
  }
  return {};
}

/// The message of the UserError building the loaded scenario raises, or
/// "no error".
inline std::string build_error(const std::filesystem::path& file, const std::string& text, const Registry& reg) {
  const Scenario sc = load_text_as(file, text, reg);
  try {
    build_simulation(sc, reg, sc.seed, 1);
  } catch (const UserError& e) {
    return e.what();
  }
  return "no error";
}

inline bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace simulacra::testing

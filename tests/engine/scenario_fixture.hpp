// Shared by the scenario-reader tests: a registry of two made-up population
// types (the reader knows no domain), the broken-file corpus, and helpers that
// load a file or text and return its error message.
#pragma once

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "simulacra/engine/registry.hpp"
#include "simulacra/engine/scenario.hpp"

namespace scenario_test {

using namespace simulacra;


inline const std::string kCorpus = SIMULACRA_TEST_DATA;

// A registry of two made-up types: the reader knows no domain, so a test needs
// none. Building is not tested here, so `make` returns nothing.
inline Registry test_registry() {
  Registry registry;
  PopulationType sir;
  sir.name = "test.sir";
  sir.doc = "A compartmental epidemic, for tests.";
  sir.params = {
      {"beta", ParamType::real, Dimension::none, "", 0.0, 1.0, {}, "infection probability per contact"},
      {"incubation_period", ParamType::quantity, Dimension::time, "5d", 0.0, {}, {}, "infection to infectious"},
      {"households", ParamType::integer, Dimension::none, "100", 1.0, {}, {}, "number of households"},
      {"mode", ParamType::choice, Dimension::none, "fast", {}, {}, {"fast", "exact"}, "solver"},
      {"ages", ParamType::real_list, Dimension::none, "[]", 0.0, 120.0, {}, "ages of the first cases"},
      {"seasonal", ParamType::boolean, Dimension::none, "false", {}, {}, {}, "seasonal forcing"},
      {"label", ParamType::string, Dimension::none, "unnamed", {}, {}, {}, "free text"},
  };
  sir.actions = {
      {"lockdown",
       "cuts contacts",
       {{"reduction", ParamType::quantity, Dimension::fraction, "", 0.0, 1.0, {}, "share of contacts removed"}}},
      {"reopen", "restores contacts", {}},
  };
  sir.make = [](const PopulationSpec&, const BuildInfo&) -> std::unique_ptr<Population> { return nullptr; };
  registry.add(sir);

  PopulationType walkers;
  walkers.name = "test.walkers";
  walkers.doc = "Pedestrians on a route, for tests.";
  walkers.params = {
      {"speed", ParamType::quantity, Dimension::speed, "", 0.0, {}, {}, "walking speed"},
      {"max_speed", ParamType::quantity, Dimension::speed, "50km/h", 0.0, {}, {}, "speed limit"},
      {"route", ParamType::node, Dimension::none, "{legs: []}", {}, {}, {}, "legs of the route"},
  };
  // Checks across parameters, and inside a `node` parameter by its positions.
  walkers.check = [](const PopulationSpec& spec, const std::string& path, Issues& issues) {
    if (spec.params.real("speed") > spec.params.real("max_speed")) {
      issues.add(spec.params.at("speed").at, path + ".params.speed", "faster than max_speed");
    }
    const YAML::Node& route = spec.params.node("route");
    const YAML::Node legs = route.IsMap() ? route["legs"] : YAML::Node();
    if (!legs.IsDefined() || !legs.IsSequence()) {
      issues.add(route, path + ".params.route", "expected a mapping with a sequence of legs");
      return;
    }
    for (std::size_t i = 0; i < legs.size(); ++i) {
      const YAML::Node length = legs[i].IsMap() ? legs[i]["length"] : YAML::Node();
      const auto metres = length.IsDefined() && length.IsScalar() ? parse_quantity(length.Scalar(), Dimension::length, nullptr) : std::nullopt;
      if (!metres || *metres <= 0) {
        issues.add(length.IsDefined() ? length : legs[i], path + ".params.route.legs[" + std::to_string(i) + "].length",
                   "expected a positive length");
      }
    }
  };
  walkers.make = sir.make;
  registry.add(walkers);
  return registry;
}

inline const Registry& registry() {
  static const Registry r = test_registry();
  return r;
}

inline std::string corpus(const std::string& name) { return kCorpus + "/" + name; }

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

inline Scenario load(const std::string& name, const std::vector<Override>& overrides = {}) {
  return load_scenario(corpus(name), overrides, registry());
}

inline std::vector<Override> sets(const std::vector<std::string>& texts) {
  std::vector<Override> out;
  for (const auto& t : texts) out.push_back(parse_override(t));
  return out;
}

// The message for a corpus file, with the corpus directory cut from paths so
// expectations read as the file names they are about.
inline std::string error_of(const std::string& name, const std::vector<std::string>& overrides = {}) {
  try {
    load(name, sets(overrides));
  } catch (const ScenarioError& e) {
    std::string what = e.what();
    const std::string dir = kCorpus + "/";
    for (std::size_t at = what.find(dir); at != std::string::npos; at = what.find(dir, at)) what.erase(at, dir.size());
    return what;
  }
  return "(no error)";
}

inline std::string error_of_text(const std::string& text, const std::string& display = "text.yaml",
                          const std::vector<std::string>& overrides = {}) {
  try {
    parse_scenario(text, display, sets(overrides), registry());
  } catch (const ScenarioError& e) {
    return e.what();
  }
  return "(no error)";
}

// A scratch file under the system's temporary directory, removed afterwards.
struct TempFile {
  explicit TempFile(const std::string& name)
      : path(std::filesystem::temp_directory_path() /
             ("simulacra_test_" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()) +
              "_" + name)) {}
  ~TempFile() {
    std::error_code ec;
    std::filesystem::remove(path, ec);
  }
  std::filesystem::path path;
};


}  // namespace scenario_test

// What `simulacra calibrate` builds before any method runs: the calibration
// problem (priors, targets, a simulator returning summaries) from a scenario
// and an observed series, or from an external simulator command, a prior
// file and a row of observed summaries.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "options.hpp"
#include "simulacra/engine/ensemble.hpp"
#include "simulacra/engine/registry.hpp"
#include "simulacra/engine/scenario.hpp"
#include "simulacra/experiments/calibrate.hpp"

namespace simulacra::cli {

struct CalibrationSetup {
  calibrate::Problem problem;
  std::string source;                    ///< the scenario file or the simulator command
  std::optional<Scenario> scenario;      ///< scenario mode: the scenario after --set
  /// Per parameter: its scenario path, or empty for a parameter of an
  /// observation model (e.g. a fitted reporting rate) or of an external simulator.
  std::vector<std::string> paths;
  std::vector<std::string> target_models;  ///< per target, its observation model as text
  std::uint64_t default_seed = 1;
};

/// Scenario mode: FILE, --observed, --target, --fit, --set, --start.
/// Throws UsageError, ScenarioError or DataError naming the bad value.
CalibrationSetup scenario_setup(const Options& opts, const Registry& registry, const EnsembleOptions& ensemble);

/// External mode: --simulator, --prior, --observed (one row), --target.
/// Throws UsageError or DataError naming the bad value.
CalibrationSetup external_setup(const Options& opts, const EnsembleOptions& ensemble);

/// The parts of a --target after the first '|', trimmed: aggregation and
/// observation model words.
std::vector<std::string> target_modifiers(const std::string& text);

/// YAML text of a value, exact.
std::string yaml_number(double v);

}  // namespace simulacra::cli

// What `simulacra calibrate` writes: posterior.csv, report.json, report.md
// (the same, for people), fit.csv (the observed series against posterior
// predictive bands) and, in scenario mode, calibrated.yaml — all computed
// before the output folder is made, so a failure leaves nothing.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "calibrate_setup.hpp"
#include "simulacra/engine/registry.hpp"
#include "simulacra/experiments/bo_calibration.hpp"
#include "simulacra/experiments/calibrate.hpp"

namespace simulacra::cli {

/// What a method adds to the common outputs.
struct MethodOutputs {
  std::vector<double> point;  ///< written into calibrated.yaml instead of the posterior median, when not empty
  std::string json;           ///< extra report.json members, each starting ",\n  \"key\": "
  std::vector<std::pair<std::string, std::string>> lines;  ///< extra report.md lines: label, value
  std::vector<std::pair<std::string, std::string>> files;  ///< extra files: name, contents
};

/// BO's own outputs: the estimate and its Laplace sd, every evaluation in
/// evaluations.csv.
MethodOutputs bo_outputs(const calibrate::Problem& problem, const calibrate::BoCalibrationResult& b, bool quiet);

/// fit.csv: per target and summary, its time (empty without one), the
/// observed value and the 5, 25, 50, 75 and 95 % quantiles of the predictive
/// draws (rows of `predictive`, as from calibrate::posterior_predictive).
std::string fit_table(const calibrate::Problem& problem, const calibrate::Matrix& predictive);

/// Writes every output into `out`. Throws DataError when the folder or a
/// file cannot be written, ScenarioError if the calibrated scenario does not
/// validate.
void write_outputs(const std::filesystem::path& out, const CalibrationSetup& setup, const Registry& registry,
                   const calibrate::AbcResult& r, const std::string& method, std::uint64_t seed, bool quiet,
                   const calibrate::Matrix& predictive, const MethodOutputs& extra = {});

}  // namespace simulacra::cli

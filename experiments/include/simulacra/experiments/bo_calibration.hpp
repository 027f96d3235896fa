// Calibration by Bayesian optimisation, for scenarios too expensive for
// thousands of runs: the negative log posterior (each target's negative
// log-likelihood under its observation model, minus the log prior) is
// minimised by a Gaussian-process search over the prior's support, and the
// posterior is the Laplace approximation at the minimiser of the GP's mean.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "simulacra/experiments/bayes_opt.hpp"
#include "simulacra/experiments/calibrate.hpp"

namespace simulacra::calibrate {

struct BoCalibrationOptions {
  std::size_t budget = 200;  ///< simulator runs in all (a parameter vector with R replicates costs R)
  std::size_t batch = 4;     ///< parameter vectors per round after the design (fixed: results do not depend on jobs)
  std::size_t draws = 2000;  ///< draws from the Laplace approximation
  std::uint64_t seed = 1;
};

struct BoCalibrationResult {
  /// Draws from the Laplace approximation inside the prior's support
  /// (original units, integer parameters rounded), equal weights; distances,
  /// scales and contributions NaN.
  AbcResult posterior;
  std::vector<double> estimate;  ///< the GP mean's minimiser, original units (what calibrated.yaml holds)
  double objective = 0.0;        ///< the GP's mean of the negative log posterior there
  double objective_sd = 0.0;     ///< and its sd
  std::vector<double> laplace_sd;  ///< per parameter, in work coordinates (inf: no curvature)
  Matrix evaluated;                ///< every evaluated parameter vector, original units, in order
  std::vector<double> values;      ///< its negative log posterior (non-finite ones replaced, see below)
};

/// The negative log-likelihood of one target's discrepancy d over n
/// summaries: d / 2 for the count models (half the deviance) and, for
/// `exact`, n ln(d) — the Gaussian likelihood with its variance profiled out
/// (d is the root mean square difference), with d floored at 1e-9 times the
/// observed values' mean magnitude (or 1e-9).
double target_nll(const Target& target, double discrepancy);

/// After each round: simulations so far and the lowest objective seen.
using BoCalibrationProgress = std::function<void(std::size_t simulations, double best)>;

/// Runs BO on the problem. A simulation whose objective is not finite (no
/// numbers, or a binomial target with more observed than simulated) gets the
/// worst finite value seen so far. Throws UserError for a budget smaller than
/// the design (max(5, 2d + 1) vectors) or larger than 2,000 vectors (the GP
/// costs the cube of its points: use ABC-SMC or NPE), for an exact target of
/// fewer than 5 summaries (no likelihood to profile), when every design
/// point's objective is not finite, and what the simulator throws.
BoCalibrationResult run_bo_calibration(const Problem& problem, const BoCalibrationOptions& options,
                                       const BoCalibrationProgress& progress = {});

}  // namespace simulacra::calibrate

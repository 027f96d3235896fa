// Calibration by neural posterior estimation: `budget` parameter vectors drawn
// from the prior are simulated (through the same batched simulator and
// observation models as ABC-SMC), a mixture density network q(θ | x) is fitted
// to the pairs, and the posterior is q(θ | x_obs) restricted to the prior's
// support. x is every target's summaries, drawn through its observation model
// (so a Poisson or binomial target's noise is part of what is learned).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>

#include "simulacra/experiments/calibrate.hpp"
#include "simulacra/experiments/npe.hpp"

namespace simulacra::calibrate {

struct NpeCalibrationOptions {
  std::size_t budget = 5000;  ///< simulator runs in all (a parameter vector with R replicates costs R)
  std::size_t draws = 2000;   ///< posterior draws returned
  std::size_t batch = 256;    ///< parameter vectors simulated at once (fixed: results do not depend on jobs)
  /// Sequential rounds (truncated proposals, Deistler et al. 2022): after
  /// the first, simulations come from the prior restricted to where the last
  /// fit q(θ | x_obs) holds all but 1e-4 of its mass; the budget is split
  /// evenly. 1: plain NPE from the prior.
  std::size_t rounds = 1;
  std::uint64_t seed = 1;
  /// Targets with at least this many values reach the network through
  /// learned summaries (a small convolutional network per series, trained
  /// with the density estimator); shorter ones as they are. 0: never.
  std::size_t summary_net_min_length = 30;
  NpeOptions npe;             ///< the network (its seed is derived from `seed`)
};

/// Returns the posterior draws as an AbcResult: particles (original units,
/// integer parameters rounded) with equal weights; distances, components,
/// scales and contributions are NaN (NPE does not compute them); no
/// generations. progress(simulations so far) after each batch. Throws
/// UserError for a budget below 100 parameter vectors, what the simulator
/// throws, and DataError if the neural module cannot be loaded.
AbcResult run_npe_calibration(const Problem& problem, const NpeCalibrationOptions& options,
                              const std::function<void(std::size_t)>& progress = {});

}  // namespace simulacra::calibrate

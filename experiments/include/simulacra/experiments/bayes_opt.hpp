// Bayesian optimisation for expensive, noisy objectives (a distance between
// simulated and observed summaries, a negative log-likelihood): a Gaussian
// process over the parameters mapped to the unit cube, expected improvement
// to choose the next runs, and as the answer the minimiser of the GP's
// posterior mean with its uncertainty.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "simulacra/experiments/gaussian_process.hpp"

namespace simulacra::calibrate {

/// One parameter's search range; log_scale searches log(low)..log(high)
/// (low > 0), for rates and scales.
struct BoBound {
  double low = 0.0;
  double high = 1.0;
  bool log_scale = false;
};

struct BoOptions {
  std::size_t budget = 60;   ///< objective evaluations in all
  std::size_t initial = 0;   ///< Latin-hypercube design first; 0: max(5, 2 d + 1)
  std::size_t batch = 1;     ///< points per objective call after the design (kriging believer)
  std::uint64_t seed = 1;    ///< design, candidates and hyperparameter restarts
  std::size_t candidates = 2000;  ///< random points scored per acquisition before local polishing
  /// Model log(1 + v - v_min) instead of v (v_min: the lowest value so far),
  /// for objectives that span orders of magnitude, such as negative
  /// log-likelihoods far from the optimum. The answer is reported on the
  /// objective's own scale: its mean, sd (delta method) and Hessian (exact at
  /// a stationary point: the warp's slope there times the warped Hessian).
  bool log_warp = false;
};

struct BoEvaluation {
  std::vector<double> theta;  ///< original units
  double value = 0.0;
};

struct BoResult {
  /// The minimiser of the GP posterior mean over the box (original units).
  std::vector<double> estimate;
  double estimate_mean = 0.0;  ///< posterior mean of the objective there
  double estimate_sd = 0.0;    ///< posterior sd of the objective there (noise excluded)
  /// Laplace approximation at the estimate: the inverse Hessian of the
  /// posterior mean, per parameter its sd in search coordinates (log for
  /// log_scale) and a 95 % interval in original units, clipped to the bounds.
  /// It is the parameter's uncertainty when the objective is a negative
  /// log-likelihood (or log posterior); for another objective, multiply it by
  /// the factor that makes it one. A direction without positive curvature
  /// gets sd = inf and the whole range.
  std::vector<double> laplace_sd;
  std::vector<double> interval_low, interval_high;
  /// The posterior mean's Hessian at the estimate in search coordinates,
  /// row-major d x d: what laplace_sd comes from, for draws from the
  /// Laplace approximation.
  std::vector<double> laplace_hessian;
  std::vector<BoEvaluation> evaluations;  ///< in the order they were run
  std::size_t best_observed = 0;          ///< index of the lowest value seen
  GpHyper hyper;                          ///< of the last fit (unit cube, standardised objective)
};

/// Evaluates a batch of parameter vectors (original units), one value each,
/// in order. May run them in parallel.
using BatchObjective = std::function<std::vector<double>(const std::vector<std::vector<double>>& thetas)>;
/// After each batch: evaluations so far and the best value seen.
using BoProgress = std::function<void(std::size_t evaluations, double best_value)>;

/// Minimises `objective` over the box. Same bounds, objective and options
/// give the same evaluations and result. Throws UserError for empty or
/// inverted bounds, log_scale with low <= 0, a budget smaller than the
/// design, an objective returning the wrong number of values or a value that
/// is not finite; and what the objective throws.
BoResult run_bo(const std::vector<BoBound>& bounds, const BatchObjective& objective, const BoOptions& options,
                const BoProgress& progress = {});

}  // namespace simulacra::calibrate

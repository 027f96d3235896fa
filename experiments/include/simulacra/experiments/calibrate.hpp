// Calibration by approximate Bayesian computation with sequential Monte
// Carlo (ABC-SMC, Beaumont et al. 2009 with an adaptive tolerance): a
// population of parameter vectors is moved from the prior toward the
// posterior through decreasing tolerances on the distance between simulated
// and observed summaries. Priors are uniform or normal in their own
// coordinates (log for log-uniform and log-normal), where the perturbation
// kernel works.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "simulacra/engine/ensemble.hpp"
#include "simulacra/engine/random.hpp"

namespace simulacra::calibrate {

struct Prior {
  enum class Kind { uniform, loguniform, normal, lognormal };
  Kind kind = Kind::uniform;
  double a = 0.0;  ///< uniform: low; normal: mean (of the log for lognormal)
  double b = 1.0;  ///< uniform: high; normal: standard deviation (of the log)
  /// The parameter's own range (base units), e.g. from its ParamSpec.
  double low = -std::numeric_limits<double>::infinity();
  double high = std::numeric_limits<double>::infinity();

  /// Parses "uniform(0, 1)", "loguniform(0.01, 1)", "normal(0, 1)",
  /// "lognormal(-1, 0.5)". Throws UserError naming the text.
  static Prior parse(const std::string& text);
  bool log_scale() const { return kind == Kind::loguniform || kind == Kind::lognormal; }
  /// Coordinates the kernel works in (log for log priors), and back.
  double to_work(double x) const;
  double from_work(double u) const;
  /// Log density in work coordinates (up to a constant); -inf outside the support.
  double log_density(double u) const;
  double sample_work(RandomStream& rng) const;  ///< a draw, in work coordinates, inside the support
  std::string text() const;
};

struct AbcOptions {
  std::size_t population = 200;   ///< accepted particles per generation
  std::size_t budget = 5000;      ///< simulations in all
  double quantile = 0.5;          ///< next tolerance: this quantile of the accepted distances
  std::size_t batch = 64;         ///< proposals simulated at once (fixed: results do not depend on threads)
  double min_acceptance = 0.005;  ///< stop when a generation accepts fewer
  std::uint64_t seed = 1;
  EnsembleOptions ensemble;
};

struct Generation {
  double tolerance = 0.0;
  std::size_t simulations = 0;
  std::size_t accepted = 0;
  double ess = 0.0;
};

struct AbcResult {
  std::vector<std::vector<double>> particles;  ///< accepted parameters, original units
  std::vector<double> weights;                 ///< normalised
  std::vector<double> distances;
  std::vector<Generation> generations;
  std::size_t simulations = 0;
  double wall_seconds = 0.0;
};

/// distance(θ, seed): simulate at θ (original units) with `seed`, return the
/// distance to the observed data. Called concurrently for different θ.
using Distance = std::function<double(const std::vector<double>& theta, std::uint64_t seed)>;
/// After each generation.
using AbcProgress = std::function<void(const Generation& g, std::size_t simulations_so_far)>;

/// Runs ABC-SMC until the budget is spent or a generation accepts fewer than
/// min_acceptance of its proposals. Throws UserError for an empty or
/// inconsistent prior, and what `distance` throws.
AbcResult run_abc_smc(const std::vector<Prior>& priors, const Distance& distance, const AbcOptions& options,
                      const AbcProgress& progress = {});

/// Weighted quantile q of values.
double weighted_quantile(std::vector<double> values, const std::vector<double>& weights, double q);

}  // namespace simulacra::calibrate

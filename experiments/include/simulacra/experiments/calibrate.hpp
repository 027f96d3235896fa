// Calibration: priors, the batched simulator every method calls, targets
// (groups of summaries with an observation model), and ABC-SMC (Beaumont et
// al. 2009 with an adaptive tolerance) over them. A method sees a problem as
// priors + a simulator returning summary vectors + targets; it never knows
// whether the summaries come from a scenario run or an external program.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "simulacra/engine/ensemble.hpp"
#include "simulacra/engine/random.hpp"
#include "simulacra/experiments/observation.hpp"

namespace simulacra::calibrate {

using Matrix = std::vector<std::vector<double>>;

/// A prior over one parameter. The kernel of ABC-SMC (and any method) works
/// in "work" coordinates: the value for uniform/normal, its log for
/// loguniform/lognormal; an integer prior keeps a continuous work coordinate
/// and rounds when handing the value to the simulator (a latent-variable
/// prior, so the posterior over the rounded value is exact).
struct Prior {
  enum class Kind { uniform, loguniform, normal, lognormal };
  static constexpr double kInf = std::numeric_limits<double>::infinity();
  Kind kind = Kind::uniform;
  double a = 0.0;  ///< uniform: low (log low for loguniform); normal: mean (of the log for lognormal)
  double b = 1.0;  ///< uniform: high (log high); normal: standard deviation (of the log)
  /// Bounds in original units: the intersection of truncated(...) and the
  /// parameter's own range (e.g. from its ParamSpec).
  double low = -kInf;
  double high = kInf;
  double truncated_low = -kInf;   ///< as written in truncated(P, lo, hi), for text()
  double truncated_high = kInf;
  bool integer = false;           ///< integer(P) or randint(a, b)
  bool randint = false;           ///< written as randint(a, b) = integer(uniform(a - 0.5, b + 0.5))
  /// The unit its numbers were written with ("d" in uniform(10d, 60d), "%"),
  /// or empty: values are numbers in that unit, and a scenario value gets
  /// it appended.
  std::string unit;

  /// Parses "uniform(a, b)", "loguniform(a, b)", "normal(mean, sd)",
  /// "lognormal(mean, sd)" (of the log), "truncated(P, lo, hi)",
  /// "integer(P)" and "randint(a, b)" (uniform on the integers a..b); the
  /// numbers may carry one unit (uniform(10d, 60d)). Throws UserError naming
  /// the text.
  static Prior parse(const std::string& text);
  bool log_scale() const { return kind == Kind::loguniform || kind == Kind::lognormal; }
  /// Work coordinates and back (from_work does not round).
  double to_work(double x) const;
  double from_work(double u) const;
  /// The support in work coordinates: the bounds and a uniform prior's ends;
  /// an end with no bound is infinite.
  std::pair<double, double> work_bounds() const;
  /// The value handed to the simulator: from_work(u), rounded for an integer prior.
  double value(double u) const;
  /// Log density in work coordinates (up to a constant); -inf outside the support.
  double log_density(double u) const;
  /// A draw, in work coordinates, inside the support. Throws UserError if
  /// 100,000 draws all fall outside the bounds.
  double sample_work(RandomStream& rng) const;
  std::string text() const;
};

/// A target: some of the simulator's summaries, compared with observed values
/// through an observation model. Each target's discrepancy is divided by its
/// scale (the median discrepancy of the prior draws of the first
/// generation), and the distance is the sum over targets.
struct Target {
  std::string name;                    ///< for reports, e.g. "town.new_infections_last_day ~ cases"
  std::vector<std::size_t> summaries;  ///< indices into the simulator's summary row
  std::vector<double> observed;        ///< one per summary
  ObservationModel model;
  /// Per summary, its time in the observed file's unit, for reports (a
  /// scenario's series targets); empty when the summaries have no time.
  std::vector<double> times;
};

/// Simulates row i of `thetas` (parameters in original units, integer ones
/// rounded) with seeds[i] and returns one row of summaries per theta, in order,
/// all of the same length. Rows may run in parallel, but a row's summaries must
/// depend only on its (theta, seed): that is what keeps results independent of
/// the number of jobs. Throws UserError when a simulation fails.
using Simulator = std::function<Matrix(const Matrix& thetas, const std::vector<std::uint64_t>& seeds)>;
/// One row's simulation, for parallel_rows.
using RowSimulator = std::function<std::vector<double>(const std::vector<double>& theta, std::uint64_t seed)>;

/// A Simulator running `row` for every row over the ensemble's jobs (called
/// concurrently for different rows). Rethrows the error of the failed row
/// with the lowest index.
Simulator parallel_rows(RowSimulator row, EnsembleOptions ensemble);

/// What any calibration method needs.
struct Problem {
  std::vector<std::string> names;  ///< parameter names, one per prior
  std::vector<Prior> priors;
  std::vector<Target> targets;
  Simulator simulate;
  std::size_t replicates = 1;      ///< runs per parameter vector; their summaries are averaged
};

/// The values handed to the simulator for a row of work coordinates
/// (Prior::value of each: original units, integer parameters rounded).
std::vector<double> values_of(const Problem& problem, const std::vector<double>& work);

/// Seed of replicate r of simulation `index` under calibration seed `seed`.
std::uint64_t simulation_seed(std::uint64_t seed, std::uint64_t index, std::size_t replicate);

/// Simulates every row of `work` (work coordinates) `problem.replicates`
/// times in one simulator call, simulation i with the seeds of index
/// first_index + i, and returns the summaries averaged over replicates.
/// Throws what the simulator throws, and UserError if it returns the wrong
/// number of rows or rows of different lengths.
Matrix simulate_averaged(const Problem& problem, const Matrix& work, std::uint64_t first_index, std::uint64_t seed);

/// Raw (unscaled) discrepancy of each target for one summary row at `theta`
/// (original units). NaN becomes +inf.
std::vector<double> target_discrepancies(const Problem& problem, const std::vector<double>& summaries,
                                         const std::vector<double>& theta);

struct AbcOptions {
  std::size_t population = 200;   ///< accepted particles per generation
  std::size_t budget = 5000;      ///< simulator runs in all (a particle with R replicates costs R)
  double quantile = 0.5;          ///< next tolerance: this quantile of the accepted distances
  std::size_t batch = 64;         ///< proposals simulated at once (fixed: results do not depend on jobs)
  double min_acceptance = 0.005;  ///< stop when a generation accepts fewer
  std::uint64_t seed = 1;
};

struct Generation {
  double tolerance = 0.0;
  std::size_t simulations = 0;
  std::size_t accepted = 0;
  double ess = 0.0;
};

struct AbcResult {
  Matrix particles;             ///< accepted parameters, original units (integer ones rounded)
  std::vector<double> weights;  ///< normalised
  std::vector<double> distances;
  Matrix components;            ///< per particle, each target's scaled discrepancy (they sum to the distance)
  std::vector<double> scales;   ///< per target
  /// Per target: its share of the weighted mean distance of the final
  /// particles (the shares sum to 1).
  std::vector<double> contributions;
  std::vector<Generation> generations;
  std::size_t simulations = 0;  ///< simulator runs, replicates included
  double wall_seconds = 0.0;
};

/// Makes `r` a posterior of equally weighted draws (its particles, from NPE
/// or BO): weights 1/n; distances, scales and contributions NaN, as those
/// methods compute none.
void set_equal_weights(AbcResult& r, std::size_t targets);

/// After each generation.
using AbcProgress = std::function<void(const Generation& g, std::size_t simulations_so_far)>;

/// Runs ABC-SMC until the budget is spent or a generation accepts fewer than
/// min_acceptance of its proposals. Throws UserError for an empty or
/// inconsistent problem, and what the simulator throws.
AbcResult run_abc_smc(const Problem& problem, const AbcOptions& options, const AbcProgress& progress = {});

/// Posterior predictive draws: n particles drawn by weight (the same for a
/// seed), each simulated once with its own seed and its summaries drawn
/// through each target's observation model (so the draws are of what would
/// be observed). Summaries outside every target are passed through. Throws
/// UserError for an empty posterior, and what the simulator throws.
Matrix posterior_predictive(const Problem& problem, const AbcResult& posterior, std::size_t n, std::uint64_t seed);

/// Weighted quantile q of values.
double weighted_quantile(std::vector<double> values, const std::vector<double>& weights, double q);

/// A parameter's posterior as reports give it.
struct ParameterSummary {
  double median = 0.0, q05 = 0.0, q95 = 0.0, mean = 0.0, sd = 0.0;
  /// The 90 % interval's width over the prior's (in work coordinates).
  double width_vs_prior = 0.0;
  /// False when width_vs_prior >= 0.8: the targets hardly inform the value.
  bool identified = true;
};

/// Summarises weighted posterior samples of one parameter (original units)
/// against its prior (whose width comes from 4,000 draws seeded by `seed`).
ParameterSummary summarize_parameter(const std::vector<double>& values, const std::vector<double>& weights,
                                     const Prior& prior, std::uint64_t seed);

}  // namespace simulacra::calibrate

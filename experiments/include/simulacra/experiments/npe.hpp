// Neural posterior estimation (Papamakarios & Murray 2016, amortised form):
// a mixture density network q(θ | x) fitted to simulated pairs (θ drawn from
// the prior, x the simulator's summaries at θ) approximates the posterior
// p(θ | x) for any x; at the observed summaries it is the calibration's
// answer. θ is in whatever coordinates the caller draws it in (the prior's
// work coordinates: log for log priors), inside a box support.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <vector>

#include "simulacra/engine/random.hpp"
#include "simulacra/learned/mixture_density.hpp"

namespace simulacra::calibrate {

struct NpeOptions {
  std::size_t components = 4;        ///< Gaussians in the mixture
  std::size_t hidden = 64;           ///< units per hidden layer (two layers)
  bool full_covariance = true;       ///< false: diagonal covariances
  std::size_t max_epochs = 400;
  std::size_t batch_size = 128;
  double learning_rate = 1e-3;
  double validation_fraction = 0.1;  ///< held out for early stopping
  std::size_t patience = 20;         ///< epochs without improvement before stopping
  std::uint64_t seed = 1;            ///< weights, split and batch order
  /// sample() gives up when fewer than this share of mixture draws fall in
  /// the support (the model puts its mass outside the prior).
  double min_acceptance = 1e-3;
  /// Long series among the summaries, each reduced by a small convolutional
  /// network to `embedding` learned summaries trained with the rest (see
  /// learned::MixtureDensityOptions::series).
  std::vector<learned::SeriesColumns> series;
  std::size_t embedding = 8;
};

/// One parameter's support: draws outside [low, high] are rejected.
struct Support {
  double low = -std::numeric_limits<double>::infinity();
  double high = std::numeric_limits<double>::infinity();
};

class NpeModel {
 public:
  NpeModel(learned::MixtureDensityNetwork network, std::vector<Support> support, double min_acceptance);

  /// n draws of θ from q(θ | x_obs) restricted to the support (rejection),
  /// row per draw; the same model, x_obs, n and seed give the same rows.
  /// Throws UserError if x_obs has the wrong width or fewer than
  /// min_acceptance of the draws fall inside the support.
  std::vector<std::vector<double>> sample(const std::vector<double>& x_obs, std::size_t n, std::uint64_t seed) const;

  /// log q(θ | x) of the untruncated mixture; -inf outside the support.
  /// (Restricted to the support the density is higher by -log of the mass
  /// inside, which support_mass estimates.) Throws UserError on wrong widths.
  double log_prob(const std::vector<double>& theta, const std::vector<double>& x) const;

  /// Share of q(. | x)'s mass inside the support, by n draws.
  double support_mass(const std::vector<double>& x, std::size_t n = 10000, std::uint64_t seed = 1) const;

  /// q(. | x) itself (mean, covariance, components), ignoring the support.
  learned::GaussianMixture mixture(const std::vector<double>& x) const { return network_.mixture(x); }
  const learned::MixtureTraining& training() const { return network_.training(); }
  const std::vector<Support>& support() const { return support_; }
  bool in_support(const std::vector<double>& theta) const;

 private:
  learned::MixtureDensityNetwork network_;
  std::vector<Support> support_;
  double min_acceptance_;
};

/// Fits q(θ | x) to simulated rows theta[i], x[i] (summaries are
/// standardised inside). `support` has one entry per parameter (empty: the
/// whole line for each). Throws UserError for mismatched or non-finite rows,
/// a θ outside its support, fewer than 10 rows or bad options; DataError if
/// the torch module cannot be loaded.
NpeModel fit_npe(const std::vector<std::vector<double>>& theta, const std::vector<std::vector<double>>& x,
                 std::vector<Support> support, const NpeOptions& options);

/// Sequential NPE with truncated proposals (Deistler et al. 2022): round 1
/// simulates from the prior; each later round from the prior truncated to the
/// region where the last q(θ | x_obs) exceeds the density that leaves
/// `truncation` of its mass outside (drawn by rejection from the prior), and
/// q is refitted on every simulation so far. Inside that region the
/// truncated prior is proportional to the prior, so no importance correction
/// is needed as long as the region holds the posterior.
struct SequentialNpeOptions {
  std::size_t rounds = 2;
  std::size_t simulations_per_round = 1000;
  double truncation = 1e-4;         ///< posterior mass left outside the region
  std::size_t region_draws = 10000; ///< draws of q that set the density threshold
  /// A round gives up when fewer than this share of prior draws fall in the region.
  double min_acceptance = 1e-4;
  std::uint64_t seed = 1;           ///< proposals, simulation seeds, and each round's fit
  NpeOptions npe;                   ///< for every fit (its seed is replaced per round)
};

/// A draw from the prior (inside the support).
using PriorSampler = std::function<std::vector<double>(RandomStream& rng)>;
/// Summaries for each parameter row, simulated with the matching seed; may
/// run them in parallel. One row of summaries per row of parameters, in order.
using BatchSimulator = std::function<std::vector<std::vector<double>>(
    const std::vector<std::vector<double>>& theta, const std::vector<std::uint64_t>& seeds)>;

struct SequentialNpeRound {
  std::size_t simulations = 0;
  double acceptance = 1.0;  ///< share of prior draws inside the region (1 in round 1)
  double threshold = -std::numeric_limits<double>::infinity();  ///< log q(θ | x_obs) bound of the region
  learned::MixtureTraining training;
};

struct SequentialNpeResult {
  NpeModel model;  ///< the last round's fit
  std::vector<SequentialNpeRound> rounds;
  std::vector<std::vector<double>> theta, x;  ///< every simulation, in order
};

/// Runs the rounds. Throws UserError for bad options, a simulator returning
/// the wrong number of rows, a region the prior almost never reaches, and
/// what fit_npe throws; what `prior` and `simulate` throw passes through.
SequentialNpeResult run_sequential_npe(const PriorSampler& prior, const std::vector<Support>& support,
                                       const BatchSimulator& simulate, const std::vector<double>& x_obs,
                                       const SequentialNpeOptions& options);

}  // namespace simulacra::calibrate

// Sequential neural posterior estimation with truncated proposals: later
// rounds spend their simulations where the posterior at x_obs lives.
#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include "simulacra/engine/errors.hpp"
#include "simulacra/engine/random.hpp"
#include "simulacra/experiments/npe.hpp"

namespace simulacra::calibrate {

namespace {

// The log density below which `truncation` of q's mass lies (draws of q
// restricted to the support, as the posterior is).
double region_threshold(const NpeModel& model, const std::vector<double>& x_obs, const SequentialNpeOptions& o,
                        std::uint64_t seed) {
  const learned::GaussianMixture q = model.mixture(x_obs);
  const std::vector<std::vector<double>> draws = model.sample(x_obs, o.region_draws, seed);
  std::vector<double> logq;
  logq.reserve(draws.size());
  for (const auto& t : draws) logq.push_back(q.log_density(t));
  const auto k = static_cast<std::size_t>(std::floor(o.truncation * double(logq.size())));
  std::nth_element(logq.begin(), logq.begin() + std::ptrdiff_t(k), logq.end());
  return logq[k];
}

}  // namespace

SequentialNpeResult run_sequential_npe(const PriorSampler& prior, const std::vector<Support>& support,
                                       const BatchSimulator& simulate, const std::vector<double>& x_obs,
                                       const SequentialNpeOptions& o) {
  if (o.rounds == 0 || o.simulations_per_round == 0 || o.region_draws == 0)
    throw UserError("sequential NPE: rounds, simulations_per_round and region_draws must be positive");
  if (!(o.truncation >= 0.0 && o.truncation < 1.0)) throw UserError("sequential NPE: truncation must be in [0, 1)");
  if (!(o.min_acceptance > 0.0 && o.min_acceptance <= 1.0))
    throw UserError("sequential NPE: min_acceptance must be in (0, 1]");

  RandomStream rng(o.seed, 0x736e7065ULL);  // "snpe": proposals
  std::vector<std::vector<double>> theta, x;
  std::vector<SequentialNpeRound> rounds;
  std::vector<NpeModel> fits;  // the latest only (NpeModel has no empty state)
  for (std::size_t r = 0; r < o.rounds; ++r) {
    SequentialNpeRound round;
    std::vector<std::vector<double>> proposals;
    if (fits.empty()) {
      for (std::size_t i = 0; i < o.simulations_per_round; ++i) proposals.push_back(prior(rng));
    } else {
      const NpeModel& last = fits.back();
      round.threshold = region_threshold(last, x_obs, o, derive_seed(o.seed, 1000 + r));
      const learned::GaussianMixture q = last.mixture(x_obs);
      std::size_t tried = 0;
      while (proposals.size() < o.simulations_per_round) {
        std::vector<double> t = prior(rng);
        ++tried;
        if (last.in_support(t) && q.log_density(t) >= round.threshold)
          proposals.push_back(std::move(t));
        if (tried >= 10000 && double(proposals.size()) < o.min_acceptance * double(tried))
          throw UserError("sequential NPE: round " + std::to_string(r + 1) + ": only " +
                          std::to_string(proposals.size()) + " of " + std::to_string(tried) +
                          " prior draws fall in the posterior's region");
      }
      round.acceptance = double(proposals.size()) / double(tried);
    }
    std::vector<std::uint64_t> seeds;
    for (std::size_t i = 0; i < proposals.size(); ++i) seeds.push_back(derive_seed(o.seed, theta.size() + i));
    std::vector<std::vector<double>> summaries = simulate(proposals, seeds);
    if (summaries.size() != proposals.size())
      throw UserError("sequential NPE: the simulator returned " + std::to_string(summaries.size()) + " rows for " +
                      std::to_string(proposals.size()) + " parameter rows");
    for (std::size_t i = 0; i < proposals.size(); ++i) {
      theta.push_back(std::move(proposals[i]));
      x.push_back(std::move(summaries[i]));
    }
    NpeOptions fit = o.npe;
    fit.seed = derive_seed(o.seed, r);
    NpeModel model = fit_npe(theta, x, support, fit);
    round.simulations = o.simulations_per_round;
    round.training = model.training();
    rounds.push_back(round);
    fits.clear();
    fits.push_back(std::move(model));
  }
  return SequentialNpeResult{std::move(fits.back()), std::move(rounds), std::move(theta), std::move(x)};
}

}  // namespace simulacra::calibrate

#include <string>

#include "simulacra/engine/errors.hpp"
#include "simulacra/experiments/calibrate.hpp"

namespace simulacra::calibrate {

Matrix posterior_predictive(const Problem& problem, const AbcResult& posterior, std::size_t n, std::uint64_t seed) {
  if (posterior.particles.empty() || posterior.particles.size() != posterior.weights.size()) {
    throw UserError("posterior predictive: no weighted particles to draw from");
  }
  RandomStream rng(derive_seed(seed, 0x70726564ULL), 0);  // "pred"
  double total = 0.0;
  for (const double w : posterior.weights) total += w;
  Matrix thetas;
  std::vector<std::uint64_t> seeds;
  for (std::size_t i = 0; i < n; ++i) {
    double u = rng.uniform() * total;
    std::size_t k = 0;
    while (k + 1 < posterior.weights.size() && u >= posterior.weights[k]) u -= posterior.weights[k++];
    thetas.push_back(posterior.particles[k]);
    seeds.push_back(derive_seed(seed, 0x7072000000ULL + i));
  }
  Matrix rows = problem.simulate(thetas, seeds);
  if (rows.size() != thetas.size()) {
    throw UserError("the simulator returned " + std::to_string(rows.size()) + " rows of summaries for " +
                    std::to_string(thetas.size()) + " parameter rows");
  }
  for (std::size_t i = 0; i < rows.size(); ++i) {
    for (const Target& t : problem.targets) {
      std::vector<double> sim;
      for (const std::size_t s : t.summaries) sim.push_back(s < rows[i].size() ? rows[i][s] : 0.0);
      const std::vector<double> drawn = t.model.sample(sim, thetas[i], rng);
      for (std::size_t j = 0; j < t.summaries.size() && t.summaries[j] < rows[i].size(); ++j) rows[i][t.summaries[j]] = drawn[j];
    }
  }
  return rows;
}

}  // namespace simulacra::calibrate

// Neural posterior estimation over a mixture density network, with the
// prior's support enforced by rejection.
#include "simulacra/experiments/npe.hpp"

#include <cmath>
#include <string>
#include <utility>

#include "simulacra/engine/errors.hpp"
#include "simulacra/engine/random.hpp"

namespace simulacra::calibrate {

namespace {

bool inside(const std::vector<double>& theta, const std::vector<Support>& support) {
  for (std::size_t j = 0; j < theta.size(); ++j)
    if (!(theta[j] >= support[j].low && theta[j] <= support[j].high)) return false;
  return true;
}

}  // namespace

bool NpeModel::in_support(const std::vector<double>& theta) const {
  return theta.size() == support_.size() && inside(theta, support_);
}

NpeModel::NpeModel(learned::MixtureDensityNetwork network, std::vector<Support> support, double min_acceptance)
    : network_(std::move(network)), support_(std::move(support)), min_acceptance_(min_acceptance) {
  if (support_.size() != network_.y_dim())
    throw UserError("NPE: " + std::to_string(support_.size()) + " supports for " + std::to_string(network_.y_dim()) +
                    " parameters");
}

std::vector<std::vector<double>> NpeModel::sample(const std::vector<double>& x_obs, std::size_t n,
                                                  std::uint64_t seed) const {
  const learned::GaussianMixture q = network_.mixture(x_obs);
  RandomStream rng(seed, 0x6e7065ULL);  // "npe"
  std::vector<std::vector<double>> out;
  out.reserve(n);
  std::size_t tried = 0;
  while (out.size() < n) {
    std::vector<double> theta = q.sample(rng);
    ++tried;
    if (inside(theta, support_)) out.push_back(std::move(theta));
    // Judge the acceptance only once it is measured on enough draws.
    if (tried >= 1000 && static_cast<double>(out.size()) < min_acceptance_ * static_cast<double>(tried))
      throw UserError("NPE: only " + std::to_string(out.size()) + " of " + std::to_string(tried) +
                      " draws of the posterior fall inside the prior's support (the observed summaries may be "
                      "far from anything simulated)");
  }
  return out;
}

double NpeModel::log_prob(const std::vector<double>& theta, const std::vector<double>& x) const {
  if (theta.size() != support_.size())
    throw UserError("NPE: theta has " + std::to_string(theta.size()) + " values; the model has " +
                    std::to_string(support_.size()) + " parameters");
  if (!inside(theta, support_)) return -std::numeric_limits<double>::infinity();
  return network_.log_density(theta, x);
}

double NpeModel::support_mass(const std::vector<double>& x, std::size_t n, std::uint64_t seed) const {
  const learned::GaussianMixture q = network_.mixture(x);
  RandomStream rng(seed, 0x6d617373ULL);  // "mass"
  std::size_t in = 0;
  for (std::size_t i = 0; i < n; ++i) in += inside(q.sample(rng), support_) ? 1 : 0;
  return n == 0 ? 0.0 : static_cast<double>(in) / static_cast<double>(n);
}

NpeModel fit_npe(const std::vector<std::vector<double>>& theta, const std::vector<std::vector<double>>& x,
                 std::vector<Support> support, const NpeOptions& options) {
  if (theta.empty()) throw UserError("NPE: no simulations");
  if (support.empty()) support.assign(theta.front().size(), Support{});
  for (std::size_t j = 0; j < support.size(); ++j)
    if (!(support[j].low < support[j].high))
      throw UserError("NPE: the support of parameter " + std::to_string(j) + " is empty");
  for (std::size_t i = 0; i < theta.size(); ++i)
    if (theta[i].size() == support.size() && !inside(theta[i], support))
      throw UserError("NPE: simulation " + std::to_string(i) + " has a parameter outside its support");
  if (!(options.min_acceptance > 0.0 && options.min_acceptance <= 1.0))
    throw UserError("NPE: min_acceptance must be in (0, 1]");

  learned::MixtureDensityOptions m;
  m.components = options.components;
  m.hidden = options.hidden;
  m.full_covariance = options.full_covariance;
  m.max_epochs = options.max_epochs;
  m.batch_size = options.batch_size;
  m.learning_rate = options.learning_rate;
  m.validation_fraction = options.validation_fraction;
  m.patience = options.patience;
  m.seed = options.seed;
  m.series = options.series;
  m.embedding = options.embedding;
  return NpeModel(learned::MixtureDensityNetwork::fit(theta, x, m), std::move(support), options.min_acceptance);
}

}  // namespace simulacra::calibrate

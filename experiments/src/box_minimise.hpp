// Local minimisation inside a box, derivative-free (NLopt's BOBYQA, Powell
// 2009): the Gaussian process's likelihood, the acquisition and the posterior
// mean in Bayesian optimisation are all smooth, cheap and low-dimensional.
#pragma once

#include <cstddef>
#include <functional>
#include <vector>

namespace simulacra::calibrate {

struct BoxMinimum {
  std::vector<double> x;
  double value = 0.0;
};

/// Minimises f from x0 (moved inside [lower, upper]) with at most max_evals
/// evaluations. Deterministic. What f throws is rethrown.
BoxMinimum minimise_in_box(const std::function<double(const std::vector<double>&)>& f, std::vector<double> x0,
                           const std::vector<double>& lower, const std::vector<double>& upper,
                           std::size_t max_evals);

}  // namespace simulacra::calibrate

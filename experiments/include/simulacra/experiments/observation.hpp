// Observation models: how a simulated series meets an observed one. The
// discrepancy is the deviance of the observed values under the model with
// the simulated values as means (0 when they agree), so each point weighs by
// the model's own variance; `exact` is the root mean square difference.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "simulacra/engine/random.hpp"

namespace simulacra::calibrate {

struct ObservationModel {
  enum class Kind { exact, poisson, negbin, binomial };
  Kind kind = Kind::exact;
  double param = 0.0;  ///< negbin: dispersion k; binomial: reporting rate rho
  /// Index of the fitted parameter that gives `param` (binomial's rho), or -1.
  int fitted = -1;

  /// Parses "exact", "poisson", "negbin(k)" (k > 0) and "binomial(rho)",
  /// where rho is a number in (0, 1] or the name of a fitted parameter in
  /// `fitted_names`. Throws UserError naming the text.
  static ObservationModel parse(const std::string& text, const std::vector<std::string>& fitted_names);
  /// The model's parameter at theta (a fitted rho is read from theta).
  double parameter(const std::vector<double>& theta) const;
  /// Discrepancy between simulated and observed values (same length), >= 0:
  ///  exact:        sqrt(mean (s - y)^2)
  ///  poisson:      2 sum [y ln(y/s) - (y - s)]
  ///  negbin(k):    2 sum [y ln(y/s) - (y + k) ln((y + k)/(s + k))]
  ///  binomial(r):  2 sum [y ln(y/(r s)) + (s - y) ln((s - y)/(s - r s))], +inf if y > s
  /// Means below 1e-9 count as 1e-9 (a positive count where none was
  /// simulated is very unlikely, not impossible).
  double discrepancy(const std::vector<double>& simulated, const std::vector<double>& observed,
                     const std::vector<double>& theta) const;
  /// A draw of observed values given simulated ones (for methods that learn
  /// from simulated data, e.g. NPE): exact returns them unchanged.
  std::vector<double> sample(const std::vector<double>& simulated, const std::vector<double>& theta,
                             RandomStream& rng) const;
  std::string text(const std::vector<std::string>& names) const;
};

}  // namespace simulacra::calibrate

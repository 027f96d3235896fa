// The Gaussian copula generator: faithful marginals joined by the correlation
// of the columns' normal scores.
#pragma once

#include <memory>
#include <vector>

#include "simulacra/learned/generator.hpp"

namespace simulacra::learned {

/// Gaussian copula. Fit (one pass over the data after sorting each column):
/// every cell of a column's marginal (a category, a repeated value, a single
/// value) maps to the normal interval with the same probability; a row's
/// normal score is the mean of the standard normal over its interval; the
/// model's correlation is the score covariance divided by both score
/// variances (undoing the attenuation of coarse columns), repaired to be
/// positive definite. Sampling draws z ~ N(0, R) and maps Phi(z) through
/// each marginal's quantile. Conditional sampling conditions the Gaussian:
/// a value fixed to a category or a repeated value confines its z to that
/// value's interval (drawn exactly when one such column is fixed; by Gibbs
/// sweeps inside the box when several are), a continuous value fixes z to a
/// point, and the free columns are then drawn exactly from the Gaussian given
/// the fixed ones. Constraints confine each free column's u to its allowed set.
class GaussianCopula final : public Generator {
 public:
  /// Throws DataError for an empty table.
  static std::unique_ptr<GaussianCopula> fit(const DataTable& data);
  /// Throws ModelFileError for missing or inconsistent arrays.
  static std::unique_ptr<GaussianCopula> load(const ModelArchive& archive);

  std::string kind() const override { return "copula"; }
  /// The fitted correlation of normal scores, row-major, columns() wide.
  const std::vector<double>& correlation() const { return corr_; }

 private:
  void draw_u(std::size_t n, RandomStream& rng, const std::vector<ColumnEvidence>& evidence,
              std::vector<double>& u) const override;
  void store(ModelArchive& archive) const override;

  std::vector<double> corr_;
};

}  // namespace simulacra::learned

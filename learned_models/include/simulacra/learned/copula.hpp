// The Gaussian copula generator: faithful marginals joined by the correlation
// of the columns' normal scores.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "simulacra/learned/generator.hpp"

namespace simulacra::learned {

/// How GaussianCopula::fit treats a categorical column that splits the table
/// into groups with different numeric behaviour (species, diagnosis, class).
struct CopulaOptions {
  /// Stratify: fit one copula (marginals and correlation) per level of a
  /// categorical column. Off: one copula for the whole table.
  bool stratify = true;
  /// The column to stratify by; empty chooses the categorical column whose
  /// levels explain most of the variance of the other columns' normal scores
  /// (mean correlation ratio eta^2 at least `min_association`), or none.
  /// Throws DataError from fit when it names an unknown or numeric column.
  std::string by;
  double min_association = 0.05;
  /// Levels with fewer rows share one stratum (joined to the largest stratum
  /// if even together they have fewer).
  std::size_t min_stratum_rows = 20;
  /// Each stratum's correlation is shrunk toward the size-weighted mean of
  /// the strata's correlations with weight n_s / (n_s + k); 0 takes k = the
  /// number of columns.
  double shrinkage_rows = 0;
  /// A stratum's marginal of a column recorded on a grid (a measurement
  /// rounded to a resolution: at least 10 distinct values, 90% of rows on
  /// repeated ones) is
  /// a kernel estimate on the grid instead of the stratum's raw frequencies,
  /// so small strata do not reproduce their real rows (see copula.cpp).
  bool smooth_grid = true;
  /// ... as a mixture of a kernel estimate (this share) and a normal fitted
  /// to the stratum, both on the grid. Measured on iris (150 rows, 3
  /// strata; chance level of copies 1.07%): share 1 copies 1.36% of rows
  /// (1-KS 0.969), 0.5 copies 1.27% (0.962), 0 copies 1.09% (0.955).
  double grid_kernel_share = 0.0;
};

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
///
/// Stratified (CopulaOptions): a mixture of such copulas, one per stratum
/// (a level of the `by` column, or the rare levels together), each with its
/// own marginals fitted to the stratum's rows and its correlation shrunk
/// toward the strata's mean. A single Gaussian copula cannot show a
/// correlation that changes sign between classes, nor the Pearson
/// correlation that class-wise shifts of location create; the mixture does.
/// The mixture of the strata's empirical marginals is the table's. Sampling
/// draws the stratum, then the row from its copula. Under evidence the
/// stratum is drawn from P(stratum) times the evidence's probability in the
/// stratum (its marginals: exact for the `by` column and for one fixed
/// column; with several fixed columns their dependence within a stratum is
/// left out of this weight), and the row from that stratum's exact
/// conditional Gaussian.
class GaussianCopula final : public Generator {
 public:
  /// `data` is a table as users have it (TableMetadata: ids are left out,
  /// datetimes and empty cells modelled as numbers and indicators).
  /// Throws DataError for an empty table, a table of ids only, or a `by`
  /// column that is unknown or not categorical.
  static std::unique_ptr<GaussianCopula> fit(const DataTable& data, const CopulaOptions& options = {});
  /// Throws ModelFileError for missing or inconsistent arrays.
  static std::unique_ptr<GaussianCopula> load(const ModelArchive& archive);

  std::string kind() const override { return "copula"; }
  /// The fitted correlation of normal scores over the whole table (one
  /// copula), row-major, columns() wide.
  const std::vector<double>& correlation() const { return corr_; }
  /// The stratifying column, or -1 when the model is one copula.
  int stratified_by() const { return by_; }
  std::size_t strata() const { return strata_.size(); }
  /// Stratum s: its levels of the `by` column, probability, correlation.
  const std::vector<std::size_t>& stratum_levels(std::size_t s) const { return strata_[s].levels; }
  double stratum_weight(std::size_t s) const { return strata_[s].weight; }
  const std::vector<double>& stratum_correlation(std::size_t s) const { return strata_[s].corr; }

 private:
  struct Stratum {
    std::vector<std::size_t> levels;
    double weight = 0;
    std::vector<Marginal> marginals;
    std::vector<double> corr;
  };

  void draw_u(std::size_t n, RandomStream& rng, const std::vector<ColumnEvidence>& evidence,
              std::vector<double>& u) const override;
  void draw_values(std::size_t n, RandomStream& rng, const std::vector<ColumnEvidence>& evidence,
                   std::vector<double>& x) const override;
  void store(ModelArchive& archive) const override;

  std::vector<double> corr_;
  int by_ = -1;
  std::vector<Stratum> strata_;
};

}  // namespace simulacra::learned

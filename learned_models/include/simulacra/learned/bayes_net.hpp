// A Bayesian network over discretised columns: a Chow-Liu tree, optionally with
// Laplace noise on its counts for differential privacy (as DataSynthesizer does).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "simulacra/learned/generator.hpp"

namespace simulacra::learned {

struct BayesNetOptions {
  /// Bins per numeric column at most (categorical: one per level). A table
  /// of n rows gets at most sqrt(n / 5), so that a pairwise table has about
  /// 5 rows per cell and the network generalises instead of spelling out
  /// the real rows.
  std::size_t max_bins = 20;
  /// Privacy budget; 0 disables noise. Half goes to the pairwise counts that
  /// choose the tree, half to the counts of its conditional tables; each
  /// table's counts get Laplace noise of scale (tables in that half) / (epsilon/2),
  /// a count table having sensitivity 1 when one record is added or removed.
  /// With noise, numeric columns use equal-width bins between their minimum
  /// and maximum (assumed public, as in DataSynthesizer) and uniform values
  /// within a bin, so no observed value is stored.
  double epsilon = 0.0;
  std::uint64_t noise_seed = 1;  ///< seeds the noise, so a fit is reproducible
};

/// Chow-Liu tree Bayesian network. Fit: discretise each column (a numeric
/// column's bins are runs of its distinct values holding about equal
/// probability, so point masses are never split, and a gap wider than a
/// tenth of the column's range always ends a bin), compute mutual information
/// of every pair from (noisy) counts, take the maximum spanning tree rooted at
/// the first column, estimate P(root) and P(child | parent). Sample: forward
/// sampling from the root; a value within a bin comes from the column's
/// marginal restricted to that bin. Evidence (fixed columns, constraints)
/// enters as a likelihood on each column's bins and is propagated up the tree
/// once per request, so rows are drawn from the exact posterior, never rejected.
class BayesNet final : public Generator {
 public:
  /// `data` is a table as users have it (TableMetadata: ids are left out,
  /// datetimes and empty cells modelled as numbers and indicators).
  /// Throws DataError for an empty table, a table of ids only; std::invalid_argument for
  /// max_bins < 2 or negative epsilon.
  static std::unique_ptr<BayesNet> fit(const DataTable& data, const BayesNetOptions& options = {});
  /// Throws ModelFileError for missing or inconsistent arrays.
  static std::unique_ptr<BayesNet> load(const ModelArchive& archive);

  std::string kind() const override { return "bayesnet"; }
  /// Parent of each column in the tree; -1 for the root.
  const std::vector<int>& parents() const { return parent_; }
  std::size_t bins(std::size_t column) const { return bin_start_[column].size() - 1; }

 private:
  void draw_u(std::size_t n, RandomStream& rng, const std::vector<ColumnEvidence>& evidence,
              std::vector<double>& u) const override;
  void store(ModelArchive& archive) const override;
  std::size_t bin_of_cell(std::size_t column, std::size_t cell) const;
  UInterval bin_range(std::size_t column, std::size_t bin) const;

  std::vector<int> parent_;
  std::vector<std::size_t> order_;  ///< columns, each after its parent
  /// Per column: the first marginal cell of each bin, then the cell count.
  std::vector<std::vector<std::size_t>> bin_start_;
  /// Per column: P(bin | parent bin), row-major [parent bin][bin] (root: one row).
  std::vector<std::vector<double>> cpt_;
};

}  // namespace simulacra::learned

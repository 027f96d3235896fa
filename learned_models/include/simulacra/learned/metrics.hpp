// Fidelity and privacy of a synthetic table against the real one: what
// `simulacra evaluate` prints.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "simulacra/learned/data_table.hpp"

namespace simulacra::learned {

struct EvaluationOptions {
  std::size_t folds = 5;          ///< cross-validation folds of the two-sample classifier
  std::size_t max_rows = 5000;    ///< rows per table for the classifier and distances
  std::uint64_t seed = 1;         ///< subsampling and fold assignment
};

struct ColumnScore {
  std::string column;
  std::string metric;  ///< "1-KS" (numeric) or "1-TV" (categorical)
  double score = 0;    ///< 1 is a perfect match
};

struct Evaluation {
  std::size_t real_rows = 0, synthetic_rows = 0, holdout_rows = 0;
  std::vector<ColumnScore> columns;
  double mean_ks = 1;           ///< mean 1-KS over numeric columns (1 if none)
  double mean_tv = 1;           ///< mean 1-TV over categorical columns (1 if none)
  double correlation_diff = 0;  ///< mean |corr_real - corr_synth| over numeric pairs
  std::size_t correlation_pairs = 0;
  double classifier_auc = 0.5;  ///< cross-validated; 0.5 = indistinguishable
  bool has_holdout = false;
  double dcr_synthetic_median = 0;  ///< distance of synthetic rows to their closest real row
  double dcr_holdout_median = 0;    ///< the same for holdout rows (the chance level)
  double exact_copy_share = 0;      ///< synthetic rows equal to some real row, ids left out
  std::vector<std::string> id_columns;  ///< columns left out of every figure: ids are fresh by design
  double holdout_copy_share = 0;    ///< holdout rows equal to some real row
  /// The chance level of copies: holdout_copy_share averaged over every way
  /// of splitting the real and holdout rows together into parts of their
  /// sizes (exact, from how often each row's values recur). One small
  /// holdout split is a coarse estimate: on iris (150 rows, one duplicated
  /// pair) a 30-row holdout shares 0 or 1 row with the rest, 0% or 3.3%,
  /// while the expectation is 1.07%.
  double expected_copy_share = 0;
};

/// Re-reads `other` in the column order and kinds of `reference`. Throws
/// DataError naming the missing column, or "unexpected column" for extra ones.
DataTable align_columns(const DataTable& reference, const DataTable& other, const std::string& what);

/// Compares synthetic to real (and, with a holdout, the privacy figures) as
/// the generators see them (TableMetadata of `real`): id columns left out,
/// datetimes as numbers, a column with empty cells as its present values
/// (1-KS, correlations over rows where both are present) plus an indicator
/// column "<name>.missing" (1-TV: the missing rate). Tables must have the
/// same columns in the same order and kinds (align_columns). Throws
/// DataError if they do not, or a table is empty.
Evaluation evaluate(const DataTable& real, const DataTable& synthetic, const DataTable* holdout,
                    const EvaluationOptions& options = {});

std::string to_text(const Evaluation& e);
std::string to_json(const Evaluation& e);

/// Two-sample Kolmogorov-Smirnov statistic.
double ks_statistic(std::vector<double> a, std::vector<double> b);

}  // namespace simulacra::learned

// A small gradient-boosted tree classifier (logistic loss, histogram splits),
// the two-sample test's detector: it sees interactions a linear model misses.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace simulacra::learned {

struct BoostingOptions {
  std::size_t rounds = 100;
  std::size_t depth = 3;
  double learning_rate = 0.1;
  std::size_t min_leaf = 5;
  std::size_t bins = 32;  ///< per feature, from quantiles of the training rows
};

/// Binary classifier on dense double features (row-major, `features` wide).
class BoostedTrees {
 public:
  /// Fits to labels 0/1. Throws std::invalid_argument if sizes disagree or
  /// there are no rows.
  void fit(const std::vector<double>& x, std::size_t features, const std::vector<int>& y,
           const BoostingOptions& options = {});
  /// Log-odds of label 1 for each row of x.
  std::vector<double> predict(const std::vector<double>& x) const;

 private:
  struct Node {
    int feature = -1;       ///< -1: leaf
    double threshold = 0;   ///< go left when x <= threshold
    double value = 0;       ///< leaf output
    std::size_t left = 0, right = 0;
  };
  std::size_t features_ = 0;
  double base_ = 0;
  double rate_ = 0.1;
  std::vector<std::vector<Node>> trees_;
};

/// Area under the ROC curve of scores for labels 0/1 (ties count half).
double roc_auc(const std::vector<double>& score, const std::vector<int>& y);

}  // namespace simulacra::learned

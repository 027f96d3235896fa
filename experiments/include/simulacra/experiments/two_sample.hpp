// Classifier two-sample test (Lopez-Paz & Oquab 2017): how well a classifier
// tells two samples apart, by cross-validated accuracy. 0.5 means the samples
// look alike to it; 1 means they are told apart every time. Calibration uses
// it to grade a posterior against exact posterior draws.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace simulacra::calibrate {

struct TwoSampleOptions {
  std::size_t folds = 5;
  /// Neighbours voting; 0: the odd number nearest sqrt(rows per training fold).
  std::size_t neighbours = 0;
  std::uint64_t seed = 1;  ///< fold assignment
};

/// Cross-validated accuracy of a k-nearest-neighbour classifier (Euclidean
/// distance on features standardised by the pooled mean and sd) telling rows
/// of `a` from rows of `b`. The first min(|a|, |b|) rows of each are used, so
/// the classes are balanced and chance is 0.5. Throws UserError for ragged
/// rows, different widths, or fewer rows than 2 x folds per sample.
double c2st_accuracy(const std::vector<std::vector<double>>& a, const std::vector<std::vector<double>>& b,
                     const TwoSampleOptions& options = {});

}  // namespace simulacra::calibrate

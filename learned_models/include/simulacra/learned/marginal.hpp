// One column's distribution, in the form every generator shares: a CDF over
// the column's support, its inverse (the quantile), and "allowed sets" in the
// CDF's u-space. Conditions and constraints become u-intervals here, so the
// copula and the Bayesian network treat them the same way.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace simulacra::learned {

/// Standard normal CDF, accurate in the tails (via erfc).
double normal_cdf(double z);
/// Standard normal quantile (Acklam's rational approximation refined by one
/// Halley step, so close to double precision). u in (0, 1); 0 and 1 map to -/+inf.
double normal_quantile(double u);

/// A closed interval [lo, hi] of u in [0, 1]. lo == hi is a single point.
struct UInterval {
  double lo = 0.0;
  double hi = 1.0;
  double width() const { return hi - lo; }
};

/// A union of disjoint u-intervals, sorted; maps a uniform u onto itself so that
/// sampling u uniformly and mapping it samples uniformly within the union.
class USet {
 public:
  USet() : parts_{UInterval{}} {}  ///< all of [0, 1]
  explicit USet(std::vector<UInterval> parts);  ///< merges and sorts; drops empty parts
  bool full() const;
  bool empty() const { return parts_.empty(); }
  double measure() const;
  /// The point of the union at fraction t of its measure.
  double map(double t) const;
  /// Intersection with [lo, hi].
  USet clip(double lo, double hi) const;
  USet intersect(const USet& other) const;
  const std::vector<UInterval>& parts() const { return parts_; }

 private:
  std::vector<UInterval> parts_;
};

/// A column's marginal distribution.
///
/// Empirical: the support is the distinct observed values (or category codes)
/// with their frequencies. A value seen more than once (a point mass, e.g. the
/// zeros of a zero-inflated column, or every value of a discrete column) is
/// reproduced exactly; a value seen once is smoothed linearly towards the
/// midpoints to its neighbours, so continuous columns do not copy real values.
/// Histogram: bins between edges with given probabilities, uniform within a
/// bin (used with differential privacy, where observed values must not leak).
class Marginal {
 public:
  Marginal() = default;
  /// From observed values; `categorical` with `levels` codes 0..levels-1.
  /// Throws std::invalid_argument if `values` is empty.
  static Marginal empirical(const std::vector<double>& values, bool categorical, std::size_t levels);
  /// Bins [edges[i], edges[i+1]) with weights[i] (normalised here).
  static Marginal histogram(std::vector<double> edges, const std::vector<double>& weights);
  /// Point masses at `support` (sorted, distinct) with `weights` (normalised
  /// here). Throws std::invalid_argument if they are empty or of unequal size.
  static Marginal discrete(std::vector<double> support, const std::vector<double>& weights);
  /// Rebuilds a marginal saved with the fields below.
  static Marginal from_parts(int mode, std::vector<double> support, std::vector<double> cum,
                             std::vector<double> counts);

  bool categorical() const { return mode_ == kCategorical; }
  bool is_histogram() const { return mode_ == kHistogram; }
  /// Support points (empirical) or bin count (histogram).
  std::size_t size() const { return cum_.size() - 1; }
  /// u-range of support point or bin i.
  UInterval cell(std::size_t i) const { return {cum_[i], cum_[i + 1]}; }
  /// Index of the support point or bin holding x (the nearest one when x is
  /// between support points: the one whose u-range contains F(x)).
  std::size_t cell_of(double x) const;
  /// F(x) as the smoothed quantile inverts it: the u-interval that yields x
  /// exactly for a point mass or category, else a single point.
  UInterval interval_of(double x) const;
  /// u-interval of values in [lo, hi].
  UInterval range(double lo, double hi) const;
  /// The value at u (u in [0, 1]).
  double quantile(double u) const;
  double min_value() const;
  double max_value() const;
  /// Probability of exactly x: the cell's probability when x is a support
  /// value (or a category code) of an empirical marginal, else 0.
  double mass_at(double x) const;
  /// Density at x of the smoothed (continuous) part: a singleton's cell
  /// probability spread over its smoothing interval, or a histogram bin's
  /// probability over its width; 0 outside them.
  double density_at(double x) const;

  int mode() const { return mode_; }
  const std::vector<double>& support() const { return support_; }
  const std::vector<double>& cum() const { return cum_; }
  const std::vector<double>& counts() const { return counts_; }

  static constexpr int kNumeric = 0;
  static constexpr int kCategorical = 1;
  static constexpr int kHistogram = 2;
  /// Every support point a point mass with the given probability (a
  /// stratified copula's smoothed marginal of a column recorded on a grid).
  static constexpr int kDiscrete = 3;

 private:
  bool point_mass(std::size_t i) const { return mode_ == kCategorical || mode_ == kDiscrete || counts_[i] > 1.5; }
  double smoothed_lo(std::size_t i) const;
  double smoothed_hi(std::size_t i) const;

  int mode_ = kNumeric;
  std::vector<double> support_;  ///< values (empirical) or edges (histogram, size()+1)
  std::vector<double> cum_;      ///< size()+1 cumulative probabilities, 0 ... 1
  std::vector<double> counts_;   ///< observations per support point (empirical)
};

}  // namespace simulacra::learned

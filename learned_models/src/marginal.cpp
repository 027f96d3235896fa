// Marginal distributions and the normal CDF/quantile the copula rests on.
#include "simulacra/learned/marginal.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace simulacra::learned {

double normal_cdf(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

double normal_quantile(double u) {
  if (u <= 0.0) return -std::numeric_limits<double>::infinity();
  if (u >= 1.0) return std::numeric_limits<double>::infinity();
  // Acklam's rational approximation (relative error 1.15e-9) ...
  static constexpr double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,
                                 -2.759285104469687e+02, 1.383577518672690e+02,
                                 -3.066479806614716e+01, 2.506628277459239e+00};
  static constexpr double b[] = {-5.447609879822406e+01, 1.615858368580409e+02,
                                 -1.556989798598866e+02, 6.680131188771972e+01,
                                 -1.328068155288572e+01};
  static constexpr double c[] = {-7.784894002430293e-03, -3.223964580411365e-01,
                                 -2.400758277161838e+00, -2.549732539343734e+00,
                                 4.374664141464968e+00, 2.938163982698783e+00};
  static constexpr double d[] = {7.784695709041462e-03, 3.224671290700398e-01,
                                 2.445134137142996e+00, 3.754408661907416e+00};
  const double plow = 0.02425;
  double x;
  if (u < plow) {
    const double q = std::sqrt(-2 * std::log(u));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (u <= 1 - plow) {
    const double q = u - 0.5;
    const double r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    const double q = std::sqrt(-2 * std::log1p(-u));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  // ... and one Halley step against erfc brings it to near double precision.
  const double e = normal_cdf(x) - u;
  const double g = e * std::sqrt(2 * M_PI) * std::exp(x * x / 2);
  return x - g / (1 + x * g / 2);
}

USet::USet(std::vector<UInterval> parts) {
  std::sort(parts.begin(), parts.end(), [](const UInterval& l, const UInterval& r) { return l.lo < r.lo; });
  for (const UInterval& p : parts) {
    if (p.hi < p.lo) continue;
    if (!parts_.empty() && p.lo <= parts_.back().hi) parts_.back().hi = std::max(parts_.back().hi, p.hi);
    else parts_.push_back(p);
  }
}

bool USet::full() const { return parts_.size() == 1 && parts_[0].lo <= 0.0 && parts_[0].hi >= 1.0; }

double USet::measure() const {
  double m = 0;
  for (const auto& p : parts_) m += p.width();
  return m;
}

double USet::map(double t) const {
  const double total = measure();
  if (total <= 0) return parts_.empty() ? 0.5 : parts_.front().lo;  // only single points
  double left = t * total;
  for (const auto& p : parts_) {
    if (left <= p.width()) return p.lo + left;
    left -= p.width();
  }
  return parts_.back().hi;
}

USet USet::clip(double lo, double hi) const {
  std::vector<UInterval> out;
  for (const auto& p : parts_) {
    const UInterval q{std::max(p.lo, lo), std::min(p.hi, hi)};
    if (q.lo <= q.hi) out.push_back(q);
  }
  USet s;
  s.parts_ = std::move(out);
  return s;
}

USet USet::intersect(const USet& other) const {
  std::vector<UInterval> out;
  for (const auto& p : other.parts_)
    for (const auto& q : clip(p.lo, p.hi).parts_) out.push_back(q);
  USet s;
  s.parts_ = std::move(out);
  return s;
}

Marginal Marginal::empirical(const std::vector<double>& values, bool categorical, std::size_t levels) {
  if (values.empty()) throw std::invalid_argument("Marginal::empirical: no values");
  Marginal m;
  m.mode_ = categorical ? kCategorical : kNumeric;
  if (categorical) {
    m.support_.resize(levels);
    m.counts_.assign(levels, 0.0);
    for (std::size_t i = 0; i < levels; ++i) m.support_[i] = static_cast<double>(i);
    for (double v : values) m.counts_[static_cast<std::size_t>(v)] += 1;
  } else {
    std::vector<double> sorted = values;
    std::sort(sorted.begin(), sorted.end());
    for (double v : sorted) {
      if (m.support_.empty() || v != m.support_.back()) {
        m.support_.push_back(v);
        m.counts_.push_back(0);
      }
      m.counts_.back() += 1;
    }
  }
  m.cum_.assign(m.support_.size() + 1, 0.0);
  const double n = static_cast<double>(values.size());
  for (std::size_t i = 0; i < m.counts_.size(); ++i) m.cum_[i + 1] = m.cum_[i] + m.counts_[i] / n;
  m.cum_.back() = 1.0;
  return m;
}

Marginal Marginal::histogram(std::vector<double> edges, const std::vector<double>& weights) {
  Marginal m;
  m.mode_ = kHistogram;
  m.support_ = std::move(edges);
  double total = 0;
  for (double w : weights) total += std::max(w, 0.0);
  m.cum_.assign(weights.size() + 1, 0.0);
  for (std::size_t i = 0; i < weights.size(); ++i)
    m.cum_[i + 1] = m.cum_[i] + (total > 0 ? std::max(weights[i], 0.0) / total
                                           : 1.0 / static_cast<double>(weights.size()));
  m.cum_.back() = 1.0;
  m.counts_ = weights;
  return m;
}

Marginal Marginal::discrete(std::vector<double> support, const std::vector<double>& weights) {
  if (support.empty() || support.size() != weights.size())
    throw std::invalid_argument("Marginal::discrete: support and weights must be non-empty and of equal size");
  Marginal m = histogram({}, weights);
  m.mode_ = kDiscrete;
  m.support_ = std::move(support);
  return m;
}

Marginal Marginal::from_parts(int mode, std::vector<double> support, std::vector<double> cum,
                              std::vector<double> counts) {
  Marginal m;
  m.mode_ = mode;
  m.support_ = std::move(support);
  m.cum_ = std::move(cum);
  m.counts_ = std::move(counts);
  return m;
}

double Marginal::smoothed_lo(std::size_t i) const {
  return i > 0 ? 0.5 * (support_[i - 1] + support_[i]) : support_[i];
}
double Marginal::smoothed_hi(std::size_t i) const {
  return i + 1 < support_.size() ? 0.5 * (support_[i] + support_[i + 1]) : support_[i];
}

double Marginal::min_value() const { return support_.front(); }
double Marginal::max_value() const { return support_.back(); }

double Marginal::mass_at(double x) const {
  if (mode_ == kHistogram) return 0.0;
  if (mode_ == kCategorical) {
    const double i = std::round(x);
    return i >= 0 && i < static_cast<double>(size()) ? cell(static_cast<std::size_t>(i)).width() : 0.0;
  }
  const auto it = std::lower_bound(support_.begin(), support_.end(), x);
  return it != support_.end() && *it == x ? cell(static_cast<std::size_t>(it - support_.begin())).width() : 0.0;
}

double Marginal::density_at(double x) const {
  if (mode_ == kCategorical) return 0.0;
  if (mode_ == kHistogram) {
    if (x < support_.front() || x > support_.back()) return 0.0;
    std::size_t i = static_cast<std::size_t>(std::upper_bound(support_.begin(), support_.end(), x) - support_.begin());
    i = std::min(i, size()) - 1;
    const double w = support_[i + 1] - support_[i];
    return w > 0 ? cell(i).width() / w : 0.0;
  }
  const std::size_t i = static_cast<std::size_t>(std::lower_bound(support_.begin(), support_.end(), x) - support_.begin());
  for (std::size_t j : {i, i - 1}) {  // i - 1 wraps to a huge index when i == 0
    if (j >= size() || point_mass(j)) continue;
    const double lo = smoothed_lo(j);
    const double hi = smoothed_hi(j);
    if (x >= lo && x <= hi && hi > lo) return cell(j).width() / (hi - lo);
  }
  return 0.0;
}

double Marginal::quantile(double u) const {
  u = std::clamp(u, 0.0, 1.0);
  const std::size_t k = size();
  std::size_t i = static_cast<std::size_t>(std::upper_bound(cum_.begin() + 1, cum_.end(), u) - cum_.begin()) - 1;
  if (i >= k) i = k - 1;
  while (i + 1 < k && cum_[i + 1] <= cum_[i]) ++i;  // skip empty cells
  const double w = cum_[i + 1] - cum_[i];
  const double t = w > 0 ? std::clamp((u - cum_[i]) / w, 0.0, 1.0) : 0.5;
  if (mode_ == kHistogram) return support_[i] + t * (support_[i + 1] - support_[i]);
  if (point_mass(i)) return support_[i];
  return smoothed_lo(i) + t * (smoothed_hi(i) - smoothed_lo(i));
}

UInterval Marginal::interval_of(double x) const {
  const std::size_t k = size();
  if (mode_ == kHistogram) {
    if (x <= support_.front()) return {0.0, 0.0};
    if (x >= support_.back()) return {1.0, 1.0};
    const std::size_t i = static_cast<std::size_t>(std::upper_bound(support_.begin(), support_.end(), x) - support_.begin()) - 1;
    const double t = (x - support_[i]) / (support_[i + 1] - support_[i]);
    const double u = cum_[i] + t * (cum_[i + 1] - cum_[i]);
    return {u, u};
  }
  if (mode_ == kCategorical) {
    const std::size_t i = std::min(static_cast<std::size_t>(std::max(x, 0.0)), k - 1);
    return cell(i);
  }
  const std::size_t i = static_cast<std::size_t>(std::lower_bound(support_.begin(), support_.end(), x) - support_.begin());
  if (i < k && support_[i] == x && point_mass(i)) return cell(i);
  for (std::size_t j : {i, i - 1}) {  // i - 1 wraps to a huge index when i == 0
    if (j >= k || point_mass(j)) continue;
    const double lo = smoothed_lo(j);
    const double hi = smoothed_hi(j);
    if (x >= lo && x <= hi) {
      const double u = hi > lo ? cum_[j] + (x - lo) / (hi - lo) * (cum_[j + 1] - cum_[j])
                               : 0.5 * (cum_[j] + cum_[j + 1]);
      return {u, u};
    }
  }
  // Below the smallest value, above the largest, or in a gap beside a point mass.
  const double u = i >= k ? 1.0 : cum_[i];
  return {u, u};
}

UInterval Marginal::range(double lo, double hi) const {
  return {interval_of(lo).lo, interval_of(hi).hi};
}

std::size_t Marginal::cell_of(double x) const {
  const UInterval iv = interval_of(x);
  const double u = 0.5 * (iv.lo + iv.hi);
  const std::size_t i = static_cast<std::size_t>(std::upper_bound(cum_.begin() + 1, cum_.end(), u) - cum_.begin()) - 1;
  return std::min(i, size() - 1);
}

}  // namespace simulacra::learned

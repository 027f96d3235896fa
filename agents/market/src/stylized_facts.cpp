#include "simulacra/agents/market/stylized_facts.hpp"

#include <algorithm>
#include <cmath>
#include <functional>

namespace simulacra::market {

namespace {

// Second, third and fourth central moments (divided by n).
struct CentralMoments {
  double m2 = 0.0, m3 = 0.0, m4 = 0.0;
};

CentralMoments central_moments(const std::vector<double>& x) {
  double mean = 0.0;
  for (double v : x) mean += v;
  mean /= static_cast<double>(x.size());
  CentralMoments m;
  for (double v : x) {
    const double d = v - mean, d2 = d * d;
    m.m2 += d2;
    m.m3 += d2 * d;
    m.m4 += d2 * d2;
  }
  const auto n = static_cast<double>(x.size());
  m.m2 /= n;
  m.m3 /= n;
  m.m4 /= n;
  return m;
}

}  // namespace

std::vector<double> log_returns(const std::vector<double>& prices) {
  std::vector<double> r;
  for (std::size_t i = 1; i < prices.size(); ++i) {
    const double a = prices[i - 1], b = prices[i];
    if (std::isfinite(a) && std::isfinite(b) && a > 0.0 && b > 0.0) r.push_back(std::log(b / a));
  }
  return r;
}

double excess_kurtosis(const std::vector<double>& x) {
  if (x.size() < 4) return 0.0;
  const CentralMoments m = central_moments(x);
  return m.m2 > 0.0 ? m.m4 / (m.m2 * m.m2) - 3.0 : 0.0;
}

double autocorrelation(const std::vector<double>& x, std::size_t lag) {
  if (x.size() <= lag + 1) return 0.0;
  double mean = 0.0;
  for (double v : x) mean += v;
  mean /= static_cast<double>(x.size());
  double num = 0.0, den = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    den += (x[i] - mean) * (x[i] - mean);
    if (i >= lag) num += (x[i] - mean) * (x[i - lag] - mean);
  }
  return den > 0.0 ? num / den : 0.0;
}

double abs_autocorrelation(const std::vector<double>& x, std::size_t lag) {
  std::vector<double> a(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) a[i] = std::abs(x[i]);
  return autocorrelation(a, lag);
}

double hill_tail_index(const std::vector<double>& x, std::size_t k) {
  std::vector<double> a;
  for (double v : x) {
    if (v != 0.0 && std::isfinite(v)) a.push_back(std::abs(v));
  }
  if (k == 0 || a.size() < k + 1) return 0.0;
  std::partial_sort(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(k + 1), a.end(), std::greater<>());
  double sum = 0.0;
  for (std::size_t i = 0; i < k; ++i) sum += std::log(a[i] / a[k]);
  return sum > 0.0 ? static_cast<double>(k) / sum : 0.0;
}

double skewness(const std::vector<double>& x) {
  if (x.size() < 3) return 0.0;
  const CentralMoments m = central_moments(x);
  return m.m2 > 0.0 ? m.m3 / std::pow(m.m2, 1.5) : 0.0;
}

}  // namespace simulacra::market

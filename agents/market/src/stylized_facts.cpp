#include "simulacra/agents/market/stylized_facts.hpp"

#include <cmath>

namespace simulacra::market {

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
  double mean = 0.0;
  for (double v : x) mean += v;
  mean /= static_cast<double>(x.size());
  double m2 = 0.0, m4 = 0.0;
  for (double v : x) {
    const double d = (v - mean) * (v - mean);
    m2 += d;
    m4 += d * d;
  }
  m2 /= static_cast<double>(x.size());
  m4 /= static_cast<double>(x.size());
  return m2 > 0.0 ? m4 / (m2 * m2) - 3.0 : 0.0;
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

}  // namespace simulacra::market

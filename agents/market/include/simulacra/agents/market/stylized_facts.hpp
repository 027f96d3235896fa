// Statistics of return series used to check the stylized facts of markets
// (Cont 2001): heavy tails, no linear autocorrelation, volatility clustering,
// gain/loss asymmetry.
#pragma once

#include <cstddef>
#include <vector>

namespace simulacra::market {

/// Log returns of consecutive finite, positive prices; a pair with a NaN or
/// non-positive price is skipped.
std::vector<double> log_returns(const std::vector<double>& prices);

/// Sample excess kurtosis (m4 / m2^2 - 3); 0 for fewer than 4 values.
double excess_kurtosis(const std::vector<double>& x);

/// Sample autocorrelation at `lag` (the usual estimator, normalised by the
/// lag-0 sum); 0 if undefined.
double autocorrelation(const std::vector<double>& x, std::size_t lag);

/// The same, of |x|.
double abs_autocorrelation(const std::vector<double>& x, std::size_t lag);

/// Hill's estimator of the tail index of |x| from its `k` largest values:
/// k / sum(log(|x|_(i) / |x|_(k+1))), i = 1..k. 0 if fewer than k + 1
/// non-zero values.
double hill_tail_index(const std::vector<double>& x, std::size_t k);

/// Sample skewness (m3 / m2^1.5); 0 for fewer than 3 values. Negative:
/// large falls are more common than equally large rises (gain/loss asymmetry).
double skewness(const std::vector<double>& x);

}  // namespace simulacra::market

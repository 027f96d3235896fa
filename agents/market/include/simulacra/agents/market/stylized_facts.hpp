// Statistics of return series used to check the stylized facts of markets
// (Cont 2001): heavy tails, no linear autocorrelation, volatility clustering.
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

}  // namespace simulacra::market
